"""One worker of a crawl shared through Redis (`newsarchive crawl --redis URL`): several workers, on one
machine or many, crawl the same sites with one frontier (newsarchive.shared_frontier), each into its own
archive (or one archive on the same machine), and `newsarchive merge` joins those.

The unit of work is the site. A worker takes the lease of a site no worker holds and runs a crawler for it
(a *turn*) while it holds the lease, renewing it every second; so one site is fetched by one worker at a
time, and its politeness (one request at a time, the delay, back-off) holds as with one worker. A worker
holds at most its fair share of the sites still to crawl (those sites over the live workers, rounded up); when
every site is leased and a worker holds none (it started late), one holding more than its share hands the
surplus over: it takes nothing more from those sites' queues, and lets them go once what it took is stored.

A worker does not stop while a site of its crawl is unfinished: leased by another worker (which may die, and
its lease run out: then this worker takes the site, with what the dead one held in flight), or free. It stops
when every site's round has finished since it joined.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field, replace

from scrapy.crawler import AsyncCrawlerProcess, Crawler
from scrapy.settings import Settings

from .crawl import (
    INTERRUPTED,
    CrawlError,
    CrawlOptions,
    SiteSummary,
    check_options,
    crawl_jobs,
    crawl_settings,
    summarize,
)
from .replay import replay_server, use_replay
from .shared_frontier import COVERED, TAKEN, LeaseLost, SharedFrontier, SharedFrontierError
from .spiders.news import NewsSpider
from .spiders.shared import LEASE_LOST, SharedFeed

logger = logging.getLogger(__name__)

#: how often a worker renews its leases, says it is alive and looks for sites to take
TICK_S = 1.0
#: turns of a site that ran to their end without finishing its round, after which this worker leaves it
MOST_UNFINISHED_TURNS = 3
#: the finish reasons after which a worker goes on taking sites (any other stops it taking more)
CARRY_ON = ("finished", LEASE_LOST, "closespider_itemcount")


@dataclass
class Turn:
    site: str
    crawler: Crawler
    feed: SharedFeed
    task: asyncio.Task[None] | None = None


@dataclass
class SharedCrawl:
    """A worker: the sites it may crawl, its turns, and what stopped it."""

    frontier: SharedFrontier
    process: AsyncCrawlerProcess
    settings: Settings
    #: site -> the spider arguments naming it
    targets: dict[str, dict[str, str]]
    spider_args: dict[str, object]
    limit: int | None = None
    running: dict[str, Turn] = field(default_factory=dict)
    ended: list[Turn] = field(default_factory=list)
    #: sites this worker left alone, and why
    given_up: dict[str, str] = field(default_factory=dict)
    unfinished_turns: Counter[str] = field(default_factory=Counter)
    #: why this worker stopped taking sites ("" while it goes on), and whether Redis failed it
    stopped: str = ""
    failure: str = ""
    on_tick: Callable[[], None] | None = None

    async def run(self) -> None:
        """Tick until every site is crawled (or the worker stops), then stop the reactor."""
        try:
            while self.running or not (self.stopped or self._all_done()):
                try:
                    self.tick()
                except SharedFrontierError as error:
                    self._fail(error)
                if self.on_tick is not None:
                    self.on_tick()
                await asyncio.sleep(TICK_S)
        except Exception as error:  # a bug of ours: end the turns (their pages are stored), then stop
            logger.exception("the shared crawl stopped on an error")
            self.failure = self.failure or f"internal error: {type(error).__name__}: {error}"
            self.stopped = self.stopped or self.failure
            for turn in list(self.running.values()):
                turn.feed.stop(SharedFrontierError(self.failure))
            while self.running:
                await asyncio.sleep(0.1)
        finally:
            from twisted.internet import reactor

            with contextlib.suppress(RuntimeError):  # already stopping (Ctrl-C)
                reactor.stop()

    def tick(self) -> None:
        self.frontier.heartbeat()
        for turn in list(self.running.values()):
            if not turn.feed.stopped and not self.frontier.renew(turn.site):
                turn.feed.stop(LeaseLost(f"{turn.site}: the lease ran out and another worker may hold it"))
        if not self.stopped:
            self._take_or_hand_over()

    def _open_sites(self) -> list[str]:
        """The sites of this crawl whose round has not finished since this worker joined."""
        return [
            site
            for site in self.targets
            if site not in self.given_up and not self.frontier.finished_since_joined(site)
        ]

    def _all_done(self) -> bool:
        return not self._open_sites()

    def _take_or_hand_over(self) -> None:
        """Take free sites up to this worker's fair share; hand the surplus over to a worker with less."""
        open_sites = self._open_sites()
        workers = self.frontier.live_workers()
        fair = math.ceil(len(open_sites) / max(1, len(workers)))
        holders = self.frontier.leases(open_sites)
        mine = [turn for turn in self.running.values() if not turn.feed.draining]
        if len(mine) < fair:
            for site in open_sites:
                if len(mine) >= fair:
                    break
                if holders[site] is None and site not in self.running and (turn := self._take(site)):
                    mine.append(turn)
            return
        if any(holder is None for site, holder in holders.items() if site not in self.running):
            return  # a site is free: whoever wants one takes it
        # every site is leased: hand the surplus over to workers holding none (one started late)
        held = Counter(holder for holder in holders.values() if holder)
        idle = [w for w in workers if w != self.frontier.worker and not held[w]]
        for turn in mine[fair:][: fair * len(idle)]:
            logger.info("handing %s over to a worker with no site", turn.site)
            turn.feed.draining = True

    def _take(self, site: str) -> Turn | None:
        state, discover = self.frontier.acquire(site)
        if state != TAKEN:
            if state == COVERED:
                logger.info("%s: crawled by another worker in this run", site)
            return None
        feed = SharedFeed(self.frontier, site, discover=discover, limit=self.limit)
        crawler = Crawler(NewsSpider, self.settings.copy())
        turn = Turn(site, crawler, feed)
        self.running[site] = turn
        turn.task = self.process.crawl(crawler, **self.targets[site], **self.spider_args, shared=feed)
        turn.task.add_done_callback(lambda _: self._turn_ended(turn))
        return turn

    def _turn_ended(self, turn: Turn) -> None:
        """A site's crawler ended: end the site's round if it is over, then let the site go (what was taken
        and not stored goes back to the queue)."""
        self.running.pop(turn.site, None)
        self.ended.append(turn)
        reason = _finish_reason(turn)
        try:
            finished = not turn.feed.stopped and self.frontier.finish(turn.site)
            self.frontier.release(turn.site)
        except SharedFrontierError as error:
            self._fail(error)
            return
        if reason not in CARRY_ON:
            self.stopped = self.stopped or f"{turn.site}: {reason}"
        elif reason == "finished" and not finished and not turn.feed.draining:
            self.unfinished_turns[turn.site] += 1
            if self.unfinished_turns[turn.site] >= MOST_UNFINISHED_TURNS:
                self.given_up[turn.site] = (
                    f"its round could not be finished in {MOST_UNFINISHED_TURNS} turns (pages that are"
                    " taken and never stored: see the log)"
                )

    def _fail(self, error: SharedFrontierError) -> None:
        """Redis cannot be reached: take nothing more, end every turn (what they fetched is stored in the
        archive; what they took and did not store goes back to the queue when the site is next taken)."""
        if not self.failure:
            self.failure = f"the shared frontier could not be used: {error}"
            logger.error("%s", self.failure)
        self.stopped = self.stopped or self.failure
        for turn in list(self.running.values()):
            turn.feed.stop(error)

    def let_go(self) -> None:
        """After the reactor stopped (the end, or Ctrl-C/SIGTERM that ended turns without their callbacks):
        release every lease still held, putting back what was not stored, and leave."""
        try:
            for site in list(self.running):
                self.frontier.release(site)
            self.frontier.leave()
        except SharedFrontierError as error:  # the leases run out by themselves: nothing is lost
            logger.error("could not let the sites go: %s", error)

    def summaries(self, seconds: float, *, final: bool) -> list[SiteSummary]:
        """One summary per site this worker crawled, its turns added up."""
        by_site: dict[str, SiteSummary] = {}
        for turn in [*self.ended, *self.running.values()]:
            (summary,) = summarize({turn.site: turn.crawler}, seconds, final=final)
            if final:
                _judge(summary, turn)
            by_site[turn.site] = _added(by_site.get(turn.site), summary)
        for site, why in self.given_up.items():
            if site in by_site:
                by_site[site].failure = by_site[site].failure or why
        if final and self.failure:
            for site in [] if by_site else self.targets:  # it failed before crawling anything
                by_site[site] = SiteSummary(site=site, seconds=seconds, finish_reason="failed")
            for summary in by_site.values():
                summary.failure = summary.failure or self.failure
        return list(by_site.values())


def _finish_reason(turn: Turn) -> str:
    if turn.task is not None and turn.task.done() and not turn.task.cancelled() and turn.task.exception():
        return "failed"
    try:
        return turn.crawler.stats.get_value("finish_reason") or INTERRUPTED
    except RuntimeError:  # never started
        return "failed"


def _judge(summary: SiteSummary, turn: Turn) -> None:
    """What a turn's end adds to its summary: the error its crawler stopped on; a lease that ran out is
    said (another worker took the site over: nothing is lost), not a failure."""
    task = turn.task
    error = task.exception() if task is not None and task.done() and not task.cancelled() else None
    if error is not None:
        summary.failure = f"{type(error).__name__}: {error}" if not str(error) else str(error)
        summary.finish_reason = "failed"
    elif summary.finish_reason == LEASE_LOST:
        summary.finish_reason = "finished"
        summary.warnings.append(
            "its lease ran out (this worker was cut off from Redis or frozen for longer than REDIS_LEASE_S);"
            " another worker took the site over"
        )
    elif not summary.finish_reason:
        summary.finish_reason = INTERRUPTED


def _added(before: SiteSummary | None, turn: SiteSummary) -> SiteSummary:
    """Two turns of one site as one summary: counts added, the last turn's end, every failure and warning."""
    if before is None:
        return turn
    counts = {
        name: getattr(before, name) + getattr(turn, name)
        for name in ("queued", "fetched", "stored", "changed", "unchanged")
    }
    return replace(
        turn,
        **counts,
        skipped=dict(Counter(before.skipped) + Counter(turn.skipped)),
        errors=dict(Counter(before.errors) + Counter(turn.errors)),
        failure=before.failure or turn.failure,
        warnings=[*before.warnings, *turn.warnings],
        finish_reason=turn.finish_reason if before.finish_reason in CARRY_ON else before.finish_reason,
    )


def run_shared_crawl(
    options: CrawlOptions,
    redis_url: str,
    on_tick: Callable[[list[SiteSummary]], None] | None = None,
) -> list[SiteSummary]:
    """Run this process as one worker of a crawl shared through Redis at ``redis_url``, into
    ``options.db``: blocking, as run_crawl. CrawlError when Redis cannot be used at the start; ValueError
    for options a shared crawl does not take."""
    check_options(options)
    if options.resume or options.refresh or options.revisit:
        flag = "--resume" if options.resume else "--refresh" if options.refresh else "--revisit"
        raise ValueError(
            f"{flag} is not for a crawl shared through Redis"
            + (": its frontier is kept in Redis already" if options.resume else ": run it on one machine")
        )
    jobs = crawl_jobs(options)
    base = crawl_settings(options)
    frontier = _joined(redis_url, base, str(options.db))
    with replay_server(options.replay) as replay_hosts:
        if replay_hosts is not None:
            use_replay(base, replay_hosts)
        process = AsyncCrawlerProcess(base)
        spider_args = {"since": options.since, "until": options.until, "limit": options.limit}
        worker = SharedCrawl(frontier, process, base, dict(jobs), spider_args, limit=options.limit)
        started = time.monotonic()
        if on_tick is not None:
            worker.on_tick = lambda: on_tick(worker.summaries(time.monotonic() - started, final=False))
        asyncio.get_event_loop().create_task(worker.run())
        try:
            process.start(stop_after_crawl=False)
        finally:
            worker.let_go()
    return worker.summaries(time.monotonic() - started, final=True)


def _joined(redis_url: str, settings: Settings, archive: str) -> SharedFrontier:
    """This worker's handle on the shared frontier, registered: CrawlError when Redis cannot be used."""
    try:
        frontier = SharedFrontier(
            redis_url,
            prefix=settings.get("REDIS_PREFIX") or "newsarchive",
            lease_s=settings.getfloat("REDIS_LEASE_S", 30.0),
        )
        frontier.register(archive)
    except SharedFrontierError as error:
        raise CrawlError(f"the shared frontier cannot be used: {error}") from None
    return frontier
