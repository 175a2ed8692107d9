"""WARC capture: a downloader middleware that writes every request and response of a crawl to WARC files.

Capture sits next to the downloader (priority 950), before Scrapy decompresses or follows redirects, so each
response record holds the bytes the server sent, with its headers. Twisted has already removed chunked
transfer coding by then, so that header is kept under another name and Content-Length tells the true length.
"""

from __future__ import annotations

import contextlib
import io
import os
import socket
from datetime import UTC, datetime
from http import HTTPStatus
from pathlib import Path
from typing import IO
from urllib.parse import urlsplit

from scrapy import Request, signals
from scrapy.crawler import Crawler
from scrapy.exceptions import IgnoreRequest, NotConfigured
from scrapy.http import Response
from scrapy.utils.defer import deferred_from_coro
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from . import __version__
from .warc import request_target

#: a WARC file is closed and the next one begun past this size (bytes), as in Heritrix and wget
DEFAULT_ROTATE_BYTES = 1_000_000_000
#: the reason a page is counted as lost, and the crawl's finish reason, when the WARC cannot be written
WARC_WRITE_FAILED = "WARC write failed"


class RotatingWarcWriter:
    """Gzipped WARC 1.1 files ``<prefix>-00000.warc.gz``, ``-00001``..., each opened with a warcinfo record,
    a new one begun once the current one passes ``rotate_bytes``."""

    def __init__(self, folder: Path, prefix: str, rotate_bytes: int = DEFAULT_ROTATE_BYTES) -> None:
        self.folder = folder
        self.prefix = prefix
        self.rotate_bytes = rotate_bytes
        self.number = -1
        self.path: Path | None = None
        self.file: IO[bytes] | None = None
        self.writer: WARCWriter | None = None
        #: a write failed: the series ends there
        self.broken = False

    def _open_next(self) -> WARCWriter:
        self.close()
        self.number += 1
        self.folder.mkdir(parents=True, exist_ok=True)
        self.path = path = self.folder / f"{self.prefix}-{self.number:05d}.warc.gz"
        self.file = path.open("xb")
        self.writer = WARCWriter(self.file, gzip=True, warc_version="1.1")
        info = {
            "software": f"newsarchive/{__version__} (Scrapy; warcio)",
            "format": "WARC File Format 1.1",
            "conformsTo": "https://iipc.github.io/warc-specifications/specifications/warc-format/warc-1.1/",
            "hostname": socket.gethostname(),
            "isPartOf": self.prefix,
        }
        self.writer.write_record(self.writer.create_warcinfo_record(path.name, info))
        return self.writer

    def write(self, request: Request, response: Response, when: datetime) -> None:
        """Write the response and its request; :class:`WarcWriteError` when they cannot be written whole (a
        full disk): the file is then cut back to its last whole record, and nothing more is written."""
        if self.broken:
            raise WarcWriteError("an earlier write failed")
        path, end = self.path, self.file.tell() if self.file is not None else 0
        try:
            self._write(request, response, when)
        except OSError as error:
            self.broken = True
            self._cut_back(path, end)
            raise WarcWriteError(f"{self.path or self.folder}: {error.strerror or error}") from None

    def _cut_back(self, path: Path | None, end: int) -> None:
        """After a failed write: close the file and cut off the half-written record (freeing its space), so
        that the series ends with a whole record; a file begun by the failed write is removed."""
        current, file = self.path, self.file
        self.file = self.writer = None
        if file is not None:
            with contextlib.suppress(OSError):  # flushing fails again on a full disk; the descriptor closes
                file.close()
        if current is None or file is None:  # nothing was opened
            return
        with contextlib.suppress(OSError):
            if current == path:
                os.truncate(current, end)
            else:
                current.unlink()

    def _write(self, request: Request, response: Response, when: datetime) -> None:
        writer = self.writer
        if writer is None or (self.file is not None and self.file.tell() >= self.rotate_bytes):
            writer = self._open_next()
        date = when.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
        response_record = writer.create_warc_record(
            response.url,
            "response",
            payload=io.BytesIO(response.body),
            http_headers=_response_headers(response),
            warc_headers_dict={"WARC-Date": date, **_ip_address(response)},
        )
        request_record = writer.create_warc_record(
            request.url,
            "request",
            payload=io.BytesIO(request.body or b""),
            http_headers=_request_headers(request),
            warc_headers_dict={
                "WARC-Date": date,
                "WARC-Concurrent-To": response_record.rec_headers.get_header("WARC-Record-ID"),
            },
        )
        writer.write_record(response_record)
        writer.write_record(request_record)

    def close(self) -> None:
        if self.file is not None:
            self.file.close()
        self.file = self.writer = None


class WarcWriteError(IgnoreRequest):
    """A response that could not be written to the crawl's WARC file (a full disk, a folder that cannot be
    made): the page is not stored, and the crawl stops, as when the archive cannot be written."""


def _response_headers(response: Response) -> StatusAndHeaders:
    headers = []
    for name, values in response.headers.items():
        key = name.decode("latin-1")
        for value in values:
            if key.lower() == "transfer-encoding":
                key = "X-Archive-Orig-Transfer-Encoding"
            if key.lower() != "content-length":
                headers.append((key, value.decode("latin-1")))
    headers.append(("Content-Length", str(len(response.body))))
    try:
        phrase = HTTPStatus(response.status).phrase
    except ValueError:
        phrase = "Unknown"
    protocol = getattr(response, "protocol", None) or "HTTP/1.1"
    return StatusAndHeaders(f"{response.status} {phrase}", headers, protocol=protocol)


def _request_headers(request: Request) -> StatusAndHeaders:
    parts = urlsplit(request.url)
    target = request_target(request.url)
    headers = [("Host", parts.netloc)]
    for name, values in request.headers.items():
        for value in values:
            headers.append((name.decode("latin-1"), value.decode("latin-1")))
    return StatusAndHeaders(f"{request.method} {target} HTTP/1.1", headers, is_http_request=True)


def _ip_address(response: Response) -> dict[str, str]:
    address = getattr(response, "ip_address", None)
    return {"WARC-IP-Address": str(address)} if address else {}


class WarcCaptureMiddleware:
    """Writes every request and response of a crawl to rotating WARC files in ``WARC_DIR`` (one series per
    site and crawl: ``<crawl id>-<site>-00000.warc.gz``); ``WARC_ROTATE_BYTES`` sets the file size."""

    def __init__(self, crawler: Crawler, folder: Path) -> None:
        self.crawler = crawler
        self.folder = folder
        self.writer: RotatingWarcWriter | None = None
        self.failed = False

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> WarcCaptureMiddleware:
        folder = crawler.settings.get("WARC_DIR")
        if not folder:
            raise NotConfigured("no WARC_DIR")
        middleware = cls(crawler, Path(folder))
        crawler.signals.connect(middleware.spider_closed, signal=signals.spider_closed)
        return middleware

    def process_response(self, request: Request, response: Response) -> Response:
        if "cached" in response.flags:
            return response
        if self.writer is None:
            site = "+".join(getattr(self.crawler.spider, "profiles", {})) or "crawl"
            prefix = f"{self.crawler.settings.get('CRAWL_ID', 'newsarchive')}-{site}"
            self.writer = RotatingWarcWriter(
                self.folder, prefix, self.crawler.settings.getint("WARC_ROTATE_BYTES", DEFAULT_ROTATE_BYTES)
            )
        when = datetime.now(UTC)
        try:
            self.writer.write(request, response, when)
        except WarcWriteError as error:
            if not self.failed:  # said once, and the crawl stopped: every page from now on would be lost
                self.failed = True
                self.crawler.spider.logger.error("WARC capture failed, stopping the crawl: %s", error)
                deferred_from_coro(self.crawler.engine.close_spider_async(reason=WARC_WRITE_FAILED))
            raise
        request.meta["fetched_at"] = when  # the page's fetch time is the record's date, to the microsecond
        self.crawler.stats.inc_value("newsarchive/warc_records", 2)
        return response

    def spider_closed(self) -> None:
        if self.writer is not None:
            self.writer.close()
