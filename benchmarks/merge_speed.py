"""Merge rate: shard archives joined by `merge_archives`, against storing the same articles into one archive.

    python benchmarks/merge_speed.py [--shards 4] [--per-shard 25000] [--folder /tmp/newsarchive-merge]

The articles are benchmarks/search_scale.py's synthetic ones (about 150 words each, drawn by frequency from
wordfreq's Hebrew list; needs the bench extra), each with a raw page (its text as HTML, as a crawl keeps it).
Each shard is built with `Archive.store_many`; the peer in the same run stores every article of every shard
into one archive with `store_many`. Then:

- merge: the shards merged into a new archive (`merge_archives`: ATTACH and INSERT ... SELECT, the search
  index rows copied with their articles);
- revisions: a shard of a fifth of shard 0's articles fetched again a day later, half changed (new
  versions) and half not (duplicates), merged into the result (the per-article path), against storing the
  same fetches into the single archive with `store_many`;
- the index built once at the end instead: `rebuild_index` over the merged archive, in a fresh process;
- the result checked: 20 queries give the same hits (addresses and scores) in both archives.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import shutil
import sqlite3
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from search_scale import Generator

from newsarchive import Article
from newsarchive.fetched import FetchedPage
from newsarchive.store import Archive
from newsarchive.store.merge import merge_archives

START = datetime(2025, 1, 1, tzinfo=UTC)
REBUILD = (
    "import sqlite3, sys, time\nfrom newsarchive.store.search_index import rebuild_index\n"
    "conn = sqlite3.connect(sys.argv[1])\nt = time.perf_counter()\nwith conn:\n    n = rebuild_index(conn)\n"
    "print(n, time.perf_counter() - t)\n"
)


def fetched(article: Article, n: int, later: timedelta = timedelta(0)) -> tuple[Article, FetchedPage]:
    html = f"<html><h1>{article.headline}</h1><p>{article.body}</p></html>".encode()
    return article, FetchedPage(article.url, html, fetched_at=START + timedelta(seconds=n) + later)


def revised(article: Article, n: int) -> Article:
    """Every other article of the revision shard rewritten (a new version); the rest as they were."""
    if n % 2:
        return article
    data = article.to_dict() | {"headline": f"עדכון: {article.headline}"}
    return Article.from_dict(data | {"body_paragraphs": list(article.paragraphs)})


def timed_store(path: Path, items: list[tuple[Article, FetchedPage]]) -> float:
    with Archive(path) as archive:
        t = time.perf_counter()
        archive.store_many(items)
        return time.perf_counter() - t


def hits(path: Path, queries: list[str]) -> list[list[tuple[str, float]]]:
    with Archive(path, readonly=True) as archive:
        return [sorted((h.url, round(h.score, 6)) for h in archive.search(q, limit=50)) for q in queries]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shards", type=int, default=4)
    parser.add_argument("--per-shard", type=int, default=25_000)
    parser.add_argument("--folder", type=Path, default=Path("/tmp/newsarchive-merge"))
    parser.add_argument("--seed", type=int, default=18)
    args = parser.parse_args()
    shutil.rmtree(args.folder, ignore_errors=True)
    args.folder.mkdir(parents=True)
    generator = Generator(args.seed)
    total = args.shards * args.per_shard
    items = [fetched(generator.article(n), n) for n in range(total)]
    shards = [args.folder / f"shard{i}.db" for i in range(args.shards)]
    build_s = [
        timed_store(s, items[i * args.per_shard : (i + 1) * args.per_shard]) for i, s in enumerate(shards)
    ]
    single = args.folder / "single.db"
    store_s = timed_store(single, items)
    merged = args.folder / "merged.db"
    t = time.perf_counter()
    merge_archives(merged, shards)
    merge_s = time.perf_counter() - t

    again = [
        fetched(revised(a, n), n, timedelta(days=1)) for n, (a, _) in enumerate(items[: args.per_shard // 5])
    ]
    revisions = args.folder / "revisions.db"
    timed_store(revisions, again)
    t = time.perf_counter()
    report = merge_archives(merged, [revisions]).shards[0]
    revisions_merge_s = time.perf_counter() - t
    revisions_store_s = timed_store(single, again)

    out = subprocess.run(
        [sys.executable, "-c", REBUILD, str(merged)], check=True, capture_output=True, text=True
    )
    rebuilt, rebuild_s = out.stdout.split()
    rng = random.Random(args.seed)
    queries = rng.sample(generator.words[100:5000], 14) + [
        w[:4] + "*" for w in rng.sample(generator.words[100:3000], 3)
    ]
    queries += ['"' + " ".join(rng.sample(generator.words[100:1000], 2)) + '"' for _ in range(3)]
    same = hits(single, queries) == hits(merged, queries)
    result = {
        "shards": args.shards,
        "per_shard": args.per_shard,
        "shard_build_articles_per_s": round(total / sum(build_s)),
        "store_many_one_archive_s": round(store_s, 1),
        "store_many_articles_per_s": round(total / store_s),
        "merge_s": round(merge_s, 1),
        "merge_articles_per_s": round(total / merge_s),
        "merge_over_store_many": round(store_s / merge_s, 2),
        "revision_shard_articles": len(again),
        "revision_merge_s": round(revisions_merge_s, 2),
        "revision_merge_articles_per_s": round(len(again) / revisions_merge_s),
        "revision_store_many_s": round(revisions_store_s, 2),
        "revision_versions_added": report.versions_added,
        "revision_duplicates_skipped": report.duplicates_skipped,
        "rebuild_index_instead_s": round(float(rebuild_s), 1),
        "rebuild_index_articles": int(rebuilt),
        "search_hits_equal": same,
    }
    print(json.dumps(result, indent=2))
    print(
        f"machine: {platform.node()} {platform.machine()}, {os.cpu_count()} cores,"
        f" Python {platform.python_version()}, SQLite {sqlite3.sqlite_version},"
        f" {datetime.now(UTC):%Y-%m-%d %H:%M} UTC"
    )


if __name__ == "__main__":
    main()
