"""`newsarchive check-sites`: is extraction still working on each site?"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING

import click
from rich.table import Table
from rich.text import Text

from .config import load_config
from .crawl import scrapy_settings, stop, with_progress
from .messages import USED_WRONGLY, WORK_FAILED, shown
from .options import GivenPath, scrapy_options, shown_text, stdout_console

if TYPE_CHECKING:  # Scrapy and the site profiles load when the check runs: `check-sites --help` does not wait
    from ..check import SiteHealth

#: the shortest body that counts as found: a real article, and one of the saved sample pages (which are short)
LIVE_MIN_WORDS = 50
REPLAY_MIN_WORDS = 20


@click.command("check-sites")
@click.argument("sites", nargs=-1)
@click.option(
    "--per-site", type=click.IntRange(1, 100), default=5, show_default=True, help="Fresh articles per site."
)
@click.option(
    "--min-words",
    type=click.IntRange(1),
    help=f"A body shorter than this counts as missing (a teaser, a paywall stub, a broken selector); default"
    f" {LIVE_MIN_WORDS}, or {REPLAY_MIN_WORDS} with --replay (saved sample pages are short).",
)
@click.option(
    "--replay",
    type=GivenPath(exists=True, file_okay=False, path_type=Path),
    help="Check a saved snapshot served on 127.0.0.1 instead of the live sites.",
)
@click.option(
    "--keep",
    type=GivenPath(dir_okay=False, path_type=Path),
    help="Save the fetched articles in this archive file for a closer look.",
)
@scrapy_options
def check_sites_command(
    sites: tuple[str, ...],
    per_site: int,
    min_words: int | None,
    replay: Path | None,
    keep: Path | None,
    config_path: Path | None,
    overrides: tuple[str, ...],
    log_file: Path | None,
    fmt: str,
) -> None:
    """Fetch a few fresh articles per site (politely, as a crawl does) and report, per field, the share of
    articles where it was found. Sites whose extraction looks broken (bodies under --min-words, no dates,
    no headlines on more than a fifth of articles, or nothing stored) are flagged and the exit code is 1;
    a site none of whose known layouts matches any more is flagged "changed?".

    \b
    Examples:
      newsarchive check-sites                       # every profiled site, 5 articles each
      newsarchive check-sites ynet walla --per-site 10 --format json
      newsarchive check-sites --replay data/samples/sites   # offline, on the saved samples

    Nothing is added to your archive (--keep FILE saves what was fetched).
    """
    from ..check import check_sites
    from ..crawl import CrawlOptions
    from ..sites import SITES

    chosen = list(sites) or list(SITES)
    if min_words is None:
        min_words = REPLAY_MIN_WORDS if replay is not None else LIVE_MIN_WORDS
    if keep is not None and keep.exists():
        stop(f"{shown(keep)} exists: --keep writes a new file", USED_WRONGLY)
    if keep is not None:
        try:
            keep.parent.mkdir(parents=True, exist_ok=True)
        except OSError as error:  # a file where the folder should be, no permission...
            stop(f"--keep {shown(keep)}: cannot make its folder: {error}", USED_WRONGLY)
    settings, log_path = scrapy_settings(load_config(config_path), overrides, log_file)
    options = CrawlOptions(sites=chosen, db=Path("unused.db"), replay=replay, settings=settings)
    report = with_progress(
        lambda tick: check_sites(options, per_site=per_site, min_words=min_words, keep=keep, on_tick=tick)
    )
    if fmt == "json":
        click.echo(json.dumps([h.to_dict() for h in report], ensure_ascii=False, indent=2))
    else:
        stdout_console(160).print(_table(report, log_path))
    broken = [h for h in report if h.problems]
    if broken:  # the table (or JSON) says it all; stderr says that the check failed, and where first
        first = f"{broken[0].site}: {'; '.join(broken[0].problems)}"
        stop(f"{len(broken)} of {len(report)} sites failed the check (first, {first})", WORK_FAILED)


def _table(report: list[SiteHealth], log_path: Path) -> Table:
    from ..check import CHECKED_FIELDS

    table = Table(title=f"extraction health per site (log: {log_path})", show_lines=True)
    for column in ("site", "status", "articles", *CHECKED_FIELDS, "layout", "blocked", "why"):
        table.add_column(column, overflow="fold")
    for health in report:
        colour = {"ok": "green", "broken": "red"}.get(health.status, "yellow")
        table.add_row(
            health.site,
            Text(health.status, style=colour),
            f"{health.articles}" + (f"\n({health.paywalled} paywalled)" if health.paywalled else ""),
            *[f"{health.coverage[name]:.0%}" for name in CHECKED_FIELDS],
            "—" if health.layout is None else f"{health.layout:.0%}",
            Text(str(health.blocked), style="red") if health.blocked else "0",
            shown_text("\n".join(health.problems + health.warnings)),
        )
    return table
