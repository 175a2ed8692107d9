"""What the archive holds: counts per site and day, field coverage, and exports."""

from __future__ import annotations

import csv
import json
import os
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any, Protocol

from ..article import Article
from .query import ParsedQuery
from .search import filter_sql, merge_options

COVERAGE_FIELDS = (
    "headline",
    "body",
    "byline",
    "subtitle",
    "published",
    "section",
    "tags",
    "image",
    "caption",
    "credit",
)
EXPORT_FORMATS = ("jsonl", "csv", "parquet")
CSV_COLUMNS = (
    "url", "site", "headline", "subtitle", "authors", "published", "updated", "section", "tags", "language",
    "paywalled", "body", "images",
)  # fmt: skip


class ArchiveReader(Protocol):
    """What a report reads of an :class:`~newsarchive.store.archive.Archive` (named so, not imported: the
    archive's face calls the reports, not the other way round)."""

    @property
    def db(self) -> Any: ...

    def iter_articles(
        self, where: str = "", params: Iterable[Any] = (), order: str = "published"
    ) -> Iterator[Article]: ...


@dataclass
class SiteStats:
    site: str
    articles: int
    first: str | None
    last: str | None
    coverage: dict[str, float]


@dataclass
class Stats:
    total: int
    sites: list[SiteStats]
    per_day: dict[str, dict[str, int]]  # day -> site -> count

    def to_dict(self) -> dict[str, Any]:
        return {
            "total": self.total,
            "sites": [s.__dict__ for s in self.sites],
            "per_day": self.per_day,
        }


def stats(
    archive: ArchiveReader,
    *,
    since: str | None = None,
    until: str | None = None,
    now: Any = None,
    collapse: bool = False,
) -> Stats:
    """With ``collapse``, a group of near-duplicates counts once, as its first-published article (the
    groups as the last catch-up stored them: see Archive.dedup_catch_up)."""
    where, params = _where(since=since, until=until, now=now, kept_only=collapse)
    where_sql = f"WHERE {where}" if where else ""
    rows = archive.db.execute(
        f"""
        SELECT a.site, count(*), min(a.published), max(a.published),
          avg(coalesce(a.headline, '') != ''), avg(coalesce(a.body, '') != ''),
          avg(a.authors != '[]'), avg(coalesce(a.subtitle, '') != ''), avg(a.published IS NOT NULL),
          avg(coalesce(a.section, '') != ''), avg(a.tags != '[]'), avg(a.images != '[]'),
          avg(EXISTS (SELECT 1 FROM images i WHERE i.article_id = a.id AND i.caption IS NOT NULL)),
          avg(EXISTS (SELECT 1 FROM images i WHERE i.article_id = a.id AND i.credit IS NOT NULL))
        FROM articles a {where_sql} GROUP BY a.site ORDER BY count(*) DESC, a.site
        """,
        params,
    ).fetchall()
    sites = [
        SiteStats(
            row[0],
            row[1],
            row[2],
            row[3],
            dict(zip(COVERAGE_FIELDS, (round(v, 4) for v in row[4:]), strict=True)),
        )
        for row in rows
    ]
    per_day: dict[str, dict[str, int]] = {}
    for day, site, count in archive.db.execute(
        f"SELECT a.published_day, a.site, count(*) FROM articles a {where_sql} GROUP BY 1, 2 ORDER BY 1",
        params,
    ):
        per_day.setdefault(day or "unknown", {})[site] = count
    return Stats(sum(s.articles for s in sites), sites, per_day)


def iter_export(
    archive: ArchiveReader,
    *,
    sites: list[str] | None = None,
    since: str | None = None,
    until: str | None = None,
    author: str | None = None,
    now: Any = None,
    dedup: bool = False,
) -> Iterator[Article]:
    """The articles to export; with ``dedup``, the first published of each group of near-duplicates only
    (as the last catch-up stored them: see Archive.dedup_catch_up)."""
    where, params = _where(sites=sites, since=since, until=until, author=author, now=now, kept_only=dedup)
    yield from archive.iter_articles(f"WHERE {where}" if where else "", params, order="a.published, a.id")


def export(articles: Iterator[Article], fmt: str, out: IO[str] | Path) -> int:
    """Write articles as JSON lines, CSV or Parquet; returns how many were written. A file is written whole
    or not at all (see :func:`written_whole`)."""
    if fmt == "parquet":
        if not isinstance(out, Path):
            raise ValueError("parquet needs a file, not a stream")
        with written_whole(out) as partial:
            return _export_parquet(articles, partial)
    if isinstance(out, Path):
        with written_whole(out) as partial, partial.open("w", encoding="utf-8", newline="") as handle:
            return export(articles, fmt, handle)
    count = 0
    if fmt == "jsonl":
        for article in articles:
            out.write(json.dumps(export_record(article), ensure_ascii=False) + "\n")
            count += 1
    elif fmt == "csv":
        writer = csv_writer(out)
        writer.writerow(CSV_COLUMNS)
        for article in articles:
            record = export_record(article)
            record["authors"] = "; ".join(record["authors"])
            record["tags"] = "; ".join(record["tags"])
            record["images"] = json.dumps(record["images"], ensure_ascii=False)
            writer.writerow([record[c] for c in CSV_COLUMNS])
            count += 1
    else:
        raise ValueError(f"unknown format {fmt!r}: one of {', '.join(EXPORT_FORMATS)}")
    return count


@contextmanager
def written_whole(path: Path) -> Iterator[Path]:
    """Where to write a file so that it appears whole or not at all: a temporary file beside ``path``, put in
    its place once everything is written, and removed when writing fails or is interrupted (a full disk,
    Ctrl-C): no half-written export is ever left looking complete, and a file being replaced stays as it was
    until then. A device or a pipe (/dev/stdout, a FIFO) is written directly; a link, where it points."""
    if path.exists() and not path.is_file():  # followed through links: /dev/stdout is a pipe or a terminal
        yield path
        return
    real = path.resolve() if path.is_symlink() else path
    partial = real.with_name(f".{real.name}.partial-{os.getpid()}")
    try:
        yield partial
        os.replace(partial, real)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise


#: What a spreadsheet reads as the start of a formula when a cell begins with it (OWASP, "CSV
#: Injection"): = + - @, a tab and a carriage return.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_safe(value: Any) -> Any:
    """A CSV cell as a spreadsheet should show it: text that begins like a formula (a headline "=HYPERLINK(
    ...)", a byline "-- staff") gets a single quote before it, the OWASP way, so that Excel, LibreOffice and
    Google Sheets show it as text instead of running it. Other values (numbers, None) are as they are."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


class _SpreadsheetSafeWriter:
    def __init__(self, out: IO[str]) -> None:
        self._writer = csv.writer(out)

    def writerow(self, row: Iterable[Any]) -> None:
        self._writer.writerow([spreadsheet_safe(cell) for cell in row])


def csv_writer(out: IO[str]) -> _SpreadsheetSafeWriter:
    """A CSV writer whose every cell goes through :func:`spreadsheet_safe`: the one way newsarchive writes
    CSV (``export --format csv`` and ``search --format csv``). JSON lines and Parquet are written exactly."""
    return _SpreadsheetSafeWriter(out)


def export_record(article: Article) -> dict[str, Any]:
    """One flat record with the same keys and types for every article (what `datasets` expects)."""
    data = article.to_dict()
    data["paragraphs"] = list(article.paragraphs)
    data["provenance"] = json.dumps(data["provenance"], ensure_ascii=False)
    return data


def _export_parquet(articles: Iterator[Article], path: Path) -> int:
    import pyarrow as pa
    import pyarrow.parquet as pq

    image = pa.struct([("src", pa.string()), ("caption", pa.string()), ("credit", pa.string())])
    schema = pa.schema(
        [
            ("url", pa.string()), ("site", pa.string()), ("headline", pa.string()), ("subtitle", pa.string()),
            ("authors", pa.list_(pa.string())), ("published", pa.string()), ("updated", pa.string()),
            ("body", pa.string()), ("paragraphs", pa.list_(pa.string())), ("images", pa.list_(image)),
            ("section", pa.string()), ("tags", pa.list_(pa.string())), ("language", pa.string()),
            ("paywalled", pa.bool_()), ("provenance", pa.string()), ("warnings", pa.list_(pa.string())),
        ]
    )  # fmt: skip
    count = 0
    with pq.ParquetWriter(path, schema) as writer:
        batch: list[dict[str, Any]] = []
        for article in articles:
            batch.append(export_record(article))
            if len(batch) >= 1000:
                writer.write_table(pa.Table.from_pylist(batch, schema=schema))
                count += len(batch)
                batch = []
        if batch or count == 0:
            writer.write_table(pa.Table.from_pylist(batch, schema=schema))
            count += len(batch)
    return count


def _where(
    *,
    sites: list[str] | None = None,
    since: str | None = None,
    until: str | None = None,
    author: str | None = None,
    now: Any = None,
    kept_only: bool = False,
) -> tuple[str, list[Any]]:
    parsed = ParsedQuery()
    merge_options(parsed, site=sites or None, since=since, until=until, author=author, now=now)
    return filter_sql(parsed, kept_only=kept_only)
