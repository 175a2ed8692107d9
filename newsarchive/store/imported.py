"""The log of web-archive files an import finished (`imported_files`), so that the same import run again
passes them by, as news-please's log of finished files does.

A file is known by its *mark*: a digest of its size, its first and its last MiB. Reading the whole of a
CC-NEWS file (about 1 GB) to know it again would cost as much as importing it; a WARC file begins with its
own warcinfo record and ends with its last capture, so two different files sharing both ends and the size
do not occur in practice. A file renamed or moved keeps its mark; a file completed or repaired since gets a
new one and is read again.
"""

from __future__ import annotations

import hashlib
import sqlite3
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from ..dates import format_utc

_END = 1 << 20


@dataclass(frozen=True)
class FinishedFile:
    """A file an import finished: when, and what it gave."""

    name: str
    finished: str
    stored: int
    skipped: int
    damaged: int


def file_mark(path: Path) -> str:
    """The file's mark: a digest of its size and its first and last MiB."""
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        size = stream.seek(0, 2)
        digest.update(str(size).encode())
        stream.seek(0)
        digest.update(stream.read(_END))
        if size > _END:
            stream.seek(max(_END, size - _END))
            digest.update(stream.read(_END))
    return digest.hexdigest()


def finished_file(conn: sqlite3.Connection, mark: str, selection: str) -> FinishedFile | None:
    row = conn.execute(
        "SELECT name, finished, stored, skipped, damaged FROM imported_files"
        " WHERE mark = ? AND selection = ?",
        (mark, selection),
    ).fetchone()
    return FinishedFile(*row) if row is not None else None


def record_finished(
    conn: sqlite3.Connection, mark: str, selection: str, path: Path, size: int, counts: tuple[int, int, int]
) -> None:
    """Record the file as finished, with its stored, skipped and damaged counts. A file read again (with
    ``--again``, or by two imports at once) keeps the articles it gave before: ``stored`` adds up, the
    rest is this reading's."""
    stored, skipped, damaged = counts
    conn.execute(
        "INSERT INTO imported_files (mark, selection, name, size, finished, stored, skipped, damaged)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (mark, selection) DO UPDATE SET name = excluded.name,"
        " finished = excluded.finished, stored = stored + excluded.stored, skipped = excluded.skipped,"
        " damaged = excluded.damaged",
        (mark, selection, path.name, size, format_utc(datetime.now(UTC)), stored, skipped, damaged),
    )
