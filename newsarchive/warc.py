"""WARC files: rotating writes for a crawl's capture, streaming reads for import and replay. No Scrapy here:
a crawl captures through :class:`newsarchive.middlewares.WarcCaptureMiddleware`; replay is
:mod:`newsarchive.replay`.
"""

from __future__ import annotations

import contextlib
import io
import os
import re
import socket
import sys
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any
from urllib.parse import urlsplit

import brotli
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from . import __version__
from .dates import parse_utc
from .encoding import header
from .warc_reader import MAX_PAYLOAD_BYTES, Damage, Record, read_records

if sys.version_info >= (3, 14):
    from compression import zstd
else:  # Scrapy depends on it before Python 3.14
    from backports import zstd

WARC_SUFFIXES = (".warc", ".warc.gz")


def is_warc(path: Path) -> bool:
    return path.name.lower().endswith(WARC_SUFFIXES)


def request_target(url: str) -> str:
    """What an HTTP request line asks for: the path and query of the URL."""
    parts = urlsplit(url)
    return (parts.path or "/") + (f"?{parts.query}" if parts.query else "")


# -- writing ---------------------------------------------------------------------------------------------


@dataclass
class HttpRecord:
    """An HTTP request or response as a WARC record keeps it: its address, its status or request line and
    headers, and its payload as sent."""

    url: str
    head: StatusAndHeaders
    body: bytes
    #: WARC headers of its own (WARC-IP-Address)
    warc_headers: dict[str, str] = field(default_factory=dict)


class WarcWriteError(Exception):
    """The WARC files cannot be written (a full disk, a folder that cannot be made)."""


#: a WARC file is closed and the next one begun past this size (bytes), as in Heritrix and wget
DEFAULT_ROTATE_BYTES = 1_000_000_000


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

    def write(self, response: HttpRecord, request: HttpRecord, when: datetime) -> None:
        """Write a response and its request; :class:`WarcWriteError` when they cannot be written whole (a
        full disk): the file is then cut back to its last whole record, and nothing more is written."""
        if self.broken:
            raise WarcWriteError("an earlier write failed")
        path, end = self.path, self.file.tell() if self.file is not None else 0
        try:
            self._write(response, request, when)
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

    def _write(self, response: HttpRecord, request: HttpRecord, when: datetime) -> None:
        writer = self.writer
        if writer is None or (self.file is not None and self.file.tell() >= self.rotate_bytes):
            writer = self._open_next()
        date = when.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
        response_record = writer.create_warc_record(
            response.url,
            "response",
            payload=io.BytesIO(response.body),
            http_headers=response.head,
            warc_headers_dict={"WARC-Date": date, **response.warc_headers},
        )
        request_record = writer.create_warc_record(
            request.url,
            "request",
            payload=io.BytesIO(request.body),
            http_headers=request.head,
            warc_headers_dict={
                "WARC-Date": date,
                "WARC-Concurrent-To": response_record.rec_headers.get_header("WARC-Record-ID"),
                **request.warc_headers,
            },
        )
        writer.write_record(response_record)
        writer.write_record(request_record)

    def close(self) -> None:
        if self.file is not None:
            self.file.close()
        self.file = self.writer = None


# -- reading ---------------------------------------------------------------------------------------------


@dataclass
class WarcResponse:
    """An HTTP response record: its address, status, headers, payload (transfer and content codings
    removed) and capture time; ``problem`` says why the payload could not be read. ``offset`` and ``inner``
    say where the record is (:func:`warc_reader.read_record_at`)."""

    url: str
    status: int
    headers: dict[str, str]
    body: bytes
    fetched_at: datetime | None
    offset: int
    inner: int = 0
    problem: str | None = None

    @property
    def content_type(self) -> str:
        return header(self.headers, "content-type")


def iter_responses(stream: IO[bytes], *, payloads: bool = True) -> Iterator[WarcResponse | Damage]:
    """The HTTP response records of a WARC file, in order, one at a time (memory stays flat), and a
    :class:`Damage` for each part of the file that is no sound record (reading goes on after it). Other
    records (requests, warcinfo, metadata, revisits) are passed over."""
    for record in read_records(stream, payloads=payloads):
        if isinstance(record, Damage):
            yield record
        elif record.is_http_response:
            yield _response(record, payloads)


def _response(record: Record, payloads: bool) -> WarcResponse:
    http = record.http
    headers = header_dict(http) if http is not None else {}
    problem = record.problem
    body = b""
    if payloads and problem is None:
        body, problem = _payload(record.payload, headers)
    return WarcResponse(
        url=record.url,
        status=status_code(http.get_statuscode()) if http is not None else 0,
        headers=headers,
        body=body,
        fetched_at=parse_utc(record.headers.get_header("WARC-Date")),
        offset=record.offset,
        inner=record.inner,
        problem=problem,
    )


def header_dict(http_headers: StatusAndHeaders) -> dict[str, str]:
    headers: dict[str, str] = {}
    for name, value in http_headers.headers:
        headers[name] = f"{headers[name]}, {value}" if name in headers else value
    return headers


def status_code(code: Any) -> int:
    try:
        return int(code)
    except (TypeError, ValueError):
        return 0


def _payload(recorded: bytes, headers: dict[str, str]) -> tuple[bytes, str | None]:
    """The payload without transfer coding and content coding (gzip, deflate, br, zstd)."""
    raw, problem = raw_payload(recorded, headers)
    if problem is not None:
        return b"", problem
    encoding = header(headers, "content-encoding").strip().lower()
    try:
        return decode_content(raw, encoding), None
    except ValueError as error:
        return b"", str(error)


def raw_payload(recorded: bytes, headers: dict[str, str]) -> tuple[bytes, str | None]:
    """The payload as the server's content coding left it (chunked transfer coding removed)."""
    if "chunked" in header(headers, "transfer-encoding").lower():
        try:
            return dechunk(recorded), None
        except ValueError as error:
            return b"", f"broken chunked payload: {error}"
    return recorded, None


#: the longest chunk-size line (hex digits and chunk extensions) of a chunked payload
_MAX_CHUNK_LINE = 1024
_HEX = re.compile(rb"[0-9A-Fa-f]+")


def dechunk(data: bytes) -> bytes:
    """Undo chunked transfer coding (RFC 9112 7.1); raises ValueError saying what is wrong. Sizes must be
    hexadecimal, each chunk must be there whole, the total stays within MAX_PAYLOAD_BYTES, and every step
    moves forward. Data that ends where a chunk-size line should start is taken as it is (a capture whose
    last chunk was not recorded)."""
    out: list[bytes] = []
    total = position = 0
    while position < len(data):
        end = data.find(b"\n", position, position + _MAX_CHUNK_LINE)
        if end < 0:
            raise ValueError("no chunk-size line where a chunk should start")
        size_text = data[position:end].split(b";")[0].strip()
        if not _HEX.fullmatch(size_text):
            raise ValueError(f"chunk size {size_text[:20].decode('latin-1')!r} is not a hexadecimal number")
        size = int(size_text, 16)
        if size == 0:
            break
        if size > MAX_PAYLOAD_BYTES - total:
            raise ValueError(f"chunks adding up past {MAX_PAYLOAD_BYTES // (1024 * 1024)} MB")
        start = end + 1
        if start + size > len(data):
            raise ValueError(f"a chunk of {size:,} bytes cut short after {len(data) - start:,}")
        out.append(data[start : start + size])
        total += size
        position = start + size
        if data.startswith(b"\r\n", position):
            position += 2
        elif data.startswith(b"\n", position):
            position += 1
        elif position < len(data):
            raise ValueError("no line end after a chunk")
    return b"".join(out)


def decode_content(data: bytes, encoding: str) -> bytes:
    """Undo a Content-Encoding (several, comma-separated, are undone last first); raises ValueError. No
    step gives more than MAX_PAYLOAD_BYTES: decoders stop there, however small their input."""
    for coding in reversed([c.strip() for c in encoding.split(",") if c.strip()]):
        if coding == "identity":
            continue
        decode = _DECODERS.get(coding)
        if decode is None:
            raise ValueError(f"unknown content coding {coding!r}")
        try:
            data = decode(data)
        except _TooLarge:
            raise ValueError(
                f"the {coding} payload inflates past {MAX_PAYLOAD_BYTES // (1024 * 1024)} MB"
            ) from None
        except Exception as error:  # zlib.error, brotli.error and zstd's errors share no base
            raise ValueError(f"cannot decode the {coding} payload: {error}") from None
    return data


class _TooLarge(Exception):
    """A decoder reached MAX_PAYLOAD_BYTES."""


class _Output:
    """What a decoder has produced so far, refused past MAX_PAYLOAD_BYTES."""

    def __init__(self) -> None:
        self.parts: list[bytes] = []
        self.size = 0

    @property
    def room(self) -> int:
        """How much more a decoder may give, plus one: getting it means the payload is too large."""
        return MAX_PAYLOAD_BYTES - self.size + 1

    def add(self, part: bytes) -> None:
        self.size += len(part)
        if self.size > MAX_PAYLOAD_BYTES:
            raise _TooLarge
        self.parts.append(part)

    def value(self) -> bytes:
        return b"".join(self.parts)


#: compressed bytes given to a decoder at a time: what it leaves after a member's or frame's end is copied
#: out, so a payload of a million empty members costs a million small copies, never a million whole ones
_FEED = 64 * 1024
#: gzip members or zstd frames one payload may hold (a server sends one; each costs a decoder of its own)
MAX_MEMBERS = 1000


def _one_more_member(count: int, kind: str) -> int:
    if count >= MAX_MEMBERS:
        raise ValueError(f"more than {MAX_MEMBERS:,} {kind} in one payload")
    return count + 1


def _gunzip(data: bytes) -> bytes:
    """gzip, every member of it (a payload may be several gzip members one after another, as a file
    written in parts is); bytes after the last member that are no gzip member are left out, as gzip does.
    Linear in the payload, however many members it holds."""
    output = _Output()
    view = memoryview(data)
    position = members = 0
    while position < len(view):
        members = _one_more_member(members, "gzip members")
        inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)
        while not inflater.eof:
            chunk = view[position : position + _FEED]
            if not chunk:  # cut short: what could be read is kept, as browsers do
                return output.value()
            position += len(chunk)
            output.add(inflater.decompress(chunk, output.room))
        position -= len(inflater.unused_data)
        if view[position : position + 2] != b"\x1f\x8b":
            break
    return output.value()


def _undeflate(data: bytes) -> bytes:
    """deflate: zlib-wrapped as the standard says, or raw, as some servers send it; anything after the
    stream's end is left out."""
    output = _Output()
    try:
        output.add(zlib.decompressobj(zlib.MAX_WBITS).decompress(data, output.room))
    except zlib.error:
        output.add(zlib.decompressobj(-zlib.MAX_WBITS).decompress(data, output.room))
    return output.value()


def _unbrotli(data: bytes) -> bytes:
    output = _Output()
    decompressor = brotli.Decompressor()
    output.add(decompressor.process(data, output_buffer_limit=output.room))
    while not decompressor.is_finished():
        part = decompressor.process(b"", output_buffer_limit=output.room)
        if not part:  # cut short: what could be read is kept
            break
        output.add(part)
    return output.value()


def _unzstd(data: bytes) -> bytes:
    """zstd, every frame of it; linear in the payload, however many frames it holds."""
    output = _Output()
    view = memoryview(data)
    position = frames = 0
    while position < len(view):
        frames = _one_more_member(frames, "zstd frames")
        decompressor = zstd.ZstdDecompressor()
        while not decompressor.eof:
            chunk = view[position : position + _FEED] if decompressor.needs_input else b""
            if decompressor.needs_input and not chunk:  # cut short: what could be read is kept
                return output.value()
            position += len(chunk)
            part = decompressor.decompress(chunk, max_length=output.room)
            output.add(part)
            if not chunk and not part:  # a frame that gives nothing more: what could be read is kept
                return output.value()
        position -= len(decompressor.unused_data)
    return output.value()


_DECODERS: dict[str, Callable[[bytes], bytes]] = {
    "gzip": _gunzip,
    "x-gzip": _gunzip,
    "deflate": _undeflate,
    "br": _unbrotli,
    "zstd": _unzstd,
}
