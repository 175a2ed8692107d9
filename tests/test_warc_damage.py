"""Hostile and damaged WARC files: compression bombs, broken chunked payloads, endless header lines, wrong
lengths, bad gzip members, files that are no WARC. Each is refused or counted with its reason, memory stays
bounded, and every good record before and after is imported (and replayed)."""

from __future__ import annotations

import gzip
import json
import sqlite3
import subprocess
import time
import tracemalloc
from pathlib import Path

import pytest

from newsarchive.ingest import FileDamage, IngestReport, ingest, warc_pages
from newsarchive.replay import WarcReplayIndex
from newsarchive.store import Archive
from newsarchive.warc import MAX_MEMBERS, dechunk, decode_content
from newsarchive.warc_reader import MAX_PAYLOAD_BYTES

from .hostile_warcs import (
    BLOCK,
    GIB,
    MIB,
    article_record,
    article_url,
    brotli_bomb,
    deflate_bomb,
    gzip_member_of,
    http_response,
    inflates_past,
    member,
    newsarchive,
    run_limited,
    warc_record,
    zstd_bomb,
)
from .sitefarm import SiteFarm, walla_article
from .test_crawl import walla_site

#: the address space an import runs in: a few times what it needs, far below any bomb's inflation
MEMORY_MB = 512


def import_api(path: Path, db: Path) -> IngestReport:
    with Archive(db) as archive:
        return ingest(archive, warc_pages(path), keep_outcomes=False)


def import_limited(db: Path, *paths: Path, timeout: float = 120) -> tuple[int, dict, str]:
    """`newsarchive import --format json` in limited memory: (exit code, report, stderr)."""
    result = run_limited(newsarchive("import", "--db", db, "--format", "json", *paths), MEMORY_MB, timeout)
    assert "Traceback" not in result.stderr, result.stderr
    return result.returncode, json.loads(result.stdout), result.stderr


def stored_urls(db: Path) -> set[str]:
    with sqlite3.connect(db) as conn:
        return {row[0] for row in conn.execute("SELECT url FROM articles")}


def offsets(parts: list[bytes]) -> list[int]:
    """Where each part starts in their concatenation."""
    starts, at = [], 0
    for part in parts:
        starts.append(at)
        at += len(part)
    return starts


# -- compression bombs -----------------------------------------------------------------------------------

BOMBS = {
    "br 1 GiB": ("br", lambda: brotli_bomb(GIB)),
    "br 4 GiB": ("br", lambda: brotli_bomb(4 * GIB)),
    "gzip 1 GiB": ("gzip", lambda: gzip_member_of(GIB)),
    "gzip, 4 members": ("gzip", lambda: gzip_member_of(BLOCK) * 4),
    "deflate 1 GiB": ("deflate", lambda: deflate_bomb(GIB)),
    "zstd, 64 frames": ("zstd", lambda: zstd_bomb(GIB)),
}


@pytest.fixture(scope="module")
def bombs() -> dict[str, tuple[str, bytes]]:
    made = {name: (coding, make()) for name, (coding, make) in BOMBS.items()}
    for name, (coding, data) in made.items():  # real bombs: each decodes past the limit
        assert len(data) < 1_100_000 and inflates_past(data, coding, MAX_PAYLOAD_BYTES + MIB), name
    assert len(made["br 1 GiB"][1]) < 1000 and len(made["br 4 GiB"][1]) < 4000
    return made


def test_every_decoder_stops_at_the_payload_limit(bombs: dict[str, tuple[str, bytes]]) -> None:
    for name, (coding, data) in bombs.items():
        tracemalloc.start()
        with pytest.raises(ValueError, match=f"the {coding} payload inflates past 20 MB"):
            decode_content(data, coding)
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        assert peak < 3 * MAX_PAYLOAD_BYTES, (name, peak)


def test_every_member_and_frame_is_decoded_and_trailing_bytes_left_out() -> None:
    page = "<html><body>" + "מילים " * 50 + "</body></html>"
    half = len(page) // 2
    first, second = page[:half].encode(), page[half:].encode()
    assert decode_content(gzip.compress(first) + gzip.compress(second), "gzip") == page.encode()
    assert decode_content(gzip.compress(page.encode()) + b"\0\0 junk", "gzip") == page.encode()
    import zlib

    assert decode_content(zlib.compress(page.encode()) + b"concatenated junk", "deflate") == page.encode()
    raw = zlib.compressobj(6, zlib.DEFLATED, -zlib.MAX_WBITS)
    assert decode_content(raw.compress(page.encode()) + raw.flush(), "deflate") == page.encode()
    from .hostile_warcs import zstd

    assert decode_content(zstd.compress(first) + zstd.compress(second), "zstd") == page.encode()
    assert decode_content(gzip.compress(gzip.compress(page.encode())), "gzip, gzip") == page.encode()
    with pytest.raises(ValueError, match="cannot decode the br payload"):
        decode_content(b"not brotli at all", "br")


def test_a_payload_of_countless_tiny_members_or_frames_is_refused_at_once(tmp_path: Path) -> None:
    """Each gzip member or zstd frame copied the rest of the payload: 20 MB of empty gzip members (a million)
    took minutes to decode, 9 MB of empty zstd frames likewise (quadratic); now a payload of more than
    MAX_MEMBERS is refused, and decoding is linear up to it."""
    from .hostile_warcs import zstd

    assert decode_content(gzip.compress(b"a") * MAX_MEMBERS, "gzip") == b"a" * MAX_MEMBERS
    assert decode_content(zstd.compress(b"a") * MAX_MEMBERS, "zstd") == b"a" * MAX_MEMBERS
    for coding, empty in (("gzip", gzip.compress(b"")), ("zstd", zstd.compress(b""))):
        started = time.perf_counter()
        with pytest.raises(ValueError, match=f"more than 1,000 {coding} (members|frames) in one payload"):
            decode_content(empty * 1_000_000, coding)
        assert time.perf_counter() - started < 1
    countless = http_response(gzip.compress(b"") * 1_000_000, **{"Content-Encoding": "gzip"})
    path = tmp_path / "countless.warc.gz"
    path.write_bytes(
        member(article_record(101))
        + member(warc_record(article_url(102), countless))
        + member(article_record(103))
    )
    started = time.perf_counter()
    report = import_api(path, tmp_path / "a.db")
    assert time.perf_counter() - started < 10
    assert report.total_stored == 2 and report.total_damaged == 0
    assert report.skipped == {"cannot decode the gzip payload": 1}


def test_a_capture_time_no_clock_can_have_is_taken_as_unknown(tmp_path: Path) -> None:
    """A WARC-Date of 9999-12-31 anchored the page's relative dates in year 9999: the extraction failed (its
    traceback on stderr) and the article was lost."""
    records = [
        warc_record(article_url(n), http_response(walla_article(n).encode())).replace(
            b"WARC-Date: 2024-05-15T08:00:00Z", f"WARC-Date: {date}".encode()
        )
        for n, date in ((101, "9999-12-31T23:59:59Z"), (102, "0001-01-01T00:00:00Z"), (103, "tomorrow"))
    ]
    path = tmp_path / "dates.warc.gz"
    path.write_bytes(b"".join(member(record) for record in records))
    code, out, err = import_limited(tmp_path / "a.db", path)
    assert code == 0 and out["stored"] == {"walla": 3} and err.strip() == ""
    with sqlite3.connect(tmp_path / "a.db") as conn:
        assert conn.execute("SELECT count(*) FROM articles WHERE fetched_at IS NULL").fetchone() == (3,)


def test_bombs_in_a_warc_are_refused_with_a_reason_and_the_import_goes_on(
    tmp_path: Path, bombs: dict[str, tuple[str, bytes]]
) -> None:
    parts = [member(article_record(101))]
    for n, (coding, data) in enumerate(bombs.values(), start=102):
        record = warc_record(article_url(n), http_response(data, **{"Content-Encoding": coding}))
        parts.append(member(record))
    parts.append(member(article_record(199)))
    path = tmp_path / "bombs.warc.gz"
    path.write_bytes(b"".join(parts))
    assert path.stat().st_size < 4_000_000

    code, report, err = import_limited(tmp_path / "a.db", path)
    assert code == 0, err
    assert report["stored"] == {"walla": 2} and report["damaged"] == []
    assert report["skipped"] == {
        "the br payload inflates past 20 MB": 2,
        "the gzip payload inflates past 20 MB": 2,
        "the deflate payload inflates past 20 MB": 1,
        "the zstd payload inflates past 20 MB": 1,
    }
    assert stored_urls(tmp_path / "a.db") == {article_url(101), article_url(199)}
    with sqlite3.connect(tmp_path / "a.db") as conn:  # no bomb was kept as a raw page either
        assert conn.execute("SELECT count(*), max(body_size) FROM pages").fetchone()[0] == 2


# -- chunked transfer coding -----------------------------------------------------------------------------


def test_chunk_sizes_are_checked_and_progress_is_guaranteed() -> None:
    assert dechunk(b"5;name=value\r\nhello\r\n6\r\n world\r\n0\r\n\r\n") == b"hello world"
    assert dechunk(b"5\nhello\n0\n\n") == b"hello"  # bare line feeds
    assert dechunk(b"5\r\nhello\r\n") == b"hello"  # the last chunk was not recorded
    refused = {
        b"-6\r\n<html>\r\n0\r\n\r\n": "chunk size '-6' is not a hexadecimal number",
        b"zz\r\nhello\r\n0\r\n\r\n": "chunk size 'zz' is not a hexadecimal number",
        b"0x5\r\nhello\r\n0\r\n\r\n": "chunk size '0x5' is not a hexadecimal number",
        b"\r\nhello\r\n": "chunk size '' is not a hexadecimal number",
        b"ffffffffffffffff\r\nhello\r\n0\r\n\r\n": "chunks adding up past 20 MB",
        b"b00000\r\n" + b"x" * 0xB00000 + b"\r\nb00000\r\n": "chunks adding up past 20 MB",
        b"10\r\nhello\r\n0\r\n\r\n": "a chunk of 16 bytes cut short after 12",
        b"5\r\nhelloXX0\r\n\r\n": "no line end after a chunk",
        b"5" * 2000: "no chunk-size line where a chunk should start",
    }
    for data, reason in refused.items():
        with pytest.raises(ValueError, match=reason):
            dechunk(data)


def test_broken_chunked_payloads_are_refused_in_an_import(tmp_path: Path) -> None:
    page = article_record(105)  # a good chunked page: the walla article in two chunks
    body = page.split(b"\r\n\r\n", 2)[2].removesuffix(b"\r\n\r\n")
    chunked = (
        f"{len(body) - 10:x}\r\n".encode() + body[:-10] + b"\r\n" + b"a\r\n" + body[-10:] + b"\r\n0\r\n\r\n"
    )
    broken = [
        b"-6\r\n" + b"<html>" * 100 + b"\r\n0\r\n\r\n",
        b"ffffffffffffffff\r\nabc\r\n",
        b"zz\r\n<html>\r\n",
    ]
    parts = [member(article_record(101))]
    for n, payload in enumerate(broken, start=102):
        block = http_response(payload, **{"Transfer-Encoding": "chunked"})
        parts.append(member(warc_record(article_url(n), block)))
    parts.append(
        member(warc_record(article_url(105), http_response(chunked, **{"Transfer-Encoding": "chunked"})))
    )
    path = tmp_path / "chunked.warc.gz"
    path.write_bytes(b"".join(parts))

    code, report, err = import_limited(tmp_path / "a.db", path, timeout=60)
    assert code == 0, err
    assert report["stored"] == {"walla": 2} and report["skipped"] == {"broken chunked payload": 3}
    assert stored_urls(tmp_path / "a.db") == {article_url(101), article_url(105)}


# -- endless header lines --------------------------------------------------------------------------------


def test_a_3_gib_status_line_is_refused_in_bounded_memory(tmp_path: Path) -> None:
    line = 3 * GIB
    status, rest = b"HTTP/1.1 200 ", b"\r\nContent-Type: text/html\r\n\r\n<html>x</html>"
    head = warc_record(article_url(102), b"", length=len(status) + line + len(rest)).removesuffix(b"\r\n\r\n")
    endless = gzip_member_of(line, b"A", prefix=head + status, suffix=rest + b"\r\n\r\n")
    path = tmp_path / "status-line.warc.gz"
    path.write_bytes(member(article_record(101)) + endless + member(article_record(103)))
    assert path.stat().st_size < 4_000_000

    code, report, err = import_limited(tmp_path / "a.db", path)
    assert code == 0, err
    assert report["skipped"] == {"HTTP header line longer than 64 KiB": 1} and report["damaged"] == []
    assert report["stored"] == {"walla": 2}


def test_endless_warc_headers_are_damage_and_reading_goes_on(tmp_path: Path) -> None:
    long_line = b"WARC/1.1\r\nWARC-Type: response\r\nX-Long: " + b"a" * (100 * 1024) + b"\r\n\r\n"
    many_lines = b"WARC/1.1\r\n" + b"X-Header: 1\r\n" * 2000 + b"\r\n"
    parts = [member(article_record(101)), member(long_line), member(many_lines), member(article_record(102))]
    path = tmp_path / "headers.warc.gz"
    path.write_bytes(b"".join(parts))
    report = import_api(path, tmp_path / "a.db")
    starts = offsets(parts)
    assert report.damaged == [
        FileDamage(path, starts[1], "WARC header line longer than 64 KiB"),
        FileDamage(path, starts[2], "more than 1000 WARC header lines"),
    ]
    assert report.total_stored == 2


def test_runs_of_line_ends_are_passed_over_in_bounded_time(tmp_path: Path) -> None:
    """64 MiB of line ends before a record, and after a damaged one (where the next record is looked for),
    from 64 KB files: passed over piece by piece, not line by line (67 million lines would take minutes)."""
    blank_lines = gzip_member_of(64 * MIB, b"\r\n", suffix=article_record(102))
    damaged = gzip_member_of(64 * MIB, b"\n", prefix=b"WARC/1.1\r\nWARC-Type: response\r\n\r\n")
    parts = [member(article_record(101)), blank_lines, damaged, member(article_record(103))]
    path = tmp_path / "line-ends.warc.gz"
    path.write_bytes(b"".join(parts))
    started = time.monotonic()
    report = import_api(path, tmp_path / "a.db")
    assert time.monotonic() - started < 20
    assert report.damaged == [
        FileDamage(path, offsets(parts)[2], "WARC record without a valid Content-Length")
    ]
    assert stored_urls(tmp_path / "a.db") == {article_url(n) for n in (101, 102, 103)}


# -- wrong lengths, cut-short files, bad gzip members, files that are no WARC ----------------------------


def test_a_record_whose_length_disagrees_is_damaged_not_stored(tmp_path: Path) -> None:
    blocks = {n: http_response(walla_article(n).encode()) for n in range(101, 107)}
    wrong = {102: len(blocks[102]) - 100, 104: len(blocks[104]) + 100}  # too short, too long
    records = [warc_record(article_url(n), block, length=wrong.get(n)) for n, block in blocks.items()]
    short = f"the record does not end where its Content-Length ({wrong[102]:,} bytes) says"
    long = f"the record does not end where its Content-Length ({wrong[104]:,} bytes) says"
    cut_short = f"record cut short: its Content-Length is {wrong[104]:,} bytes, its gzip member ends"
    members = [member(r) for r in records]
    layouts = {  # (the file's parts, where each damage is reported, the second damage's reason)
        "a gzip member per record": (members, [offsets(members)[1], offsets(members)[3]], cut_short),
        "uncompressed": (records, [offsets(records)[1], offsets(records)[3]], long),
        "one gzip member for all": (
            [member(b"".join(records))],
            [0, 0],
            f"{long} ({len(b''.join(records[:3])):,} bytes into",
        ),
    }
    for i, (layout, (parts, damaged_at, second)) in enumerate(layouts.items()):
        path = tmp_path / f"lengths-{i}.warc{'' if layout == 'uncompressed' else '.gz'}"
        path.write_bytes(b"".join(parts))
        report = import_api(path, tmp_path / f"{i}.db")
        assert [d.offset for d in report.damaged] == damaged_at, layout
        assert report.damaged[0].reason.startswith(short), layout
        assert report.damaged[1].reason.startswith(second), layout
        # a Content-Length too long took the start of the next record: it is found all the same
        assert stored_urls(tmp_path / f"{i}.db") == {article_url(n) for n in (101, 103, 105, 106)}, layout
        assert report.total_stored == 4 and report.total_damaged == 2


def test_a_warc_cut_short_keeps_what_came_before_and_says_where(tmp_path: Path) -> None:
    records = [article_record(n) for n in (101, 102, 103, 104)]
    members = [member(r) for r in records]
    gz = tmp_path / "cut.warc.gz"
    gz.write_bytes(b"".join(members)[: -len(members[3]) // 2])
    report = import_api(gz, tmp_path / "gz.db")
    assert report.total_stored == 3
    assert report.damaged == [
        FileDamage(gz, offsets(members)[3], "gzip member cut short: the file ends inside it")
    ]

    plain = tmp_path / "cut.warc"
    plain.write_bytes(b"".join(records)[: -len(records[3]) // 2])
    report = import_api(plain, tmp_path / "plain.db")
    assert report.total_stored == 3 and len(report.damaged) == 1
    assert report.damaged[0].offset == offsets(records)[3]
    assert report.damaged[0].reason.startswith("record cut short: its Content-Length is")


def damaged_warc(tmp_path: Path) -> tuple[Path, list[int]]:
    """Good members with a member whose check fails, a member broken in its middle, and bytes that are no
    gzip member between them: (the file, where the three damaged parts start)."""
    failing_check = bytearray(member(article_record(102)))
    failing_check[-8:-4] = bytes(4)  # the CRC
    broken = bytearray(member(article_record(103)))
    middle = len(broken) // 2
    broken[middle : middle + 40] = b"\xff" * 40
    parts = [
        member(article_record(101)),
        bytes(failing_check),
        bytes(broken),
        member(article_record(104)),
        b"this is no gzip member at all\r\n" * 20,
        member(article_record(105)),
    ]
    path = tmp_path / "damaged.warc.gz"
    path.write_bytes(b"".join(parts))
    starts = offsets(parts)
    return path, [starts[1], starts[2], starts[4]]


def test_bad_gzip_members_and_junk_between_good_ones(tmp_path: Path) -> None:
    path, damaged_at = damaged_warc(tmp_path)
    report = import_api(path, tmp_path / "a.db")
    assert [d.offset for d in report.damaged] == damaged_at
    assert (
        report.damaged[0].reason == "bad gzip member: Error -3 while decompressing data: incorrect data check"
    )
    assert report.damaged[2].reason == "no WARC record starts here"
    assert stored_urls(tmp_path / "a.db") == {article_url(n) for n in (101, 104, 105)}

    code, out, err = import_limited(tmp_path / "cli.db", path)
    assert code == 1
    assert (
        err.strip().count("\n") == 0 and "3 damaged part(s) in 1 of 1 WARC file(s) (damaged.warc.gz)" in err
    )
    assert [(d["file"], d["offset"]) for d in out["damaged"]] == [(str(path), at) for at in damaged_at]
    assert out["damaged_total"] == 3 and out["stored"] == {"walla": 3}


def test_files_that_are_no_warc_are_reported_not_crashed_on(tmp_path: Path) -> None:
    text = tmp_path / "notes.warc"
    text.write_text("hello\nthis is a text file, not a web archive\n")
    junk = tmp_path / "junk.warc.gz"
    junk.write_bytes(gzip.compress(bytes(range(256)) * 40))
    empty = tmp_path / "empty.warc.gz"
    empty.write_bytes(b"")
    good = tmp_path / "good.warc.gz"
    good.write_bytes(member(article_record(101)) + member(article_record(102)))
    for path, reason in (
        (text, "not a WARC file"),
        (junk, "not a WARC file"),
        (empty, "not a WARC file: it is empty"),
    ):
        report = import_api(path, tmp_path / "api.db")
        assert report.damaged == [FileDamage(path, 0, reason)] and report.total_stored == 0

    code, out, err = import_limited(tmp_path / "a.db", text, good, junk, empty)
    assert code == 1
    assert err.strip().count("\n") == 0
    assert "3 damaged part(s) in 3 of 4 WARC file(s) (notes.warc, junk.warc.gz, empty.warc.gz)" in err
    assert out["stored"] == {"walla": 2}
    assert {(d["file"], d["offset"]) for d in out["damaged"]} == {(str(p), 0) for p in (text, junk, empty)}

    table = subprocess.run(
        newsarchive("import", "--db", tmp_path / "b.db", junk), capture_output=True, text=True
    )
    assert table.returncode == 1 and "Traceback" not in table.stderr
    assert "2 stored" not in table.stdout and f"damaged: {junk} at byte 0: not a WARC file" in table.stdout


# -- replay ----------------------------------------------------------------------------------------------


def site_warc(path: Path, replaced: dict[int, bytes], extra: bytes = b"") -> None:
    """The walla test site (robots.txt, sitemaps, articles 101-108) as a WARC, with the records of some
    articles replaced and ``extra`` bytes after the first two records."""
    farm = SiteFarm()
    farm.server.server_close()  # only its routes are wanted
    walla_site(farm, list(range(101, 109)))
    parts = []
    for (host, route_path), route in farm.routes.items():
        n = int(route_path.rsplit("/", 1)[1]) if route_path.startswith("/break/") else None
        if n in replaced:
            parts.append(member(replaced[n]))
            continue
        headers = {"Content-Type": "text/html; charset=utf-8", **route.headers}
        parts.append(member(warc_record(f"https://{host}{route_path}", http_response(route.body, **headers))))
    path.write_bytes(b"".join(parts[:2]) + extra + b"".join(parts[2:]))


def test_replay_serves_good_captures_and_counts_bombs_and_broken_ones_as_errors(
    tmp_path: Path, bombs: dict[str, tuple[str, bytes]]
) -> None:
    replaced = {
        n: warc_record(article_url(n), http_response(data, **{"Content-Encoding": coding}))
        for n, (coding, data) in zip(range(102, 108), bombs.values(), strict=True)
    }
    negative = http_response(
        b"-6\r\n" + b"<html>" * 100 + b"\r\n0\r\n\r\n", **{"Transfer-Encoding": "chunked"}
    )
    replaced[108] = warc_record(article_url(108), negative)
    path = tmp_path / "site.warc.gz"
    site_warc(path, replaced, extra=b"damaged bytes between two records\r\n")

    with pytest.warns(UserWarning, match=r"1 damaged part\(s\) passed over, the first at byte \d+"):
        index = WarcReplayIndex(path)
    assert len(index.skipped) == 1 and index.skipped[0].reason == "no WARC record starts here"
    status, _, body = index.response("news.walla.co.il", "/break/108")
    assert status == 502 and b"broken chunked payload" in body

    db = tmp_path / "replayed.db"
    command = newsarchive("crawl", "walla", "--replay", path, "--db", db, "--format", "json")
    result = run_limited([*command, "--log-file", str(tmp_path / "log")], 4 * MEMORY_MB, timeout=180)
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    assert "1 damaged part(s) passed over" in result.stderr
    summary = json.loads(result.stdout)[0]
    assert summary["stored"] == 2  # break/101 and the 2019 sitemap's break/1
    assert stored_urls(db) == {article_url(101), article_url(1)}
    assert summary["errors"] == {
        "over the size limit once decompressed (a compression bomb?)": 6,  # Scrapy's decoders refuse them
        "HTTP 502": 1,  # the broken chunked payload
        "no saved copy (replay)": 2,  # walla's feeds, on another host
    }
