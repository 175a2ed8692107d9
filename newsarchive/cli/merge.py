"""`merge`: archives built apart (per machine, per site, per year, a batch job's shards) joined into one."""

from __future__ import annotations

import json
from contextlib import closing
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn

import click
from rich.table import Table

from .messages import USED_WRONGLY, fail, interruption, shown
from .options import GivenPath, print_whole, progress_bar, shown_text, stdout_console

if TYPE_CHECKING:
    from ..store.merge import MergeReport

#: the per-shard counts, as the table heads them
_COLUMNS = {
    "articles_new": "new articles",
    "articles_revised": "articles with new versions",
    "versions_added": "versions added",
    "pages_added": "pages added",
    "duplicates_skipped": "duplicates skipped",
}


@click.command()
@click.argument("out", type=GivenPath(dir_okay=False, path_type=Path))
@click.argument("shards", nargs=-1, required=True, type=GivenPath(dir_okay=False, path_type=Path))
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True)
def merge(out: Path, shards: tuple[Path, ...], fmt: str) -> None:
    """Merge archives built apart into OUT (created when missing): each article once, with every version of
    every shard in fetch order, raw pages once, the search index with them.

    Each shard is merged in one transaction: stopped at any moment, OUT holds the shards merged before, and
    the same command completes it (a shard merged twice adds nothing). Every shard is checked first (an
    archive, undamaged); a shard of an older newsarchive is upgraded in a copy, never written.

    \b
    Examples:
      newsarchive merge data/archive.db laptop.db server.db
      newsarchive merge all.db shards/*.db --format json
    """
    from ..store import NotAnArchive
    from ..store.merge import MergeError, merge_archives

    try:
        with progress_bar("merging shards") as progress:
            task = progress.add_task("merge", total=len(shards))

            report = merge_archives(
                out, shards, on_progress=lambda done, total, shard: progress.update(task, completed=done)
            )
    except MergeError as error:
        fail(shown(error), USED_WRONGLY if error.used_wrongly else 1)
    except NotAnArchive as error:
        fail(shown(error))
    except KeyboardInterrupt as stop:
        _interrupted(out, len(shards), stop)
    _print_report(report, fmt)


def _interrupted(out: Path, total: int, stop: KeyboardInterrupt) -> NoReturn:
    """What OUT holds is read from OUT: a signal between a shard's commit and its report would make a
    count of reported shards one short."""
    import sqlite3

    what, status = interruption(stop)
    try:
        with closing(sqlite3.connect(out.resolve().as_uri() + "?mode=ro", uri=True)) as conn:
            held = f"{conn.execute('SELECT count(*) FROM articles').fetchone()[0]:,} article(s)"
    except sqlite3.Error:
        held = "what was merged before"
    fail(
        f"merge {what} before its {total} shard(s) were all merged: {shown(out)} holds {held} and is"
        " consistent (the shard being merged was rolled back whole); run the same merge again to finish it"
        " (what is merged already is not added twice)",
        status,
    )


def _print_report(report: MergeReport, fmt: str) -> None:
    if fmt == "json":
        click.echo(json.dumps(report.to_dict(), ensure_ascii=False, indent=2))
        return
    console = stdout_console()
    table = Table("shard", *_COLUMNS.values(), title=f"merged into {report.out}")
    for shard in report.shards:
        upgraded = f" (upgraded from schema {shard.upgraded_from})" if shard.upgraded_from else ""
        table.add_row(shown_text(shard.shard + upgraded), *(f"{getattr(shard, name):,}" for name in _COLUMNS))
    print_whole(console, table)
    console.print(f"{report.out} holds {report.articles:,} article(s)")
