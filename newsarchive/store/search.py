"""Searching the archive: a parsed query's filters as SQL, its words ranked by the index (the exact forms
first, then the prefixed ones), phrases the index matched loosely checked word by word, and the hits."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from ..dates import format_utc
from .batches import select_in
from .dedup import KEPT_SQL
from .hebrew import contains_phrase, tokens
from .query import ParsedQuery, QueryError, check_range, parse_day_filter, parse_query
from .records import local_iso, rows_as_dicts
from .search_index import FTS_TABLE
from .snippets import snippet
from .vocabulary import expand_prefixes

#: bm25 weights of the FTS columns: headline, text (all the words; see search_index)
RANK_WEIGHTS = (5.0, 1.0)
#: how many ranked candidates a phrase search checks in Python for each hit it returns
PHRASE_CHECK_FACTOR = 20
#: the most hits a search may skip (paging): every one skipped is ranked first
MAX_OFFSET = 100_000
#: the escape character of the LIKE patterns made from user text
LIKE_ESCAPE = "\\"

#: what a search hit is made from (``a`` is the articles table)
HIT_COLUMNS = (
    "a.id, a.url, a.site, a.headline, a.subtitle, a.published, a.published_offset, a.authors, a.section,"
    " a.body"
)

#: a ranked row: (row, found by the exact forms?, score)
Ranked = tuple[dict[str, Any], bool, float]


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


def search(
    conn: sqlite3.Connection,
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
    """Search the archive on ``conn`` (see :meth:`Archive.search <newsarchive.store.archive.Archive.search>`).
    With ``collapse``, a group of near-duplicates shows as its first-published article (store/dedup.py).
    Raises :class:`QueryError` for a query that cannot be run (with a message for the user)."""
    parsed = parsed_query(conn, query, site=site, since=since, until=until, author=author, now=now)
    return [hit for _, hit in ranked_hits(conn, parsed, limit=limit, offset=offset, collapse=collapse)]


def parsed_query(
    conn: sqlite3.Connection,
    query: str,
    *,
    site: str | list[str] | None = None,
    since: str | datetime | None = None,
    until: str | datetime | None = None,
    author: str | None = None,
    now: datetime | None = None,
) -> ParsedQuery:
    """The query as `search` reads it: the options' filters merged in (:func:`merge_options`) and its prefix
    terms expanded against the archive's vocabulary. QueryError for one that cannot be run."""
    parsed = parse_query(query, now=now)
    merge_options(parsed, site=site, since=since, until=until, author=author, now=now)
    expand_prefixes(parsed, conn)
    return parsed


def ranked_hits(
    conn: sqlite3.Connection, parsed: ParsedQuery, *, limit: int, offset: int = 0, collapse: bool = False
) -> list[tuple[int, Hit]]:
    """One page of a parsed query's hits (its prefix terms expanded), best first, each with its article's
    id: what :func:`search` shows, and the search page of `serve` links to its row."""
    if not 1 <= limit <= 1000:
        raise QueryError("limit must be between 1 and 1000")
    check_offset(offset)
    where, params = filter_sql(parsed, kept_only=collapse)
    ranked = _ranked(conn, parsed, where, params, limit + offset)
    return [
        (row["id"], hit_from_row(row, parsed, exact=exact, score=score))
        for row, exact, score in ranked[offset:]
    ]


def check_offset(offset: int) -> None:
    """QueryError for an offset past MAX_OFFSET: each hit skipped is ranked first (and SQLite holds 64
    bits)."""
    if not 0 <= offset <= MAX_OFFSET:
        raise QueryError(f"offset must be between 0 and {MAX_OFFSET:,}")


def matching_urls(conn: sqlite3.Connection, query: str, *, now: datetime | None = None) -> list[str]:
    """Every article the query matches, best first (no limit): for evaluation and exports."""
    parsed = parsed_query(conn, query, now=now)
    where, params = filter_sql(parsed)
    return [row["url"] for row, _, _ in _ranked(conn, parsed, where, params, None)]


def matching_ids(conn: sqlite3.Connection, parsed: ParsedQuery) -> list[int]:
    """The ids of every article a parsed query (its prefix terms expanded: see expand_prefixes) matches,
    its filters applied, unranked: the same articles as :func:`_ranked` with no limit (the exact tier as the
    index finds it, the prefixed forms with their loosely matched phrases checked word by word), without
    reading an article's row or ranking. For counts over many matches (trends, words)."""
    where, params = filter_sql(parsed)
    if not parsed.has_text:
        cursor = conn.execute(f"SELECT a.id FROM articles a {('WHERE ' + where) if where else ''}", params)
        return [row[0] for row in cursor]
    full = _matching_rowids(conn, parsed.match_expression(), where, params)
    if not any(t.needs_word_check for g in parsed.groups for t in g):
        return full
    exact = set(_matching_rowids(conn, parsed.match_expression(exact_only=True), where, params))
    unchecked = [i for i in full if i not in exact]
    held = {row["id"] for row in _texts(conn, unchecked) if _phrases_hold(row, parsed)}
    return [i for i in full if i in exact or i in held]


def _matching_rowids(conn: sqlite3.Connection, expression: str, where: str, params: list[Any]) -> list[int]:
    filtered = f" JOIN articles a ON a.id = {FTS_TABLE}.rowid WHERE {FTS_TABLE} MATCH ? AND {where}"
    sql = f"SELECT {FTS_TABLE}.rowid FROM {FTS_TABLE}" + (
        filtered if where else f" WHERE {FTS_TABLE} MATCH ?"
    )
    try:
        return [row[0] for row in conn.execute(sql, [expression, *params])]
    except sqlite3.OperationalError as error:
        raise QueryError(f"the search engine could not run this query ({error})") from None


def _texts(conn: sqlite3.Connection, ids: list[int]) -> Iterator[dict[str, Any]]:
    """The words of these articles that _phrases_hold reads, a chunk of ids at a time."""
    for cursor in select_in(
        conn,
        "SELECT a.id, a.headline, a.subtitle, a.body,"
        " (SELECT group_concat(i.caption, ' ') FROM images i WHERE i.article_id = a.id) AS captions"
        " FROM articles a WHERE a.id IN ({})",
        ids,
    ):
        yield from rows_as_dicts(cursor)


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


def like_literal(value: str) -> str:
    """``value`` as literal text inside a LIKE pattern with ``ESCAPE LIKE_ESCAPE``: its % and _ (LIKE's
    wildcards) and the escape character itself match only themselves (author:% finds the names that hold
    a %, not every name)."""
    return "".join(LIKE_ESCAPE + c if c in ("%", "_", LIKE_ESCAPE) else c for c in value)


def filter_sql(parsed: ParsedQuery, *, kept_only: bool = False) -> tuple[str, list[Any]]:
    """The query's filters as an SQL condition on the articles table ``a``, and its parameters; with
    ``kept_only``, of each group of near-duplicates only its first-published article (store/dedup.py)."""
    clauses: list[str] = [KEPT_SQL] if kept_only else []
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


def _ranked(
    conn: sqlite3.Connection, parsed: ParsedQuery, where: str, params: list[Any], wanted: int | None
) -> list[Ranked]:
    """(row, exact form?, score) best first: every hit of the exact forms, then the prefixed forms;
    phrases matched loosely by the index are checked word by word (the exact tier never is: its
    phrases are whole in the index)."""
    if not parsed.has_text:
        return [(row, True, 0.0) for row in _filtered_only(conn, where, params, wanted)]
    loose = any(t.needs_word_check for g in parsed.groups for t in g)
    out: list[Ranked] = []
    seen: set[int] = set()
    for exact_only in (True, False):
        if wanted is not None and len(out) >= wanted:
            break
        check = loose and not exact_only
        fetch = None
        if wanted is not None:
            fetch = (wanted - len(out)) * (PHRASE_CHECK_FACTOR if check else 1) + len(seen)
        expression = parsed.match_expression(exact_only=exact_only)
        for row in _match(conn, expression, where, params, fetch):
            if row["id"] in seen or (check and not _phrases_hold(row, parsed)):
                continue
            seen.add(row["id"])
            out.append((row, exact_only, -row["score"]))
            if wanted is not None and len(out) >= wanted:
                break
    return out


def _match(
    conn: sqlite3.Connection, expression: str, where: str, params: list[Any], limit: int | None
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
        f"SELECT {HIT_COLUMNS}, r.score AS score,"
        f" (SELECT group_concat(i.caption, ' ') FROM images i WHERE i.article_id = a.id) AS captions"
        f" FROM ({ranked}) r JOIN articles a ON a.id = r.id ORDER BY r.score"
    )
    try:
        cursor = conn.execute(sql, [expression, *params, -1 if limit is None else limit])
    except sqlite3.OperationalError as error:
        raise QueryError(f"the search engine could not run this query ({error})") from None
    return list(rows_as_dicts(cursor))


def _filtered_only(
    conn: sqlite3.Connection, where: str, params: list[Any], limit: int | None
) -> list[dict[str, Any]]:
    cursor = conn.execute(
        f"SELECT {HIT_COLUMNS} FROM articles a {('WHERE ' + where) if where else ''}"
        " ORDER BY a.published DESC LIMIT ?",
        [*params, -1 if limit is None else limit],
    )
    return list(rows_as_dicts(cursor))


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


def hit_from_row(row: dict[str, Any], parsed: ParsedQuery, *, exact: bool, score: float) -> Hit:
    return Hit(
        url=row["url"],
        site=row["site"],
        headline=row["headline"],
        published=local_iso(row["published"], row["published_offset"]),
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
