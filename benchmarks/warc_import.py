"""WARC import rate against extraction alone: what reading WARC records costs on top of extracting the pages.

    python benchmarks/warc_import.py [--responses 5000] [--pages corpus|fixtures] [--folder DIR]

The WARC (made fresh each run with warcio, gzip per record as crawlers write them) holds --responses
response records, each with its request record (10,000 records by default), each page sent gzip-encoded as
most servers send. The pages: the real saved pages of ../shared/corpus when that folder is there (the default;
never copied into the repository), else our fixture pages of the profiled sites (tests/fixtures), which are
much smaller. Four runs over the same pages, one after another in this process (after one extraction of each
distinct page, so that no run pays for warming caches):
- extraction alone: `extract_page` over the decoded pages, already in memory;
- WARC read alone: `ingest.warc_pages` (read, decode, filter), nothing extracted;
- WARC read + extraction: `ingest.warc_pages` then `extract_page`, nothing stored;
- full import: `newsarchive import`'s path (`ingest` into a fresh archive, raw pages kept).
The WARC layer's cost is 1 - (read + extraction rate) / (extraction rate). Each rate is given per wall-clock
second and per second of this process's CPU time (steadier when other work shares the cores). Memory (RSS) is
sampled at each quarter of the full import. The script runs on older newsarchive trees too
(`PYTHONPATH=OLD_TREE`), to compare.
"""

from __future__ import annotations

import argparse
import gzip
import io
import json
import os
import platform
import resource
import time
from pathlib import Path

from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from newsarchive.evaluate import load_cases
from newsarchive.fetched import FetchedPage
from newsarchive.ingest import extract_page, ingest, warc_pages
from newsarchive.sites import profile_for_url
from newsarchive.store import Archive

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "tests" / "fixtures"
CORPUS = ROOT.parent / "shared" / "corpus"


def fixture_pages() -> list[tuple[str, bytes]]:
    pages = []
    for expected in sorted(FIXTURES.glob("*/*.json")):
        data = json.loads(expected.read_text())
        html = expected.with_suffix(".html")
        known = data.get("url") and profile_for_url(data["url"]) is not None  # what an import keeps
        if known and html.exists() and data.get("article", True):
            pages.append((data["url"], html.read_bytes()))
    return pages


def corpus_pages() -> list[tuple[str, bytes]]:
    return [
        (case.url, case.html_path.read_bytes())
        for case in load_cases(CORPUS)
        if case.is_article and profile_for_url(case.url) is not None
    ]


def write_warc(path: Path, pages: list[tuple[str, bytes]], responses: int) -> None:
    with path.open("wb") as stream:
        writer = WARCWriter(stream, gzip=True, warc_version="1.1")
        writer.write_record(writer.create_warcinfo_record(path.name, {"software": "benchmark"}))
        for n in range(responses):
            write_exchange(writer, *pages[n % len(pages)])


def write_exchange(writer: WARCWriter, url: str, body: bytes) -> None:
    """A response record (the page sent gzip-encoded, as most servers send) and its request record."""
    wire = gzip.compress(body)
    headers = [
        ("Content-Type", "text/html; charset=utf-8"),
        ("Content-Encoding", "gzip"),
        ("Content-Length", str(len(wire))),
    ]
    http = StatusAndHeaders("200 OK", headers, protocol="HTTP/1.1")
    response = writer.create_warc_record(url, "response", payload=io.BytesIO(wire), http_headers=http)
    request = StatusAndHeaders("GET / HTTP/1.1", [("Host", "example")], is_http_request=True)
    writer.write_record(response)
    concurrent = {"WARC-Concurrent-To": response.rec_headers.get_header("WARC-Record-ID")}
    writer.write_record(
        writer.create_warc_record(
            url, "request", payload=io.BytesIO(b""), http_headers=request, warc_headers_dict=concurrent
        )
    )


def rss_mb() -> float:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--responses", type=int, default=5000)
    parser.add_argument("--folder", type=Path, default=Path("/tmp/newsarchive-warc"))
    parser.add_argument(
        "--pages",
        choices=["corpus", "fixtures"],
        default="corpus" if (CORPUS / "cases.json").exists() else "fixtures",
    )
    args = parser.parse_args()
    args.folder.mkdir(parents=True, exist_ok=True)
    pages = corpus_pages() if args.pages == "corpus" else fixture_pages()
    warc = args.folder / "bench.warc.gz"
    write_warc(warc, pages, args.responses)

    in_memory = [FetchedPage(url=url, body=body) for url, body in pages]
    for page in in_memory:
        extract_page(page)
    with Clock() as extract_time:
        for n in range(args.responses):
            extract_page(in_memory[n % len(in_memory)])

    with Clock() as read_time:
        read = sum(1 for page in warc_pages(warc) if hasattr(page, "body"))

    with Clock() as read_extract_time:
        for page in warc_pages(warc):
            if hasattr(page, "body"):
                extract_page(page)

    db = args.folder / "bench.db"
    for stale in args.folder.glob("bench.db*"):
        stale.unlink()
    memory: list[float] = []
    seen = 0

    def sample(_outcome: object) -> None:
        nonlocal seen
        seen += 1
        if seen % max(1, args.responses // 4) == 0:
            memory.append(round(rss_mb(), 1))

    with Clock() as import_time, Archive(db) as archive:
        report = ingest(archive, warc_pages(warc), keep_outcomes=False, on_outcome=sample)

    def rates(clock: Clock, count: int) -> dict[str, float]:
        return {"wall": round(count / clock.wall, 1), "cpu": round(count / clock.cpu, 1)}

    extraction, read_and_extraction = rates(extract_time, args.responses), rates(read_extract_time, read)
    result = {
        "responses": args.responses,
        "records": 2 * args.responses + 1,
        "warc_mb": round(warc.stat().st_size / 1e6, 1),
        "pages": args.pages,
        "distinct_pages": len(pages),
        "mean_page_kb": round(sum(len(b) for _, b in pages) / len(pages) / 1024, 1),
        "extraction_pages_per_s": extraction,
        "warc_read_alone_pages_per_s": rates(read_time, read),
        "warc_read_and_extraction_pages_per_s": read_and_extraction,
        "warc_layer_cost": {
            kind: round(1 - read_and_extraction[kind] / extraction[kind], 3) for kind in ("wall", "cpu")
        },
        "full_import_pages_per_s": rates(import_time, args.responses),
        "stored": report.total_stored,
        "skipped": dict(report.skipped),
        "rss_mb_by_quarter": memory,
    }
    print(json.dumps(result, ensure_ascii=False))
    print(
        f"machine: {platform.node()} {platform.machine()}, {os.cpu_count()} cores,"
        f" Python {platform.python_version()}, load average {os.getloadavg()[0]:.1f}"
    )
    for kind in ("wall", "cpu"):
        print(
            f"per {kind} second: extraction alone {extraction[kind]} pages/s; WARC read alone"
            f" {result['warc_read_alone_pages_per_s'][kind]} pages/s; WARC read + extraction"
            f" {read_and_extraction[kind]} pages/s (WARC layer cost {result['warc_layer_cost'][kind]:.1%});"
            f" full import {result['full_import_pages_per_s'][kind]} pages/s"
        )
    print(f"RSS by quarter of the import {memory} MB")


class Clock:
    """Wall time and this process's CPU time (all its threads) of a block. On a machine shared with other
    work, CPU time is the steadier measure: waiting for a core does not count."""

    def __enter__(self) -> Clock:
        self.wall_start, self.cpu_start = time.perf_counter(), time.process_time()
        return self

    def __exit__(self, *exc: object) -> None:
        self.wall = time.perf_counter() - self.wall_start
        self.cpu = time.process_time() - self.cpu_start


if __name__ == "__main__":
    main()
