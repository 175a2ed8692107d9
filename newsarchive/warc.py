"""WARC files: streaming reads for import and replay (no Scrapy here; what a crawl captures is
:mod:`newsarchive.warc_capture`).
"""

from __future__ import annotations

import re
import sys
import warnings
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import IO, Any
from urllib.parse import urlsplit

import brotli
from warcio.statusandheaders import StatusAndHeaders

from .dates import parse_utc
from .encoding import header
from .sites import host_of
from .warc_reader import MAX_PAYLOAD_BYTES, Damage, Record, read_record_at, read_records

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
    headers = _header_dict(http) if http is not None else {}
    problem = record.problem
    body = b""
    if payloads and problem is None:
        body, problem = _payload(record.payload, headers)
    return WarcResponse(
        url=record.url,
        status=_status(http.get_statuscode()) if http is not None else 0,
        headers=headers,
        body=body,
        fetched_at=parse_utc(record.headers.get_header("WARC-Date")),
        offset=record.offset,
        inner=record.inner,
        problem=problem,
    )


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


# -- replay ----------------------------------------------------------------------------------------------


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
        headers = _header_dict(record.http)
        body, problem = raw_payload(record.payload, headers)
        if problem is not None:
            return _unreplayable(where[0], problem)
        kept = [(k, v) for k, v in record.http.headers if k.lower() not in _NOT_REPLAYED]
        return _status(record.http.get_statuscode()), kept, body


def _unreplayable(offset: int, reason: str) -> tuple[int, list[tuple[str, str]], bytes]:
    message = f"the capture at byte {offset} of the WARC file cannot be replayed: {reason}"
    return 502, [("Content-Type", "text/plain; charset=utf-8"), ("Retry-After", "0")], message.encode()
