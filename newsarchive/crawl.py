"""Running crawls from Python and from `newsarchive crawl`: settings, replay of saved sites, summaries."""

from __future__ import annotations

import asyncio
import logging
import os
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from scrapy.crawler import AsyncCrawlerProcess, Crawler
from scrapy.settings import BaseSettings, Settings
from scrapy.utils.project import get_project_settings

from . import crawl_stats
from .crawl_stats import DISCOVERY_ERRORS, ERRORS, SKIPPED
from .dates import NotADate, parse_day
from .extract.blocked import BLOCKED
from .frontier import Frontier, FrontierError
from .replay import replay_server, use_replay
from .sites import profile_for_url, profiles_for, web_address
from .sites.adhoc import adhoc_profile
from .spiders.news import NewsSpider
from .store import Archive

#: where --resume keeps each site's crawl frontier (newsarchive.frontier); $NEWSARCHIVE_JOBS moves it
JOBS_DIR = Path(os.environ.get("NEWSARCHIVE_JOBS", Path("data") / "jobs"))


@dataclass
class CrawlOptions:
    sites: list[str]
    db: Path
    #: sites without a profile, by address: crawled through robots.txt sitemaps, feed autodiscovery and
    #: generic extraction
    urls: list[str] = field(default_factory=list)
    since: str | None = None
    until: str | None = None
    limit: int | None = None
    refresh: bool = False
    #: fetch the stored articles that are due again (revisions.REVISIT_SCHEDULE) instead of discovering
    revisit: bool = False
    resume: bool = False
    replay: Path | None = None
    jobs_dir: Path = JOBS_DIR
    settings: dict[str, Any] = field(default_factory=dict)


@dataclass
class SiteSummary:
    site: str
    queued: int = 0
    fetched: int = 0
    stored: int = 0
    #: of the pages stored again: how many were new versions, how many had not really changed
    changed: int = 0
    unchanged: int = 0
    skipped: dict[str, int] = field(default_factory=dict)
    errors: dict[str, int] = field(default_factory=dict)
    finish_reason: str = ""
    seconds: float = 0.0
    #: why the site's crawler failed (could not start, or stopped on an error), else ""
    failure: str = ""
    #: what whoever runs the crawl should know although it went on (a damaged crawl state set aside)
    warnings: list[str] = field(default_factory=list)

    @property
    def pages_per_minute(self) -> float:
        return self.fetched / self.seconds * 60 if self.seconds else 0.0

    @property
    def blocked(self) -> int:
        """Pages the site answered with a bot-protection or challenge page (a refusal, or a 200 whose page is
        one): counted apart from other skips and errors, so a site that starts blocking shows at once."""
        return self.skipped.get(BLOCKED, 0) + self.errors.get(BLOCKED, 0)


def crawl_settings(options: CrawlOptions) -> Settings:
    settings = get_project_settings()
    if settings.get("BOT_NAME") != "newsarchive":  # run outside the project folder: load ours
        settings = Settings()
        settings.setmodule("newsarchive.settings", priority="project")
    settings.set("ARCHIVE_DB", str(options.db), priority="cmdline")
    settings.set("CRAWL_ID", f"{time.strftime('%Y%m%dT%H%M%S')}-{uuid.uuid4().hex[:6]}", priority="cmdline")
    for name, value in options.settings.items():
        settings.set(name, value, priority="cmdline")
    return settings


#: the finish reasons of a crawl stopped from outside: Scrapy's for a first Ctrl-C or SIGTERM, ours for a
#: second one (Scrapy then stops at once, and its spider never closes)
INTERRUPTED = "interrupted"
STOPPED_FROM_OUTSIDE = ("shutdown", INTERRUPTED)


class CrawlError(RuntimeError):
    """A crawl that cannot start: the archive cannot be opened or written (the message says why)."""


def check_options(options: CrawlOptions) -> None:
    """What would otherwise fail inside the reactor, where Scrapy only logs it and the crawl looks finished:
    ValueError for a date that is not one (a usage mistake), :class:`CrawlError` for an archive that cannot be
    opened (not SQLite, not writable)."""
    window = {}
    for name, value in (("--since", options.since), ("--until", options.until)):
        if value:
            try:
                window[name] = parse_day(value, end_of_day=name == "--until")
            except NotADate as error:
                raise ValueError(f"{name}: {error}") from None
    if len(window) == 2 and window["--until"] < window["--since"]:
        raise ValueError(
            f"--until {options.until} is before --since {options.since}: no article can be in between"
        )
    for url in options.urls:
        check_site_address(url)
    check_settings(options.settings)
    try:
        Archive(options.db).close()
    except Exception as error:  # not SQLite, not an archive, not writable, locked: it cannot be crawled into
        raise CrawlError(f"cannot open the archive {options.db}: {error}") from None


def check_site_address(url: str) -> None:
    """ValueError for a --url that names no site a crawl could keep to: a port that is no port, a user name
    or password (they would be sent to the site, and stored in every address)."""
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError:
        raise ValueError(f"--url {url}: the port must be a number from 1 to 65535") from None
    if port == 0:
        raise ValueError(f"--url {url}: the port must be a number from 1 to 65535")
    if "@" in parts.netloc:
        raise ValueError(f"--url {url}: an address with a user name or password is not a site's address")
    if parts.scheme.lower() in ("http", "https") and web_address(url) is None:
        raise ValueError(f"--url {url}: no web address a request can go to (its host is no host name)")


def check_settings(overrides: dict[str, Any]) -> None:
    """ValueError for a setting (from --set or the config file) whose value is not of its kind, named with
    the setting: in the reactor it failed the crawl with a bare "could not convert string to float"."""
    defaults = crawl_settings(CrawlOptions(sites=[], db=Path("-")))
    for name, value in overrides.items():
        default = defaults.get(name)
        given = BaseSettings({name: value})  # no defaults: a dict setting's default would parse the value
        try:
            if name == "LOG_LEVEL":
                if (
                    logging.getLevelName(str(given.get(name)).upper())
                    == f"Level {str(given.get(name)).upper()}"
                ):
                    raise ValueError("not a log level (DEBUG, INFO, WARNING, ERROR or CRITICAL)")
            elif isinstance(default, bool):
                given.getbool(name)
            elif isinstance(default, int | float):
                given.getfloat(name)
            elif isinstance(default, dict | BaseSettings):  # Scrapy keeps dict settings as BaseSettings
                given.getdict(name)
            elif isinstance(default, list | tuple) and not isinstance(given.get(name), str | list | tuple):
                raise ValueError("not a list")
        except (ValueError, TypeError) as error:
            raise ValueError(f"setting {name} = {value!r}: {error}") from None


def run_crawl(
    options: CrawlOptions, on_tick: Callable[[list[SiteSummary]], None] | None = None
) -> list[SiteSummary]:
    """Crawl the sites (one crawler each, in one process) and return a summary per site. Blocking: it runs
    the Twisted reactor, which can run once per process. A site whose crawler could not start has the error
    as its ``failure``."""
    check_options(options)
    jobs = crawl_jobs(options)
    with replay_server(options.replay) as replay_hosts:
        base = crawl_settings(options)
        if replay_hosts is not None:
            use_replay(base, replay_hosts)
        frontiers = open_frontiers([site for site, _ in jobs], options) if options.resume else {}
        process = AsyncCrawlerProcess(base)
        crawlers: dict[str, Crawler] = {}
        runs: dict[str, asyncio.Task[None]] = {}
        started = time.monotonic()
        for site, target in jobs:
            if site in crawlers:
                continue
            crawler = Crawler(NewsSpider, base.copy())
            crawlers[site] = crawler
            runs[site] = process.crawl(
                crawler,
                **target,
                since=options.since,
                until=options.until,
                limit=options.limit,
                refresh=options.refresh,
                revisit=options.revisit,
                frontier=frontiers.get(site),
            )
        if on_tick is not None:
            _every_second(lambda: on_tick(summarize(crawlers, time.monotonic() - started, final=False)))
        process.start()
    summaries = summarize(crawlers, time.monotonic() - started, final=True)
    _settle(summaries, runs, frontiers)
    return summaries


def crawl_jobs(options: CrawlOptions) -> list[tuple[str, dict[str, str]]]:
    """Each site to crawl, once, with the spider arguments that name it (``site`` for a profile, ``url``
    for a site without one); ValueError when there is none."""
    jobs = [(profile.key, {"site": profile.key}) for profile in profiles_for(options.sites)]
    unprofiled: dict[str, list[str]] = {}
    for url in options.urls:
        profile = profile_for_url(url)
        if profile is not None:  # a profiled site named by address: use its profile
            jobs.append((profile.key, {"site": profile.key}))
        else:  # one crawler per host, whatever ports it is given on
            unprofiled.setdefault(adhoc_profile(url).key, []).append(url)
    jobs += [(site, {"url": ",".join(urls)}) for site, urls in unprofiled.items()]
    if not jobs:
        raise ValueError("nothing to crawl: name sites or give --url")
    return list(dict(jobs).items())


def _settle(
    summaries: list[SiteSummary], runs: dict[str, asyncio.Task[None]], frontiers: dict[str, Frontier]
) -> None:
    """What the crawl's end adds to each site's summary: the error its crawler stopped on, a crawl stopped
    from outside, a damaged crawl state set aside."""
    for summary in summaries:
        run = runs[summary.site]
        error = run.exception() if run.done() and not run.cancelled() else None
        if error is not None:
            summary.failure = f"{type(error).__name__}: {error}" if not str(error) else str(error)
            summary.finish_reason = summary.finish_reason or "failed"
        elif not summary.finish_reason:  # stopped without closing its spider: a second Ctrl-C or SIGTERM
            summary.finish_reason = INTERRUPTED
        frontier = frontiers.get(summary.site)
        if frontier is not None and frontier.set_aside is not None:
            summary.warnings.append(
                f"its crawl state was damaged and was set aside as {frontier.set_aside}; this crawl started"
                " afresh (what the archive holds was not fetched again)"
            )


def open_frontiers(sites: list[str], options: CrawlOptions) -> dict[str, Frontier]:
    """Each site's crawl state for --resume (newsarchive.frontier), opened before the crawl starts, so that
    what is wrong with it is said at once in one line (CrawlError): a folder that cannot be made or written,
    another --resume run of the same site still going. A damaged file is set aside (a warning, later)."""
    frontiers: dict[str, Frontier] = {}
    try:
        for site in dict.fromkeys(sites):
            if not options.revisit:  # a revisit has no frontier: it asks the archive what is due
                frontiers[site] = Frontier(options.jobs_dir / site)
    except FrontierError as error:
        for frontier in frontiers.values():
            frontier.close()
        raise CrawlError(f"{site}: {error}") from None
    return frontiers


def _every_second(tick: Callable[[], None]) -> None:
    from twisted.internet import task

    loop = task.LoopingCall(tick)
    loop.start(1.0, now=False)


def summarize(crawlers: dict[str, Crawler], seconds: float, *, final: bool) -> list[SiteSummary]:
    summaries = []
    for site, crawler in crawlers.items():
        try:
            stats = crawler.stats.get_stats()
        except RuntimeError:  # not started yet
            stats = {}
        spider = getattr(crawler, "spider", None)
        summary = SiteSummary(site=site, seconds=seconds)
        summary.queued = spider.queued_here if spider is not None else 0
        summary.fetched = crawl_stats.pages_fetched(stats)
        summary.stored = crawl_stats.total(stats, crawl_stats.STORED)
        summary.changed = crawl_stats.total(stats, crawl_stats.CHANGED)
        summary.unchanged = crawl_stats.total(stats, crawl_stats.UNCHANGED)
        summary.skipped = crawl_stats.reasons(stats, SKIPPED)
        summary.errors = crawl_stats.reasons(stats, ERRORS, DISCOVERY_ERRORS)
        summary.finish_reason = stats.get("finish_reason", "") if final else ""
        if final and spider is not None:
            # a turn of a shared crawl whose round was discovered by an earlier turn reads no sitemap
            discovers = not spider.revisit and (spider.shared is None or spider.shared.discover)
            summary.failure = _fruitless(summary, stats, discovers=discovers)
        summaries.append(summary)
    return summaries


def _fruitless(summary: SiteSummary, stats: dict[str, Any], *, discovers: bool) -> str:
    """Why a site's crawl that ran to its end still failed, else "": every page it asked for was a challenge
    page, discovery found nothing (every robots.txt, sitemap and feed failed or was refused), or every
    article it asked for failed. Such a crawl is no success that merely found nothing new."""
    if summary.stored or summary.finish_reason != "finished":  # stopped early: said as such
        return ""
    if summary.blocked:
        return f"{BLOCKED}: {summary.blocked} of {summary.fetched} pages fetched were challenge pages"
    if not discovers:
        return ""
    discovered = crawl_stats.total(stats, crawl_stats.SITEMAPS) + crawl_stats.total(stats, crawl_stats.FEEDS)
    if not discovered and not summary.queued:
        reasons = crawl_stats.reasons(stats, DISCOVERY_ERRORS)
        return f"nothing could be discovered ({_reasons(reasons) or 'no sitemap or feed found'})"
    article_errors = crawl_stats.reasons(stats, ERRORS)
    # a site whose articles all failed, and that gave no article this run, not even one the archive holds
    # (a site that only lists a few broken addresses besides archived ones is working)
    known = summary.skipped.get("already in the archive", 0)
    if summary.queued and not known and sum(article_errors.values()) >= summary.queued:
        which = "the one article" if summary.queued == 1 else f"none of the {summary.queued} articles"
        could = "could not" if summary.queued == 1 else "could"
        return f"{which} asked for {could} be fetched ({_reasons(article_errors)})"
    return ""


def _reasons(counts: dict[str, int], most: int = 3) -> str:
    """ "12 HTTP 404, 3 timeout": the commonest reasons first."""
    ranked = sorted(counts.items(), key=lambda item: -item[1])[:most]
    return ", ".join(f"{n} {reason}" for reason, n in ranked)
