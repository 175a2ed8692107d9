"""Finding article URLs: robots.txt, sitemap indexes, (Google News) sitemaps, RSS and Atom feeds.

Plain functions over bytes (no Scrapy), hardened against hostile XML: no DTDs, no entities, no network, a
size limit on gzip streams.
"""

from __future__ import annotations

import io
import re
import zlib
from dataclasses import dataclass
from datetime import datetime
from email.utils import parsedate_to_datetime
from urllib.parse import urljoin, urlsplit

from lxml import etree

from .dates import ISRAEL, parse_date
from .text import clean

MAX_XML_BYTES = 50 * 1024 * 1024  # what a sitemap may inflate to (the protocol allows 50 MB)
_PARSER = etree.XMLParser(
    resolve_entities=False,
    no_network=True,
    load_dtd=False,
    dtd_validation=False,
    huge_tree=False,
    recover=True,
)
_DOCTYPE = re.compile(rb"<!DOCTYPE|<!ENTITY", re.I)
_SITEMAP_LINE = re.compile(r"^\s*sitemap\s*:\s*(\S+)", re.I | re.M)


class DiscoveryError(ValueError):
    """A sitemap or feed that cannot be read (with the reason)."""


@dataclass(frozen=True)
class Entry:
    """A URL found by discovery, with what the source says of it."""

    url: str
    published: datetime | None = None  # news:publication_date, pubDate, <published>
    lastmod: datetime | None = None
    title: str | None = None

    @property
    def when(self) -> datetime | None:
        return self.published or self.lastmod


@dataclass(frozen=True)
class Sitemap:
    is_index: bool
    entries: list[Entry]


def _web_url(base_url: str, link: str) -> str | None:
    """``link`` made absolute against ``base_url``, if it is an http(s) address."""
    try:
        absolute = urljoin(base_url, link.strip())
        scheme = urlsplit(absolute).scheme
    except ValueError:  # "https://]x" and other addresses urllib cannot split
        return None
    return absolute if scheme in ("http", "https") else None


def sitemaps_from_robots(text: str, base_url: str) -> list[str]:
    """The `Sitemap:` lines of a robots.txt, as absolute URLs."""
    found = []
    for url in _SITEMAP_LINE.findall(text or ""):
        absolute = _web_url(base_url, url)
        if absolute and absolute not in found:
            found.append(absolute)
    return found


def inflate(body: bytes, limit: int = MAX_XML_BYTES) -> bytes:
    """Ungzip ``body`` if it is gzip, refusing to produce more than ``limit`` bytes (gzip bombs)."""
    if not body.startswith(b"\x1f\x8b"):
        if len(body) > limit:
            raise DiscoveryError(f"larger than {limit} bytes")
        return body
    decompressor = zlib.decompressobj(16 + zlib.MAX_WBITS)
    try:
        data = decompressor.decompress(body, limit + 1)
    except zlib.error as error:
        raise DiscoveryError(f"broken gzip data: {error}") from None
    if len(data) > limit or decompressor.unconsumed_tail:
        raise DiscoveryError(f"gzip data inflates past {limit} bytes (a gzip bomb?)")
    return data


def _xml(body: bytes) -> etree._Element:
    data = inflate(body)
    head = data[:4096]
    if _DOCTYPE.search(head) or b"<!ENTITY" in data:
        raise DiscoveryError("XML with a DTD or entity declarations is refused")
    try:
        root = etree.parse(io.BytesIO(data), _PARSER).getroot()
    except etree.XMLSyntaxError as error:
        raise DiscoveryError(f"not XML: {error}") from None
    if root is None:
        raise DiscoveryError("not XML: empty document")
    return root


def _local(tag: object) -> str:
    return tag.rsplit("}", 1)[-1].lower() if isinstance(tag, str) else ""


def _child_text(element: etree._Element, *names: str) -> str | None:
    for child in element.iter():
        if _local(child.tag) in names and child is not element:
            text = clean("".join(child.itertext()))
            if text:
                return text
    return None


def parse_sitemap(body: bytes, url: str) -> Sitemap:
    """A sitemap index (its child sitemaps) or a urlset (its pages, with Google News fields when present)."""
    root = _xml(body)
    kind = _local(root.tag)
    if kind not in ("sitemapindex", "urlset"):
        raise DiscoveryError(f"not a sitemap (root element <{kind or '?'}>)")
    entries = []
    wanted = "sitemap" if kind == "sitemapindex" else "url"
    for item in root:
        if _local(item.tag) != wanted:
            continue
        loc = _child_text(item, "loc")
        loc = _web_url(url, loc) if loc else None
        if not loc:
            continue
        published = lastmod = title = None
        news = next((c for c in item if _local(c.tag) == "news"), None)
        if news is not None:
            published = parse_date(_child_text(news, "publication_date"))
            title = _child_text(news, "title")
        lastmod = parse_date(_child_text(item, "lastmod"))
        entries.append(Entry(loc, published=published, lastmod=lastmod, title=title))
    return Sitemap(is_index=kind == "sitemapindex", entries=entries)


def parse_feed(body: bytes, url: str) -> list[Entry]:
    """The items of an RSS 2.0 / RSS 1.0 / Atom feed; broken items are skipped."""
    root = _xml(body)
    kind = _local(root.tag)
    if kind not in ("rss", "rdf", "feed"):
        raise DiscoveryError(f"not an RSS or Atom feed (root element <{kind or '?'}>)")
    entries = []
    for item in root.iter():
        name = _local(item.tag)
        if name not in ("item", "entry"):
            continue
        link = None
        for child in item:
            if _local(child.tag) != "link":
                continue
            href = child.get("href")
            if href is not None:  # Atom: <link rel="alternate" href="..."/>
                if child.get("rel", "alternate") == "alternate":
                    link = href
                    break
            elif clean(child.text):  # RSS: <link>...</link>
                link = clean(child.text)
                break
        if not link:
            link = _child_text(item, "guid", "id")
        link = _web_url(url, link) if link else None
        if not link:
            continue
        raw_date = _child_text(item, "pubdate", "published", "date", "created", "updated", "issued")
        entries.append(Entry(link, published=_feed_date(raw_date), title=_child_text(item, "title")))
    return entries


def _feed_date(text: str | None) -> datetime | None:
    if not text:
        return None
    try:
        value = parsedate_to_datetime(text)  # RFC 822: "Fri, 22 May 2020 18:27:38 +0200"
        if value.tzinfo is None:
            value = value.replace(tzinfo=ISRAEL)
        return value.astimezone(ISRAEL)
    except (TypeError, ValueError, IndexError, OverflowError):  # an absurd offset or year overflows
        return parse_date(text)


_FEED_TYPES = ("application/rss+xml", "application/atom+xml")


def feeds_from_html(body: bytes, url: str) -> list[str]:
    """The RSS/Atom feeds a page announces with ``<link rel="alternate" type="application/rss+xml">``,
    on the page's own site (a feed on another host is someone else's content)."""
    from parsel import Selector

    try:
        page = Selector(body=body[:2_000_000], type="html")
    except (ValueError, TypeError):
        return []
    host = urlsplit(url).hostname
    found: list[str] = []
    for link in page.xpath("//link[@href][contains(concat(' ', normalize-space(@rel), ' '), ' alternate ')]"):
        if (link.attrib.get("type") or "").strip().lower() not in _FEED_TYPES:
            continue
        href = _web_url(url, link.attrib["href"])
        if href and urlsplit(href).hostname == host and href not in found:
            found.append(href)
    return found


def in_window(entry: Entry, since: datetime | None, until: datetime | None) -> bool:
    """Whether the entry falls in [since, until]; an entry with no date is kept (the page will tell)."""
    when = entry.when
    if when is None:
        return True
    return (since is None or when >= since) and (until is None or when <= until)
