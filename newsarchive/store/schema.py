"""The archive's schema and its migrations. The schema version is SQLite's ``PRAGMA user_version``."""

from __future__ import annotations

import sqlite3
import warnings
from collections.abc import Callable

import sqlite_utils

from .batches import write_transaction
from .hebrew import index_token_source
from .search_index import rebuild_index


def _v1(db: sqlite_utils.Database) -> None:
    """The first schema: articles, raw pages, the crawl log and the search index."""
    _v1_articles(db)
    _v1_pages(db)
    db["crawl_log"].create(
        {"id": int, "at": str, "crawl": str, "site": str, "url": str, "event": str, "reason": str},
        pk="id",
    )
    db["crawl_log"].create_index(["crawl"])
    db["crawl_log"].create_index(["event"])
    tokenizer = "unicode61 remove_diacritics 2"
    db.execute(f"CREATE VIRTUAL TABLE articles_fts USING fts5(headline, text, tokenize = '{tokenizer}')")


def _v1_articles(db: sqlite_utils.Database) -> None:
    """Articles, with their authors and pictures also one row each (for facets and lookups)."""
    db["articles"].create(
        {
            "id": int,
            "url": str,
            "site": str,
            "headline": str,
            "subtitle": str,
            "authors": str,  # JSON list, page order (also one row each in `authors`)
            "published": str,  # UTC, ISO 8601 with Z: sorts as text
            "published_offset": str,  # the page's own UTC offset, "+03:00"
            "published_day": str,  # the day in Israel, for grouping and facets
            "updated": str,
            "updated_offset": str,
            "body": str,
            "images": str,  # JSON list of {src, caption, credit} (also one row each in `images`)
            "section": str,
            "tags": str,  # JSON list
            "language": str,
            "paywalled": int,
            "provenance": str,  # JSON: which extraction layer produced each field
            "warnings": str,  # JSON list
            "extractor_version": str,
            "fetched_at": str,
            "stored_at": str,
            "content_hash": str,
        },
        pk="id",
        not_null={"url", "site"},
    )
    db["articles"].create_index(["url"], unique=True)
    db["articles"].create_index(["site", "published"])
    db["articles"].create_index(["published"])
    db["authors"].create(
        {"article_id": int, "position": int, "name": str},
        pk=("article_id", "position"),
        foreign_keys=[("article_id", "articles", "id")],
    )
    db["authors"].create_index(["name"])
    db["images"].create(
        {"article_id": int, "position": int, "src": str, "caption": str, "credit": str},
        pk=("article_id", "position"),
        foreign_keys=[("article_id", "articles", "id")],
    )
    db["images"].create_index(["credit"])


def _v1_pages(db: sqlite_utils.Database) -> None:
    """Raw pages as fetched, with the article each gave or the reason it gave none."""
    db["pages"].create(
        {
            "id": int,
            "url": str,
            "article_id": int,
            "fetched_at": str,
            "status": int,
            "content_type": str,
            "charset": str,
            "headers": str,  # JSON object
            "body": bytes,  # zlib-compressed response body, as received
            "body_size": int,
            "sha256": str,
            "outcome": str,  # "article" or the reason it is not one
        },
        pk="id",
        foreign_keys=[("article_id", "articles", "id")],
    )
    db["pages"].create_index(["url"], unique=True)


def _v2(db: sqlite_utils.Database) -> None:
    """Version 1 indexed every word next to its prefix-stripped forms; version 2 indexes each word once,
    as stem + mark + prefix (hebrew.index_form), with FTS5's ascii tokenizer. The index is built again from
    the stored articles."""
    rebuild_index(db.conn)


#: the fields each version of an article keeps (besides its number, page and article)
VERSION_COLUMNS = (
    "fetched_at", "stored_at", "headline", "subtitle", "body", "authors", "images", "section", "tags",
    "published", "published_offset", "updated", "updated_offset", "content_hash", "extractor_version",
)  # fmt: skip


def _v3(db: sqlite_utils.Database) -> None:
    """Revisions: the `articles` row is the latest version (with its raw page, `page_id`); each version it
    replaced is kept in `versions` with its fields, fetch time and page; `article_versions` shows both. A URL
    may have a page per version."""
    db["versions"].create(
        {
            "id": int,
            "article_id": int,
            "version": int,
            "page_id": int,
            **{name: str for name in VERSION_COLUMNS},
        },
        pk="id",
        foreign_keys=[("article_id", "articles", "id"), ("page_id", "pages", "id")],
    )
    db["versions"].create_index(["article_id", "version"], unique=True)
    db["versions"].create_index(["fetched_at"])
    db["articles"].add_column("version", int)
    db["articles"].add_column("checked_at", str)
    db["articles"].add_column("page_id", int)
    db.execute(
        "UPDATE articles SET version = 1, checked_at = coalesce(fetched_at, stored_at),"
        " page_id = (SELECT max(p.id) FROM pages p WHERE p.article_id = articles.id)"
    )
    db.execute("DROP INDEX IF EXISTS idx_pages_url")
    db["pages"].create_index(["url"])
    db["pages"].create_index(["article_id"])
    columns = ", ".join(VERSION_COLUMNS)
    db.execute(
        f"CREATE VIEW article_versions AS SELECT article_id, version, page_id, {columns} FROM versions"
        f" UNION ALL SELECT id, coalesce(version, 1), page_id, {columns} FROM articles"
    )


def _v4(db: sqlite_utils.Database) -> None:
    """The lexicon reads fewer words as prefix + word (LEXICALIZED, infinitives, the ה threshold): the
    search index is built again, since its tokens carry the lexicon's readings."""
    rebuild_index(db.conn)


def _v5(db: sqlite_utils.Database) -> None:
    """The archive's own settings, `archive_meta` (key, value); `index_tokens` names what made the search
    index's tokens (hebrew.index_token_source), so that an index made under other rules or another wordfreq
    is built again rather than searched with tokens it does not hold."""
    db["archive_meta"].create({"key": str, "value": str}, pk="key", if_not_exists=True)


def _v6(db: sqlite_utils.Database) -> None:
    """Each raw page says which extractor version last read it (`pages.extractor_version`), so that
    re-extraction picks the pages older rules read. A page that gave an article takes that article's (or
    that version's) extractor version; a rejected page's is unknown (NULL), which counts as older."""
    if "extractor_version" not in db["pages"].columns_dict:
        db["pages"].add_column("extractor_version", str)
    db.execute(
        "UPDATE pages SET extractor_version = coalesce("
        " (SELECT a.extractor_version FROM articles a WHERE a.page_id = pages.id),"
        " (SELECT v.extractor_version FROM versions v WHERE v.page_id = pages.id))"
        " WHERE extractor_version IS NULL AND article_id IS NOT NULL"
    )


def _v7(db: sqlite_utils.Database) -> None:
    """`imported_files`: each web-archive file an import finished, known by its mark (store.imported), so
    that running the same import again passes it by. ``selection`` is what was taken from it (the known news
    sites, or every mostly Hebrew page): the same file read for more is not passed by."""
    db["imported_files"].create(
        {
            "mark": str, "selection": str, "name": str, "size": int, "finished": str,
            "stored": int, "skipped": int, "damaged": int,
        },
        pk=("mark", "selection"),
        if_not_exists=True,
    )  # fmt: skip


def _v8(db: sqlite_utils.Database) -> None:
    """Near-duplicate stories (store.dedup): the articles whose body is not yet compared (marked by
    triggers, whatever path writes them: a store, a re-extraction, a merge), each article's MinHash signature,
    its LSH band keys (candidates found by SQL), the pairs found similar and the group of each article that
    has a near-duplicate (its first-published member's id)."""
    db.execute("CREATE TABLE IF NOT EXISTS dedup_pending (article_id INTEGER PRIMARY KEY)")
    db.execute("INSERT OR IGNORE INTO dedup_pending (article_id) SELECT id FROM articles")
    mark = "BEGIN INSERT OR IGNORE INTO dedup_pending (article_id) VALUES ({}.id); END"
    db.execute(f"CREATE TRIGGER IF NOT EXISTS dedup_new AFTER INSERT ON articles {mark.format('new')}")
    db.execute(
        "CREATE TRIGGER IF NOT EXISTS dedup_changed AFTER UPDATE OF body ON articles"
        f" WHEN new.body IS NOT old.body {mark.format('new')}"
    )
    db.execute(f"CREATE TRIGGER IF NOT EXISTS dedup_gone AFTER DELETE ON articles {mark.format('old')}")
    db.execute(
        "CREATE TABLE IF NOT EXISTS dedup_signatures (article_id INTEGER PRIMARY KEY, signature BLOB,"
        " digest INTEGER)"
    )
    db.execute("CREATE INDEX IF NOT EXISTS dedup_signatures_digest ON dedup_signatures (digest)")
    db.execute(
        "CREATE TABLE IF NOT EXISTS dedup_bands (key INTEGER, article_id INTEGER,"
        " PRIMARY KEY (key, article_id)) WITHOUT ROWID"
    )
    db.execute(
        "CREATE TABLE IF NOT EXISTS dedup_pairs (first INTEGER, second INTEGER, similarity REAL,"
        " PRIMARY KEY (first, second)) WITHOUT ROWID"
    )
    db.execute("CREATE INDEX IF NOT EXISTS dedup_pairs_second ON dedup_pairs (second)")
    db.execute("CREATE TABLE IF NOT EXISTS dedup_groups (article_id INTEGER PRIMARY KEY, group_id INTEGER)")
    db.execute("CREATE INDEX IF NOT EXISTS dedup_groups_group ON dedup_groups (group_id)")


#: Migration n brings a database from version n to n + 1. Never edit a released one: add the next.
MIGRATIONS: list[Callable[[sqlite_utils.Database], None]] = [_v1, _v2, _v3, _v4, _v5, _v6, _v7, _v8]
SCHEMA_VERSION = len(MIGRATIONS)
#: migrations that only build the search index again: however many are pending, it is built once, last
INDEX_REBUILDS = frozenset({_v2, _v4})
INDEX_TOKENS_KEY = "index_tokens"


def migrate(db: sqlite_utils.Database) -> int:
    """Bring the database to the current schema, and its search index to the current index tokens (built
    again when they were made by other rules or word frequencies); returns the schema version it was at.
    All or nothing: an interrupted upgrade leaves the archive as it was."""
    version, made_by = _state(db)
    if is_current(version, made_by):
        return version
    # The write lock first, then look again: of two processes opening an old archive, one upgrades it.
    # (sqlite-utils nests its own steps in the transaction as savepoints.)
    with write_transaction(db.conn):
        version, made_by = _state(db)
        if not is_current(version, made_by):
            _upgrade(db, version, made_by)
    return version


def _state(db: sqlite_utils.Database) -> tuple[int, str | None]:
    version, made_by = state_of(db.conn)
    if version > SCHEMA_VERSION:
        raise RuntimeError(
            f"the archive has schema version {version}, newer than this newsarchive knows ({SCHEMA_VERSION}):"
            " upgrade newsarchive"
        )
    return version, made_by


def state_of(conn: sqlite3.Connection) -> tuple[int, str | None]:
    """An archive's schema version and what made its search index's tokens (see :func:`is_current`)."""
    return conn.execute("PRAGMA user_version").fetchone()[0], index_tokens_of(conn)


def _upgrade(db: sqlite_utils.Database, version: int, made_by: str | None) -> None:
    pending = MIGRATIONS[version:]
    current = index_token_source()
    rebuild = bool(INDEX_REBUILDS.intersection(pending)) or made_by != current
    articles = db["articles"].count if rebuild and db["articles"].exists() else 0
    if articles:  # minutes on a large archive: say why it is busy
        if made_by is not None and made_by != current:
            why = f"its tokens were made by {made_by}, this newsarchive makes them by {current}"
        else:
            why = f"the archive's schema goes from version {version} to {SCHEMA_VERSION}"
        warnings.warn(
            f"building the search index of {articles:,} article{'s' if articles != 1 else ''} again ({why});"
            " on a large archive this takes minutes",
            stacklevel=3,
        )
    for step in pending:
        if step not in INDEX_REBUILDS:
            step(db)
    if rebuild:
        rebuild_index(db.conn)
    db.execute("INSERT OR REPLACE INTO archive_meta (key, value) VALUES (?, ?)", (INDEX_TOKENS_KEY, current))
    db.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")


def is_current(version: int, made_by: str | None) -> bool:
    """Whether an archive at this schema version, its index made by ``made_by``, needs no migration."""
    return version >= SCHEMA_VERSION and made_by == index_token_source()


def index_tokens_of(conn: sqlite3.Connection) -> str | None:
    """What made the search index's tokens of this archive, as recorded (None before schema version 5)."""
    try:
        row = conn.execute("SELECT value FROM archive_meta WHERE key = ?", (INDEX_TOKENS_KEY,)).fetchone()
    except sqlite3.OperationalError:  # no archive_meta yet
        return None
    return row[0] if row else None
