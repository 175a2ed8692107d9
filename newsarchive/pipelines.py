"""The item pipeline: fetched page -> extract -> validate -> store, in batches, counting every outcome.

It owns the crawl's archive: opens it when the spider opens, keeps the crawl log in it, closes it at the end.
"""

from __future__ import annotations

import json

from scrapy import signals
from scrapy.crawler import Crawler
from scrapy.exceptions import DropItem, NotConfigured
from scrapy.utils.defer import deferred_from_coro

from . import crawl_stats
from .article import Article
from .crawl_stats import ERRORS, SKIPPED
from .fetched import FetchedPage
from .frontier import FrontierError
from .ingest import (
    CLAIMS_ANOTHER,
    extract_page,
    keep_own_addresses,
    names_another_address,
    names_another_article,
    reason_kind,
    store_pages,
)
from .spiders.items import PageItem
from .store import Archive, StorageError

#: a fetched page whose article the archive already holds under its canonical address
ALIAS = "another address of an article already in the archive"
#: pages whose canonical link names an address that neither the archive nor this crawl holds yet, held back
#: (at most this many) until the crawl ends: the page fetched from that address, if the crawl reaches it,
#: is the one the address belongs to, whichever came first (a CMS naming one story as every page's
#: canonical gave the address to whichever page came first, and the story itself was lost as an alias)
MOST_HELD = 200
#: the reason pages are counted as lost, and the crawl's finish reason, when the archive cannot be written
ARCHIVE_WRITE_FAILED = "archive write failed"


class ArchivePipeline:
    """Extracts each page and stores the articles (with their raw pages) in the archive (``ARCHIVE_DB``).

    Writes are batched (``ARCHIVE_BATCH_SIZE``); a batch is counted as stored only once it is committed.
    Pages that are not articles keep their raw bytes in `pages` with the reason, and are dropped.
    """

    def __init__(self, crawler: Crawler) -> None:
        self.db = crawler.settings.get("ARCHIVE_DB")
        if not self.db:
            raise NotConfigured("no ARCHIVE_DB: nothing to store into")
        self.crawler = crawler
        self.crawl_id = crawler.settings.get("CRAWL_ID") or "crawl"
        self.archive: Archive | None = None
        self.batch_size = crawler.settings.getint("ARCHIVE_BATCH_SIZE", 50)
        self.pending: list[tuple[Article, FetchedPage, str]] = []
        self.held: list[tuple[Article, FetchedPage, str]] = []
        self.stopping = False

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ArchivePipeline:
        pipeline = cls(crawler)
        crawler.signals.connect(pipeline.log, signal=crawl_stats.error_counted)
        crawler.signals.connect(pipeline.spider_closed, signal=signals.spider_closed)
        return pipeline

    def open_spider(self) -> None:
        self.archive = Archive(self.db)

    def log(self, event: str, url: str | None, reason: str, site: str) -> None:
        """An entry in the archive's crawl log; a log the archive cannot take (a full disk) stays in
        Scrapy's log and the statistics."""
        if self.archive is None:
            return
        try:
            self.archive.log(event, url, reason=reason, site=site, crawl=self.crawl_id)
        except StorageError as error:
            self.crawler.spider.logger.error(
                "crawl log entry not stored (%s %s: %s): %s", event, url, reason, error
            )

    def process_item(self, item: PageItem) -> PageItem:
        page = item.page
        outcome = extract_page(page)
        if outcome.article is None:
            crawl_stats.count(self.crawler.stats, SKIPPED, outcome.reason_kind, item.site)
            try:
                self.archive.store_page(page, outcome.reason or "not an article")
            except StorageError as error:
                self._write_failed(error, pages=1)
            else:
                self._done([page])
            raise DropItem(f"not an article: {outcome.reason}", log_level="INFO")
        entry = (outcome.article, page, item.site)
        if names_another_address(outcome.article, page) and not self._taken(outcome.article.url):
            self.held.append(entry)
            if len(self.held) <= MOST_HELD:
                return item
            entry = self.held.pop(0)
        self.pending.append(entry)
        if len(self.pending) >= self.batch_size and (error := self.flush()):
            raise DropItem(f"not stored: {error}")
        return item

    def flush(self) -> StorageError | None:
        """Store the pending batch; on a write failure (full disk, read-only file) count its pages as lost,
        stop the crawl rather than fetch more pages to lose, and return the error."""
        if not self.pending:
            return None
        batch, self.pending = self.pending, []
        spider = self.crawler.spider
        # A crawl that discovers asks only for addresses the archive does not know; a page whose canonical
        # address names an article it holds (an AMP copy, an alias, or what a concurrent crawl just stored)
        # is that article seen again, not a new version of it. Versions come from fetching an article's own
        # address again (--revisit and --refresh): a page fetched from one article's address whose canonical
        # names another article (a CMS pointing every page at one story, a merged story) was made that
        # article's newest version, its text over another's, and `changes` reported a rewrite never made.
        again = getattr(spider, "refresh", False) or getattr(spider, "revisit", False)
        keep_own_addresses(self.archive, [(article, page) for article, page, _ in batch])
        claims = [again and names_another_article(self.archive, article, page) for article, page, _ in batch]
        try:
            written = store_pages(
                self.archive, [(a, p) for a, p, _ in batch], versions=[again and not c for c in claims]
            )
        except StorageError as error:
            self._write_failed(error, pages=len(batch))
            return error
        stats = self.crawler.stats
        for done, claim, (article, page, site) in zip(written, claims, batch, strict=True):
            if done.kind in ("known", "superseded"):
                reason = CLAIMS_ANOTHER if claim else ALIAS
                crawl_stats.count(stats, SKIPPED, reason_kind(reason), site)
                try:  # kept under the address asked for, so that it is not asked for again
                    self.archive.store_page(page, f"{reason}: {article.url}")
                except StorageError as error:
                    self._write_failed(error, pages=1)
                    return error
                continue
            crawl_stats.add(stats, crawl_stats.STORED, site=site)
            # a page fetched again is a new version only if its content really changed
            if done.kind in ("changed", "unchanged"):
                crawl_stats.add(
                    stats, crawl_stats.CHANGED if done.kind == "changed" else crawl_stats.UNCHANGED
                )
        self._done([page for _, page, _ in batch])
        return None

    def _done(self, pages: list[FetchedPage]) -> None:
        """Tell a resumable crawl's frontier that these addresses are in the archive now (it is asked only
        by a resumed --refresh crawl: otherwise the archive itself says what is done); tell a shared crawl's
        frontier in Redis, which takes them out of flight and never hands them out again."""
        shared = getattr(self.crawler.spider, "shared", None)
        if shared is not None:
            shared.stored([page.requested_url or page.url for page in pages])
        frontier = getattr(self.crawler.spider, "frontier", None)
        if frontier is None:
            return
        try:
            frontier.done(page.requested_url or page.url for page in pages)
        except FrontierError as error:  # fetched once more by a resumed run: nothing lost
            self.crawler.spider.logger.error("%s", error)

    def _write_failed(self, error: StorageError, pages: int) -> None:
        crawl_stats.count(self.crawler.stats, ERRORS, ARCHIVE_WRITE_FAILED, times=pages)
        self.crawler.spider.logger.error("%d pages not stored: %s", pages, error)
        if not self.stopping:
            self.stopping = True
            deferred_from_coro(self.crawler.engine.close_spider_async(reason=ARCHIVE_WRITE_FAILED))

    def _taken(self, url: str) -> bool:
        """Whether the archive, or this crawl's pending batch, holds an article under the address."""
        return any(article.url == url for article, _, _ in self.pending) or self.archive.has_article(url)

    def close_spider(self) -> None:
        if self.stopping and self.held:  # the archive cannot be written: fetched again by the next crawl
            crawl_stats.count(self.crawler.stats, ERRORS, ARCHIVE_WRITE_FAILED, times=len(self.held))
        else:
            self.pending += self.held
        self.held = []
        self.flush()

    def spider_closed(self, reason: str) -> None:
        """The crawl's last entry in the crawl log, for each of its sites: how it ended and its counts; then
        the archive is closed."""
        if self.archive is None:
            return
        counts = crawl_stats.totals(self.crawler.stats.get_stats())
        for site in getattr(self.crawler.spider, "profiles", {}):
            entry = json.dumps({"finish_reason": reason, **counts}, ensure_ascii=False)
            self.log("finished", None, reason=entry, site=site)
        self.archive.close()
        self.archive = None
