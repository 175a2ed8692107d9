"""`newsarchive serve`: the archive in Datasette, read-only, on this machine only by default.

Datasette runs inside this process under uvicorn, so whatever stops `serve` stops the server: on SIGTERM or
Ctrl-C it closes its port at once, gives the requests being answered GRACE_SECONDS, and exits with status 0.
It writes no file of its own (the metadata is handed over in memory). The archive is opened, and the port
taken, before the address is announced: a file that is no archive, or a port in use, is one line on stderr.
"""

from __future__ import annotations

import asyncio
import errno
import json
import signal
import socket
import sqlite3
from collections.abc import Awaitable, Callable
from importlib import resources
from pathlib import Path
from types import FrameType

import click

from .messages import USED_WRONGLY, fail, shown
from .options import archive_origin, archive_path, db_option

#: Datasette's settings: its time limit stops SQL between steps; newsarchive's SQL functions bound their
#: own work (see web.datasette_plugin)
SETTINGS = {"default_page_size": 50, "sql_time_limit_ms": 3000}
#: how long the requests being answered may take to finish once `serve` is told to stop
GRACE_SECONDS = 3
ASGIApp = Callable[..., Awaitable[None]]
_ARCHIVE_TABLES = ("articles", "articles_fts")


def datasette_metadata(database_name: str) -> dict:
    """The shipped metadata (facets, canned queries), keyed by the served database's name."""
    metadata = json.loads(
        resources.files("newsarchive.web").joinpath("datasette_metadata.json").read_text("utf-8")
    )
    metadata["databases"] = {database_name: metadata["databases"]["archive"]}
    return metadata


def archive_problem(db: Path) -> str | None:
    """Why ``db`` cannot be served (not SQLite, not a newsarchive archive, of a newer newsarchive...), or
    None. An archive of an older newsarchive is upgraded, as every reader does."""
    from ..store import Archive  # the database library loads when serve runs (`serve --help` does not wait)
    from ..store.archive_file import readonly_uri

    try:
        conn = sqlite3.connect(readonly_uri(db), uri=True)
        try:
            tables = {row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        finally:
            conn.close()
    except sqlite3.OperationalError as error:  # unreadable, locked...
        return f"cannot open {shown(db)}: {error}"
    except sqlite3.DatabaseError as error:
        return f"{shown(db)} is not an SQLite database, or a damaged one ({error})"
    missing = [table for table in _ARCHIVE_TABLES if table not in tables]
    if missing:
        return f"{shown(db)} is not a newsarchive archive (it has no {' or '.join(missing)} table)"
    try:
        Archive(db, readonly=True).close()
    except (sqlite3.Error, OSError, RuntimeError) as error:
        return f"cannot open the archive {shown(db)}: {error}"
    return None


def listening_socket(host: str, port: int) -> socket.socket:
    """The server's socket, bound and listening (raises OSError: address in use, unknown host...)."""
    sock = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET, socket.SOCK_STREAM)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # not past a listener: past TIME_WAIT
        sock.bind((host, port))
        sock.listen(2048)
    except OSError:
        sock.close()
        raise
    return sock


@click.command()
@db_option
@click.option(
    "--host", default="127.0.0.1", show_default=True, help="Address to listen on (0.0.0.0 exposes it)."
)
@click.option(
    "--port", type=click.IntRange(0, 65535), default=8001, show_default=True, help="0: any free port."
)
def serve(db_path: Path | None, host: str, port: int) -> None:
    """Browse and query the archive in Datasette (read-only), with Hebrew search at /-/hebrew-search.
    Ctrl-C or SIGTERM stops it.

    \b
    Examples:
      newsarchive serve                 # http://127.0.0.1:8001/
      newsarchive serve --db research.db --port 8080
    """
    if not host.strip():
        fail("--host is empty: give an address to listen on (127.0.0.1; 0.0.0.0 for every one)", USED_WRONGLY)
    db = archive_path(db_path)
    if not db.is_file():
        named = f"{shown(db)}{archive_origin(db_path)}"
        if db.is_dir():
            fail(f"the archive {named} is a folder: give the archive's file (--db FILE)", USED_WRONGLY)
        fail(
            f"no archive at {named} (create one with `newsarchive import` or `newsarchive crawl`)",
            USED_WRONGLY,
        )
    if set(db.name) & set("?#%"):  # Datasette opens "file:{path}": these would begin the URI's query
        fail(
            f"serve cannot open an archive whose file name holds ?, # or %: rename {shown(db)}", USED_WRONGLY
        )
    problem = archive_problem(db)
    if problem:
        fail(problem)
    try:
        sock = listening_socket(host, port)
    # UnicodeError, TypeError: a host name the resolver cannot take (TypeError: one IDNA refuses, as an RLO)
    except (OSError, UnicodeError, TypeError) as error:
        in_use = isinstance(error, OSError) and error.errno == errno.EADDRINUSE
        hint = " (another server? --port chooses another)" if in_use else ""
        fail(f"cannot listen on {shown(host)}:{port}: {getattr(error, 'strerror', None) or error}{hint}")
    with sock:
        app = _datasette_app(db)
        address = sock.getsockname()
        where = f"[{address[0]}]" if sock.family == socket.AF_INET6 else address[0]
        _run(app, sock, f"serving {db} at http://{where}:{address[1]}/  (Hebrew search: /-/hebrew-search)")
    click.echo("newsarchive serve: stopped", err=True)


def _datasette_app(db: Path) -> ASGIApp:
    from datasette.app import Datasette

    from ..store.archive_file import readonly_uri
    from ..store.hebrew import matches

    # on read-only media the archive is served immutable (a WAL archive cannot be opened there otherwise)
    immutable = readonly_uri(db).endswith("immutable=1")
    datasette = Datasette(
        files=[] if immutable else [str(db)],
        immutables=[str(db)] if immutable else [],
        metadata=datasette_metadata(db.stem),
        settings=SETTINGS,
    )
    asyncio.run(datasette.invoke_startup())
    matches("לשלום", "שלום")  # loads the word frequencies now, not during the first search
    return datasette.app()


def _run(app: ASGIApp, sock: socket.socket, announcement: str) -> None:
    """Announce the address, and serve until SIGTERM or SIGINT. uvicorn takes both signals while it serves
    and raises them again once it has stopped; the handlers here take them before and after (so that neither
    ends the process before the server has closed its port) and tell the server to stop."""
    import uvicorn

    server = uvicorn.Server(
        uvicorn.Config(app, lifespan="on", log_level="info", timeout_graceful_shutdown=GRACE_SECONDS)
    )

    def stop(signum: int, frame: FrameType | None) -> None:
        server.should_exit = True

    previous = {signum: signal.signal(signum, stop) for signum in (signal.SIGINT, signal.SIGTERM)}
    try:
        click.echo(announcement, err=True)
        server.run(sockets=[sock])
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)
