"""Extraction speed and memory: newsarchive vs trafilatura on the same pages, in one run.

    python benchmarks/extract_speed.py                  # ../shared/corpus pages (fixtures if absent)
    python benchmarks/extract_speed.py --pages 10000    # memory over 10,000 extractions

Needs the bench extra: pip install -e '.[bench]'. Prints a table and JSON; docs/benchmarks.md records runs.
"""

from __future__ import annotations

import argparse
import contextlib
import gc
import json
import logging
import platform
import statistics
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared" / "corpus"


def load_pages() -> list[tuple[bytes, str]]:
    """The shared corpus's HTML pages (the fixtures when it is absent), read as `newsarchive eval` does."""
    from newsarchive.evaluate import load_cases

    folder = SHARED if (SHARED / "cases.json").exists() else ROOT / "tests" / "fixtures"
    return [(c.html_path.read_bytes(), c.url) for c in load_cases(folder) if c.html_path.suffix == ".html"]


def rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def run_newsarchive(pages: list[tuple[bytes, str]], rounds: int) -> tuple[float, float]:
    """Pages per second of wall-clock time and of this process's CPU time (which the other work on a shared
    machine does not inflate)."""
    from newsarchive import NotAnArticle, extract_article

    started, cpu = time.perf_counter(), time.process_time()
    for _ in range(rounds):
        for html, url in pages:
            with contextlib.suppress(NotAnArticle):
                extract_article(html, url)
    count = rounds * len(pages)
    return count / (time.perf_counter() - started), count / (time.process_time() - cpu)


def run_trafilatura(pages: list[tuple[bytes, str]], rounds: int) -> tuple[float, float]:
    from trafilatura import bare_extraction

    started, cpu = time.perf_counter(), time.process_time()
    for _ in range(rounds):
        for html, url in pages:
            bare_extraction(html, url=url, with_metadata=True)
    count = rounds * len(pages)
    return count / (time.perf_counter() - started), count / (time.process_time() - cpu)


def memory_profile(pages: list[tuple[bytes, str]], total: int) -> list[tuple[int, float]]:
    from newsarchive import NotAnArticle, extract_article

    samples = []
    for n in range(1, total + 1):
        html, url = pages[n % len(pages)]
        with contextlib.suppress(NotAnArticle):
            extract_article(html, url)
        if n % (total // 10) == 0:
            gc.collect()
            samples.append((n, rss_mb()))
    return samples


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5, help="alternating timed rounds per tool")
    parser.add_argument("--pages", type=int, default=10_000, help="extractions for the memory profile")
    args = parser.parse_args()
    logging.disable(logging.WARNING)  # trafilatura logs every page it finds no date in
    pages = load_pages()
    average_kb = sum(len(h) for h, _ in pages) / len(pages) / 1024
    run_newsarchive(pages, 1)  # warm up: imports, compiled selectors
    run_trafilatura(pages, 1)
    ours, theirs, ours_cpu, theirs_cpu = [], [], [], []
    for _ in range(args.repeats):  # alternate, so both tools see the same machine load
        wall, cpu = run_newsarchive(pages, 3)
        ours.append(wall)
        ours_cpu.append(cpu)
        wall, cpu = run_trafilatura(pages, 1)
        theirs.append(wall)
        theirs_cpu.append(cpu)
    samples = memory_profile(pages, args.pages)
    result = {
        "machine": f"{platform.node()} {platform.machine()} {platform.python_version()}",
        "pages": len(pages),
        "average_page_kb": round(average_kb, 1),
        "newsarchive_pages_per_s": round(statistics.median(ours), 1),
        "trafilatura_pages_per_s": round(statistics.median(theirs), 1),
        "speedup": round(statistics.median(ours) / statistics.median(theirs), 1),
        # each round's own ratio: both tools timed back to back, under the same load
        "speedup_by_round": [round(a / b, 1) for a, b in zip(ours, theirs, strict=True)],
        "speedup_cpu": round(statistics.median(ours_cpu) / statistics.median(theirs_cpu), 1),
        "speedup_cpu_by_round": [round(a / b, 1) for a, b in zip(ours_cpu, theirs_cpu, strict=True)],
        "rss_mb_by_pages": [(n, round(mb, 1)) for n, mb in samples],
        "rss_growth_mb_after_first_tenth": round(samples[-1][1] - samples[0][1], 1),
    }
    print(
        f"{len(pages)} pages of {average_kb:.0f} KB on average; median of {args.repeats} alternating rounds"
    )
    print(f"  newsarchive  {result['newsarchive_pages_per_s']:8.1f} pages/s")
    print(f"  trafilatura  {result['trafilatura_pages_per_s']:8.1f} pages/s")
    print(f"  speed-up     {result['speedup']:8.1f}x  (round by round: {result['speedup_by_round']})")
    print(f"  CPU time     {result['speedup_cpu']:8.1f}x  (round by round: {result['speedup_cpu_by_round']})")
    print(f"  RSS over {args.pages} extractions: " + ", ".join(f"{n}: {mb:.0f} MB" for n, mb in samples))
    print(json.dumps(result))


if __name__ == "__main__":
    main()
