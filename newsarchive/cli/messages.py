"""How a command tells whoever runs it that something is wrong: one line on stderr and an exit status.

A command raises :class:`CommandFailure` (or calls :func:`fail`); the group (``LazyGroup.main``) prints it.
Messages are plain text: what a user typed or a page held is never read as markup, its control characters
are shown escaped (an escape sequence in a file name cannot drive the terminal), and a value of any length
is shown cut (a 100,000-character argument gives a short line, at once).
"""

from __future__ import annotations

import os
import re
import sys
from typing import NoReturn

import click

#: exit statuses: the work failed; the command was used wrongly; interrupted (128 + SIGINT) or terminated
#: (128 + SIGTERM)
WORK_FAILED = 1
USED_WRONGLY = 2
INTERRUPTED = 130
TERMINATED = 143
#: characters of one value shown in a message, and of a whole message line
MAX_SHOWN = 200
MAX_LINE = 2000

#: control characters, line separators, and the bidi embeddings, overrides and isolates (an RLO in a file
#: name or a stored headline shows the rest of its line reversed: what is shown is not what is there)
_BIDI = "\u202a-\u202e\u2066-\u2069"
_CONTROL = re.compile(f"[\x00-\x1f\x7f-\x9f\u2028\u2029{_BIDI}]")
_SPACES = re.compile(r"[ \t\r\n\f\v]+")


class CommandFailure(click.ClickException):
    """A command that could not do its work, or was used wrongly: ``message`` (one line) and ``status``."""

    def __init__(self, message: str, status: int = WORK_FAILED) -> None:
        super().__init__(message)
        self.exit_code = status


class Terminated(KeyboardInterrupt):
    """SIGTERM (`kill`, `timeout`, systemd stopping a job), raised where the command runs, so that it ends as
    after Ctrl-C: transactions rolled back, no half-written export left, one line said."""


def interruption(error: KeyboardInterrupt) -> tuple[str, int]:
    """What stopped a command, and its exit status."""
    if isinstance(error, Terminated):
        return "terminated", TERMINATED
    return "interrupted", INTERRUPTED


def fail(message: str, status: int = WORK_FAILED) -> NoReturn:
    raise CommandFailure(message, status)


def shown(value: object) -> str:
    """A value given by a user (a path, an address, a query) as a message shows it: control characters
    escaped, and cut to MAX_SHOWN characters with its length said."""
    text = _CONTROL.sub(_escaped, str(value))
    if len(text) > MAX_SHOWN:
        return f"{text[:MAX_SHOWN]}… ({len(text):,} characters)"
    return text


def one_line(message: str) -> str:
    """A message as one line: runs of whitespace made one space, control characters escaped, at most
    MAX_LINE characters."""
    text = _CONTROL.sub(_escaped, _SPACES.sub(" ", message).strip())
    return text if len(text) <= MAX_LINE else text[:MAX_LINE] + "…"


def print_failure(message: str) -> None:
    """``message`` on stderr as one line, in red on a terminal that shows colour."""
    line = one_line(message)
    colour = sys.stderr is not None and sys.stderr.isatty() and not os.environ.get("NO_COLOR")
    click.echo(click.style(line, fg="red") if colour else line, err=True)


def warn(message: str) -> None:
    """A warning for whoever runs the command: one line on stderr; the command goes on."""
    click.echo(one_line(f"newsarchive: warning: {message}"), err=True)


_CONTROL_BUT_LINES = re.compile(f"[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029{_BIDI}]")


def escaped_controls(text: str) -> str:
    """``text`` with its control characters but tabs and line ends shown escaped (for tables and lists)."""
    return _CONTROL_BUT_LINES.sub(_escaped, text)


def _escaped(match: re.Match[str]) -> str:
    return match.group().encode("unicode_escape").decode("ascii")
