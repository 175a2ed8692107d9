"""A crawl shared through Redis: two workers against one, and against a plain crawl, on the same local sites.

    python benchmarks/redis_crawl.py [--sites 24] [--articles 100] [--delay 0.05]

``--sites`` sites without a profile (tests/sitefarm.py: robots.txt, a news sitemap, a feed, walla-like
article pages) are served on 127.0.0.1; a private redis-server runs on a free port. Each site keeps the
politeness of a real crawl scaled down: one request at a time and ``--delay`` seconds between requests. Runs:
- plain: `newsarchive crawl --url ...` of every site in one process, no Redis;
- one worker: the same with `--redis`;
- two workers: two `--redis` processes at once, each into its own archive.
Each run starts with an empty Redis prefix and empty archives; articles stored per second of wall time.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import platform
import sqlite3
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.redis_server import redis_server  # noqa: E402
from tests.sitefarm import SiteFarm, farm_site_home, news_sites  # noqa: E402


def command(farm: SiteFarm, db: Path, sites: int, delay: float, redis: tuple[str, str] | None) -> list[str]:
    settings = {"DOWNLOAD_DELAY": delay, "AUTOTHROTTLE_ENABLED": False, **farm.replay_settings()}
    line = [sys.executable, "-m", "newsarchive.cli", "crawl", "--db", str(db), "--format", "json"]
    line += ["--log-file", str(db.with_suffix(".log"))]
    if redis is not None:
        line += ["--redis", redis[0]]
        settings["REDIS_PREFIX"] = redis[1]
    for k in range(sites):
        line += ["--url", farm_site_home(k)]
    for name, value in settings.items():
        line += ["--set", f"{name}={json.dumps(value)}"]
    return line


def articles(db: Path) -> int:
    with sqlite3.connect(db) as conn:
        return conn.execute("SELECT count(*) FROM articles").fetchone()[0]


def run(commands: list[list[str]], dbs: list[Path]) -> tuple[float, int]:
    started = time.monotonic()
    processes = [subprocess.Popen(c, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE) for c in commands]
    for process in processes:
        _, err = process.communicate(timeout=3600)
        if process.returncode != 0:
            raise SystemExit(f"a crawl failed: {err.decode()[-500:]}")
    return time.monotonic() - started, sum(articles(db) for db in dbs)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sites", type=int, default=24)
    parser.add_argument("--articles", type=int, default=100)
    parser.add_argument("--delay", type=float, default=0.05)
    args = parser.parse_args()
    total = args.sites * args.articles
    machine = f"{platform.machine()}, Python {platform.python_version()}"
    print(f"{machine}, {args.sites} sites x {args.articles} articles, DOWNLOAD_DELAY {args.delay} s")
    results = {}
    stack = contextlib.ExitStack()
    with tempfile.TemporaryDirectory() as tmp, SiteFarm() as farm:
        folder = Path(tmp)
        news_sites(farm, args.sites, args.articles)
        server = stack.enter_context(redis_server(folder / "redis"))
        for name, workers in (("plain crawl", 0), ("one worker", 1), ("two workers", 2)):
            prefix = uuid.uuid4().hex[:8]
            dbs = [folder / f"{prefix}-{n}.db" for n in range(max(1, workers))]
            redis = (server.url, prefix) if workers else None
            seconds, stored = run([command(farm, db, args.sites, args.delay, redis) for db in dbs], dbs)
            assert stored == total, f"{name}: stored {stored} of {total}"
            results[name] = seconds
            print(f"{name:12}  {seconds:6.1f} s  {stored / seconds:6.1f} articles/s")
        stack.close()
    print(
        f"two workers / one worker: {results['one worker'] / results['two workers']:.2f}x faster;"
        f" one worker / plain crawl: {results['plain crawl'] / results['one worker']:.2f}x"
    )


if __name__ == "__main__":
    main()
