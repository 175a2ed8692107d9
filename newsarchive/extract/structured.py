"""Structured data beyond JSON-LD: framework state blobs (Next.js ``__NEXT_DATA__`` and App Router flight
data ``self.__next_f.push(...)``, Nuxt ``__NUXT__``/``__NUXT_DATA__``, ``window.__INITIAL_STATE__`` and the
like) and schema.org microdata.

Framework state holds the article as the site's own objects ({"title", "publishedAt", "authors", "body"...})
and often the page's JSON-LD as an escaped string: both are found by walking the blob. What is read here is
data only: no script is ever run.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from datetime import UTC, datetime

from lxml import etree

from .blocks import blocks, body_paragraphs

_STATE_ASSIGNMENT = re.compile(
    r"^\s*(?:window\.|self\.|var\s+|let\s+|const\s+)?(__[A-Z][A-Z0-9_]*__|[A-Za-z_$][\w$]*(?:State|STATE|Data|DATA))"
    r"\s*=\s*",
)
_FLIGHT_PUSH = re.compile(r"self\.__next_f\.push\(\[\s*1\s*,\s*(\"(?:[^\"\\]|\\.)*\")\s*\]\)", re.S)
_FLIGHT_ROW = re.compile(r"^[0-9a-fA-F]+:(?:[A-Z]+)?", re.M)
_MAX_BLOB = 5_000_000
_MAX_NODES = 200_000

ARTICLE_LIKE_TITLE = ("headline", "title", "name")
_DATE_KEYS = (
    "datePublished",
    "publishedAt",
    "publishDate",
    "published_at",
    "publishedDate",
    "publicationDate",
    "pubDate",
    "firstPublished",
    "firstPublishDate",
    "createDate",
    "createdAt",
    "created_at",
    "date",
)
_MODIFIED_KEYS = (
    "dateModified",
    "updatedAt",
    "modifiedDate",
    "lastModified",
    "updated_at",
    "updateDate",
    "modified",
)
_SUBTITLE_KEYS = ("subtitle", "subTitle", "sub_title", "subHeadline", "secondaryTitle", "alternativeHeadline")
_AUTHOR_KEYS = ("author", "authors", "writers", "writer", "byline", "reporters", "creator")
_BODY_KEYS = ("articleBody", "body", "content", "text", "html", "blocks", "paragraphs")
_SECTION_KEYS = ("articleSection", "section", "category", "channel", "primaryCategory")
_TAG_KEYS = ("keywords", "tags")


def read_state(root: etree._Element) -> list[object]:
    """The framework state blobs of a page, parsed (before its scripts are dropped)."""
    blobs: list[object] = []
    flight: list[str] = []
    for script in root.iter("script"):
        text = script.text or ""
        if not text or len(text) > _MAX_BLOB:
            continue
        kind = (script.get("type") or "").strip().lower()
        ident = script.get("id") or ""
        if kind == "application/ld+json":
            continue
        if ident == "__NUXT_DATA__":
            blobs.append(_devalue(_loads(text)))
        elif kind == "application/json" or ident == "__NEXT_DATA__":
            blobs.append(_loads(text))
        elif "self.__next_f.push" in text:
            for match in _FLIGHT_PUSH.finditer(text):
                piece = _loads(match.group(1))
                if isinstance(piece, str):
                    flight.append(piece)
        elif match := _STATE_ASSIGNMENT.match(text):
            blobs.append(_loads(text[match.end() :].strip().rstrip(";")))
    if flight:
        blobs.extend(_flight_rows("".join(flight)))
    return [blob for blob in blobs if isinstance(blob, dict | list)]


def _flight_rows(payload: str) -> Iterator[object]:
    """App Router flight data: rows "<id>:<JSON>" (some with a type letter); the JSON rows parsed."""
    decoder = json.JSONDecoder()
    for match in _FLIGHT_ROW.finditer(payload):
        start = match.end()
        if start < len(payload) and payload[start] in "[{":
            try:
                value, _ = decoder.raw_decode(payload, start)
            except (ValueError, RecursionError):
                continue
            yield value


def _loads(raw: str) -> object:
    try:
        return json.loads(raw)
    except (ValueError, RecursionError):
        return None


def _devalue(data: object) -> object:
    """Nuxt 3's __NUXT_DATA__ (devalue): a flat array whose objects point at other entries by index."""
    if not isinstance(data, list) or not data:
        return None
    resolved: dict[int, object] = {}
    budget = [_MAX_NODES]

    def value(index: object, depth: int) -> object:
        if not isinstance(index, int) or not 0 <= index < len(data) or depth > 40 or budget[0] <= 0:
            return None
        if index in resolved:
            return resolved[index]
        budget[0] -= 1
        item = data[index]
        if isinstance(item, list):
            if (
                item
                and isinstance(item[0], str)
                and item[0] in ("Reactive", "ShallowReactive", "Ref", "ShallowRef")
            ):
                out: object = value(item[1], depth + 1) if len(item) > 1 else None
            elif item and isinstance(item[0], str) and item[0] == "Date":
                out = item[1] if len(item) > 1 else None
            else:
                out = [value(i, depth + 1) for i in item[:500]]
        elif isinstance(item, dict):
            out = {key: value(i, depth + 1) for key, i in list(item.items())[:200]}
        else:
            out = item
        resolved[index] = out
        return out

    return value(0, 0)


def walk(blobs: list[object]) -> tuple[list[dict], list[dict]]:
    """(JSON-LD objects, article-like objects) found anywhere in the blobs: JSON-LD kept as strings inside
    them (flight data carries the page's <script type=application/ld+json> that way) or as objects."""
    jsonld: list[dict] = []
    articles: list[dict] = []
    budget = _MAX_NODES
    stack: list[tuple[object, int]] = [(blob, 0) for blob in reversed(blobs)]
    while stack and budget > 0:
        node, depth = stack.pop()
        budget -= 1
        if isinstance(node, str):
            if len(node) > 30 and node.lstrip()[:1] in "{[" and '"@type"' in node[:5000]:
                parsed = _loads(node)
                if parsed is not None:
                    stack.append((parsed, depth + 1))
            continue
        if depth > 30:
            continue
        if isinstance(node, dict):
            if "@type" in node:
                jsonld.append(node)
            elif _article_like(node):
                articles.append(node)
            stack.extend((child, depth + 1) for child in reversed(list(node.values())[:300]))
        elif isinstance(node, list):
            stack.extend((child, depth + 1) for child in reversed(node[:2000]))
    return jsonld, articles


def _article_like(node: dict) -> bool:
    title = next((node[k] for k in ARTICLE_LIKE_TITLE if isinstance(node.get(k), str)), None)
    if not title or not 10 <= len(title) <= 300:
        return False
    has_date = any(node.get(k) for k in _DATE_KEYS)
    has_body = any(node.get(k) for k in ("articleBody", "body", "content", "blocks", "paragraphs"))
    return has_date and (has_body or any(node.get(k) for k in _AUTHOR_KEYS))


def as_schema(node: dict) -> dict:
    """A site's own article object in schema.org terms, for the JSON-LD reader."""

    def pick(keys: tuple[str, ...]) -> object:
        return next((node[k] for k in keys if node.get(k) not in (None, "", [], {})), None)

    out: dict[str, object] = {"@type": "NewsArticle"}
    out["headline"] = pick(ARTICLE_LIKE_TITLE)
    if subtitle := pick(_SUBTITLE_KEYS):
        out["alternativeHeadline"] = subtitle
    for key, keys in (("datePublished", _DATE_KEYS), ("dateModified", _MODIFIED_KEYS)):
        value = pick(keys)
        if isinstance(value, int | float) and value > 1e9:
            value = datetime.fromtimestamp(value / 1000 if value > 1e12 else value, UTC).isoformat()
        if isinstance(value, str):
            out[key] = value
    authors = pick(_AUTHOR_KEYS)
    if authors is not None:
        out["author"] = _names(authors)
    body = pick(_BODY_KEYS)
    if body is not None:
        out["_paragraphs"] = list(_texts(body, 0))
    section = pick(_SECTION_KEYS)
    if isinstance(section, dict):
        section = section.get("name") or section.get("title")
    if isinstance(section, str):
        out["articleSection"] = section
    tags = pick(_TAG_KEYS)
    if isinstance(tags, list):
        out["keywords"] = [t if isinstance(t, str) else (t.get("name") or t.get("title")) for t in tags[:50]]
        out["keywords"] = [t for t in out["keywords"] if isinstance(t, str)]
    return out


def _names(value: object) -> list[dict]:
    entries = value if isinstance(value, list) else [value]
    names = []
    for entry in entries[:20]:
        if isinstance(entry, str):
            names.append({"@type": "Person", "name": entry})
        elif isinstance(entry, dict):
            name = next(
                (
                    entry[k]
                    for k in ("name", "displayName", "fullName", "title")
                    if isinstance(entry.get(k), str)
                ),
                None,
            )
            if name:
                kind = entry.get("@type") or entry.get("type")
                names.append({"@type": kind if isinstance(kind, str) else "Person", "name": name})
    return names


_BLOCK_TEXT_KEYS = ("text", "html", "content", "value", "body", "children", "data", "items")


def _texts(value: object, depth: int) -> Iterator[str]:
    """Paragraph texts out of a body: a string (HTML or plain), or a list of blocks ({"type": "paragraph",
    "text"/"html"/"content"/"children": ...}), in order."""
    if depth > 8:
        return
    if isinstance(value, str):
        if "<" in value and ">" in value:
            yield from html_paragraphs(value)
        else:
            yield from (line for line in re.split(r"\n\s*\n|\r?\n", value) if line.strip())
    elif isinstance(value, list):
        for item in value[:2000]:
            yield from _texts(item, depth + 1)
    elif isinstance(value, dict):
        kind = str(value.get("type") or value.get("_type") or value.get("__typename") or "").lower()
        if any(
            word in kind for word in ("image", "video", "embed", "ad", "related", "gallery", "quote-tweet")
        ):
            return
        for key in _BLOCK_TEXT_KEYS:
            if value.get(key):
                yield from _texts(value[key], depth + 1)
                return


def html_paragraphs(fragment: str) -> list[str]:
    """The paragraphs of an HTML fragment (a body kept as an HTML string in the state)."""
    try:
        root = etree.fromstring(f"<div>{fragment}</div>".encode(), etree.HTMLParser(encoding="utf-8"))
    except (etree.ParserError, ValueError):
        return []
    if root is None:
        return []
    return body_paragraphs(blocks(root))


# -- microdata --------------------------------------------------------------------------------------------

_URL_PROPS = {"url", "image", "thumbnailurl", "contenturl", "logo", "mainentityofpage"}


def read_microdata(root: etree._Element, article_types: set[str]) -> list[dict]:
    """schema.org microdata items of article types ({"@type", props...}); nested items become dicts, the
    articleBody element is kept as ``_body_element`` so its paragraphs can be cut from the page."""
    found = []
    for element in root.iterfind(".//*[@itemscope]"):
        kinds = {
            kind.rstrip("/").rsplit("/", 1)[-1].lower() for kind in (element.get("itemtype") or "").split()
        }
        if kinds & article_types and element.get("itemprop") is None:
            found.append(_item(element, 0))
    return found


def read_microdata_breadcrumb(root: etree._Element) -> list[str]:
    """The names of a microdata BreadcrumbList's items, outermost first."""
    for element in root.iterfind(".//*[@itemscope][@itemtype]"):
        if element.get("itemtype", "").rstrip("/").lower().endswith("breadcrumblist"):
            items = _item(element, 0).get("itemListElement")
            names = []
            for entry in items if isinstance(items, list) else [items]:
                if isinstance(entry, dict):
                    name = entry.get("name")
                    if isinstance(entry.get("item"), dict):
                        name = name or entry["item"].get("name")
                    if isinstance(name, str) and name.strip():
                        names.append(name.strip())
            if names:
                return names
    return []


def _item(element: etree._Element, depth: int) -> dict:
    kind = (element.get("itemtype") or "").split()
    item: dict[str, object] = {"@type": kind[0].rstrip("/").rsplit("/", 1)[-1] if kind else "Thing"}
    for prop_element in _properties(element):
        for name in (prop_element.get("itemprop") or "").split():
            if prop_element.get("itemscope") is not None and depth < 4:
                value: object = _item(prop_element, depth + 1)
            else:
                value = _value(prop_element, name)
            if name == "articleBody":
                item["_body_element"] = prop_element
            if value in (None, ""):
                continue
            if name in item:
                previous = item[name]
                item[name] = [*(previous if isinstance(previous, list) else [previous]), value]
            else:
                item[name] = value
    return item


def _properties(scope: etree._Element) -> Iterator[etree._Element]:
    """Elements with itemprop that belong to this item (not to an item nested in it)."""
    stack = list(reversed(scope))
    while stack:
        element = stack.pop()
        if not isinstance(element.tag, str):
            continue
        if element.get("itemprop") is not None:
            yield element
            if element.get("itemscope") is not None:
                continue
        elif element.get("itemscope") is not None:
            continue
        stack.extend(reversed(element))


def _value(element: etree._Element, name: str) -> str | None:
    if element.get("content") is not None:
        return element.get("content")
    if element.tag == "time" and element.get("datetime"):
        return element.get("datetime")
    if name.lower() in _URL_PROPS or element.tag in ("img", "a", "link", "meta", "source"):
        for attribute in ("src", "data-src", "href"):
            if element.get(attribute):
                return element.get(attribute)
    return " ".join("".join(element.itertext()).split()) or None
