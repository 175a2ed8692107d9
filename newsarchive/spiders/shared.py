"""A site crawler's link to the frontier shared through Redis (`newsarchive crawl --redis`).

The spider's discovery offers the article addresses it finds to the site's queue in Redis instead of
fetching them; the pages it fetches are taken from that queue a few at a time (as many as the site's
politeness lets be fetched at once, and one more), so that a worker that dies holds little. The pipeline
settles each address once the archive has committed its page. When the crawler runs out of work, the first
time, its discovery is done (every sitemap and feed was read and queued); it then takes more, and closes when
the queue is empty.
"""

from __future__ import annotations

from logging import LoggerAdapter
from typing import Any, Protocol

from scrapy import Request, signals
from scrapy.crawler import Crawler
from scrapy.exceptions import DontCloseSpider
from scrapy.utils.defer import deferred_from_coro

from ..shared_frontier import LeaseLost, Pushed, SharedFrontier, SharedFrontierError

#: the close reasons of a site crawler stopped by the shared frontier
LEASE_LOST = "lease lost"
UNREACHABLE = "shared frontier unreachable"


class _Spider(Protocol):
    """What the feed needs of the news spider (which imports this module)."""

    archive: Any
    logger: LoggerAdapter

    def article_request(self, url: str, site: str) -> Request: ...


class SharedFeed:
    """One site's turn at the shared frontier: this worker holds its lease while the crawler runs."""

    def __init__(self, frontier: SharedFrontier, site: str, *, discover: bool, limit: int | None) -> None:
        self.frontier = frontier
        self.site = site
        #: whether this turn reads the site's sitemaps and feeds (the round's discovery was not done yet)
        self.discover = discover
        self._discovery_pending = discover
        self.limit = limit
        #: the addresses taken and not answered yet (fetched, failed or dropped)
        self.waiting: set[str] = set()
        #: a handover: take nothing more, close when what was taken is done
        self.draining = False
        #: why the turn ended early on the shared frontier's account (LEASE_LOST, UNREACHABLE), and the error
        self.stopped: str | None = None
        self.error: str = ""
        self.spider: _Spider | None = None
        self.crawler: Crawler | None = None
        self.window = 2

    def attach(self, crawler: Crawler, spider: _Spider) -> None:
        self.crawler, self.spider = crawler, spider
        self.window = max(2, crawler.settings.getint("CONCURRENT_REQUESTS_PER_DOMAIN", 1) + 1)
        crawler.signals.connect(self._idle, signal=signals.spider_idle)

    # -- discovery ------------------------------------------------------------------------------------------

    def offer(self, urls: list[str]) -> Pushed:
        """Queue what discovery found (what some worker stored, or this round queued, is not queued again)."""
        try:
            return self.frontier.push(self.site, urls, self.limit)
        except SharedFrontierError as error:
            self.stop(error)
            return Pushed(0, 0, 0)

    # -- fetching -------------------------------------------------------------------------------------------

    def top_up(self) -> int:
        """Take addresses from the queue until ``window`` are waiting; those this worker's archive already
        holds are settled at once, not fetched. Returns how many requests were scheduled."""
        spider = self.spider
        assert spider is not None and self.crawler is not None
        if self.draining or self.stopped:
            return 0
        scheduled = 0
        while len(self.waiting) < self.window:
            try:
                taken = self.frontier.take(self.site, self.window - len(self.waiting))
                held = [url for url in taken if spider.archive is not None and spider.archive.knows(url)]
                self.frontier.stored(self.site, held)
            except SharedFrontierError as error:
                self.stop(error)
                return scheduled
            if not taken:
                break
            for url in taken:
                if url not in held:
                    self.waiting.add(url)
                    self.crawler.engine.crawl(spider.article_request(url, self.site))
                    scheduled += 1
        return scheduled

    def answered(self, url: str) -> None:
        """A page taken from the queue came back (or failed): take the next."""
        self.waiting.discard(url)
        self.top_up()

    def failed(self, url: str, reason: str) -> None:
        """An address that failed for good: settled as failed for this round."""
        self.answered(url)
        try:
            self.frontier.failed(self.site, [url], reason)
        except SharedFrontierError as error:
            self.stop(error)

    def stored(self, urls: list[str]) -> None:
        """Addresses whose pages the archive has committed (called by the pipeline after each batch). A
        Redis that cannot be told leaves them in flight: taken again later, and seen as already held."""
        try:
            self.frontier.stored(self.site, urls)
        except SharedFrontierError as error:
            self.stop(error)

    def _idle(self) -> None:
        """The crawler ran out of work: the first time, discovery is over (all read and queued); then take
        more, and let it close only when there is none."""
        if self.stopped:
            return
        if self._discovery_pending:
            try:
                self.frontier.discovered(self.site)
            except SharedFrontierError as error:
                self.stop(error)
                return
            self._discovery_pending = False
        self.waiting.clear()  # the crawler is idle: nothing it took is still on its way
        if self.top_up():
            raise DontCloseSpider

    def stop(self, error: SharedFrontierError) -> None:
        """End the turn at once: the lease is gone, or Redis cannot be reached (what was taken and not
        stored stays in flight, and goes back to the queue when the site's lease is next taken)."""
        if self.stopped:
            return
        self.stopped = LEASE_LOST if isinstance(error, LeaseLost) else UNREACHABLE
        self.error = str(error)
        assert self.crawler is not None and self.spider is not None
        self.spider.logger.error("%s: %s", self.stopped, error)
        deferred_from_coro(self.crawler.engine.close_spider_async(reason=self.stopped))
