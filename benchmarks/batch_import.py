"""Batch import of many WARC files on one process and on two: the speed-up, and records/s per core against
warcio alone reading the same files.

    python benchmarks/batch_import.py [--files 12] [--records 2000] [--hebrew-share 0.1] [--all-hebrew]

Writes --files WARC files (gzip per record, as crawlers write them), each of --records response records, each
with its request record. A --hebrew-share of the responses are pages of the profiled Hebrew sites (the real
saved pages of ../shared/corpus when that folder is there, never copied into the repository; else our fixture
pages); the rest are pages of other sites in English, of CC-NEWS-like size (scripts, styles, 40-90 kB). Then,
in this order, each into a fresh archive:
- warcio alone: every record of every file read with warcio's ArchiveIterator, its payload read whole;
- `import` on this process (`Workers()`), then on two local worker processes (`Workers(count=2)`, their
  start included), then on a Dask cluster of two workers started beforehand on this machine (`--dask`).
Both imports must give the same counts (the tests check the whole archive). Rates are records (responses
and requests) per second of wall-clock time, and per core: the wall-clock rate over the processes that work
(1 for warcio and the serial import, 2 for two workers).
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import shutil
import time
from pathlib import Path

from distributed import LocalCluster
from warc_import import CORPUS, corpus_pages, fixture_pages, write_exchange  # this folder's
from warcio.archiveiterator import ArchiveIterator
from warcio.warcwriter import WARCWriter

from newsarchive.imports import import_warcs, read_warc
from newsarchive.ingest import ingest
from newsarchive.parallel import Workers
from newsarchive.store import Archive

_WORDS = "the of and to in a is that for on with as by at from market minister said police city".split()


def hebrew_pages() -> list[tuple[str, bytes]]:
    return corpus_pages() if (CORPUS / "cases.json").exists() else fixture_pages()


def english_page(rng: random.Random, n: int) -> bytes:
    script = (
        "<script>window.dataLayer=window.dataLayer||[];" + "var x=1;" * rng.randint(500, 2000) + "</script>"
    )
    style = "<style>" + ".c{color:#333}" * rng.randint(300, 1000) + "</style>"
    paragraphs = "".join(
        "<p>" + " ".join(rng.choices(_WORDS, k=rng.randint(40, 90))) + ".</p>"
        for _ in range(rng.randint(8, 30))
    )
    return (
        f"<!doctype html><html lang=en><head><title>Story {n}</title>{style}{script}</head>"
        f"<body><article><h1>Story {n}</h1>{paragraphs}</article></body></html>"
    ).encode()


def write_warc(path: Path, hebrew: list[tuple[str, bytes]], records: int, share: float, seed: int) -> None:
    rng = random.Random(seed)
    with path.open("wb") as stream:
        writer = WARCWriter(stream, gzip=True, warc_version="1.1")
        writer.write_record(writer.create_warcinfo_record(path.name, {"software": "benchmark"}))
        for n in range(records):
            if rng.random() < share:
                original, body = rng.choice(hebrew)
                # each capture its own article: its address, and its canonical link, made its own
                url = f"{original}{'&' if '?' in original else '?'}copy={seed}-{n}"
                body = body.replace(original.encode(), url.encode())
            else:
                url, body = f"https://news{n % 97}.example.com/story/{seed}-{n}", english_page(rng, n)
            write_exchange(writer, url, body)


def warcio_alone(paths: list[Path]) -> int:
    records = 0
    for path in paths:
        with path.open("rb") as stream:
            for record in ArchiveIterator(stream):
                record.content_stream().read()
                records += 1
    return records


def timed_import(db: Path, paths: list[Path], workers: Workers, all_hebrew: bool) -> tuple[float, dict]:
    for stale in db.parent.glob(db.name + "*"):
        stale.unlink()
    start = time.perf_counter()
    with Archive(db) as archive:
        report = import_warcs(archive, paths, all_hebrew=all_hebrew, workers=workers)
    seconds = time.perf_counter() - start
    return seconds, {"stored": report.total_stored, "skipped": report.total_skipped}


def writer_share(paths: list[Path], db: Path) -> tuple[float, float, int]:
    """CPU ms per extracted page: what a task spends (read, filter, extract, pack) and what the one writer
    spends storing it, over the first three files, one after the other in this process."""
    for stale in db.parent.glob(db.name + "*"):
        stale.unlink()
    start = time.process_time()
    readings = [read_warc(path) for path in paths[:3]]
    task_cpu = time.process_time() - start
    pages = sum(len(r.pages) for r in readings)
    with Archive(db) as archive:
        start = time.process_time()
        for reading in readings:
            ingest(archive, reading.pages, keep_outcomes=False)
        store_cpu = time.process_time() - start
    return 1000 * task_cpu / pages, 1000 * store_cpu / pages, pages


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", type=int, default=12)
    parser.add_argument("--records", type=int, default=2000, help="response records per file")
    parser.add_argument("--hebrew-share", type=float, default=0.1)
    parser.add_argument("--all-hebrew", action="store_true", help="import with --all-hebrew")
    parser.add_argument("--folder", type=Path, default=Path("/tmp/newsarchive-batch"))
    args = parser.parse_args()
    shutil.rmtree(args.folder, ignore_errors=True)
    args.folder.mkdir(parents=True)
    hebrew = hebrew_pages()
    paths = [args.folder / f"mixed-{f:02}.warc.gz" for f in range(args.files)]
    for seed, path in enumerate(paths):
        write_warc(path, hebrew, args.records, args.hebrew_share, seed)
    size_mb = sum(p.stat().st_size for p in paths) / 1e6

    start = time.perf_counter()
    records = warcio_alone(paths)
    warcio_s = time.perf_counter() - start
    serial_s, serial = timed_import(args.folder / "serial.db", paths, Workers(), args.all_hebrew)
    pooled_s, pooled = timed_import(args.folder / "pooled.db", paths, Workers(count=2), args.all_hebrew)
    assert pooled == serial, (pooled, serial)
    with LocalCluster(n_workers=2, threads_per_worker=1, dashboard_address=None) as cluster:
        cluster_at = Workers(scheduler=cluster.scheduler_address)
        dask_s, on_dask = timed_import(args.folder / "dask.db", paths, cluster_at, args.all_hebrew)
    assert on_dask == serial, (on_dask, serial)
    task_ms, store_ms, extracted = writer_share(paths, args.folder / "writer.db")

    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}")
    source = "corpus" if (CORPUS / "cases.json").exists() else "fixtures"
    selection = "--all-hebrew" if args.all_hebrew else "known news sites"
    print(
        f"{args.files} WARC files, {size_mb:.0f} MB, {records:,} records ({args.hebrew_share:.0%} of"
        f" responses Hebrew news pages: {source}); selection: {selection}; stored {serial['stored']:,}"
    )
    print("| run | seconds | records/s | records/s per core |")
    print("|---|---|---|---|")
    for name, seconds, cores in (
        ("warcio alone (read every record)", warcio_s, 1),
        ("import, 1 process", serial_s, 1),
        ("import, 2 worker processes (`--workers 2`)", pooled_s, 2),
        ("import, a Dask cluster of 2 workers on this machine (`--dask`)", dask_s, 2),
    ):
        print(f"| {name} | {seconds:.1f} | {records / seconds:,.0f} | {records / seconds / cores:,.0f} |")
    print(
        f"speed-up of 2 workers over 1: {serial_s / pooled_s:.2f}x;"
        f" of the Dask cluster over 1: {serial_s / dask_s:.2f}x"
    )
    print(
        f"CPU per extracted page ({extracted} pages of 3 files): a task (read, filter, extract, pack)"
        f" {task_ms:.1f} ms, the writer storing it {store_ms:.2f} ms: one writer keeps up with"
        f" {task_ms / store_ms:.0f} workers"
    )


if __name__ == "__main__":
    main()
