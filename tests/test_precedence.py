"""Field precedence is one table (newsarchive/extract/precedence.py): the extractor follows it, and it names
only layers that exist."""

from __future__ import annotations

import dataclasses

import pytest

from newsarchive import extract_article
from newsarchive.extract import precedence
from newsarchive.extract.precedence import LAYER_ORDER, PRECEDENCE, PageLayers, Precedence, Rule

PAGE = """<html lang="he"><head><title>כותרת מטא של הכתבה - אתר</title>
<meta property="og:title" content="כותרת מטא של הכתבה">
<meta property="og:type" content="article">
<meta property="article:tag" content="תגית מטא">
</head><body><article><h1>כותרת גלויה של הכתבה</h1>
<div class="tags"><a href="/tag/1">תגית גלויה</a></div>
<p>פסקה ראשונה של הכתבה, ארוכה מספיק כדי להיות גוף הטקסט של העמוד הזה, עם עוד כמה מילים.</p>
<p>פסקה שנייה של הכתבה, גם היא ארוכה מספיק כדי להיחשב טקסט של ממש ולא כותרת או כיתוב.</p>
</article></body></html>"""
URL = "https://www.example.co.il/news/story-1"


def test_every_row_names_layers_that_read_a_page() -> None:
    kinds = {field.name for field in dataclasses.fields(PageLayers)}
    assert set(LAYER_ORDER) == kinds
    for field, row in PRECEDENCE.items():
        assert row.layers and set(row.layers) <= kinds, field
        assert len(set(row.layers)) == len(row.layers), field


def test_the_tag_row_puts_meta_last() -> None:
    """The tag list a reader sees beats the meta keywords."""
    article = extract_article(PAGE, URL)
    assert article.tags == ["תגית גלויה"]
    assert article.provenance["tags"] == "generic"


def test_the_extractor_reads_its_order_from_the_table(monkeypatch: pytest.MonkeyPatch) -> None:
    """The meta headline wins by the table's order; with the generic layer put first, the <h1> does."""
    assert extract_article(PAGE, URL).provenance["headline"] == "meta"
    generic_first = ("generic", *(kind for kind in LAYER_ORDER if kind != "generic"))
    monkeypatch.setitem(precedence.PRECEDENCE, "headline", Precedence(generic_first, Rule.FIRST))
    article = extract_article(PAGE, URL)
    assert article.provenance["headline"] == "generic"
    assert article.headline == "כותרת גלויה של הכתבה"
