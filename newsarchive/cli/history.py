"""`history`, `changes` and `reextract`: how articles changed after publication, and better readings of
the pages already stored."""

from __future__ import annotations

import json
from itertools import pairwise
from pathlib import Path
from typing import TYPE_CHECKING

import click
from rich.table import Table
from rich.text import Text

from ..store.revisions import word_diff
from .messages import USED_WRONGLY, escaped_controls, fail, interruption, shown
from .options import (
    command_archive,
    db_option,
    progress_bar,
    since_option,
    site_option,
    stdout_console,
    warn_unknown_sites,
    without_colour,
    workers_options,
)

if TYPE_CHECKING:
    from ..parallel import Workers
    from ..reextract import ReextractReport

_FORMAT = click.option(
    "--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True
)


@click.command()
@click.argument("url")
@db_option
@_FORMAT
def history(url: str, db_path: Path | None, fmt: str) -> None:
    """The versions of an article, and what changed in each: a word-level diff of headline, subtitle and
    body (removed words struck through in red, added words in green).

    \b
    Examples:
      newsarchive history https://www.ynet.co.il/news/article/abc123
      newsarchive history https://www.ynet.co.il/news/article/abc123 --format json
    """
    if not url.strip():
        fail("give the article's address: newsarchive history https://…", USED_WRONGLY)
    with command_archive(db_path, readonly=True) as archive:
        versions = archive.versions(url)
    if not versions:
        fail(f"no article at {shown(url)} in the archive")
    if fmt == "json":
        out = []
        for before, after in zip([None, *versions], versions, strict=False):
            entry = after.to_dict()
            if before is not None:
                entry["diff"] = {
                    name: [part.__dict__ for part in word_diff(getattr(before, name), getattr(after, name))]
                    for name in ("headline", "subtitle", "body")
                    if getattr(before, name) != getattr(after, name)
                }
            out.append(entry)
        click.echo(json.dumps(out, ensure_ascii=False, indent=2))
        return
    console = stdout_console()
    marked = without_colour(console)
    noun = "version" if len(versions) == 1 else "versions"
    table = Table(title=f"{len(versions)} {noun} of {url}")
    for column in ("version", "fetched (UTC)", "headline", "words", "changed"):
        table.add_column(column, overflow="fold")
    for v in versions:
        table.add_row(
            str(v.version), v.fetched_at or "", v.headline, str(len(v.body.split())), ", ".join(v.changed)
        )
    console.print(table)
    for before, after in pairwise(versions):
        console.rule(f"version {before.version} → {after.version}")
        for name in ("headline", "subtitle", "body"):
            old, new = getattr(before, name), getattr(after, name)
            if old != new:
                console.print(Text(f"{name}: ", style="bold") + _diff_text(old, new, marked))


def _diff_text(old: str, new: str, marked: bool) -> Text:
    """A word diff: removed words struck through in red and added ones in green, or, when ``marked`` (no
    colour to show them), as ``[-removed-]`` and ``{+added+}`` (git's --word-diff=plain)."""
    text = Text()
    for part in word_diff(old, new):
        words = escaped_controls(part.text)
        if part.op == "same":
            # long unchanged runs are cut to their ends: the change is what matters
            kept = words.split()
            text.append((words if len(kept) <= 16 else " ".join([*kept[:6], "…", *kept[-6:]])) + " ")
        elif part.op == "removed":
            text.append(f"[-{words}-]" if marked else words, style="red strike")
            text.append(" ")
        else:
            text.append(f"{{+{words}+}}" if marked else words, style="green")
            text.append(" ")
    return text


@click.command()
@db_option
@since_option
@site_option
@_FORMAT
def changes(db_path: Path | None, since: str | None, sites: tuple[str, ...], fmt: str) -> None:
    """Articles whose headline changed after publication (found by `crawl --revisit` or later crawls).

    \b
    Examples:
      newsarchive changes --since yesterday
      newsarchive changes --since 2024-05-01 --site ynet --format json
    """
    with command_archive(db_path, readonly=True) as archive:
        found = archive.headline_changes(since=since, sites=list(sites) or None)
        warn_unknown_sites(archive, sites)
    if fmt == "json":
        click.echo(json.dumps([c.__dict__ for c in found], ensure_ascii=False, indent=2))
        return
    console = stdout_console()
    if not found:
        console.print("no headline changed" + (f" since {since}" if since else "") + " in the archive")
        return
    marked = without_colour(console)
    table = Table(title=f"{len(found)} headline changes")
    for column in ("when (UTC)", "site", "version", "before → after", "url"):
        table.add_column(column, overflow="fold")
    for c in found:
        diff = _diff_text(c.before, c.after, marked)
        table.add_row(c.fetched_at or "", c.site, str(c.version), diff, c.url)
    console.print(table)


@click.command("reextract")
@db_option
@site_option
@since_option
@click.option(
    "--all", "every_page", is_flag=True, help="Read every page, also those this extractor version read."
)
@click.option("--dry-run", is_flag=True, help="Report what would change; store nothing.")
@workers_options
@_FORMAT
def reextract_command(
    db_path: Path | None,
    sites: tuple[str, ...],
    since: str | None,
    every_page: bool,
    dry_run: bool,
    workers: Workers,
    fmt: str,
) -> None:
    """Run the current extractors over the raw pages an older extractor version read, and report which
    fields changed; articles are rewritten in place (the same fetch, read better), and pages that gave no
    article are tried again. `--all` reads every page. `--since` counts from the time a page was fetched.

    \b
    Examples:
      newsarchive reextract --dry-run
      newsarchive reextract --site ynet --since 2024-05-01 --all
      newsarchive reextract --all --workers 4         # four processes read, this one writes
    """
    from ..parallel import WorkersError
    from ..reextract import reextract  # the extractors load when it runs
    from ..store import StorageError

    with command_archive(db_path, readonly=dry_run) as archive, progress_bar("re-extracting") as progress:
        task = progress.add_task("pages", total=None)
        try:
            report = reextract(
                archive,
                sites=list(sites) or None,
                since=since,
                every_page=every_page,
                dry_run=dry_run,
                on_progress=lambda done, total: progress.update(task, completed=done, total=total),
                workers=workers,
            )
        except (WorkersError, StorageError) as error:
            fail(f"re-extraction stopped: {error}. What was rewritten before is kept; run it again to go on.")
        except KeyboardInterrupt as stop:  # Ctrl-C or SIGTERM
            what, status = interruption(stop)
            written = sum(archive.write_counts[kind] for kind in ("new", "replaced"))
            fail(
                f"re-extraction {what}: {written:,} article(s) were rewritten or stored before, and the"
                " archive is consistent; run it again to go on",
                status,
            )
        warn_unknown_sites(archive, sites)
    if fmt == "json":
        click.echo(json.dumps(report.to_dict() | {"dry_run": dry_run}, ensure_ascii=False, indent=2))
        _fail_on_unreadable(report)
        return
    _print_reextract_report(report, dry_run)
    _fail_on_unreadable(report)


def _print_reextract_report(report: ReextractReport, dry_run: bool) -> None:
    verb = "would change" if dry_run else "changed"
    table = Table(title=f"{report.pages} pages re-extracted: {report.changed} articles {verb}")
    table.add_column("field")
    table.add_column("articles", justify="right")
    for name, count in report.fields.most_common():
        table.add_row(name, str(count))
    console = stdout_console()
    console.print(table)
    console.print(
        f"unchanged {report.unchanged}; pages that now give an article {report.recovered}; still no article"
        f" {report.still_rejected}"
    )
    if report.recovered_known:
        console.print(
            "pages that now give an article the archive already holds (left as it is):"
            f" {report.recovered_known}"
        )
    if report.up_to_date:
        console.print(
            "pages this extractor version already read, not read again (--all reads them):"
            f" {report.up_to_date}"
        )
    if report.fetched_again:
        console.print(f"articles fetched again while this ran (the newer fetch kept): {report.fetched_again}")
    for reason, count in report.now_rejected.most_common():
        console.print(Text(f"now rejected (stored article kept): {count} {reason}", style="yellow"))


def _fail_on_unreadable(report: ReextractReport) -> None:
    """Raw pages that could not be read back are said, and make the run a failure (the others were done)."""
    if report.unreadable:
        first = report.unreadable_pages[0]
        fail(
            f"{report.unreadable:,} raw page(s) could not be read back, damaged in the archive (the first:"
            f" {shown(first['url'])}: {first['reason']}); every other page was re-extracted"
            " (--format json lists them)"
        )
