"""`serve`'s analysis pages beside the Hebrew search page, in Datasette's look: a query's trend (a chart
and its table: matching articles per period and site, and their share of what the site published) and its
telling words (the words most over-represented in the matching articles). They run the store's
:func:`~newsarchive.store.analysis.trends` and :func:`~newsarchive.store.analysis.words`, as the `trends`
and `words` commands do."""

from __future__ import annotations

import asyncio
import sqlite3
import tempfile
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from datasette.utils.asgi import Response

from ..store.query import QueryError

_TEMPLATE = Path(__file__).with_name("analysis.html")
_BY = ("day", "week", "month")
#: the most words a words page lists
MOST_WORDS = 100


def _args(request) -> dict[str, Any]:
    args: dict[str, Any] = {name: request.args.get(name, "").strip() for name in ("q", "since", "until")}
    args["sites"] = [site for site in request.args.getlist("site") if site]
    args["by"] = request.args.get("by") if request.args.get("by") in _BY else "week"
    try:
        args["top"] = min(MOST_WORDS, max(1, int(request.args.get("top", "30"))))
    except ValueError:
        args["top"] = 30
    return args


def _query(args: dict[str, Any], **changed: Any) -> str:
    values = {**args, **changed}
    pairs = [(name, values[name]) for name in ("q", "since", "until") if values[name]]
    pairs += [("site", site) for site in values["sites"]]
    pairs += [("by", values["by"]), ("top", str(values["top"]))]
    return urlencode(pairs)


def _filters(args: dict[str, Any]) -> dict[str, Any]:
    return {"site": args["sites"] or None, "since": args["since"] or None, "until": args["until"] or None}


async def _page(datasette, request, path: Path | None, view: str, work) -> Response:
    args = _args(request)
    context: dict[str, Any] = {**args, "view": view, "problem": None, "result": None}
    context["links"] = {name: f"/-/{name}?{_query(args)}" for name in ("trends", "words")}
    context["links"]["search"] = "/-/hebrew-search?" + urlencode(
        [("q", args["q"])] + [("site", s) for s in args["sites"]]
    )
    if path is None:
        context["problem"] = "no newsarchive archive is being served"
    elif args["q"]:
        try:
            context["result"] = await asyncio.to_thread(work, path, args)
        except QueryError as error:
            context["problem"] = str(error)
        except (sqlite3.Error, OSError, ValueError) as error:
            context["problem"] = f"the archive could not be read: {error}"
    context["chart"] = f"/-/trends.png?{_query(args)}"
    template = datasette.jinja_env.from_string(_TEMPLATE.read_text(encoding="utf-8"))
    return Response.html(await datasette.render_template(template, context, request=request))


def _trends(path: Path, args: dict[str, Any]) -> Any:
    from ..store.archive import Archive

    with Archive(path, readonly=True) as archive:
        return archive.trends(args["q"], by=args["by"], **_filters(args))


def _words(path: Path, args: dict[str, Any]) -> Any:
    from ..store.archive import Archive

    with Archive(path, readonly=True) as archive:
        return archive.words(args["q"], top=args["top"], **_filters(args))


async def trends_page(datasette, request, path: Path | None) -> Response:
    return await _page(datasette, request, path, "trends", _trends)


async def words_page(datasette, request, path: Path | None) -> Response:
    return await _page(datasette, request, path, "words", _words)


async def trends_chart(request, path: Path | None) -> Response:
    """The trend's chart as a PNG (the `trends --plot` picture)."""
    args = _args(request)
    if path is None or not args["q"]:
        return Response.text("name a query: ?q=...", status=400)

    def draw() -> bytes:
        from ..plots import plot_trend

        trend = _trends(path, args)
        with tempfile.TemporaryDirectory() as folder:
            picture = Path(folder) / "trend.png"
            plot_trend(trend, args["q"], picture)
            return picture.read_bytes()

    try:
        png = await asyncio.to_thread(draw)
    except QueryError as error:
        return Response.text(str(error), status=400)
    return Response(png, content_type="image/png")
