"""One stored page plus one expected JSON per layout (the fundus way): every field must match exactly."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

import pytest

from newsarchive import NotAnArticle, extract_article

from .conftest import FIXTURES, SAMPLE_SITES

CASES = sorted(FIXTURES.rglob("*.json"))


def _load(path: Path) -> tuple[bytes, dict]:
    return path.with_suffix(".html").read_bytes(), json.loads(path.read_text(encoding="utf-8"))


@pytest.mark.parametrize("gold_path", CASES, ids=[str(p.relative_to(FIXTURES)) for p in CASES])
def test_fixture(gold_path: Path) -> None:
    html, gold = _load(gold_path)
    # a saved file or a mirror is read under a file address; its own address is recovered from the page
    address = gold.get("fetched_as", gold["url"])
    if not gold["article"]:
        with pytest.raises(NotAnArticle) as caught:
            extract_article(html, address)
        assert caught.value.reason
        assert caught.value.reason.startswith(gold.get("reason", "")), caught.value.reason
        return
    article = extract_article(html, address)
    assert article.url == gold["url"]
    assert article.site == gold["site"]
    assert article.headline == gold["headline"]
    assert article.subtitle == gold["subtitle"]
    assert article.authors == gold["authors"]
    assert article.published == datetime.fromisoformat(gold["published"])
    assert article.published.utcoffset() == datetime.fromisoformat(gold["published"]).utcoffset()
    assert article.updated == (datetime.fromisoformat(gold["updated"]) if gold["updated"] else None)
    assert article.paragraphs == gold["body_paragraphs"]
    assert [i.to_dict() for i in article.images] == gold["images"]
    assert article.section == gold["section"]
    assert article.tags == gold["tags"]
    assert article.paywalled == gold["paywalled"]
    assert article.language == "he"


ARTICLE_CASES = [p for p in CASES if json.loads(p.read_text(encoding="utf-8"))["article"]]


@pytest.mark.parametrize(
    "gold_path", ARTICLE_CASES, ids=[str(p.relative_to(FIXTURES)) for p in ARTICLE_CASES]
)
def test_the_generic_layers_alone_read_every_fixture(gold_path: Path) -> None:
    """A site that redesigns leaves its profile's selectors behind: the generic layers (JSON-LD, meta tags,
    heuristics) must still give headline, subtitle, byline, time and the body's first paragraph."""
    html, gold = _load(gold_path)
    article = extract_article(html, gold.get("fetched_as", gold["url"]), site_rules=False)
    assert article.headline == gold["headline"]
    assert article.subtitle == gold["subtitle"]
    assert article.authors == gold["authors"]
    assert article.published == datetime.fromisoformat(gold["published"])
    assert article.paragraphs[:1] == gold["body_paragraphs"][:1]


def test_every_site_profile_has_a_replay_snapshot() -> None:
    """Each profile's hosts in data/samples/sites: robots.txt or a feed, and at least two article pages
    (the crawl itself is tested in test_crawl.py)."""
    from newsarchive.sites import SITES

    samples = SAMPLE_SITES
    for key, profile in SITES.items():
        hosts = [h for h in samples.iterdir() if profile.handles(h.name)]
        assert hosts, f"no replay snapshot for site {key}"
        files = [f for h in hosts for f in h.rglob("*") if f.is_file()]
        urls = [f"https://{f.relative_to(samples)}".replace("/index.html", "/") for f in files]
        pages = [url for url in urls if profile.is_article_url(url)]
        assert len(pages) >= 2, f"site {key} has {len(pages)} article pages in its snapshot"
        assert any(f.name == "robots.txt" for f in files), f"site {key}: no robots.txt in its snapshot"


def test_every_site_profile_and_layout_has_a_fixture() -> None:
    from newsarchive.sites import SITES, Verification

    for key, profile in SITES.items():
        assert any(FIXTURES.joinpath(key).glob("*.html")), f"no fixture page for site {key}"
        # a profile without layouts of its own must say it relies on the generic layers
        assert profile.layouts or profile.verified is Verification.NO_MARKUP_KNOWN, key
    for page in FIXTURES.rglob("*.html"):
        assert page.with_suffix(".json").is_file(), f"{page} has no expected JSON"
    for gold_path in CASES:
        assert gold_path.with_suffix(".html").is_file(), f"{gold_path} has no page"
    fixture_layouts = set()
    for gold_path in CASES:
        html, gold = _load(gold_path)
        if gold["article"] and gold["site"] in SITES:
            fixture_layouts.add(extract_article(html, gold["url"]).provenance.get("layout"))
    for key, profile in SITES.items():
        for layout in profile.layouts:
            assert f"{key}:{layout.name}" in fixture_layouts, f"layout {key}:{layout.name} has no fixture"
