"""Bad input gives NotAnArticle (with a reason) or a partial article; never an exception, never a hang."""

from __future__ import annotations

import gzip
import time
from pathlib import Path

import pytest

from newsarchive import NotAnArticle, extract_article
from newsarchive.discovery import MAX_XML_BYTES, DiscoveryError, parse_feed, parse_sitemap

from .conftest import FIXTURES

URL = "https://news.example.co.il/item/1"
# A hang guard, not a speed target: speed is measured in benchmarks/.
HANG_LIMIT_S = 20
PROSE = "טקסט של פסקה ארוכה מספיק כדי להיות גוף של כתבה אמיתית. " * 3


def outcome(data: bytes | str, url: str = URL):
    started = time.monotonic()
    try:
        result = extract_article(data, url)
    except NotAnArticle as error:
        assert error.reason, "NotAnArticle must say why"
        result = error
    assert time.monotonic() - started < HANG_LIMIT_S
    return result


def page(head: str = "", body: str = "") -> bytes:
    return f"<html><head>{head}</head><body>{body}</body></html>".encode()


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"", "empty page"),
        (b" \n\t ", "empty page"),
        (bytes(range(256)) * 50, "binary"),
        (b"\x1f\x8b\x08\x00\x00\x00\x00\x00", "binary"),
        (b"\x89PNG\r\n\x1a\n" + b"\x00" * 100, "binary"),
        (page(body=f"<p>{PROSE}</p>"), "no headline"),
        (page(body="<h1>כותרת של כתבה בלי גוף</h1>"), "empty body"),
        (b"<script>" + b"x" * 100_000 + b"</script>", "no headline"),
    ],
)
def test_rejected_with_reason(data: bytes, reason: str) -> None:
    result = outcome(data)
    assert isinstance(result, NotAnArticle)
    assert reason in result.reason


def test_truncated_html_gives_what_is_there() -> None:
    html = (FIXTURES / "walla" / "item.html").read_bytes()
    for cut in (len(html) // 3, len(html) // 2, len(html) - 200):
        result = outcome(html[:cut], "https://news.walla.co.il/item/3601234")
        if not isinstance(result, NotAnArticle):
            assert result.headline == "המחאה נגד יוקר המחיה מתרחבת"


def test_twenty_megabyte_page() -> None:
    filler = f"<div class='x'><p>{PROSE}</p></div>" * 70_000
    data = page(body=f"<h1>כותרת של כתבה ענקית</h1><article><p>{PROSE}</p>{filler}</article>")
    assert len(data) > 20_000_000
    result = outcome(data)
    assert not isinstance(result, NotAnArticle)
    assert result.headline == "כותרת של כתבה ענקית"
    assert result.warnings  # the size limit cut the page, and the article says so


def test_pathological_nesting() -> None:
    data = page(body="<h1>כותרת של כתבה עמוקה</h1>" + "<div>" * 100_000 + PROSE + "</div>" * 100_000)
    outcome(data)


def test_tens_of_thousands_of_attributes() -> None:
    attributes = " ".join(f'a{i}="x"' for i in range(60_000))
    result = outcome(page(body=f"<h1 {attributes}>כותרת הכתבה החשובה</h1><p>{PROSE}</p>"))
    assert result.headline == "כותרת הכתבה החשובה"


def _with_jsonld(jsonld: str) -> bytes:
    return page(
        head=f'<script type="application/ld+json">{jsonld}</script>',
        body=f"<h1>כותרת הכתבה החשובה</h1><article><p>{PROSE}</p></article>",
    )


@pytest.mark.parametrize(
    "jsonld",
    [
        '{"@type": "NewsArticle", "headline": "x" ,,, ',
        '["a", 1, null, {"@type": ["NewsArticle"], "headline": ["ראשונה", "שנייה"], "author": 5,'
        ' "datePublished": {"x": 1}}]',
        '{"@type": "NewsArticle", "author": [{"@type": "Person"}, null, 7, {"name": {"x": 1}}],'
        ' "keywords": 12}',
        '{"@type": "NewsArticle", "a": ' + "[" * 5000 + "]" * 5000 + "}",
        '{"@graph": [{"@type": "NewsArticle", "@id": "#a", "author": {"@id": "#a"}}]}',
        '{"@type": "NewsArticle", "headline": "<b>כותרת</b> &amp; עוד",'
        ' "datePublished": "2024-13-45T99:99:00Z"}',
        "<!-- not json at all -->",
        '{"@type": null, "@graph": "string"}',
    ],
)
def test_odd_jsonld_never_breaks_extraction(jsonld: str) -> None:
    result = outcome(_with_jsonld(jsonld))
    assert not isinstance(result, NotAnArticle)
    assert result.paragraphs


def test_impossible_dates_leave_published_empty() -> None:
    result = outcome(_with_jsonld('{"@type": "NewsArticle", "datePublished": "2024-02-31T10:00:00Z"}'))
    assert result.published is None


def test_entities_in_jsonld_are_unescaped() -> None:
    result = outcome(
        page(
            head='<script type="application/ld+json">{"@type": "NewsArticle", '
            '"headline": "סייעת &quot;גן מתוק&quot; הורשעה"}</script>',
            body=f"<article><p>{PROSE}</p></article>",
        )
    )
    assert result.headline == 'סייעת "גן מתוק" הורשעה'


def test_error_page() -> None:
    result = outcome(
        page(head="<title>404 - הדף לא נמצא</title>", body=f"<h1>הדף לא נמצא</h1><p>{PROSE}</p>")
    )
    assert isinstance(result, NotAnArticle)
    assert "error page" in result.reason


def test_update_time_from_meta_tags_alone() -> None:
    """A regression: a page whose only update time is `article:modified_time` once failed extraction."""
    result = outcome(
        page(
            head='<meta property="article:published_time" content="2024-05-15T07:33:00+03:00">'
            '<meta property="article:modified_time" content="2024-05-15T09:00:00+03:00">',
            body=f"<h1>כותרת הכתבה החשובה</h1><article><p>{PROSE}</p></article>",
        )
    )
    assert not isinstance(result, NotAnArticle)
    assert result.updated.isoformat() == "2024-05-15T09:00:00+03:00"


def test_control_characters_after_a_headline_kicker() -> None:
    """A regression found by mutation fuzzing: a kicker followed by a NUL byte."""
    html = (FIXTURES / "haaretz" / "polopoly_2013.html").read_bytes()
    html = html.replace("ניתוח ||</span>".encode(), "ניתוח ||</span>\x00\x01".encode())
    result = outcome(html, "http://www.haaretz.co.il/news/politics/1.2150000")
    assert not isinstance(result, NotAnArticle)
    assert result.headline.endswith("הצבעת התקציב נדחתה בשבוע")


# -- hostile XML: refused before any expansion, file read or network fetch -----------------------------

BILLION_LAUGHS = (
    '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
    + "".join(f'<!ENTITY lol{n} "{f"&lol{n - 1};" * 10 if n > 1 else "&lol;" * 10}">' for n in range(1, 10))
    + "]>"
)


@pytest.mark.parametrize(
    "root",
    [
        "<urlset><url><loc>&lol9;</loc></url></urlset>",
        "<rss><channel><item><link>&lol9;</link></item></channel></rss>",
    ],
)
def test_billion_laughs_is_refused_without_expansion(root: str) -> None:
    started = time.monotonic()
    for parse in (parse_sitemap, parse_feed):
        with pytest.raises(DiscoveryError, match="DTD or entity"):
            parse((BILLION_LAUGHS + root).encode(), "https://www.ynet.co.il/sitemap.xml")
    assert time.monotonic() - started < 1


def test_external_entities_are_never_read(tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET-MARKER")
    for declaration in (
        f'<!DOCTYPE x [<!ENTITY xxe SYSTEM "file://{secret}">]>',
        f'<!DOCTYPE x [<!ENTITY % p SYSTEM "file://{secret}"> %p;]>',
        '<!DOCTYPE x SYSTEM "http://127.0.0.1:9/evil.dtd">',
    ):
        body = f'<?xml version="1.0"?>{declaration}<urlset><url><loc>https://www.ynet.co.il/&xxe;</loc></url></urlset>'
        for parse in (parse_sitemap, parse_feed):
            try:
                result = parse(body.encode(), "https://www.ynet.co.il/sitemap.xml")
            except DiscoveryError:
                continue
            assert "TOP-SECRET-MARKER" not in repr(result)


def test_a_gzip_bomb_is_cut_at_the_size_limit() -> None:
    bomb = gzip.compress(b"<urlset>" + b" " * (MAX_XML_BYTES + 1024), compresslevel=9)
    assert len(bomb) < 100_000
    with pytest.raises(DiscoveryError, match="gzip bomb"):
        parse_sitemap(bomb, "https://www.ynet.co.il/sitemap.xml.gz")


@pytest.mark.parametrize(
    "headline",
    [
        "500 אלף בתים ללא חשמל בצפון",
        "שגיאה חמורה של השופט בפסק הדין",
        "אופס: הממשלה שכחה לאשר את התקציב",
        "403 עובדים פוטרו ממפעל ההייטק",
        "404 ימים בשבי: המשפחות נפגשו עם ראש הממשלה",
    ],
)
@pytest.mark.parametrize("metadata", [True, False])
def test_headlines_that_mention_errors_are_articles(headline: str, metadata: bool) -> None:
    """Issue 14: a number or a word in a headline made real articles error pages."""
    head = f"<title>{headline} - חדשות הצפון</title>"
    if metadata:
        head += '<meta property="og:type" content="article">'
    result = outcome(
        page(head=head, body=f"<article><h1>{headline}</h1><p>{PROSE}</p><p>{PROSE}</p></article>")
    )
    assert not isinstance(result, NotAnArticle), result
    assert result.headline == headline


@pytest.mark.parametrize(
    ("title", "h1", "text"),
    [
        ("שגיאה 404", "שגיאה 404", "הדף שחיפשת אינו קיים."),
        ("Page not found | חדשות הצפון", "Page not found", "The page you requested could not be found."),
        ("אופס! הדף שחיפשת לא נמצא", "אופס! הדף שחיפשת לא נמצא", "אולי הכתובת שגויה. חזרו לדף הבית."),
        ("חדשות הצפון", "העמוד המבוקש לא נמצא", "ייתכן שהעמוד הוסר. חפשו באתר."),
        ("500 - Internal Server Error", "Internal Server Error", "Please try again later."),
    ],
)
def test_error_pages_are_refused(title: str, h1: str, text: str) -> None:
    result = outcome(page(head=f"<title>{title}</title>", body=f"<main><h1>{h1}</h1><p>{text}</p></main>"))
    assert isinstance(result, NotAnArticle)
    assert result.reason.startswith("error page")
