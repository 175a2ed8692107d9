"""Which layer's answer becomes each field of the Article: one table, and the named rules it uses.

The default rule is "the first layer with an answer wins", in the order of the field's row; a row that
orders its layers otherwise says why. The rules that are not "first answer" are named in :class:`Rule` (each
with what it does) and carried out by :class:`Fields`, which ``core`` asks field by field, in the table's
order, with the checks that refuse what is not an article in between.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import Enum
from typing import Any
from urllib.parse import urlsplit

from ..article import Article
from ..dates import is_zoned
from ..sites import SiteProfile
from ..text import clean, fold_for_compare, hebrew_letters
from .elements import text_of
from .layers import Body, GenericLayer, JsonLdLayer, Layer, MetaLayer, MicrodataLayer, SiteLayer, StateLayer
from .markers import TITLE_SEPARATOR
from .page import Page


class Rule(Enum):
    """How the answers of a field's layers become its value."""

    FIRST = "the first layer with an answer wins"
    BODY = (
        "the first layer with paragraphs wins; but a framework state holding more than twice the text of a"
        " generic or JSON-LD body replaces it (a page that renders its text with JavaScript shows a scrap)"
    )
    LONGEST_TRAIL = (
        "the longest breadcrumb trail wins (ties go to layer order); the generic layer is asked only when no"
        " other has one; a trail ending in the headline itself ends one step earlier"
    )
    SUBTITLE = (
        "the first layer with an answer wins; else the JSON-LD, then the meta description, when it is"
        " neither the headline, nor the body's opening, nor a blurb naming the site; none when it repeats"
        " the headline"
    )
    AUTHORS = (
        "the first layer naming someone other than the site itself wins; else the byline line (a trailing"
        " '(name)', a first 'מאת: name') of the layer whose body was taken"
    )
    DATES = (
        "reconciled: the first layer's published time, unless it is zoned and a wall-clock time on the page"
        " differs from it by whole hours (a mislabelled zone: the wall-clock time wins); seconds from a"
        " candidate that agrees to the minute; the generic layer asked only when no layer found a wall-clock"
        " time. Updated: the first layer's that is later than published, its layer's skew undone"
    )
    IMAGES = "the site layout's pictures when it declares where they are (even none found), else the generic"
    LANGUAGE = "the first layer with an answer wins; else 'he' when the body is mostly Hebrew letters"


@dataclass(frozen=True, slots=True)
class Precedence:
    layers: tuple[str, ...]
    rule: Rule = Rule.FIRST


#: the layers of a page, in the order they are asked by default (the site layer only when its profile
#: has a layout that the page matches)
LAYER_ORDER = ("site", "jsonld", "microdata", "state", "meta", "generic")

PRECEDENCE: dict[str, Precedence] = {
    "headline": Precedence(LAYER_ORDER),
    # the tag list a reader sees beats the meta keywords (often a different, older list)
    "tags": Precedence(("site", "jsonld", "microdata", "state", "generic", "meta")),
    "language": Precedence(LAYER_ORDER, Rule.LANGUAGE),
    # JSON-LD's articleBody has no paragraph breaks and is often cut: the page's own text comes first
    "paragraphs": Precedence(("site", "microdata", "generic", "jsonld", "state"), Rule.BODY),
    "section": Precedence(LAYER_ORDER, Rule.LONGEST_TRAIL),
    "paywalled": Precedence(LAYER_ORDER),
    "subtitle": Precedence(LAYER_ORDER, Rule.SUBTITLE),
    "authors": Precedence(LAYER_ORDER, Rule.AUTHORS),
    "published": Precedence(LAYER_ORDER, Rule.DATES),
    "updated": Precedence(LAYER_ORDER, Rule.DATES),
    "images": Precedence(("site", "generic"), Rule.IMAGES),
}


@dataclass(frozen=True, slots=True)
class PageLayers:
    """The layers that read one page."""

    site: SiteLayer | None
    jsonld: JsonLdLayer
    microdata: MicrodataLayer
    state: StateLayer
    meta: MetaLayer
    generic: GenericLayer

    def for_field(self, field: str) -> list[Layer]:
        """The field's layers, in its row's order."""
        present = [getattr(self, kind) for kind in PRECEDENCE[field].layers]
        return [layer for layer in present if layer is not None]


class Fields:
    """Fills an Article's fields from the layers by the table, recording in its provenance which layer
    answered each."""

    def __init__(self, article: Article, layers: PageLayers) -> None:
        self.article = article
        self.layers = layers
        self.provenance = article.provenance

    def first(self, field: str, layers: list[Layer] | None = None) -> Any:
        """Rule.FIRST: the first answer of the field's layers (or of ``layers``)."""
        for layer in self.layers.for_field(field) if layers is None else layers:
            value = getattr(layer, field)()
            if value:
                self.provenance[field] = layer.name
                return value
        return None

    def read_first(self, field: str) -> None:
        """A Rule.FIRST field (the first step of Rule.LANGUAGE), set on the article when found."""
        if value := self.first(field):
            setattr(self.article, field, value)

    def read_body(self) -> Layer | None:
        """Rule.BODY. Returns the layer whose body was taken (its byline line is the authors' last resort)."""
        article, provenance, state = self.article, self.provenance, self.layers.state
        body_layers = self.layers.for_field("paragraphs")
        body = next((found for layer in body_layers if (found := self._body_of(layer))), None)
        article.paragraphs = list(body.paragraphs) if body else []
        from_state = state.body().paragraphs if provenance.get("paragraphs") in ("generic", "jsonld") else ()
        if from_state and sum(map(len, from_state)) > 2 * sum(map(len, article.paragraphs)):
            article.paragraphs, provenance["paragraphs"] = list(from_state), state.name
        taken = provenance.get("paragraphs")
        return next((layer for layer in body_layers if layer.name == taken), None)

    def _body_of(self, layer: Layer) -> Body | None:
        body = layer.body()
        if not body.paragraphs:
            return None
        self.provenance["paragraphs"] = layer.name
        return body

    def read_paywalled(self) -> None:
        self.article.paywalled = bool(self.first("paywalled"))

    def read_section(self) -> None:
        """Rule.LONGEST_TRAIL."""
        article = self.article
        headline = fold_for_compare(article.headline or "")
        best: tuple[int, str, str] | None = None
        for layer in self.layers.for_field("section"):
            if layer.kind == "generic" and best is not None:
                break
            trail = layer.section_trail()
            if trail and headline and fold_for_compare(trail[-1]) == headline:
                trail = trail[:-1]
            if trail and (best is None or len(trail) > best[0]):
                best = (len(trail), trail[-1], layer.name)
        if best is not None:
            article.section = best[1]
            self.provenance["section"] = best[2]

    def read_subtitle(self, page: Page) -> None:
        """Rule.SUBTITLE."""
        article = self.article
        article.subtitle = self.first("subtitle") or self._description_subtitle(page)
        if article.subtitle and fold_for_compare(article.subtitle) == fold_for_compare(article.headline):
            article.subtitle = None
            self.provenance.pop("subtitle", None)

    def _description_subtitle(self, page: Page) -> str | None:
        """A meta/JSON-LD description is the subtitle only when it is neither the headline, nor the body's
        text, nor a blurb about the site (one that names it)."""
        article = self.article
        candidates = [
            ("jsonld", self.layers.jsonld.article.get("description")),
            ("meta", page.meta_value("og:description", "description")),
        ]
        body = fold_for_compare(article.body[:3000])
        headline = fold_for_compare(article.headline or "")
        host = (urlsplit(article.url).hostname or "").removeprefix("www.")
        brands = {part for part in host.split(".")[:1] if len(part) >= 3}
        if page.meta_value("og:site_name"):
            brands.add(clean(page.meta_value("og:site_name")).lower())
        for layer, raw in candidates:
            text = clean(raw) if isinstance(raw, str) else ""
            if not 20 <= len(text) <= 400:
                continue
            folded = fold_for_compare(text)
            if folded.startswith(headline[:30]) or folded[:60] in body or text.endswith(("...", "…")):
                continue
            if any(brand in text.lower() for brand in brands):
                continue
            self.provenance["subtitle"] = layer
            return text
        return None

    def read_authors(self, page: Page, profile: SiteProfile | None, body_layer: Layer | None) -> None:
        """Rule.AUTHORS. The site's own name as the author (JSON-LD "author": {"@type": "Person", "name":
        "סרוגים"}) is no answer: the next layer (the visible byline) is asked."""
        article = self.article
        own_names = _site_names(page, self.layers.jsonld, profile)
        for layer in self.layers.for_field("authors"):
            found = [name for name in layer.authors() if not _is_own_name(name, own_names)]
            if found:
                article.authors = found
                self.provenance["authors"] = layer.name
                return
        if body_layer is not None and (byline := body_layer.body().byline):
            article.authors = [n for n in byline if not _is_own_name(n, own_names)]
            self.provenance["authors"] = body_layer.name + ":body"

    def read_dates(self) -> None:
        """Rule.DATES."""
        layers = self.layers.for_field("published")
        found = _published(layers)
        if found is None:
            return
        primary, published, skews = found
        self.article.published = published
        self.provenance["published"] = primary.name
        for layer in self.layers.for_field("updated"):
            updated = layer.updated()
            if updated is None:
                continue
            updated = updated - skews.get(layer.name, timedelta(0))
            if updated > published:
                self.article.updated = updated
                self.provenance["updated"] = layer.name
                break

    def read_images(self) -> None:
        """Rule.IMAGES."""
        site = self.layers.site
        if site is not None and site.layout.images:
            self.article.images = site.images()
            self.provenance["images"] = site.name
        else:
            self.article.images = self.first("images", [self.layers.generic]) or []

    def language_from_body(self) -> None:
        """Rule.LANGUAGE's last resort, once the body is read."""
        article = self.article
        if article.language is None and hebrew_letters(article.body[:2000])[1] > 0.5:
            article.language = "he"
            self.provenance["language"] = "generic"


def _published(layers: list[Layer]) -> tuple[Layer, datetime, dict[str, timedelta]] | None:
    """(the layer whose published time wins, that time, each agreeing layer's whole-hour skew from it).

    A zoned time ("...Z") that differs from a wall-clock time on the page by whole hours, to the minute, is
    a mislabelled zone (ynet's JSON-LD, for one): the wall-clock time wins, as readers see it. And a
    minute-precision time takes its seconds from a candidate that agrees.
    """
    candidates = []
    for layer in layers:
        if layer.kind == "generic" and candidates and any(not zoned for *_, zoned in candidates):
            break  # heuristics are needed only when no layer found a date, or only zoned ones
        value = layer.published()
        if value is not None:
            candidates.append((layer, value, is_zoned(layer.published_text())))
    if not candidates:
        return None
    primary_layer, published, primary_zoned = candidates[0]
    if primary_zoned:
        for layer, value, zoned in candidates[1:]:
            skew = _whole_hour_skew(published, value)
            if not zoned and skew:
                primary_layer, published = layer, value
                break
    skews: dict[str, timedelta] = {primary_layer.name: timedelta(0)}
    for layer, value, _ in candidates:
        skew = _whole_hour_skew(value, published)
        if skew is None or layer is primary_layer:
            continue
        skews[layer.name] = skew
        if published.second == 0 and value.second and (value - skew).replace(second=0) == published:
            published = value - skew
    return primary_layer, published, skews


def _whole_hour_skew(value: datetime, reference: datetime) -> timedelta | None:
    """value - reference when it is a whole number of hours (a mislabelled or twice-applied zone), to the
    minute; else None."""
    difference = value.replace(second=0, microsecond=0) - reference.replace(second=0, microsecond=0)
    hours, remainder = divmod(difference, timedelta(hours=1))
    if remainder == timedelta(0) and abs(hours) <= 12:
        return timedelta(hours=hours)
    return None


def _site_names(page: Page, jsonld: JsonLdLayer, profile: SiteProfile | None) -> set[str]:
    """The site's own names (og:site_name, the JSON-LD publisher, the profile's name and desks, the
    address's brand, the last part of the <title> "headline - section - site"): never an author."""
    names = [
        page.meta_value("og:site_name") or "",
        *(profile.desks if profile else ()),
        profile.name if profile else "",
    ]
    title_parts = TITLE_SEPARATOR.split(text_of(page.first("//title")))
    if len(title_parts) > 1 and len(title_parts[-1].split()) <= 3:
        names.append(title_parts[-1])
    publisher = jsonld.article.get("publisher")
    if isinstance(publisher, dict) and isinstance(publisher.get("name"), str):
        names.append(publisher["name"])
    host = (urlsplit(page.canonical).hostname or "").removeprefix("www.")
    names.append(host.split(".")[0])
    return {fold_for_compare(clean(name)) for name in names if clean(name)}


def _is_own_name(name: str, own_names: set[str]) -> bool:
    """The site's own name, alone or with one word after it ("מעריב אונליין", "גלובס ספורט")."""
    if fold_for_compare(name) in own_names:
        return True
    head, _, last = clean(name).rpartition(" ")
    folded_head = fold_for_compare(head)
    return bool(last) and len(folded_head) >= 3 and folded_head in own_names
