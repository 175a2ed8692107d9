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
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from .dates import format_utc, parse_utc

FILE_NAME = "frontier.sqlite"
BUSY_TIMEOUT_MS = 30_000
#: how a finished or abandoned address is marked; pending ones have no outcome
FAILED = "failed"

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


class Frontier:
    """One resumable crawl's queue, in ``folder/frontier.sqlite`` (WAL: every commit survives a kill)."""

    def __init__(self, folder: Path) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        self.path = folder / FILE_NAME
        self.conn = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
        self.conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        self.conn.execute("PRAGMA journal_mode = WAL")
        self.conn.executescript(_SCHEMA)
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

    def queued(self) -> set[str]:
        """Every address this generation has queued, whatever became of it (for --limit and for not
        queueing an address twice)."""
        return {row[0] for row in self.conn.execute("SELECT url FROM urls")}

    def pending(self) -> list[Queued]:
        """The addresses queued and not failed for good, in the order they were queued; the caller skips
        those the archive already holds."""
        rows = self.conn.execute(
            "SELECT url, site, discovered FROM urls WHERE outcome IS NULL ORDER BY rowid"
        ).fetchall()
        return [Queued(url, site, parse_utc(discovered)) for url, site, discovered in rows]

    def add(self, items: Iterable[Queued]) -> None:
        """Remember queued addresses, in one transaction (one commit per sitemap or feed read)."""
        now = _now()
        rows = [(q.url, q.site, format_utc(q.discovered), now) for q in items]
        if not rows:
            return
        with self.conn:
            self.conn.execute("BEGIN IMMEDIATE")
            self.conn.executemany(
                "INSERT OR IGNORE INTO urls (url, site, discovered, queued_at) VALUES (?, ?, ?, ?)", rows
            )

    def failed(self, url: str, reason: str) -> None:
        """An address that ended in an error: a resumed run of this generation does not ask for it again
        (the next generation does, when discovery still lists it)."""
        with self.conn:
            self.conn.execute("UPDATE urls SET outcome = ? WHERE url = ?", (f"{FAILED}: {reason}", url))

    def finish(self) -> None:
        """The crawl ran to its end: the next run begins a new generation."""
        with self.conn:
            self.conn.execute("UPDATE generation SET finished = ? WHERE id = ?", (_now(), self.generation))

    def close(self) -> None:
        self.conn.close()


def _now() -> str:
    return format_utc(datetime.now(UTC)) or ""
