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
from typing import Any
from urllib.parse import urlencode

from datasette import hookimpl
from datasette.database import QueryInterrupted
from datasette.utils.asgi import Response
from markupsafe import Markup

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
def render_cell(value, column, table, database, datasette):
    """An article's id, on its row and in the articles table, with a link to its near-duplicate group when
    it has one (the groups `newsarchive dedup` keeps)."""
    if table != "articles" or column != "id" or not isinstance(value, int):
        return None

    async def with_group() -> Markup | None:
        try:
            found = await datasette.get_database(database).execute(
                "SELECT group_id, (SELECT count(*) FROM dedup_groups g WHERE g.group_id = d.group_id)"
                " FROM dedup_groups d WHERE article_id = ?",
                [value],
            )
        except (sqlite3.Error, QueryInterrupted):  # no near-duplicate groups here (not an archive, or older)
            return None
        row = found.first()
        if row is None:
            return None
        link = datasette.urls.table(database, "dedup_groups") + f"?group_id={int(row[0])}"
        label = f"({int(row[1])} near-duplicates)"
        return Markup(f'{value} <a href="{html.escape(link, quote=True)}">{label}</a>')

    return with_group()


@hookimpl
def register_routes():
    return [
        (r"^/-/hebrew-search$", hebrew_search_page),
        (r"^/-/trends$", trends_page),
        (r"^/-/trends\.png$", trends_chart),
        (r"^/-/words$", words_page),
    ]


def _served_archive(datasette) -> tuple[str, Path] | None:
    """The name and file of the archive being served (the first database that is one)."""
    for name, db in datasette.databases.items():
        if db.path and _is_archive(db.path):
            return name, Path(db.path)
    return None


async def trends_page(datasette, request) -> Response:
    from .analysis_pages import trends_page as page

    served = _served_archive(datasette)
    return await page(datasette, request, served[1] if served else None)


async def trends_chart(datasette, request) -> Response:
    from .analysis_pages import trends_chart as chart

    served = _served_archive(datasette)
    return await chart(request, served[1] if served else None)


async def words_page(datasette, request) -> Response:
    from .analysis_pages import words_page as page

    served = _served_archive(datasette)
    return await page(datasette, request, served[1] if served else None)


#: hits on one page of the search page
PAGE_SIZE = 20
_FILTERS = ("since", "until", "author", "section")


async def hebrew_search_page(datasette, request) -> Response:
    """The analyst's search page, in Datasette's own look: the query with filters for sites, dates, author
    and section, hit counts per site, pages of 20 by relevance or date, each hit linked to its article, its
    row, its versions and its near-duplicates."""
    args = _page_args(request)
    database = _served_archive(datasette)
    sites: list[str] = []
    found, problem = None, None
    if database is None:
        problem = "no newsarchive archive is being served"
    else:
        searching = bool(args["q"] or any(args[name] for name in _FILTERS) or args["sites"])
        try:
            sites, found, problem = await asyncio.to_thread(_read, database[1], args, searching)
        except (sqlite3.Error, OSError, ValueError) as error:  # the file replaced, damaged, locked...
            problem = f"the archive could not be searched: {error}"
    context = {**args, "problem": problem, "searched": found is not None, "all_sites": sites, "hits": []}
    if found is not None and database is not None:
        context |= _results(datasette, database[0], args, *found)
    query = urlencode([("q", args["q"])] + [("site", site) for site in args["sites"]])
    context["analysis"] = {"trends": f"/-/trends?{query}", "words": f"/-/words?{query}"}
    template = datasette.jinja_env.from_string(_TEMPLATE.read_text(encoding="utf-8"))
    return Response.html(await datasette.render_template(template, context, request=request))


_TEMPLATE = Path(__file__).with_name("hebrew_search.html")


def _page_args(request) -> dict[str, Any]:
    args: dict[str, Any] = {name: request.args.get(name, "").strip() for name in ("q", *_FILTERS)}
    args["sites"] = [site for site in request.args.getlist("site") if site]  # ?site=ynet&site=walla
    args["order"] = "date" if request.args.get("order") == "date" else "relevance"
    try:
        args["offset"] = max(0, int(request.args.get("offset", "0")))
    except ValueError:
        args["offset"] = 0
    return args


def _read(
    path: Path, args: dict[str, Any], searching: bool
) -> tuple[list[str], tuple[Any, dict[int, int]] | None, str | None]:
    """From one opening of the archive: its sites (for the form), and when ``searching`` one page of hits
    with their near-duplicate groups, or why the query cannot be run."""
    from ..store.archive import Archive
    from ..store.browse import search_page

    with Archive(path, readonly=True) as archive:
        sites = archive.sites()
        if not searching:
            return sites, None, None
        try:
            page = search_page(
                archive.db.conn,
                args["q"],
                sites=args["sites"] or None,
                **{name: args[name] or None for name in _FILTERS},
                order=args["order"],
                limit=PAGE_SIZE,
                offset=args["offset"],
            )
        except QueryError as error:
            return sites, None, str(error)
        return sites, (page, _groups(archive.db.conn, [item.article_id for item in page.hits])), None


def _groups(conn: sqlite3.Connection, ids: list[int]) -> dict[int, int]:
    """The near-duplicate group of each of these articles that has one (none before the groups exist)."""
    if not ids:
        return {}
    try:
        marks = ", ".join("?" * len(ids))
        sql = f"SELECT article_id, group_id FROM dedup_groups WHERE article_id IN ({marks})"
        rows = conn.execute(sql, ids)
        return dict(rows.fetchall())
    except sqlite3.OperationalError:  # an archive without near-duplicate groups
        return {}


def _results(datasette, name: str, args: dict[str, Any], page: Any, groups: dict[int, int]) -> dict[str, Any]:
    table = datasette.urls.table
    first = args["offset"] + 1
    items = [
        {
            "hit": item.hit,
            "link": item.hit.url if item.hit.url.startswith(("http://", "https://")) else "#",
            "when": (item.hit.published or "")[:16].replace("T", " "),
            "snippet": Markup(_marked(item.hit.snippet)),
            "row": f"{table(name, 'articles')}/{item.article_id}",
            "versions": f"{table(name, 'article_versions')}?article_id={item.article_id}",
            "group": f"{table(name, 'dedup_groups')}?group_id={groups[item.article_id]}"
            if item.article_id in groups
            else None,
        }
        for item in page.hits
    ]
    after = args["offset"] + len(items)
    return {
        "hits": items,
        "total": page.total,
        "per_site": page.per_site,
        "first": first,
        "last": after,
        "previous": _link(args, offset=max(0, args["offset"] - PAGE_SIZE)) if args["offset"] else None,
        "next": _link(args, offset=after) if after < page.total else None,
        "site_link": lambda site: _link(args, offset=0, sites=[site]),
    }


def _marked(text: str) -> str:
    """The snippet escaped, its hits still marked."""
    return html.escape(text).replace("&lt;mark&gt;", "<mark>").replace("&lt;/mark&gt;", "</mark>")


def _link(args: dict[str, Any], **changed: Any) -> str:
    values = {**args, **changed}
    pairs = [(name, values[name]) for name in ("q", *_FILTERS) if values[name]]
    pairs += [("site", site) for site in values["sites"]]
    pairs += [("order", values["order"])] if values["order"] != "relevance" else []
    pairs += [("offset", str(values["offset"]))] if values["offset"] else []
    return "?" + urlencode(pairs)


def _is_archive(path: str) -> bool:
    try:
        with closing(sqlite3.connect(readonly_uri(Path(path)), uri=True)) as conn:
            return has_index(conn)
    except sqlite3.Error:
        return False
