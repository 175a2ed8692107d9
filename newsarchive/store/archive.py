"""The archive: articles, their authors and pictures, raw pages and the crawl log, in one SQLite file."""

from __future__ import annotations

import hashlib
import json
import os
import re
import sqlite3
import warnings
import zlib
from collections import Counter
from collections.abc import Iterable, Iterator
from contextlib import closing
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import sqlite_utils

from ..article import Article, Image
from ..dates import ISRAEL, format_utc, parse_utc
from ..extract.version import EXTRACTOR_VERSION
from ..fetched import FetchedPage
from ..sites import site_key_for_url
from .batches import chunks, insert_rows, overlapped, write_transaction
from .hebrew import contains_phrase, index_token_source, tokens
from .location import default_db_path
from .query import ParsedQuery, QueryError, check_range, parse_day_filter, parse_query
from .revisions import (
    HeadlineChange,
    Version,
    changed_fields,
    content_of,
    due_for_revisit,
    headline_changes,
    versions_of,
)
from .schema import SCHEMA_VERSION, VERSION_COLUMNS, is_current, migrate, state_of
from .search_index import FTS_TABLE, index_columns
from .snippets import snippet
from .vocabulary import expand_prefixes

BUSY_TIMEOUT_MS = 30_000
#: bm25 weights of the FTS columns: headline, text (all the words; see search_index)
RANK_WEIGHTS = (5.0, 1.0)
#: articles per transaction in store_many: larger transactions let FTS5 write fewer, larger segments
STORE_BATCH = 2000
#: how many ranked candidates a phrase search checks in Python for each hit it returns
PHRASE_CHECK_FACTOR = 20
#: the most hits a search may skip (paging): every one skipped is ranked first
MAX_OFFSET = 100_000


#: what a search hit is made from (``a`` is the articles table)
_HIT_COLUMNS = (
    "a.id, a.url, a.site, a.headline, a.subtitle, a.published, a.published_offset, a.authors, a.section,"
    " a.body"
)


def rows_as_dicts(cursor: sqlite3.Cursor) -> Iterator[dict[str, Any]]:
    columns = [d[0] for d in cursor.description]
    for row in cursor:
        yield dict(zip(columns, row, strict=True))


@dataclass
class _Prepared:
    """An article ready to be written: its row and its search-index text."""

    article: Article
    page: FetchedPage | None
    record: dict[str, Any]
    headline: str
    text: str


@dataclass(frozen=True)
class Written:
    """What storing one article did. ``kind``: "new" (a new article), "changed" (a new version of a stored
    one, which joins its history), "replaced" (rewritten in place: re-extraction), "unchanged" (the stored
    version says the same: only its check time moved), "known" (already stored, and left alone as asked),
    "superseded" (a later copy of the same URL in the same call was written instead). ``id`` is the
    article's."""

    id: int
    kind: str

    @property
    def stored(self) -> bool:
        """Whether this call wrote the article (a new one or a new version of it)."""
        return self.kind in ("new", "changed", "replaced")


def _prepare(batch: list[tuple[Article, FetchedPage | None]]) -> list[_Prepared]:
    prepared = []
    for article, page in batch:
        try:
            record = article_record(article)
        except UnicodeEncodeError:  # a lone surrogate ("\\ud800" in a page's JSON) is no UTF-8 text
            article = _without_surrogates(article)
            record = article_record(article)
        record["fetched_at"] = format_utc(page.fetched_at) if page and page.fetched_at else None
        record["stored_at"] = None
        record["version"] = 1
        record["checked_at"] = record["fetched_at"]
        captions = [i.caption for i in article.images if i.caption]
        headline, text = index_columns(article.headline, article.subtitle, article.body, captions)
        prepared.append(_Prepared(article, page, record, headline, text))
    return prepared


def _written(
    item: _Prepared, latest: dict[str, _Prepared], ids: dict[str, int], kinds: dict[str, str], only_new: bool
) -> Written:
    url = item.article.url
    if latest.get(url) is item:
        return Written(ids[url], kinds[url])
    # a copy that was not taken: the copy of its URL that was (with only_new, maybe under the other scheme)
    taken = url if url in latest else other_scheme(url)
    return Written(ids[taken], "known" if only_new else "superseded")


_SURROGATE = re.compile("[\ud800-\udfff]")


def _storable(text: str | None) -> str | None:
    """Text as SQLite can store it (UTF-8): a lone surrogate (undecodable bytes of a file name, a JSON
    escape) becomes U+FFFD."""
    return _SURROGATE.sub("\ufffd", text) if text else text


def _without_surrogates(article: Article) -> Article:
    """The article with each lone surrogate replaced by U+FFFD, so that it can be stored (and exported) as
    UTF-8: one page with a broken escape must not stop an import or a crawl."""

    def repaired(value: Any) -> Any:
        if isinstance(value, str):
            return _storable(value)
        if isinstance(value, list):
            return [repaired(item) for item in value]
        if isinstance(value, dict):
            return {repaired(key): repaired(item) for key, item in value.items()}
        return value

    data = article.to_dict() | {"body_paragraphs": list(article.paragraphs)}
    return Article.from_dict(repaired(data))


def _scheme_blind(url: str) -> str:
    """One key for the http:// and https:// forms of an address."""
    return "https://" + url[len("http://") :] if url.startswith("http://") else url


@dataclass
class Hit:
    url: str
    site: str
    headline: str | None
    published: str | None
    authors: list[str]
    section: str | None
    snippet: str
    score: float
    exact: bool

    def to_dict(self) -> dict[str, Any]:
        return {
            "url": self.url,
            "site": self.site,
            "headline": self.headline,
            "published": self.published,
            "authors": self.authors,
            "section": self.section,
            "snippet": self.snippet,
            "score": round(self.score, 4),
            "exact": self.exact,
        }


class StorageError(RuntimeError):
    """The archive could not be written (a full disk, a read-only file, a locked database): the batch that
    failed was rolled back whole; ``stored`` articles of the same call were committed before it."""

    def __init__(self, message: str, stored: int = 0) -> None:
        super().__init__(message)
        self.stored = stored


class NotAnArchive(ValueError):
    """A file that is not a newsarchive archive (not SQLite, another program's database, an empty file
    opened for reading): it is left exactly as it was."""


#: the first bytes of every SQLite database file
_SQLITE_HEADER = b"SQLite format 3\0"


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


def _check_archive_file(path: Path, *, creating: bool) -> None:
    """Refuse, before anything is written, a file that is not an archive: bytes that are not SQLite (SQLite
    itself would take a one-byte file for an empty database and write over it), or a database of another
    program (its tables would get an archive's beside them). An empty file or database becomes an archive
    only when ``creating``."""
    if not path.exists():
        return
    with path.open("rb") as file:
        head = file.read(len(_SQLITE_HEADER))
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
            _check_archive_file(self.path, creating=False)
            _upgrade_schema(self.path)
            conn = sqlite3.connect(readonly_uri(self.path), uri=True, check_same_thread=False)
        else:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            _check_archive_file(self.path, creating=True)
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

        def write(prepared: list[_Prepared]) -> None:
            written.extend(
                self._write_batch(prepared, replace=replace, only_new=only_new, stored=len(written))
            )

        pairs = (item if isinstance(item, tuple) else (item, None) for item in items)
        overlapped(chunks(pairs, batch_size), _prepare, write)
        return written

    def _write_batch(
        self, prepared: list[_Prepared], *, replace: bool, only_new: bool, stored: int
    ) -> list[Written]:
        """One batch, or a :class:`StorageError` saying why it could not be written (the batch is rolled
        back whole; the batches before it stay committed)."""
        try:
            return self._write_prepared(prepared, replace=replace, only_new=only_new)
        except sqlite3.OperationalError as error:
            raise self._storage_error(error, stored) from error

    def _storage_error(self, error: sqlite3.OperationalError, stored: int = 0) -> StorageError:
        if self.readonly or "readonly" in str(error) or "read-only" in str(error):
            return StorageError(f"the archive {self.path} is read-only: {error}", stored)
        return StorageError(f"the archive {self.path} could not be written: {error}", stored)

    def _write_prepared(
        self, prepared: list[_Prepared], *, replace: bool = False, only_new: bool = False
    ) -> list[Written]:
        """Write a batch in one transaction. A URL already stored gets a new version only when its content
        really changed (revisions.changed_fields); otherwise only its check time moves. With ``replace``
        (re-extraction of the same fetch) the current version is rewritten in place instead; with
        ``only_new`` it is left as it is. What happened to each item is decided here, under the write lock,
        so it is what the archive holds (two processes storing the same article: one "new", one "known")."""
        stored_at = format_utc(datetime.now(UTC))
        if only_new:  # the first copy of a URL (either scheme) is taken, later ones are "known"
            chosen = {}
            for p in prepared:
                chosen.setdefault(_scheme_blind(p.article.url), p)
            latest = {p.article.url: p for p in chosen.values()}
        else:  # the same URL twice in a batch: the last one wins
            latest = {p.article.url: p for p in prepared}
        conn = self.db.conn
        # The write lock before reading which URLs are stored and the last id: a second process writing the
        # same archive would otherwise take the same ids, or store a URL the other just stored.
        with write_transaction(conn):
            lookup = list(latest)
            if only_new:
                lookup += [other_scheme(url) for url in latest if other_scheme(url) != url]
            existing = self._existing(conn, lookup)
            next_id = conn.execute("SELECT coalesce(max(id), 0) FROM articles").fetchone()[0]
            ids: dict[str, int] = {}
            kinds: dict[str, str] = {}
            new, changed, unchanged = [], [], []
            for url, item in latest.items():
                item.record["stored_at"] = stored_at
                twin = existing.get(url) or (existing.get(other_scheme(url)) if only_new else None)
                if twin is None:
                    next_id += 1
                    ids[url] = next_id
                    kinds[url] = "new"
                    new.append(item)
                    continue
                ids[url] = twin["id"]
                item.record["version"] = twin["version"] or 1
                if only_new:
                    kinds[url] = "known"
                elif replace and twin["fetched_at"] != item.record["fetched_at"]:
                    # fetched again since the page re-extracted was read (a --revisit while reextract ran):
                    # the new version stays as it is, never rewritten with a reading of the older page
                    kinds[url] = "superseded"
                elif replace:
                    item.record["checked_at"] = twin["checked_at"]
                    kinds[url] = "replaced"
                    changed.append(item)
                elif changed_fields(content_of(twin), content_of(item.record)):
                    item.record["version"] += 1
                    kinds[url] = "changed"
                    changed.append(item)
                else:
                    kinds[url] = "unchanged"
                    unchanged.append(item)
            columns = list(prepared[0].record)
            if unchanged:
                conn.executemany(
                    "UPDATE articles SET checked_at = ? WHERE id = ?",
                    [(i.record["checked_at"], ids[i.article.url]) for i in unchanged],
                )
            if changed and not replace:  # the version it replaces joins the article's history
                conn.executemany(
                    f"INSERT INTO versions (article_id, version, page_id, {', '.join(VERSION_COLUMNS)})"
                    f" SELECT id, coalesce(version, 1), page_id, {', '.join(VERSION_COLUMNS)}"
                    " FROM articles WHERE id = ?",
                    [(ids[item.article.url],) for item in changed],
                )
            if changed:
                stale = [(ids[item.article.url],) for item in changed]
                conn.executemany("DELETE FROM authors WHERE article_id = ?", stale)
                conn.executemany("DELETE FROM images WHERE article_id = ?", stale)
                conn.executemany(f"DELETE FROM {FTS_TABLE} WHERE rowid = ?", stale)
                conn.executemany(
                    f"UPDATE articles SET {', '.join(f'{c} = ?' for c in columns)} WHERE id = ?",
                    [[*item.record.values(), ids[item.article.url]] for item in changed],
                )
            if new:
                insert_rows(
                    conn,
                    "articles",
                    ["id", *columns],
                    [[ids[item.article.url], *item.record.values()] for item in new],
                )
            written = new + changed
            insert_rows(
                conn,
                "authors",
                ["article_id", "position", "name"],
                [[ids[i.article.url], n, name] for i in written for n, name in enumerate(i.article.authors)],
            )
            insert_rows(
                conn,
                "images",
                ["article_id", "position", "src", "caption", "credit"],
                [
                    [ids[i.article.url], n, im.src, im.caption, im.credit]
                    for i in written
                    for n, im in enumerate(i.article.images)
                ],
            )
            insert_rows(
                conn,
                FTS_TABLE,
                ["rowid", "headline", "text"],
                [[ids[i.article.url], i.headline, i.text] for i in written],
            )
            if not replace:  # a re-extraction reads the same page again: it keeps its page
                page_ids = [
                    (self._write_page(conn, i.page, ids[i.article.url], "article"), ids[i.article.url])
                    for i in written
                    if i.page is not None
                ]
                conn.executemany("UPDATE articles SET page_id = ? WHERE id = ?", page_ids)
        self.write_counts.update(kinds.values())  # committed: what an interrupted caller can report
        return [_written(item, latest, ids, kinds, only_new) for item in prepared]

    @staticmethod
    def _existing(conn: sqlite3.Connection, urls: list[str]) -> dict[str, dict[str, Any]]:
        """The stored rows of these URLs, with what a change is judged on."""
        found: dict[str, dict[str, Any]] = {}
        for start in range(0, len(urls), 500):
            chunk = urls[start : start + 500]
            cursor = conn.execute(
                "SELECT url, id, version, checked_at, fetched_at, headline, subtitle, body, authors, images"
                " FROM articles"
                f" WHERE url IN ({', '.join('?' * len(chunk))})",
                chunk,
            )
            found.update((row["url"], row) for row in rows_as_dicts(cursor))
        return found

    def store_page(self, page: FetchedPage, outcome: str) -> None:
        """Keep a raw page that gave no article (with the reason), so it can be tried again later; a later
        rejected fetch of the same address replaces it."""
        try:
            with self.db.conn as conn:
                conn.execute(
                    "DELETE FROM pages WHERE url = ? AND article_id IS NULL",
                    (_storable(page.requested_url or page.url),),
                )
                self._write_page(conn, page, None, outcome)
        except sqlite3.OperationalError as error:
            raise self._storage_error(error) from error

    def _write_page(
        self, conn: sqlite3.Connection, page: FetchedPage, article_id: int | None, outcome: str
    ) -> int:
        headers = json.dumps(page.headers, ensure_ascii=False)
        if _SURROGATE.search(headers):  # a file name or header of undecodable bytes: kept, \u-escaped
            headers = json.dumps(page.headers)
        values = {
            "url": _storable(page.requested_url or page.url),
            "article_id": article_id,
            "fetched_at": format_utc(page.fetched_at or datetime.now(UTC)),
            "status": page.status,
            "content_type": _storable(page.content_type),
            "charset": _storable(page.charset),
            "headers": headers,
            "body": zlib.compress(page.body, 6),
            "body_size": len(page.body),
            "sha256": hashlib.sha256(page.body).hexdigest(),
            "outcome": outcome,
        }
        if article_id is not None:  # the address gives an article now: its rejected page is history
            conn.execute("DELETE FROM pages WHERE url = ? AND article_id IS NULL", (values["url"],))
        cursor = conn.execute(
            f"INSERT INTO pages ({', '.join(values)}) VALUES ({', '.join('?' for _ in values)})",
            list(values.values()),
        )
        return cursor.lastrowid or 0

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
                        _storable(site),
                        _storable(url),
                        event,
                        _storable(reason),
                    ),
                )
        except sqlite3.OperationalError as error:
            raise self._storage_error(error) from error

    # -- reading ---------------------------------------------------------------------------------------

    def get(self, url: str) -> Article | None:
        return next(self.iter_articles("WHERE url = ?", [_storable(url)]), None)

    def knows(self, url: str) -> bool:
        """Whether the URL was fetched before: an article's URL, or a page kept under it (http and https
        count as one)."""
        return self._has(url, "articles", "pages")

    def has_article(self, url: str) -> bool:
        """Whether an article is stored under the URL (http and https count as one)."""
        return self._has(url, "articles")

    def _has(self, url: str, *tables: str) -> bool:
        url = _storable(url)  # as it was stored: a lone surrogate made U+FFFD
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
            f"SELECT {_PAGE_COLUMNS} FROM pages WHERE url = ? ORDER BY id DESC LIMIT 1", (url,)
        )
        row = next(rows_as_dicts(cursor), None)
        return _page_from_row(row) if row else None

    def reextractable_pages(
        self, *, sites: list[str] | None = None, since: str | datetime | None = None
    ) -> list[int]:
        """The ids of the raw pages that re-extraction reads: each article's latest version's page, and the
        pages that gave no article. ``sites`` filters articles by site (rejected pages by their address's
        site); ``since`` (a day or a moment, as --since takes them) by fetch time."""
        since = _since_utc(since)
        rows = self.db.execute(
            "SELECT p.id, p.url, a.site FROM pages p LEFT JOIN articles a ON a.id = p.article_id"
            " WHERE (p.article_id IS NULL OR p.id = a.page_id) AND (? IS NULL OR p.fetched_at >= ?)"
            " ORDER BY p.id",
            (since, since),
        ).fetchall()
        if not sites:
            return [row[0] for row in rows]
        wanted = set(sites)
        return [i for i, url, site in rows if (site or site_key_for_url(url)) in wanted]

    def pages_by_id(
        self, ids: list[int]
    ) -> Iterator[tuple[FetchedPage | UnreadablePage, dict[str, Any] | None]]:
        """Raw pages, each with the stored `articles` row it produced (None for a rejected page); a page
        that cannot be read back comes as an :class:`UnreadablePage` saying why."""
        for start in range(0, len(ids), 200):
            chunk = ids[start : start + 200]
            cursor = self.db.execute(
                f"SELECT {_PAGE_COLUMNS}, article_id FROM pages WHERE id IN ({', '.join('?' * len(chunk))})"
                " ORDER BY id",
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
                    page: FetchedPage | UnreadablePage = _page_from_row(row)
                except ValueError as error:
                    page = UnreadablePage(row["url"], str(error))
                yield page, articles.get(row["article_id"])

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
    ) -> list[Hit]:
        """Search the archive; the exact form of the words ranks before prefixed forms.

        Raises :class:`QueryError` for a query that cannot be run (with a message for the user).
        """
        parsed = parse_query(query, now=now)
        merge_options(parsed, site=site, since=since, until=until, author=author, now=now)
        expand_prefixes(parsed, self.db)
        if not 1 <= limit <= 1000:
            raise QueryError("limit must be between 1 and 1000")
        if not 0 <= offset <= MAX_OFFSET:  # each hit skipped is ranked first (and SQLite holds 64 bits)
            raise QueryError(f"offset must be between 0 and {MAX_OFFSET:,}")
        where, params = filter_sql(parsed)
        ranked = self._ranked(parsed, where, params, limit + offset)
        return [self._hit(row, parsed, exact=exact, score=score) for row, exact, score in ranked[offset:]]

    def matching_urls(self, query: str, *, now: datetime | None = None) -> list[str]:
        """Every article the query matches, best first (no limit): for evaluation and exports."""
        parsed = parse_query(query, now=now)
        expand_prefixes(parsed, self.db)
        where, params = filter_sql(parsed)
        return [row["url"] for row, _, _ in self._ranked(parsed, where, params, None)]

    def _ranked(
        self, parsed: ParsedQuery, where: str, params: list[Any], wanted: int | None
    ) -> list[tuple[dict[str, Any], bool, float]]:
        """(row, exact form?, score) best first: every hit of the exact forms, then the prefixed forms;
        phrases matched loosely by the index are checked word by word (the exact tier never is: its
        phrases are whole in the index)."""
        if not parsed.has_text:
            return [(row, True, 0.0) for row in self._filtered_only(where, params, wanted)]
        loose = any(t.needs_word_check for g in parsed.groups for t in g)
        out: list[tuple[dict[str, Any], bool, float]] = []
        seen: set[int] = set()
        for exact_only in (True, False):
            if wanted is not None and len(out) >= wanted:
                break
            check = loose and not exact_only
            fetch = None
            if wanted is not None:
                fetch = (wanted - len(out)) * (PHRASE_CHECK_FACTOR if check else 1) + len(seen)
            for row in self._match(parsed.match_expression(exact_only=exact_only), where, params, fetch):
                if row["id"] in seen or (check and not _phrases_hold(row, parsed)):
                    continue
                seen.add(row["id"])
                out.append((row, exact_only, -row["score"]))
                if wanted is not None and len(out) >= wanted:
                    break
        return out

    def _match(
        self, expression: str, where: str, params: list[Any], limit: int | None
    ) -> list[dict[str, Any]]:
        weights = ", ".join(str(w) for w in RANK_WEIGHTS)
        # Rank inside the index first and read the articles of the best only: a frequent word matches
        # tens of thousands of articles, and reading each one's row before the sort is most of the time.
        filtered = f" JOIN articles a ON a.id = {FTS_TABLE}.rowid WHERE {FTS_TABLE} MATCH ? AND {where}"
        ranked = (
            f"SELECT {FTS_TABLE}.rowid AS id, bm25({FTS_TABLE}, {weights}) AS score FROM {FTS_TABLE}"
            + (filtered if where else f" WHERE {FTS_TABLE} MATCH ?")
            + " ORDER BY score LIMIT ?"
        )
        sql = (
            f"SELECT {_HIT_COLUMNS}, r.score AS score,"
            f" (SELECT group_concat(i.caption, ' ') FROM images i WHERE i.article_id = a.id) AS captions"
            f" FROM ({ranked}) r JOIN articles a ON a.id = r.id ORDER BY r.score"
        )
        try:
            cursor = self.db.execute(sql, [expression, *params, -1 if limit is None else limit])
        except sqlite3.OperationalError as error:
            raise QueryError(f"the search engine could not run this query ({error})") from None
        return list(rows_as_dicts(cursor))

    def _filtered_only(self, where: str, params: list[Any], limit: int | None) -> list[dict[str, Any]]:
        cursor = self.db.execute(
            f"SELECT {_HIT_COLUMNS} FROM articles a {('WHERE ' + where) if where else ''}"
            " ORDER BY a.published DESC LIMIT ?",
            [*params, -1 if limit is None else limit],
        )
        return list(rows_as_dicts(cursor))

    def _hit(self, row: dict[str, Any], parsed: ParsedQuery, *, exact: bool, score: float) -> Hit:
        return Hit(
            url=row["url"],
            site=row["site"],
            headline=row["headline"],
            published=_local_iso(row["published"], row["published_offset"]),
            authors=json.loads(row["authors"] or "[]"),
            section=row["section"],
            snippet=snippet(
                row["body"] or row["subtitle"] or "",
                parsed.highlight_tokens(),
                prefixes=parsed.highlight_prefixes(),
            ),
            score=score,
            exact=exact,
        )

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

    def stats(self, *, since: str | None = None, until: str | None = None) -> Any:
        """Counts per site and per day, and field coverage per site (see :mod:`.reports`)."""
        from .reports import stats

        return stats(self, since=since, until=until)

    def export(self, fmt: str, out: Any, **filters: Any) -> int:
        """Write the articles (filtered by sites=, since=, until=, author=) as jsonl, csv or parquet."""
        from .reports import export, iter_export

        return export(iter_export(self, **filters), fmt, out)

    def close(self) -> None:
        self.db.conn.close()

    def __enter__(self) -> Archive:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


# -- records ---------------------------------------------------------------------------------------------


#: record fields that say how an article was extracted, not what it says
_NOT_CONTENT = frozenset({"provenance", "extractor_version"})


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


_PAGE_COLUMNS = "url, body, status, headers, fetched_at, charset"


#: the most a stored raw page may inflate to (pages are stored up to the 20 MB payload limit)
MAX_STORED_PAGE = 64 * 1024 * 1024


@dataclass(frozen=True)
class UnreadablePage:
    """A raw page of the archive that cannot be read back (its compressed bytes or its headers damaged)."""

    url: str
    reason: str


def _page_from_row(row: dict[str, Any]) -> FetchedPage:
    """The raw page of a `pages` row; ValueError saying what is damaged in the row."""
    inflater = zlib.decompressobj()
    try:
        body = inflater.decompress(row["body"] or b"", MAX_STORED_PAGE + 1)
    except (zlib.error, TypeError) as error:
        raise ValueError(f"its bytes do not inflate ({error})") from None
    if not inflater.eof or len(body) > MAX_STORED_PAGE:
        raise ValueError("its bytes are cut short, or inflate past 64 MB")
    try:
        headers = json.loads(row["headers"] or "{}")
    except (TypeError, json.JSONDecodeError) as error:
        raise ValueError(f"its headers are not JSON ({error})") from None
    if not isinstance(headers, dict):
        raise ValueError("its headers are not a JSON object")
    return FetchedPage(
        url=row["url"],
        body=body,
        status=row["status"],
        headers=headers,
        fetched_at=parse_utc(row["fetched_at"]),
        charset=row["charset"],
    )


def article_record(article: Article) -> dict[str, Any]:
    """The `articles` row of an article (without its id and store metadata)."""
    record: dict[str, Any] = {
        "url": article.url,
        "site": article.site,
        "headline": article.headline,
        "subtitle": article.subtitle,
        "authors": json.dumps(article.authors, ensure_ascii=False),
        "published": format_utc(article.published),
        "published_offset": _offset(article.published),
        "published_day": article.published.astimezone(ISRAEL).date().isoformat()
        if article.published
        else None,
        "updated": format_utc(article.updated),
        "updated_offset": _offset(article.updated),
        "body": article.body,
        "images": json.dumps([i.to_dict() for i in article.images], ensure_ascii=False),
        "section": article.section,
        "tags": json.dumps(article.tags, ensure_ascii=False),
        "language": article.language,
        "paywalled": int(article.paywalled),
        "provenance": json.dumps(article.provenance, ensure_ascii=False),
        "warnings": json.dumps(article.warnings, ensure_ascii=False),
        "extractor_version": EXTRACTOR_VERSION,
    }
    hashed = "".join(f"{key}\x1f{value}\x1e" for key, value in record.items() if key not in _NOT_CONTENT)
    record["content_hash"] = hashlib.sha256(hashed.encode()).hexdigest()[:32]
    return record


class DamagedArchive(sqlite3.DatabaseError):
    """A row of the archive that cannot be read back as it was written (a damaged file, or one changed by
    hand): which article, and what is wrong."""


def record_to_article(row: dict[str, Any]) -> Article:
    body = row.get("body") or ""
    try:
        return Article(
            url=row["url"],
            site=row["site"],
            headline=row.get("headline"),
            subtitle=row.get("subtitle"),
            authors=json.loads(row.get("authors") or "[]"),
            published=_from_utc(row.get("published"), row.get("published_offset")),
            updated=_from_utc(row.get("updated"), row.get("updated_offset")),
            paragraphs=[p for p in body.split("\n\n") if p],
            images=[Image(**i) for i in json.loads(row.get("images") or "[]")],
            section=row.get("section"),
            tags=json.loads(row.get("tags") or "[]"),
            language=row.get("language"),
            paywalled=bool(row.get("paywalled")),
            provenance=json.loads(row.get("provenance") or "{}"),
            warnings=json.loads(row.get("warnings") or "[]"),
        )
    except (TypeError, ValueError, AttributeError) as error:  # JSON that is not, or not of its shape
        raise DamagedArchive(f"the article {row.get('url')!r} is damaged in the archive ({error})") from None


def _phrases_hold(row: dict[str, Any], parsed: ParsedQuery) -> bool:
    """Check that each phrase the index matched loosely (Term.needs_word_check) really stands in a row."""
    text_tokens = tokens(
        " ".join(
            filter(None, [row.get("headline"), row.get("subtitle"), row.get("body"), row.get("captions")])
        )
    )
    for group in parsed.groups:
        if not any(not t.needs_word_check or contains_phrase(text_tokens, t.tokens) for t in group):
            return False
    return True


def merge_options(
    parsed: ParsedQuery, *, site: Any, since: Any, until: Any, author: Any, now: datetime | None
) -> None:
    """Add the filters given as options (the CLI's --site, --since...) to those written in the query. An
    empty --since, --until or --author is a mistake (a QueryError), not a filter left out."""
    if site:
        parsed.filters.setdefault("site", []).extend([site] if isinstance(site, str) else list(site))
    if author is not None:
        if not str(author).strip():
            raise QueryError("--author needs a name (or part of one)")
        parsed.filters.setdefault("author", []).append(author)
    if since is not None:
        parsed.since = since if isinstance(since, datetime) else parse_day_filter(str(since), now=now)
    if until is not None:
        parsed.until = (
            until if isinstance(until, datetime) else parse_day_filter(str(until), end_of_day=True, now=now)
        )
    check_range(parsed)


#: the escape character of the LIKE patterns made from user text
LIKE_ESCAPE = "\\"


def like_literal(value: str) -> str:
    """``value`` as literal text inside a LIKE pattern with ``ESCAPE LIKE_ESCAPE``: its % and _ (LIKE's
    wildcards) and the escape character itself match only themselves (author:% finds the names that hold
    a %, not every name)."""
    return "".join(LIKE_ESCAPE + c if c in ("%", "_", LIKE_ESCAPE) else c for c in value)


def filter_sql(parsed: ParsedQuery) -> tuple[str, list[Any]]:
    clauses: list[str] = []
    params: list[Any] = []
    for name, values in parsed.filters.items():
        if name == "site":
            clauses.append(f"a.site IN ({', '.join('?' for _ in values)})")
            params += values
        elif name == "author":
            for value in values:
                clauses.append(
                    "EXISTS (SELECT 1 FROM authors w WHERE w.article_id = a.id"
                    f" AND w.name LIKE ? ESCAPE '{LIKE_ESCAPE}')"
                )
                params.append(f"%{like_literal(value)}%")
        elif name == "section":
            clauses.append(f"a.section IN ({', '.join('?' for _ in values)})")
            params += values
        elif name == "tag":
            for value in values:
                clauses.append("EXISTS (SELECT 1 FROM json_each(a.tags) t WHERE t.value = ?)")
                params.append(value)
        elif name == "lang":
            clauses.append(f"a.language IN ({', '.join('?' for _ in values)})")
            params += values
    if parsed.since is not None:
        clauses.append("a.published >= ?")
        params.append(format_utc(parsed.since))
    if parsed.until is not None:
        clauses.append("a.published <= ?")
        params.append(format_utc(parsed.until))
    return " AND ".join(clauses), params


def other_scheme(url: str) -> str:
    """The address with the other web scheme (http for https): the archive counts both as one."""
    if url.startswith("https://"):
        return "http://" + url[len("https://") :]
    if url.startswith("http://"):
        return "https://" + url[len("http://") :]
    return url


def _since_utc(since: str | datetime | None) -> str | None:
    """A --since value (a day or a moment, as the commands take them) as the archive writes times."""
    return format_utc(parse_day_filter(since) if isinstance(since, str) else since)


def _offset(value: datetime | None) -> str | None:
    if value is None:
        return None
    return value.isoformat()[-6:] if value.utcoffset() is not None else None


def _from_utc(value: str | None, offset: str | None) -> datetime | None:
    moment = parse_utc(value)
    if moment is not None and offset:
        moment = moment.astimezone(datetime.fromisoformat("2000-01-01T00:00:00" + offset).tzinfo)
    return moment


def _local_iso(value: str | None, offset: str | None) -> str | None:
    moment = _from_utc(value, offset)
    return moment.isoformat() if moment else None
