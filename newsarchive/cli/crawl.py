"""`newsarchive crawl`: polite, incremental, resumable crawls of the profiled sites."""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn, TypeVar

import click
from rich.console import Console
from rich.live import Live
from rich.table import Table
from rich.text import Text

from ..store.location import default_db_path
from .config import load_config
from .messages import USED_WRONGLY, WORK_FAILED, one_line, print_failure, shown, warn
from .options import GivenPath, archive_origin, db_option, scrapy_options, shown_text, stdout_console

if TYPE_CHECKING:  # Scrapy and the site profiles load when a crawl runs: `crawl --help` does not wait
    from ..crawl import CrawlOptions, SiteSummary
    from ..shared_frontier import SiteStatus

T = TypeVar("T")


@click.command()
@click.argument("sites", nargs=-1)
@click.option("--all", "all_sites", is_flag=True, help="Every site with a profile.")
@click.option(
    "--url",
    "urls",
    multiple=True,
    metavar="URL",
    help="A site without a profile, by its address (repeatable): robots.txt sitemaps, the feeds its home"
    " page announces, generic extraction.",
)
@click.option("--since", help="Only articles from this day or time: 2024-05-01, yesterday, '3 days ago'.")
@click.option("--until", help="Only articles up to this day or time.")
@click.option("--limit", type=click.IntRange(1), help="At most this many article pages per site.")
@db_option
@click.option("--refresh", is_flag=True, help="Fetch pages already in the archive again.")
@click.option(
    "--revisit",
    is_flag=True,
    help="Fetch again the stored articles that are due (every 15 min in their first 3 hours, hourly the"
    " first day, every 3 hours the first week, daily to 30 days, weekly to 90) and keep a new version"
    " when one really changed. No discovery.",
)
@click.option(
    "--resume",
    is_flag=True,
    help="Keep the crawl's state in data/jobs/<site>: an interrupted crawl picks up where it stopped.",
)
@click.option(
    "--replay",
    type=GivenPath(exists=True, path_type=Path),
    help="Crawl a saved snapshot instead of the web: a folder (one folder per host) or a WARC file, served"
    " on 127.0.0.1.",
)
@click.option(
    "--warc",
    "warc_dir",
    type=GivenPath(file_okay=False, path_type=Path),
    help="Also write every request and response to gzipped WARC 1.1 files in this folder (1 GB each).",
)
@click.option(
    "--redis",
    "redis_url",
    metavar="URL",
    envvar="NEWSARCHIVE_REDIS",
    help="Be one worker of a crawl shared through Redis (redis://HOST:6379): workers on any machine share"
    " one frontier, one site to a worker at a time; each writes its own --db ($NEWSARCHIVE_REDIS).",
)
@scrapy_options
def crawl(
    sites: tuple[str, ...],
    all_sites: bool,
    urls: tuple[str, ...],
    since: str | None,
    until: str | None,
    limit: int | None,
    db_path: Path | None,
    refresh: bool,
    revisit: bool,
    resume: bool,
    replay: Path | None,
    warc_dir: Path | None,
    redis_url: str | None,
    config_path: Path | None,
    overrides: tuple[str, ...],
    log_file: Path | None,
    fmt: str,
) -> None:
    """Crawl news sites into the archive, through their news sitemaps and feeds.

    \b
    Examples:
      newsarchive crawl ynet walla --since yesterday
      newsarchive crawl --all --limit 200 --resume
      newsarchive crawl --url https://www.example.co.il/ --limit 50   # a site without a profile
      newsarchive crawl ynet walla haaretz --replay data/samples/sites   # a saved snapshot, offline
      newsarchive crawl ynet --warc data/warc                            # keep the wire bytes too
      newsarchive crawl --all --revisit                                  # look again at fresh articles
      newsarchive crawl ynet --replay data/warc/crawl-ynet-00000.warc.gz  # crawl what a WARC captured
      newsarchive crawl --all --redis redis://10.0.0.5:6379 --db a.db    # one worker of a shared crawl
      scrapy crawl news -a site=ynet -a since=2024-05-01                 # the same spider, from Scrapy

    Pages already in the archive are not fetched again (--refresh fetches them). Progress shows while the
    crawl runs; a summary per site follows.
    """
    from ..crawl import CrawlOptions

    config = load_config(config_path)
    chosen = _chosen_sites(config, sites, all_sites, urls, since, until)
    db = _crawl_archive(config, db_path)
    settings, log_path = scrapy_settings(config, overrides, log_file)
    if warc_dir is not None:
        settings["WARC_DIR"] = str(warc_dir)
    options = CrawlOptions(
        sites=chosen,
        urls=list(urls),
        db=db,
        since=since or config.get("since"),
        until=until,
        limit=limit,
        refresh=refresh,
        revisit=revisit,
        resume=resume,
        replay=replay,
        settings=settings,
    )
    _report(_run(options, redis_url), fmt, log_path, revisit=revisit)


def _run(options: CrawlOptions, redis_url: str | None) -> list[SiteSummary]:
    """The crawl, alone or as one worker of a crawl shared through Redis, with progress."""
    from ..crawl import run_crawl

    if redis_url is None:
        return with_progress(lambda tick: run_crawl(options, on_tick=tick))
    from ..shared_crawl import run_shared_crawl

    _check_redis_url(redis_url)
    return with_progress(lambda tick: run_shared_crawl(options, redis_url, on_tick=tick))


def _check_redis_url(url: str) -> None:
    """--redis takes a Redis address (exits on anything else, before a crawl starts)."""
    scheme = url.partition("://")[0].lower() if "://" in url else ""
    if scheme not in ("redis", "rediss", "unix"):
        stop(
            f"--redis {shown(url)!r}: not a Redis address (redis://HOST:6379, rediss://... or"
            " unix:///path/redis.sock)",
            USED_WRONGLY,
        )


def _chosen_sites(
    config: dict[str, Any],
    sites: tuple[str, ...],
    all_sites: bool,
    urls: tuple[str, ...],
    since: str | None,
    until: str | None,
) -> list[str]:
    """The profiled sites to crawl: those named, all with --all, or the config file's `sites` when neither
    they nor --url are given (exits on a mistake: an empty --since, --all with sites, nothing to crawl)."""
    from ..sites import SITES

    for name, value in (("--since", since), ("--until", until)):
        if value is not None and not value.strip():  # it was taken for no limit at all
            stop(f"{name} is empty: give a day or time (2024-05-01, yesterday, '3 days ago')", USED_WRONGLY)
    if all_sites and (sites or urls):
        stop("--all crawls every profiled site: name no sites and give no --url with it", USED_WRONGLY)
    chosen = list(SITES) if all_sites else list(sites) or ([] if urls else config.get("sites", []))
    if not chosen and not urls:
        stop(f"name the sites to crawl (one of {', '.join(SITES)}), pass --all, or give --url", USED_WRONGLY)
    return chosen


def _crawl_archive(config: dict[str, Any], db_path: Path | None) -> Path:
    """The archive the crawl writes: --db, the config file's `db`, or data/archive.db; never a folder."""
    db = db_path or Path(config.get("db") or default_db_path())
    if db.is_dir():
        stop(
            f"the archive {shown(db)}{archive_origin(db_path)} is a folder: give its file (--db FILE)",
            USED_WRONGLY,
        )
    return db


def _report(summaries: list[SiteSummary], fmt: str, log_path: Path, *, revisit: bool) -> None:
    """The summary per site on stdout (a table, or JSON); then on stderr the sites' warnings, what went
    wrong (exit 1), the sites that block the crawler, and one sentence on what the crawl did. A worker of a
    shared crawl may have crawled no site: the other workers did them all."""
    if fmt == "json":
        click.echo(
            json.dumps(
                [
                    s.__dict__ | {"pages_per_minute": round(s.pages_per_minute, 1), "blocked": s.blocked}
                    for s in summaries
                ],
                ensure_ascii=False,
                indent=2,
            )
        )
    elif summaries:
        stdout_console(160).print(_summary(summaries, log_path))
    if not summaries:
        say("every site of this crawl was crawled by other workers in this run: nothing was left to do")
        return
    for s in summaries:
        for warning in s.warnings:
            warn(f"{s.site}: {warning}")
    problems = [problem for s in summaries if (problem := _problem(s))]
    if problems:  # one line: what was done, and what went wrong with each site
        stored = sum(s.stored for s in summaries)
        done = f"stored {_count(stored, 'article')}, but " if stored else ""
        stop(f"{done}the crawl failed: {'; '.join(problems)}", WORK_FAILED)
    for s in summaries:
        if s.blocked:
            say(
                f"{s.site}: {s.blocked} of {s.fetched} pages fetched were bot-protection or challenge"
                " pages: the site is blocking this crawler"
            )
    say(_outcome(summaries, revisit))


def _problem(summary: SiteSummary) -> str:
    """What went wrong with a site's crawl, or "": it could not start or failed (CrawlSummary.failure), was
    interrupted, or stopped early on an error (a full disk...)."""
    from ..crawl import STOPPED_FROM_OUTSIDE

    if summary.failure:
        return f"{summary.site}: {summary.failure}"
    if summary.finish_reason in STOPPED_FROM_OUTSIDE:
        return f"{summary.site}: interrupted before it finished (run it again to go on)"
    if summary.finish_reason not in ("finished", "closespider_itemcount"):
        return f"{summary.site}: stopped early ({summary.finish_reason})"
    return ""


def scrapy_settings(
    config: dict, overrides: tuple[str, ...], log_file: Path | None
) -> tuple[dict[str, object], Path]:
    """Scrapy settings from the config file and --set, and where the log goes (exits on a bad --set)."""
    settings: dict[str, object] = dict(config.get("settings", {}))
    for override in overrides:
        name, sep, value = override.partition("=")
        if not sep or not name.strip():
            stop(f"--set needs NAME=VALUE, not {shown(override)!r}", USED_WRONGLY)
        settings[name.strip()] = value
    log_path = log_file or Path("data") / "logs" / f"crawl-{time.strftime('%Y%m%d-%H%M%S')}.log"
    try:
        log_path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as error:  # a file where the folder should be, no permission...
        where = "" if log_file else " (--log-file FILE puts it elsewhere)"
        stop(f"cannot write the crawl log {shown(log_path)}: {error.strerror or error}{where}", USED_WRONGLY)
    settings.setdefault("LOG_FILE", str(log_path))
    return settings, log_path


def with_progress(run: Callable[[Callable[[list[SiteSummary]], None] | None], T]) -> T:
    """Run a crawl with a live progress line on a terminal; a bad option is a clear error (exit 2)."""
    from ..crawl import CrawlError

    console = Console(stderr=True)
    with Live(console=console, transient=True, refresh_per_second=2) as live:

        def tick(summaries: list[SiteSummary]) -> None:
            live.update(_progress(summaries))

        try:
            return run(tick if console.is_terminal else None)
        except ValueError as error:
            stop(str(error), USED_WRONGLY)
        except CrawlError as error:
            stop(str(error), WORK_FAILED)


def _outcome(summaries: list[SiteSummary], revisit: bool) -> str:
    """One sentence on what the crawl did, so that a run that did nothing says so."""
    stored = sum(s.stored for s in summaries)
    fetched = sum(s.fetched for s in summaries)
    if revisit:
        if not fetched:
            return "nothing was due for a revisit (stored articles are looked at again on a schedule by age)"
        revisited, changed = sum(s.queued for s in summaries), sum(s.changed for s in summaries)
        return f"revisited {_count(revisited, 'article')}: {_count(changed, 'new version')}"
    known = sum(s.skipped.get("already in the archive", 0) for s in summaries)
    if stored:
        return f"stored {_count(stored, 'article')} from {_count(len(summaries), 'site')}"
    if known:
        found = "the article found is" if known == 1 else f"the {_count(known, 'article')} found are"
        return f"no new articles: {found} already in the archive"
    return "no articles stored: see the summary for what was skipped and why"


def _reasons(counts: dict[str, int]) -> Text | str:
    """Skips or errors, one reason a line, the most frequent first; a reason is shown as it is (the
    table is never read as markup: "[/x]" in an address stays, and no backslash is added before "[")."""
    lines = [f"{n} {reason}" for reason, n in sorted(counts.items(), key=lambda x: -x[1])]
    return shown_text("\n".join(lines)) if lines else "0"


def stop(message: str, status: int) -> NoReturn:
    """End the command with ``message``, one line on stderr (markup-free, control characters escaped)."""
    print_failure(message)
    sys.exit(status)


def say(sentence: str) -> None:
    """A sentence for whoever runs the crawl, on stderr: what it did, or what they should know."""
    click.echo(one_line(sentence), err=True)


def _count(number: int, noun: str) -> str:
    return f"{number:,} {noun}{'' if number == 1 else 's'}"


def _progress(summaries: list[SiteSummary]) -> str:
    parts = []
    for s in summaries:
        skipped, errors = sum(s.skipped.values()), sum(s.errors.values())
        blocked = f", {s.blocked} BLOCKED" if s.blocked else ""
        parts.append(
            f"{s.site}: {s.fetched} pages, {s.stored} stored, {skipped} skipped, {errors} errors{blocked},"
            f" {s.pages_per_minute:.0f}/min"
        )
    return "crawling  " + "  |  ".join(parts)


def _summary(summaries: list[SiteSummary], log_path: Path) -> Table:
    table = Table(title=f"crawl summary (log: {log_path})", show_lines=True)
    for column in (
        "site",
        "queued",
        "fetched",
        "stored",
        "new versions",
        "blocked",
        "skipped (why)",
        "errors (why)",
        "pages/min",
        "finish",
    ):
        table.add_column(column, overflow="fold")
    for s in summaries:
        table.add_row(
            s.site,
            str(s.queued),
            str(s.fetched),
            str(s.stored),
            f"{s.changed} ({s.unchanged} unchanged)" if s.changed or s.unchanged else "0",
            Text(str(s.blocked), style="bold red") if s.blocked else "0",
            _reasons(s.skipped),
            _reasons(s.errors),
            f"{s.pages_per_minute:.0f}",
            s.finish_reason,
        )
    return table


@click.command("crawl-status")
@click.option(
    "--redis",
    "redis_url",
    metavar="URL",
    envvar="NEWSARCHIVE_REDIS",
    required=True,
    help="The Redis of the shared crawl (redis://HOST:6379; $NEWSARCHIVE_REDIS).",
)
@click.option(
    "--prefix", default="newsarchive", show_default=True, help="The crawl's key prefix (REDIS_PREFIX)."
)
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True)
def crawl_status(redis_url: str, prefix: str, fmt: str) -> None:
    """Show a crawl shared through Redis: per site, what is queued, in flight, stored, and which worker
    holds its lease.

    \b
    Examples:
      newsarchive crawl-status --redis redis://10.0.0.5:6379
      newsarchive crawl-status --redis redis://127.0.0.1:6379 --format json
    """
    from dataclasses import asdict

    from ..shared_frontier import SharedFrontier, SharedFrontierError

    _check_redis_url(redis_url)
    try:
        frontier = SharedFrontier(redis_url, prefix=prefix)
        now = frontier.now()
        sites = frontier.site_status(frontier.sites())
        workers = frontier.worker_status()
    except SharedFrontierError as error:
        stop(f"the shared frontier cannot be read: {error}", WORK_FAILED)
    if fmt == "json":
        rows = {"now": now, "sites": [asdict(s) for s in sites], "workers": [asdict(w) for w in workers]}
        click.echo(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    console = stdout_console(160)
    if not sites:
        say(f"no shared crawl under the prefix {prefix!r} on this Redis yet")
        return
    table = Table(title="shared crawl: sites")
    for column in ("site", "round", "queued", "in flight", "leased by", "lease left", "stored", "failed"):
        table.add_column(column, overflow="fold")
    for s in sites:
        table.add_row(
            shown_text(s.site),
            _round(s, now),
            str(s.queued),
            str(s.in_flight),
            shown_text(s.leased_by or "-"),
            f"{s.lease_left_s:.0f} s" if s.lease_left_s is not None else "-",
            str(s.stored),
            str(s.failed),
        )
    console.print(table)
    listing = Table(title="live workers")
    for column in ("worker", "archive", "running for", "last seen"):
        listing.add_column(column, overflow="fold")
    for w in workers:
        running = f"{now - w.started:.0f} s"
        listing.add_row(shown_text(w.worker), shown_text(w.archive), running, f"{w.seen_s_ago:.0f} s ago")
    console.print(listing)


def _round(site: SiteStatus, now: float) -> str:
    """Where the site's round is: discovering, fetching, or finished (how long ago)."""
    if site.finished is not None:
        return f"finished {now - site.finished:.0f} s ago"
    if site.started is None:
        return "-"
    return "fetching" if site.discovered else "discovering"
