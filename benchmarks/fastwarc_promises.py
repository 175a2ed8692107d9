"""Does FastWARC keep our WARC reader's promises? The damaged and hostile inputs of tests/test_warc_damage.py
read by both, record by record (issue 18).

    python benchmarks/fastwarc_promises.py      # needs pip install fastwarc

For each input: the sound response records our reader (newsarchive/warc_reader.py) gives and the damage it
reports (byte offset and reason), against what FastWARC's ArchiveIterator gives: the records, whether each
payload is the one recorded (our reader's), whether it raised, and how many sound records it lost or gave
wrong. Each runs in a process limited to 1 GB of address space, as the damage tests do.
"""

from __future__ import annotations

import gzip
import io
import json
import resource
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from newsarchive.warc_reader import Damage, Record, read_records
from tests.hostile_warcs import (
    GIB,
    MIB,
    article_record,
    article_url,
    gzip_member_of,
    http_response,
    member,
    warc_record,
)
from tests.sitefarm import walla_article


def inputs() -> dict[str, bytes]:
    good = [member(article_record(n)) for n in (101, 102, 103)]
    block = http_response(walla_article(102).encode())
    status, rest = b"HTTP/1.1 200 ", b"\r\nContent-Type: text/html\r\n\r\n<html>x</html>"
    line = 3 * GIB
    head = warc_record(article_url(102), b"", length=len(status) + line + len(rest)).removesuffix(b"\r\n\r\n")
    plain = [gzip.decompress(g) for g in good]
    return {
        "clean, gzip per record": b"".join(good),
        "junk between gzip members": good[0] + b"junk junk junk\r\n" + good[1] + good[2],
        "a bad gzip member (its check fails)": good[0] + good[1][:-8] + bytes(8) + good[2],
        "the file ends inside a gzip member": good[0] + good[1] + good[2][: len(good[2]) // 2],
        "a Content-Length 100 bytes short": good[0]
        + member(warc_record(article_url(102), block, length=len(block) - 100))
        + good[2],
        "a Content-Length 100 bytes long": good[0]
        + member(warc_record(article_url(102), block, length=len(block) + 100))
        + good[2],
        "a WARC header line of 100 KiB": good[0]
        + member(b"WARC/1.1\r\nWARC-Type: response\r\nX-Long: " + b"a" * (100 * 1024) + b"\r\n\r\n")
        + good[2],
        "2,000 WARC header lines": good[0]
        + member(b"WARC/1.1\r\n" + b"X-Header: 1\r\n" * 2000 + b"\r\n")
        + good[2],
        "a 3 GiB HTTP status line (a 3 MB file)": good[0]
        + gzip_member_of(line, b"A", prefix=head + status, suffix=rest + b"\r\n\r\n")
        + good[2],
        "64 MiB of line ends before a record": good[0]
        + gzip_member_of(64 * MIB, b"\r\n", suffix=article_record(102))
        + good[2],
        "uncompressed, junk between records": plain[0] + b"junk\r\n" + plain[1] + plain[2],
        "gzipped whole, the end cut off": gzip.compress(b"".join(plain))[:-40],
        "no WARC at all": b"<html>hello</html>",
    }


def ours(data: bytes) -> tuple[list[tuple[str, bytes]], list[tuple[int, str]]]:
    """The sound responses (a record whose HTTP headers are refused is no page) and the damage."""
    records, damage = [], []
    for item in read_records(io.BytesIO(data)):
        if isinstance(item, Damage):
            damage.append((item.offset, item.reason))
        elif isinstance(item, Record) and item.is_http_response:
            records.append((item.url, item.payload))
            if item.problem is not None:
                damage.append((item.offset, f"refused: {item.problem}"))
                records.pop()
    return records, damage


def fastwarc(data: bytes) -> tuple[list[tuple[str, bytes]], str | None]:
    from fastwarc.warc import ArchiveIterator, WarcRecordType

    records: list[tuple[str, bytes]] = []
    try:
        for record in ArchiveIterator(
            io.BytesIO(data), record_types=WarcRecordType.response, parse_http=True
        ):
            records.append((record.headers.get("WARC-Target-URI", ""), record.reader.read()))
    except Exception as error:  # what it raises is what we would have to fall back on
        return records, f"{type(error).__name__}: {error}"
    return records, None


def main() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (GIB, GIB))
    rows = []
    for name, data in inputs().items():
        started = time.perf_counter()
        sound, damage = ours(data)
        ours_s = time.perf_counter() - started
        started = time.perf_counter()
        fast, raised = fastwarc(data)
        fast_s = time.perf_counter() - started
        wrong = [url for url, payload in fast if (url, payload) not in sound]
        lost = [url for url, payload in sound if (url, payload) not in fast]
        rows.append(
            {
                "input": name,
                "ours": {"sound": len(sound), "damage": damage, "seconds": round(ours_s, 2)},
                "fastwarc": {
                    "records": len(fast),
                    "raised": raised,
                    "sound records lost": len(lost),
                    "records given with a payload other than the recorded one": len(wrong),
                    "seconds": round(fast_s, 2),
                    "alike": not lost and not wrong and (raised is not None) == bool(damage),
                    "damage passed over silently": bool(damage) and raised is None,
                },
            }
        )
        print(json.dumps(rows[-1], ensure_ascii=False), flush=True)
    alike = sum(1 for row in rows if row["fastwarc"]["alike"])
    silent = sum(1 for row in rows if row["fastwarc"]["damage passed over silently"])
    print(f"{alike} of {len(rows)} inputs read alike; FastWARC passed over the damage of {silent}", end=" ")
    print("silently; peak RSS", end=" ")
    print(f"{resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024} MB")


if __name__ == "__main__":
    main()
