"""Issue 14: a page's canonical link (or og:url) names its own address only on its own site."""

from __future__ import annotations

import pytest

from newsarchive import NotAnArticle, extract_article
from newsarchive.extract.page import canonical_url

PROSE = "טקסט של פסקה ארוכה מספיק כדי להיות גוף של כתבה אמיתית, עם עוד כמה מילים. " * 4


def _page(link: str) -> bytes:
    return (
        f'<html lang="he"><head><meta charset="utf-8">{link}<title>כותרת הכתבה</title>'
        '<meta property="og:type" content="article"></head><body><article>'
        f"<h1>שריפה גדולה פרצה ביער הכרמל הבוקר</h1><p>{PROSE}</p><p>{PROSE}</p></article></body></html>"
    ).encode()


YNET = "https://www.ynet.co.il/news/article/abc123"


@pytest.mark.parametrize(
    "link",
    [f'<link rel="canonical" href="{YNET}">', f'<meta property="og:url" content="{YNET}">'],
)
@pytest.mark.parametrize(
    "fetched",
    [
        "https://copycat.example.com/news/1",
        "https://www.example.co.il/news/1",  # co.il is a public suffix: not "the same site" as ynet.co.il
        "https://news.walla.co.il/item/3640000",  # a profiled site naming another profiled site
    ],
)
def test_a_foreign_canonical_is_a_claim_not_the_address(link: str, fetched: str) -> None:
    article = extract_article(_page(link), fetched)
    assert article.url == fetched
    assert article.site != "ynet"
    assert article.provenance["canonical_claim"] == YNET
    assert any("another site" in warning for warning in article.warnings)


@pytest.mark.parametrize(
    ("fetched", "canonical"),
    [
        ("https://m.ynet.co.il/news/article/abc123", YNET),  # same registrable domain
        ("http://ynet.co.il/news/article/abc123?utm_source=x", YNET),
        (
            "https://www.mako.co.il/news-politics/Article-0a1b2c3d.htm",
            "https://www.n12.co.il/news/Article-1.htm",
        ),
        ("https://www.kan.org.il/x/1", "https://news.kan.org.il/content/kan-news/politic/812345/"),  # org.il
    ],
)
def test_a_canonical_on_the_same_site_is_honoured(fetched: str, canonical: str) -> None:
    article = extract_article(_page(f'<link rel="canonical" href="{canonical}">'), fetched)
    assert article.url == canonical
    assert "canonical_claim" not in article.provenance


def test_a_saved_page_without_a_fetched_address_believes_its_canonical() -> None:
    page = _page(f'<link rel="canonical" href="{YNET}">')
    assert canonical_url(page) == YNET
    article = extract_article(page, "file:///home/me/page.html")
    assert article.url == YNET and article.site == "ynet"


@pytest.mark.parametrize(
    ("fetched", "canonical"),
    [
        (YNET, "https://someone:secret@www.ynet.co.il/news/article/abc123"),  # a user and password
        (YNET, "https://www.ynet.co.il:8443/news/article/abc123"),  # another server of the host
        ("http://127.0.0.1:8000/news/1", "http://127.0.0.1:9000/news/1"),
        ("http://127.0.0.1:8000/news/1", "http://127.0.0.1/news/1"),
        ("https://alice.blogspot.com/2024/05/a.html", "https://bob.blogspot.com/2024/05/b.html"),  # tenants
        ("https://alice.github.io/news/1", "https://bob.github.io/news/1"),
        (
            YNET,
            "https://evil.example.com\\@www.ynet.co.il/news/article/x",
        ),  # a browser goes to evil.example.com
        (YNET, "https://www.ynet.co.il:99999/news/article/abc123"),
    ],
)
def test_a_canonical_of_another_server_or_tenant_or_with_a_user_is_a_claim(
    fetched: str, canonical: str
) -> None:
    """All of these were honoured: an article stored under another port's or another blog's address, with a
    password in it, or under an address a browser reads as another host's."""
    article = extract_article(_page(f'<link rel="canonical" href="{canonical}">'), fetched)
    assert article.url == fetched
    assert article.provenance["canonical_claim"] == canonical


@pytest.mark.parametrize(
    "canonical",
    [
        "https://www.ynet.co.il:443/news/article/abc123",
        "https://WWW.YNET.CO.IL/news/article/abc123",
        "https://www.ynet.co.il./news/article/abc123",
        "https://www.ynet.co.il/news/article/abc123#comments",
        "//www.ynet.co.il/news/article/abc123",
        "/news/article/abc123",
    ],
)
def test_a_canonical_on_the_site_is_stored_in_one_spelling(canonical: str) -> None:
    """Each of these spellings was stored as it was written: the same article under several addresses."""
    article = extract_article(_page(f'<link rel="canonical" href="{canonical}">'), "https://www.ynet.co.il/x")
    assert article.url == YNET


def test_an_idn_site_is_one_site_in_either_spelling() -> None:
    fetched = "https://xn--7dbee7eg.co.il/news/1"  # what the downloader fetches for חדשות.co.il
    article = extract_article(_page('<link rel="canonical" href="https://חדשות.co.il/news/1">'), fetched)
    assert article.url == fetched and "canonical_claim" not in article.provenance


@pytest.mark.parametrize("root", ["https://www.ynet.co.il/", "/", "https://www.ynet.co.il/index.htm", "/he/"])
def test_a_canonical_naming_the_front_page_leaves_an_article_its_own_address(root: str) -> None:
    """A template that gives every page the site's root as its canonical: each article was refused as "the
    site's front page" (its address read from the link, not the page). The page fetched from the root is
    still the front page."""
    page = _page(f'<link rel="canonical" href="{root}">')
    article = extract_article(page, YNET)
    assert article.url == YNET and article.site == "ynet"
    with pytest.raises(NotAnArticle, match="front page"):
        extract_article(page, "https://www.ynet.co.il/")
