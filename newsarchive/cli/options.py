"""Options shared by the archive commands."""

from __future__ import annotations

import errno
import math
import os
import sys
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click
from click.core import ParameterSource
from rich.console import Console
from rich.measure import Measurement
from rich.progress import (
    BarColumn,
    DownloadColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeRemainingColumn,
)
from rich.table import Table
from rich.text import Text

from ..store.location import DB_ENV, default_db_path
from .config import load_config
from .messages import USED_WRONGLY, WORK_FAILED, escaped_controls, fail, shown, warn

if TYPE_CHECKING:
    from ..store import Archive


class GivenPath(click.Path):
    """A path option that refuses an empty value: `--db ""` (a shell variable not set: --db "$DB") was read as
    the current folder, so `--warc ""` wrote WARC files there and `--log-file ""` said "Is a directory"."""

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        if isinstance(value, str) and not value.strip():
            self.fail("is empty: give a path", param, ctx)
        return super().convert(value, param, ctx)


class NumberRange(click.FloatRange):
    """A float range that refuses NaN: it compares false with every bound, so click's FloatRange let
    `--threshold nan` through to an internal error."""

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        number = super().convert(value, param, ctx)
        if math.isnan(number):
            self.fail("is not a number", param, ctx)
        return number


def _named_sites(ctx: click.Context, param: click.Parameter, sites: tuple[str, ...]) -> tuple[str, ...]:
    if any(not site.strip() for site in sites):
        raise click.BadParameter("is empty: name a site (ynet, walla...)", ctx, param)
    return sites


db_option = click.option(
    "--db",
    "db_path",
    type=GivenPath(path_type=Path),  # a folder is said by open_archive, naming where its name came from
    envvar=DB_ENV,
    help=f"The archive file (default: ${DB_ENV} or data/archive.db).",
)
site_option = click.option(
    "--site",
    "sites",
    multiple=True,
    callback=_named_sites,
    help="Only this site (repeatable): ynet, walla...",
)
since_option = click.option("--since", help="From this day or time: 2024-05-01, yesterday, '3 days ago'.")
until_option = click.option("--until", help="Up to this day or time (a day counts whole).")
author_option = click.option("--author", help="Only articles with this author (part of the name is enough).")

#: messages for whoever runs a command: one line each, never wrapped (a log file or a pipe has no width)
stderr = Console(stderr=True, soft_wrap=True)


class _StdoutConsole(Console):
    def on_broken_pipe(self) -> None:
        # rich exits with status 1 and says nothing; the command group says why, as for any output
        raise BrokenPipeError(errno.EPIPE, "broken pipe")

    def render_str(self, text: str, **options: Any) -> Text:
        # Text shown is never terminal control: an escape sequence in a stored headline (an archive made
        # elsewhere, or through the API) is shown escaped, not run by the terminal. (Text built by the
        # commands goes through shown_text.)
        return super().render_str(escaped_controls(text), **options)


def shown_text(text: str, style: str = "") -> Text:
    """Stored text for a table: as it is, with its control characters shown escaped."""
    return Text(escaped_controls(text), style=style)


#: the narrowest a table is drawn: on a narrower terminal (COLUMNS=20) the columns of a crawl summary or of
#: stats were squeezed to nothing and their numbers never shown; the terminal folds the wider lines instead
MIN_TABLE_WIDTH = 80


def stdout_console(piped_width: int = 200) -> Console:
    """Where tables go: the terminal's width (at least MIN_TABLE_WIDTH), or a fixed wide one when the output
    is piped to a file. Text is shown as it is: a headline or an address holding "[/b]" or ":smile:" is
    never read as markup or an emoji code (styles are given as rich Text)."""
    console = _StdoutConsole(width=None if sys.stdout.isatty() else piped_width, markup=False, emoji=False)
    console.width = max(console.width, MIN_TABLE_WIDTH)
    return console


def print_whole(console: Console, table: Table) -> None:
    """A table of counts drawn at least as wide as its longest words: squeezed to a narrow terminal, its
    columns were cut to "yn…" and "10…" (100%? 10%?); the terminal folds the longer lines instead."""
    needed = Measurement.get(console, console.options.update_width(10_000), table).minimum
    width = console.width
    console.width = max(width, needed)  # print(width=...) is never wider than the console
    try:
        console.print(table)
    finally:
        console.width = width


def without_colour(console: Console) -> bool:
    """Whether the output shows no colour (NO_COLOR, a pipe, a dumb terminal): then what colour marks
    (a search hit, a diff's words) needs marks of its own."""
    return console.no_color or console.color_system is None


def archive_path(db_path: Path | None) -> Path:
    """The archive a command works on: --db (or $NEWSARCHIVE_DB), else the config file's `db`
    (./newsarchive.toml), else data/archive.db — the same for every command, crawl included."""
    if db_path is not None:
        return db_path
    configured = load_config(None).get("db")
    return Path(configured) if configured else default_db_path()


def archive_origin(db_path: Path | None) -> str:
    """Where the archive's name came from when it was not typed (said beside it: "no archive at x.db" when
    the user typed no x.db sends them looking), or ""."""
    if db_path is None:
        return " (the config file's db)" if load_config(None).get("db") else ""
    context = click.get_current_context(silent=True)
    if context is not None and context.get_parameter_source("db_path") is ParameterSource.ENVIRONMENT:
        return f" (from ${DB_ENV})"
    return ""


def open_archive(db_path: Path | None, *, readonly: bool, create: bool = False) -> Archive:
    """Open the archive or fail with one line: a missing archive (unless ``create``: import) or a folder is
    a usage mistake; a file that is no archive, a damaged, locked or unreadable one is work that failed."""
    from ..store import Archive, NotAnArchive  # the database library loads with the commands that use it

    path = archive_path(db_path)
    named = f"{shown(path)}{archive_origin(db_path)}"
    try:
        exists, folder = path.exists(), path.is_dir()
    except OSError as error:  # a name too long, a loop of links...
        fail(f"cannot use the archive {named}: {error.strerror or error}", USED_WRONGLY)
    if folder:
        fail(f"the archive {named} is a folder: give the archive's file (--db FILE)", USED_WRONGLY)
    if not exists and (readonly or not create):
        fail(
            f"no archive at {named} (create one with `newsarchive import` or `newsarchive crawl`)",
            USED_WRONGLY,
        )
    try:
        return Archive(path, readonly=readonly)
    except NotAnArchive as error:
        fail(str(error), WORK_FAILED)
    except Exception as error:  # a locked, damaged or unreadable file: say so, do not trace back
        if not readonly and not _writable(path):
            fail(
                f"the archive {shown(path)} cannot be written (a read-only file, folder or file system);"
                " search, stats, export, history, changes and serve only read it",
                WORK_FAILED,
            )
        fail(f"cannot open the archive {shown(path)}: {shown(error)}", WORK_FAILED)


def _writable(path: Path) -> bool:
    where = path.resolve()
    return os.access(where if where.exists() else where.parent, os.W_OK) and os.access(where.parent, os.W_OK)


def output_path(path: Path, option: str) -> Path:
    """A file a command will write: not a folder, and in a folder that exists (else a usage mistake)."""
    folder = path.parent if str(path.parent) else Path(".")
    if path.is_dir():
        fail(f"{option} {shown(path)} is a folder: give a file name", USED_WRONGLY)
    if not folder.is_dir():
        fail(f"{option} {shown(path)}: the folder {shown(folder)} does not exist", USED_WRONGLY)
    return path


def warn_unknown_sites(archive: Archive, sites: Iterable[str]) -> None:
    """A --site that names no site of the archive finds nothing: say so, rather than only "no articles"."""
    held = archive.sites()
    for site in sites:
        if site not in held:
            known = ", ".join(held) or "none: the archive is empty"
            warn(f"no articles of site {shown(site)!r} in the archive (its sites: {known})")


@contextmanager
def command_archive(db_path: Path | None, *, readonly: bool, invalid: str = "") -> Iterator[Archive]:
    """The archive a command works on, closed however the command ends; a malformed query or filter
    (QueryError) becomes a message, after ``invalid``, and exit status 2."""
    from ..store import QueryError

    archive = open_archive(db_path, readonly=readonly)
    try:
        yield archive
    except QueryError as error:
        fail(f"{invalid}{error}", USED_WRONGLY)
    finally:
        archive.close()


def progress_bar(label: str, *, bytes_: bool = False) -> Progress:
    """A progress bar on stderr that disappears when done: items counted, or bytes with ``bytes_``. Only on
    a terminal: in a log or a pipe it would leave a blank line, and stderr holds what went wrong."""
    counter = (DownloadColumn(),) if bytes_ else (MofNCompleteColumn(),)
    return Progress(
        TextColumn(label),
        BarColumn(),
        *counter,
        TimeRemainingColumn(),
        console=stderr,
        transient=True,
        disable=not stderr.is_terminal,
    )


def scrapy_options(command: Callable[..., None]) -> Callable[..., None]:
    """--config, --set, --log-file and --format: shared by the commands that run crawls."""
    for option in reversed(
        (
            click.option(
                "--config",
                "config_path",
                type=GivenPath(dir_okay=False, path_type=Path),
                help="A TOML config file (default: ./newsarchive.toml if present).",
            ),
            click.option(
                "--set",
                "overrides",
                multiple=True,
                metavar="NAME=VALUE",
                help="A Scrapy setting (repeatable).",
            ),
            click.option(
                "--log-file",
                type=GivenPath(dir_okay=False, path_type=Path),
                help="Where Scrapy's log goes (default: data/logs/crawl-<time>.log).",
            ),
            click.option(
                "--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True
            ),
        )
    ):
        command = option(command)
    return command


def workers_options(command: Callable[..., None]) -> Callable[..., None]:
    """--workers N and --dask ADDRESS, given to the command as one ``workers`` (newsarchive.parallel)."""

    def to_workers(ctx: click.Context, _: click.Parameter, scheduler: str | None) -> Any:
        from ..parallel import Workers, WorkersError

        count = ctx.params.pop("worker_count", 1)
        if scheduler is not None and ctx.get_parameter_source("worker_count") is ParameterSource.COMMANDLINE:
            fail("--workers and --dask: give one (a Dask cluster has its own workers)", USED_WRONGLY)
        try:
            return Workers(count=count, scheduler=scheduler)
        except WorkersError as error:
            fail(shown(str(error)), USED_WRONGLY)

    command = click.option(
        "--dask",
        "workers",
        metavar="ADDRESS",
        callback=to_workers,
        help="Run the work on the Dask cluster of this scheduler (tcp://HOST:PORT; the dask extra); every"
        " worker must see the files at the same paths.",
    )(command)
    return click.option(
        "--workers",
        "worker_count",
        type=click.IntRange(min=1),
        default=1,
        show_default=True,
        is_eager=True,
        help="Worker processes that read and extract (one writer stores, in order: the archive is the one a"
        " single process gives).",
    )(command)
