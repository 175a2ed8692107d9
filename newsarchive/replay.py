"""Replay of saved sites: a crawl of real addresses served from a saved snapshot on this machine.

A snapshot (a folder of ``<host>/<path>`` files, or a WARC file's captured responses) is served by a local
HTTP server (:func:`replay_server`), and :class:`ReplayDownloadHandler` sends each request for a real host
to it, keeping the real addresses everywhere above the transport. `newsarchive crawl --replay PATH` and the
crawl tests use it; nothing reaches the network.
"""

from __future__ import annotations

import mimetypes
import threading
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import unquote, urlsplit, urlunsplit

from scrapy import Request
from scrapy.core.downloader.handlers.base import BaseDownloadHandler
from scrapy.crawler import Crawler
from scrapy.exceptions import IgnoreRequest, NotConfigured
from scrapy.http import Response
from scrapy.settings import Settings

from .middlewares import BoundedHTTPDownloadHandler
from .sites import host_of
from .warc import header_dict, is_warc, iter_responses, raw_payload, request_target, status_code
from .warc_reader import Damage, read_record_at

#: the download handler that sends every request of a replayed crawl to the replay server
HANDLERS = {
    "http": "newsarchive.replay.ReplayDownloadHandler",
    "https": "newsarchive.replay.ReplayDownloadHandler",
}


def use_replay(settings: Settings, hosts: dict[str, str]) -> None:
    """Make a crawl's settings send its requests to the replay server's ``hosts`` (REPLAY_HOSTS). A saved
    snapshot on this machine needs no politeness delays (unless asked for)."""
    settings.set("REPLAY_HOSTS", hosts, priority="cmdline")
    settings.set("DOWNLOAD_DELAY", 0, priority="spider")
    settings.set("AUTOTHROTTLE_ENABLED", False, priority="spider")
    settings.set("DOWNLOAD_HANDLERS", HANDLERS, priority="cmdline")


@contextmanager
def replay_server(folder: Path | None) -> Iterator[dict[str, str] | None]:
    """Serve a saved site snapshot on 127.0.0.1: ``folder/<host>/<path>`` (or ``<path>?<query>`` when
    saved with its query string), or the responses a WARC file captured, with their status and headers.
    Yields the REPLAY_HOSTS mapping."""
    if folder is None:
        yield None
        return
    folder = Path(folder)
    handler: type[BaseHTTPRequestHandler]
    if folder.is_file() and is_warc(folder):
        index = WarcReplayIndex(folder)
        hosts, handler = index.hosts, _warc_handler(index)
    else:
        hosts = sorted(p.name for p in folder.iterdir() if p.is_dir()) if folder.is_dir() else []
        if not hosts:
            raise ValueError(
                f"{folder} holds no saved sites (expected folders named after hosts, or a .warc.gz file)"
            )
        handler = _snapshot_handler(folder)
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, name="newsarchive-replay", daemon=True)
    thread.start()
    try:
        port = server.server_address[1]
        yield {host: f"http://127.0.0.1:{port}/{host}" for host in hosts}
    finally:
        server.shutdown()
        server.server_close()


class _ReplayHandler(BaseHTTPRequestHandler):
    """What both replay servers share: a whole answer at once, and no request log on the console."""

    def send_whole(self, status: int, headers: list[tuple[str, str]], body: bytes) -> None:
        self.send_response(status)
        for name, value in headers:
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


def _snapshot_handler(root: Path) -> type[BaseHTTPRequestHandler]:
    root = root.resolve()

    class SnapshotHandler(_ReplayHandler):
        def do_GET(self) -> None:
            parts = urlsplit(self.path)
            path = unquote(parts.path)
            target = (root / path.lstrip("/")).resolve()
            if target.is_dir():
                target = target / "index.html"
            query = unquote(parts.query)
            if query and "/" not in query and "\0" not in query:
                # a page saved with its query string in its file name ("index.html?p=1" for "/?p=1")
                with_query = target.with_name(target.name + "?" + query)
                if with_query.is_file():
                    target = with_query
            if root not in target.parents or not target.is_file():
                self.send_error(404)
                return
            body = target.read_bytes()
            kind = mimetypes.guess_type(target.name)[0] or "text/html"
            if target.suffix in (".xml", ".rss") or target.name.endswith(".xml.gz"):
                kind = "application/xml" if not target.name.endswith(".gz") else "application/gzip"
            content_type = f"{kind}; charset=utf-8" if kind.startswith("text/") else kind
            self.send_whole(200, [("Content-Type", content_type)], body)

    return SnapshotHandler


def _warc_handler(index: WarcReplayIndex) -> type[BaseHTTPRequestHandler]:
    class WarcHandler(_ReplayHandler):
        def do_GET(self) -> None:
            host, _, target = self.path.lstrip("/").partition("/")
            captured = index.response(host, "/" + target)
            if captured is None:
                self.send_error(404, "not in the WARC file")
                return
            self.send_whole(*captured)

    return WarcHandler


class ReplayDownloadHandler(BaseDownloadHandler):
    """Sends requests for real hostnames to local servers, keeping the real URLs everywhere above the
    transport (scheduler, dupefilter, robots.txt, offsite checks, items).

    ``REPLAY_HOSTS``: {"www.ynet.co.il": "http://127.0.0.1:8765/www.ynet.co.il", ...}; the target's path is
    prepended to the request's. With ``REPLAY_STRICT`` (default), a host with no mapping is an error, so a
    replayed crawl can never reach the network.
    """

    lazy = False

    def __init__(self, crawler: Crawler) -> None:
        super().__init__(crawler)
        hosts = crawler.settings.getdict("REPLAY_HOSTS")
        if not hosts:
            raise NotConfigured("no REPLAY_HOSTS")
        self.hosts = {host.lower(): urlsplit(target) for host, target in hosts.items()}
        self.strict = crawler.settings.getbool("REPLAY_STRICT", True)
        self.inner = BoundedHTTPDownloadHandler.from_crawler(crawler)

    async def download_request(self, request: Request) -> Response:
        parts = urlsplit(request.url)
        target = self.hosts.get((parts.hostname or "").lower().rstrip("."))
        if target is None:
            if self.strict:
                raise IgnoreRequest(f"replay: no saved copy of {parts.hostname}")
            return await self.inner.download_request(request)
        path = target.path.rstrip("/") + (parts.path or "/")
        local = request.replace(url=urlunsplit((target.scheme, target.netloc, path, parts.query, "")))
        response = await self.inner.download_request(local)
        return response.replace(url=request.url, request=request)

    async def close(self) -> None:
        await self.inner.close()


#: headers of a capture that describe the original connection and transfer, not the response
_NOT_REPLAYED = frozenset(
    {"transfer-encoding", "x-archive-orig-transfer-encoding", "content-length", "connection"}
)


class WarcReplayIndex:
    """Where each captured response of a WARC file is, by host and path (the last capture of an address
    wins), to serve it again as it was. Damaged parts of the file are passed over: ``skipped`` lists them,
    and a warning says how many there were."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.offsets: dict[tuple[str, str], tuple[int, int]] = {}
        self.skipped: list[Damage] = []
        with path.open("rb") as stream:
            for item in iter_responses(stream, payloads=False):
                if isinstance(item, Damage):
                    self.skipped.append(item)
                    continue
                host = host_of(item.url)
                if not host:  # no host (or an address urllib cannot split): nothing could ask for it
                    continue
                self.offsets[(host, request_target(item.url))] = (item.offset, item.inner)
        damage = ""
        if self.skipped:
            first = self.skipped[0]
            damage = (
                f"{len(self.skipped)} damaged part(s) passed over, the first at byte {first.offset}"
                f" ({first.reason})"
            )
        if not self.offsets:  # one line, the damage in it (it was a warning, then this)
            raise ValueError(f"{path} holds no readable HTTP responses" + (f": {damage}" if damage else ""))
        if damage:
            warnings.warn(
                f"{path}: {damage}; the {len(self.offsets)} readable responses are served", stacklevel=2
            )

    @property
    def hosts(self) -> list[str]:
        return sorted({host for host, _ in self.offsets})

    def response(self, host: str, target: str) -> tuple[int, list[tuple[str, str]], bytes] | None:
        """(status, headers, payload as sent) of the capture of ``host`` + ``target``, or None. A capture
        that cannot be read whole is answered with a 502 saying why (with Retry-After: 0, so a crawl counts
        it as that page's error without waiting)."""
        where = self.offsets.get((host.lower(), target))
        if where is None:
            return None
        with self.path.open("rb") as stream:
            record = read_record_at(stream, *where)
        if isinstance(record, Damage):
            return _unreplayable(where[0], record.reason)
        if record.http is None or record.problem is not None:
            return _unreplayable(where[0], record.problem or "no HTTP headers")
        headers = header_dict(record.http)
        body, problem = raw_payload(record.payload, headers)
        if problem is not None:
            return _unreplayable(where[0], problem)
        kept = [(k, v) for k, v in record.http.headers if k.lower() not in _NOT_REPLAYED]
        return status_code(record.http.get_statuscode()), kept, body


def _unreplayable(offset: int, reason: str) -> tuple[int, list[tuple[str, str]], bytes]:
    message = f"the capture at byte {offset} of the WARC file cannot be replayed: {reason}"
    return 502, [("Content-Type", "text/plain; charset=utf-8"), ("Retry-After", "0")], message.encode()
