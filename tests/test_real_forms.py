"""Forms real Hebrew news pages take that the fixtures' pages do not all show (issue 15): JSON-LD as CMSs
really print it, and bylines with no telling class. Each case is a small page written here."""

from __future__ import annotations

import json
from datetime import datetime

import pytest

from newsarchive import extract_article
from newsarchive.extract.page import _loads

PARAGRAPHS = "".join(
    f"<p>{text}</p>"
    for text in (
        "ועדת התכנון אישרה אמש את הרחבת הכביש המרכזי בעיר, לאחר דיון ארוך שכלל הסתייגויות של תושבים.",
        "לפי התוכנית, הכביש יורחב לשלושה נתיבים בכל כיוון, ולאורכו ייסלל שביל אופניים רציף.",
        "נציגי התושבים טוענים כי ההרחבה תגביר את הרעש, ומתכננים לעתור לבית המשפט בימים הקרובים.",
    )
)
HEADLINE = "הוועדה אישרה את הרחבת הכביש המרכזי בעיר"
URL = "https://www.city-news.co.il/item/1234"


def _page(head: str = "", byline: str = "") -> bytes:
    return (
        f'<!DOCTYPE html><html lang="he" dir="rtl"><head><meta charset="utf-8"><title>{HEADLINE}</title>'
        f'{head}</head><body><nav><a href="/">ראשי</a></nav><main><article><h1>{HEADLINE}</h1>'
        f'<div class="meta">{byline}</div><div class="text">{PARAGRAPHS}</div></article></main>'
        "<footer><a href='/writers'>כל הכותבים</a></footer></body></html>"
    ).encode()


def _jsonld(obj: dict, wrap: str = "{}") -> str:
    text = wrap.format(json.dumps(obj, ensure_ascii=False))
    return f'<script type="application/ld+json">{text}</script>'


ARTICLE = {"@type": "NewsArticle", "headline": HEADLINE, "datePublished": "2024-03-12T14:05:00+02:00"}


@pytest.mark.parametrize(
    "wrap",
    ["//<![CDATA[\n{}\n//]]>", "/*<![CDATA[*/{}/*]]>*/", "<!--{}-->"],
    ids=["cdata-slashes", "cdata-comment", "html-comment"],
)
def test_jsonld_wrapped_in_cdata_markers_is_read(wrap: str) -> None:
    page = _page(_jsonld({**ARTICLE, "author": {"@type": "Person", "name": "דנה לוי"}}, wrap))
    article = extract_article(page, URL)
    assert article.authors == ["דנה לוי"]
    assert article.provenance["published"] == "jsonld"


@pytest.mark.parametrize("stamp", [1710245100, 1710245100000], ids=["seconds", "milliseconds"])
def test_a_unix_time_in_jsonld_is_the_publication_time(stamp: int) -> None:
    page = _page(_jsonld({**ARTICLE, "datePublished": stamp, "author": "דנה לוי"}))
    assert extract_article(page, URL).published == datetime.fromisoformat("2024-03-12T14:05:00+02:00")


def test_a_jsonld_person_given_by_given_and_family_name() -> None:
    person = {"@type": "Person", "givenName": "דנה", "familyName": "לוי"}
    assert extract_article(_page(_jsonld({**ARTICLE, "author": person})), URL).authors == ["דנה לוי"]


def test_stray_quotes_in_jsonld_strings_are_the_text_s_own() -> None:
    raw = '{"headline": "צה"ל: "נמשיך"", "author": {"name": "ארה"ב"}, "n": [1, 2]}'
    assert _loads(raw) == {"headline": 'צה"ל: "נמשיך"', "author": {"name": 'ארה"ב'}, "n": [1, 2]}
    assert _loads('{"a": "x\\"y"}') == {"a": 'x"y'}  # quotes escaped properly stay as they are


@pytest.mark.parametrize(
    "byline",
    [
        '<a href="/writer/1234">גלעד ברזילי</a>',
        '<a href="https://www.city-news.co.il/author/gilad-b/">גלעד ברזילי</a>',
        "<address>גלעד ברזילי</address>",
    ],
    ids=["writer-link", "author-link", "address"],
)
def test_a_byline_with_no_class_is_found_by_its_link_or_address(byline: str) -> None:
    head = '<meta property="article:published_time" content="2024-03-12T14:05:00+02:00">'
    assert extract_article(_page(head, byline), URL).authors == ["גלעד ברזילי"]


def test_writer_links_outside_the_article_are_no_byline() -> None:
    """The footer's "all writers" link and a related story's writer are not this article's authors."""
    head = '<meta property="article:published_time" content="2024-03-12T14:05:00+02:00">'
    page = _page(head).replace(
        b"</main>", '<section class="more"><a href="/writer/9">רון כהן</a></section></main>'.encode()
    )
    assert extract_article(page, URL).authors == []


def test_a_date_line_inside_the_body_container_is_not_a_paragraph() -> None:
    long_paragraph = "<p>" + "ועוד פרטים על התוכנית, על לוח הזמנים ועל עלותה. " * 12 + "</p>"
    page = _page('<meta name="author" content="דנה לוי">').replace(
        b'<div class="text">', f'<div class="text"><div>12.03.24 | 14:05</div>{long_paragraph}'.encode()
    )
    article = extract_article(page, URL)
    assert "12.03.24 | 14:05" not in article.paragraphs
    assert len(article.paragraphs) == 4
    assert article.published == datetime.fromisoformat("2024-03-12T14:05:00+02:00")


@pytest.mark.parametrize(
    "byline",
    [
        '<div class="authors"><a href="/w/1">דנה לוי</a><a href="/w/2">יוסי כהן</a></div>',
        '<div class="article-writers"><span>דנה לוי</span><span>יוסי כהן</span></div>',
        '<div class="authors"><a href="/w/1">דנה לוי</a>, <a href="/w/2">יוסי כהן</a></div>',
    ],
    ids=["links", "spans", "comma"],
)
def test_one_element_per_name_with_nothing_between_is_two_names(byline: str) -> None:
    head = '<meta property="article:published_time" content="2024-03-12T14:05:00+02:00">'
    assert extract_article(_page(head, byline), URL).authors == ["דנה לוי", "יוסי כהן"]


def test_one_word_per_element_is_one_name() -> None:
    head = '<meta property="article:published_time" content="2024-03-12T14:05:00+02:00">'
    byline = '<div class="author"><b>דנה</b><b>לוי</b></div>'
    assert extract_article(_page(head, byline), URL).authors == ["דנה לוי"]


def test_an_article_whose_body_ends_in_a_list_of_related_links_is_an_article() -> None:
    """Cards are refused as a listing (generic/cards_listing); links one after another are not cards."""
    related = "<p>עוד בנושא:</p><ul>" + "".join(
        f'<li><a href="/item/{n}">כותרת של כתבה קשורה מספר {n} על נושא דומה</a></li>' for n in range(6)
    )
    page = _page('<meta name="author" content="דנה לוי">').replace(
        b"</p></div>", f"</p>{related}</ul></div>".encode()
    )
    assert len(extract_article(page, URL).paragraphs) == 3


@pytest.mark.parametrize(
    ("site_name", "title"),
    [("מעריב אונליין", f"{HEADLINE} - מעריב"), ("הקריות היום", f"{HEADLINE} | הקריות היום")],
    ids=["brand-and-a-word", "named-in-the-title"],
)
def test_the_site_s_own_name_in_jsonld_is_no_author(site_name: str, title: str) -> None:
    """The site's own name (from the <title>'s last part, with or without a word after it) as the JSON-LD
    author gives way to the visible byline."""
    head = _jsonld({**ARTICLE, "author": {"@type": "Person", "name": site_name}})
    page = _page(head, '<span class="author-name">קרן אריאלי</span>').replace(
        f"<title>{HEADLINE}</title>".encode(), f"<title>{title}</title>".encode()
    )
    assert extract_article(page, URL).authors == ["קרן אריאלי"]


CATEGORIES = (
    '<span class="cat-links"><a href="/category/politics/" rel="category tag">פוליטי</a>, '
    '<a href="/category/news/" rel="category tag">חדשות</a></span>'
)


@pytest.mark.parametrize(
    ("before", "after", "section"),
    [
        (CATEGORIES, "", "פוליטי"),
        ("", f"<footer>{CATEGORIES}</footer>", None),
        ("", f'<aside class="related">{CATEGORIES}</aside>', None),
    ],
    ids=["in-the-post", "in-the-footer", "in-related-posts"],
)
def test_a_wordpress_post_s_first_category_is_its_section(
    before: str, after: str, section: str | None
) -> None:
    page = _page('<meta name="author" content="דנה לוי">').replace(b"<h1>", f"{before}<h1>".encode())
    page = page.replace(b"</main>", f"{after}</main>".encode())
    assert extract_article(page, URL).section == section


@pytest.mark.parametrize(
    ("byline", "first_line"),
    [
        ("", "<p>מאת: גלעד ברזילי</p>"),
        ("", "<p>מאת גלעד ברזילי</p>"),
        ('<div class="journalist-name">גלעד ברזילי</div>', ""),
        ('<div class="by-line">גלעד ברזילי</div>', ""),
    ],
    ids=["body-opens-with-label-colon", "body-opens-with-label", "journalist-class", "by-line-class"],
)
def test_bylines_old_templates_print(byline: str, first_line: str) -> None:
    head = '<meta property="article:published_time" content="2024-03-12T14:05:00+02:00">'
    page = _page(head, byline).replace(b'<div class="text">', f'<div class="text">{first_line}'.encode())
    article = extract_article(page, URL)
    assert article.authors == ["גלעד ברזילי"]
    assert article.paragraphs[0].startswith("ועדת התכנון")


def test_an_itemprop_author_s_name_is_its_itemprop_name() -> None:
    """The name element has no children (an lxml element without children is false: it was skipped)."""
    byline = (
        '<div itemprop="author" class="author-box"><img src="/a.jpg" alt="">'
        '<span itemprop="name">גלעד ברזילי</span><span class="bio">עורך החדשות, מסקר את הכנסת</span></div>'
    )
    head = '<meta property="article:published_time" content="2024-03-12T14:05:00+02:00">'
    assert extract_article(_page(head, byline), URL).authors == ["גלעד ברזילי"]
