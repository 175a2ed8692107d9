"""The archive: articles, their authors and pictures, raw pages and the crawl log, in one SQLite file.

:class:`Archive` is the face of the store; its rooms are modules of their own: the row <-> article mapping
(records), the write path (writing), raw pages (pages), search (search), revisions, reports, and what makes a
file an archive (archive_file).
"""

from __future__ import annotations

import os
import sqlite3
import warnings
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from contextlib import closing
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import sqlite_utils

from ..article import Article
from ..dates import format_utc
from ..fetched import FetchedPage
from . import analysis, imported, reports
from . import search as searching
from .archive_file import check_archive_file, readonly_uri
from .batches import chunks, overlapped
from .hebrew import index_token_source
from .location import default_db_path
from .pages import PAGE_COLUMNS, UnreadablePage, mark_read, page_from_row, write_page
from .query import parse_day_filter
from .records import other_scheme, record_to_article, rows_as_dicts, storable
from .revisions import HeadlineChange, Version, due_for_revisit, headline_changes, versions_of
from .schema import SCHEMA_VERSION, is_current, migrate, state_of
from .search import Hit
from .writing import Prepared, Written, prepare, write_prepared

if TYPE_CHECKING:
    from .dedup import Group
    from .merge import MergeReport
    from .related import SimilarArticle

BUSY_TIMEOUT_MS = 30_000
#: articles per transaction in store_many: larger transactions let FTS5 write fewer, larger segments
STORE_BATCH = 2000


class StorageError(RuntimeError):
    """The archive could not be written (a full disk, a read-only file, a locked database): the batch that
    failed was rolled back whole; ``stored`` articles of the same call were committed before it."""

    def __init__(self, message: str, stored: int = 0) -> None:
        super().__init__(message)
        self.stored = stored


class Archive:
    """The archive database. ``Archive()`` opens ``$NEWSARCHIVE_DB`` or ``data/archive.db``."""

    def __init__(self, path: str | Path | None = None, *, readonly: bool = False) -> None:
        self.path = Path(path) if path is not None else default_db_path()
        self.readonly = readonly
        #: what the writes of this connection did: new articles, changed (a new version), unchanged, replaced
        self.write_counts: Counter[str] = Counter()
        if readonly:
            if not self.path.exists():
                raise FileNotFoundError(f"no archive at {self.path}")
            check_archive_file(self.path, creating=False)
            _upgrade_schema(self.path)
            conn = sqlite3.connect(readonly_uri(self.path), uri=True, check_same_thread=False)
        else:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            check_archive_file(self.path, creating=True)
            conn = sqlite3.connect(self.path, check_same_thread=False)
        try:
            conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
            self.db = sqlite_utils.Database(conn)
            if not readonly:
                self.db.enable_wal()
                conn.execute("PRAGMA synchronous = NORMAL")
                # a 64 MB page cache and a 40 MB WAL between checkpoints: bulk ingest runs a tenth faster
                conn.execute("PRAGMA cache_size = -65536")
                conn.execute("PRAGMA wal_autocheckpoint = 10000")
                conn.execute("PRAGMA foreign_keys = ON")
                migrate(self.db)
        except BaseException:  # an archive that cannot be opened as asked is not held open either
            conn.close()
            raise

    # -- writing ---------------------------------------------------------------------------------------

    def store(self, article: Article, page: FetchedPage | None = None) -> int:
        """Store one article (replacing the stored version of its URL); returns its id."""
        return self.store_many([(article, page)])[0].id

    def store_many(
        self,
        items: Iterable[Article | tuple[Article, FetchedPage | None]],
        batch_size: int = STORE_BATCH,
        *,
        replace: bool = False,
        only_new: bool = False,
    ) -> list[Written]:
        """Store articles in one transaction per ``batch_size``; returns what was done with each, in order.
        What this returns is committed. An article already stored gets a new version when its content
        changed; with ``only_new`` it is left alone ("known": so is a second copy of one URL in the call, and
        an http:// address counts as its https:// twin). The next batch is prepared (normalised and expanded
        for the search index) in a second thread while the current one is written."""
        written: list[Written] = []

        def write(prepared: list[Prepared]) -> None:
            written.extend(
                self._write_batch(prepared, replace=replace, only_new=only_new, stored=len(written))
            )

        pairs = (item if isinstance(item, tuple) else (item, None) for item in items)
        overlapped(chunks(pairs, batch_size), prepare, write)
        return written

    def _write_batch(
        self, prepared: list[Prepared], *, replace: bool, only_new: bool, stored: int
    ) -> list[Written]:
        """One batch, or a :class:`StorageError` saying why it could not be written (the batch is rolled
        back whole; the batches before it stay committed)."""
        try:
            return write_prepared(
                self.db.conn, prepared, self.write_counts, replace=replace, only_new=only_new
            )
        except sqlite3.OperationalError as error:
            raise self._storage_error(error, stored) from error

    def _storage_error(self, error: sqlite3.OperationalError, stored: int = 0) -> StorageError:
        if self.readonly or "readonly" in str(error) or "read-only" in str(error):
            return StorageError(f"the archive {self.path} is read-only: {error}", stored)
        return StorageError(f"the archive {self.path} could not be written: {error}", stored)

    def store_page(self, page: FetchedPage, outcome: str) -> None:
        """Keep a raw page that gave no article (with the reason), so it can be tried again later; a later
        rejected fetch of the same address replaces it."""
        try:
            with self.db.conn as conn:
                conn.execute(
                    "DELETE FROM pages WHERE url = ? AND article_id IS NULL",
                    (storable(page.requested_url or page.url),),
                )
                write_page(conn, page, None, outcome)
        except sqlite3.OperationalError as error:
            raise self._storage_error(error) from error

    def log(
        self,
        event: str,
        url: str | None = None,
        *,
        reason: str | None = None,
        site: str | None = None,
        crawl: str | None = None,
    ) -> None:
        try:
            with self.db.conn as conn:
                conn.execute(
                    "INSERT INTO crawl_log (at, crawl, site, url, event, reason) VALUES (?, ?, ?, ?, ?, ?)",
                    (
                        format_utc(datetime.now(UTC)),
                        crawl,
                        storable(site),
                        storable(url),
                        event,
                        storable(reason),
                    ),
                )
        except sqlite3.OperationalError as error:
            raise self._storage_error(error) from error

    # -- reading ---------------------------------------------------------------------------------------

    def get(self, url: str) -> Article | None:
        return next(self.iter_articles("WHERE url = ?", [storable(url)]), None)

    def knows(self, url: str) -> bool:
        """Whether the URL was fetched before: an article's URL, or a page kept under it (http and https
        count as one)."""
        return self._has(url, "articles", "pages")

    def has_article(self, url: str) -> bool:
        """Whether an article is stored under the URL (http and https count as one)."""
        return self._has(url, "articles")

    def _has(self, url: str, *tables: str) -> bool:
        url = storable(url)  # as it was stored: a lone surrogate made U+FFFD
        forms = {url, other_scheme(url)}
        marks = ", ".join("?" for _ in forms)
        union = " UNION ALL ".join(f"SELECT 1 FROM {table} WHERE url IN ({marks})" for table in tables)
        return self.db.execute(f"{union} LIMIT 1", [*forms] * len(tables)).fetchone() is not None

    def count(self) -> int:
        return self.db.execute("SELECT count(*) FROM articles").fetchone()[0]

    def sites(self) -> list[str]:
        """The site keys the archive holds articles of."""
        return [row[0] for row in self.db.execute("SELECT DISTINCT site FROM articles ORDER BY site")]

    def raw_page(self, url: str) -> FetchedPage | None:
        """The last raw page kept for ``url`` (the page of its latest version, or the rejected page)."""
        cursor = self.db.execute(
            f"SELECT {PAGE_COLUMNS} FROM pages WHERE url = ? ORDER BY id DESC LIMIT 1", (url,)
        )
        row = next(rows_as_dicts(cursor), None)
        return page_from_row(row) if row else None

    def reextractable_pages(
        self,
        *,
        sites: list[str] | None = None,
        since: str | datetime | None = None,
        site_of: Callable[[str], str | None] | None = None,
        read_before: str | None = None,
    ) -> list[int]:
        """The ids of the raw pages that re-extraction reads: each article's latest version's page, and the
        pages that gave no article. ``sites`` filters articles by site, and rejected pages by the site
        ``site_of`` gives their address (the extractor's site_key_for_url: the store knows no site
        profiles); ``since`` (a day or a moment, as --since takes them) filters by fetch time;
        ``read_before`` (an extractor version) keeps the pages last read by an older version, or by one
        not recorded."""
        if sites and site_of is None:
            raise TypeError(
                "reextractable_pages(sites=...) needs site_of, the site of a rejected page's address"
            )
        since = _since_utc(since)
        rows = self.db.execute(
            "SELECT p.id, p.url, a.site FROM pages p LEFT JOIN articles a ON a.id = p.article_id"
            " WHERE (p.article_id IS NULL OR p.id = a.page_id) AND (? IS NULL OR p.fetched_at >= ?)"
            " AND (? IS NULL OR p.extractor_version IS NULL"
            " OR CAST(p.extractor_version AS INTEGER) < CAST(? AS INTEGER))"
            " ORDER BY p.id",
            (since, since, read_before, read_before),
        ).fetchall()
        if not sites:
            return [row[0] for row in rows]
        wanted = set(sites)
        return [i for i, url, site in rows if (site or site_of(url)) in wanted]

    def pages_by_id(
        self, ids: list[int]
    ) -> Iterator[tuple[int, FetchedPage | UnreadablePage, dict[str, Any] | None]]:
        """Raw pages, each with its id and the stored `articles` row it produced (None for a rejected page);
        a page that cannot be read back comes as an :class:`UnreadablePage` saying why."""
        for chunk in chunks(ids, 200):
            cursor = self.db.execute(
                f"SELECT {PAGE_COLUMNS}, article_id, id FROM pages"
                f" WHERE id IN ({', '.join('?' * len(chunk))}) ORDER BY id",
                chunk,
            )
            rows = list(rows_as_dicts(cursor))
            article_ids = [r["article_id"] for r in rows if r["article_id"] is not None]
            articles = {}
            if article_ids:
                found = self.db.execute(
                    f"SELECT * FROM articles WHERE id IN ({', '.join('?' * len(article_ids))})", article_ids
                )
                articles = {a["id"]: a for a in rows_as_dicts(found)}
            for row in rows:
                try:
                    page: FetchedPage | UnreadablePage = page_from_row(row)
                except ValueError as error:
                    page = UnreadablePage(row["url"], str(error))
                yield row["id"], page, articles.get(row["article_id"])

    def mark_read(self, page_ids: list[int]) -> None:
        """Record that the current extractor read these raw pages again (re-extraction), so that a later
        re-extraction of older readings passes them by."""
        try:
            with self.db.conn as conn:
                mark_read(conn, page_ids)
        except sqlite3.OperationalError as error:
            raise self._storage_error(error) from error

    def finished_import(self, mark: str, selection: str) -> imported.FinishedFile | None:
        """The web-archive file of this mark, if an import that took ``selection`` from it finished it."""
        return imported.finished_file(self.db.conn, mark, selection)

    def record_finished_import(
        self, mark: str, selection: str, path: Path, size: int, counts: tuple[int, int, int]
    ) -> None:
        """Log the file as finished by an import (stored, skipped and damaged counts)."""
        try:
            with self.db.conn as conn:
                imported.record_finished(conn, mark, selection, path, size, counts)
        except sqlite3.OperationalError as error:
            raise self._storage_error(error) from error

    def iter_articles(
        self, where: str = "", params: Iterable[Any] = (), order: str = "published"
    ) -> Iterator[Article]:
        """Stored articles; ``where`` may name the table ``a`` (as the shared filters do)."""
        cursor = self.db.execute(f"SELECT a.* FROM articles a {where} ORDER BY {order}", list(params))
        for row in rows_as_dicts(cursor):
            yield record_to_article(row)

    # -- search ----------------------------------------------------------------------------------------

    def search(
        self,
        query: str,
        *,
        site: str | list[str] | None = None,
        since: str | datetime | None = None,
        until: str | datetime | None = None,
        author: str | None = None,
        limit: int = 20,
        offset: int = 0,
        now: datetime | None = None,
        collapse: bool = False,
    ) -> list[Hit]:
        """Search the archive; the exact form of the words ranks before prefixed forms. With ``collapse``,
        a group of near-duplicates shows as its first-published article (:meth:`dedup`).

        Raises :class:`QueryError` for a query that cannot be run (with a message for the user).
        """
        if collapse:
            self.dedup_catch_up()
        return searching.search(
            self.db.conn,
            query,
            site=site,
            since=since,
            until=until,
            author=author,
            limit=limit,
            offset=offset,
            now=now,
            collapse=collapse,
        )

    def matching_urls(self, query: str, *, now: datetime | None = None) -> list[str]:
        """Every article the query matches, best first (no limit): for evaluation and exports."""
        return searching.matching_urls(self.db.conn, query, now=now)

    # -- analysis --------------------------------------------------------------------------------------

    def trends(
        self,
        query: str,
        *,
        by: str = "day",
        site: str | list[str] | None = None,
        since: str | datetime | None = None,
        until: str | datetime | None = None,
        now: datetime | None = None,
    ) -> analysis.Trends:
        """Per period (day, ISO week or month, in Israel time) and site: the articles the query matches (as
        :meth:`search` does), of all the site published then (see :func:`.analysis.trends`)."""
        return analysis.trends(self.db.conn, query, by=by, site=site, since=since, until=until, now=now)

    def words(
        self,
        query: str,
        *,
        top: int = 20,
        site: str | list[str] | None = None,
        since: str | datetime | None = None,
        until: str | datetime | None = None,
        now: datetime | None = None,
    ) -> analysis.Words:
        """The words most over-represented in the articles the query matches against the rest of the
        archive, by weighted log-odds (see :func:`.analysis.words`)."""
        return analysis.words(self.db.conn, query, top=top, site=site, since=since, until=until, now=now)

    # -- revisions -------------------------------------------------------------------------------------

    def versions(self, url: str) -> list[Version]:
        """Every stored version of the article at ``url``, oldest first (empty when it is not stored); an
        address given with the other scheme (http:// for https://) or with spaces around it finds it too, as
        a crawl and an import count them one article."""
        url = url.strip()
        return versions_of(self.db.conn, url) or versions_of(self.db.conn, other_scheme(url))

    def headline_changes(
        self, *, since: str | datetime | None = None, sites: list[str] | None = None
    ) -> list[HeadlineChange]:
        """Articles whose headline was rewritten: one entry per new headline, newest first."""
        return headline_changes(self.db.conn, _since_utc(since), sites)

    def due_for_revisit(
        self, sites: list[str], *, now: datetime | None = None, limit: int | None = None
    ) -> list[str]:
        """The URLs of these sites' articles that are due to be fetched again (revisions.REVISIT_SCHEDULE)."""
        return due_for_revisit(self.db.conn, sites, now or datetime.now(UTC), limit)

    def stats(
        self, *, since: str | None = None, until: str | None = None, collapse: bool = False
    ) -> reports.Stats:
        """Counts per site and per day, and field coverage per site (see :mod:`.reports`); with
        ``collapse``, a group of near-duplicates counts once, as its first-published article."""
        if collapse:
            self.dedup_catch_up()
        return reports.stats(self, since=since, until=until, collapse=collapse)

    def export(self, fmt: str, out: Any, **filters: Any) -> int:
        """Write the articles (filtered by sites=, since=, until=, author=; dedup=True keeps the first
        published of each group of near-duplicates) as jsonl, csv or parquet."""
        if filters.get("dedup"):
            self.dedup_catch_up()
        return reports.export(reports.iter_export(self, **filters), fmt, out)

    # -- near-duplicates (store/dedup.py) -------------------------------------------------------------

    def dedup(self, threshold: float = 0.8) -> list[Group]:
        """Groups of articles whose latest bodies are near-identical, across sites, the first published
        first (threshold: the pairs' similarity as store/dedup.py measures it, 0.5 to 1)."""
        from .dedup import groups

        self.dedup_catch_up()
        return groups(self.db.conn, threshold)

    def similar(self, url: str, *, days: float = 3, top: int = 10) -> list[SimilarArticle]:
        """Other sites' articles published within ``days`` of the one at ``url``, the closest in words
        first, each near-duplicate with its ``copy`` similarity (store/related.py)."""
        from .related import similar

        return similar(self.db.conn, storable(url.strip()), days=days, top=top)

    def dedup_catch_up(self) -> int:
        """Sign and pair the articles stored (or changed) since the last catch-up, and only them; returns
        how many. An archive opened read-only is caught up on a second connection when the file may be
        written; otherwise what the last catch-up found is used, with a warning."""
        from .dedup import catch_up, pending

        if not self.readonly:
            try:
                return catch_up(self.db.conn)
            except sqlite3.OperationalError as error:
                raise self._storage_error(error) from error
        if os.access(self.path, os.W_OK):
            with Archive(self.path) as writer:
                return writer.dedup_catch_up()
        if missing := pending(self.db.conn):
            warnings.warn(
                f"{missing:,} articles of the read-only archive {self.path} are not yet compared for"
                " near-duplicates: open it once with write access",
                stacklevel=2,
            )
        return 0

    def merge(
        self, shards: Iterable[str | Path], *, on_progress: Callable[..., None] | None = None
    ) -> MergeReport:
        """Merge archives built apart into this one (store/merge.py: one transaction per shard; an article
        both hold keeps one history, both sides' versions in fetch order)."""
        from .merge import merge_archives

        return merge_archives(self.path, list(shards), on_progress=on_progress)

    def close(self) -> None:
        self.db.conn.close()

    def __enter__(self) -> Archive:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


# -- opening an older archive, and times ----------------------------------------------------------------


def _upgrade_schema(path: Path) -> None:
    """A reader of an archive written by an older newsarchive needs its tables as they are now, and its
    search index made by the same rules as the queries: migrate once (a write, so only when the file may be
    written; otherwise say what to do)."""
    with closing(sqlite3.connect(readonly_uri(path), uri=True)) as probe:
        version, made_by = state_of(probe)
    if is_current(version, made_by):
        return
    if os.access(path, os.W_OK):
        Archive(path).close()
    elif version < SCHEMA_VERSION:
        raise RuntimeError(
            f"the archive {path} has schema version {version} and this newsarchive reads version"
            f" {SCHEMA_VERSION}: open it once with write access to upgrade it"
        )
    else:
        warnings.warn(
            f"the search index of {path} was made by {made_by}, and this newsarchive searches by"
            f" {index_token_source()}: some words may not be found until the archive is opened once with"
            " write access (which builds the index again)",
            stacklevel=3,
        )


def _since_utc(since: str | datetime | None) -> str | None:
    """A --since value (a day or a moment, as the commands take them) as the archive writes times."""
    return format_utc(parse_day_filter(since) if isinstance(since, str) else since)
