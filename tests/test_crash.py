"""Crash safety at the scale where it used to break: a crawl of 2,000 article pages killed with SIGKILL again
and again at random moments (some in its first seconds, before discovery has finished), resumed each time
with `--resume`, ends with every article stored once, each equal to a clean extraction of its page, and with
no more pages fetched twice than the kills can explain."""

from __future__ import annotations

import json
import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from newsarchive.fetched import FetchedPage
from newsarchive.ingest import extract_page
from newsarchive.store import Archive
from newsarchive.store.archive import rows_as_dicts

from .sitefarm import SiteFarm
from .test_crawl import WALLA, walla_site

ARTICLES = 2000
KILLS = 12
#: of those, killed this soon after the start (discovery may not even have been read)
EARLY_KILLS = 4
BATCH = 50
CONCURRENCY = 8
#: what differs between two crawls of the same pages by nature: ids and times
VOLATILE = {"id", "page_id", "fetched_at", "stored_at", "checked_at"}


def crawl_command(db: Path, log: Path, farm: SiteFarm, **extra: object) -> list[str]:
    settings = {
        "DOWNLOAD_DELAY": 0,
        "AUTOTHROTTLE_ENABLED": False,
        "ARCHIVE_BATCH_SIZE": BATCH,
        "CONCURRENT_REQUESTS_PER_DOMAIN": CONCURRENCY,
        **farm.replay_settings(),
        **extra,
    }
    command = [sys.executable, "-m", "newsarchive.cli", "crawl", "walla", "--db", str(db), "--resume"]
    command += ["--log-file", str(log), "--format", "json"]
    for name, value in settings.items():
        command += ["--set", f"{name}={json.dumps(value)}"]
    return command


def article_hits(farm: SiteFarm) -> int:
    return sum(path.startswith("/break/") for path in farm.hits("news.walla.co.il"))


def archive_rows(db: Path) -> dict[str, dict]:
    with sqlite3.connect(db) as conn:
        rows = rows_as_dicts(conn.execute("SELECT * FROM articles"))
        return {row["url"]: {k: v for k, v in row.items() if k not in VOLATILE} for row in rows}


def test_a_2000_page_crawl_killed_again_and_again_then_resumed_stores_every_article_once(
    tmp_path: Path,
) -> None:
    ids = list(range(30000, 30000 + ARTICLES))
    rng = random.Random(20261129)
    env = {**os.environ, "NEWSARCHIVE_JOBS": str(tmp_path / "jobs")}
    db = tmp_path / "killed.db"
    with SiteFarm() as farm:
        walla_site(farm, ids)
        command = crawl_command(db, tmp_path / "killed.log", farm)
        kills, runs, last = 0, 0, None
        while runs < 60:
            runs += 1
            process = subprocess.Popen(
                command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env
            )
            if kills < KILLS:
                if kills < EARLY_KILLS:
                    time.sleep(rng.uniform(0.3, 3.0))  # while Scrapy starts, reads robots.txt and sitemaps
                else:  # once the run has fetched some more pages, at a random moment: fetching or writing
                    target = article_hits(farm) + rng.randint(10, 300)
                    deadline = time.monotonic() + 60
                    while article_hits(farm) < target and process.poll() is None:
                        if time.monotonic() > deadline:
                            break
                        time.sleep(0.01)
                    time.sleep(rng.uniform(0, 0.2))
                if process.poll() is None:
                    process.send_signal(signal.SIGKILL)
                    process.communicate(timeout=30)
                    kills += 1
                    continue
            out, err = process.communicate(timeout=300)
            assert process.returncode == 0, err
            last = json.loads(out)[0]
            break
        fetched = article_hits(farm)

    with sqlite3.connect(db) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert conn.execute("SELECT count(*) - count(DISTINCT url) FROM articles").fetchone()[0] == 0
        fts = conn.execute("SELECT count(*) FROM articles_fts").fetchone()[0]
        assert fts == conn.execute("SELECT count(*) FROM articles").fetchone()[0]
    stored = archive_rows(db)
    expected_urls = {f"{WALLA}/break/{n}" for n in [*ids, 1]}  # and the 2019 sitemap's article
    assert set(stored) == expected_urls
    assert kills == KILLS
    assert last is not None and last["finish_reason"] == "finished"

    # each article as a clean extraction of its page stores it (what an uninterrupted crawl gives)
    clean = tmp_path / "clean.db"
    with Archive(clean) as archive:
        pages = [FetchedPage(url=url, body=farm.routes["news.walla.co.il", url[len(WALLA) :]].body)
                 for url in sorted(expected_urls)]  # fmt: skip
        archive.store_many([(extract_page(page).article, page) for page in pages])
    assert stored == archive_rows(clean)

    # a kill loses at most the batch not yet written and the pages in flight: resumed, not started over
    assert fetched - len(expected_urls) <= KILLS * (BATCH + 2 * CONCURRENCY), fetched


def test_a_resumed_crawl_after_the_site_grew_finds_exactly_the_new_articles(tmp_path: Path) -> None:
    env = {**os.environ, "NEWSARCHIVE_JOBS": str(tmp_path / "jobs")}
    db = tmp_path / "a.db"
    with SiteFarm() as farm:
        walla_site(farm, list(range(600, 650)))
        command = crawl_command(db, tmp_path / "a.log", farm)
        first = subprocess.run(command, capture_output=True, text=True, env=env, timeout=120, check=False)
        assert first.returncode == 0, first.stderr
        assert json.loads(first.stdout)[0]["stored"] == 51
        before = len(farm.log)
        walla_site(farm, list(range(600, 660)))  # ten more articles in the news sitemap
        second = subprocess.run(command, capture_output=True, text=True, env=env, timeout=120, check=False)
        assert second.returncode == 0, second.stderr
        fetched = sorted(p for _, _, p, _ in farm.log[before:] if p.startswith("/break/"))
    summary = json.loads(second.stdout)[0]
    assert fetched == [f"/break/{n}" for n in range(650, 660)]
    assert summary["stored"] == 10 and summary["queued"] == 10
    assert summary["skipped"]["already in the archive"] == 51
    with sqlite3.connect(db) as conn:
        assert conn.execute("SELECT count(*) FROM articles").fetchone()[0] == 61


@pytest.mark.parametrize("signals", [1, 2])
def test_a_crawl_stopped_by_sigterm_says_so_in_one_line_and_the_next_run_completes_it(
    tmp_path: Path, signals: int
) -> None:
    """A second SIGTERM (Scrapy then stops at once, without closing its spider) used to exit 0, saying
    "stored 50 articles from 1 site", as if the crawl had ended; a first one exited 1 saying the same."""
    env = {**os.environ, "NEWSARCHIVE_JOBS": str(tmp_path / "jobs")}
    db = tmp_path / "a.db"
    ids = list(range(40000, 40300))
    with SiteFarm() as farm:
        walla_site(farm, ids, delay=0.02)
        command = crawl_command(db, tmp_path / "a.log", farm)
        process = subprocess.Popen(
            command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env
        )
        deadline = time.monotonic() + 60
        while article_hits(farm) < 80 and time.monotonic() < deadline:
            time.sleep(0.02)
        for _ in range(signals):
            process.send_signal(signal.SIGTERM)
            time.sleep(0.05)
        out, err = process.communicate(timeout=60)
        assert process.returncode == 1, err
        assert err.count("\n") == 1 and "walla: interrupted before it finished (run it again to go on)" in err
        (summary,) = json.loads(out)
        assert summary["finish_reason"] == ("shutdown" if signals == 1 else "interrupted")
        again = subprocess.run(command, capture_output=True, text=True, env=env, timeout=120, check=False)
        assert again.returncode == 0, again.stderr
    with sqlite3.connect(db) as conn:
        assert conn.execute("SELECT count(*), count(DISTINCT url) FROM articles").fetchone() == (301, 301)


def _killed_after(command: list[str], env: dict[str, str], farm: SiteFarm, pages: int) -> None:
    """Run a crawl and SIGKILL it once it has asked for ``pages`` more article pages."""
    target = article_hits(farm) + pages
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
    deadline = time.monotonic() + 60
    while article_hits(farm) < target and process.poll() is None and time.monotonic() < deadline:
        time.sleep(0.01)
    process.kill()
    process.communicate(timeout=30)


def test_a_resumed_refresh_fetches_what_the_killed_refresh_had_not(tmp_path: Path) -> None:
    """A --refresh --resume crawl killed midway, run again, fetched nothing more: the archive knows every
    address of a refresh, so every queued one looked done."""
    env = {**os.environ, "NEWSARCHIVE_JOBS": str(tmp_path / "jobs")}
    db = tmp_path / "a.db"
    ids = list(range(41000, 41300))
    with SiteFarm() as farm:
        walla_site(farm, ids, delay=0.01)
        command = crawl_command(db, tmp_path / "a.log", farm)
        assert subprocess.run(command, capture_output=True, env=env, timeout=120, check=False).returncode == 0
        first = article_hits(farm)
        refresh = [*command, "--refresh"]
        _killed_after(refresh, env, farm, 100)
        killed_run = article_hits(farm) - first
        again = subprocess.run(refresh, capture_output=True, text=True, env=env, timeout=120, check=False)
        assert again.returncode == 0, again.stderr
        refreshed = [p for _, _, p, _ in farm.log if p.startswith("/break/")][first:]
    assert 100 <= killed_run < 250
    assert set(refreshed) == {f"/break/{n}" for n in [*ids, 1]}  # every article looked at again
    assert len(refreshed) - len(set(refreshed)) <= BATCH + 2 * CONCURRENCY  # the killed run's unwritten batch


def test_a_resumed_crawl_keeps_to_the_date_window_it_is_given(tmp_path: Path) -> None:
    """The addresses an interrupted crawl queued were fetched whatever window the resumed run was given."""
    env = {**os.environ, "NEWSARCHIVE_JOBS": str(tmp_path / "jobs")}
    db = tmp_path / "a.db"
    ids = list(range(42000, 42300))
    with SiteFarm() as farm:
        walla_site(farm, ids, delay=0.01)  # every article of the news sitemap is of 2024-07-21
        command = crawl_command(db, tmp_path / "a.log", farm)
        _killed_after([*command, "--since", "2024-07-01"], env, farm, 60)
        before = article_hits(farm)
        later = subprocess.run(
            [*command, "--since", "2024-07-22"],
            capture_output=True,
            text=True,
            env=env,
            timeout=120,
            check=False,
        )
        fetched = article_hits(farm) - before
    assert fetched == 0, later.stderr
    summary = json.loads(later.stdout)[0]
    assert summary["skipped"]["outside the date window"] >= len(ids) - 60 - BATCH


@pytest.mark.parametrize(("archive", "refresh"), [("deleted", False), ("another --db", True)])
def test_a_resumed_crawl_into_an_archive_without_the_killed_runs_pages_fetches_them(
    tmp_path: Path, archive: str, refresh: bool
) -> None:
    """The frontier marks what the killed run's archive took; when the archive of the resumed run does not
    hold it (deleted, or another --db), only the archive says what is done. A 301-article crawl killed after
    150 pages, its archive deleted, then resumed: stored 151, exit 0 'finished', 150 articles missing until
    a later crawl."""
    env = {**os.environ, "NEWSARCHIVE_JOBS": str(tmp_path / "jobs")}
    ids = list(range(43000, 43300))
    db = tmp_path / "a.db"
    with SiteFarm() as farm:
        walla_site(farm, ids, delay=0.005)
        command = crawl_command(db, tmp_path / "a.log", farm)
        extra = ["--refresh"] if refresh else []
        if refresh:  # a first whole crawl, then a refresh of it is killed
            assert subprocess.run(command, capture_output=True, env=env, timeout=120).returncode == 0
        _killed_after([*command, *extra], env, farm, 150)
        with sqlite3.connect(db) as conn:
            assert conn.execute("SELECT count(*) FROM articles").fetchone()[0] >= BATCH
        if archive == "deleted":
            for path in tmp_path.glob("a.db*"):
                path.unlink()
        else:
            db = tmp_path / "b.db"
            command = crawl_command(db, tmp_path / "b.log", farm)
        again = subprocess.run(
            [*command, *extra], capture_output=True, text=True, env=env, timeout=120, check=False
        )
    assert again.returncode == 0, again.stderr
    assert json.loads(again.stdout)[0]["finish_reason"] == "finished"
    with sqlite3.connect(db) as conn:
        assert conn.execute("SELECT count(*), count(DISTINCT url) FROM articles").fetchone() == (301, 301)
