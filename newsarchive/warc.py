"""WARC files: what a crawl captures (a downloader middleware), and streaming reads for import and replay.

Capture sits next to the downloader (priority 950), before Scrapy decompresses or follows redirects, so each
response record holds the bytes the server sent, with its headers. Twisted has already removed chunked
transfer coding by then, so that header is kept under another name and Content-Length tells the true length.
"""

from __future__ import annotations

import io
import socket
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import partial
from http import HTTPStatus
from pathlib import Path
from typing import IO, Any
from urllib.parse import urlsplit

from scrapy import Request, signals
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured
from scrapy.http import Response
from warcio.archiveiterator import ArchiveIterator
from warcio.exceptions import ArchiveLoadFailed
from warcio.statusandheaders import StatusAndHeaders, StatusAndHeadersParser
from warcio.warcwriter import WARCWriter

from . import __version__
from .dates import parse_utc
from .encoding import header
from .sites import host_of

WARC_SUFFIXES = (".warc", ".warc.gz")
#: a WARC file is closed and the next one begun past this size (bytes), as in Heritrix and wget
DEFAULT_ROTATE_BYTES = 1_000_000_000
#: the largest payload an import reads (as DOWNLOAD_MAXSIZE for a crawl)
MAX_PAYLOAD_BYTES = 20 * 1024 * 1024


def is_warc(path: Path) -> bool:
    return path.name.lower().endswith(WARC_SUFFIXES)


# -- capture ---------------------------------------------------------------------------------------------


class RotatingWarcWriter:
    """Gzipped WARC 1.1 files ``<prefix>-00000.warc.gz``, ``-00001``..., each opened with a warcinfo record,
    a new one begun once the current one passes ``rotate_bytes``."""

    def __init__(self, folder: Path, prefix: str, rotate_bytes: int = DEFAULT_ROTATE_BYTES) -> None:
        self.folder = folder
        self.prefix = prefix
        self.rotate_bytes = rotate_bytes
        self.number = -1
        self.file: IO[bytes] | None = None
        self.writer: WARCWriter | None = None

    def _open_next(self) -> WARCWriter:
        self.close()
        self.number += 1
        self.folder.mkdir(parents=True, exist_ok=True)
        path = self.folder / f"{self.prefix}-{self.number:05d}.warc.gz"
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
    target = _request_target(request.url)
    headers = [("Host", parts.netloc)]
    for name, values in request.headers.items():
        for value in values:
            headers.append((name.decode("latin-1"), value.decode("latin-1")))
    return StatusAndHeaders(f"{request.method} {target} HTTP/1.1", headers, is_http_request=True)


def _request_target(url: str) -> str:
    """What an HTTP request line asks for: the path and query of the URL."""
    parts = urlsplit(url)
    return (parts.path or "/") + (f"?{parts.query}" if parts.query else "")


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
        self.writer.write(request, response, when)
        request.meta["fetched_at"] = when  # the page's fetch time is the record's date, to the microsecond
        self.crawler.stats.inc_value("newsarchive/warc_records", 2)
        return response

    def spider_closed(self) -> None:
        if self.writer is not None:
            self.writer.close()


# -- reading ---------------------------------------------------------------------------------------------


@dataclass
class WarcResponse:
    """An HTTP response record: its address, status, headers, payload (transfer and content codings
    removed) and capture time; ``problem`` says why the payload could not be read."""

    url: str
    status: int
    headers: dict[str, str]
    body: bytes
    fetched_at: datetime | None
    offset: int
    problem: str | None = None

    @property
    def content_type(self) -> str:
        return header(self.headers, "content-type")


@dataclass
class WarcProblem:
    """A part of a WARC file that could not be read as records."""

    offset: int
    reason: str
    #: reading cannot go on past it (the rest of the file is unread)
    fatal: bool = True


def iter_responses(stream: IO[bytes], *, payloads: bool = True) -> Iterator[WarcResponse | WarcProblem]:
    """The HTTP response records of a WARC (or ARC) stream, in order, one at a time (memory stays flat).
    Other records (requests, warcinfo, metadata) are passed over. A record without WARC headers gives a
    :class:`WarcProblem` and reading goes on; bytes that cannot be read as a record end the stream with a
    fatal one. What came before is kept either way."""
    # HTTP headers are parsed for responses only (requests are half the records of a crawl's WARC)
    records = ArchiveIterator(stream, no_record_parse=True, check_digests=False)
    try:
        for record in records:
            if record.rec_headers is None or record.rec_type is None:
                reason = "malformed WARC record: no WARC-Type header"
                yield WarcProblem(records.get_record_offset(), reason, fatal=False)
                continue
            if record.rec_type != "response" or not _is_http(record):
                continue
            record.http_headers = _HTTP_PARSER.parse(record.raw_stream)
            url = record.rec_headers.get_header("WARC-Target-URI") or ""
            headers = _header_dict(record.http_headers)
            status = _status(record.http_headers.get_statuscode())
            body, problem = _payload(record, headers) if payloads else (b"", None)
            offset = records.get_record_offset()  # after the payload: warcio reads the record to its end
            yield WarcResponse(
                url=url.strip("<>"),
                status=status,
                headers=headers,
                body=body,
                fetched_at=parse_utc(record.rec_headers.get_header("WARC-Date")),
                offset=offset,
                problem=problem,
            )
    except (ArchiveLoadFailed, ValueError, OSError, EOFError, zlib.error) as error:
        yield WarcProblem(_safe_offset(records, stream), f"malformed WARC record: {error}")


_HTTP_PARSER = StatusAndHeadersParser(["HTTP/1.0", "HTTP/1.1", "HTTP/2", "HTTP/2.0"], verify=False)


def _is_http(record: Any) -> bool:
    kind = (record.rec_headers.get_header("Content-Type") or "").lower()
    uri = (record.rec_headers.get_header("WARC-Target-URI") or "").strip("<>").lower()
    return "application/http" in kind or (not kind and uri.startswith(("http:", "https:")))


def _safe_offset(records: ArchiveIterator, stream: IO[bytes]) -> int:
    try:
        return records.get_record_offset() or stream.tell()
    except (AttributeError, OSError, ValueError):
        return -1


def _header_dict(http_headers: StatusAndHeaders) -> dict[str, str]:
    headers: dict[str, str] = {}
    for name, value in http_headers.headers:
        headers[name] = f"{headers[name]}, {value}" if name in headers else value
    return headers


def _status(code: Any) -> int:
    try:
        return int(code)
    except (TypeError, ValueError):
        return 0


def _payload(record: Any, headers: dict[str, str]) -> tuple[bytes, str | None]:
    """The payload without transfer coding and content coding (gzip, deflate, br, zstd)."""
    raw, problem = raw_payload(record, headers)
    if problem is not None:
        return b"", problem
    encoding = header(headers, "content-encoding").strip().lower()
    try:
        return decode_content(raw, encoding), None
    except ValueError as error:
        return b"", str(error)


def raw_payload(record: Any, headers: dict[str, str]) -> tuple[bytes, str | None]:
    """The payload as the server's content coding left it (chunked transfer coding removed)."""
    raw = record.raw_stream.read(MAX_PAYLOAD_BYTES + 1)
    if len(raw) > MAX_PAYLOAD_BYTES:
        return b"", f"payload over {MAX_PAYLOAD_BYTES // (1024 * 1024)} MB"
    transfer = header(headers, "transfer-encoding").lower()
    if "chunked" in transfer:
        try:
            raw = _dechunk(raw)
        except ValueError as error:
            return b"", f"broken chunked payload: {error}"
    return raw, None


def _dechunk(data: bytes) -> bytes:
    out, position = bytearray(), 0
    while True:
        end = data.find(b"\r\n", position)
        if end < 0:
            raise ValueError("no chunk size")
        size = int(data[position:end].split(b";")[0].strip() or b"0", 16)
        if size == 0:
            return bytes(out)
        start = end + 2
        out += data[start : start + size]
        position = start + size + 2
        if start + size > len(data):
            raise ValueError("truncated chunk")


def decode_content(data: bytes, encoding: str) -> bytes:
    """Undo a Content-Encoding (several, comma-separated, are undone last first); raises ValueError."""
    for coding in reversed([c.strip() for c in encoding.split(",") if c.strip()]):
        if coding == "identity":
            continue
        decode = _DECODERS.get(coding)
        if decode is None:
            raise ValueError(f"unknown content coding {coding!r}")
        try:
            data = decode(data)
        except ValueError:
            raise  # a limit of ours, already worded
        except Exception as error:  # zlib.error, brotli.error and zstd's errors share no base
            raise ValueError(f"cannot decode the {coding} payload: {error}") from None
    return data


def _inflate(data: bytes, wbits: int) -> bytes:
    decompressor = zlib.decompressobj(wbits)
    out = decompressor.decompress(data, MAX_PAYLOAD_BYTES + 1)
    if len(out) > MAX_PAYLOAD_BYTES:
        raise ValueError(f"the payload inflates past {MAX_PAYLOAD_BYTES // (1024 * 1024)} MB")
    return out


def _unzstd(data: bytes) -> bytes:
    try:
        import zstandard
    except ImportError:
        raise ValueError("cannot decode zstd: install the zstandard package") from None
    return zstandard.ZstdDecompressor().decompress(data, max_output_size=MAX_PAYLOAD_BYTES)


def _undeflate(data: bytes) -> bytes:
    try:
        return _inflate(data, zlib.MAX_WBITS)
    except zlib.error:
        return _inflate(data, -zlib.MAX_WBITS)  # raw deflate, as some servers send


def _unbrotli(data: bytes) -> bytes:
    import brotli

    return brotli.decompress(data)


_DECODERS: dict[str, Callable[[bytes], bytes]] = {
    "gzip": partial(_inflate, wbits=16 + zlib.MAX_WBITS),
    "x-gzip": partial(_inflate, wbits=16 + zlib.MAX_WBITS),
    "deflate": _undeflate,
    "br": _unbrotli,
    "zstd": _unzstd,
}


# -- replay ----------------------------------------------------------------------------------------------


#: headers of a capture that describe the original connection and transfer, not the response
_NOT_REPLAYED = frozenset(
    {"transfer-encoding", "x-archive-orig-transfer-encoding", "content-length", "connection"}
)


class WarcReplayIndex:
    """Where each captured response of a WARC file is, by host and path (the last capture of an address
    wins), to serve it again as it was."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.offsets: dict[tuple[str, str], int] = {}
        with path.open("rb") as stream:
            for item in iter_responses(stream, payloads=False):
                if isinstance(item, WarcProblem):
                    if not item.fatal:
                        continue
                    raise ValueError(f"{path}: {item.reason} at byte {item.offset}")
                host = host_of(item.url)
                if not host:  # no host (or an address urllib cannot split): nothing could ask for it
                    continue
                self.offsets[(host, _request_target(item.url))] = item.offset
        if not self.offsets:
            raise ValueError(f"{path} holds no HTTP responses")

    @property
    def hosts(self) -> list[str]:
        return sorted({host for host, _ in self.offsets})

    def response(self, host: str, target: str) -> tuple[int, list[tuple[str, str]], bytes] | None:
        """(status, headers, payload as sent) of the capture of ``host`` + ``target``, or None."""
        offset = self.offsets.get((host.lower(), target))
        if offset is None:
            return None
        with self.path.open("rb") as stream:
            stream.seek(offset)
            record = next(iter(ArchiveIterator(stream, check_digests=False)))
            headers = _header_dict(record.http_headers)
            body, problem = raw_payload(record, headers)
            if problem is not None:
                return None
            status = _status(record.http_headers.get_statuscode())
            kept = [(k, v) for k, v in record.http_headers.headers if k.lower() not in _NOT_REPLAYED]
        return status, kept, body
