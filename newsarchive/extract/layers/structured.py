"""Structured data: the article object of the page's JSON-LD, of its schema.org microdata and of its framework
state (Next.js, Nuxt, a ``window.__STATE__`` blob), all read in schema.org terms (``extract/structured.py``
finds them)."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from functools import cached_property

from lxml import etree

from ...credits import is_agency
from ...text import clean, fold_for_compare
from ..blocks import blocks
from ..elements import text_of
from ..page import Page, jsonld_text
from ..structured import as_schema, read_microdata_breadcrumb
from .base import NO_BODY, Body, Layer, finish_body, language_code, names, text_lines, unique


class JsonLdLayer(Layer):
    kind = name = "jsonld"

    @cached_property
    def article(self) -> dict:
        return _this_pages(self.page, self.page.articles_in_jsonld())

    def headline(self) -> str | None:
        headline = jsonld_text(self.article.get("headline") or self.article.get("name")) or None
        if headline and _one_other_visible_headline(self.page, headline):
            return None  # a search-engine headline; the reader's is the page's own <h1>
        return headline

    def subtitle(self) -> str | None:
        return jsonld_text(self.article.get("alternativeHeadline")) or None

    def authors(self) -> list[str]:
        raw = self.article.get("author") or self.article.get("creator")
        entries = raw if isinstance(raw, list) else [raw]
        texts = []
        for entry in entries[:20]:
            if isinstance(entry, dict):
                # Yoast (WordPress) names the author by reference: {"@id": ".../#/schema/person/..."}
                if not entry.get("name") and isinstance(entry.get("@id"), str):
                    entry = self.page.jsonld_by_id.get(entry["@id"], entry)
                name = jsonld_text(entry.get("name")) or clean(
                    f"{jsonld_text(entry.get('givenName'))} {jsonld_text(entry.get('familyName'))}"
                )
                if str(entry.get("@type", "")).lower() == "organization" and not is_agency(name):
                    continue
                texts.append(name)
            elif isinstance(entry, str) and not entry.startswith("http"):
                texts.append(entry)
        return names(texts)

    def published_text(self) -> str | None:
        return _jsonld_date(self.article.get("datePublished"))

    def updated_text(self) -> str | None:
        return _jsonld_date(self.article.get("dateModified"))

    @cached_property
    def _body(self) -> Body:
        text = self.article.get("articleBody")
        if not isinstance(text, str):
            return NO_BODY
        return finish_body(text_lines(re.split(r"\n\s*\n|\r?\n", text), self.page.root))

    def body(self) -> Body:
        return self._body

    def section_trail(self) -> list[str]:
        section = self.article.get("articleSection")
        if isinstance(section, str):
            section = [section]
        if isinstance(section, list):
            trail = unique([jsonld_text(s) for s in section if isinstance(s, str)])
            if trail:
                return trail
        return self._breadcrumb()

    def _breadcrumb(self) -> list[str]:
        lists = list(self.page.objects_of_type("BreadcrumbList"))
        for obj in self.page.jsonld:
            nested = obj.get("breadcrumb")
            if isinstance(nested, dict):
                lists.append(nested)
        for crumbs in lists:
            items = crumbs.get("itemListElement")
            if not isinstance(items, list) or not items:
                continue
            found = []
            for item in items:
                if not isinstance(item, dict):
                    continue
                name = jsonld_text(item.get("name")) or jsonld_text(item.get("item"))
                if name:
                    found.append(name)
            if found:
                return unique(found)
        return []

    def tags(self) -> list[str]:
        keywords = self.article.get("keywords")
        if isinstance(keywords, str):
            keywords = keywords.split(",")
        if not isinstance(keywords, list):
            return []
        return unique([jsonld_text(k) for k in keywords if isinstance(k, str)])

    def paywalled(self) -> bool | None:
        free = self.article.get("isAccessibleForFree")
        if isinstance(free, str):
            free = free.strip().lower() not in ("false", "no", "0")
        if free is False:
            return True
        parts = self.article.get("hasPart")
        for part in parts if isinstance(parts, list) else [parts]:
            if isinstance(part, dict) and str(part.get("isAccessibleForFree")).lower() == "false":
                return True
        return None

    def language(self) -> str | None:
        return language_code(jsonld_text(self.article.get("inLanguage")))


class MicrodataLayer(JsonLdLayer):
    """schema.org microdata (itemprop) read as JSON-LD is; the articleBody element's own paragraphs."""

    kind = name = "microdata"

    @cached_property
    def article(self) -> dict:
        return _this_pages(self.page, self.page.microdata)

    def section_trail(self) -> list[str]:
        section = self.article.get("articleSection")
        if isinstance(section, str) and section.strip():
            return [clean(section)]
        return unique(read_microdata_breadcrumb(self.page.root)) if self.page.microdata else []

    @cached_property
    def _body(self) -> Body:
        element = self.article.get("_body_element")
        if not isinstance(element, etree._Element):
            return NO_BODY
        return finish_body(blocks(element), element)


class StateLayer(JsonLdLayer):
    """The article as the site's framework keeps it (Next.js, Nuxt, a window.__STATE__ blob)."""

    kind = name = "state"

    @cached_property
    def article(self) -> dict:
        candidates = [as_schema(node) for node in self.page.state_articles]
        return _this_pages(self.page, candidates, sure=True)

    @cached_property
    def _body(self) -> Body:
        return finish_body(text_lines(self.article.get("_paragraphs") or [], self.page.root))


def _one_other_visible_headline(page: Page, headline: str) -> bool:
    """The page shows one headline of several words (a single such <h1>) and it shares few words with
    ``headline``: metadata written for search engines, not what a reader sees."""
    h1s = [text for h1 in page.select("//h1") if len((text := text_of(h1)).split()) >= 4]
    if len(h1s) != 1:
        return False
    visible, given = fold_for_compare(h1s[0]), fold_for_compare(headline)
    if visible in given or given in visible:
        return False
    words = visible.split()
    return sum(word in given.split() for word in words) < 0.6 * len(words)


def _jsonld_date(value: object) -> str | None:
    """A JSON-LD date: a string, or a Unix time in seconds or milliseconds (some CMSs print numbers)."""
    if isinstance(value, int | float) and not isinstance(value, bool) and value > 1e8:
        seconds = value / 1000 if value > 1e11 else value
        try:
            return datetime.fromtimestamp(seconds, UTC).isoformat()
        except (OverflowError, OSError, ValueError):
            return None
    return jsonld_text(value) or None


def _this_pages(page: Page, found: list[dict], *, sure: bool = False) -> dict:
    """Of several article objects, the one this page shows: the one whose headline is the page's title,
    else the first NewsArticle. ``sure``: with several and none named by the page, none."""
    named = [obj for obj in found if page.names_this_page(obj.get("headline") or obj.get("name"))]
    if named:
        return named[0]
    if sure and len(found) > 1:
        return {}
    found = sorted(found, key=lambda obj: "newsarticle" not in str(obj.get("@type")).lower())
    return found[0] if found else {}
