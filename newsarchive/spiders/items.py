"""What the spider hands to the pipelines: a fetched page, not yet extracted."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from ..fetched import FetchedPage


@dataclass
class PageItem:
    url: str  # after redirects
    requested_url: str
    site: str
    body: bytes = field(repr=False)  # Scrapy logs a dropped item's repr: the page itself stays out of the log
    status: int
    headers: dict[str, str] = field(default_factory=dict)
    fetched_at: datetime | None = None

    def fetched_page(self) -> FetchedPage:
        return FetchedPage(
            url=self.url,
            body=self.body,
            status=self.status,
            headers=self.headers,
            fetched_at=self.fetched_at,
            requested_url=self.requested_url,
        )
