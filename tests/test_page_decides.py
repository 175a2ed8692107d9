"""The page decides, the address only hints (issue 15): for every profile, a true article at an address its
URL rule does not match is extracted, and an address its rule matches that serves a listing is refused."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from newsarchive import NotAnArticle, extract_article
from newsarchive.sites import SITES, host_of, registrable_domain

from .conftest import FIXTURES


def _article_fixture(key: str) -> tuple[bytes, dict]:
    for gold_path in sorted((FIXTURES / key).glob("*.json")):
        gold = json.loads(gold_path.read_text(encoding="utf-8"))
        if gold["article"] and gold["body_paragraphs"]:
            return gold_path.with_suffix(".html").read_bytes(), gold
    raise AssertionError(f"no article fixture for {key}")


def _unmatched_address(key: str, host: str) -> str:
    """An address on the site that the profile's URL rule does not match: a new path scheme."""
    for candidate in (
        f"https://{host}/New-Design/2026/Story-A{key}?utm_source=feed&ref=amp",
        f"https://{host}/amp/stories/some-story-slug/",
        f"https://{host}/x/{key}-story.php?id=abc",
    ):
        if not SITES[key].is_article_url(candidate):
            return candidate
    raise AssertionError(f"every candidate address matches {key}'s rule")


@pytest.mark.parametrize("key", list(SITES))
def test_an_article_at_an_address_the_rule_does_not_match_is_extracted(key: str) -> None:
    html, gold = _article_fixture(key)
    address = _unmatched_address(key, "www." + registrable_domain(host_of(gold["url"])))
    # the page names its new address as its own, as a site that changed its scheme does
    page = html.decode("utf-8", "replace").replace(gold["url"], address).encode()
    article = extract_article(page, address)
    assert article.url == address
    assert article.site == key
    assert article.headline == gold["headline"]
    assert article.paragraphs == gold["body_paragraphs"]
    assert article.authors == gold["authors"]


def _listing(site_name: str, title: str) -> bytes:
    teasers = "".join(
        f'<article class="teaser"><a href="/item/{n}"><img src="/img/{n}.jpg" alt=""></a>'
        f'<h2><a href="/item/{n}">כותרת ידיעה מספר {n} על אירוע שקרה היום בעיר</a></h2>'
        f"<p>תקציר הידיעה מספר {n}: כמה משפטים על מה שקרה, מי היה שם ומה צפוי לקרות בהמשך השבוע.</p>"
        "</article>"
        for n in range(1, 11)
    )
    return (
        f'<!DOCTYPE html><html lang="he"><head><meta charset="utf-8"><title>{title} - {site_name}</title>'
        '<meta property="og:type" content="website"></head><body><header><nav><a href="/">ראשי</a>'
        f'<a href="/news">חדשות</a></nav></header><main><h1>{title}</h1><section class="list">{teasers}'
        "</section></main><footer><p>כל הזכויות שמורות</p></footer></body></html>"
    ).encode()


@pytest.mark.parametrize("title", ["חדשות", "כל הכתבות והעדכונים בנושא מזג האוויר"])
@pytest.mark.parametrize("key", list(SITES))
def test_an_article_address_serving_a_listing_is_refused(key: str, title: str) -> None:
    _, gold = _article_fixture(key)
    assert SITES[key].is_article_url(gold["url"])
    with pytest.raises(NotAnArticle) as caught:
        extract_article(_listing(SITES[key].name, title), gold["url"])
    assert "listing" in caught.value.reason or "section" in caught.value.reason


def test_fixture_folder_names_are_profiles() -> None:
    folders = {p.name for p in FIXTURES.iterdir() if p.is_dir()}
    assert set(SITES) <= folders, set(SITES) - folders
    assert isinstance(FIXTURES, Path)


def test_a_selector_is_skipped_only_when_the_names_it_needs_are_absent() -> None:
    """A selector is not run when no class or id it needs is in the page; an attribute test ("a[href*=..]")
    narrows what the names select and never hides a name (nor a comma inside it splits the selector)."""
    from newsarchive.extract.page import Page, required_names

    assert required_names(".tags-list a[href*='tags.'], .tagsList a[href*='a,b']") == (
        ("tags-list",),
        ("tagsList",),
    )
    assert required_names("a[rel='tag']") is None  # needs no name: always run
    page = Page(
        "<html><body><div class='tags-list'><a href='https://tags.x.co.il/a'>א</a><a href='/b'>ב</a></div>"
        "</body></html>",
        "https://x.co.il/item/1",
    )
    assert [a.text for a in page.select(".tags-list a[href*='tags.']")] == ["א"]
    assert page.select(".tagsList a[href*='tags.']") == []
    assert "tags-list" in page.markers and page.mentions("tags-list")
