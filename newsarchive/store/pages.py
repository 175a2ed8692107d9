"""Raw pages in the archive: the `pages` row of a fetched page, and the page read back from its row."""

from __future__ import annotations

import hashlib
import json
import sqlite3
import zlib
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from ..dates import format_utc, parse_utc
from ..extract.version import EXTRACTOR_VERSION
from ..fetched import FetchedPage
from .batches import chunks
from .records import has_surrogate, storable

#: the columns a page is read back from
PAGE_COLUMNS = "url, body, status, headers, fetched_at, charset"
#: the most a stored raw page may inflate to (pages are stored up to the 20 MB payload limit)
MAX_STORED_PAGE = 64 * 1024 * 1024


@dataclass(frozen=True)
class UnreadablePage:
    """A raw page of the archive that cannot be read back (its compressed bytes or its headers damaged)."""

    url: str
    reason: str


def pack(body: bytes) -> tuple[bytes, str, int]:
    """A page's body as the archive keeps it, compressed, its SHA-256 and its size."""
    return zlib.compress(body, 6), hashlib.sha256(body).hexdigest(), len(body)


def write_page(conn: sqlite3.Connection, page: FetchedPage, article_id: int | None, outcome: str) -> int:
    """Keep a raw page (compressed), with the article it gave or the reason it gave none; returns its id."""
    body, digest, size = page.packed or pack(page.body)
    headers = json.dumps(page.headers, ensure_ascii=False)
    if has_surrogate(headers):  # a file name or header of undecodable bytes: kept, \u-escaped
        headers = json.dumps(page.headers)
    values = {
        "url": storable(page.requested_url or page.url),
        "article_id": article_id,
        "fetched_at": format_utc(page.fetched_at or datetime.now(UTC)),
        "status": page.status,
        "content_type": storable(page.content_type),
        "charset": storable(page.charset),
        "headers": headers,
        "body": body,
        "body_size": size,
        "sha256": digest,
        "outcome": outcome,
        "extractor_version": EXTRACTOR_VERSION,  # what read it: its article, or its rejection
    }
    if article_id is not None:  # the address gives an article now: its rejected page is history
        conn.execute("DELETE FROM pages WHERE url = ? AND article_id IS NULL", (values["url"],))
    cursor = conn.execute(
        f"INSERT INTO pages ({', '.join(values)}) VALUES ({', '.join('?' for _ in values)})",
        list(values.values()),
    )
    return cursor.lastrowid or 0


def mark_read(conn: sqlite3.Connection, page_ids: list[int]) -> None:
    """Record that the current extractor has read these pages (re-extraction read them again)."""
    for chunk in chunks(page_ids, 500):
        conn.execute(
            f"UPDATE pages SET extractor_version = ? WHERE id IN ({', '.join('?' * len(chunk))})",
            [EXTRACTOR_VERSION, *chunk],
        )


def page_from_row(row: dict[str, Any]) -> FetchedPage:
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
