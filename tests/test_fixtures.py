"""One stored page plus one expected JSON per layout (the fundus way): every field must match exactly."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

import pytest

from newsarchive import NotAnArticle, extract_article

from .conftest import FIXTURES

CASES = sorted(FIXTURES.rglob("*.json"))


def _load(path: Path) -> tuple[bytes, dict]:
    return path.with_suffix(".html").read_bytes(), json.loads(path.read_text(encoding="utf-8"))


@pytest.mark.parametrize("gold_path", CASES, ids=[str(p.relative_to(FIXTURES)) for p in CASES])
def test_fixture(gold_path: Path) -> None:
    html, gold = _load(gold_path)
    if not gold["article"]:
        with pytest.raises(NotAnArticle) as caught:
            extract_article(html, gold["url"])
        assert caught.value.reason
        return
    article = extract_article(html, gold["url"])
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


def test_every_site_profile_and_layout_has_a_fixture() -> None:
    from newsarchive.sites import SITES

    for key, profile in SITES.items():
        assert any(FIXTURES.joinpath(key).glob("*.html")), f"no fixture page for site {key}"
        assert profile.layouts, key
    fixture_layouts = set()
    for gold_path in CASES:
        html, gold = _load(gold_path)
        if gold["article"] and gold["site"] in SITES:
            fixture_layouts.add(extract_article(html, gold["url"]).provenance.get("layout"))
    for key, profile in SITES.items():
        for layout in profile.layouts:
            if key in ("calcalist", "themarker") or layout.name in {"l-article-2019", "magazine-2021"}:
                continue  # shared with ynet / haaretz, or known only from selectors in public scrapers
            assert f"{key}:{layout.name}" in fixture_layouts, f"layout {key}:{layout.name} has no fixture"
