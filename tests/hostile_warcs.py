"""Hostile and damaged WARC input, built in the tests (never committed as files): compression bombs of a few
hundred bytes to a few kilobytes that inflate to gigabytes, raw WARC records with any Content-Length, and
walla articles to fill them with."""

from __future__ import annotations

import gzip
import resource
import subprocess
import sys
import uuid
import zlib
from pathlib import Path

import brotli

from .sitefarm import walla_article

if sys.version_info >= (3, 14):
    from compression import zstd
else:
    from backports import zstd

WALLA = "https://news.walla.co.il"
MIB = 1024 * 1024
GIB = 1024 * MIB
BLOCK = 16 * MIB  # the largest brotli meta-block


def brotli_bomb(inflated: int) -> bytes:
    """A brotli stream of ``inflated`` zero bytes (a multiple of 16 MiB): one compressed, flushed 16 MiB
    meta-block repeated (the compressor writes the same 14 bytes for each after the first), so a bomb of
    4 GiB takes no time to make. 1 GiB: 897 bytes; 4 GiB: 3,585 bytes."""
    compressor = brotli.Compressor(quality=3, lgwin=24)
    zeros = bytes(BLOCK)
    first = compressor.process(zeros) + compressor.flush()
    repeated = compressor.process(zeros) + compressor.flush()
    return first + repeated * (inflated // BLOCK - 1) + compressor.finish()


def _repeated_deflate(inflated: int, fill: bytes = b"\0", prefix: bytes = b"", suffix: bytes = b"") -> bytes:
    """Raw deflate of prefix + ``inflated`` bytes of ``fill`` + suffix, from one compressed 16 MiB block
    (each flushed with Z_FULL_FLUSH, so the compressed bytes repeat)."""
    compressor = zlib.compressobj(9, zlib.DEFLATED, -zlib.MAX_WBITS)
    head = compressor.compress(prefix) + compressor.flush(zlib.Z_FULL_FLUSH)
    block = compressor.compress(fill * (BLOCK // len(fill))) + compressor.flush(zlib.Z_FULL_FLUSH)
    return head + block * (inflated // BLOCK) + compressor.compress(suffix) + compressor.flush()


def gzip_member_of(inflated: int, fill: bytes = b"\0", prefix: bytes = b"", suffix: bytes = b"") -> bytes:
    """One gzip member of prefix + ``inflated`` bytes (a multiple of 16 MiB) of ``fill`` + suffix, with
    its true CRC and size: a 1 GiB member takes about 1 MB."""
    crc = zlib.crc32(prefix)
    block = fill * (BLOCK // len(fill))
    for _ in range(inflated // BLOCK):
        crc = zlib.crc32(block, crc)
    crc = zlib.crc32(suffix, crc)
    size = len(prefix) + inflated + len(suffix)
    header = b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\xff"
    trailer = crc.to_bytes(4, "little") + (size & 0xFFFFFFFF).to_bytes(4, "little")
    return header + _repeated_deflate(inflated, fill, prefix, suffix) + trailer


def deflate_bomb(inflated: int) -> bytes:
    """zlib-wrapped deflate (as Content-Encoding: deflate should be) of ``inflated`` zero bytes."""
    adler = 1
    block = bytes(BLOCK)
    for _ in range(inflated // BLOCK):
        adler = zlib.adler32(block, adler)
    return b"\x78\xda" + _repeated_deflate(inflated) + adler.to_bytes(4, "big")


def zstd_bomb(inflated: int) -> bytes:
    """zstd frames of 16 MiB of zeros each, one after another (a stream may hold several frames)."""
    return zstd.compress(bytes(BLOCK)) * (inflated // BLOCK)


def inflates_past(data: bytes, coding: str, size: int) -> bool:
    """Whether ``data`` really decodes to more than ``size`` bytes (decoded to just past it, not further;
    every gzip member and zstd frame counts)."""
    produced = 0
    if coding == "br":
        decompressor = brotli.Decompressor()
        produced = len(decompressor.process(data, output_buffer_limit=MIB))
        while produced <= size and not decompressor.is_finished():
            produced += len(decompressor.process(b"", output_buffer_limit=MIB))
        return produced > size
    while data and produced <= size:
        if coding == "zstd":
            decoder = zstd.ZstdDecompressor()
        else:
            decoder = zlib.decompressobj({"gzip": 16 + zlib.MAX_WBITS, "deflate": zlib.MAX_WBITS}[coding])
        produced += len(decoder.decompress(data, max_length=size + 1 - produced))
        data = decoder.unused_data if decoder.eof else b""
    return produced > size


# -- records ---------------------------------------------------------------------------------------------


def http_response(body: bytes, status: str = "200 OK", **headers: str) -> bytes:
    fields = {"Content-Type": "text/html; charset=utf-8", **headers}
    lines = "".join(f"{name}: {value}\r\n" for name, value in fields.items())
    return f"HTTP/1.1 {status}\r\n{lines}\r\n".encode() + body


def warc_record(url: str, block: bytes, *, length: int | None = None, rec_type: str = "response") -> bytes:
    """A WARC record as bytes; ``length`` overrides the Content-Length (a wrong one)."""
    kind = "application/http; msgtype=response" if rec_type == "response" else "application/warc-fields"
    head = (
        f"WARC/1.1\r\nWARC-Type: {rec_type}\r\nWARC-Target-URI: {url}\r\nWARC-Date: 2024-05-15T08:00:00Z\r\n"
        f"WARC-Record-ID: <urn:uuid:{uuid.uuid4()}>\r\nContent-Type: {kind}\r\n"
        f"Content-Length: {len(block) if length is None else length}\r\n\r\n"
    )
    return head.encode() + block + b"\r\n\r\n"


def article_url(n: int) -> str:
    return f"{WALLA}/break/{n}"


def article_record(n: int, **headers: str) -> bytes:
    """A response record of walla article ``n`` (an article the import stores)."""
    return warc_record(article_url(n), http_response(walla_article(n).encode(), **headers))


def member(record: bytes) -> bytes:
    return gzip.compress(record, compresslevel=6)


def run_limited(args: list[str], memory_mb: int, timeout: float = 120) -> subprocess.CompletedProcess:
    """A command in a process whose address space is limited to ``memory_mb`` (so a payload that
    inflates in memory ends it with a MemoryError instead of taking the machine's memory)."""
    limit = memory_mb * MIB

    def limit_memory() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))

    return subprocess.run(
        args, capture_output=True, text=True, timeout=timeout, check=False, preexec_fn=limit_memory
    )


def newsarchive(*args: str | Path) -> list[str]:
    return [sys.executable, "-m", "newsarchive.cli", *(str(a) for a in args)]
