"""The one spider: crawls any site profile through its discovery sources, never by following links.

    scrapy crawl news -a site=ynet -a since=2024-05-01
    scrapy crawl news -a url=https://www.example.co.il/      # a site without a profile
    newsarchive crawl ynet walla --since yesterday

Discovery, in the order a polite crawler prefers: the Google News sitemaps and sitemap indexes that robots.txt
lists (and the profile's own sitemaps), filtered by date; then the profile's RSS/Atom feeds. A site without a
profile also gets the feeds its home page announces.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable, Iterator
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import scrapy
from scrapy.http import Response
from scrapy.utils.defer import deferred_from_coro
from twisted.python.failure import Failure

from .. import crawl_stats
from ..crawl_stats import DISCOVERY_ERRORS, ERRORS, SKIPPED
from ..dates import NotADate, parse_day
from ..discovery import (
    DiscoveryError,
    Entry,
    feeds_from_html,
    in_window,
    parse_feed,
    parse_sitemap,
    sitemaps_from_robots,
)
from ..extract import bot_protection_reason
from ..extract.blocked import BLOCKED
from ..fetched import FetchedPage
from ..frontier import Frontier, FrontierError, Queued
from ..middlewares import WARC_WRITE_FAILED, OffSite, off_site
from ..sites import SITES, SiteProfile, profiles_for, web_address
from ..sites.adhoc import adhoc_profile, is_adhoc
from ..store import Archive
from .failures import failure_reason
from .items import PageItem
from .shared import SharedFeed

#: how deep sitemap indexes may nest
MAX_SITEMAP_DEPTH = 3


class NewsSpider(scrapy.Spider):
    name = "news"

    def __init__(
        self,
        site: str | None = None,
        url: str | None = None,
        since: str | None = None,
        until: str | None = None,
        limit: str | int | None = None,
        refresh: str | bool = False,
        revisit: str | bool = False,
        frontier: Frontier | None = None,
        shared: SharedFeed | None = None,
        **kwargs: object,
    ) -> None:
        super().__init__(**kwargs)
        keys = [k.strip() for k in (site or "").split(",") if k.strip()]
        if not keys and not url:
            raise ValueError(
                f"no site given: -a site=KEY (one of {', '.join(SITES)}), or -a url=https://... for a site"
                " without a profile"
            )
        self.profiles: dict[str, SiteProfile] = {p.key: p for p in profiles_for(keys)}
        for address in (url or "").split(","):
            if address.strip():
                profile = adhoc_profile(address)
                if (same := self.profiles.get(profile.key)) is not None:  # one host on two ports: both served
                    profile = replace(same, homes=tuple(dict.fromkeys(same.homes + profile.homes)))
                self.profiles[profile.key] = profile
        self.allowed_domains = [d for p in self.profiles.values() for d in p.domains]
        try:
            self.since = parse_day(since) if since else None
            self.until = parse_day(until, end_of_day=True) if until else None
        except NotADate as error:
            raise ValueError(str(error)) from None
        self.limit = int(limit) if limit not in (None, "", "0") else None
        self.refresh = str(refresh).lower() in ("1", "true", "yes")
        self.revisit = str(revisit).lower() in ("1", "true", "yes")
        #: every article address this crawl has queued (with --resume, earlier runs of it included)
        self.queued: set[str] = set()
        #: how many of those this run queued itself (the summary's "queued")
        self.queued_here = 0
        #: the archive, read-only: the spider only asks what it holds (the pipeline writes it)
        self.archive: Archive | None = None
        #: the sitemaps asked for, per site (at most SITEMAPS_MAX each; each once, however often listed)
        self.sitemaps_asked: dict[str, set[str]] = {}
        self.sitemaps_over: set[str] = set()
        #: the resumable crawl's queue: given by `newsarchive crawl --resume` (which opens it first, to say
        #: what is wrong before anything runs), or opened from FRONTIER_DIR
        self.frontier: Frontier | None = frontier
        #: the frontier shared through Redis (`crawl --redis`): discovery queues there, pages come from there
        self.shared = shared

    @classmethod
    def from_crawler(cls, crawler, *args, **kwargs):
        if crawler.settings.get("JOBDIR"):
            raise ValueError(
                "JOBDIR is not used by this spider: Scrapy's saved queue and seen-file lose a crawl that is"
                " killed; set FRONTIER_DIR=DIR instead (what `newsarchive crawl --resume` does)"
            )
        spider = super().from_crawler(crawler, *args, **kwargs)
        frontier_dir = crawler.settings.get("FRONTIER_DIR")
        if spider.frontier is None and frontier_dir and not spider.revisit:
            spider.frontier = Frontier(Path(frontier_dir))
        if spider.frontier is not None:
            spider.queued = spider.frontier.queued(list(spider.profiles))
        if spider.shared is not None:
            spider.shared.attach(crawler, spider)
        crawler.signals.connect(spider._opened, signal=scrapy.signals.spider_opened)
        crawler.signals.connect(spider._closed, signal=scrapy.signals.spider_closed)
        crawler.signals.connect(spider._dropped, signal=scrapy.signals.request_dropped)
        return spider

    def _opened(self) -> None:
        """Open the archive to ask what it holds, once the pipeline has opened it for writing (and so made it,
        for a new archive); an archive nothing writes (no pipeline) and that is not there holds nothing."""
        db = self.crawler.settings.get("ARCHIVE_DB")
        if db and Path(db).exists():
            self.archive = Archive(db, readonly=True)

    def _closed(self, reason: str) -> None:
        if self.frontier is not None:
            if reason == "finished":  # ran to its end: the next --resume run is a new crawl
                try:
                    self.frontier.finish()
                except FrontierError as error:  # the next run takes this crawl up again: nothing lost
                    self.logger.error("%s", error)
            self.frontier.close()
        if self.archive is not None:
            self.archive.close()

    def _dropped(self, request: scrapy.Request, **_: object) -> None:
        """The scheduler turned away a request it had seen: only redirects get here (the spider queues
        each address once), and they are counted, a loop as an error."""
        chain = request.meta.get("redirect_urls") or []
        if not chain:
            if self.shared is not None:  # taken from the queue, but this crawler had asked for it already
                self.shared.failed(request.url, "already asked for by this crawl")
            return
        site = request.cb_kwargs.get("site", "?")
        if request.url in chain:
            self._count(ERRORS, "redirect loop", site, chain[0])
        else:
            self._count(SKIPPED, "redirected to an address already queued", site)

    async def start(self) -> AsyncIterator[scrapy.Request]:
        if self.revisit:
            for request in self._revisits():
                yield request
            return
        if self.shared is not None and not self.shared.discover:
            return  # this round's discovery was done by an earlier turn: the pages come from the queue
        for request in self._resumed():
            yield request
        for profile in self.profiles.values():
            for root in profile.homes:
                if is_adhoc(profile):
                    yield scrapy.Request(
                        root + "/",
                        callback=self.parse_home,
                        errback=self.discovery_failed,
                        cb_kwargs={"site": profile.key},
                        priority=15,
                    )
                yield scrapy.Request(
                    root + "/robots.txt",
                    callback=self.parse_robots,
                    errback=self.discovery_failed,
                    cb_kwargs={"site": profile.key},
                    dont_filter=True,
                    priority=30,
                )
            for request in self._sitemap_requests(profile.sitemaps, profile.key, depth=0, source=None):
                yield request
            for url in profile.feeds:
                yield self._feed_request(url, profile.key)

    def _revisits(self) -> Iterator[scrapy.Request]:
        """The stored articles due for another look (revisions.REVISIT_SCHEDULE); no discovery. A stored
        address that is not on the site (an archive written by an older version, or by hand) is never
        fetched."""
        if self.archive is None:
            return
        for profile in self.profiles.values():
            for url in self.archive.due_for_revisit([profile.key], limit=self.limit):
                if (reason := off_site(url, [profile])) is not None:
                    self._count(SKIPPED, reason.split(" (")[0], profile.key, url)
                    continue
                self.queued.add(url)
                self.queued_here += 1
                yield self.article_request(url, profile.key, dont_filter=True)

    def _resumed(self) -> Iterator[scrapy.Request]:
        """The addresses an interrupted run of this crawl queued and the archive does not hold yet (it is
        what says what is done), before discovery runs again."""
        if self.frontier is None or not self.frontier.resumed:
            return
        resumed = 0
        for item in self.frontier.pending():
            if item.site not in self.profiles:
                continue
            # what the archive holds is done; a --refresh crawl fetches known pages again, so for it what the
            # archive holds is done once the frontier says this crawl has fetched it. Never the frontier
            # alone: the archive may have been deleted or replaced since, or this run writes to another one
            if (not self.refresh or item.done) and self.archive is not None and self.archive.knows(item.url):
                continue
            if not in_window(Entry(item.url, published=item.discovered), self.since, self.until):
                self._count(SKIPPED, "outside the date window", item.site)  # --since changed since
                continue
            resumed += 1
            self.queued_here += 1
            yield self.article_request(item.url, item.site)
        crawl_stats.set_count(self.crawler.stats, crawl_stats.RESUMED, resumed)
        self.logger.info("resuming an interrupted crawl: %d queued addresses still to fetch", resumed)

    def article_request(self, url: str, site: str, *, dont_filter: bool = False) -> scrapy.Request:
        return scrapy.Request(
            url,
            callback=self.parse_article,
            errback=self.article_failed,
            cb_kwargs={"site": site},
            dont_filter=dont_filter,
        )

    # -- discovery ------------------------------------------------------------------------------------

    def parse_robots(self, response: Response, site: str) -> Iterator[scrapy.Request]:
        if self._blocked(response, site):
            return
        urls = sitemaps_from_robots(response.text if response.status == 200 else "", response.url)
        yield from self._sitemap_requests(urls, site, depth=0, source=response.url)

    def _blocked(self, response: Response, site: str) -> bool:
        """A discovery source (robots.txt, a sitemap, a feed) answered with a challenge page: counted as
        blocked, so that a site blocking its discovery shows as blocked, not as a site with nothing new."""
        if not (reason := bot_protection_reason(response.body, response.status)):
            return False
        self._count(DISCOVERY_ERRORS, reason.split(" (")[0], site, response.url)
        return True

    def parse_home(self, response: Response, site: str) -> Iterator[scrapy.Request]:
        feeds = feeds_from_html(response.body, response.url) if hasattr(response, "text") else []
        if not feeds:
            self._count(DISCOVERY_ERRORS, "home page announces no RSS/Atom feed", site, response.url)
        for url in feeds:
            yield self._feed_request(url, site)

    def _feed_request(self, url: str, site: str) -> scrapy.Request:
        return scrapy.Request(
            url,
            callback=self.parse_feed,
            errback=self.discovery_failed,
            cb_kwargs={"site": site},
            priority=10,
        )

    def _sitemap_requests(
        self, urls: Iterable[str], site: str, depth: int, source: str | None
    ) -> Iterator[scrapy.Request]:
        """Requests for sitemaps, within the site's budget (SITEMAPS_MAX a crawl); going past it is one
        discovery error (naming the first sitemap whose children were left out). Past a --limit that is
        reached, no more children of an index are read."""
        most = self.crawler.settings.getint("SITEMAPS_MAX", 20_000)
        if depth > 0 and self.limit is not None and len(self.queued) >= self.limit:
            return  # the site's own sitemaps are still read: they say whether discovery works at all
        asked = self.sitemaps_asked.setdefault(site, set())
        new = [url for url in dict.fromkeys(urls) if url not in asked]
        room = max(0, most - len(asked))
        if len(new) > room and site not in self.sitemaps_over:
            self.sitemaps_over.add(site)
            self._count(DISCOVERY_ERRORS, f"more than {most:,} sitemaps (SITEMAPS_MAX)", site, source)
        for url in new[:room]:
            asked.add(url)
            yield self._sitemap_request(url, site, depth)

    def _sitemap_request(self, url: str, site: str, depth: int) -> scrapy.Request:
        return scrapy.Request(
            url,
            callback=self.parse_sitemap,
            errback=self.discovery_failed,
            cb_kwargs={"site": site, "depth": depth},
            priority=20,
        )

    def parse_sitemap(self, response: Response, site: str, depth: int) -> Iterator[scrapy.Request]:
        try:
            sitemap = parse_sitemap(response.body, response.url)
        except DiscoveryError as error:
            if not self._blocked(response, site):
                self._count(DISCOVERY_ERRORS, f"sitemap: {error}", site, response.url)
            return
        crawl_stats.add(self.crawler.stats, crawl_stats.SITEMAPS)
        if sitemap.is_index:
            if depth >= MAX_SITEMAP_DEPTH:
                self._count(DISCOVERY_ERRORS, "sitemap index nested too deeply", site, response.url)
                return
            # a child sitemap last modified before the window holds nothing new
            children = [
                entry.url
                for entry in sitemap.entries
                if entry.lastmod is None or self.since is None or entry.lastmod >= self.since
            ]
            yield from self._sitemap_requests(children, site, depth + 1, source=response.url)
            return
        yield from self._articles(sitemap.entries, site)

    def parse_feed(self, response: Response, site: str) -> Iterator[scrapy.Request]:
        try:
            entries = parse_feed(response.body, response.url)
        except DiscoveryError as error:
            if not self._blocked(response, site):
                self._count(DISCOVERY_ERRORS, f"feed: {error}", site, response.url)
            return
        crawl_stats.add(self.crawler.stats, crawl_stats.FEEDS)
        yield from self._articles(entries, site)

    def _articles(self, entries: list[Entry], site: str) -> Iterator[scrapy.Request]:
        """Requests for the article addresses among a sitemap's or feed's entries. With --resume they are
        written to the frontier before they are queued, so a run killed a moment later still has them."""
        profile = self.profiles[site]
        chosen: list[Entry] = []
        for entry in entries:
            # one spelling per address (no default port, trailing dot or fragment): ":443" or "#top" in a
            # sitemap must not make a second request, or a second article where the page names no canonical
            address = web_address(entry.url)
            url = address.normal() if address is not None and not address.userinfo else entry.url
            entry = replace(entry, url=url)
            if not in_window(entry, self.since, self.until):
                self._count(SKIPPED, "outside the date window", site)
                continue
            if off_site(url, [profile]) is not None:
                self._count(SKIPPED, "not on the site", site)
                continue
            if not profile.is_article_url(url):
                self._count(SKIPPED, "not an article URL", site)
                continue
            if url in self.queued:
                continue
            if not self.refresh and self.archive is not None and self.archive.knows(url):
                self._count(SKIPPED, "already in the archive", site)
                continue
            # a shared crawl counts its --limit over the round, in Redis
            if self.limit is not None and self.shared is None and len(self.queued) >= self.limit:
                self._count(SKIPPED, "over the --limit", site)
                continue
            self.queued.add(url)
            chosen.append(entry)
        yield from self._queue(chosen, site)

    def _queue(self, chosen: list[Entry], site: str) -> Iterator[scrapy.Request]:
        """Queue the chosen addresses: in Redis for a shared crawl (whose pages come from there); else as
        requests, written first to the frontier with --resume, so a run killed a moment later has them."""
        if self.shared is not None:
            pushed = self.shared.offer([entry.url for entry in chosen])
            skipped = (("already in the archive", pushed.known), ("over the --limit", pushed.over))
            for reason, times in skipped:
                if times:
                    crawl_stats.count(self.crawler.stats, SKIPPED, reason, site, times=times)
            self.queued_here += pushed.pushed
            self.shared.top_up()
            return
        if self.frontier is not None:
            try:
                self.frontier.add(Queued(e.url, site, e.when) for e in chosen)
            except FrontierError as error:  # a full disk: stop, as when the archive cannot be written
                self._count(ERRORS, "crawl state not written", site)
                self.logger.error("%s", error)
                deferred_from_coro(self.crawler.engine.close_spider_async(reason="crawl state not written"))
                return
        self.queued_here += len(chosen)
        for entry in chosen:
            yield self.article_request(entry.url, site)

    # -- pages ----------------------------------------------------------------------------------------

    def parse_article(self, response: Response, site: str) -> Iterator[PageItem]:
        headers = {k.decode("latin-1"): b", ".join(v).decode("latin-1") for k, v in response.headers.items()}
        # the address asked for: after redirects, the first of the chain (the page is kept under it, so that
        # the next crawl knows it; the redirect's target was kept before, and the address asked for again)
        asked = response.meta.get("redirect_urls") or [
            response.request.url if response.request else response.url
        ]
        page = FetchedPage(
            url=response.url,
            requested_url=asked[0],
            body=response.body,
            status=response.status,
            headers=headers,
            fetched_at=response.meta.get("fetched_at") or datetime.now(UTC),
        )
        if self.shared is not None:
            self.shared.answered(asked[0])
        yield PageItem(page=page, site=site)

    def article_failed(self, failure: Failure) -> None:
        request = failure.request
        site = request.cb_kwargs.get("site", "?") if request is not None else "?"
        reason = failure_reason(failure)
        self._count(ERRORS, reason, site, request.url if request is not None else None)
        if request is None:
            return
        # the address that was asked for: redirects carry the first one in their chain
        asked = (request.meta.get("redirect_urls") or [request.url])[0]
        # a page lost on our side (its WARC record could not be written) has not failed on the site: a
        # resumed run (or the next turn of a shared crawl) asks for it again
        if self.shared is not None:
            if reason == WARC_WRITE_FAILED:
                self.shared.answered(asked)
            else:
                self.shared.failed(asked, reason)
        elif self.frontier is not None and reason != WARC_WRITE_FAILED:
            try:
                self.frontier.failed(asked, reason)
            except FrontierError as error:  # a resumed run asks for it once more: nothing lost
                self.logger.error("%s", error)

    def discovery_failed(self, failure: Failure) -> None:
        request = failure.request
        site = request.cb_kwargs.get("site", "?") if request is not None else "?"
        reason = failure_reason(failure)
        robots = request is not None and request.url.endswith("/robots.txt")
        if robots and not failure.check(OffSite) and not reason.startswith(BLOCKED):
            return  # a site without robots.txt simply has no sitemaps listed there
        self._count(DISCOVERY_ERRORS, reason, site, request.url if request is not None else None)

    def _count(self, kind: str, reason: str, site: str, url: str | None = None) -> None:
        """Count a skip or an error; an error is also logged, and goes to the archive's crawl log."""
        crawl_stats.count(self.crawler.stats, kind, reason, site)
        if kind != SKIPPED:
            self.logger.warning("%s %s: %s", kind.replace("_", " ").rstrip("s"), url, reason)
            self.crawler.signals.send_catch_log(
                crawl_stats.error_counted, event=kind.rstrip("s"), url=url, reason=reason, site=site
            )
