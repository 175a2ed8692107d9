"""Reading and filtering web archives of mostly non-Hebrew news, as a CC-NEWS backfill does (issue 18).

    python benchmarks/warc_read_speed.py [--files 10] [--responses 300] [--hebrew 0.1] [--folder DIR]

Writes --files WARC files (warcio, gzip per record as crawlers write them), each of --responses response
records with their request records, of generated news pages: English, Arabic and Russian pages of 20-90 KB
(text, markup, a script), and a --hebrew share of walla-like Hebrew pages (tests/sitefarm.py's
walla_article), half on walla's own host, half on hosts no profile knows. Then, in this one process, over the
same files, response records per CPU second (one core) of:
- warcio alone: ArchiveIterator, each response's payload read and decoded (the peer);
- FastWARC alone (when installed): ArchiveIterator with HTTP parsing, each response's payload read (no
  content decoding: the pages are sent without a content coding, so it reads the same bytes);
- zlib inflation of every gzip member, nothing else (the least a reader that checks each member pays);
- our reader: ``warc.iter_responses`` (bounded, damage-aware; payloads decoded);
- ``ingest.warc_pages(all_hebrew=True)``: read and filter, with and without the byte-level pre-check;
- a full ``import --all-hebrew`` into a fresh archive, with and without the pre-check.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import platform
import random
import sys
import time
import zlib
from collections.abc import Callable
from pathlib import Path
from unittest import mock

from warcio.archiveiterator import ArchiveIterator
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from newsarchive import ingest as ingest_module
from newsarchive.ingest import ingest, warc_pages
from newsarchive.store import Archive
from newsarchive.warc import WarcResponse, iter_responses

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from tests.sitefarm import walla_article

WORDS = {
    "en": "the government said on Tuesday that new measures would be taken after the court ruled against "
    "plans for housing prices markets election minister police report city council".split(),
    "ar": "قالت الحكومة يوم الثلاثاء إن إجراءات جديدة سيتم اتخاذها بعد أن حكمت المحكمة ضد خطط "
    "الإسكان".split(),
    "ru": "правительство заявило во вторник что новые меры будут приняты после решения суда о жилье".split(),
}


def foreign_page(rng: random.Random, language: str) -> bytes:
    words = WORDS[language]
    paragraphs = [
        "<p>" + " ".join(rng.choice(words) for _ in range(rng.randint(40, 120))) + "</p>"
        for _ in range(rng.randint(20, 80))
    ]
    script = "<script>var config = {" + ",".join(f'"k{i}": {i}' for i in range(300)) + "};</script>"
    head = f'<html lang="{language}"><head><meta charset="utf-8"><title>{words[1]}</title>{script}</head>'
    nav = "<nav>" + "".join(f'<a href="/section/{i}">{rng.choice(words)}</a>' for i in range(60)) + "</nav>"
    return f"{head}<body>{nav}<article>{''.join(paragraphs)}</article></body></html>".encode()


def write_files(folder: Path, files: int, responses: int, hebrew: float) -> list[Path]:
    rng = random.Random(18)
    paths = []
    for number in range(files):
        path = folder / f"mixed-{number:02d}.warc.gz"
        paths.append(path)
        with path.open("wb") as stream:
            writer = WARCWriter(stream, gzip=True, warc_version="1.1")
            writer.write_record(writer.create_warcinfo_record(path.name, {"software": "benchmark"}))
            for n in range(responses):
                serial = number * responses + n
                if rng.random() < hebrew:
                    host = "news.walla.co.il" if serial % 2 else f"www.hebrew-news-{serial % 7}.example"
                    url, body = f"https://{host}/break/{serial}", walla_article(serial, host=host).encode()
                else:
                    language = rng.choice(list(WORDS))
                    url, body = (
                        f"https://www.{language}-news.example/story/{serial}",
                        foreign_page(rng, language),
                    )
                _write_pair(writer, url, body)
    return paths


def _write_pair(writer: WARCWriter, url: str, body: bytes) -> None:
    headers = [("Content-Type", "text/html; charset=utf-8"), ("Content-Length", str(len(body)))]
    http = StatusAndHeaders("200 OK", headers, protocol="HTTP/1.1")
    response = writer.create_warc_record(url, "response", payload=io.BytesIO(body), http_headers=http)
    writer.write_record(response)
    request = StatusAndHeaders("GET / HTTP/1.1", [("Host", "example")], is_http_request=True)
    concurrent = {"WARC-Concurrent-To": response.rec_headers.get_header("WARC-Record-ID")}
    writer.write_record(
        writer.create_warc_record(
            url, "request", payload=io.BytesIO(b""), http_headers=request, warc_headers_dict=concurrent
        )
    )


def read_warcio(path: Path) -> int:
    count = 0
    with path.open("rb") as stream:
        for record in ArchiveIterator(stream):
            if record.rec_type == "response":
                record.content_stream().read()
                count += 1
    return count


def read_fastwarc(path: Path) -> int:
    from fastwarc.warc import ArchiveIterator as FastIterator
    from fastwarc.warc import WarcRecordType

    count = 0
    with path.open("rb") as stream:
        for record in FastIterator(stream, record_types=WarcRecordType.response, parse_http=True):
            record.reader.read()
            count += 1
    return count


def inflate_members(path: Path) -> int:
    """Inflate every gzip member with Python's zlib and nothing else: what any reader that checks each member
    (as ours must, to find damage) pays at least."""
    data = path.read_bytes()
    view, position, members = memoryview(data), 0, 0
    while position < len(data):
        inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)
        while not inflater.eof and position < len(data):
            piece = view[position : position + 65536]
            inflater.decompress(piece)
            position += len(piece)
        position -= len(inflater.unused_data)
        members += 1
    return members // 2  # a response and its request


def read_ours(path: Path) -> int:
    with path.open("rb") as stream:
        return sum(isinstance(item, WarcResponse) for item in iter_responses(stream))


def filter_all_hebrew(path: Path) -> int:
    return sum(hasattr(page, "body") for page in warc_pages(path, all_hebrew=True))


def timed(work: Callable[[Path], int], paths: list[Path]) -> tuple[int, float, float]:
    wall, cpu = time.perf_counter(), time.process_time()
    count = sum(work(path) for path in paths)
    return count, time.perf_counter() - wall, time.process_time() - cpu


def without_precheck() -> mock._patch:
    exact = ingest_module.mostly_hebrew

    def mostly_hebrew(body: bytes, charset: str | None = None, *, share: float = 0.5) -> bool:
        return exact(body, charset, share=share, precheck=False)

    return mock.patch.object(ingest_module, "mostly_hebrew", mostly_hebrew)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", type=int, default=10)
    parser.add_argument("--responses", type=int, default=300)
    parser.add_argument("--hebrew", type=float, default=0.1)
    parser.add_argument("--folder", type=Path, default=Path("/tmp/newsarchive-warc-speed"))
    args = parser.parse_args()
    args.folder.mkdir(parents=True, exist_ok=True)
    paths = write_files(args.folder, args.files, args.responses, args.hebrew)
    responses = args.files * args.responses
    results: dict[str, dict[str, float]] = {}

    def run(name: str, work: Callable[[Path], int], counted: int | None = None) -> None:
        count, wall, cpu = timed(work, paths)
        results[name] = {"counted": count, "per_cpu_s": round(responses / cpu, 1), "wall_s": round(wall, 2)}
        print(f"{name}: {results[name]}", flush=True)

    read_ours(paths[0])  # warm caches and imports
    run("warcio alone", read_warcio)
    try:
        import fastwarc  # noqa: F401
    except ImportError:
        print("FastWARC alone: not installed (pip install fastwarc)")
    else:
        run("FastWARC alone", read_fastwarc)
    run("zlib inflation of every gzip member alone", inflate_members)
    run("our reader", read_ours)
    with without_precheck():
        run("read + --all-hebrew filter, exact test only", filter_all_hebrew)
    run("read + --all-hebrew filter, pre-checked", filter_all_hebrew)

    def import_all(path: Path) -> int:
        db = args.folder / "bench.db"
        with Archive(db) as archive:
            return ingest(archive, warc_pages(path, all_hebrew=True), keep_outcomes=False).total_stored

    for label, patch in (("exact test only", without_precheck()), ("pre-checked", mock.patch.dict({}))):
        for stale in args.folder.glob("bench.db*"):
            stale.unlink()
        with patch:
            run(f"import --all-hebrew, {label}", import_all)

    size = sum(path.stat().st_size for path in paths)
    print(json.dumps({"files": args.files, "responses": responses, "mb": round(size / 1e6, 1), **results}))
    print(
        f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()},"
        f" load average {os.getloadavg()[0]:.1f}"
    )
    peer = results["warcio alone"]["per_cpu_s"]
    for name, figures in results.items():
        print(
            f"{name}: {figures['per_cpu_s']} responses per CPU second,"
            f" {figures['per_cpu_s'] / peer:.2f}x warcio"
        )


if __name__ == "__main__":
    main()
