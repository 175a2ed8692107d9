"""`trends`, `words` and `similar` at scale: latency over 20 queries at 100k, 300k and 1M articles.

    python benchmarks/analysis_scale.py --sizes 100000 1000000 [--folder /tmp/newsarchive-analysis]

The archive is search_scale.py's synthetic corpus (its Generator: 150-word articles of wordfreq's Hebrew
words, 40% with a prefix, 10 sites, two years of publication), stored through `Archive.store_many`. It is
kept in ``--folder`` and grown to each size in turn, so a later run reuses what an earlier one built (a run
with a size below what the archive holds measures at what it holds).

Queries: 12 one-word queries of frequency ranks 100-20,000 (as search_scale draws them), 4 two-word
phrases, 4 prefix queries (`ממשל*`); each is timed as `trends --by day` (every site a row per day for two
years: 7,300 rows), `trends --by week` and `words --top 20`, warm (run once before timing). The peer in the
same run: `Archive.search` of the same query (top 20), the command a user runs first. `similar` (±3 days,
top 10) is timed likewise for 20 articles drawn at random (fixed seed), with how many articles its window
held.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import sqlite3
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from search_scale import Generator, percentile

from newsarchive.store import Archive


def grow(archive: Archive, generator: Generator, size: int) -> int:
    """Store articles until the archive holds ``size``; returns how many it holds."""
    (have,) = archive.db.execute("SELECT count(*) FROM articles").fetchone()
    for start in range(have, size, 50_000):
        archive.store_many(generator.article(n) for n in range(start, min(size, start + 50_000)))
        print(f"  stored {min(size, start + 50_000):,}", file=sys.stderr, flush=True)
    return max(have, size)


def queries(generator: Generator, seed: int) -> list[str]:
    rng = random.Random(seed + 1)
    words = rng.sample(generator.words[100:20_000], 12)
    phrases = [f'"{" ".join(rng.sample(generator.words[100:3000], 2))}"' for _ in range(4)]
    prefixes = [f"{w[:4]}*" for w in rng.sample([w for w in generator.words[100:3000] if len(w) >= 5], 4)]
    return words + phrases + prefixes


def timed(call, items: list[str]) -> tuple[list[float], list[object]]:
    results = [call(q) for q in items]  # warm
    out = []
    for q in items:
        started = time.perf_counter()
        call(q)
        out.append((time.perf_counter() - started) * 1000)
    return out, results


def articles_drawn(archive: Archive, count: int, seed: int) -> list[str]:
    """The URLs of ``count`` articles drawn at random (fixed seed) from the archive."""
    (highest,) = archive.db.execute("SELECT max(id) FROM articles").fetchone()
    ids = random.Random(seed + 2).sample(range(1, highest + 1), count)
    return [archive.db.execute("SELECT url FROM articles WHERE id = ?", (i,)).fetchone()[0] for i in ids]


def window_size(archive: Archive, url: str) -> int:
    """How many articles of other sites `similar` compares for the article at ``url`` (±3 days)."""
    site, published = archive.db.execute(
        "SELECT site, published FROM articles WHERE url = ?", (url,)
    ).fetchone()
    (count,) = archive.db.execute(
        "SELECT count(*) FROM articles WHERE site <> ?"
        " AND published BETWEEN strftime('%Y-%m-%dT%H:%M:%SZ', ?, '-3 days')"
        " AND strftime('%Y-%m-%dT%H:%M:%SZ', ?, '+3 days')",
        (site, published, published),
    ).fetchone()
    return count


def summary(values: list[float]) -> dict[str, float]:
    return {"p50": round(percentile(values, 0.5), 1), "p95": round(percentile(values, 0.95), 1)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[100_000, 1_000_000])
    parser.add_argument("--folder", type=Path, default=Path("/tmp/newsarchive-analysis"))
    parser.add_argument("--seed", type=int, default=11)
    args = parser.parse_args()
    args.folder.mkdir(parents=True, exist_ok=True)
    generator = Generator(args.seed)
    chosen = queries(generator, args.seed)
    rows = []
    for size in sorted(args.sizes):
        with Archive(args.folder / "archive.db") as archive:
            started = time.perf_counter()
            held = grow(archive, generator, size)
            built = time.perf_counter() - started
        with Archive(args.folder / "archive.db", readonly=True) as archive:
            by_day, trends = timed(lambda q: archive.trends(q, by="day"), chosen)
            by_week, _ = timed(lambda q: archive.trends(q, by="week"), chosen)
            words, _ = timed(lambda q: archive.words(q, top=20), chosen)
            search, _ = timed(lambda q: archive.search(q, limit=20), chosen)
            sources = articles_drawn(archive, 20, args.seed)
            similar, _ = timed(lambda url: archive.similar(url, days=3, top=10), sources)
            window = [window_size(archive, url) for url in sources]
        matched = sorted(sum(r.count for r in t) for t in trends)  # type: ignore[attr-defined]
        row = {
            "articles": held,
            "build_s": round(built),
            "trends_day_ms": summary(by_day),
            "trends_week_ms": summary(by_week),
            "words_ms": summary(words),
            "search_top20_ms": summary(search),
            "similar_ms": summary(similar),
            "similar_window_articles": {"min": min(window), "max": max(window)},
            "matching_articles": {
                "min": matched[0],
                "median": matched[len(matched) // 2],
                "max": matched[-1],
            },
        }
        rows.append(row)
        print(json.dumps(row), flush=True)
    print(
        f"machine: {platform.node()} {platform.machine()}, {os.cpu_count()} cores,"
        f" Python {platform.python_version()}, SQLite {sqlite3.sqlite_version}"
    )
    print(
        f"{'articles':>9s} {'trends/day p50/p95':>19s} {'trends/week p50/p95':>20s} {'words p50/p95':>14s}"
        f" {'similar p50/p95':>16s}"
    )
    for r in rows:
        d, w, x, m = r["trends_day_ms"], r["trends_week_ms"], r["words_ms"], r["similar_ms"]
        print(
            f"{r['articles']:9,d} {d['p50']:9.0f} / {d['p95']:6.0f} {w['p50']:10.0f} / {w['p95']:6.0f}"
            f" {x['p50']:6.0f} / {x['p95']:5.0f} {m['p50']:8.0f} / {m['p95']:5.0f}"
        )


if __name__ == "__main__":
    main()
