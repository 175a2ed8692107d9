"""Saved pages read from files (`newsarchive import`, `newsarchive extract`): in bounded memory, and only
from regular files — a name given by mistake (/dev/zero, a pipe) is refused, never read until memory runs
out or a writer comes."""

from __future__ import annotations

import stat
from pathlib import Path

from .extract.page import MAX_PAGE_CHARS

#: bytes read of a saved page: enough for every character extraction reads (at most 4 bytes each), and one
#: more so that a larger page is seen to be larger (and said to be cut)
MAX_FILE_BYTES = 4 * MAX_PAGE_CHARS + 1


class UnreadablePageFile(ValueError):
    """A saved page that cannot be read: the message says why."""


def read_saved_page(path: Path) -> bytes:
    """The bytes of a saved page (the first MAX_FILE_BYTES of a larger one); raises
    :class:`UnreadablePageFile` for a file that is missing, a folder, a device or a pipe, or unreadable."""
    try:
        mode = path.stat().st_mode
        if stat.S_ISDIR(mode):
            raise UnreadablePageFile("a folder, not a saved page")
        if not stat.S_ISREG(mode):
            raise UnreadablePageFile("not a regular file (a device or a pipe), not a saved page")
        with path.open("rb") as file:
            return file.read(MAX_FILE_BYTES)
    except FileNotFoundError:
        raise UnreadablePageFile("no such file") from None
    except OSError as error:
        raise UnreadablePageFile(f"cannot read the file: {error.strerror or error}") from None
