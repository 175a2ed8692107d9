"""The fetch stage's output: a raw response as fetched, before any extraction.

Crawls, imports (WARC, saved files) and re-extraction all hand the later stages this one type; the archive
keeps it so that an article can be extracted again later.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from .encoding import charset_of, header


@dataclass
class FetchedPage:
    """A raw response as fetched, kept so the article can be extracted again later."""

    url: str
    body: bytes = field(repr=False)  # Scrapy logs a dropped item's repr: the page itself stays out of the log
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    fetched_at: datetime | None = None
    charset: str | None = None
    #: the URL discovery asked for, when a redirect led elsewhere
    requested_url: str | None = None
    #: the body as the archive keeps it (compressed), its SHA-256 and its size, when made ahead: a worker
    #: process packs the pages it read (and sends them without ``body``), so that the one process writing
    #: the archive neither spends its time compressing nor holds every page twice
    packed: tuple[bytes, str, int] | None = field(default=None, repr=False, compare=False)

    def __post_init__(self) -> None:
        if self.charset is None:  # what the Content-Type header declares, unless told otherwise
            self.charset = charset_of(self.content_type)

    @property
    def content_type(self) -> str | None:
        return header(self.headers, "content-type") or None
