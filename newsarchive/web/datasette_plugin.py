"""Datasette plugin: Hebrew-aware search inside Datasette.

Registered through the `datasette` entry point, so it loads wherever newsarchive is installed:
- SQL functions `hebrew_match(q)` (an FTS5 expression for articles_fts, prefix-insensitive; on an
  archive's connection its prefix terms reach the forms the index holds, as `newsarchive search` does) and
  `hebrew_snippet(text, q)` (a window of the text with the hits in «»), for canned queries;
- a page, /-/hebrew-search?q=..., that runs the same search as `newsarchive search`.

Datasette's time limit (sql_time_limit_ms) cannot stop a Python function that SQLite is running: SQLite's
progress handler runs only between its own steps. So each function's work is bounded whatever its arguments:
a query is refused past store.query.MAX_QUERY_CHARS and MAX_TERMS (hebrew_match then matches nothing and
hebrew_query_problem says why), and a snippet looks at a bounded part of the text (see store.snippets). A
query that calls them on many rows is stopped by the time limit between two calls.
"""

from __future__ import annotations

import asyncio
import html
import sqlite3
from contextlib import closing
from pathlib import Path

from datasette import hookimpl
from datasette.utils.asgi import Response

from ..store.archive_file import readonly_uri
from ..store.query import ParsedQuery, QueryError, parse_query
from ..store.snippets import snippet
from ..store.vocabulary import expand_prefixes, has_index, open_vocabulary

#: matches no document: what hebrew_match gives for a malformed query (the page shows the reason)
_NOTHING = '"\u05d0\u05d0\u05d0\u05d0\u05d0\u05d0\u05d0\u05d0"'


def hebrew_match(query: object, index: sqlite3.Connection | None = None) -> str:
    """The FTS5 expression for ``query``; with ``index`` (the archive's connection), prefix terms reach
    every form the index holds their words under (מספ*: מספר, indexed as מ+ספר too)."""
    try:
        return _parsed(query, index).match_expression()
    except QueryError:
        return _NOTHING


def hebrew_query_problem(query: object, index: sqlite3.Connection | None = None) -> str | None:
    try:
        _parsed(query, index)
    except QueryError as error:
        return str(error)
    return None


def _parsed(query: object, index: sqlite3.Connection | None) -> ParsedQuery:
    parsed = parse_query(_as_text(query))
    if index is not None and parsed.prefix_letters():
        try:
            expand_prefixes(parsed, index)
        except sqlite3.Error:  # the index unreadable here: the stems that begin so, as without it
            parsed.prefix_forms.clear()
    return parsed


def hebrew_snippet(text: object, query: object) -> str:
    try:
        parsed = parse_query(_as_text(query))
    except QueryError:
        return snippet(_as_text(text), [], mark=("«", "»"))
    return snippet(
        _as_text(text), parsed.highlight_tokens(), prefixes=parsed.highlight_prefixes(), mark=("«", "»")
    )


def _as_text(value: object) -> str:
    """What SQL passes may be text, a number, a blob or NULL."""
    if value is None:
        return ""
    if isinstance(value, bytes):
        return value.decode("utf-8", errors="replace")
    return str(value)


@hookimpl
def prepare_connection(conn) -> None:
    index = conn if has_index(conn) else None
    if index is not None:
        try:  # made here, not while a query runs the function
            open_vocabulary(conn)
        except sqlite3.Error:
            index = None
    conn.create_function("hebrew_match", 1, lambda q: hebrew_match(q, index), deterministic=True)
    conn.create_function(
        "hebrew_query_problem", 1, lambda q: hebrew_query_problem(q, index), deterministic=True
    )
    conn.create_function("hebrew_snippet", 2, hebrew_snippet, deterministic=True)


@hookimpl
def register_routes():
    return [(r"^/-/hebrew-search$", hebrew_search_page)]


async def hebrew_search_page(datasette, request) -> Response:
    query = request.args.get("q", "")
    sites = [site for site in request.args.getlist("site") if site] or None  # ?site=ynet&site=walla
    database = next((db for db in datasette.databases.values() if db.path and _is_archive(db.path)), None)
    results, problem = [], None
    if database is None:
        problem = "no newsarchive archive is being served"
    elif query:
        from ..store.archive import Archive

        def run() -> list:
            with Archive(Path(database.path), readonly=True) as archive:
                return archive.search(query, site=sites, limit=50)

        try:
            results = await asyncio.to_thread(run)
        except QueryError as error:
            problem = str(error)
        except (sqlite3.Error, OSError, ValueError) as error:  # the file replaced, damaged, locked...
            problem = f"the archive could not be searched: {error}"
    rows = "".join(
        "<li><a href='{url}'>{headline}</a> <small>{site} · {published}</small><p>{snippet}</p></li>".format(
            url=html.escape(h.url if h.url.startswith(("http://", "https://")) else "#", quote=True),
            headline=html.escape(h.headline or h.url),
            site=html.escape(h.site),
            published=html.escape((h.published or "")[:16].replace("T", " ")),
            snippet=html.escape(h.snippet)
            .replace("&lt;mark&gt;", "<mark>")
            .replace("&lt;/mark&gt;", "</mark>"),
        )
        for h in results
    )
    body = f"""<!DOCTYPE html><html lang="he" dir="rtl"><head><meta charset="utf-8">
<title>חיפוש בארכיון</title>
<style>body{{font-family:sans-serif;max-width:900px;margin:2em auto}}
li{{margin:1em 0}} mark{{background:#ff6}}</style>
</head><body><h1>חיפוש בארכיון</h1>
<form method="get"><input name="q" size="50" value="{html.escape(query, quote=True)}">
<button type="submit">חיפוש</button></form>
{f'<p class="problem">{html.escape(problem)}</p>' if problem else ""}
{f"<p>{len(results)} תוצאות</p>" if query and not problem else ""}
<ol>{rows}</ol><p><a href="/">Datasette</a></p></body></html>"""
    return Response.html(body)


def _is_archive(path: str) -> bool:
    try:
        with closing(sqlite3.connect(readonly_uri(Path(path)), uri=True)) as conn:
            return has_index(conn)
    except sqlite3.Error:
        return False
