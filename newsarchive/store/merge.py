"""Merging archives built apart (per machine, per site, per year, the shards of a batch job) into one.

Each shard is attached to the output archive and copied in with ``INSERT ... SELECT``, in one write
transaction per shard: a merge stopped at any moment leaves the output as it was after the last shard it
finished, and running it again completes it (a shard merged twice adds nothing). An article held by both
sides (the same address; an http:// address is its https:// twin, as the store counts them) keeps one
history: both sides' versions in fetch order, a version both hold once, and a later fetch that says the same
as the version before it no new version (as storing the fetches one by one would do). Raw pages are kept once
(the same address, bytes and fetch time are the same page); of the pages that gave no article, the newest of
an address is kept, unless an article page of that address was fetched later. The search index rows are
copied with their articles: every shard is first brought to this newsarchive's schema and index rules (an
older shard is upgraded in a copy, its index built again; the shard itself is never written).
"""

from __future__ import annotations

import json
import os
import sqlite3
import tempfile
from collections import defaultdict
from collections.abc import Callable, Iterator, Sequence
from contextlib import closing, contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import sqlite_utils

from .archive_file import check_archive_file, readonly_uri
from .batches import insert_rows, write_transaction
from .revisions import changed_fields, content_of
from .schema import SCHEMA_VERSION, VERSION_COLUMNS, is_current, migrate, state_of
from .search_index import FTS_TABLE, index_columns

#: the address with the other web scheme, in SQL (records.other_scheme)
_OTHER_SCHEME = (
    "CASE WHEN substr({0}, 1, 8) = 'https://' THEN 'http://' || substr({0}, 9)"
    " WHEN substr({0}, 1, 7) = 'http://' THEN 'https://' || substr({0}, 8) ELSE {0} END"
)
_VERSIONS = ", ".join(VERSION_COLUMNS)


class MergeError(ValueError):
    """Archives that cannot be merged as given; nothing was written. ``used_wrongly``: the command was
    given the wrong files (a missing shard, the output among the shards, a shard named twice), rather than
    files that cannot be read as archives (damaged, or of a newer newsarchive)."""

    def __init__(self, message: str, *, used_wrongly: bool = False) -> None:
        super().__init__(message)
        self.used_wrongly = used_wrongly


@dataclass
class ShardReport:
    """What merging one shard added to the output."""

    shard: str
    articles_new: int = 0
    articles_revised: int = 0  # articles the output held that got versions of this shard
    versions_added: int = 0
    pages_added: int = 0
    duplicates_skipped: int = 0  # versions the output held already (or fetches that changed nothing)
    upgraded_from: int | None = None  # the shard's schema version, when it was upgraded (in a copy)


@dataclass
class MergeReport:
    out: str
    shards: list[ShardReport] = field(default_factory=list)
    articles: int = 0  # in the output, after the merge

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def merge_archives(
    out: str | Path,
    shards: Sequence[str | Path],
    *,
    on_progress: Callable[[int, int, ShardReport], None] | None = None,
) -> MergeReport:
    """Merge the shard archives into ``out`` (created when missing), one write transaction per shard.
    Every shard is checked (an archive, undamaged, not newer than this newsarchive) before anything is
    written. ``on_progress(done, total, report)`` is called after each shard is committed."""
    out_path, paths = _checked_paths(Path(out), [Path(s) for s in shards])
    for path in paths:
        _check_readable(path)
    if out_path.exists() and out_path.stat().st_size:
        _check_readable(out_path)
    report = MergeReport(str(out_path))
    with closing(_open_out(out_path)) as conn, tempfile.TemporaryDirectory(dir=out_path.parent) as work:
        for done, path in enumerate(paths, 1):
            with _current(path, Path(work)) as (source, upgraded_from):
                shard_report = _merge_shard(conn, source, ShardReport(str(path), upgraded_from=upgraded_from))
            report.shards.append(shard_report)
            if on_progress is not None:
                on_progress(done, len(paths), shard_report)
        report.articles = conn.execute("SELECT count(*) FROM articles").fetchone()[0]
    return report


def _checked_paths(out: Path, shards: list[Path]) -> tuple[Path, list[Path]]:
    if not shards:
        raise MergeError("name at least one archive to merge", used_wrongly=True)
    seen: dict[Path, Path] = {}
    for shard in shards:
        if not shard.is_file():
            what = "is a folder, not an archive" if shard.is_dir() else "does not exist"
            raise MergeError(f"{shard} {what}", used_wrongly=True)
        if out.exists() and os.path.samefile(shard, out):
            raise MergeError(f"{shard} is the archive merged into: name it once, as OUT", used_wrongly=True)
        twin = next((other for other in seen if os.path.samefile(other, shard)), None)
        if twin is not None:
            raise MergeError(f"{shard} is named twice (as {seen[twin]} too)", used_wrongly=True)
        seen[shard.resolve()] = shard
    return out, list(seen.values())


def _check_readable(path: Path) -> None:
    """An archive, undamaged, of a schema this newsarchive knows; NotAnArchive or MergeError."""
    try:
        check_archive_file(path, creating=False)  # reads the schema: damaged pages there raise too
        with closing(sqlite3.connect(readonly_uri(path), uri=True)) as conn:
            problems = [row[0] for row in conn.execute("PRAGMA quick_check(5)")]
            version, _ = state_of(conn)
    except sqlite3.DatabaseError as error:
        raise MergeError(f"{path} cannot be read as an archive: {error} (nothing was merged)") from None
    if problems != ["ok"]:
        raise MergeError(f"{path} is damaged ({'; '.join(problems)}): nothing was merged")
    if version > SCHEMA_VERSION:
        raise MergeError(
            f"{path} has schema version {version}, newer than this newsarchive knows ({SCHEMA_VERSION}):"
            " upgrade newsarchive (nothing was merged)"
        )


def _open_out(path: Path) -> sqlite3.Connection:
    """The output archive, created or brought to the current schema, on a connection that can attach."""
    path.parent.mkdir(parents=True, exist_ok=True)
    check_archive_file(path, creating=True)
    with closing(sqlite3.connect(path)) as conn:
        db = sqlite_utils.Database(conn)
        db.enable_wal()
        migrate(db)
    conn = sqlite3.connect(path.resolve().as_uri(), uri=True, isolation_level=None)
    conn.execute("PRAGMA busy_timeout = 30000")
    conn.execute("PRAGMA foreign_keys = ON")
    conn.execute("PRAGMA synchronous = NORMAL")
    conn.execute("PRAGMA cache_size = -65536")
    return conn


@contextmanager
def _current(path: Path, work: Path) -> Iterator[tuple[Path, int | None]]:
    """The shard at this newsarchive's schema and index rules: itself, or an upgraded copy of it (an index
    made by other rules is built again there, never copied row by row)."""
    with closing(sqlite3.connect(readonly_uri(path), uri=True)) as conn:
        version, made_by = state_of(conn)
        if is_current(version, made_by):
            yield path, None
            return
        copy = work / f"upgraded-{len(list(work.iterdir()))}.db"
        with closing(sqlite3.connect(copy)) as target:
            conn.backup(target)
    with closing(sqlite3.connect(copy)) as target:
        migrate(sqlite_utils.Database(target))
    try:
        yield copy, version
    finally:
        copy.unlink(missing_ok=True)


def _merge_shard(conn: sqlite3.Connection, source: Path, report: ShardReport) -> ShardReport:
    conn.execute("ATTACH DATABASE ? AS shard", (readonly_uri(source),))
    try:
        with write_transaction(conn):
            _map_articles(conn)
            overlaps = _plan_overlaps(conn, report)
            _map_pages(conn)
            _copy_new_articles(conn, report)
            _rewrite(conn, overlaps)
            _merge_rejected(conn, report)
            _copy_log(conn)
            for table in ("article_map", "page_map", "skip_pages", "rewritten", "shard_latest"):
                conn.execute(f"DROP TABLE temp.{table}")
    finally:
        conn.execute("DETACH DATABASE shard")
    return report


def _map_articles(conn: sqlite3.Connection) -> None:
    """temp.article_map: each shard article's id in the output (the article of the same address there,
    or a new id after the last), and whether it is new."""
    other = _OTHER_SCHEME.format("s.url")
    conn.execute("CREATE TEMP TABLE article_map (shard_id INTEGER PRIMARY KEY, out_id INTEGER, new INTEGER)")
    conn.execute("CREATE TEMP TABLE skip_pages (id INTEGER PRIMARY KEY)")
    conn.execute("CREATE TEMP TABLE rewritten (out_id INTEGER PRIMARY KEY)")
    conn.execute("CREATE TEMP TABLE shard_latest (out_id INTEGER PRIMARY KEY, shard_id INTEGER)")
    conn.execute(
        "WITH matched AS (SELECT s.id AS shard_id, coalesce("
        " (SELECT o.id FROM main.articles o WHERE o.url = s.url),"
        f" (SELECT o.id FROM main.articles o WHERE o.url = {other}"
        f"  AND NOT EXISTS (SELECT 1 FROM shard.articles t WHERE t.url = {other}))) AS out_id"
        " FROM shard.articles s)"
        " INSERT INTO temp.article_map SELECT shard_id,"
        " coalesce(out_id, (SELECT coalesce(max(id), 0) FROM main.articles)"
        "  + row_number() OVER (PARTITION BY out_id IS NULL ORDER BY shard_id)), out_id IS NULL FROM matched"
    )


def _map_pages(conn: sqlite3.Connection) -> None:
    """temp.page_map: each shard page of an article (but those of versions not kept) and its id in the
    output: the same page there (address, bytes and fetch time), or a new id."""
    conn.execute("CREATE TEMP TABLE page_map (shard_id INTEGER PRIMARY KEY, out_id INTEGER, new INTEGER)")
    conn.execute(
        "WITH matched AS (SELECT p.id AS shard_id, (SELECT o.id FROM main.pages o WHERE o.url = p.url"
        "  AND o.article_id IS NOT NULL AND o.sha256 IS p.sha256 AND o.fetched_at IS p.fetched_at) AS out_id"
        " FROM shard.pages p WHERE p.article_id IS NOT NULL AND p.id NOT IN (SELECT id FROM temp.skip_pages))"
        " INSERT INTO temp.page_map SELECT shard_id,"
        " coalesce(out_id, (SELECT coalesce(max(id), 0) FROM main.pages)"
        "  + row_number() OVER (PARTITION BY out_id IS NULL ORDER BY shard_id)), out_id IS NULL FROM matched"
    )


def _columns(conn: sqlite3.Connection, table: str, leaving: tuple[str, ...]) -> list[str]:
    return [row[1] for row in conn.execute(f"PRAGMA main.table_info({table})") if row[1] not in leaving]


def _copy_new_articles(conn: sqlite3.Connection, report: ShardReport) -> None:
    """The shard's new articles with their pages, versions, authors, pictures and index rows."""
    new = "JOIN temp.article_map m ON m.shard_id = {0} AND m.new"
    article = _columns(conn, "articles", ("id", "page_id"))
    conn.execute(
        f"INSERT INTO main.articles (id, page_id, {', '.join(article)})"
        f" SELECT m.out_id, pm.out_id, {', '.join('a.' + c for c in article)} FROM shard.articles a"
        f" {new.format('a.id')} LEFT JOIN temp.page_map pm ON pm.shard_id = a.page_id"
    )
    report.articles_new = conn.execute("SELECT changes()").fetchone()[0]
    page = _columns(conn, "pages", ("id", "article_id"))
    conn.execute(
        f"INSERT INTO main.pages (id, article_id, {', '.join(page)})"
        f" SELECT pm.out_id, m.out_id, {', '.join('p.' + c for c in page)} FROM shard.pages p"
        " JOIN temp.page_map pm ON pm.shard_id = p.id AND pm.new"
        " JOIN temp.article_map m ON m.shard_id = p.article_id"
    )
    report.pages_added += conn.execute("SELECT changes()").fetchone()[0]
    conn.execute(
        f"INSERT INTO main.versions (article_id, version, page_id, {_VERSIONS})"
        f" SELECT m.out_id, v.version, pm.out_id, {', '.join('v.' + c for c in VERSION_COLUMNS)}"
        f" FROM shard.versions v {new.format('v.article_id')}"
        " LEFT JOIN temp.page_map pm ON pm.shard_id = v.page_id"
    )
    report.versions_added += conn.execute("SELECT changes()").fetchone()[0] + report.articles_new
    conn.execute(
        "INSERT INTO main.authors (article_id, position, name) SELECT m.out_id, x.position, x.name"
        f" FROM shard.authors x {new.format('x.article_id')}"
    )
    conn.execute(
        "INSERT INTO main.images (article_id, position, src, caption, credit)"
        " SELECT m.out_id, x.position, x.src, x.caption, x.credit"
        f" FROM shard.images x {new.format('x.article_id')}"
    )
    conn.execute(
        f"INSERT INTO main.{FTS_TABLE} (rowid, headline, text) SELECT m.out_id, f.headline, f.text"
        f" FROM shard.{FTS_TABLE} f {new.format('f.rowid')}"
    )


@dataclass
class _Overlap:
    """An article both sides hold: its ids, and the versions its merged history keeps, oldest first (each
    a row of either side: ``side`` "out" or "shard"; ``latest`` when it is that side's `articles` row)."""

    out_id: int
    shard_id: int
    kept: list[dict[str, Any]]
    dropped_pages: list[int]  # the output's pages of versions not kept
    checked_at: str | None


#: articles both sides hold whose histories are read at a time (a re-run after a kill meets a whole shard)
OVERLAP_BATCH = 2000


def _plan_overlaps(conn: sqlite3.Connection, report: ShardReport) -> list[_Overlap]:
    """The merged history of each article both sides hold, read batch by batch; the shard's pages of
    versions it does not keep go to temp.skip_pages. Only articles whose history changes are returned (and
    hold their versions in memory); the others get their check time."""
    pairs = conn.execute("SELECT shard_id, out_id FROM temp.article_map WHERE NOT new").fetchall()
    overlaps, skipped, checks = [], [], []
    for start in range(0, len(pairs), OVERLAP_BATCH):
        batch = pairs[start : start + OVERLAP_BATCH]
        span = (batch[0][0], batch[-1][0])
        ours, theirs = _histories(conn, "main", "out_id", span), _histories(conn, "shard", "shard_id", span)
        for shard_id, out_id in batch:
            out_rows = [row | {"side": "out"} for row in ours[out_id]]
            shard_rows = [row | {"side": "shard"} for row in theirs[shard_id]]
            kept = _joined(out_rows, shard_rows)
            from_shard = [row for row in kept if row["side"] == "shard"]
            report.duplicates_skipped += len(shard_rows) - len(from_shard)
            skipped += [row["page_id"] for row in shard_rows if row not in from_shard and row["page_id"]]
            seen = [
                r[name] for r in out_rows + shard_rows for name in ("checked_at", "fetched_at") if r[name]
            ]
            checked = max(seen, default=None)  # the last fetch of the article, on either side
            if kept == out_rows:
                checks.append((checked, out_id))
                continue
            report.articles_revised += bool(from_shard)
            report.versions_added += len(from_shard)
            dropped = [row["page_id"] for row in out_rows if row not in kept and row["page_id"]]
            overlaps.append(_Overlap(out_id, shard_id, kept, dropped, checked))
    conn.executemany("UPDATE main.articles SET checked_at = ? WHERE id = ?", checks)
    insert_rows(conn, "skip_pages", ["id"], [[page] for page in set(skipped)])
    return overlaps


def _histories(
    conn: sqlite3.Connection, schema: str, key: str, span: tuple[int, int]
) -> dict[int, list[dict[str, Any]]]:
    """Every version of one side's articles that the other side holds too (of the shard's ids in
    ``span``), by the side's article id, oldest first."""
    columns = ", ".join(f"x.{c}" for c in VERSION_COLUMNS)
    among = "AND NOT m.new AND m.shard_id BETWEEN ? AND ?"
    cursor = conn.execute(
        f"SELECT x.article_id AS article, x.version, x.page_id, {columns}, NULL AS checked_at, 0 AS latest"
        f" FROM {schema}.versions x JOIN temp.article_map m ON m.{key} = x.article_id {among}"
        f" UNION ALL SELECT x.id, coalesce(x.version, 1), x.page_id, {columns}, x.checked_at, 1"
        f" FROM {schema}.articles x JOIN temp.article_map m ON m.{key} = x.id {among}"
        " ORDER BY 1, 2",
        (*span, *span),
    )
    names = [d[0] for d in cursor.description]
    found: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for values in cursor:
        row = dict(zip(names, values, strict=True))
        found[row.pop("article")].append(row)
    return found


def _joined(ours: list[dict[str, Any]], theirs: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Both histories in fetch order, each version kept only when it changed since the one kept before it
    (revisions.changed_fields, as the store judges a new fetch): so a version both sides hold is kept
    once, and a fetch that said nothing new is none. At the same fetch time the output's comes first."""
    kept: list[dict[str, Any]] = []
    for row in sorted(ours + theirs, key=lambda row: row["fetched_at"] or ""):
        if not kept or changed_fields(content_of(kept[-1]), content_of(row)):
            kept.append(row)
    return kept


def _rewrite(conn: sqlite3.Connection, overlaps: list[_Overlap]) -> None:
    """The merged histories: each article's versions, its `articles` row (the latest), the parts of that
    row (authors, pictures, index), and the output's pages of versions no longer kept dropped; in a few
    statements for all of them."""
    pages = dict(
        conn.execute(
            "SELECT pm.shard_id, pm.out_id FROM temp.page_map pm JOIN shard.pages p ON p.id = pm.shard_id"
            " JOIN temp.article_map m ON m.shard_id = p.article_id AND NOT m.new"
        )
    )

    def page_id(row: dict[str, Any]) -> int | None:
        return row["page_id"] if row["side"] == "out" else pages.get(row["page_id"])

    insert_rows(conn, "rewritten", ["out_id"], [[o.out_id] for o in overlaps])
    conn.execute("DELETE FROM main.versions WHERE article_id IN (SELECT out_id FROM temp.rewritten)")
    insert_rows(
        conn,
        "versions",
        ["article_id", "version", "page_id", *VERSION_COLUMNS],
        [
            [o.out_id, n, page_id(row), *(row[c] for c in VERSION_COLUMNS)]
            for o in overlaps
            for n, row in enumerate(o.kept[:-1], 1)
        ],
    )
    from_shard = [
        [o.out_id, o.shard_id] for o in overlaps if o.kept[-1]["side"] == "shard" and o.kept[-1]["latest"]
    ]
    insert_rows(conn, "shard_latest", ["out_id", "shard_id"], from_shard)
    _latest_from_shard(conn)
    for o in overlaps:
        if not o.kept[-1]["latest"]:
            _latest_from_version(conn, o.out_id, o.kept[-1])
    conn.executemany(
        "UPDATE main.articles SET version = ?, page_id = ?, checked_at = ? WHERE id = ?",
        [(len(o.kept), page_id(o.kept[-1]), o.checked_at, o.out_id) for o in overlaps],
    )
    conn.executemany("DELETE FROM main.pages WHERE id = ?", [(p,) for o in overlaps for p in o.dropped_pages])


def _latest_from_shard(conn: sqlite3.Connection) -> None:
    """The shard's `articles` rows over the output's of temp.shard_latest (each keeps its id and address),
    with their parts."""
    columns = _columns(conn, "articles", ("id", "url", "version", "page_id", "checked_at"))
    conn.execute(
        f"UPDATE main.articles SET {', '.join(f'{c} = s.{c}' for c in columns)}"
        " FROM temp.shard_latest l JOIN shard.articles s ON s.id = l.shard_id WHERE articles.id = l.out_id"
    )
    for table, parts in (("authors", "position, name"), ("images", "position, src, caption, credit")):
        conn.execute(f"DELETE FROM main.{table} WHERE article_id IN (SELECT out_id FROM temp.shard_latest)")
        conn.execute(
            f"INSERT INTO main.{table} (article_id, {parts}) SELECT l.out_id, {parts}"
            f" FROM shard.{table} x JOIN temp.shard_latest l ON l.shard_id = x.article_id"
        )
    conn.execute(f"DELETE FROM main.{FTS_TABLE} WHERE rowid IN (SELECT out_id FROM temp.shard_latest)")
    conn.execute(
        f"INSERT INTO main.{FTS_TABLE} (rowid, headline, text) SELECT l.out_id, f.headline, f.text"
        f" FROM shard.{FTS_TABLE} f JOIN temp.shard_latest l ON l.shard_id = f.rowid"
    )


def _latest_from_version(conn: sqlite3.Connection, out_id: int, row: dict[str, Any]) -> None:
    """An older version as the `articles` row (when both sides' latest fetches said nothing new since
    it): its fields, its authors and pictures from their JSON, its index text made again."""
    conn.execute(
        f"UPDATE main.articles SET {', '.join(f'{c} = ?' for c in VERSION_COLUMNS)} WHERE id = ?",
        [*(row[c] for c in VERSION_COLUMNS), out_id],
    )
    authors = json.loads(row["authors"] or "[]")
    images = json.loads(row["images"] or "[]")
    for table in ("authors", "images"):
        conn.execute(f"DELETE FROM main.{table} WHERE article_id = ?", (out_id,))
    conn.execute(f"DELETE FROM main.{FTS_TABLE} WHERE rowid = ?", (out_id,))
    insert_rows(
        conn, "authors", ["article_id", "position", "name"], [[out_id, n, a] for n, a in enumerate(authors)]
    )
    insert_rows(
        conn,
        "images",
        ["article_id", "position", "src", "caption", "credit"],
        [[out_id, n, i.get("src"), i.get("caption"), i.get("credit")] for n, i in enumerate(images)],
    )
    captions = [i["caption"] for i in images if i.get("caption")]
    headline, text = index_columns(row["headline"], row["subtitle"], row["body"], captions)
    insert_rows(conn, FTS_TABLE, ["rowid", "headline", "text"], [[out_id, headline, text]])


def _merge_rejected(conn: sqlite3.Connection, report: ShardReport) -> None:
    """Pages that gave no article: the shard's, unless the output holds a page of that address fetched
    as late or later; then, at the shard's addresses, every rejected page with a later page beside it
    goes (as the store keeps one rejected page per address, and none once a later fetch gave an
    article)."""
    columns = _columns(conn, "pages", ("id",))
    conn.execute(
        f"INSERT INTO main.pages ({', '.join(columns)}) SELECT {', '.join('p.' + c for c in columns)}"
        " FROM shard.pages p WHERE p.article_id IS NULL AND NOT EXISTS (SELECT 1 FROM main.pages o"
        " WHERE o.url = p.url AND o.fetched_at >= p.fetched_at)"
    )
    report.pages_added += conn.execute("SELECT changes()").fetchone()[0]
    conn.execute(
        "DELETE FROM main.pages WHERE article_id IS NULL AND url IN (SELECT url FROM shard.pages)"
        " AND EXISTS (SELECT 1 FROM main.pages n WHERE n.url = pages.url AND n.fetched_at > pages.fetched_at)"
    )


def _copy_log(conn: sqlite3.Connection) -> None:
    """The shard's crawl log entries the output does not hold, and the web-archive files its imports
    finished (so that importing them into the output again passes them by)."""
    columns = "at, crawl, site, url, event, reason"
    conn.execute(
        f"INSERT INTO main.crawl_log ({columns}) SELECT {columns} FROM shard.crawl_log"
        f" EXCEPT SELECT {columns} FROM main.crawl_log"
    )
    columns = "mark, selection, name, size, finished, stored, skipped, damaged"
    conn.execute(
        f"INSERT OR IGNORE INTO main.imported_files ({columns}) SELECT {columns} FROM shard.imported_files"
    )
