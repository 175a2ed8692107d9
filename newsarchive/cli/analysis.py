"""`trends` and `words`: what the archive says of a query over time, and in which words."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import click
from rich.table import Table

from ..plots import PLOT_FORMATS
from ..store.analysis import PERIODS
from ..store.reports import csv_writer
from .messages import USED_WRONGLY, fail, shown
from .options import (
    GivenPath,
    command_archive,
    db_option,
    output_path,
    print_whole,
    since_option,
    site_option,
    stdout_console,
    until_option,
    warn_unknown_sites,
)
from .search import QueryCommand

if TYPE_CHECKING:
    from ..store.analysis import Trends, Words

FORMATS = ("table", "json", "csv")


@click.command(cls=QueryCommand)
@click.argument("words", nargs=-1, required=True, metavar="QUERY")
@db_option
@click.option(
    "--by",
    type=click.Choice(PERIODS),
    default="day",
    show_default=True,
    help="Count per day, ISO week (Monday to Sunday) or month of publication, in Israel time.",
)
@site_option
@since_option
@until_option
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="table", show_default=True)
@click.option(
    "--plot",
    type=GivenPath(dir_okay=False, path_type=Path),
    help="Also draw the trend to a PNG, PDF or SVG: matching articles and their share, one line a site.",
)
def trends(
    words: tuple[str, ...],
    db_path: Path | None,
    by: str,
    sites: tuple[str, ...],
    since: str | None,
    until: str | None,
    fmt: str,
    plot: Path | None,
) -> None:
    """Per period and site, the articles a query matches and their share of all the site published then.

    \b
    QUERY: as `newsarchive search` takes it (any prefixed form of a word, "phrases", OR, -excluded,
    word*, filters). Every period of the span appears for every site, zero when nothing matched.
    Examples:
      newsarchive trends 'ממשלה' --by week --since 2024-01-01
      newsarchive trends '"בית ספר"' --site ynet --site walla --by month --plot school.png
      newsarchive trends 'קורונה' --by month --format csv > corona.csv
    """
    query = " ".join(words)
    if plot is not None:
        _check_plot_path(plot)
    with command_archive(db_path, readonly=True, invalid="invalid query: ") as archive:
        if not archive.sites():
            fail("no articles in the archive: nothing to count", USED_WRONGLY)
        result = archive.trends(query, by=by, site=list(sites) or None, since=since, until=until)
        warn_unknown_sites(archive, sites)
    plotted = _plot(result, query, plot) if plot is not None else None
    if fmt == "json":
        click.echo(json.dumps(result.to_dicts(), ensure_ascii=False, indent=2))
    elif fmt == "csv":
        writer = csv_writer(sys.stdout)
        writer.writerow(["period", "site", "count", "total", "share"])
        for row in result:
            writer.writerow([row.period, row.site, row.count, row.total, row.share])
    else:
        _print_trends(result, query)
    notes = [plotted] if plotted else []
    if result.undated:
        notes.append(f"{result.undated:,} matching articles have no publication date: not counted")
    for note in notes:
        click.echo(note, err=fmt != "table")


def _check_plot_path(plot: Path) -> None:
    output_path(plot, "--plot")
    if plot.suffix.lower().lstrip(".") not in PLOT_FORMATS:
        endings = ", ".join(f".{name}" for name in PLOT_FORMATS)
        fail(f"--plot {shown(plot)}: give a file name ending {endings} (its format)", USED_WRONGLY)


def _plot(result: Trends, query: str, plot: Path) -> str:
    if not result.rows:
        return f"no dated articles: no plot drawn ({shown(plot)} not written)"
    from ..plots import plot_trend

    try:
        plot_trend(result, query, plot)
    except OSError as error:
        fail(f"cannot write {shown(plot)}: {error.strerror or error}")
    return f"plot of the trend per {result.by} and site written to {shown(plot)}"


#: sites shown as columns of the trends table; more are shown a row per period and site
SITE_COLUMNS = 10


def _print_trends(result: Trends, query: str) -> None:
    """A row a period and a column a site (its matching articles, of its total, and the share); with more
    than SITE_COLUMNS sites, a row per period and site."""
    console = stdout_console()
    if not result.rows:
        console.print("no dated articles in that span")
        return
    sites = list(dict.fromkeys(row.site for row in result.rows))
    title = f"articles matching {query} per {result.by}"
    if len(sites) > SITE_COLUMNS:
        table = Table(title=title)
        for column, justify in (
            (result.by, "left"),
            ("site", "left"),
            ("matching", "right"),
            ("of all", "right"),
        ):
            table.add_column(column, justify=justify, overflow="fold")  # type: ignore[arg-type]
        table.add_column("share", justify="right")
        for row in result.rows:
            table.add_row(row.period, row.site, f"{row.count:,}", f"{row.total:,}", f"{row.share:.1%}")
        print_whole(console, table)
        return
    table = Table(title=f"{title}: matching / all (share)")
    table.add_column(result.by, no_wrap=True, min_width=10)
    for site in sites:
        table.add_column(site, justify="right", overflow="fold")
    cells: dict[str, list[str]] = {}
    for row in result.rows:
        cell = f"{row.count:,} / {row.total:,} ({row.share:.1%})" if row.total else "0 / 0"
        cells.setdefault(row.period, []).append(cell)
    for period, row_cells in cells.items():
        table.add_row(period, *row_cells)
    print_whole(console, table)


@click.command(cls=QueryCommand)
@click.argument("words", nargs=-1, required=True, metavar="QUERY")
@db_option
@click.option("--top", type=click.IntRange(1, 1000), default=20, show_default=True, help="Words shown.")
@site_option
@since_option
@until_option
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="table", show_default=True)
def words(
    words: tuple[str, ...],
    db_path: Path | None,
    top: int,
    sites: tuple[str, ...],
    since: str | None,
    until: str | None,
    fmt: str,
) -> None:
    """The words most over-represented in the articles a query matches, against the rest of the archive.

    \b
    Scored by weighted log-odds with an informative prior (Monroe, Colaresi & Quinn 2008); each word counted
    under the form the search index reads it bare (לממשלה and הממשלה as ממשלה); Hebrew stop words, numbers
    and the query's own words left out. Past 2,000 articles a side, a fixed uniform sample is read.
    Examples:
      newsarchive words 'קורונה' --top 30
      newsarchive words 'site:ynet' --since 2024-05-01 --format json
    """
    query = " ".join(words)
    with command_archive(db_path, readonly=True, invalid="invalid query: ") as archive:
        if not archive.sites():
            fail("no articles in the archive: no words to count", USED_WRONGLY)
        result = archive.words(query, top=top, site=list(sites) or None, since=since, until=until)
        warn_unknown_sites(archive, sites)
    if fmt == "json":
        click.echo(json.dumps(result.to_dicts(), ensure_ascii=False, indent=2))
    elif fmt == "csv":
        writer = csv_writer(sys.stdout)
        writer.writerow(["word", "score", "count", "other_count"])
        for row in result:
            writer.writerow([row.word, round(row.score, 3), row.count, row.other_count])
    else:
        _print_words(result, query)


def _print_words(result: Words, query: str) -> None:
    console = stdout_console()
    if not result.matching:
        console.print("no articles match")
        return
    read = (
        f"all {result.matching:,}"
        if result.matching_read == result.matching
        else f"a sample of {result.matching_read:,} of {result.matching:,}"
    )
    table = Table(
        title=f"words of the articles matching {query} ({read}) against {result.others_read:,} others"
    )
    for column, justify in (("#", "right"), ("word", "left"), ("score", "right"), ("count", "right")):
        table.add_column(column, justify=justify)  # type: ignore[arg-type]
    table.add_column("in the others", justify="right")
    for n, row in enumerate(result, start=1):
        table.add_row(str(n), row.word, f"{row.score:.2f}", f"{row.count:,}", f"{row.other_count:,}")
    print_whole(console, table)
