"""A page of search results for a reader who browses: the hits of one page (by relevance or by date), how
many articles match in all, and how many on each site — what `serve`'s Hebrew search page shows.

The matching is `search`'s own (its parsed query, filters and phrase checks): the same articles, counted
from :func:`.search.matching_ids`.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass, field
from typing import Literal

from .batches import select_in
from .query import QueryError
from .records import rows_as_dicts
from .search import HIT_COLUMNS, Hit, check_offset, hit_from_row, matching_ids, parsed_query, ranked_hits

Order = Literal["relevance", "date"]


@dataclass
class BrowsedHit:
    """A hit, with the id of its article's row (for links to the row and its versions)."""

    article_id: int
    hit: Hit


@dataclass
class SearchPage:
    hits: list[BrowsedHit] = field(default_factory=list)
    #: articles the query matches, all pages together
    total: int = 0
    #: matching articles per site, the most first
    per_site: list[tuple[str, int]] = field(default_factory=list)


def search_page(
    conn: sqlite3.Connection,
    query: str,
    *,
    sites: list[str] | None = None,
    since: str | None = None,
    until: str | None = None,
    author: str | None = None,
    section: str | None = None,
    order: Order = "relevance",
    limit: int = 20,
    offset: int = 0,
) -> SearchPage:
    """One page of hits of ``query`` with its filters, ordered by relevance (the exact forms first, as
    `search`) or by date (the latest first); QueryError for a query or filter that cannot be run."""
    if order not in ("relevance", "date"):
        raise QueryError(f"order must be relevance or date, not {order!r}")
    check_offset(offset)
    parsed = parsed_query(
        conn, query, site=sites, since=since or None, until=until or None, author=author or None
    )
    if section:
        parsed.filters.setdefault("section", []).append(section)
    ids = matching_ids(conn, parsed)
    page = SearchPage(total=len(ids), per_site=_per_site(conn, ids))
    if order == "relevance":
        page.hits = [BrowsedHit(i, hit) for i, hit in ranked_hits(conn, parsed, limit=limit, offset=offset)]
    else:
        page.hits = [
            BrowsedHit(row["id"], hit_from_row(row, parsed, exact=True, score=0.0))
            for row in _latest_first(conn, ids, limit, offset)
        ]
    return page


def _per_site(conn: sqlite3.Connection, ids: list[int]) -> list[tuple[str, int]]:
    counts: dict[str, int] = {}
    for cursor in select_in(conn, "SELECT site, count(*) FROM articles WHERE id IN ({}) GROUP BY site", ids):
        for site, count in cursor:
            counts[site] = counts.get(site, 0) + count
    return sorted(counts.items(), key=lambda pair: (-pair[1], pair[0]))


def _latest_first(conn: sqlite3.Connection, ids: list[int], limit: int, offset: int) -> list[dict]:
    """The rows of one page of these articles, the latest published first (undated ones last)."""
    conn.execute("CREATE TEMP TABLE IF NOT EXISTS browse_ids (id INTEGER PRIMARY KEY)")
    try:
        conn.execute("DELETE FROM temp.browse_ids")
        conn.executemany("INSERT OR IGNORE INTO temp.browse_ids VALUES (?)", ((i,) for i in ids))
        cursor = conn.execute(
            f"SELECT {HIT_COLUMNS} FROM articles a JOIN temp.browse_ids b ON b.id = a.id"
            " ORDER BY a.published IS NULL, a.published DESC, a.id DESC LIMIT ? OFFSET ?",
            (limit, offset),
        )
        return list(rows_as_dicts(cursor))
    finally:
        conn.execute("DELETE FROM temp.browse_ids")
