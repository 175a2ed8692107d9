"""Batch import on several processes and on a Dask cluster: the archive equals a serial import's exactly;
finished files are logged and passed by on a second run."""

from __future__ import annotations

import gzip
import io
import json
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from newsarchive.imports import import_files, import_warcs
from newsarchive.parallel import Workers
from newsarchive.sites import profile_for_url
from newsarchive.store import Archive
from newsarchive.store.imported import file_mark

FIXTURES = Path(__file__).parent / "fixtures"
#: columns written at the moment of writing, which no two runs share
_MOMENTS = {"stored_at", "finished"}


def fixture_pages() -> list[tuple[str, bytes]]:
    """Our own pages of the profiled sites (articles and not), with their addresses."""
    pages = []
    for expected in sorted(FIXTURES.glob("*/*.json")):
        data = json.loads(expected.read_text())
        html = expected.with_suffix(".html")
        if data.get("url") and html.exists() and profile_for_url(data["url"]) is not None:
            pages.append((data["url"], html.read_bytes()))
    return pages


def _record(writer: WARCWriter, url: str, body: bytes, when: datetime, status: str = "200 OK") -> None:
    wire = gzip.compress(body)
    http = StatusAndHeaders(
        status,
        [("Content-Type", "text/html; charset=utf-8"), ("Content-Encoding", "gzip")],
        protocol="HTTP/1.1",
    )
    date = when.strftime("%Y-%m-%dT%H:%M:%SZ")
    writer.write_record(
        writer.create_warc_record(
            url,
            "response",
            payload=io.BytesIO(wire),
            http_headers=http,
            warc_headers_dict={"WARC-Date": date},
        )
    )


def _foreign(n: int) -> bytes:
    text = "Plain English text. " * 40
    return f"<html><head><title>Story {n}</title></head><body><p>{text}</p></body></html>".encode()


def write_warcs(folder: Path, files: int = 8) -> list[Path]:
    """WARC files of mixed records: our site pages (each file a share of them, some in two files, the later
    copy with changed text), pages of unknown English sites, error responses; then a damaged file."""
    pages = fixture_pages()
    start = datetime(2024, 5, 1, tzinfo=UTC)
    paths = []
    for f in range(files):
        path = folder / f"mixed-{f:02}.warc.gz"
        with path.open("wb") as stream:
            writer = WARCWriter(stream, gzip=True, warc_version="1.1")
            writer.write_record(writer.create_warcinfo_record(path.name, {"software": "test"}))
            for n, (url, body) in enumerate(pages):
                when = start + timedelta(days=f, minutes=n)
                if n % files == f:
                    _record(writer, url, body, when)
                elif n % files == (f + 3) % files and n % 2 == 0:  # a later capture, its text changed
                    _record(writer, url, body.replace(b"</p>", " עודכן.</p>".encode(), 1), when)
                _record(writer, f"https://english{n % 5}.example/story/{f}-{n}", _foreign(n), when)
            _record(writer, pages[f][0] + "?gone", b"<html>gone</html>", start, status="404 Not Found")
        paths.append(path)
    damaged = folder / "mixed-damaged.warc.gz"
    damaged.write_bytes(paths[0].read_bytes()[:-700] + b"not gzip at all")
    return [*paths, damaged]


@pytest.fixture(scope="module")
def warcs(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    return write_warcs(tmp_path_factory.mktemp("warcs"))


def archive_dump(db: Path) -> dict[str, list[tuple]]:
    """Every row of the archive's tables, less the moments of writing."""
    conn = sqlite3.connect(db)
    dump = {}
    for table in ("articles", "versions", "pages", "imported_files"):
        columns = [row[1] for row in conn.execute(f"PRAGMA table_info({table})") if row[1] not in _MOMENTS]
        dump[table] = conn.execute(f"SELECT {', '.join(columns)} FROM {table} ORDER BY 1, 2").fetchall()
    conn.close()
    return dump


def searches(db: Path) -> dict[str, list[str]]:
    with Archive(db, readonly=True) as archive:
        return {q: [hit.url for hit in archive.search(q, limit=50)] for q in ("ממשלה", "עודכן", "בית")}


def run_import(db: Path, warcs: list[Path], workers: Workers, *, force: bool = False) -> dict:
    with Archive(db) as archive:
        report = import_warcs(archive, warcs, force=force, workers=workers)
    return {
        "stored": dict(report.stored),
        "new_versions": dict(report.new_versions),
        "skipped": dict(report.skipped),
        "damaged": [d.to_dict() for d in report.damaged],
    }


@pytest.mark.parametrize("force", [False, True], ids=["first-copy-kept", "force-versions"])
def test_two_workers_give_the_archive_a_serial_import_gives(
    tmp_path: Path, warcs: list[Path], force: bool
) -> None:
    serial = run_import(tmp_path / "serial.db", warcs, Workers(), force=force)
    pooled = run_import(tmp_path / "pooled.db", warcs, Workers(count=2), force=force)
    assert pooled == serial
    assert sum(serial["stored"].values()) > 20 and serial["damaged"]
    assert bool(serial["new_versions"]) == force
    assert archive_dump(tmp_path / "pooled.db") == archive_dump(tmp_path / "serial.db")
    assert searches(tmp_path / "pooled.db") == searches(tmp_path / "serial.db")


@pytest.fixture(scope="module")
def dask_scheduler() -> Iterator[str]:
    """A scheduler with two worker processes, as `dask scheduler` and `dask worker` would start."""
    distributed = pytest.importorskip("distributed")
    with distributed.LocalCluster(
        n_workers=2,
        threads_per_worker=1,
        processes=True,
        dashboard_address=None,
        scheduler_kwargs={"dashboard_address": "127.0.0.1:0"},
    ) as cluster:
        yield cluster.scheduler_address


def test_a_dask_cluster_gives_the_archive_a_serial_import_gives(
    tmp_path: Path, warcs: list[Path], dask_scheduler: str
) -> None:
    serial = run_import(tmp_path / "serial.db", warcs, Workers())
    clustered = run_import(tmp_path / "cluster.db", warcs, Workers(scheduler=dask_scheduler))
    assert clustered == serial
    assert archive_dump(tmp_path / "cluster.db") == archive_dump(tmp_path / "serial.db")


def test_saved_pages_on_two_workers_equal_a_serial_import(tmp_path: Path) -> None:
    folder = tmp_path / "saved"
    folder.mkdir()
    for n, (_, body) in enumerate(fixture_pages() * 2):  # each page twice: the second copy is skipped
        (folder / f"page-{n:03}.html").write_bytes(body)
    files = sorted(folder.glob("*.html"))
    reports = []
    for name, workers in (("serial", Workers()), ("pooled", Workers(count=2))):
        with Archive(tmp_path / f"{name}.db") as archive:
            report = import_files(archive, files, workers=workers)
        reports.append([(o.url, o.article is not None, o.reason) for o in report.outcomes])
    assert reports[0] == reports[1] and len(reports[0]) == len(files)
    assert archive_dump(tmp_path / "pooled.db") == archive_dump(tmp_path / "serial.db")


def run_cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "newsarchive.cli", *args], capture_output=True, text=True, timeout=300
    )


def test_a_second_run_passes_finished_files_by_and_again_reads_them(
    tmp_path: Path, warcs: list[Path]
) -> None:
    db = tmp_path / "a.db"
    first = run_cli("import", *map(str, warcs[:3]), "--db", str(db), "--workers", "2", "--format", "json")
    assert first.returncode == 0, first.stderr
    stored = sum(json.loads(first.stdout)["stored"].values())
    # one file more: the three finished are passed by, only the new one is read
    second = run_cli("import", *map(str, warcs[:4]), "--db", str(db), "--format", "json")
    report = json.loads(second.stdout)
    assert [Path(p["file"]).name for p in report["passed_by"]] == [w.name for w in warcs[:3]]
    assert "already in the archive" not in json.dumps(report["skipped"])
    # --again reads them all: every article is already there
    again = json.loads(
        run_cli("import", *map(str, warcs[:4]), "--db", str(db), "--again", "--format", "json").stdout
    )
    assert again["passed_by"] == [] and sum(again["stored"].values()) == 0
    assert again["skipped"]["already in the archive"] >= stored
    # the same file under another name is the same file
    renamed = tmp_path / "renamed.warc.gz"
    renamed.write_bytes(warcs[0].read_bytes())
    moved = json.loads(run_cli("import", str(renamed), "--db", str(db), "--format", "json").stdout)
    assert [Path(p["file"]).name for p in moved["passed_by"]] == ["renamed.warc.gz"]


@pytest.mark.parametrize("workers", [Workers(), Workers(count=2)], ids=["serial", "pooled"])
def test_a_file_that_cannot_be_read_where_it_runs_is_damage_not_a_finished_file(
    tmp_path: Path, warcs: list[Path], workers: Workers, monkeypatch: pytest.MonkeyPatch
) -> None:
    """On a cluster, a worker without the file at that path (no shared disk) cannot open it: the import says
    so, keeps the rest, and does not log the file as finished, so the next run tries it again."""
    vanishing = tmp_path / "on-another-disk.warc.gz"
    vanishing.write_bytes(warcs[3].read_bytes())
    its_mark = file_mark(vanishing)
    with Archive(tmp_path / "a.db") as archive:
        finished_import = archive.finished_import

        def seen_then_gone(mark: str, selection: str) -> object:
            if mark == its_mark:  # the client has read its mark; no task has opened it yet
                vanishing.unlink()
            return finished_import(mark, selection)

        monkeypatch.setattr(archive, "finished_import", seen_then_gone)
        report = import_warcs(archive, [warcs[1], vanishing, warcs[2]], workers=workers)
        logged = [row[0] for row in archive.db.execute("SELECT name FROM imported_files ORDER BY 1")]
    reason = next(d.reason for d in report.damaged if d.path == vanishing)
    assert reason.startswith("cannot be read on ") and "No such file" in reason
    assert logged == [warcs[1].name, warcs[2].name]
    assert report.total_stored > 0


def test_a_file_gone_before_the_import_reads_its_mark_is_damage(tmp_path: Path, warcs: list[Path]) -> None:
    with Archive(tmp_path / "a.db") as archive:
        report = import_warcs(archive, [tmp_path / "gone.warc.gz", warcs[1]])
    assert [d.path.name for d in report.damaged] == ["gone.warc.gz"] and report.total_stored > 0


def test_workers_and_dask_mistakes_are_usage_errors(tmp_path: Path, warcs: list[Path]) -> None:
    db = str(tmp_path / "a.db")
    both = run_cli("import", str(warcs[0]), "--db", db, "--workers", "2", "--dask", "tcp://127.0.0.1:1")
    assert both.returncode == 2 and "give one" in both.stderr
    bad = run_cli("import", str(warcs[0]), "--db", db, "--dask", "127.0.0.1")
    assert bad.returncode == 2 and "tcp://" in bad.stderr
    zero = run_cli("import", str(warcs[0]), "--db", db, "--workers", "0")
    assert zero.returncode == 2
    for address in ("tls://127.0.0.1:8786", "tcp://127.0.0.1:99999", "tcp://127.0.0.1", "http://x:1"):
        wrong = run_cli("import", str(warcs[0]), "--db", db, "--dask", address)
        assert wrong.returncode == 2 and "tcp://HOST:PORT" in wrong.stderr, (address, wrong.stderr)
    dead = run_cli("import", *map(str, warcs[:2]), "--db", db, "--dask", "tcp://127.0.0.1:9")
    assert dead.returncode == 1 and "no Dask scheduler answers" in dead.stderr, dead.stderr
    assert "Traceback" not in dead.stderr


def test_reextraction_on_two_workers_equals_a_serial_one(
    tmp_path: Path, warcs: list[Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    """An archive read by an older extractor (some readings differ, one raw page damaged): re-extraction
    on two workers rewrites and reports exactly what a serial one does, over several tasks' pages."""
    import shutil

    import newsarchive.reextract
    from newsarchive.reextract import reextract

    monkeypatch.setattr(newsarchive.reextract, "PAGES_PER_TASK", 7)

    base = tmp_path / "base.db"
    run_import(base, warcs, Workers())
    conn = sqlite3.connect(base)
    with conn:
        conn.execute("UPDATE pages SET extractor_version = '0'")
        conn.execute("UPDATE articles SET headline = 'קריאה ישנה' WHERE id % 3 = 0")
        conn.execute("UPDATE pages SET body = x'00ff' WHERE id = (SELECT max(id) FROM pages)")
        pages = conn.execute("SELECT count(*) FROM pages").fetchone()[0]
    conn.close()  # its writes checkpointed into the file before it is copied
    assert pages > 4 * 7
    reports = {}
    for name, workers in (("serial", Workers()), ("pooled", Workers(count=2))):
        shutil.copy(base, tmp_path / f"{name}.db")
        with Archive(tmp_path / f"{name}.db") as archive:
            reports[name] = reextract(archive, workers=workers).to_dict()
    assert reports["pooled"] == reports["serial"]
    assert reports["serial"]["changed"] > 5 and reports["serial"]["unreadable"] == 1, reports["serial"]
    assert archive_dump(tmp_path / "pooled.db") == archive_dump(tmp_path / "serial.db")


def test_a_local_worker_killed_midway_loses_nothing(
    tmp_path: Path, warcs: list[Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    """SIGKILL of a local worker once the first file is stored: its tasks are given out again, and the
    archive is still the serial import's."""
    import multiprocessing
    import os
    import signal

    killed: list[int] = []
    with Archive(tmp_path / "pooled.db") as archive:
        record = archive.record_finished_import

        def kill_once(*args: object) -> None:
            if not killed:
                victim = multiprocessing.active_children()[0].pid
                assert victim is not None
                os.kill(victim, signal.SIGKILL)
                killed.append(victim)
            record(*args)  # type: ignore[arg-type]

        monkeypatch.setattr(archive, "record_finished_import", kill_once)
        import_warcs(archive, warcs, workers=Workers(count=2))
    run_import(tmp_path / "serial.db", warcs, Workers())
    assert killed
    assert archive_dump(tmp_path / "pooled.db") == archive_dump(tmp_path / "serial.db")


def test_a_worker_killed_midway_loses_nothing(
    tmp_path: Path, warcs: list[Path], dask_scheduler: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """SIGKILL of a Dask worker once the first file is stored: the scheduler gives its tasks to the other
    (its nanny starts a new one), and the archive is still the serial import's."""
    import os
    import signal

    from distributed import Client

    with Client(dask_scheduler) as client:
        pids = list(client.run(os.getpid).values())
    assert len(pids) == 2
    killed: list[int] = []
    with Archive(tmp_path / "cluster.db") as archive:
        record = archive.record_finished_import

        def kill_once(*args: object) -> None:
            if not killed:
                os.kill(pids[0], signal.SIGKILL)
                killed.append(pids[0])
            record(*args)  # type: ignore[arg-type]

        monkeypatch.setattr(archive, "record_finished_import", kill_once)
        import_warcs(archive, warcs, workers=Workers(scheduler=dask_scheduler))
    run_import(tmp_path / "serial.db", warcs, Workers())
    assert killed
    assert archive_dump(tmp_path / "cluster.db") == archive_dump(tmp_path / "serial.db")


def test_force_after_a_plain_import_and_a_copy_named_twice(tmp_path: Path, warcs: list[Path]) -> None:
    """The log tells what was taken: a plain import's finished files are read again by `--force` (it makes
    versions a plain import does not); a copy of a file named beside it is read once; a file read again
    keeps the count of articles it gave."""
    db = tmp_path / "a.db"
    copy = tmp_path / "copy.warc.gz"
    copy.write_bytes(warcs[4].read_bytes())
    with Archive(db) as archive:
        first = import_warcs(archive, [*warcs[:5], copy])
        assert [(p.name, f.name) for p, f in first.read_once] == [("copy.warc.gz", warcs[4].name)]
        forced = import_warcs(archive, warcs[:5], force=True)
        assert forced.passed_by == [] and sum(forced.new_versions.values()) > 0
        again = import_warcs(archive, warcs[:5], again=True)
        assert sum(again.stored.values()) == 0 and again.passed_by == []
        rows = archive.db.execute("SELECT name, stored FROM imported_files WHERE selection LIKE '%versions'")
        logged = dict(rows.fetchall())
    assert sum(logged.values()) == sum(forced.stored.values())  # the plain reading again added none


def test_a_task_sends_its_pages_packed_not_twice(warcs: list[Path]) -> None:
    """What a worker sends back holds each page once, compressed: the raw bytes stay on the worker (an
    all-Hebrew 88 MB file pickled to 408 MB when they travelled too)."""
    import pickle

    from newsarchive.imports import read_warc

    reading = read_warc(warcs[0])
    assert reading.pages and all(r.page.body == b"" and r.page.packed for r in reading.pages)
    raw = sum(r.page.packed[2] for r in reading.pages)
    assert len(pickle.dumps(reading)) < raw


def test_a_task_that_kills_its_workers_is_named_and_the_others_done(tmp_path: Path) -> None:
    """A task whose worker dies is given out again (with the others the broken pool held); one that kills
    its worker every time stops the run, named, after the tasks before it were done. The tasks beside it
    are never blamed, however slow (they were, when each break counted against every task waiting)."""
    from newsarchive.parallel import WorkersError, ordered_map

    done = []
    items = ["slow-a", "slow-b", "crash.warc.gz", "c"]
    with pytest.raises(WorkersError, match=r"crash\.warc\.gz killed every worker that read it \(4 times"):
        for result in ordered_map(_die, items, Workers(count=2), ahead=3, name=str):
            done.append(result)
    assert done == ["slow-a", "slow-b"]


def _die(item: str) -> str:
    import os
    import time

    if item.startswith("crash"):
        os._exit(9)
    if item.startswith("slow"):
        time.sleep(1.5)  # still running when the crash breaks the pool
    return item


def test_an_address_that_is_no_dask_scheduler_is_refused_in_time(monkeypatch: pytest.MonkeyPatch) -> None:
    """A server that takes the connection and never answers as a scheduler hung the import for ever."""
    import socket
    import time

    import newsarchive.parallel
    from newsarchive.parallel import WorkersError, ordered_map

    monkeypatch.setattr(newsarchive.parallel, "WAIT_FOR_SCHEDULER", 2)
    with socket.socket() as mute:
        mute.bind(("127.0.0.1", 0))
        mute.listen()
        address = f"tcp://127.0.0.1:{mute.getsockname()[1]}"
        start = time.monotonic()
        with pytest.raises(WorkersError, match="no Dask scheduler answers"):
            list(ordered_map(str, [1, 2], Workers(scheduler=address)))
    assert time.monotonic() - start < 15
