"""What the spider hands to the pipeline: a page of a site as fetched, not yet extracted."""

from __future__ import annotations

from dataclasses import dataclass

from ..fetched import FetchedPage


@dataclass
class PageItem:
    page: FetchedPage
    #: the site profile the page was asked for by
    site: str
