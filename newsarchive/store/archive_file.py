"""Whether a file is an archive, and how to open one read-only, before anything is written to it."""

from __future__ import annotations

import os
import sqlite3
import warnings
from contextlib import closing
from pathlib import Path

#: the first bytes of every SQLite database file
_SQLITE_HEADER = b"SQLite format 3\0"


class NotAnArchive(ValueError):
    """A file that is not a newsarchive archive (not SQLite, another program's database, an empty file
    opened for reading): it is left exactly as it was."""


def readonly_uri(path: Path) -> str:
    """The URI that opens ``path`` read-only: its name percent-encoded (in "file:{path}", a "?", "#" or "%"
    in a file name began the URI's query: SQLite opened, and created, another file), and on read-only media
    immutable — a WAL archive needs its -shm file written beside it even to be read, so an archive on a
    read-only disk or mount could not be opened at all. A write-ahead log left there cannot be read: that
    is said."""
    uri = path.resolve().as_uri() + "?mode=ro"
    try:
        with closing(sqlite3.connect(uri, uri=True)) as probe:
            probe.execute("SELECT count(*) FROM sqlite_master").fetchone()
        return uri
    except sqlite3.OperationalError:
        if os.access(path.resolve().parent, os.W_OK):  # not read-only media: let the reader say why
            return uri
    log = Path(f"{path}-wal")
    if log.exists() and log.stat().st_size > 0:
        warnings.warn(
            f"{path} is on read-only media with a write-ahead log beside it ({log.name}) that cannot be read"
            " there: the articles written last before it was copied may be missing",
            stacklevel=3,
        )
    return uri + "&immutable=1"


#: descriptors by which archive headers are read, kept open while their file exists: closing any descriptor of
#: a file releases every POSIX lock this process holds on it, SQLite's included. A second Archive opened in
#: a process that had one open (a crawl's pipelines and spiders) dropped the first one's locks; another
#: process closing its connection then deleted the write-ahead log under it, and what it committed next
#: was lost at a kill (20 of 30 articles left), its readers failing with "disk I/O error"
_HEADER_READERS: dict[tuple[int, int], int] = {}


def _file_head(path: Path, size: int) -> bytes:
    for key, fd in list(_HEADER_READERS.items()):  # a deleted file's: no lock on it matters any more
        if os.fstat(fd).st_nlink == 0:
            os.close(_HEADER_READERS.pop(key))
    stat = path.stat()
    key = (stat.st_dev, stat.st_ino)
    if key not in _HEADER_READERS:
        _HEADER_READERS[key] = os.open(path, os.O_RDONLY)
    return os.pread(_HEADER_READERS[key], size, 0)


def check_archive_file(path: Path, *, creating: bool) -> None:
    """Refuse, before anything is written, a file that is not an archive: bytes that are not SQLite (SQLite
    itself would take a one-byte file for an empty database and write over it), or a database of another
    program (its tables would get an archive's beside them). An empty file or database becomes an archive
    only when ``creating``."""
    if not path.exists():
        return
    head = _file_head(path, len(_SQLITE_HEADER))
    if head and head != _SQLITE_HEADER:
        raise NotAnArchive(f"{path} is not an SQLite database, so not an archive (it was left as it is)")
    if not head:
        tables: set[str] = set()
    else:
        with closing(sqlite3.connect(readonly_uri(path), uri=True)) as probe:
            rows = probe.execute("SELECT name FROM sqlite_master WHERE type = 'table'").fetchall()
        tables = {name for (name,) in rows}
    if not tables and not creating:
        raise NotAnArchive(f"{path} holds no archive: it is an empty database")
    if tables and "articles" not in tables:
        others = ", ".join(sorted(tables)[:5]) + (", ..." if len(tables) > 5 else "")
        raise NotAnArchive(
            f"{path} is not a newsarchive archive: it is a database of other tables ({others}), left as it is"
        )
