"""WARC capture during crawls, WARC import, and crawls replayed from a WARC file."""

from __future__ import annotations

import errno
import gzip
import io
import json
import sqlite3
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest
from warcio.archiveiterator import ArchiveIterator
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from newsarchive.store.archive import rows_as_dicts
from newsarchive.warc import decode_content

from .sitefarm import SiteFarm, run_crawl
from .test_crawl import WALLA, walla_site

FIXTURES = Path(__file__).parent / "fixtures"
YNET_URL = "https://www.ynet.co.il/health/article/B1x7Kq3Zp"
NEGEV_URL = "https://www.negevnews.co.il/news/12345"


def articles(db: Path) -> dict[str, dict]:
    conn = sqlite3.connect(db)
    rows = {
        row["url"]: {k: v for k, v in row.items() if k not in ("id", "page_id", "stored_at")}
        for row in rows_as_dicts(conn.execute("SELECT * FROM articles"))
    }
    conn.close()
    return rows


def table_counts(db: Path) -> dict[str, int]:
    with sqlite3.connect(db) as conn:
        return {
            t: conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
            for t in ("articles", "versions", "pages")
        }


def run_tool(module_main: str, *args: str) -> subprocess.CompletedProcess:
    code = f"import sys; from {module_main.rsplit('.', 1)[0]} import {module_main.rsplit('.', 1)[1]} as m;"
    code += " sys.exit(m())"
    return subprocess.run(
        [sys.executable, "-c", code, *args], capture_output=True, text=True, timeout=120, check=False
    )


def import_cli(db: Path, *args: str, exit_code: int = 0) -> dict:
    result = subprocess.run(
        [sys.executable, "-m", "newsarchive.cli", "import", "--db", str(db), "--format", "json", *args],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == exit_code, result.stderr
    return json.loads(result.stdout)


def test_crawl_to_warc_then_import_gives_the_same_archive(tmp_path: Path) -> None:
    warc_dir = tmp_path / "warc"
    with SiteFarm() as farm:
        walla_site(farm, [101, 102, 103])
        # one page sent gzipped, as most servers do: the WARC must keep the gzip bytes
        body = farm.routes[("news.walla.co.il", "/break/102")].body
        farm.add(f"{WALLA}/break/102", gzip.compress(body), headers={"Content-Encoding": "gzip"})
        code, _, err = run_crawl(farm, ["walla"], tmp_path / "crawled.db", "--warc", str(warc_dir))
        assert code == 0, err
    files = sorted(warc_dir.glob("*.warc.gz"))
    assert len(files) == 1 and "-walla-00000" in files[0].name
    check = run_tool("warcio.cli.main", "check", "-v", str(files[0]))
    assert check.returncode == 0, check.stdout + check.stderr

    with files[0].open("rb") as stream:
        records = [
            (r.rec_type, r.rec_headers.get_header("WARC-Target-URI"), r) for r in ArchiveIterator(stream)
        ]
        kinds = [kind for kind, _, _ in records]
    assert kinds[0] == "warcinfo" and kinds.count("response") == kinds.count("request") >= 6
    with files[0].open("rb") as stream:
        for record in ArchiveIterator(stream):
            if record.rec_type == "response" and record.rec_headers.get_header("WARC-Target-URI").endswith(
                "/102"
            ):
                assert record.raw_stream.read(2) == b"\x1f\x8b"  # the wire bytes, still gzipped
                assert record.http_headers.get_header("Content-Encoding") == "gzip"

    pytest.importorskip("cdxj_indexer")
    index = run_tool("cdxj_indexer.main.main", str(files[0]))
    assert index.returncode == 0, index.stderr
    assert "news.walla.co.il/break/102" in index.stdout.replace("il,co,walla,news)", "news.walla.co.il")

    report = import_cli(tmp_path / "imported.db", str(files[0]))
    assert report["stored"] == {"walla": 4}  # 101-103 and the 2019 sitemap's article
    crawled, imported = articles(tmp_path / "crawled.db"), articles(tmp_path / "imported.db")
    assert len(crawled) == 4
    assert imported == crawled  # field for field, the fetch time included
    before = table_counts(tmp_path / "imported.db")
    import_cli(tmp_path / "imported.db", str(files[0]))  # the same capture again: nothing new
    assert table_counts(tmp_path / "imported.db") == before
    assert before["articles"] == 4 and before["versions"] == 0  # nothing was replaced by a newer version


def test_a_crawl_replays_from_a_warc_file(tmp_path: Path) -> None:
    warc_dir = tmp_path / "warc"
    with SiteFarm() as farm:
        walla_site(farm, [101, 102])
        code, _, err = run_crawl(farm, ["walla"], tmp_path / "live.db", "--warc", str(warc_dir))
        assert code == 0, err
    # the farm is gone: the WARC is the web now
    warc = next(warc_dir.glob("*.warc.gz"))
    replayed_db, log = tmp_path / "replayed.db", tmp_path / "replay.log"
    command = ["crawl", "walla", "--replay", str(warc), "--db", str(replayed_db), "--log-file", str(log)]
    result = subprocess.run(
        [sys.executable, "-m", "newsarchive.cli", *command, "--format", "json"],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    live, replayed = articles(tmp_path / "live.db"), articles(tmp_path / "replayed.db")
    assert set(replayed) == set(live) and len(live) == 3
    fetch_times = ("fetched_at", "checked_at")
    for url, row in live.items():
        assert {k: v for k, v in replayed[url].items() if k not in fetch_times} == {
            k: v for k, v in row.items() if k not in fetch_times
        }


def _response(writer: WARCWriter, url: str, body: bytes, status: str = "200 OK", **headers: str) -> None:
    fields = {"Content-Type": "text/html; charset=utf-8", **headers}
    http = StatusAndHeaders(status, list(fields.items()), protocol="HTTP/1.1")
    date = {"WARC-Date": "2024-05-15T08:00:00Z"}
    record = writer.create_warc_record(
        url, "response", payload=io.BytesIO(body), http_headers=http, warc_headers_dict=date
    )
    writer.write_record(record)


def _chunked(body: bytes) -> bytes:
    half = len(body) // 2
    return (
        b"".join(f"{len(p):x}\r\n".encode() + p + b"\r\n" for p in (body[:half], body[half:])) + b"0\r\n\r\n"
    )


def test_warc_import_keeps_news_pages_and_counts_every_skip(tmp_path: Path) -> None:
    ynet = (FIXTURES / "ynet" / "react_2021.html").read_bytes()
    walla = (FIXTURES / "walla" / "break_2024.html").read_bytes()
    walla_url = json.loads((FIXTURES / "walla" / "break_2024.json").read_text())["url"]
    negev = (FIXTURES / "generic" / "plain_markup.html").read_bytes()
    path = tmp_path / "mixed.warc.gz"
    with path.open("wb") as stream:
        writer = WARCWriter(stream, gzip=True)
        writer.write_record(writer.create_warcinfo_record(path.name, {"software": "test"}))
        _response(writer, YNET_URL, gzip.compress(ynet), **{"Content-Encoding": "gzip"})
        _response(writer, walla_url, _chunked(walla), **{"Transfer-Encoding": "chunked"})
        _response(writer, "https://www.ynet.co.il/missing", b"<html>gone</html>", status="404 Not Found")
        _response(
            writer, "https://www.ynet.co.il/logo.jpg", b"\xff\xd8\xff", **{"Content-Type": "image/jpeg"}
        )
        _response(writer, NEGEV_URL, negev)  # a Hebrew site with no profile
        # a profiled host on another port, or with a user name: not the site (they were stored as walla's)
        _response(writer, walla_url.replace("walla.co.il/", "walla.co.il:8443/"), walla)
        _response(writer, walla_url.replace("https://", "https://user:pw@"), walla)
        _response(
            writer,
            "https://example.com/en",
            b"<html><body>" + b"English words only. " * 50 + b"</body></html>",
        )
        _response(
            writer,
            "https://www.ynet.co.il/broken",
            b"\x1f\x8b not really gzip",
            **{"Content-Encoding": "gzip"},
        )
        request = StatusAndHeaders("GET / HTTP/1.1", [], is_http_request=True)
        writer.write_record(
            writer.create_warc_record(YNET_URL, "request", payload=io.BytesIO(b""), http_headers=request)
        )
    with path.open("ab") as stream:
        headerless = stream.tell()
        stream.write(gzip.compress(b"WARC/1.0\r\nthis is not a record\r\n\r\n"))  # damage, reading goes on
        writer = WARCWriter(stream, gzip=True)
        _response(
            writer, "https://www.ynet.co.il/after-the-bad-record", b"<html>hi</html>", status="410 Gone"
        )
        garbage = stream.tell()
        stream.write(b"garbage that is no record at all\r\n\r\n")  # damage, reading goes on
        writer = WARCWriter(stream, gzip=True)
        _response(writer, "https://www.ynet.co.il/after-the-garbage", b"<html>hi</html>", status="451 Gone")

    report = import_cli(tmp_path / "a.db", str(path), exit_code=1)
    assert report["stored"] == {"ynet": 1, "walla": 1}
    skipped = report["skipped"]
    assert skipped["HTTP status 404"] == 1
    assert skipped["not HTML"] == 1
    assert skipped["not a known news site"] == 3  # negevnews, example.com and walla on port 8443
    assert skipped["an address with a user name or password"] == 1
    assert any(reason.startswith("cannot decode the gzip payload") for reason in skipped)
    assert skipped["HTTP status 410"] == 1  # the record after the headerless one was read
    assert skipped["HTTP status 451"] == 1  # and the record after the garbage
    assert [(d["offset"], d["reason"]) for d in report["damaged"]] == [
        (headerless, "WARC record without a valid Content-Length"),
        (garbage, "no WARC record starts here"),
    ]
    stored = articles(tmp_path / "a.db")
    assert stored[YNET_URL]["headline"].startswith("משרד הבריאות")
    assert stored[YNET_URL]["fetched_at"].startswith("2024-05-15T08:00:00")

    report = import_cli(tmp_path / "b.db", "--all-hebrew", str(path), exit_code=1)
    assert report["stored"].get("negevnews.co.il") == 1 or NEGEV_URL in articles(tmp_path / "b.db")
    assert report["skipped"]["not mostly Hebrew"] == 1


def test_content_codings_are_undone_and_bombs_refused() -> None:
    assert decode_content(gzip.compress(b"abc"), "gzip") == b"abc"
    assert decode_content(b"abc", "identity") == b"abc"
    with pytest.raises(ValueError, match="unknown content coding"):
        decode_content(b"abc", "compress")
    with pytest.raises(ValueError, match="inflates past"):
        decode_content(gzip.compress(b"\0" * (21 * 1024 * 1024)), "gzip")


class _FillingDisk(io.FileIO):
    """A file on a disk with ``room`` bytes left: a write past them fails as on a full disk (ENOSPC), after
    writing what fitted, as the system does."""

    room = 0

    def write(self, data) -> int:  # type: ignore[no-untyped-def]
        if self.tell() + len(data) > self.room:
            fits = max(0, self.room - self.tell())
            super().write(bytes(data)[:fits])
            raise OSError(errno.ENOSPC, "No space left on device")
        return super().write(data)


def test_a_warc_write_that_fills_the_disk_leaves_the_file_ending_with_a_whole_record(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A full disk in the middle of a record left half a gzip member at the end of the WARC file, and every
    later write added another broken piece; now the file is cut back to its last whole record and nothing
    more is written to it."""
    from scrapy import Request
    from scrapy.http import HtmlResponse

    from newsarchive.middlewares import http_records
    from newsarchive.warc import RotatingWarcWriter, WarcWriteError
    from newsarchive.warc_reader import Damage, read_records

    from .sitefarm import walla_article

    _FillingDisk.room = 40_000
    real_open = Path.open

    def open_on_a_small_disk(path: Path, mode: str = "r", *args, **kwargs):  # type: ignore[no-untyped-def]
        if path.suffix == ".gz" and "x" in mode:
            return io.BufferedWriter(_FillingDisk(path, "xb"))
        return real_open(path, mode, *args, **kwargs)

    monkeypatch.setattr(Path, "open", open_on_a_small_disk)
    writer = RotatingWarcWriter(tmp_path, "crawl")
    written = 0
    with pytest.raises(WarcWriteError, match="No space left on device"):
        for n in range(100):
            url = f"{WALLA}/break/{n}"
            body = walla_article(n).encode() + bytes(range(256)) * 20  # gzip cannot shrink it much
            writer.write(*http_records(Request(url), HtmlResponse(url, body=body)), datetime.now(UTC))
            written += 1
    with pytest.raises(WarcWriteError, match="an earlier write failed"):
        writer.write(
            *http_records(Request(WALLA), HtmlResponse(WALLA, body=b"<html></html>")), datetime.now(UTC)
        )
    writer.close()
    monkeypatch.undo()
    (warc,) = tmp_path.iterdir()
    assert 0 < warc.stat().st_size <= _FillingDisk.room
    with warc.open("rb") as stream:
        records = list(read_records(stream, payloads=False))
    assert not [r for r in records if isinstance(r, Damage)]
    assert len(records) == 1 + 2 * written  # warcinfo, then a response and a request for each page


def test_a_warc_capture_that_cannot_write_stops_the_crawl_and_the_resumed_crawl_gets_the_rest(
    tmp_path: Path,
) -> None:
    """Once the WARC files could not be written (a full disk, here the next file of the series that cannot
    be made), every later page failed as a bare 'OSError': 206 of 401 fetched and thrown away, exit 0
    'finished' (on a 300 KB tmpfs), and a resumed crawl took them as failed on the site. Now the crawl
    stops at once ('WARC write failed', exit 1) and a resumed one fetches and captures the rest."""
    import os

    db = tmp_path / "a.db"
    warcs = tmp_path / "warc"
    (warcs / "test-walla-00001.warc.gz").mkdir(parents=True)  # where the second file of the series goes
    env = {**os.environ, "NEWSARCHIVE_JOBS": str(tmp_path / "jobs")}
    ids = list(range(81000, 81400))
    with SiteFarm() as farm:
        walla_site(farm, ids)
        command = [sys.executable, "-m", "newsarchive.cli", "crawl", "walla", "--db", str(db), "--resume",
                   "--log-file", str(tmp_path / "crawl.log"), "--format", "json"]  # fmt: skip
        settings = {"DOWNLOAD_DELAY": 0, "AUTOTHROTTLE_ENABLED": False, "WARC_ROTATE_BYTES": 100_000,
                    "CONCURRENT_REQUESTS_PER_DOMAIN": 4, **farm.replay_settings()}  # fmt: skip
        options = [f"--set={name}={json.dumps(value)}" for name, value in settings.items()]
        first = subprocess.run(
            [*command, *options, "--set=CRAWL_ID=test", f"--set=WARC_DIR={warcs}"],
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
            env=env,
        )
        fetched = len([p for p in farm.hits() if p.startswith("/break/")])
        again = subprocess.run(
            [*command, *options, f"--set=WARC_DIR={tmp_path / 'warc2'}"],
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
            env=env,
        )
    assert first.returncode == 1, first.stderr
    (summary,) = json.loads(first.stdout)
    assert summary["finish_reason"] == "WARC write failed"
    assert 0 < summary["errors"]["WARC write failed"] <= 20  # the pages in flight (CONCURRENT_REQUESTS 16)
    assert fetched < 100  # stopped at once: no more pages fetched to be thrown away
    assert again.returncode == 0, again.stderr
    with sqlite3.connect(db) as conn:
        assert conn.execute("SELECT count(*), count(DISTINCT url) FROM articles").fetchone() == (401, 401)
