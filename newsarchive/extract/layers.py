"""The extraction layers. Each answers, field by field, what it knows; the first layer with an answer wins.

Order: the site's own rules, then JSON-LD, then meta tags, then generic heuristics that work on any page.
Every method is cheap to call twice (results are cached) and never raises on odd markup.
"""

from __future__ import annotations

import copy
import re
from datetime import UTC, datetime
from functools import cached_property
from urllib.parse import urlsplit

from lxml import etree

from ..article import Image
from ..credits import is_agency, is_desk, parse_byline, trailing_byline
from ..dates import has_time_of_day, parse_date
from ..sites.base import Layout, SiteProfile
from ..text import clean, fold_for_compare
from .blocks import (
    BOILERPLATE_MARKERS,
    DATE_LINE,
    Block,
    blocks,
    body_paragraphs,
    is_boilerplate_element,
    is_page_form,
)
from .elements import class_and_id, text_of
from .images import images_by_rules, images_generic
from .page import Page, jsonld_text
from .structured import as_schema, read_microdata_breadcrumb


class Layer:
    name = "layer"
    body_element: etree._Element | None = None

    def __init__(self, page: Page, now: datetime | None) -> None:
        self.page = page
        self.now = now
        self.body_byline: list[str] | None = None

    def headline(self) -> str | None:
        return None

    def subtitle(self) -> str | None:
        return None

    def authors(self) -> list[str]:
        return []

    def published_text(self) -> str | None:
        """The date string this layer reads as the publication time (parsed by :meth:`published`)."""
        return None

    def updated_text(self) -> str | None:
        return None

    def published(self) -> datetime | None:
        return parse_date(self.published_text(), now=self.now)

    def updated(self) -> datetime | None:
        return parse_date(self.updated_text(), now=self.now)

    def paragraphs(self) -> list[str]:
        return []

    def images(self) -> list[Image]:
        return []

    def section_trail(self) -> list[str]:
        """The breadcrumb trail, outermost first; its last item is the section."""
        return []

    def tags(self) -> list[str]:
        return []

    def paywalled(self) -> bool | None:
        return None

    def language(self) -> str | None:
        return None

    def _finish_body(self, found: list[Block]) -> list[str]:
        """Boilerplate out; a trailing "(name)" line, or a first line "מאת: name", is the byline, not body."""
        paragraphs = body_paragraphs(found)
        if paragraphs:
            names = trailing_byline(paragraphs[-1])
            if names is not None:
                paragraphs.pop()
                self.body_byline = names
        first = paragraphs[0] if len(paragraphs) > 1 else ""
        if len(first) <= 60 and _BYLINE_LABEL_START.match(first) and not first.endswith("."):
            names = parse_byline(first)
            if names:
                paragraphs.pop(0)
                self.body_byline = self.body_byline or names
        return paragraphs


def _names(texts: list[str], desks: tuple[str, ...] = ()) -> list[str]:
    desk_keys = {fold_for_compare(d) for d in desks}
    names: list[str] = []
    for text in texts:
        for name in parse_byline(text):
            if fold_for_compare(name) in desk_keys or name in names:
                continue
            names.append(name)
    return names


# a link to a tag page ("tags.walla.co.il/...", "/tag/...", "/tags/..."): a tag, never a breadcrumb step
_TAG_ADDRESS = re.compile(r"//tags?\.|/(?:tag|tags|keyword|keywords)/", re.I)
_BYLINE_OR_DATE = re.compile(r"author|writer|byline|reporter|date|time|publish", re.I)


def _is_byline_block(element: etree._Element, text: str) -> bool:
    """A short block of names and times (the byline and date line between a headline and its subtitle)."""
    if len(text) > 200 or element.tag in ("h2", "p"):
        return False
    return any(_BYLINE_OR_DATE.search(class_and_id(e)) for e in element.iter() if isinstance(e.tag, str))


def _groups_names(element: etree._Element, matched: list[etree._Element]) -> bool:
    """A block that only groups author blocks of its own ("writers-names" around one "writer-name-item" per
    name): its joined text would read as one name, so its parts are read instead."""
    inner = [other for other in matched if other is not element and element in other.iterancestors()]
    if not inner:
        return False
    covered = sum(len(text_of(other)) for other in inner if other.getparent() is not None)
    return covered >= 0.6 * len(text_of(element))


def _unglued(element: etree._Element, text: str) -> list[str]:
    """The names of a byline block that prints one link or span per name with nothing between them
    (``<a>דנה לוי</a><a>יוסי כהן</a>``, read as one string "דנה לוייוסי כהן"); else its text."""
    named = [child for child in element if isinstance(child.tag, str) and text_of(child)]
    if len(named) < 2 or clean((element.text or "") + "".join(child.tail or "" for child in element)):
        return [text]
    pieces = [text_of(child) for child in named]
    if all(" " not in piece for piece in pieces):
        return [" ".join(pieces)]  # "<b>דנה</b><b>לוי</b>": one name, its parts set apart by markup
    return pieces


def _unique(texts: list[str]) -> list[str]:
    out: list[str] = []
    for text in texts:
        text = clean(text).strip(" ,:|#>›»/·•")
        if text and text not in out and not text.endswith(":"):
            out.append(text)
    return out


class SiteLayer(Layer):
    def __init__(self, page: Page, now: datetime | None, profile: SiteProfile, layout: Layout) -> None:
        super().__init__(page, now)
        self.profile = profile
        self.layout = layout
        self.name = f"site:{profile.key}"

    @staticmethod
    def pick_layout(page: Page, profile: SiteProfile) -> Layout | None:
        return next((layout for layout in profile.layouts if page.first(layout.detect) is not None), None)

    def headline(self) -> str | None:
        if not self.layout.headline:
            return None
        element = self.page.first(self.layout.headline)
        if element is None:
            return None
        if self.layout.headline_drop:
            element = copy.deepcopy(element)
            for kicker in self.page.select(self.layout.headline_drop, element):
                if kicker is not element:
                    _drop(kicker)
        return text_of(element) or None

    def subtitle(self) -> str | None:
        if not self.layout.subtitle:
            return None
        return text_of(self.page.first(self.layout.subtitle)) or None

    def authors(self) -> list[str]:
        names: list[str] = []
        if self.layout.byline:
            texts = [t for e in self.page.select(self.layout.byline) for t in _unglued(e, text_of(e))]
            names = _names(texts, self.profile.desks)
        if not names:
            self.paragraphs()
            names = [n for n in self.body_byline or [] if not is_desk(n)]
        return names

    def published_text(self) -> str | None:
        """Texts (or date attributes) of the date selectors, joined: a day header plus a clock time."""
        joined = self._date_text(self.layout.published)
        if joined and parse_date(joined, now=self.now) is not None:
            return joined
        for selector in self.layout.published_fallback:
            text = self._date_text((selector,))
            if text and parse_date(text, now=self.now) is not None:
                return text
        return joined

    def updated_text(self) -> str | None:
        return self._date_text(self.layout.updated)

    def _date_text(self, selectors: tuple[str, ...]) -> str | None:
        pieces = []
        for selector in selectors:
            for element in self.page.select(selector)[:8]:
                attribute = next((element.get(a) for a in self.layout.published_attr if element.get(a)), None)
                if attribute:
                    pieces.append(attribute)
                    break
                if text := text_of(element):
                    pieces.append(text)
        return " ".join(pieces) or None

    @cached_property
    def _body(self) -> list[str]:
        if not self.layout.body:
            return []
        element = self.page.first(self.layout.body)
        if element is None:
            return []
        self.body_element = element
        dropped = set(self.page.select(self.layout.drop, element)) if self.layout.drop else set()

        def skip(node: etree._Element) -> bool:
            return node in dropped or is_boilerplate_element(node)

        if self.layout.paragraphs:
            found = [b for p in self.page.select(self.layout.paragraphs, element) for b in blocks(p, skip)]
        else:
            found = blocks(element, skip)
        return self._finish_body(found)

    def paragraphs(self) -> list[str]:
        return list(self._body)

    def images(self) -> list[Image]:
        return images_by_rules(self.page, self.layout.images) if self.layout.images else []

    def section_trail(self) -> list[str]:
        if not self.layout.section:
            return []
        return _unique([text_of(e) for e in self.page.select(self.layout.section)])

    def tags(self) -> list[str]:
        if not self.layout.tags:
            return []
        return _unique([text_of(e) for e in self.page.select(self.layout.tags)])

    def paywalled(self) -> bool | None:
        if self.profile.paywall_url and re.search(self.profile.paywall_url, self.page.canonical):
            return True
        if self.layout.paywall and self.page.first(self.layout.paywall) is not None:
            return True
        return None

    def language(self) -> str | None:
        return self.profile.language


class JsonLdLayer(Layer):
    name = "jsonld"

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
        return _names(texts)

    def published_text(self) -> str | None:
        return _jsonld_date(self.article.get("datePublished"))

    def updated_text(self) -> str | None:
        return _jsonld_date(self.article.get("dateModified"))

    def paragraphs(self) -> list[str]:
        body = self.article.get("articleBody")
        if not isinstance(body, str):
            return []
        return self._finish_body(
            [
                Block(clean(line), 0, self.page.root)
                for line in re.split(r"\n\s*\n|\r?\n", body)
                if clean(line)
            ]
        )

    def section_trail(self) -> list[str]:
        section = self.article.get("articleSection")
        if isinstance(section, str):
            section = [section]
        if isinstance(section, list):
            trail = _unique([jsonld_text(s) for s in section if isinstance(s, str)])
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
            names = []
            for item in items:
                if not isinstance(item, dict):
                    continue
                name = jsonld_text(item.get("name")) or jsonld_text(item.get("item"))
                if name:
                    names.append(name)
            if names:
                return _unique(names)
        return []

    def tags(self) -> list[str]:
        keywords = self.article.get("keywords")
        if isinstance(keywords, str):
            keywords = keywords.split(",")
        if not isinstance(keywords, list):
            return []
        return _unique([jsonld_text(k) for k in keywords if isinstance(k, str)])

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
        return _language_code(jsonld_text(self.article.get("inLanguage")))


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


class MicrodataLayer(JsonLdLayer):
    """schema.org microdata (itemprop) read as JSON-LD is; the articleBody element's own paragraphs."""

    name = "microdata"

    @cached_property
    def article(self) -> dict:
        return _this_pages(self.page, self.page.microdata)

    def section_trail(self) -> list[str]:
        section = self.article.get("articleSection")
        if isinstance(section, str) and section.strip():
            return [clean(section)]
        return _unique(read_microdata_breadcrumb(self.page.root)) if self.page.microdata else []

    def paragraphs(self) -> list[str]:
        element = self.article.get("_body_element")
        if not isinstance(element, etree._Element):
            return []
        self.body_element = element
        return self._finish_body(blocks(element))


class StateLayer(JsonLdLayer):
    """The article as the site's framework keeps it (Next.js, Nuxt, a window.__STATE__ blob)."""

    name = "state"

    @cached_property
    def article(self) -> dict:
        candidates = [as_schema(node) for node in self.page.state_articles]
        return _this_pages(self.page, candidates, sure=True)

    def paragraphs(self) -> list[str]:
        texts = self.article.get("_paragraphs") or []
        return self._finish_body([Block(clean(t), 0, self.page.root) for t in texts if clean(t)])


_TITLE_SUFFIX = re.compile(r"^(?P<title>.+?)\s+[-|–—:]\s+(?P<suffix>[^-|–—]{1,40})$")


class MetaLayer(Layer):
    name = "meta"

    def headline(self) -> str | None:
        title = clean(self.page.meta_value("og:title", "twitter:title"))
        h1s = [text for h1 in self.page.select("//h1") if len(text := text_of(h1)) > 10]
        if not title:
            if h1s:
                return None  # a bare <title> is weaker than the page's visible headline
            title = clean(self.page.meta_value("title")) or text_of(self.page.first("//title"))
            if not title:
                return None
        # The visible h1, when it is the same title, is the exact form (no site name around it).
        title_words = set(title.split())
        for text in h1s:
            words = text.split()
            if fold_for_compare(text) in fold_for_compare(title) or (
                len(words) >= 3 and sum(w in title_words for w in words) >= 0.6 * len(words)
            ):
                return _KICKER.sub("", text)  # "ניתוח || ...": the rubric label is not the headline
        if sum(len(text.split()) >= 4 for text in h1s) == 1:
            return None  # one visible headline that says otherwise (og:title kept an older one): it wins
        return _strip_site_suffix(title, self.page.meta_value("og:site_name"))

    def authors(self) -> list[str]:
        texts = []
        for key in ("author", "article:author", "dc.creator", "parsely-author", "sailthru.author", "byl"):
            value = self.page.meta.get(key)
            if value and not value.startswith("http"):
                texts.append(value)
        return _names(texts)

    def published_text(self) -> str | None:
        return self._date(
            "article:published_time",
            "og:published_time",
            "article:published",
            "published_time",
            "publish-date",
            "pubdate",
            "date",
            "dc.date",
            "dc.date.issued",
            "sailthru.date",
            "parsely-pub-date",
            "datepublished",
            "vr:published_time",
        )

    def updated_text(self) -> str | None:
        return self._date(
            "article:modified_time", "og:updated_time", "modified_time", "datemodified", "last-modified"
        )

    def _date(self, *keys: str) -> str | None:
        for key in keys:
            raw = self.page.meta.get(key)
            if parse_date(raw, now=self.now) is not None:
                return raw
        return None

    def section_trail(self) -> list[str]:
        return _unique([self.page.meta_value("article:section") or ""])

    def tags(self) -> list[str]:
        values = [
            clean(m.get("content"))
            for m in self.page.select("//meta[@property='article:tag' or @name='article:tag']")
        ]
        if not values and self.page.meta.get("news_keywords"):
            values = self.page.meta["news_keywords"].split(",")
        return _unique(values)

    def paywalled(self) -> bool | None:
        tier = (self.page.meta.get("article:content_tier") or "").strip().lower()
        if tier in ("locked", "metered", "premium"):
            return True
        if (self.page.meta.get("og:ispay") or "").strip() == "1":
            return True
        return None

    def language(self) -> str | None:
        return _language_code(self.page.meta_value("og:locale", "content-language", "language"))


def _strip_site_suffix(title: str, site_name: str | None) -> str:
    if site_name and clean(site_name):
        site = clean(site_name)
        for separator in (" - ", " | ", " – ", " — "):
            if title.endswith(separator + site) or site in title.rsplit(separator, 1)[-1]:
                head = title.rsplit(separator, 1)[0]
                if len(head) > 5:
                    return clean(head)
    match = _TITLE_SUFFIX.match(title)
    if match and len(match.group("title").split()) >= 3 and len(match.group("suffix").split()) <= 3:
        return clean(match.group("title"))
    return title


def _language_code(value: str | None) -> str | None:
    value = clean(value).lower()
    if not value:
        return None
    return re.split(r"[-_]", value)[0][:3] or None


# Blocks whose class or id may name a subtitle or lead (checked against _SUBTITLE_MARKERS).
_SUBTITLE_ELEMENTS = (
    "//*[contains(@class,'sub') or contains(@class,'Sub') or contains(@class,'lead')"
    " or contains(@class,'teaser') or contains(@id,'ub') or contains(@class,'dek')"
    " or contains(@class,'excerpt')]"
)
_XML_UNSAFE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f]")
# Paragraph-like blocks: <p>, and text-only <div>s (editors that wrap each paragraph in divs and spans).
_LEAF_DIVS = "//div[not(.//p or .//div or .//section or .//ul or .//table)]"
_TEXT_BLOCKS = (
    "//p | //div[text()[string-length(normalize-space()) > 40]]"
    " | //article[text()[string-length(normalize-space()) > 40]]"
    f" | {_LEAF_DIVS}[string-length(normalize-space()) > 40]"
)
_SHORT_TEXT_BLOCKS = f"//p | {_LEAF_DIVS}"
#: class words of the elements that may print the article's time
_DATE_CLASS_WORDS = ("date", "Date", "time", "Time", "publish")
_AUTHOR_MARKED = ".//*[@rel='author' or @itemprop='author' or contains(@id,'uthor')]"
#: class words of the elements that may print the article's byline
_AUTHOR_CLASS_WORDS = (
    "author", "Author", "byline", "Byline", "writer", "Writer", "autor", "reporter", "by-line", "journalist",
    "columnist",
)  # fmt: skip
_CLOCK = re.compile(r"(?<![\d:.])(?:[01]?\d|2[0-3]):[0-5]\d(?![\d:])")
_UPDATED_ELEMENTS = (
    ".//*[@itemprop='dateModified'] | .//time[contains(@class,'updated') or contains(@class,'modified')]"
)
_UPDATED_LABEL = re.compile(r"עודכן|עודכנה|עדכון|updated|modified", re.I)
_LABELLED_DATE = re.compile(
    r"(?:פורסם|פורסמה|עודכן|published|posted)\s*:?\s*.{0,20}?\d{1,2}[./-]\d{1,2}[./-]\d{2}", re.I
)
_CREDIT_LINE = re.compile(r"credit", re.I)
# where a byline or a date line sits between headline and body (<font> and <small> on 2000s table layouts)
_HEADER_BLOCK_TAGS = frozenset(("div", "p", "span", "li", "font", "small", "time"))
# class words of a byline block
_AUTHOR_WORDS = ("author", "byline", "by-line", "writer", "reporter", "autor", "journalist", "columnist")
# a link to a writer's own page: /writer/12, /author/dana/, /misc/writers/WRITER-1.1, /ty-writer/0000-...
_WRITER_HREF = re.compile(r"/(?:ty-)?writers?(?:/|-|\.|$)|/authors?/", re.I)
# "עודכן: 13.03.24" - an update time, not the publication
_UPDATE_FIRST = re.compile(r"^\s*(?:עודכן|עודכנה|עדכון(?:\s+אחרון)?|updated|last\s+updated|modified)\b", re.I)
# a byline and date line with no label and no class: "דנה לוי | 12.03.24 | 14:05"
_DATE_LABEL_START = re.compile(
    r"^\s*(?:פורסם|פורסמה|עודכן|עודכנה|עדכון|תאריך|יום|published|updated|posted)", re.I
)
_PICTURE_MARK = re.compile(r"image|img|photo|pic|figure|caption", re.I)
_PHOTO_LABEL = re.compile(r"צילום|צלם|קרדיט|photo|credit\s*:", re.I)
_BYLINE_LABEL_START = re.compile(r"^\s*(?:(?:מאת|by)\s*:?\s+|(?:כתב|כתבה|כתבו|מאתר)\s*:\s*)\S", re.I)
_NUMERIC_DATE = re.compile(r"(?<!\d)\d{1,2}[./-]\d{1,2}[./-](?:\d{4}|\d{2})(?!\d)")
_BYLINE_BLOCKS = (
    ".//*[contains(@class,'author') or contains(@class,'byline') or contains(@class,'Byline')"
    " or contains(@class,'article-info') or contains(@class,'article-meta') or contains(@class,'autor')]"
)
# "רוח החג || " before a headline: a rubric label, not part of it
_KICKER = re.compile(r"^[^|]{2,30}?\s*\|\|\s*(?=\S)")
_SUBTITLE_MARKERS = re.compile(
    r"sub-?title|subhead|sub_title|lead|dek|excerpt|summary|teaser|standfirst|intro|description", re.I
)
_FOREIGN_CONTEXT = re.compile(r"comment|talkback|related|recommend|teaser|promo", re.I)


class GenericLayer(Layer):
    """Conventional markup on any site: h1, the densest run of paragraphs, byline-like blocks."""

    name = "generic"

    def __init__(self, page: Page, now: datetime | None, anchor: etree._Element | None = None) -> None:
        super().__init__(page, now)
        self.anchor = anchor  # a body element found by an earlier layer, to place the article region

    @cached_property
    def headline_element(self) -> etree._Element | None:
        candidates = [h for h in self.page.select("//h1") if text_of(h) and not _is_link_list(h)]
        if not candidates:
            return None
        if len(candidates) == 1:
            return candidates[0]
        reference = fold_for_compare(
            self.page.meta_value("og:title", "twitter:title") or text_of(self.page.first("//title")) or ""
        )

        def score(h1: etree._Element) -> tuple[bool, bool, int]:
            # a headline has a few words; a one-word h1 is a section name or the site's logo
            words = len(text_of(h1).split())
            text = fold_for_compare(text_of(h1))
            return (words >= 3, bool(text) and text in reference, len(text))

        return max(candidates, key=score)

    def headline(self) -> str | None:
        return _KICKER.sub("", text_of(self.headline_element)) or None

    def subtitle(self) -> str | None:
        h1 = self.headline_element
        if h1 is None:
            return self._marked_subtitle()
        headline = text_of(h1)
        node = h1
        for _ in range(3):
            for sibling in node.itersiblings():
                if not isinstance(sibling.tag, str):
                    continue
                text = text_of(sibling)
                marks = class_and_id(sibling)
                is_candidate = sibling.tag in ("h2", "p") or _SUBTITLE_MARKERS.search(marks)
                if (
                    is_candidate
                    and 15 <= len(text) <= 400
                    and headline not in text
                    and not BOILERPLATE_MARKERS.search(marks)
                ):
                    return text
                if text and not _is_byline_block(sibling, text):
                    break
            node = node.getparent()
            if node is None:
                break
        return None

    def _marked_subtitle(self) -> str | None:
        """Without an <h1>: the first block whose class or id names it a subtitle or lead."""
        for element in self.page.select(_SUBTITLE_ELEMENTS):
            marks = class_and_id(element)
            text = text_of(element)
            if (
                _SUBTITLE_MARKERS.search(marks)
                and 15 <= len(text) <= 400
                and not BOILERPLATE_MARKERS.search(marks)
            ):
                return text
        return None

    @cached_property
    def region(self) -> etree._Element | None:
        """The smallest element holding both the headline and the body."""
        body = self.anchor if self.anchor is not None else self._densest
        h1 = self.headline_element
        if body is None:
            return h1.getparent() if h1 is not None else None
        if h1 is None:
            return body
        body_ancestors = set(body.iterancestors())
        body_ancestors.add(body)
        for ancestor in h1.iterancestors():
            if ancestor in body_ancestors:
                return ancestor if ancestor.tag not in ("body", "html") else body
        return body

    def authors(self) -> list[str]:
        region = self.region
        scopes = [region] if region is not None else []
        scopes.append(self.page.root)
        if not self.page.mentions(*_AUTHOR_WORDS) and "uthor" not in self.page.source:
            scopes = []
        for scope in scopes:
            texts = []
            matched = self.page.with_class_containing(
                _AUTHOR_CLASS_WORDS,
                scope,
                also=".//*[@rel='author' or @itemprop='author' or contains(@id,'uthor')]",
            )
            for element in matched:
                if self._in_foreign_block(element, scope) or _groups_names(element, matched):
                    continue
                text = text_of(element) or clean(element.get("content"))
                # an itemprop=author item's own name element (tested against None: an lxml element's truth
                # is whether it has children)
                is_item = element.get("itemprop") == "author"
                name = self.page.first(".//*[@itemprop='name']", element) if is_item else None
                if name is not None:
                    text = text_of(name) or clean(name.get("content")) or text
                    if 2 <= len(text) <= 80:
                        texts.append(text)
                elif 2 <= len(text) <= 80:
                    texts += _unglued(element, text)
            names = _names(texts)
            if names:
                return names[:8]
        if region is not None and (names := self._writer_links(region, self._header_blocks)):
            return names
        self.paragraphs()
        from_body = [n for n in self.body_byline or [] if not is_desk(n)]
        if from_body:
            return from_body
        labelled = self._labelled_byline()
        return [n for n in parse_byline(labelled) if not is_desk(n)][:8] if labelled else []

    def _writer_links(self, region: etree._Element, header: list[etree._Element]) -> list[str]:
        """Names in the article's own block that link to a writer's page (``/writer/``, ``/author/``,
        Haaretz's ``/misc/writers/``) or stand in an ``<address>``, HTML's element for the author's
        contact: bylines with no telling class."""
        if "<address" not in self.page.source and not _WRITER_HREF.search(self.page.source):
            return []
        texts = []
        candidates = self.page.select(".//address | .//a[@href]", region)
        candidates += [e for block in header for e in block.iter("address", "a") if e not in candidates]
        for element in candidates:
            if element.tag == "a" and not _WRITER_HREF.search(element.get("href") or ""):
                continue
            if self._in_foreign_block(element, region) or element in self._never_body:
                continue
            text = text_of(element)
            if 2 <= len(text) <= 80:
                texts.append(text)
        return _names(texts)[:8]

    def _in_foreign_block(self, element: etree._Element, scope: etree._Element) -> bool:
        """Inside a comment, a related story or a teaser, and not in the block that holds the headline too
        (some templates class the article's own top block "teaser")."""
        h1 = self.headline_element
        for ancestor in element.iterancestors():
            if ancestor is scope:
                return False
            marks = class_and_id(ancestor)
            if marks.strip() and _FOREIGN_CONTEXT.search(marks):
                return h1 is None or not any(d is h1 for d in ancestor.iter("h1"))
        return False

    @cached_property
    def _header_blocks(self) -> list[etree._Element]:
        """Short blocks between the headline and the body, in document order: where bylines and dates sit
        on pages whose markup says nothing about them."""
        h1, body = self.headline_element, self._densest
        if h1 is None or self.region is None:
            return []
        found, started, seen = [], False, 0
        holds_h1 = body is not None and any(a is body for a in h1.iterancestors())
        # headline and body with nothing in common but <body> (the region is then the body alone): the
        # blocks between them are read from the whole page
        scope = self.region if any(a is self.region for a in h1.iterancestors()) else self.page.root
        for element in scope.iter():
            if element is h1:
                started = True
                continue
            if element is body:
                if started:
                    break
                continue  # a body block that holds the headline too (a table cell): read on past the h1
            if started and isinstance(element.tag, str) and element.tag in _HEADER_BLOCK_TAGS:
                seen += 1
                text = text_of(element)
                if holds_h1 and (seen > 40 or (len(text) > 300 and element.tag in ("div", "p"))):
                    break  # the body's text has begun
                if 4 <= len(text) <= 160 and not any(child.tag in ("div", "p") for child in element):
                    found.append(element)
        return found

    def _labelled_byline(self) -> str | None:
        """ "מאת: X" anywhere between headline and body, or a block classed as the article's credit line
        (not a picture's: no photo label, no image class)."""
        for element in self._header_blocks:
            text = text_of(element)
            if _BYLINE_LABEL_START.match(text):
                return text
            date = _NUMERIC_DATE.search(text)
            if date and date.start() > 0 and not _DATE_LABEL_START.match(text) and parse_byline(text):
                return text  # "דנה לוי | 12.03.24 | 14:05": parse_byline stops at the date
            marks = class_and_id(element)
            if (
                _CREDIT_LINE.search(marks)
                and not _PICTURE_MARK.search(marks)
                and not _PHOTO_LABEL.search(text)
                and element.find(".//img") is None
            ):
                return text
        return None

    def published_text(self) -> str | None:
        region = self.region if self.region is not None else self.page.root
        for scope in (region, self.page.root):
            if scope is self.page.root and (in_byline := self._byline_block_date(region)):
                return in_byline
            for element in self.page.select(".//time[@datetime] | .//*[@itemprop='datePublished']", scope):
                raw = element.get("datetime") or element.get("content") or text_of(element)
                if (
                    not _inside(element, _FOREIGN_CONTEXT, scope)
                    and parse_date(raw, now=self.now) is not None
                ):
                    return raw
            dated = self.page.mentions("date", "time", "publish")
            elements = self.page.with_class_containing(_DATE_CLASS_WORDS, scope) if dated else []
            for element in elements:
                text = text_of(element)
                if not 6 <= len(text) <= 80 or _inside(element, _FOREIGN_CONTEXT, scope):
                    continue
                if _UPDATE_FIRST.match(text) and element is not elements[-1]:
                    continue  # "עודכן: ..." before "פורסם: ...": the next date element is the publication
                if parse_date(text, now=self.now) is not None:
                    return text if has_time_of_day(text) else _with_nearby_clock(element, text)
        # "מאת: X | 15/05/2023 11:42": a full date and a clock in a short block between headline and body
        for element in self._header_blocks:
            text = text_of(element)
            if _NUMERIC_DATE.search(text) and _CLOCK.search(text) and parse_date(text, now=self.now):
                return text
        # a bare date line opening the body's own container (dropped from its paragraphs)
        if (body := self._densest) is not None:
            for index, element in enumerate(body.iterdescendants(*_HEADER_BLOCK_TAGS)):
                text = text_of(element)
                if index > 4 or len(text) > 300:
                    break
                if len(text) <= 40 and DATE_LINE.match(text) and parse_date(text, now=self.now):
                    return text
        # "פורסם: 24.01.14 , 07:34" in a block with no telling class, near the headline
        h1 = self.headline_element
        near = [h1.getparent()] if h1 is not None and h1.getparent() is not None else []
        for scope in [*near, region, self.page.root]:
            for text in scope.itertext():
                if _LABELLED_DATE.search(text) and parse_date(text, now=self.now) is not None:
                    return clean(text)
        return None

    def _byline_block_date(self, region: etree._Element) -> str | None:
        """ "24.12.2013" and "11:33" in the byline block (a list of author, date, time), joined."""
        for element in self.page.select(_BYLINE_BLOCKS, region):
            # items joined with spaces: "<li>29.10.2013</li><li>18:05</li>" read as one string glue numbers
            text = clean(" ".join(element.itertext()))
            date, clock = _NUMERIC_DATE.search(text), _CLOCK.search(text)
            if len(text) <= 250 and date and clock:
                joined = f"{date.group(0)} {clock.group(0)}"
                if parse_date(joined, now=self.now) is not None:
                    return joined
        return None

    def updated_text(self) -> str | None:
        region = self.region if self.region is not None else self.page.root
        for element in self.page.select(_UPDATED_ELEMENTS, region):
            raw = element.get("datetime") or element.get("content") or text_of(element)
            if parse_date(raw, now=self.now) is not None:
                return raw
        # "עודכן: 17.07.24, 11:20" in a date block (the label looked for in the page's text first: cheaper)
        source = self.page.source
        if ("עודכן" in source or "pdated:" in source) and self.page.mentions("date", "time", "publish"):
            for element in self.page.with_class_containing(_DATE_CLASS_WORDS, region):
                text = text_of(element)
                if len(text) <= 80 and _UPDATE_FIRST.match(text) and parse_date(text, now=self.now):
                    return text
        # a second <time> introduced by "עודכן:" (published first, then updated)
        for element in self.page.select(".//time[@datetime]", region):
            previous = element.getprevious()
            before = (previous.tail if previous is not None else element.getparent().text) or ""
            if previous is not None and not before.strip():
                before = text_of(previous)
            if _UPDATED_LABEL.search(before[-30:]) and parse_date(element.get("datetime"), now=self.now):
                return element.get("datetime")
        return None

    @cached_property
    def _never_body(self) -> set[etree._Element]:
        """Navigation, footers, asides and forms: text inside them is never the body (a form wrapping the
        whole page, as ASP.NET prints, excepted)."""
        return {
            element
            for element in self.page.select("//nav | //footer | //aside | //form")
            if not is_page_form(element)
        }

    @cached_property
    def _scored(self) -> tuple[etree._Element | None, float, float]:
        """(best container, its score, total paragraph text on the page)."""
        found = self._score(_TEXT_BLOCKS, 25)
        if found[0] is None and (
            self.page.mentions("paywall", "premium", "subscri") or "isAccessibleForFree" in self.page.source
        ):
            # before a paywall the public text may be one short line: take it rather than nothing
            found = self._score(_SHORT_TEXT_BLOCKS, 8)
        return found

    def _score(self, blocks_xpath: str, min_chars: int) -> tuple[etree._Element | None, float, float]:
        scores: dict[etree._Element, float] = {}
        total = 0.0
        for element in self.page.select(blocks_xpath):
            text = text_of(element)
            if len(text) < min_chars:
                continue
            if _inside(element, BOILERPLATE_MARKERS, None) or any(
                ancestor in self._never_body for ancestor in element.iterancestors()
            ):
                continue
            links = sum(len(clean("".join(a.itertext()))) for a in element.iter("a"))
            if links > len(text) / 2:
                continue  # menus and lists of headlines
            weight = len(text) * (1 - links / len(text)) ** 2
            total += weight
            parent = element.getparent()
            if parent is None:
                continue
            scores[parent] = scores.get(parent, 0.0) + weight
            grand = parent.getparent()
            if grand is not None and grand.tag not in ("body", "html"):
                scores[grand] = scores.get(grand, 0.0) + weight * 0.5
        if not scores:
            return None, 0.0, 0.0
        best = max(scores, key=lambda e: scores[e])
        score = scores[best]
        # Old templates put the whole body in one <div> as text split by <br><br>, beside short blocks
        # (title, byline, caption) in the same parent: that <div> is the body.
        for child in best:
            if _is_br_text_block(child) and len(text_of(child)) >= 0.6 * score:
                return child, score, total
        # A wrapper that wins only through short blocks of its own (subtitle, byline, date line) beside
        # the run of paragraphs: the paragraphs' own container is the body.
        inner = max((c for c in best if c in scores), key=lambda c: scores[c], default=None)
        if inner is not None and scores[inner] >= 0.85 * score and not _has_like_sibling(inner):
            best, score = inner, scores[inner]
        # One wrapper per paragraph (React editors): the run of like siblings is the body.
        for _ in range(2):
            parent = best.getparent()
            if parent is None or parent.tag in ("body", "html") or not _has_like_sibling(best):
                break
            best, score = parent, max(score, scores.get(parent, 0.0))
        return best, score, total

    @property
    def _densest(self) -> etree._Element | None:
        return self._scored[0]

    def dominance(self) -> float:
        """Share of the page's paragraph text that sits in the chosen body: low on listings."""
        _, best, total = self._scored
        return best / total if total else 0.0

    @cached_property
    def _body(self) -> list[str]:
        element = self._densest
        if element is None:
            return []
        self.body_element = element
        return self._finish_body(blocks(element))

    def paragraphs(self) -> list[str]:
        return list(self._body)

    def images(self) -> list[Image]:
        body = self.anchor if self.anchor is not None else self._densest
        return images_generic(self.page, self.region, body)

    def section_trail(self) -> list[str]:
        if not self.page.mentions("crumb", "trajector"):
            return self._section_labels()
        for element in self.page.select(
            "//*[contains(@class,'crumb') or contains(@class,'Crumb') or contains(@class,'trajector')"
            " or contains(@aria-label,'readcrumb')]"
        ):
            links = [a for a in element.iter("a") if not _TAG_ADDRESS.search(a.get("href") or "")]
            if not links and any(True for _ in element.iter("a")):
                continue  # a tag list (some templates class tags and breadcrumbs together)
            items = _unique([text_of(a) for a in links] + [text_of(li) for li in element.iter("li")][-1:])
            if items:
                return items
        return self._section_labels()

    def _section_labels(self) -> list[str]:
        """Section labels before the headline (a link each, classed section/channel/category), in order."""
        h1 = self.headline_element
        if h1 is None or not self.page.mentions("section", "channel", "category"):
            return []
        labels: list[str] = []
        for element in self.page.select(_SECTION_LABELS):
            if element.getparent() is None or _is_link_list(element) or element in self._never_body:
                continue
            links = list(element.iter("a"))
            if len(links) == 1 and len(text_of(element)) <= 25 and _precedes(element, h1):
                labels.append(text_of(element))
        if len(labels) >= 2:
            return _unique(labels)
        return self._post_category()

    def _post_category(self) -> list[str]:
        """WordPress marks a post's categories rel="category tag" (the first is its primary one): in the
        article's own block, not in a menu or a list of other posts."""
        if "category" not in self.page.markers:
            return []
        scope = self.region if self.region is not None else self.page.root
        for link in self.page.select(
            ".//a[contains(concat(' ', normalize-space(@rel), ' '), ' category ')]", scope
        ):
            if any(ancestor in self._never_body for ancestor in link.iterancestors()):
                continue
            if self._in_foreign_block(link, scope):
                continue
            text = text_of(link)
            return [text] if 2 <= len(text) <= 40 else []
        return []

    def tags(self) -> list[str]:
        if not self.page.mentions("tag", "keyword"):
            return []
        for element in self.page.with_class_containing(("tags", "Tags", "keywords"), also="//*[@rel='tag']"):
            items = _unique([text_of(a) for a in element.iter("a") if a.get("href") and len(text_of(a)) < 40])
            if items:
                return items[:30]
        return []

    def paywalled(self) -> bool | None:
        path = urlsplit(self.page.canonical).path.lower()
        if _PREMIUM_PATH.search(path):
            return True
        return None

    def language(self) -> str | None:
        return _language_code(self.page.lang)


def _with_nearby_clock(element: etree._Element, date_text: str) -> str:
    """A day with no time ("יום שישי 22.05.2020"): the first clock time in its neighbourhood completes it."""
    node = element
    for _ in range(2):
        node = node.getparent()
        if node is None:
            break
        text = text_of(node)
        if len(text) > 3000:
            break
        after = text.split(date_text, 1)[-1]
        clock = _CLOCK.search(after)
        if clock:
            return f"{date_text} {clock.group(0)}"
    return date_text


def _is_br_text_block(element: etree._Element) -> bool:
    """An element holding paragraphs as its own text, separated by <br> (not by child blocks)."""
    if not isinstance(element.tag, str) or element.tag in ("p", "span", "a", "b", "strong"):
        return False
    breaks = [child for child in element if child.tag == "br"]
    if len(breaks) < 2:
        return False
    runs = [element.text or "", *(child.tail or "" for child in breaks)]
    return sum(len(clean(run)) >= 40 for run in runs) >= 2


def _has_like_sibling(element: etree._Element) -> bool:
    """Another element with the same tag and class beside this one, holding text."""
    parent = element.getparent()
    if parent is None:
        return False
    for sibling in parent:
        if sibling is element or sibling.tag != element.tag or sibling.get("class") != element.get("class"):
            continue
        if not element.get("class") and (element.get("id") or sibling.get("id")):
            continue  # classless blocks named by id ("top", "center", "text") are a page's parts, not alike
        if len(text_of(sibling)) >= 8:
            return True
    return False


# "/news/.premium-1.2198200", "/premium/...", "-premium-": a premium article's address, on news sites
_PREMIUM_PATH = re.compile(r"(?:^|[/.\-])premium(?:[/.\-]|$)")
_CATEGORY_LINKS = ".//a[contains(concat(' ', normalize-space(@rel), ' '), ' category ')]"
_SECTION_LABELS = (
    "//*[contains(@class,'section-head') or contains(@class,'section-title')"
    " or contains(@class,'section-name') or contains(@class,'channel-name')"
    " or contains(@class,'category-name') or contains(@class,'sectionTitle')]"
)


def _precedes(element: etree._Element, other: etree._Element) -> bool:
    """``element`` comes before ``other`` in document order."""
    for following in element.itersiblings():
        if following is other or other in following.iterdescendants():
            return True
    parent = element.getparent()
    return parent is not None and parent is not other and _precedes(parent, other)


def _drop(element: etree._Element) -> None:
    """Remove an element but keep the text that follows it."""
    parent = element.getparent()
    if parent is None:
        return
    tail = _XML_UNSAFE.sub("", element.tail or "")
    if tail:
        previous = element.getprevious()
        if previous is not None:
            previous.tail = (previous.tail or "") + tail
        else:
            parent.text = (parent.text or "") + tail
    parent.remove(element)


def _is_link_list(element: etree._Element) -> bool:
    return any(child.tag in ("ul", "ol", "nav") for child in element)


def _inside(element: etree._Element, markers: re.Pattern[str], stop: etree._Element | None) -> bool:
    for ancestor in element.iterancestors():
        if ancestor is stop:
            return False
        marks = class_and_id(ancestor)
        if marks.strip() and markers.search(marks):
            return True
    return False
