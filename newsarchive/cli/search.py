"""`search`, `stats` and `export`: reading the archive from the command line."""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import click
from rich.table import Table
from rich.text import Text

from ..plots import PLOT_FORMATS
from ..store.reports import COVERAGE_FIELDS, EXPORT_FORMATS, csv_writer, iter_export
from ..store.reports import export as write_export
from ..store.snippets import MARK
from .messages import USED_WRONGLY, fail, interruption, shown
from .options import (
    GivenPath,
    author_option,
    command_archive,
    db_option,
    output_path,
    print_whole,
    shown_text,
    since_option,
    site_option,
    stdout_console,
    until_option,
    warn_unknown_sites,
    without_colour,
)

if TYPE_CHECKING:
    from ..store import Hit
    from ..store.reports import Stats

#: site columns of the per-day table: the largest sites, and one for the others (thousands of columns, from
#: an --all-hebrew import of many domains, made the table unreadable)
PER_DAY_SITES = 24
#: what can only be a mistyped option, never a query (an excluded word is "-" and a word: -קורונה, -covid)
_OPTION_LIKE = re.compile(r"--[A-Za-z][\w-]*(?:=.*)?|-[A-Za-z]")


class QueryCommand(click.Command):
    """A command whose arguments are the words of a query: an argument that begins with "-" is an excluded
    word ('-קורונה ממשלה', '-headline:x'), never an option, unless it names one of the command's options
    (or can only be a mistyped one: --bogus, -q). Click alone reads '-headline:x' as -h: the help."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        takes_value = {
            name: not (param.is_flag or param.count)
            for param in self.get_params(ctx)
            if isinstance(param, click.Option)
            for name in (*param.opts, *param.secondary_opts)
        }
        options: list[str] = []
        words: list[str] = []
        position = 0
        while position < len(args):
            arg = args[position]
            name = arg.split("=", 1)[0]
            if arg == "--":
                words += args[position + 1 :]
                break
            if name in takes_value:
                options.append(arg)
                if takes_value[name] and "=" not in arg:
                    if position + 1 == len(args):  # its value missing: click says so ("--" was taken)
                        return super().parse_args(ctx, options)
                    position += 1
                    options.append(args[position])
            elif _OPTION_LIKE.fullmatch(arg):
                options.append(arg)  # click names the option it does not know
            else:
                words.append(arg)
            position += 1
        return super().parse_args(ctx, [*options, "--", *words])


# A query's words may come as one argument or several.
@click.command(cls=QueryCommand)
@click.argument("words", nargs=-1, required=True, metavar="QUERY")
@db_option
@site_option
@since_option
@until_option
@author_option
@click.option("--limit", type=click.IntRange(1, 1000), default=20, show_default=True)
@click.option("--offset", type=click.IntRange(0), default=0, help="Skip this many hits (paging).")
@click.option(
    "--format", "fmt", type=click.Choice(["table", "json", "csv"]), default="table", show_default=True
)
@click.option(
    "--collapse",
    is_flag=True,
    help="Show each group of near-duplicates (see `newsarchive dedup`) as its first-published article.",
)
def search(
    words: tuple[str, ...],
    db_path: Path | None,
    sites: tuple[str, ...],
    since: str | None,
    until: str | None,
    author: str | None,
    limit: int,
    offset: int,
    fmt: str,
    collapse: bool,
) -> None:
    """Search the archive: any prefixed form of a word matches (אלטמן finds לאלטמן), the exact form first.

    \b
    QUERY: words, "phrases", OR, -excluded, =exact-form-only, word* (any word that begins so), and filters
    site: author: section: tag: since: until: headline:
    Examples:
      newsarchive search 'צה"ל עזה'
      newsarchive search 'ממשל*'        # ממשלה, הממשלה, ממשלתי...
      newsarchive search '"בית ספר" -קורונה' --site ynet --since 2024-01-01 --format json
      newsarchive search 'נתניהו OR גנץ author:"טל שלו" since:yesterday'
      newsarchive search '-קורונה ממשלה'   # a query may begin with an excluded word
    """
    query = " ".join(words)
    with command_archive(db_path, readonly=True, invalid="invalid query: ") as archive:
        hits = archive.search(
            query,
            site=list(sites) or None,
            since=since,
            until=until,
            author=author,
            limit=limit,
            offset=offset,
            collapse=collapse,
        )
        warn_unknown_sites(archive, sites)
    if fmt == "json":
        click.echo(json.dumps([h.to_dict() for h in hits], ensure_ascii=False, indent=2))
    elif fmt == "csv":
        _write_hits_csv(hits)
    else:
        _print_hits(hits, query, offset)


def _write_hits_csv(hits: list[Hit]) -> None:
    """The hits as CSV on stdout: a header row, then one row per hit, the best first."""
    writer = csv_writer(sys.stdout)
    writer.writerow(["url", "site", "headline", "published", "authors", "section", "snippet", "score"])
    for h in hits:
        writer.writerow(
            [
                h.url,
                h.site,
                h.headline,
                h.published,
                "; ".join(h.authors),
                h.section,
                h.snippet,
                round(h.score, 4),
            ]
        )


def _print_hits(hits: list[Hit], query: str, offset: int) -> None:
    """The hits as a table, numbered from ``offset`` + 1: each headline over its address, and a snippet with
    the words found marked."""
    console = stdout_console()
    if not hits:
        console.print("no articles match")
        return
    noun = "hit" if len(hits) == 1 else "hits"
    table = Table(title=f"{len(hits)} {noun} for {query}", show_lines=True)
    for column in ("#", "published", "site", "headline", "snippet"):
        table.add_column(column, overflow="fold")
    plain = without_colour(console)
    for n, hit in enumerate(hits, start=offset + 1):
        headline = shown_text(hit.headline or "")
        if not hit.exact:
            headline.append(" (prefixed form)", style="dim")
        headline.append_text(shown_text(f"\n{hit.url}", style="dim"))
        table.add_row(
            str(n),
            (hit.published or "")[:16].replace("T", " "),
            hit.site,
            headline,
            _marked(hit.snippet, plain),
        )
    console.print(table)


def _marked(snippet: str, plain: bool) -> Text:
    """A snippet with its hits (between MARK[0] and MARK[1]) in bold yellow, or between « and » when the
    output shows no colour (a pipe, NO_COLOR)."""
    text = Text()
    for n, part in enumerate(re.split(f"{re.escape(MARK[0])}|{re.escape(MARK[1])}", snippet)):
        hit = n % 2 == 1
        text.append_text(
            shown_text(f"«{part}»" if hit and plain else part, style="bold yellow" if hit else "")
        )
    return text


@click.command()
@db_option
@since_option
@until_option
@click.option(
    "--days", type=click.IntRange(1), default=14, show_default=True, help="Days shown in the per-day table."
)
@click.option(
    "--plot",
    type=GivenPath(dir_okay=False, path_type=Path),
    help="Draw articles per site over time to a PNG, PDF or SVG: per day, or per week or month over long"
    " spans (the title says which); one small panel per site.",
)
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True)
@click.option(
    "--collapse",
    is_flag=True,
    help="Count each group of near-duplicates (see `newsarchive dedup`) once: its first-published article.",
)
def stats(
    db_path: Path | None,
    since: str | None,
    until: str | None,
    days: int,
    plot: Path | None,
    fmt: str,
    collapse: bool,
) -> None:
    """Counts per site and per day, and how many articles have each field.

    \b
    Examples:
      newsarchive stats
      newsarchive stats --since 2024-05-01 --plot per-day.png
    """
    if plot is not None:
        output_path(plot, "--plot")
        if plot.suffix.lower().lstrip(".") not in PLOT_FORMATS:
            endings = ", ".join(f".{name}" for name in PLOT_FORMATS)
            fail(f"--plot {shown(plot)}: give a file name ending {endings} (its format)", USED_WRONGLY)
    with command_archive(db_path, readonly=True) as archive:
        result = archive.stats(since=since, until=until, collapse=collapse)
    # an archive (or a span) without articles: said in a sentence, not as empty tables and an empty plot
    empty = "" if result.total else "no articles in the archive" + (" in that span" if since or until else "")
    plotted = _plot(result, plot, empty) if plot is not None else None
    if fmt == "json":
        click.echo(json.dumps(result.to_dict(), ensure_ascii=False, indent=2))
        if plotted:  # stdout holds the JSON alone
            click.echo(plotted, err=True)
        return
    console = stdout_console()
    if empty:
        console.print(plotted or empty)
        return
    print_whole(console, _coverage_table(result))
    print_whole(console, _per_day_table(result, days))
    if plotted:
        console.print(plotted)


def _plot(result: Stats, plot: Path, empty: str) -> str:
    """Draw the articles per period and site to ``plot`` (unless there are none), and say what was done."""
    if empty:
        return f"{empty}: no plot drawn ({shown(plot)} not written)"
    from ..plots import plot_per_period

    try:
        unit = plot_per_period(result, plot)
    except OSError as error:
        fail(f"cannot write {shown(plot)}: {error.strerror or error}")
    return f"plot of articles per {unit} and site written to {shown(plot)}"


def _coverage_table(result: Stats) -> Table:
    """Per site: its articles, the first and last day, and the share of articles with each field."""
    table = Table(title=f"{result.total:,} article{'' if result.total == 1 else 's'}")
    # never squeezed below what a cell holds: on a narrow terminal "ynet" was "yn…" and 100% was "10…"
    longest_site = max((len(site.site) for site in result.sites), default=4)
    table.add_column("site", min_width=min(longest_site, 30), overflow="fold")
    table.add_column("articles", justify="right", min_width=8)
    table.add_column("first", min_width=10)
    table.add_column("last", min_width=10)
    for name in COVERAGE_FIELDS:
        table.add_column(f"with {name}", justify="right", min_width=4)
    for site in result.sites:
        table.add_row(
            site.site,
            str(site.articles),
            (site.first or "")[:10],
            (site.last or "")[:10],
            *[f"{site.coverage[name]:.0%}" for name in COVERAGE_FIELDS],
        )
    return table


def _per_day_table(result: Stats, days: int) -> Table:
    """Articles per site on each of the last ``days`` days with articles: the PER_DAY_SITES - 1 largest
    sites a column each, the rest summed in one."""
    shown_days = sorted(result.per_day)[-days:]
    site_names = [s.site for s in result.sites]  # the largest first
    others = site_names[PER_DAY_SITES - 1 :] if len(site_names) > PER_DAY_SITES else []
    site_names = site_names[: len(site_names) - len(others)]
    per_day = Table(title=f"articles per day (last {len(shown_days)} days with articles)")
    per_day.add_column("day", no_wrap=True, min_width=10)  # squeezed, it showed "2024…"
    for name in site_names:
        per_day.add_column(name, justify="right", overflow="fold")  # a long name on lines, never cut
    if others:
        per_day.add_column(f"{len(others):,} other sites", justify="right", overflow="fold")
    for day in shown_days:
        counts = result.per_day[day]
        rest = [str(sum(counts.get(name, 0) for name in others) or "")] if others else []
        per_day.add_row(day, *[str(counts.get(name, "")) for name in site_names], *rest)
    return per_day


@click.command()
@db_option
@click.option("--format", "fmt", type=click.Choice(EXPORT_FORMATS), default="jsonl", show_default=True)
@click.option("--output", "-o", default="-", show_default=True, help="File to write; - for standard output.")
@click.option("--force", is_flag=True, help="Overwrite the output file if it exists.")
@site_option
@since_option
@until_option
@author_option
@click.option(
    "--dedup",
    is_flag=True,
    help="Keep one article of each group of near-duplicates (see `newsarchive dedup`): the first published.",
)
def export(
    db_path: Path | None,
    fmt: str,
    output: str,
    force: bool,
    sites: tuple[str, ...],
    since: str | None,
    until: str | None,
    author: str | None,
    dedup: bool,
) -> None:
    """Export articles as JSON lines (ready for Hugging Face `datasets`), CSV or Parquet.

    \b
    Examples:
      newsarchive export --format jsonl -o corpus.jsonl --site ynet --since 2024-01-01
      newsarchive export --format parquet -o corpus.parquet
      newsarchive export --dedup -o corpus.jsonl   # one article per group of near-duplicates
      python -c "import datasets; print(datasets.load_dataset('json', data_files='corpus.jsonl'))"
    """
    target: Path | None = None if output == "-" else Path(output)
    if target is None and fmt == "parquet":
        fail("parquet needs a file: pass --output FILE.parquet", USED_WRONGLY)
    if target is not None:
        output_path(target, "--output")
        if target.is_file() and not force:  # a device or a pipe (-o /dev/null) is written to, not over
            fail(f"{shown(target)} exists: pass --force to overwrite it", USED_WRONGLY)
    with command_archive(db_path, readonly=True) as archive:
        if dedup:
            archive.dedup_catch_up()
        articles = iter_export(
            archive, sites=list(sites) or None, since=since, until=until, author=author, dedup=dedup
        )
        try:
            count = write_export(articles, fmt, target if target is not None else sys.stdout)
        except OSError as error:
            if target is None:  # standard output: a closed pipe or a full disk, said once for every command
                raise
            fail(f"cannot write {shown(target)}: {error.strerror or error} (nothing was written to it)")
        except KeyboardInterrupt as stop:  # Ctrl-C or SIGTERM
            if target is None:
                raise
            what, status = interruption(stop)
            fail(f"export {what}: nothing was written to {shown(target)} (a file there is as it was)", status)
        warn_unknown_sites(archive, sites)
    noun = "article" if count == 1 else "articles"
    click.echo(f"exported {count:,} {noun}" + (f" to {shown(target)}" if target else ""), err=True)
