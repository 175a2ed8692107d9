"""Fuzzing beyond what CI runs: coverage-guided atheris (libFuzzer) on every parser that meets the outside
world, and the hypothesis suite with fresh seeds and more examples.

    python benchmarks/fuzz.py                      # atheris, 60 s per target, then hypothesis x10 fresh
    python benchmarks/fuzz.py --seconds 300 --targets extract sitemap
    python benchmarks/fuzz.py --hypothesis-examples 0   # atheris only

Each atheris target runs in a process of its own with libFuzzer's guards: an input that takes more than
10 s is a hang, a process over 1 GB is a memory failure; anything but the parser's documented refusal
(NotAnArticle, DiscoveryError, QueryError) escaping is a crash. A failing input is saved under
``benchmarks/fuzz-findings/<target>/`` so it can become an explicit example in tests/test_fuzz.py.
Needs ``pip install -e '.[fuzz]'`` (atheris has wheels for Linux x86-64).
"""

from __future__ import annotations

import argparse
import contextlib
import os
import re
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "tests" / "fixtures"
FINDINGS = ROOT / "benchmarks" / "fuzz-findings"
TARGETS = ("extract", "sitemap", "feed", "query", "date", "credits")
HANG_S = 10
MEMORY_MB = 1024


def seeds(target: str) -> list[bytes]:
    """The starting corpus: our own fixture pages, sitemaps and feeds, queries and dates."""
    if target == "extract":
        return [p.read_bytes() for p in sorted(FIXTURES.glob("*/*.html"))]
    sys.path.insert(0, str(ROOT))
    from tests.sitefarm import news_sitemap, rss, sitemap_index

    if target in ("sitemap", "feed"):
        urls = [(f"https://www.ynet.co.il/news/article/a{n}", "2024-05-15T08:00:00+03:00") for n in range(3)]
        return [
            news_sitemap(urls).encode(),
            sitemap_index(urls).encode(),
            rss([(u, "Wed, 15 May 2024 08:00:00 +0300") for u, _ in urls]).encode(),
        ]
    if target == "query":
        return [q.encode() for q in ("ממשלה", '"בית ספר" OR צה"ל -ירושלים', "site:ynet author:כהן ביבי*")]
    if target == "date":
        return [d.encode() for d in ("15.05.2024 | 08:33", "עודכן: 15/05/24 21:09", "2024-05-15T04:33:00Z")]
    return [c.encode() for c in ("צילום: רויטרס", "הפגנה בתל אביב (צילום: AP)", "מאת יוסי כהן ודנה לוי")]


def one_input(target: str) -> Callable[[bytes], None]:
    import atheris

    with atheris.instrument_imports():
        from newsarchive import Article, NotAnArticle, extract_article
        from newsarchive.credits import parse_byline, split_credit
        from newsarchive.dates import parse_date
        from newsarchive.discovery import DiscoveryError, parse_feed, parse_sitemap
        from newsarchive.store import Archive
        from newsarchive.store.query import QueryError, parse_query

    if target == "query":  # queries run against a small archive too: the SQL they become must hold
        archive = Archive(Path(tempfile.mkdtemp()) / "fuzz.db")
        archive.store(Article(url="https://x.co.il/1", site="x", headline="כותרת", paragraphs=["הממשלה"]))

    def extract(data: bytes) -> None:
        with contextlib.suppress(NotAnArticle):
            extract_article(data, "https://www.ynet.co.il/news/article/fuzz")

    def sitemap(data: bytes) -> None:
        with contextlib.suppress(DiscoveryError):
            parse_sitemap(data, "https://www.ynet.co.il/sitemap.xml")

    def feed(data: bytes) -> None:
        with contextlib.suppress(DiscoveryError):
            parse_feed(data, "https://www.ynet.co.il/rss.xml")

    def query(data: bytes) -> None:
        text = data.decode("utf-8", "replace")
        try:
            parse_query(text)
            archive.search(text)
        except QueryError:
            pass

    def date(data: bytes) -> None:
        result = parse_date(data.decode("utf-8", "replace"))
        assert result is None or result.tzinfo is not None

    def credits(data: bytes) -> None:
        text = data.decode("utf-8", "replace")
        split_credit(text)
        parse_byline(text)

    return {"extract": extract, "sitemap": sitemap, "feed": feed, "query": query, "date": date,
            "credits": credits}[target]  # fmt: skip


def run_target(target: str) -> None:
    """Inside the child process: hand the harness to libFuzzer (which never returns)."""
    import atheris

    atheris.Setup(sys.argv, one_input(target))
    atheris.Fuzz()


def fuzz_target(target: str, seconds: int) -> dict[str, object]:
    with tempfile.TemporaryDirectory() as work:
        corpus = Path(work) / "corpus"
        corpus.mkdir()
        for n, data in enumerate(seeds(target)):
            (corpus / f"seed{n}").write_bytes(data)
        findings = FINDINGS / target
        findings.mkdir(parents=True, exist_ok=True)
        command = [sys.executable, __file__, "--child", target, str(corpus),
                   f"-max_total_time={seconds}", f"-timeout={HANG_S}", f"-rss_limit_mb={MEMORY_MB}",
                   "-max_len=400000", f"-artifact_prefix={findings}/", "-print_final_stats=1"]  # fmt: skip
        started = time.monotonic()
        result = subprocess.run(command, capture_output=True, text=True, check=False)
        elapsed = time.monotonic() - started
    log = result.stdout + result.stderr
    runs = re.findall(r"stat::number_of_executed_units:\s*(\d+)", log)
    peak = re.findall(r"stat::peak_rss_mb:\s*(\d+)", log)
    coverage = re.findall(r"cov: (\d+)", log)
    if not any(findings.iterdir()):
        findings.rmdir()
    return {
        "target": target,
        "inputs": int(runs[-1]) if runs else None,
        "seconds": round(elapsed),
        "coverage": int(coverage[-1]) if coverage else None,
        "peak_rss_mb": int(peak[-1]) if peak else None,
        "result": "ok" if result.returncode == 0 else f"FAILED (exit {result.returncode}): {_finding(log)}",
    }


def _finding(log: str) -> str:
    for line in log.splitlines():
        if "Uncaught Python exception" in line or "ERROR: libFuzzer" in line or "Error" in line:
            return line.strip()[:200]
    return log.strip().splitlines()[-1][:200] if log.strip() else "no output"


def hypothesis_fresh(examples: int) -> dict[str, object]:
    """tests/test_fuzz.py with a fresh seed and more examples per test, in a child process."""
    env = {**os.environ, "NEWSARCHIVE_FUZZ_EXAMPLES": str(examples), "NEWSARCHIVE_FUZZ_FRESH": "1"}
    started = time.monotonic()
    command = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "tests/test_fuzz.py"]
    result = subprocess.run(command, capture_output=True, text=True, env=env, cwd=ROOT, check=False)
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss // 1024
    tail = (result.stdout.strip().splitlines() or ["no output"])[-1]
    return {
        "target": f"hypothesis, {examples} examples per test, fresh seed",
        "seconds": round(time.monotonic() - started),
        "peak_rss_mb": peak,
        "result": "ok" if result.returncode == 0 else f"FAILED: {tail}",
    }


def main() -> None:
    if len(sys.argv) > 2 and sys.argv[1] == "--child":
        target = sys.argv.pop(2)
        sys.argv.pop(1)
        run_target(target)
        return
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--seconds", type=int, default=60, help="atheris time per target")
    parser.add_argument("--targets", nargs="*", default=list(TARGETS), choices=TARGETS)
    parser.add_argument("--hypothesis-examples", type=int, default=10_000)
    options = parser.parse_args()
    rows = []
    if options.seconds > 0:
        try:
            import atheris  # noqa: F401
        except ImportError:
            sys.exit("atheris is not installed: pip install -e '.[fuzz]' (or --seconds 0 to skip it)")
        for target in options.targets:
            rows.append(fuzz_target(target, options.seconds))
            print(rows[-1], flush=True)
    if options.hypothesis_examples:
        rows.append(hypothesis_fresh(options.hypothesis_examples))
        print(rows[-1], flush=True)
    print("\n| target | inputs | seconds | coverage (edges) | peak RSS MB | result |")
    print("|---|---|---|---|---|---|")
    for row in rows:
        cells = [
            row["target"],
            row.get("inputs"),
            row["seconds"],
            row.get("coverage"),
            row.get("peak_rss_mb"),
        ]
        print("| " + " | ".join(str(c) if c is not None else "—" for c in cells) + f" | {row['result']} |")
    if any(row["result"] != "ok" for row in rows):
        sys.exit(1)


if __name__ == "__main__":
    main()
