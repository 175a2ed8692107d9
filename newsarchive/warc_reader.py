"""Reading WARC files that may be damaged or hostile: record by record, in bounded memory, on past damage.

warcio's ArchiveIterator trusts its file: it reads header lines of any length, takes each Content-Length on
faith, and stops at the first bytes it cannot parse. Here every gzip member and every record is found by its
own boundaries and checked. Header lines and header blocks are bounded; a record must end where its
Content-Length says (followed by its blank lines and then the next record or the end of its gzip member);
and after damage — bytes that are no record, a bad gzip member, a record cut short or of the wrong length —
reading resynchronises at the next gzip member that inflates to a ``WARC/`` line, or at the next ``WARC/``
line of an uncompressed file, so every good record before and after the damage is read. warcio still parses
each header block, once it is known to be small.
"""

from __future__ import annotations

import io
import re
import zlib
from collections.abc import Generator, Iterator
from dataclasses import dataclass
from typing import IO

from warcio.statusandheaders import StatusAndHeaders, StatusAndHeadersParser

#: the largest payload read (as DOWNLOAD_MAXSIZE for a crawl): larger ones are refused, their bytes skipped
MAX_PAYLOAD_BYTES = 20 * 1024 * 1024
#: the longest header line (WARC or HTTP) and the largest header block, in bytes, and the most header lines
MAX_LINE = 64 * 1024
MAX_HEADER_BLOCK = 256 * 1024
MAX_HEADER_LINES = 1000

_PIECE = 1 << 20  # bytes read (and inflated) at a time
_RAW_STEP = 64 * 1024  # compressed bytes fed to an inflater at a time
_GZIP = b"\x1f\x8b"
#: where a record may begin again after damage: a gzip member, or a WARC/ line of an uncompressed file
_RESTART = re.compile(rb"\x1f\x8b\x08|\nWARC/")
_BLANK = (b"\r\n", b"\n")
#: compressed bytes read to see whether a gzip member inflates to a WARC record (a member's header and first
#: block give its first line well within them; a small probe keeps a file full of false starts cheap)
_PROBE = 1024

_WARC_PARSER = StatusAndHeadersParser(["WARC/"], verify=False)
_HTTP_PARSER = StatusAndHeadersParser(["HTTP/"], verify=False)


def _kib(size: int) -> str:
    return f"{size // 1024} KiB"


def _mb(size: int) -> str:
    return f"{size // (1024 * 1024)} MB"


@dataclass(frozen=True)
class Damage:
    """A part of a WARC file that could not be read as records: where it starts (the gzip member holding it,
    or the byte of an uncompressed file) and why. Reading went on after it."""

    offset: int
    reason: str


@dataclass
class Record:
    """A sound WARC record. ``offset`` is where its gzip member starts (in an uncompressed file, where the
    record starts) and ``inner`` how far into the inflated member it starts (0 when each record has its own
    member, as WARC writers do). For an HTTP response, ``http`` and ``payload`` (as recorded, codings
    still applied) are read when asked for; ``problem`` says why they were refused."""

    offset: int
    inner: int
    headers: StatusAndHeaders
    http: StatusAndHeaders | None = None
    payload: bytes = b""
    problem: str | None = None

    @property
    def rec_type(self) -> str:
        return (self.headers.get_header("WARC-Type") or "").strip().lower()

    @property
    def url(self) -> str:
        return (self.headers.get_header("WARC-Target-URI") or "").strip().strip("<>")

    @property
    def is_http_response(self) -> bool:
        kind = (self.headers.get_header("Content-Type") or "").lower()
        http_url = self.url.lower().startswith(("http:", "https:"))
        return self.rec_type == "response" and ("application/http" in kind or (not kind and http_url))


# -- bytes -----------------------------------------------------------------------------------------------


class _File:
    """A seekable file read at given offsets through a window of ``_PIECE`` bytes, so that consecutive small
    gzip members come from one read of the file."""

    def __init__(self, file: IO[bytes]) -> None:
        self.file = file
        self.size = file.seek(0, io.SEEK_END)
        self.window_start = 0
        self.window = b""

    def read(self, offset: int, size: int) -> memoryview:
        """Up to ``size`` bytes at ``offset`` (fewer only at the end of the file)."""
        relative = offset - self.window_start
        within = 0 <= relative <= len(self.window)
        to_the_end = self.window_start + len(self.window) >= self.size
        if not (within and (relative + size <= len(self.window) or to_the_end)):
            self.file.seek(offset)
            self.window = self.file.read(max(size, _PIECE))
            self.window_start, relative = offset, 0
        return memoryview(self.window)[relative : relative + size]


class _Segment:
    """The bytes of one gzip member, inflated as they are read, or of an uncompressed file from an offset to
    its end. ``position`` counts the bytes handed out; ``error`` says why a member stopped early; ``end``
    is the file offset after a member once it is inflated to its end."""

    def __init__(self, file: _File, start: int) -> None:
        self.file, self.start = file, start
        self.gzipped = file.read(start, 2) == _GZIP
        self.inflater = zlib.decompressobj(16 + zlib.MAX_WBITS) if self.gzipped else None
        self.raw_position = start  # the next byte of the file to read
        self.buffer = b""
        self.used = 0  # bytes of the buffer handed out
        self.position = 0
        self.ended = False
        self.error: str | None = None
        self.end: int | None = None

    def _more(self) -> bytes:
        """The next piece of bytes; b"" at the end (or where the member broke: ``error`` says why)."""
        if self.ended:
            return b""
        inflater = self.inflater
        if inflater is None:
            piece = bytes(self.file.read(self.raw_position, _PIECE))
            self.raw_position += len(piece)
            self.ended = not piece
            return piece
        while True:
            data = inflater.unconsumed_tail
            if not data:
                # small steps: what follows the member's end is copied into unused_data
                data = self.file.read(self.raw_position, _RAW_STEP)
                self.raw_position += len(data)
                if not data:
                    self.ended = True
                    self.error = "gzip member cut short: the file ends inside it"
                    return b""
            try:
                piece = inflater.decompress(data, _PIECE)
            except zlib.error as error:
                self.ended = True
                self.error = f"bad gzip member: {error}"
                return b""
            if inflater.eof:
                self.ended = True
                self.end = self.raw_position - len(inflater.unused_data)
                return piece
            if piece:
                return piece

    def _fill(self) -> bool:
        piece = self._more()
        if not piece:
            return False
        self.buffer = self.buffer[self.used :] + piece
        self.used = 0
        return True

    def readline(self, limit: int) -> bytes:
        """The next line with its ending, or its first ``limit`` bytes; b"" at the end."""
        searched = self.used
        while True:
            stop = self.used + limit
            newline = self.buffer.find(b"\n", searched, stop)
            if newline >= 0:
                return self._take(newline + 1 - self.used)
            if len(self.buffer) >= stop:
                return self._take(limit)
            searched = len(self.buffer) - self.used
            if not self._fill():
                return self._take(len(self.buffer) - self.used)

    def read(self, size: int) -> bytes:
        """``size`` bytes (fewer only at the end), gathered with one copy."""
        parts = [self.buffer[self.used :]]
        have = len(parts[0])
        while have < size and (piece := self._more()):
            parts.append(piece)
            have += len(piece)
        self.buffer, self.used = (b"".join(parts) if len(parts) > 1 else parts[0]), 0
        return self._take(min(size, have))

    def skip_line_ends(self) -> int:
        """Pass over CR and LF bytes (the blank lines between records, however many); returns how many."""
        skipped = 0
        while True:
            rest = len(self.buffer) - self.used
            ends = rest - len(self.buffer[self.used :].lstrip(b"\r\n"))
            skipped += ends
            self._drop(ends)
            if ends < rest or not self._fill():
                return skipped

    def find_line(self, prefix: bytes) -> bool:
        """Pass over bytes to the next line that starts with ``prefix`` (the segment is at the start of a
        line); False when there is none before the end."""
        while len(self.buffer) - self.used < len(prefix) and self._fill():
            pass
        if self.buffer.startswith(prefix, self.used):
            return True
        wanted = b"\n" + prefix
        while True:
            found = self.buffer.find(wanted, self.used)
            if found >= 0:
                self._drop(found + 1 - self.used)
                return True
            keep = len(wanted) - 1  # a line start split between this piece and the next
            self._drop(max(0, len(self.buffer) - self.used - keep))
            if not self._fill():
                self._drop(len(self.buffer) - self.used)
                return False

    def skip(self, size: int) -> int:
        """Pass over ``size`` bytes without keeping them; returns how many there were."""
        skipped = min(size, len(self.buffer) - self.used)
        self._drop(skipped)
        if self.inflater is None and skipped < size:  # an uncompressed file: no need to read what is skipped
            step = min(size - skipped, self.file.size - self.raw_position)
            self.raw_position += step
            self.position += step
            return skipped + step
        while skipped < size and (piece := self._more()):
            if skipped + len(piece) > size:
                self.buffer, self.used = piece, 0
                self._drop(size - skipped)
                return size
            skipped += len(piece)
            self.position += len(piece)
        return skipped

    def _take(self, size: int) -> bytes:
        out = self.buffer[self.used : self.used + size]
        self._drop(size)
        return out

    def _drop(self, size: int) -> None:
        self.used += size
        self.position += size


# -- records ---------------------------------------------------------------------------------------------


@dataclass
class _Damaged:
    """A record that could not be read: where it starts, where to look again for the next one, and why."""

    start: int
    resume: int
    reason: str


@dataclass
class _Read:
    record: Record
    #: the first line of the next record, already read to see that this one ended where it should
    next_line: bytes


def _read_record(segment: _Segment, line: bytes, payloads: bool) -> _Read | _Damaged | None:
    """The record whose first line is ``line`` (b"": read it), or None at the end of the segment."""
    if not line:
        segment.skip_line_ends()
        line = segment.readline(MAX_LINE)
    if not line:
        return _Damaged(segment.position, segment.position, segment.error) if segment.error else None
    start = segment.position - len(line)
    if not line.startswith(b"WARC/"):
        return _Damaged(start, start + len(line), segment.error or "no WARC record starts here")
    headers, trouble = _header_block(segment, line, "WARC")
    resume = segment.position
    if headers is None:
        return _Damaged(start, resume, segment.error or str(trouble))
    length_text = (headers.get_header("Content-Length") or "").strip()
    if not (length_text.isascii() and length_text.isdigit()):
        return _Damaged(start, resume, "WARC record without a valid Content-Length")
    length = int(length_text)
    if segment.gzipped:
        record = Record(segment.start, start, headers)
    else:
        record = Record(segment.start + start, 0, headers)
    got = _read_http(segment, record, length, payloads) if record.is_http_response else segment.skip(length)
    if got < length:
        where = "its gzip member" if segment.gzipped else "the file"
        reason = f"record cut short: its Content-Length is {length:,} bytes, {where} ends after {got:,}"
        return _Damaged(start, resume, segment.error or reason)
    if not record.rec_type:
        return _Damaged(start, segment.position, "WARC record without a WARC-Type")
    return _after_record(segment, record, start, resume, length)


def _after_record(
    segment: _Segment, record: Record, start: int, resume: int, length: int
) -> _Read | _Damaged:
    """A record ends with blank lines, then the next record or the end of its member or file; anything else
    means its Content-Length is wrong (the record is damaged, not stored)."""
    blank = segment.skip_line_ends()
    line = segment.readline(MAX_LINE)
    if segment.error:  # a member that fails its check (or is cut short) vouches for none of its bytes
        return _Damaged(start, resume, segment.error)
    if line == b"" or (blank and line.startswith(b"WARC/")):
        return _Read(record, line)
    reason = f"the record does not end where its Content-Length ({length:,} bytes) says"
    return _Damaged(start, resume, reason)


def _header_block(
    segment: _Segment, first: bytes, kind: str, limit: int | None = None
) -> tuple[StatusAndHeaders | None, str | None]:
    """Read a header block (its first line given) up to its blank line, with every bound checked, and parse
    it. ``limit`` is how many bytes the block may take (an HTTP block lies inside its record)."""
    lines = [first]
    total = len(first)
    while True:
        if len(lines) > MAX_HEADER_LINES:
            return None, f"more than {MAX_HEADER_LINES} {kind} header lines"
        if total > MAX_HEADER_BLOCK:
            return None, f"{kind} headers over {_kib(MAX_HEADER_BLOCK)}"
        room = MAX_LINE if limit is None else min(MAX_LINE, limit - total)
        if not lines[-1].endswith(b"\n"):
            if len(lines[-1]) >= MAX_LINE:
                return None, f"{kind} header line longer than {_kib(MAX_LINE)}"
            if room <= 0:  # the record ends inside its HTTP headers: take what there is
                break
            return None, f"{kind} headers cut short"
        line = segment.readline(room) if room > 0 else b""
        if line in _BLANK:
            break
        if not line:
            if room <= 0:
                break
            return None, f"{kind} headers cut short"
        lines.append(line)
        total += len(line)
    parser = _WARC_PARSER if kind == "WARC" else _HTTP_PARSER
    return parser.parse(io.BytesIO(b"".join(lines))), None


def _read_http(segment: _Segment, record: Record, length: int, payloads: bool) -> int:
    """Read an HTTP response block of ``length`` bytes: its headers, and its payload when asked for (a
    payload past MAX_PAYLOAD_BYTES is refused); returns how many bytes of the block there were."""
    if length == 0:
        record.problem = "empty response record"
        return 0
    before = segment.position
    first = segment.readline(min(MAX_LINE, length))
    if not first.endswith(b"\n") and len(first) < min(MAX_LINE, length):
        return len(first)  # the member or file ends inside the status line
    http, trouble = _header_block(segment, first, "HTTP", limit=length)
    used = segment.position - before
    rest = length - used
    if http is None:
        record.problem = trouble
        return used + segment.skip(rest)
    record.http = http
    if not payloads:
        return used + segment.skip(rest)
    if rest > MAX_PAYLOAD_BYTES:
        record.problem = f"payload over {_mb(MAX_PAYLOAD_BYTES)}"
        return used + segment.skip(rest)
    record.payload = segment.read(rest)
    return used + len(record.payload)


# -- files -----------------------------------------------------------------------------------------------


def read_records(stream: IO[bytes], *, payloads: bool = True) -> Iterator[Record | Damage]:
    """Every sound record of a WARC file (gzipped per record, gzipped whole, or uncompressed) in order, and
    a :class:`Damage` for each part that is not one; reading goes on past damage. HTTP responses come with
    their HTTP headers, and their payloads when ``payloads``. ``stream`` must be seekable."""
    file = _File(stream)
    if file.size == 0:
        yield Damage(0, "not a WARC file: it is empty")
        return
    position: int | None = 0
    first = True
    while position is not None and position < file.size:
        items = _read_segment(_Segment(file, position), payloads)
        while True:
            try:
                item = next(items)
            except StopIteration as done:
                position = done.value
                break
            if first and isinstance(item, Damage) and item.offset == 0 and item.reason.startswith("no WARC"):
                item = Damage(0, "not a WARC file")
            first = False
            yield item


def _read_segment(segment: _Segment, payloads: bool) -> Generator[Record | Damage, None, int | None]:
    """The records of one gzip member (or of an uncompressed file to its end); returns where reading goes
    on: the next member, or after damage the next place a record may start (None: the end of the file)."""
    line = b""
    while True:
        outcome = _read_record(segment, line, payloads)
        if outcome is None:
            return segment.end if segment.gzipped else None
        if isinstance(outcome, _Read):
            yield outcome.record
            line = outcome.next_line
            continue
        if not segment.gzipped:
            yield Damage(segment.start + outcome.start, outcome.reason)
        elif outcome.start:  # a member holding several records (a WARC gzipped whole): say where in it
            yield Damage(
                segment.start, f"{outcome.reason} ({outcome.start:,} bytes into the inflated member)"
            )
        else:
            yield Damage(segment.start, outcome.reason)
        if segment.error:  # the member cannot be inflated past here: look for the next one in the file
            return _next_start(segment.file, segment.start + 1)
        if not segment.gzipped:
            return _next_start(segment.file, segment.start + outcome.resume)
        # Inside a member, look again from the end of the damaged record's headers, inflated anew: a
        # Content-Length too long may have taken the start of the next record.
        segment = _Segment(segment.file, segment.start)
        segment.skip(outcome.resume)
        line = _next_warc_line(segment)
        if not line:
            return _next_start(segment.file, segment.start + 1) if segment.error else segment.end


def _next_warc_line(segment: _Segment) -> bytes:
    """Pass over bytes to the next line that starts with ``WARC/`` and read it (b"" at the end)."""
    return segment.readline(MAX_LINE) if segment.find_line(b"WARC/") else b""


def _next_start(file: _File, start: int) -> int | None:
    """After damage, where the next record may start: a gzip member that inflates to a ``WARC/`` line, or a
    ``WARC/`` line of an uncompressed file (None: nowhere before the end of the file)."""
    position = max(start - 1, 0)  # from the byte before: a WARC/ line right at ``start`` is found too
    carry = b""
    while position < file.size:
        chunk = bytes(file.read(position, _PIECE))
        data = carry + chunk
        base = position - len(carry)
        for match in _RESTART.finditer(data):
            found = base + match.start()
            if match.group() == b"\nWARC/":
                if found + 1 >= start:
                    return found + 1
            elif found >= start and _inflates_to_warc(file, found):
                return found
        carry = data[-5:]
        position += len(chunk)
    return None


def _inflates_to_warc(file: _File, offset: int) -> bool:
    inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)
    try:
        head = inflater.decompress(file.read(offset, _PROBE), 64)
    except zlib.error:
        return False
    return head.lstrip(b"\r\n").startswith(b"WARC/")


def read_record_at(stream: IO[bytes], offset: int, inner: int = 0) -> Record | Damage:
    """The record at ``offset`` (``inner`` bytes into its inflated gzip member), with its payload."""
    segment = _Segment(_File(stream), offset)
    segment.skip(inner)
    outcome = _read_record(segment, b"", payloads=True)
    if isinstance(outcome, _Read):
        return outcome.record
    return Damage(offset, outcome.reason if outcome is not None else "no WARC record there")
