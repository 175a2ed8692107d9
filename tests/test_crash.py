"""Crash safety: the crawler killed with SIGKILL at random points, again and again, then resumed, ends with
the same archive as a crawl that was never interrupted — nothing lost, nothing twice, integrity intact."""

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

from newsarchive.store.archive import rows_as_dicts

from .sitefarm import SiteFarm, walla_article
from .test_crawl import WALLA, walla_site

KILLS = 20
#: what differs between two crawls of the same pages by nature: ids and times
VOLATILE = {"id", "page_id", "fetched_at", "stored_at", "checked_at"}


def crawl_command(db: Path, log: Path, farm: SiteFarm) -> list[str]:
    settings = {
        "DOWNLOAD_DELAY": 0,
        "AUTOTHROTTLE_ENABLED": False,
        "ARCHIVE_BATCH_SIZE": 5,
        **farm.replay_settings(),
    }
    command = [sys.executable, "-m", "newsarchive.cli", "crawl", "walla", "--db", str(db), "--resume"]
    command += ["--log-file", str(log), "--format", "json"]
    for name, value in settings.items():
        command += ["--set", f"{name}={json.dumps(value)}"]
    return command


def article_hits(farm: SiteFarm) -> int:
    return sum(path.startswith("/break/8") for path in farm.hits("news.walla.co.il"))


def archive_rows(db: Path) -> dict[str, dict]:
    with sqlite3.connect(db) as conn:
        rows = rows_as_dicts(conn.execute("SELECT * FROM articles"))
        return {row["url"]: {k: v for k, v in row.items() if k not in VOLATILE} for row in rows}


def test_sigkill_at_random_points_then_resume_gives_the_uninterrupted_archive(tmp_path: Path) -> None:
    ids = list(range(800, 880))
    rng = random.Random(20261126)
    with SiteFarm() as farm:
        walla_site(farm, ids)
        for n in ids:
            farm.add(f"{WALLA}/break/{n}", walla_article(n), delay=0.02)
        env = {**os.environ, "NEWSARCHIVE_JOBS": str(tmp_path / "jobs")}
        db = tmp_path / "killed.db"
        kills = 0
        for _ in range(200):
            process = subprocess.Popen(
                crawl_command(db, tmp_path / "killed.log", farm),
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
                env=env,
            )
            if kills < KILLS:
                # kill once the run has fetched a few more pages, at a random moment after: while it fetches,
                # extracts, or writes a batch
                target = article_hits(farm) + rng.randint(1, 4)
                deadline = time.monotonic() + 60
                while article_hits(farm) < target and process.poll() is None and time.monotonic() < deadline:
                    time.sleep(0.01)
                time.sleep(rng.uniform(0, 0.3))
                if process.poll() is None:
                    process.send_signal(signal.SIGKILL)
                    process.wait(timeout=30)
                    kills += 1
                    continue
            if process.wait(timeout=120) == 0:
                break
        assert kills >= KILLS

        clean = tmp_path / "clean.db"
        finished = subprocess.run(
            crawl_command(clean, tmp_path / "clean.log", farm),
            capture_output=True,
            env={**os.environ, "NEWSARCHIVE_JOBS": str(tmp_path / "clean-jobs")},
            timeout=120,
            check=False,
        )
        assert finished.returncode == 0, finished.stderr

    with sqlite3.connect(db) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert conn.execute("SELECT count(*) - count(DISTINCT url) FROM articles").fetchone()[0] == 0
        fts = conn.execute("SELECT count(*) FROM articles_fts").fetchone()[0]
        assert fts == conn.execute("SELECT count(*) FROM articles").fetchone()[0]
    killed, uninterrupted = archive_rows(db), archive_rows(clean)
    assert len(uninterrupted) == len(ids) + 1  # and the 2019 sitemap's article
    assert sorted(killed) == sorted(uninterrupted)
    assert killed == uninterrupted
