"""Sites without a profile: the on-the-spot profile and feed autodiscovery (the crawl: test_crawl.py)."""

from __future__ import annotations

import pytest

from newsarchive.discovery import feeds_from_html
from newsarchive.sites.adhoc import adhoc_profile, is_adhoc


@pytest.mark.parametrize(
    ("url", "is_article"),
    [
        ("https://www.example.co.il/news/2024/05/01/some-title/", True),
        ("https://www.example.co.il/?p=123", True),
        ("https://www.example.co.il/news/article.aspx?did=1", True),
        ("https://www.example.co.il/item/55", True),
        ("https://www.example.co.il/", False),
        ("https://www.example.co.il", False),
        ("https://www.example.co.il/tag/economy/", False),
        ("https://www.example.co.il/category/news", False),
        ("https://www.example.co.il/author/dana/", False),
        ("https://www.example.co.il/page/2/", False),
        ("https://www.example.co.il/feed/", False),
        ("https://www.example.co.il/sitemap.xml", False),
        ("https://www.example.co.il/wp-content/uploads/a.jpg?w=300", False),
    ],
)
def test_article_url_rule(url: str, is_article: bool) -> None:
    assert adhoc_profile("https://www.example.co.il/").is_article_url(url) is is_article


def test_profile_from_any_address_on_the_site() -> None:
    profile = adhoc_profile("HTTPS://WWW.Example.co.il/news/1?x=y")
    assert profile.key == "example.co.il" and profile.domains == ("example.co.il",)
    assert profile.homes == ("https://www.example.co.il",) and is_adhoc(profile)
    assert profile.handles("news.example.co.il") and not profile.handles("example.com")


@pytest.mark.parametrize(
    "url", ["ftp://example.co.il/", "example.co.il", "https://localhost/", "", "https:///x"]
)
def test_not_a_site_address(url: str) -> None:
    with pytest.raises(ValueError, match="not a web site address"):
        adhoc_profile(url)


def test_feed_autodiscovery() -> None:
    page = b"""<html><head>
    <link rel="alternate" type="application/rss+xml" href="/feed/">
    <link rel="alternate" type="application/atom+xml" href="https://www.example.co.il/atom.xml">
    <link rel="alternate" type="application/rss+xml" href="/feed/">
    <link rel="alternate" type="application/rss+xml" href="https://other.example.com/feed">
    <link rel="alternate" hreflang="en" href="/en/">
    <link rel="stylesheet" type="text/css" href="/s.css">
    </head><body></body></html>"""
    assert feeds_from_html(page, "https://www.example.co.il/") == [
        "https://www.example.co.il/feed/",
        "https://www.example.co.il/atom.xml",
    ]


@pytest.mark.parametrize("body", [b"", b"\x00\xff\xfe garbage", b"<html><link rel=alternate", b"<" * 10000])
def test_feed_autodiscovery_on_broken_pages(body: bytes) -> None:
    assert feeds_from_html(body, "https://www.example.co.il/") == []
