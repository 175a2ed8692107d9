"""What a site profile declares. A profile is data: selectors and URL rules, no code paths of its own."""

from __future__ import annotations

import re
from dataclasses import dataclass, field


@dataclass(frozen=True)
class ImageRule:
    """Where a site puts its article pictures. ``item`` selects one block per picture; the rest are
    relative to it. ``src`` lists attributes in order of preference (the original image first)."""

    item: str
    img: str = "img"
    src: tuple[str, ...] = ("data-src", "src")
    link: str | None = None  # an <a href> to the full-size image, preferred over the <img>
    caption: str | None = None
    credit: str | None = None
    #: the caption text holds the credit too ("... | צילום: X"), or the img alt does
    caption_from_alt: bool = False


@dataclass(frozen=True)
class Layout:
    """One template of a site. ``detect`` is a selector present only in this template; layouts are tried
    in order (newest first) and the first whose ``detect`` matches is used."""

    name: str
    detect: str
    headline: str | None = None
    headline_drop: str | None = None  # kickers and labels inside the headline element
    subtitle: str | None = None
    byline: str | None = None  # each match is one byline string, parsed into names
    published: tuple[str, ...] = ()  # texts of these are joined: ("day header", "time")
    published_fallback: tuple[str, ...] = ()  # tried one by one when ``published`` finds no date
    updated: tuple[str, ...] = ()
    published_attr: tuple[str, ...] = ("datetime", "data-wcmdate", "content")
    body: str | None = None
    paragraphs: str | None = None  # when set, only these elements (relative to body) are paragraphs
    drop: str | None = None  # boilerplate inside the body, on top of the generic markers
    images: tuple[ImageRule, ...] = ()
    section: str | None = None  # breadcrumb items; the last non-empty one is the section
    tags: str | None = None
    paywall: str | None = None  # present only on paywalled pages


#: what a profile without layouts of its own says of itself: nothing reliable is known of its markup
NO_MARKUP_KNOWN = "written fixtures; no markup known: JSON-LD, meta and generic layers"


@dataclass(frozen=True)
class SiteProfile:
    key: str
    name: str
    domains: tuple[str, ...]
    #: URLs of articles (anything else on the site is a front page, tag page, listing...)
    article_url: str
    layouts: tuple[Layout, ...] = ()
    paywall_url: str | None = None
    #: desk names this site puts where a byline should be
    desks: tuple[str, ...] = ()
    #: where robots.txt is read (its Sitemap: lines are the first discovery source)
    homes: tuple[str, ...] = ()
    #: discovery sources, used by the crawler
    feeds: tuple[str, ...] = ()
    sitemaps: tuple[str, ...] = ()
    language: str = "he"
    #: how the extraction rules were checked: against real saved pages, or written fixtures only
    verified: str = "written fixtures"
    _article_re: re.Pattern[str] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_article_re", re.compile(self.article_url))

    def is_article_url(self, url: str) -> bool:
        return bool(self._article_re.search(url))

    def handles(self, host: str) -> bool:
        host = host.lower().rstrip(".")
        return any(host == d or host.endswith("." + d) for d in self.domains)
