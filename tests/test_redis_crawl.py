"""A crawl shared through Redis (`newsarchive crawl --redis URL`, newsarchive.shared_crawl): two worker
processes on one Redis crawl several local sites into archives of their own. Every article is stored once
(the archives merged), the server never sees two requests of one site at once, a second run asks for nothing
but robots.txt, home pages, sitemaps and feeds (and the articles added since), and a worker killed with
SIGKILL midway loses nothing: the other takes its sites over, with the pages it held in flight. A private
redis-server runs for each test (tests/redis_server.py)."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest

from newsarchive.shared_frontier import SharedFrontier
from newsarchive.store.merge import merge_archives

from .redis_server import RedisServer, redis_server
from .sitefarm import SiteFarm, farm_site_home, news_sites

SITES = 6
ARTICLES = 60
DISCOVERY_PATHS = {"/robots.txt", "/", "/sitemap-news.xml", "/feed.xml"}


def worker_command(
    farm: SiteFarm, server: RedisServer, db: Path, sites: int = SITES, **settings: object
) -> list[str]:
    merged = {
        "DOWNLOAD_DELAY": 0.01,  # any delay makes Scrapy keep to one request a site (test_crawl.py says why)
        "AUTOTHROTTLE_ENABLED": False,
        "DOWNLOAD_TIMEOUT": 5,
        "RETRY_TIMES": 1,
        "REDIS_PREFIX": server.prefix,
        "REDIS_LEASE_S": 4,
        **farm.replay_settings(),
        **settings,
    }
    command = [sys.executable, "-m", "newsarchive.cli", "crawl", "--db", str(db), "--redis", server.url]
    command += ["--log-file", str(db.with_suffix(".log")), "--format", "json"]
    for k in range(sites):
        command += ["--url", farm_site_home(k)]
    for name, value in merged.items():
        command += ["--set", f"{name}={json.dumps(value) if not isinstance(value, str) else value}"]
    return command


def start(command: list[str]) -> subprocess.Popen:
    return subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def finish(process: subprocess.Popen, timeout: float = 60) -> list[dict]:
    out, err = process.communicate(timeout=timeout)
    assert process.returncode == 0, err
    return json.loads(out) if out.strip() else []


def stored_urls(db: Path) -> list[str]:
    if not db.exists():
        return []
    with sqlite3.connect(db) as conn:
        try:
            return [row[0] for row in conn.execute("SELECT url FROM articles")]
        except sqlite3.OperationalError:  # made a moment ago: its tables are not there yet
            return []


def article_hits(farm: SiteFarm, since: int = 0) -> Counter[str]:
    return Counter(f"{host}{path}" for _, host, path, _ in farm.log[since:] if path.startswith("/break/"))


def merged(tmp_path: Path, *shards: Path) -> list[str]:
    out = tmp_path / "merged.db"
    merge_archives(out, [shard for shard in shards if shard.exists()])
    return stored_urls(out)


def expected_urls(made: dict[str, list[str]]) -> set[str]:
    return {url for urls in made.values() for url in urls}


def test_two_workers_store_every_article_once_one_request_a_site_at_a_time(tmp_path: Path) -> None:
    with SiteFarm() as farm, redis_server(tmp_path / "redis") as server:
        made = news_sites(farm, SITES, ARTICLES, delay=0.003)
        a, b = tmp_path / "a.db", tmp_path / "b.db"
        workers = [start(worker_command(farm, server, db)) for db in (a, b)]
        summaries = [finish(worker) for worker in workers]
        hits = article_hits(farm)
        most_at_once = dict(farm.max_active)
        status = SharedFrontier(server.url, prefix=server.prefix).site_status(
            [url.removeprefix("https://www.") for url in made]
        )
    everything = expected_urls(made)
    assert len(everything) == SITES * ARTICLES
    # each article was asked for once, and is in exactly one of the two archives
    assert set(hits) == {url.removeprefix("https://") for url in everything}
    assert max(hits.values()) == 1
    in_a, in_b = stored_urls(a), stored_urls(b)
    assert not set(in_a) & set(in_b) and len(in_a) + len(in_b) == len(everything)
    assert sorted(merged(tmp_path, a, b)) == sorted(everything)
    # the work was shared, and each site saw one request at a time whichever worker held it
    assert in_a and in_b, summaries
    assert set(most_at_once.values()) == {1}, most_at_once
    assert all(s.queued == s.in_flight == 0 and s.stored == ARTICLES and s.finished for s in status)


def test_a_second_run_asks_only_for_discovery_and_the_new_articles(tmp_path: Path) -> None:
    """scrapy-redis as shipped remembered the sitemaps as seen (so a second run found nothing new), and
    without its persistence fetched half the articles again."""
    with SiteFarm() as farm, redis_server(tmp_path / "redis") as server:
        made = news_sites(farm, SITES, ARTICLES, delay=0.002)
        a, b = tmp_path / "a.db", tmp_path / "b.db"
        for worker in [start(worker_command(farm, server, db)) for db in (a, b)]:
            finish(worker)
        first = len(farm.log)
        grown = news_sites(farm, SITES, ARTICLES + 4, delay=0.002)  # four new articles on each site
        summaries = [finish(w) for w in [start(worker_command(farm, server, db)) for db in (a, b)]]
        again = farm.log[first:]
    new = expected_urls(grown) - expected_urls(made)
    assert len(new) == 4 * SITES
    fetched = Counter(f"https://{host}{path}" for _, host, path, _ in again if path not in DISCOVERY_PATHS)
    assert fetched == Counter(new)  # each new article once, nothing else but discovery
    # every site's sitemap and feed were read again
    assert {host for _, host, path, _ in again if path == "/sitemap-news.xml"} == {
        home.removeprefix("https://") for home in made
    }
    assert {host for _, host, path, _ in again if path == "/feed.xml"} == {
        home.removeprefix("https://") for home in made
    }
    known = sum(s["skipped"].get("already in the archive", 0) for run in summaries for s in run)
    assert known >= SITES * ARTICLES
    assert sorted(merged(tmp_path, a, b)) == sorted(expected_urls(grown))


def _worker_of(frontier: SharedFrontier, pid: int) -> str | None:
    return next((w.worker for w in frontier.worker_status() if w.pid == str(pid)), None)


def _in_flight(frontier: SharedFrontier, worker: str, sites: list[str]) -> int:
    return sum(
        list(frontier.redis.hgetall(frontier._key("flight", site)).values()).count(worker) for site in sites
    )


def test_a_worker_killed_midway_loses_nothing_the_other_finishes_its_sites(tmp_path: Path) -> None:
    """scrapy-redis lost what a killed worker had taken from the queue (982 of 2,048 articles)."""
    sites = [home.removeprefix("https://www.") for home in map(farm_site_home, range(SITES))]
    with SiteFarm() as farm, redis_server(tmp_path / "redis") as server:
        made = news_sites(farm, SITES, 100, delay=0.02)
        a, b = tmp_path / "a.db", tmp_path / "b.db"
        settings = {"REDIS_LEASE_S": 2, "ARCHIVE_BATCH_SIZE": 20}
        killed = start(worker_command(farm, server, a, **settings))
        frontier = SharedFrontier(server.url, prefix=server.prefix)
        deadline = time.monotonic() + 30
        while (worker := _worker_of(frontier, killed.pid)) is None and time.monotonic() < deadline:
            time.sleep(0.05)
        survivor = start(worker_command(farm, server, b, **settings))
        # killed once it has stored pages, and holds pages taken from the queue and not stored yet
        while time.monotonic() < deadline and not (
            len(stored_urls(a)) >= 40 and worker and _in_flight(frontier, worker, sites) >= 5
        ):
            time.sleep(0.01)
        held = _in_flight(frontier, worker, sites) if worker else 0
        leased = [site for site, holder in frontier.leases(sites).items() if holder == worker]
        killed.send_signal(signal.SIGKILL)
        killed.communicate(timeout=30)
        summary = finish(survivor, timeout=90)
        hits = article_hits(farm)
        status = frontier.site_status(sites)
    assert held >= 5 and leased, "the worker was not killed midway"
    everything = expected_urls(made)
    assert sorted(merged(tmp_path, a, b)) == sorted(everything)  # nothing lost
    assert {s["site"] for s in summary} >= set(leased)  # the survivor took the killed worker's sites over
    # asked for again: what the killed worker held in flight (taken, or fetched and not yet written), and
    # what it took in the moment between counting those and the kill
    assert sum(hits.values()) - len(everything) <= held + 10
    assert all(s.queued == s.in_flight == 0 and s.finished for s in status)


def test_redis_unreachable_is_one_clear_line(tmp_path: Path) -> None:
    with SiteFarm() as farm:
        news_sites(farm, 1, 3)
        server = RedisServer(url="redis://127.0.0.1:1/0", prefix="x")
        command = worker_command(farm, server, tmp_path / "a.db", sites=1)
        result = subprocess.run(command, capture_output=True, text=True, timeout=60)
        assert not farm.log  # nothing was fetched
    assert result.returncode == 1
    assert result.stderr.count("\n") == 1, result.stderr
    assert "the shared frontier cannot be used: Redis at redis://127.0.0.1:1/0" in result.stderr
    assert "Connection refused" in result.stderr and "Traceback" not in result.stderr


def test_a_shared_crawl_refuses_what_it_cannot_do_and_says_so_without_redis_installed(tmp_path: Path) -> None:
    base = [sys.executable, "-m", "newsarchive.cli", "crawl", "walla", "--db", str(tmp_path / "a.db")]
    resumed = subprocess.run([*base, "--redis", "redis://127.0.0.1:1", "--resume"], capture_output=True,
                             text=True, timeout=60)  # fmt: skip
    assert resumed.returncode == 2 and "--resume is not for a crawl shared through Redis" in resumed.stderr
    wrong = subprocess.run([*base, "--redis", "127.0.0.1:6379"], capture_output=True, text=True, timeout=60)
    assert wrong.returncode == 2 and "not a Redis address" in wrong.stderr
    script = (
        "import sys; sys.modules['redis'] = None\n"
        "from newsarchive.cli import main\n"
        f"main([*{base[3:]!r}, '--redis', 'redis://127.0.0.1:6379'])"
    )
    missing = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60)
    assert missing.returncode == 1
    assert "--redis needs the redis package: pip install 'newsarchive[redis]'" in missing.stderr


def test_redis_gone_mid_crawl_stops_the_worker_clearly_and_the_next_run_completes(tmp_path: Path) -> None:
    """Redis stopped while a worker crawls (and started again empty, as a server without persistence comes
    back): the worker ends with one line saying so and exit 1, its archive whole; the next run stores the
    rest, without asking again for what the archive holds."""
    if os.environ.get("NEWSARCHIVE_TEST_REDIS"):
        pytest.skip("stops the Redis server: needs a private one")
    with SiteFarm() as farm, redis_server(tmp_path / "redis") as server:
        made = news_sites(farm, 2, 150, delay=0.01)
        db = tmp_path / "a.db"
        command = worker_command(farm, server, db, sites=2)
        worker = start(command)
        deadline = time.monotonic() + 30
        while len(stored_urls(db)) < 50 and time.monotonic() < deadline:
            time.sleep(0.02)
        server.stop()
        err = worker.communicate(timeout=60)[1]
        before = stored_urls(db)
        server.start_again()
        finish(start(command))
        hits = article_hits(farm)
    assert worker.returncode == 1, err
    assert err.count("\n") == 1 and "the shared frontier could not be used: Redis at" in err, err
    with sqlite3.connect(db) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    assert 50 <= len(before) < 300
    assert sorted(stored_urls(db)) == sorted(expected_urls(made))
    # asked for again: only pages fetched and not stored when Redis went (its archive held the rest)
    assert sum(hits.values()) - 300 <= 2 * 50, sum(hits.values())
