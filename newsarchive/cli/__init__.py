"""The newsarchive command line. Every command mirrors a Python API call and has --help with an example.

Commands are loaded when they run: `newsarchive --help` and `newsarchive search` do not wait for Scrapy,
and `newsarchive extract` does not wait for the archive's database library.
"""

from __future__ import annotations

import errno
import importlib
import logging
import os
import signal
import sys
import warnings
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from types import FrameType
from typing import Any

import click

from .. import __version__
from .messages import (
    INTERRUPTED,
    USED_WRONGLY,
    WORK_FAILED,
    CommandFailure,
    Terminated,
    interruption,
    print_failure,
    shown,
    warn,
)

#: name -> (module, command object, the first sentence of its help, shown by `newsarchive --help`);
#: tests/test_cli.py checks each sentence against the command's own
COMMANDS: dict[str, tuple[str, str, str]] = {
    "crawl": ("crawl", "crawl", "Crawl news sites into the archive, through their news sitemaps and feeds."),
    "crawl-status": (
        "crawl",
        "crawl_status",
        "Show a crawl shared through Redis: per site, what is queued, in flight, stored, and which worker"
        " holds its lease.",
    ),
    "check-sites": (
        "check",
        "check_sites_command",
        "Fetch a few fresh articles per site (politely, as a crawl does) and report, per field, the share of"
        " articles where it was found.",
    ),
    "search": (
        "search",
        "search",
        "Search the archive: any prefixed form of a word matches (אלטמן finds לאלטמן), the exact form first.",
    ),
    "trends": (
        "analysis",
        "trends",
        "Per period and site, the articles a query matches and their share of all the site published then.",
    ),
    "words": (
        "analysis",
        "words",
        "The words most over-represented in the articles a query matches, against the rest of the archive.",
    ),
    "stats": ("search", "stats", "Counts per site and per day, and how many articles have each field."),
    "export": (
        "search",
        "export",
        "Export articles as JSON lines (ready for Hugging Face `datasets`), CSV or Parquet.",
    ),
    "import": (
        "imports",
        "import_command",
        "Add saved pages to the archive through the same extraction: .html files (or folders of them), and"
        " WARC files (.warc, .warc.gz: the responses of known Hebrew news sites, streamed).",
    ),
    "history": (
        "history",
        "history",
        "The versions of an article, and what changed in each: a word-level diff of headline, subtitle and"
        " body (removed words struck through in red, added words in green).",
    ),
    "changes": (
        "history",
        "changes",
        "Articles whose headline changed after publication (found by `crawl --revisit` or later crawls).",
    ),
    "reextract": (
        "history",
        "reextract_command",
        "Run the current extractors over the raw pages an older extractor version read, and report which"
        " fields changed; articles are rewritten in place (the same fetch, read better), and pages that gave"
        " no article are tried again.",
    ),
    "merge": (
        "merge",
        "merge",
        "Merge archives built apart into OUT (created when missing): each article once, with every version of"
        " every shard in fetch order, raw pages once, the search index with them.",
    ),
    "serve": (
        "serve",
        "serve",
        "Browse and query the archive in Datasette (read-only), with Hebrew search at /-/hebrew-search.",
    ),
    "dedup": (
        "dedup",
        "dedup",
        "Group the articles whose bodies are near-identical (republished copy, another site's repost), across"
        " sites and versions, the first published first.",
    ),
    "similar": (
        "dedup",
        "similar",
        "The articles of other sites closest to one article in words, published within ± days of it: how"
        " others covered the same story.",
    ),
    "extract": ("extract", "extract", "Extract one article from a saved page or a URL and print it."),
    "eval": ("extract", "eval_command", "Score extraction against gold JSON, field by field."),
    "sites": (
        "sites",
        "sites",
        "List the supported sites: domains, discovery sources, layouts covered, how they were verified.",
    ),
}


class LazyGroup(click.Group):
    """A group whose commands are imported when one is run (or its own --help asked for); the group's
    --help lists them from :data:`COMMANDS` without importing any. Every failure reaches whoever runs a
    command as one line on stderr and an exit status: 2 for a command used wrongly, 1 for work that failed
    (3: not an article, from `extract`; 130: interrupted) — never a traceback (NEWSARCHIVE_DEBUG=1 shows
    one). Commands raise :class:`messages.CommandFailure`; what else escapes them is worded here."""

    def main(self, args: Any = None, prog_name: str | None = None, **extra: Any) -> Any:
        extra.pop("standalone_mode", None)
        last_resort = logging.lastResort
        if not os.environ.get("NEWSARCHIVE_DEBUG"):
            logging.lastResort = _OneLineLog(logging.WARNING)  # a library's logged traceback: one line
        terminating = signal.getsignal(signal.SIGTERM) is signal.SIG_DFL
        if terminating:  # SIGTERM ends a command as Ctrl-C does (serve and crawl take it themselves)
            signal.signal(signal.SIGTERM, _terminate)
        try:
            _streams_for_hebrew()
            return super().main(args, prog_name, standalone_mode=False, **extra)
        except click.exceptions.NoArgsIsHelpError as error:  # `newsarchive` alone: the help, flattened, was
            where = error.ctx.command_path if error.ctx is not None else "newsarchive"  # one line of 1,500
            commands = ", ".join(self.list_commands(error.ctx)) if error.ctx is not None else ""
            _fail(f"{where}: name a command: {commands} ({where} --help says what each does)", USED_WRONGLY)
        except click.UsageError as error:
            where = getattr(error, "command_path", None) or (
                error.ctx.command_path if error.ctx is not None else "newsarchive"
            )
            _fail(f"{where}: {error.format_message()} (see {where} --help)", USED_WRONGLY)
        except click.ClickException as error:
            _fail(f"newsarchive: {error.format_message()}", error.exit_code)
        except click.Abort:
            _fail("newsarchive: interrupted", INTERRUPTED)
        except Exception as error:
            if os.environ.get("NEWSARCHIVE_DEBUG"):
                raise
            _fail(*_described(error))
        finally:  # as they were, for a program that runs commands in its own process (tests do)
            logging.lastResort = last_resort
            if terminating:
                signal.signal(signal.SIGTERM, signal.SIG_DFL)

    def make_context(self, info_name: str | None, args: list[str], **extra: Any) -> click.Context:
        with _worded_interruptions():  # `newsarchive --help | head -1`
            return super().make_context(info_name, args, **extra)

    def invoke(self, ctx: click.Context) -> Any:
        with _worded_interruptions():
            try:
                return super().invoke(ctx)
            except click.UsageError as error:
                if error.ctx is None and ctx.invoked_subcommand:  # "-o requires an argument" has no context
                    error.command_path = f"{ctx.command_path} {ctx.invoked_subcommand}"  # type: ignore[attr-defined]
                raise

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(COMMANDS)

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        if name not in COMMANDS:
            return None
        module, attribute, _ = COMMANDS[name]
        return getattr(importlib.import_module(f"{__name__}.{module}"), attribute)

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        listed = [click.Command(name, help=COMMANDS[name][2]) for name in self.list_commands(ctx)]
        limit = formatter.width - 6 - max(len(command.name or "") for command in listed)
        with formatter.section("Commands"):
            formatter.write_dl(
                [(command.name or "", command.get_short_help_str(limit)) for command in listed]
            )


@click.group(
    cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 110}
)
@click.version_option(__version__, prog_name="newsarchive")
def main() -> None:
    """Scrape and archive Hebrew-language news."""
    warnings.formatwarning = _warning_line


def _streams_for_hebrew() -> None:
    """Standard output and error as every command needs them. A closed stderr (`2>&-`) is /dev/null, so a
    failure still ends with its status; a closed stdout (`>&-`) is refused at once (a file the command opens
    would take its descriptor, and the command's output would be lost without a word). A stream whose
    encoding cannot hold Hebrew (LANG=C without UTF-8, PYTHONIOENCODING=ascii, a Latin-1 terminal) stopped
    every command that prints a Hebrew word with a UnicodeEncodeError: a file or a pipe gets UTF-8 (the
    data exact, as JSON Lines and CSV readers expect), a terminal gets what it cannot show escaped."""
    if sys.stderr is None:
        sys.stderr = open(os.devnull, "w", encoding="utf-8")  # noqa: SIM115 - for the rest of the process
    if sys.stdout is None:
        raise CommandFailure(
            "standard output is closed, so nothing could be shown (to discard it, send it to /dev/null)",
            USED_WRONGLY,
        )
    for stream in (sys.stdout, sys.stderr):
        try:
            HEBREW_SAMPLE.encode(getattr(stream, "encoding", None) or "utf-8")
        except (UnicodeEncodeError, LookupError):
            if not hasattr(stream, "reconfigure"):
                continue
            if stream is sys.stdout and not stream.isatty():
                stream.reconfigure(encoding="utf-8")
            else:
                stream.reconfigure(errors="backslashreplace")


#: what a stream must be able to write: Hebrew, and the marks the tables and messages use
HEBREW_SAMPLE = "אבג…«»━│"


def _fail(message: str, status: int) -> None:
    with suppress(OSError):  # stderr closed too: the status alone says it
        print_failure(message)
    sys.exit(status)


@contextmanager
def _worded_interruptions() -> Iterator[None]:
    """Ctrl-C, and output whose reader went away (`newsarchive export | head -1`), as command failures:
    one line, without the blank line click prints for Ctrl-C or the silence it keeps for a closed pipe."""
    try:
        yield
    except KeyboardInterrupt as stop:
        raise CommandFailure(*interruption(stop)) from None
    except OSError as error:
        if error.errno != errno.EPIPE:
            raise
        # what is still buffered for stdout can never be written: let it go quietly at exit
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
        raise CommandFailure(
            "the output was closed before all of it was written (broken pipe)", WORK_FAILED
        ) from None


def _terminate(signum: int, frame: FrameType | None) -> None:
    raise Terminated


def _described(error: Exception) -> tuple[str, int]:
    """What went wrong, for an error no command worded: the archive's database (damaged, locked), the
    system (a full disk, a name too long), or else a bug of ours, said as such."""
    import sqlite3  # only when something failed

    from ..store.archive import StorageError

    if isinstance(error, StorageError):  # already worded: the archive could not be written, and why
        return f"newsarchive: {shown(error)}", WORK_FAILED
    if isinstance(error, sqlite3.Error):
        text = str(error)
        if "locked" in text or "busy" in text:
            why = "another process is writing to it (a crawl or an import): try again when it ends"
        elif any(sign in text for sign in ("malformed", "not a database", "decode", "damaged")):
            why = "the file is damaged; `sqlite3 FILE .recover` may save what is left"
        else:
            why = "the database said so"
        return f"newsarchive: the archive cannot be used: {shown(text)} ({why})", WORK_FAILED
    if isinstance(error, OSError):
        what = error.strerror or str(error)
        where = f": {shown(error.filename)}" if error.filename is not None else ""
        return f"newsarchive: {what}{where}", WORK_FAILED
    if isinstance(error, MemoryError):
        return "newsarchive: out of memory", WORK_FAILED
    name = type(error).__name__
    return f"newsarchive: internal error: {name}: {shown(error)} (NEWSARCHIVE_DEBUG=1 shows where)", 1


class _OneLineLog(logging.Handler):
    """Where a library's log records go when nothing else takes them: one line each, no traceback."""

    def emit(self, record: logging.LogRecord) -> None:
        try:
            warn(record.getMessage())
        except Exception:  # a log line must never end the command
            self.handleError(record)


def _warning_line(message: Warning | str, category: type[Warning], *_: object, **__: object) -> str:
    """A warning of the library (an index being built again...) as one line for whoever runs the command,
    not as a Python source location."""
    return f"newsarchive: warning: {message}\n"


def __getattr__(name: str) -> Any:
    # the `extract` command's constants, without loading the extractors or crawl settings for every command
    if name == "EXIT_NOT_ARTICLE":
        return getattr(importlib.import_module(f"{__name__}.extract"), name)
    if name == "USER_AGENT":
        return importlib.import_module(f"{__package__.rpartition('.')[0]}.settings").USER_AGENT
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = ["COMMANDS", "EXIT_NOT_ARTICLE", "USER_AGENT", "main"]
