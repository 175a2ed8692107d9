"""`import`: saved pages and web archives into the archive, through the same extraction as a crawl."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn

import click
from rich.table import Table

from .messages import USED_WRONGLY, fail, interruption, shown
from .options import db_option, open_archive, progress_bar, stdout_console, workers_options

if TYPE_CHECKING:
    from rich.console import Console

    from ..ingest import IngestReport
    from ..parallel import Workers
    from ..store import Archive


@click.command("import")
@db_option
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path))
@click.option("--url", help="The URL of the page (one file only); by default each page's canonical link.")
@click.option(
    "--all-hebrew",
    is_flag=True,
    help="From WARC files, take any HTML page whose text is mostly Hebrew, not only the known news sites.",
)
@click.option(
    "--force",
    is_flag=True,
    help="Store a page whose article is already in the archive as its new version (the stored one is kept"
    " in its history). Without it such pages are skipped.",
)
@click.option(
    "--again",
    is_flag=True,
    help="Read WARC files an earlier import finished (logged in the archive) again; by default they are"
    " passed by.",
)
@workers_options
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True)
def import_command(
    db_path: Path | None,
    paths: tuple[Path, ...],
    url: str | None,
    all_hebrew: bool,
    force: bool,
    again: bool,
    workers: Workers,
    fmt: str,
) -> None:
    """Add saved pages to the archive through the same extraction: .html files (or folders of them), and
    WARC files (.warc, .warc.gz: the responses of known Hebrew news sites, streamed).

    \b
    Examples:
      newsarchive import saved/ynet-2024-05-15.html
      newsarchive import saved-pages/ --db research.db
      newsarchive import page.html --url https://www.ynet.co.il/news/article/abc123
      newsarchive import CC-NEWS-20240515*.warc.gz            # Common Crawl news, Hebrew sites only
      newsarchive import crawl.warc.gz --all-hebrew            # any page that is mostly Hebrew
      newsarchive import later-copies/ --force                 # changed copies become new versions
      newsarchive import CC-NEWS-*.warc.gz --workers 4         # four processes read and extract
      newsarchive import /shared/CC-NEWS-*.warc.gz --dask tcp://scheduler:8786   # on a Dask cluster
    """
    # extraction, the database and WARC reading load when an import runs (`import --help` does not wait)
    from ..ingest import IngestReport, html_files
    from ..parallel import WorkersError
    from ..store import StorageError
    from ..warc import is_warc

    paths = tuple(dict.fromkeys(paths))  # a file or folder named twice is read once
    warcs = [p for p in paths if p.is_file() and is_warc(p)]
    files = html_files([p for p in paths if p not in warcs])
    _check_sources(paths, files, warcs, url)
    archive = open_archive(db_path, readonly=False, create=True)
    report = IngestReport()
    try:
        if files:
            report = _import_files(archive, files, url, force, workers)
        if warcs:
            report = report.merge(_import_warcs(archive, warcs, (all_hebrew, force, again), workers))
    except StorageError as error:
        _stopped(error)
    except WorkersError as error:
        fail(
            f"import stopped: {error}. What was stored before is kept; the same command goes on"
            " (finished files are passed by)."
        )
    except KeyboardInterrupt as stop:  # Ctrl-C, or SIGTERM
        _interrupted(archive, stop)
    finally:
        archive.close()
    _print_report(report, fmt)
    if report.total_damaged:
        _damaged(report, len(warcs))


def _check_sources(paths: tuple[Path, ...], files: list[Path], warcs: list[Path], url: str | None) -> None:
    """Exit with a usage mistake when the paths hold nothing to import, or --url cannot name the one page."""
    if not files and not warcs:
        names = ", ".join(shown(p) for p in paths[:3]) + (", ..." if len(paths) > 3 else "")
        fail(f"nothing to import in {names}: no .html, .htm or .xhtml file and no WARC file", USED_WRONGLY)
    if url is not None and (len(files) != 1 or warcs):
        fail("--url names one page: give exactly one .html file with it", USED_WRONGLY)
    if url is not None and not _is_web_address(url):
        fail(f"--url {shown(url)!r} is not a web address (https://host/path)", USED_WRONGLY)


def _stopped(error: Exception) -> NoReturn:
    """The archive could not be written (locked, a full disk): what is kept, and how to go on."""
    if "locked" in str(error):
        remedy = "When the process writing to it (a crawl, another import) ends, run"
    else:
        remedy = "Free space (or fix the file's permissions) and run"
    fail(
        f"import stopped: {error}. What was stored before is kept; the batch being written was rolled"
        f" back whole, so the archive is consistent. {remedy} the same import again: pages already"
        " stored are not stored twice."
    )


def _interrupted(archive: Archive, stop: KeyboardInterrupt) -> NoReturn:
    """Ctrl-C or SIGTERM: how many articles were stored before, and how to go on."""
    stored = sum(archive.write_counts[kind] for kind in ("new", "changed", "replaced"))
    what, status = interruption(stop)
    fail(
        f"import {what}: {stored:,} article(s) were stored before, and the archive is consistent;"
        " run the same import again to go on (pages already stored are not stored twice)",
        status,
    )


def _damaged(report: IngestReport, warc_files: int) -> NoReturn:
    """Damaged parts of WARC files make the import fail (exit 1), once all the rest was imported."""
    damaged = report.damaged_files
    names = ", ".join(p.name for p in damaged[:3]) + (", ..." if len(damaged) > 3 else "")
    fail(
        f"{report.total_damaged} damaged part(s) in {len(damaged)} of {warc_files} WARC file(s)"
        f" ({shown(names)}): the report lists where and why; every readable record was imported"
    )


def _is_web_address(url: str) -> bool:
    from ..sites import web_address  # the one reading of an address, as a crawl and the downloader read it

    # bytes from a shell that are no UTF-8 (lone surrogates) are read as U+FFFD, as the archive stores them
    readable = url.encode("utf-8", "surrogateescape").decode("utf-8", "replace")
    return web_address(readable) is not None


def _import_files(
    archive: Archive, files: list[Path], url: str | None, force: bool, workers: Workers
) -> IngestReport:
    from ..imports import import_files

    with progress_bar("importing pages") as progress:
        task = progress.add_task("import", total=len(files))
        advance = lambda _: progress.advance(task)  # noqa: E731
        return import_files(archive, files, url=url, force=force, workers=workers, on_outcome=advance)


def _import_warcs(
    archive: Archive, warcs: list[Path], choices: tuple[bool, bool, bool], workers: Workers
) -> IngestReport:
    """WARC files are streamed: counts are kept, not every page (a CC-NEWS file holds tens of thousands)."""
    from ..imports import import_warcs

    all_hebrew, force, again = choices
    with progress_bar("importing WARC", bytes_=True) as progress:
        task = progress.add_task("import", total=sum(p.stat().st_size for p in warcs))
        return import_warcs(
            archive,
            warcs,
            all_hebrew=all_hebrew,
            force=force,
            again=again,
            workers=workers,
            on_progress=lambda done: progress.update(task, completed=done),
        )


def _print_passed_by(console: Console, report: IngestReport) -> None:
    """The WARC files not read: finished by an earlier import, or named twice in this one."""
    if report.passed_by:
        names = ", ".join(path.name for path, _ in report.passed_by[:3])
        more = ", ..." if len(report.passed_by) > 3 else ""
        damaged = [done for _, done in report.passed_by if done.damaged]
        parts = sum(done.damaged for done in damaged)
        console.print(
            f"{len(report.passed_by)} WARC file(s) an earlier import finished were passed by ({names}{more}),"
            + (f" {len(damaged)} of them with {parts} damaged part(s) reported then;" if damaged else "")
            + " --again reads them again.",
            markup=False,
        )
    for path, first in report.read_once:
        console.print(f"{path} is the same file as {first}: read once.", markup=False)


#: damaged parts listed in the table (--format json lists up to ingest.MAX_DAMAGE_LISTED)
_DAMAGE_ROWS = 50


def _print_report(report: IngestReport, fmt: str) -> None:
    from ..ingest import ALREADY_STORED

    if fmt == "json":
        click.echo(
            json.dumps(
                {
                    "stored": dict(sorted(report.stored.items())),
                    "new_versions": dict(sorted(report.new_versions.items())),
                    "skipped": dict(sorted(report.skipped.items())),
                    "damaged": [d.to_dict() for d in report.damaged],
                    "damaged_total": report.total_damaged,
                    "passed_by": [
                        {"file": str(path), "finished": done.finished, "stored": done.stored}
                        | {"damaged": done.damaged}
                        for path, done in report.passed_by
                    ],
                    "read_once": [
                        {"file": str(path), "same_as": str(first)} for path, first in report.read_once
                    ],
                    "pages": [
                        {"url": o.url, "stored": o.article is not None, "reason": o.reason}
                        for o in report.outcomes
                    ],
                },
                ensure_ascii=False,
                indent=2,
            )
        )
        return
    console = stdout_console()
    title = f"{report.total_stored} stored, {report.total_skipped} skipped"
    if report.total_damaged:
        title += f", {report.total_damaged} damaged"
    table = Table(title=title)
    table.add_column("outcome")
    table.add_column("pages", justify="right")
    for site, count in report.stored.most_common():
        versions = report.new_versions[site]
        table.add_row(f"stored: {site}" + (f" ({versions} as new versions)" if versions else ""), str(count))
    for reason, count in report.skipped.most_common():
        table.add_row(f"skipped: {reason}", str(count))
    for damage in report.damaged[:_DAMAGE_ROWS]:
        table.add_row(f"damaged: {damage.path} at byte {damage.offset}: {damage.reason}", "")
    if report.total_damaged > _DAMAGE_ROWS:
        table.add_row(f"damaged: {report.total_damaged - _DAMAGE_ROWS} more (--format json lists them)", "")
    console.print(table)
    _print_passed_by(console, report)
    if report.skipped_for(ALREADY_STORED):
        console.print(
            "Pages of articles already in the archive were left out: --force stores them as new versions."
        )
