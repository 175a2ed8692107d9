"""What a site profile declares. A profile is data: selectors and URL rules, no code paths of its own."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from enum import StrEnum


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


class Verification(StrEnum):
    """What a profile's extraction rules were checked against; its ``verified_note`` says more (which
    layouts, which scrapers' selectors and of which year). The value is what `newsarchive sites` shows."""

    #: some of its layouts against real saved pages of the site (../shared/corpus, or a real page kept by a
    #: public extractor's test suite); the note says which, and what the others were checked against
    REAL_PAGES = "real pages"
    #: its layouts against fixtures we wrote from the selectors public scrapers use: no real page seen
    WRITTEN_FIXTURES = "written fixtures"
    #: no layouts of its own, as nothing reliable is known of its markup: the JSON-LD, meta and generic
    #: layers, tested on fixtures we wrote in the shapes its platform prints
    NO_MARKUP_KNOWN = "no markup known"
    #: nothing checked: a profile made on the spot for a site without one (`newsarchive crawl --url`)
    NONE = "none"

    @property
    def described(self) -> str:
        """The category in a few words, for whoever reads `newsarchive sites`."""
        return _DESCRIBED[self]


_DESCRIBED = {
    Verification.REAL_PAGES: "real pages",
    Verification.WRITTEN_FIXTURES: "written fixtures (no real page seen)",
    Verification.NO_MARKUP_KNOWN: "no markup known: JSON-LD, meta and generic layers, on written fixtures",
    Verification.NONE: "none",
}


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
    #: what the extraction rules were checked against, and the details (which layouts, which selectors)
    verified: Verification = Verification.WRITTEN_FIXTURES
    verified_note: str = ""
    _article_re: re.Pattern[str] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_article_re", re.compile(self.article_url))

    def is_article_url(self, url: str) -> bool:
        return bool(self._article_re.search(url))

    def handles(self, host: str) -> bool:
        host = host.lower().rstrip(".")
        return any(host == d or host.endswith("." + d) for d in self.domains)
