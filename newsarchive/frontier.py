"""The crawl frontier of a resumable crawl: the article addresses a crawl has queued, kept in SQLite so that a
crawl killed at any moment (SIGKILL included) can be taken up again.

What is done is never read from here: an address counts as done when the archive holds it (an article or a
rejected page). The frontier only remembers what discovery found and what failed for good, so that a resumed
run fetches the rest even when the sitemaps no longer list it. Discovery itself runs again on every start.

A crawl is one *generation*: it begins when a run finds no unfinished one, and ends when a run finishes
normally (Scrapy's finish reason "finished"). The next run then begins a new generation, which finds new
articles as a fresh crawl would.
"""

from __future__ import annotations

import sqlite3
import uuid
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import IO

try:
    import fcntl
except ImportError:  # not POSIX: no lock between runs
    fcntl = None  # type: ignore[assignment]

from .dates import format_utc, parse_utc

FILE_NAME = "frontier.sqlite"
LOCK_NAME = "lock"
BUSY_TIMEOUT_MS = 30_000
#: how a finished or abandoned address is marked; pending ones have no outcome
FAILED = "failed"
DONE = "done"

_SCHEMA = """
CREATE TABLE IF NOT EXISTS generation (
    id TEXT PRIMARY KEY, started TEXT NOT NULL, finished TEXT
);
CREATE TABLE IF NOT EXISTS urls (
    url TEXT PRIMARY KEY, site TEXT NOT NULL, discovered TEXT, queued_at TEXT NOT NULL, outcome TEXT
);
"""


@dataclass(frozen=True)
class Queued:
    """An address the crawl queued: its site key and the time discovery gave it (news date, lastmod)."""

    url: str
    site: str
    discovered: datetime | None
    #: whether a run of this crawl saw the archive take its page (what a resumed --refresh need not fetch
    #: again, as long as the archive it crawls into holds it)
    done: bool = False


class FrontierError(RuntimeError):
    """The crawl state cannot be kept or read: the message says where, and why."""


class Frontier:
    """One resumable crawl's queue, in ``folder/frontier.sqlite`` (WAL: every commit survives a kill).

    A frontier is held by one run at a time (a lock on ``folder/lock``, let go when the run ends however it
    ends); a second run of the same site's crawl gets :class:`FrontierError`. A damaged file (not SQLite, cut
    short, garbled) is set aside under a name saying so, and the crawl starts afresh: nothing is lost by
    that, since discovery runs again and what the archive holds is not fetched again (``set_aside`` says
    where it went)."""

    def __init__(self, folder: Path) -> None:
        try:
            folder.mkdir(parents=True, exist_ok=True)
            self._lock = _hold_lock(folder / LOCK_NAME)
        except OSError as error:
            raise FrontierError(
                f"cannot keep the crawl state in {folder}: {error.strerror or error}"
            ) from None
        self.path = folder / FILE_NAME
        #: where a damaged frontier file was moved before this crawl started afresh, else None
        self.set_aside: Path | None = None
        try:
            try:
                self._open()
            except sqlite3.OperationalError:
                raise  # cannot be read or written (no permission, a full disk, locked): not damage
            except sqlite3.DatabaseError as error:  # not a database, malformed, cut short
                self.conn.close()
                self.set_aside = _set_aside(self.path, str(error))
                self._open()
        except (sqlite3.Error, OSError) as error:
            if hasattr(self, "conn"):
                self.conn.close()
            self._lock.close()
            raise FrontierError(f"cannot use the crawl state {self.path}: {error}") from None

    def _open(self) -> None:
        self.conn = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
        self.conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        self.conn.execute("PRAGMA journal_mode = WAL")
        if (verdict := self.conn.execute("PRAGMA quick_check").fetchone()[0]) != "ok":
            raise sqlite3.DatabaseError(f"damaged: {verdict}")
        self.conn.executescript(_SCHEMA)
        try:  # another program's database under our name is no frontier either
            self.conn.execute("SELECT url, site, discovered, queued_at, outcome FROM urls LIMIT 0")
            self.conn.execute("SELECT id, started, finished FROM generation LIMIT 0")
        except sqlite3.OperationalError as error:
            raise sqlite3.DatabaseError(f"not a crawl frontier: {error}") from None
        row = self.conn.execute("SELECT id FROM generation WHERE finished IS NULL").fetchone()
        #: whether this run takes up a generation that an earlier run left unfinished
        self.resumed = row is not None
        if row is None:
            self.generation = uuid.uuid4().hex[:12]
            with self.conn:
                self.conn.execute("BEGIN IMMEDIATE")
                self.conn.execute("DELETE FROM urls")
                self.conn.execute(
                    "INSERT INTO generation (id, started) VALUES (?, ?)", (self.generation, _now())
                )
        else:
            self.generation = row[0]

    def queued(self, sites: list[str]) -> set[str]:
        """Every address this generation has queued for these sites, whatever became of it (for --limit and
        for not queueing an address twice); a frontier holding another site's addresses (copied, or left by
        another version) does not use up this crawl's --limit."""
        marks = ", ".join("?" for _ in sites)
        return {row[0] for row in self.conn.execute(f"SELECT url FROM urls WHERE site IN ({marks})", sites)}

    def pending(self) -> list[Queued]:
        """The addresses queued and not failed for good, in the order they were queued, those marked done
        included: done is what the archive a run wrote to took, and the archive of this run may not hold
        it (deleted, replaced, another --db). The caller skips those the archive holds."""
        rows = self.conn.execute(
            "SELECT url, site, discovered, outcome FROM urls WHERE outcome IS NULL OR outcome = ?"
            " ORDER BY rowid",
            (DONE,),
        ).fetchall()
        return [
            Queued(url, site, parse_utc(discovered), done=outcome == DONE)
            for url, site, discovered, outcome in rows
        ]

    def add(self, items: Iterable[Queued]) -> None:
        """Remember queued addresses, in one transaction (one commit per sitemap or feed read);
        :class:`FrontierError` when they cannot be written (a full disk)."""
        now = _now()
        rows = [(q.url, q.site, format_utc(q.discovered), now) for q in items]
        if not rows:
            return
        with self._writing(), self.conn:
            self.conn.execute("BEGIN IMMEDIATE")
            self.conn.executemany(
                "INSERT OR IGNORE INTO urls (url, site, discovered, queued_at) VALUES (?, ?, ?, ?)", rows
            )

    def done(self, urls: Iterable[str]) -> None:
        """Addresses whose pages the archive now holds: what a resumed --refresh crawl (for which the archive
        knows every address already) does not fetch again."""
        with self._writing(), self.conn:
            self.conn.executemany("UPDATE urls SET outcome = ? WHERE url = ?", [(DONE, url) for url in urls])

    def failed(self, url: str, reason: str) -> None:
        """An address that ended in an error: a resumed run of this generation does not ask for it again
        (the next generation does, when discovery still lists it)."""
        with self._writing(), self.conn:
            self.conn.execute("UPDATE urls SET outcome = ? WHERE url = ?", (f"{FAILED}: {reason}", url))

    def finish(self) -> None:
        """The crawl ran to its end: the next run begins a new generation."""
        with self._writing(), self.conn:
            self.conn.execute("UPDATE generation SET finished = ? WHERE id = ?", (_now(), self.generation))

    @contextmanager
    def _writing(self) -> Iterator[None]:
        try:
            yield
        except sqlite3.Error as error:
            raise FrontierError(f"the crawl state {self.path} could not be written: {error}") from None

    def close(self) -> None:
        self.conn.close()
        self._lock.close()


def _hold_lock(path: Path) -> IO[bytes]:
    """An exclusive lock on ``path`` for as long as the returned file is open (the system lets go of it when
    the process ends, SIGKILL included); FrontierError when another run holds it."""
    handle = path.open("ab")
    if fcntl is not None:
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.close()
            raise FrontierError(
                f"another --resume crawl of this site is running (it holds {path}): wait for it to end"
            ) from None
    return handle


def _set_aside(path: Path, why: str) -> Path:
    """Move a damaged frontier (and its WAL files) out of the way, under a name that says so."""
    target = path.with_name(f"{path.name}.damaged-{datetime.now(UTC).strftime('%Y%m%dT%H%M%S%f')}")
    path.rename(target)
    for suffix in ("-wal", "-shm"):
        extra = path.with_name(path.name + suffix)
        if extra.exists():
            extra.rename(target.with_name(target.name + suffix))
    (target.with_name(target.name + ".why")).write_text(why + "\n", encoding="utf-8")
    return target


def _now() -> str:
    return format_utc(datetime.now(UTC)) or ""
