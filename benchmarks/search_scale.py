"""Archive scale: ingest rate and query latency at 10k, 100k and 1M articles, and the size of the index.

    python benchmarks/search_scale.py --sizes 10000 100000 1000000 [--folder /tmp/scale]

The synthetic corpus: each article has a 9-word headline, a 20-word subtitle and four paragraphs of 30
words (about 150 words), drawn by frequency from the 30,000 most frequent Hebrew words of wordfreq, 40% of
them with a prefix (ה ו ב ל מ ש כ and combinations), one or two authors from 300 names, a site of 10, and a
publication time spread over two years. Articles are stored through `Archive.store_many` (the crawler's
path: articles, authors, images and the search index; the library's batch size unless `--batch-size`),
without raw pages. `--order random` (the default) stores them in random order of publication, as an import
of saved pages from all over those two years may; `--order crawl` in the order a crawl finds them, about a
minute of publication apart, each up to 12 hours early or late (the archive's indexes on `published` then
grow at their end instead of everywhere), and with addresses as the sites make them: five sites number their
articles in order (walla, maariv, globes...), five give each a random id (ynet, n12...), whose entries land
anywhere in the index of URLs.
The peer in the same run: plain SQLite FTS5 (unicode61, the body only) over the same texts.

Queries: 200 one-word queries drawn from frequency ranks 100-20,000 (top 20, best first), 40 two-word
phrases and 40 prefix queries (the first four letters of words of ranks 100-3,000, `ממשל*`), each timed warm
(run once before timing). Needs the bench extra (wordfreq).

`--rebuild` then times building the search index again at the largest size, as an upgrade that changes the
index tokens does (schema.migrate: one transaction, in a fresh process so that no index form is cached).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import re
import sqlite3
import subprocess
import sys
import time
from datetime import datetime, timedelta
from pathlib import Path

from newsarchive import Article
from newsarchive.dates import ISRAEL
from newsarchive.store import Archive
from newsarchive.store.archive import STORE_BATCH

PREFIXES = ["ה", "ו", "ב", "ל", "מ", "ש", "כ", "וה", "וב", "ול", "שה", "מה", "כש"]
PREFIX_WEIGHTS = [25, 18, 12, 12, 6, 6, 2, 4, 2, 2, 2, 2, 1]


def vocabulary() -> tuple[list[str], list[float]]:
    import wordfreq

    words = [
        w
        for w in wordfreq.top_n_list("he", 30_000, wordlist="small")
        if re.fullmatch("[\u05d0-\u05ea]{2,}", w)
    ]
    return words, [wordfreq.word_frequency(w, "he", wordlist="small") for w in words]


#: two years of publication over a million articles, in crawl order
CRAWL_STEP_MINUTES = 2 * 365 * 24 * 60 / 1_000_000
CRAWL_JITTER_MINUTES = 12 * 60


class Generator:
    def __init__(self, seed: int, order: str = "random") -> None:
        self.rng = random.Random(seed)
        self.order = order
        self.words, weights = vocabulary()
        total = 0.0
        self.cumulative = []
        for w in weights:
            total += w
            self.cumulative.append(total)
        self.names = [" ".join(self.rng.sample(self.words[500:3000], 2)) for _ in range(300)]

    def text(self, n: int) -> str:
        words = self.rng.choices(self.words, cum_weights=self.cumulative, k=n)
        out = []
        for word in words:
            if self.rng.random() < 0.4:
                word = self.rng.choices(PREFIXES, weights=PREFIX_WEIGHTS)[0] + word
            out.append(word)
        return " ".join(out)

    def published_minute(self, n: int) -> float:
        if self.order == "crawl":
            jitter = self.rng.uniform(-CRAWL_JITTER_MINUTES, CRAWL_JITTER_MINUTES)
            return CRAWL_JITTER_MINUTES + n * CRAWL_STEP_MINUTES + jitter
        return self.rng.randrange(2 * 365 * 24 * 60)

    def url(self, n: int) -> str:
        if self.order == "crawl" and n % 10 < 5:
            return f"https://news{n % 10}.example.co.il/article/{self.rng.getrandbits(48):012x}"
        return f"https://news{n % 10}.example.co.il/article/{n}"

    def article(self, n: int) -> Article:
        start = datetime(2024, 1, 1, tzinfo=ISRAEL)
        return Article(
            url=self.url(n),
            site=f"site{n % 10}",
            headline=self.text(9),
            subtitle=self.text(20),
            authors=self.rng.sample(self.names, self.rng.choice((1, 1, 2))),
            published=start + timedelta(minutes=self.published_minute(n)),
            paragraphs=[self.text(30) for _ in range(4)],
            language="he",
        )


def file_mb(path: Path) -> float:
    return sum(p.stat().st_size for p in path.parent.glob(path.name + "*")) / 1e6


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def run(
    size: int,
    folder: Path,
    generator: Generator,
    queries: list[str],
    phrases: list[str],
    prefixes: list[str],
    have: int,
    archive: Archive,
    plain: sqlite3.Connection,
    batch_size: int,
) -> dict:
    """Grow the archive (and the plain peer) from ``have`` to ``size`` articles, then time queries."""
    batch = 50_000  # articles made ahead of each store_many call (the bulk path streams through one call)
    ingest_s = plain_s = 0.0
    for start in range(have, size, batch):
        articles = [generator.article(n) for n in range(start, min(size, start + batch))]
        t = time.perf_counter()
        archive.store_many(articles, batch_size=batch_size)
        ingest_s += time.perf_counter() - t
        t = time.perf_counter()
        with plain:
            plain.executemany(
                "INSERT INTO fts(rowid, body) VALUES (?, ?)",
                [(n, f"{a.headline} {a.subtitle} {a.body}") for n, a in enumerate(articles, start)],
            )
        plain_s += time.perf_counter() - t
    added = size - have

    def timed(fn, items: list[str]) -> list[float]:
        for q in items:
            fn(q)  # warm
        out = []
        for q in items:
            t = time.perf_counter()
            fn(q)
            out.append((time.perf_counter() - t) * 1000)
        return out

    ours_word = timed(lambda q: archive.search(q, limit=20), queries)
    ours_phrase = timed(lambda q: archive.search(f'"{q}"', limit=20), phrases)
    ours_prefix = timed(lambda q: archive.search(f"{q}*", limit=20), prefixes)

    def plain_search(q: str) -> list:
        return plain.execute(
            "SELECT rowid FROM fts WHERE fts MATCH ? ORDER BY rank LIMIT 20", (f'"{q}"',)
        ).fetchall()

    plain_word = timed(plain_search, queries)
    return {
        "articles": size,
        "ingest_articles_per_s": round(added / ingest_s) if added else None,
        "plain_fts_ingest_articles_per_s": round(added / plain_s) if added else None,
        "word_top20_ms": {
            "p50": round(percentile(ours_word, 0.5), 2),
            "p95": round(percentile(ours_word, 0.95), 2),
        },
        "phrase_top20_ms": {
            "p50": round(percentile(ours_phrase, 0.5), 2),
            "p95": round(percentile(ours_phrase, 0.95), 2),
        },
        "prefix_top20_ms": {
            "p50": round(percentile(ours_prefix, 0.5), 2),
            "p95": round(percentile(ours_prefix, 0.95), 2),
        },
        "plain_word_top20_ms": {
            "p50": round(percentile(plain_word, 0.5), 2),
            "p95": round(percentile(plain_word, 0.95), 2),
        },
        "archive_mb": round(file_mb(folder / "archive.db"), 1),
        "index_mb": round(_fts_mb(archive), 1),
        "plain_fts_mb": round(file_mb(folder / "plain.db"), 1),
    }


def _fts_mb(archive: Archive) -> float:
    try:
        rows = archive.db.execute("SELECT sum(pgsize) FROM dbstat WHERE name LIKE 'articles_fts%'").fetchone()
        return (rows[0] or 0) / 1e6
    except sqlite3.OperationalError:  # dbstat not compiled in
        return float("nan")


REBUILD = """
import sys, time
from newsarchive.store import Archive
from newsarchive.store.batches import write_transaction
from newsarchive.store.search_index import rebuild_index
archive = Archive(sys.argv[1])
started = time.perf_counter()
with write_transaction(archive.db.conn):
    count = rebuild_index(archive.db.conn)
print(count, time.perf_counter() - started)
"""


def time_rebuild(path: Path) -> tuple[int, float]:
    """(articles, seconds) of building the archive's search index again, in a process of its own."""
    out = subprocess.run(
        [sys.executable, "-c", REBUILD, str(path)], check=True, capture_output=True, text=True
    )
    count, seconds = out.stdout.split()
    return int(count), float(seconds)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--folder", type=Path, default=Path("/tmp/newsarchive-scale"))
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--batch-size", type=int, default=STORE_BATCH, help="articles per transaction")
    parser.add_argument(
        "--order", choices=("random", "crawl"), default="random", help="the order articles are stored in"
    )
    parser.add_argument("--rebuild", action="store_true", help="then time building the index again")
    args = parser.parse_args()
    args.folder.mkdir(parents=True, exist_ok=True)
    for stale in args.folder.glob("*.db*"):
        stale.unlink()
    generator = Generator(args.seed, args.order)
    rng = random.Random(args.seed + 1)
    queries = rng.sample(generator.words[100:20_000], 200)
    phrases = [" ".join(rng.sample(generator.words[100:3000], 2)) for _ in range(40)]
    prefixes = [w[:4] for w in rng.sample([w for w in generator.words[100:3000] if len(w) >= 5], 40)]
    archive = Archive(args.folder / "archive.db")
    plain = sqlite3.connect(args.folder / "plain.db")
    plain.execute("PRAGMA journal_mode=WAL")
    plain.execute("PRAGMA synchronous=NORMAL")
    plain.execute("CREATE VIRTUAL TABLE fts USING fts5(body)")
    results, have = [], 0
    for size in sorted(args.sizes):
        result = run(
            size, args.folder, generator, queries, phrases, prefixes, have, archive, plain, args.batch_size
        )
        have = size
        results.append(result)
        print(json.dumps(result, ensure_ascii=False), flush=True)
    print(f"order: {args.order}")
    print(
        f"machine: {platform.node()} {platform.machine()}, {os.cpu_count()} cores,"
        f" Python {platform.python_version()}, SQLite {sqlite3.sqlite_version}"
    )
    print(
        f"{'articles':>9s} {'ingest/s':>9s} {'plain/s':>8s} {'word p50':>9s} {'word p95':>9s}"
        f" {'phrase p95':>10s} {'word* p95':>9s} {'plain p95':>9s} {'archive MB':>10s} {'index MB':>9s}"
    )
    for r in results:
        word, phrase, plain_word = r["word_top20_ms"], r["phrase_top20_ms"], r["plain_word_top20_ms"]
        prefix = r["prefix_top20_ms"]
        print(
            f"{r['articles']:9d} {r['ingest_articles_per_s'] or 0:9d}"
            f" {r['plain_fts_ingest_articles_per_s'] or 0:8d}"
            f" {word['p50']:9.2f} {word['p95']:9.2f} {phrase['p95']:10.2f} {prefix['p95']:9.2f}"
            f" {plain_word['p95']:9.2f} {r['archive_mb']:10.1f} {r['index_mb']:9.1f}"
        )
    if args.rebuild:
        archive.close()
        plain.close()
        count, seconds = time_rebuild(args.folder / "archive.db")
        peer = results[-1]["plain_fts_ingest_articles_per_s"]
        print(
            f"index built again: {count:,} articles in {seconds:.1f} s, {count / seconds:,.0f} articles/s"
            f" (plain FTS5 ingest {peer:,}/s, ratio {count / seconds / peer:.2f})"
        )


if __name__ == "__main__":
    main()
