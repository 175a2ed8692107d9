"""Issue 14: a page's canonical link (or og:url) names its own address only on its own site."""

from __future__ import annotations

import pytest

from newsarchive import extract_article
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
