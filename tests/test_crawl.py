"""Crawls of local sites through the real Scrapy engine (each in a subprocess: one reactor per process)."""

from __future__ import annotations

import json
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from newsarchive.store import Archive

from .conftest import SAMPLE_SITES
from .sitefarm import (
    Route,
    SiteFarm,
    gzip_bomb,
    news_sitemap,
    rss,
    run_cli,
    run_crawl,
    sitemap_index,
    walla_article,
    ynet_article,
)

WALLA = "https://news.walla.co.il"
YNET = "https://www.ynet.co.il"


def stored_urls(db: Path) -> list[str]:
    with sqlite3.connect(db) as conn:
        return sorted(r[0] for r in conn.execute("SELECT url FROM articles"))


def walla_site(farm: SiteFarm, ids: list[int], *, robots_extra: str = "", delay: float = 0) -> None:
    """A walla site listing ``ids`` in its news sitemap, each article answered after ``delay`` seconds."""
    farm.add(
        f"{WALLA}/robots.txt",
        f"User-agent: *\n{robots_extra}Sitemap: {WALLA}/sitemap-index.xml\n",
        headers={"Content-Type": "text/plain"},
    )
    farm.add(
        f"{WALLA}/sitemap-index.xml",
        sitemap_index(
            [
                (f"{WALLA}/sitemap-news.xml", "2024-07-21T08:00:00+03:00"),
                (f"{WALLA}/sitemap-2019.xml", "2019-12-31T08:00:00+02:00"),
            ]
        ),
    )
    farm.add(
        f"{WALLA}/sitemap-news.xml",
        news_sitemap([(f"{WALLA}/break/{n}", "2024-07-21T06:15:00+03:00") for n in ids]),
    )
    farm.add(f"{WALLA}/sitemap-2019.xml", news_sitemap([(f"{WALLA}/break/1", "2019-06-01T10:00:00+03:00")]))
    farm.add(f"{WALLA}/break/1", walla_article(1, when="2019-06-01 10:00"))
    for n in ids:
        farm.add(f"{WALLA}/break/{n}", walla_article(n), delay=delay)


def test_robots_sitemap_index_news_sitemap_articles(tmp_path: Path) -> None:
    with SiteFarm() as farm:
        walla_site(farm, [101, 102, 103])
        code, summary, err = run_crawl(farm, ["walla"], tmp_path / "a.db", "--since", "2024-07-01")
        assert code == 0, err
        assert stored_urls(tmp_path / "a.db") == [f"{WALLA}/break/{n}" for n in (101, 102, 103)]
        hits = farm.hits("news.walla.co.il")
        # the old child sitemap (lastmod 2019) is not read in a 2024 window, and no link is followed
        assert "/sitemap-2019.xml" not in hits and "/break/1" not in hits
        assert not any(h.startswith("/break/9") for h in hits)
        assert sorted(h for h in hits if h.startswith("/break/")) == [
            "/break/101",
            "/break/102",
            "/break/103",
        ]
        assert summary[0]["stored"] == 3


def test_rss_feed_to_articles_and_user_agent(tmp_path: Path) -> None:
    with SiteFarm() as farm:
        farm.add(
            f"{YNET}/robots.txt",
            "User-agent: *\nDisallow: /Common/\n",
            headers={"Content-Type": "text/plain"},
        )
        farm.add(
            f"{YNET}/Integration/StoryRss2.xml",
            rss(
                [(f"{YNET}/news/article/abc{n}", "Wed, 15 May 2024 07:33:00 +0300") for n in range(4)]
                + [("not a url at all", "junk date"), (f"{YNET}/home/0,7340,L-2,00.html", "")]
            ),
        )
        farm.add(f"{YNET}/Integration/StoryRss1854.xml", "<rss><channel><item><title>broken", status=200)
        for n in range(4):
            farm.add(f"{YNET}/news/article/abc{n}", ynet_article(f"abc{n}", f"כותרת מספר {n} של הכתבה"))
        code, summary, err = run_crawl(farm, ["ynet"], tmp_path / "a.db")
        assert code == 0, err
        assert stored_urls(tmp_path / "a.db") == [f"{YNET}/news/article/abc{n}" for n in range(4)]
        agents = {agent for _, _, _, agent in farm.log}
        assert len(agents) == 1 and agents.pop().startswith("newsarchive/")
        assert summary[0]["skipped"].get("not an article URL") == 2  # the junk link and the home page


def test_incremental_second_crawl_fetches_only_new_urls(tmp_path: Path) -> None:
    db = tmp_path / "a.db"
    with SiteFarm() as farm:
        walla_site(farm, [201, 202])
        assert run_crawl(farm, ["walla"], db)[0] == 0
        first = len(farm.log)
        walla_site(farm, [201, 202, 203])
        code, summary, _ = run_crawl(farm, ["walla"], db)
        assert code == 0
        second = [path for _, _, path, _ in farm.log[first:] if path.startswith("/break/")]
        assert sorted(second) == ["/break/203"]
        assert summary[0]["skipped"]["already in the archive"] == 3  # 201, 202 and the old break/1
        code, _, _ = run_crawl(farm, ["walla"], db, "--refresh")
        third = [path for _, _, path, _ in farm.log if path.startswith("/break/20")]
        assert third.count("/break/201") == 2  # --refresh fetched it again
    assert len(stored_urls(db)) == 4  # 201-203 and break/1 from the old sitemap: no duplicates


def test_robots_disallow_is_obeyed(tmp_path: Path) -> None:
    with SiteFarm() as farm:
        walla_site(farm, [301, 302], robots_extra="Disallow: /break/302\n")
        code, summary, _ = run_crawl(farm, ["walla"], tmp_path / "a.db")
        assert code == 0
        assert "/break/302" not in farm.hits()
        assert f"{WALLA}/break/302" not in stored_urls(tmp_path / "a.db")
        assert summary[0]["errors"].get("forbidden by robots.txt") == 1


def test_one_request_at_a_time_per_site(tmp_path: Path) -> None:
    # Any download delay, even this small one, is what makes Scrapy 2.19 keep to one request per site: with a
    # delay of exactly 0 a slot's queue is released all at once. The shipped delay is 1 s.
    with SiteFarm() as farm:
        walla_site(farm, list(range(400, 412)), delay=0.05)
        settings = {"CONCURRENT_REQUESTS": 16, "DOWNLOAD_DELAY": 0.01}
        assert (
            run_crawl(farm, ["walla"], tmp_path / "a.db", "--since", "2024-07-01", settings=settings)[0] == 0
        )
        assert farm.max_active["news.walla.co.il"] == 1


def test_bad_input_is_counted_and_the_crawl_goes_on(tmp_path: Path) -> None:
    with SiteFarm() as farm:
        farm.add(
            f"{WALLA}/robots.txt",
            f"Sitemap: {WALLA}/a.xml\nSitemap: {WALLA}/bomb.xml.gz\n"
            f"Sitemap: {WALLA}/broken.xml\nSitemap: {WALLA}/entities.xml\n",
            headers={"Content-Type": "text/plain"},
        )
        farm.add(f"{WALLA}/broken.xml", "this is not XML at all {{{")
        farm.add(f"{WALLA}/bomb.xml.gz", gzip_bomb(), headers={"Content-Type": "application/gzip"})
        farm.add(
            f"{WALLA}/entities.xml",
            '<?xml version="1.0"?><!DOCTYPE l [<!ENTITY a "aaaaaaaaaa">'
            '<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;">]><urlset><url><loc>&b;</loc></url></urlset>',
        )
        urls = [f"{WALLA}/break/{n}" for n in (501, 502, 503, 504, 505, 506, 507)]
        farm.add(f"{WALLA}/a.xml", news_sitemap([(u, "2024-07-21T06:15:00+03:00") for u in urls]))
        farm.add(urls[0], walla_article(501))
        farm.add(urls[1], "server error", status=500)
        # urls[2]: no route: 404
        farm.add(urls[3], walla_article(504), delay=6)  # longer than DOWNLOAD_TIMEOUT
        farm.add(urls[4], "", status=302, headers={"Location": f"{WALLA}/break/505"})  # a redirect loop
        farm.add(urls[5], "", status=301, headers={"Location": "https://evil.example.com/x"})  # off-site
        farm.add(urls[6], "<html><body><p>not an article</p></body></html>")
        code, summary, err = run_crawl(farm, ["walla"], tmp_path / "a.db")
        assert code == 0, err
        assert stored_urls(tmp_path / "a.db") == [urls[0]]
        errors, skipped = summary[0]["errors"], summary[0]["skipped"]
        assert errors.get("HTTP 500") == 1 and errors.get("HTTP 404") == 1
        assert errors.get("timeout") == 1
        assert errors.get("redirected off-site") == 1
        assert errors.get("redirect loop") == 1
        assert any("not XML" in reason for reason in errors)
        assert any("gzip" in reason for reason in errors)
        assert any("DTD" in reason for reason in errors)
        assert any(r.startswith("no headline") or r.startswith("empty body") for r in skipped)
        assert sum(errors.values()) >= 6
    assert "evil.example.com" not in {host for _, host, _, _ in farm.log}


def test_retry_after_is_honoured(tmp_path: Path) -> None:
    with SiteFarm() as farm:
        walla_site(farm, [601])
        farm.add(
            f"{WALLA}/break/601",
            dynamic=lambda hits: (
                Route(b"slow down", status=429, headers={"Retry-After": "2"})
                if hits == 0
                else Route(walla_article(601).encode())
            ),
        )
        code, _, _ = run_crawl(farm, ["walla"], tmp_path / "a.db", "--since", "2024-07-01")
        assert code == 0
        times = [t for t, _, path, _ in farm.log if path == "/break/601"]
        assert len(times) == 2 and times[1] - times[0] >= 1.8
        assert stored_urls(tmp_path / "a.db") == [f"{WALLA}/break/601"]


def test_server_errors_are_retried_after_a_back_off(tmp_path: Path) -> None:
    with SiteFarm() as farm:
        walla_site(farm, [611])
        farm.add(
            f"{WALLA}/break/611",
            dynamic=lambda hits: (
                Route(b"overloaded", status=503) if hits == 0 else Route(walla_article(611).encode())
            ),
        )
        code, _, _ = run_crawl(
            farm, ["walla"], tmp_path / "a.db", "--since", "2024-07-01", settings={"BACKOFF_BASE_S": 1.0}
        )
        assert code == 0
        times = [t for t, _, path, _ in farm.log if path == "/break/611"]
        assert len(times) == 2 and times[1] - times[0] >= 0.9
        assert stored_urls(tmp_path / "a.db") == [f"{WALLA}/break/611"]


def test_resume_after_a_kill_misses_and_repeats_nothing(tmp_path: Path) -> None:
    db, jobs = tmp_path / "a.db", tmp_path / "jobs"
    ids = list(range(700, 730))
    with SiteFarm() as farm:
        walla_site(farm, ids, delay=0.15)
        settings = {"DOWNLOAD_DELAY": 0, "AUTOTHROTTLE_ENABLED": False, **farm.replay_settings()}
        command = [
            sys.executable,
            "-m",
            "newsarchive.cli",
            "crawl",
            "walla",
            "--db",
            str(db),
            "--resume",
            "--since",
            "2024-07-01",
            "--log-file",
            str(tmp_path / "crawl.log"),
            "--format",
            "json",
        ]
        for name, value in settings.items():
            command += ["--set", f"{name}={json.dumps(value)}"]
        env = {**os.environ, "NEWSARCHIVE_JOBS": str(jobs)}
        process = subprocess.Popen(
            command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env
        )
        deadline = time.monotonic() + 30
        while len([p for p in farm.hits() if p.startswith("/break/7")]) < 8 and time.monotonic() < deadline:
            time.sleep(0.05)
        process.send_signal(signal.SIGTERM)
        process.communicate(timeout=60)
        first_run = [p for p in farm.hits() if p.startswith("/break/7")]
        assert 0 < len(first_run) < len(ids)
        process = subprocess.run(command, capture_output=True, text=True, env=env, timeout=120, check=False)
        assert process.returncode == 0, process.stderr
        article_hits = [p for p in farm.hits() if p.startswith("/break/7")]
    assert sorted(set(article_hits)) == [f"/break/{n}" for n in ids]
    assert len(article_hits) == len(ids), "a page was fetched twice"
    assert stored_urls(db) == sorted(f"{WALLA}/break/{n}" for n in ids)


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs POSIX resource limits")
def test_a_full_disk_stops_the_crawl_and_keeps_what_was_stored(tmp_path: Path) -> None:
    import resource

    db = tmp_path / "a.db"
    Archive(db).close()
    # The crawler may grow any file by 8 MB at most (RLIMIT_FSIZE): past that every write fails as on a full
    # disk (EFBIG, which SQLite reports as an I/O error; ENOSPC, "database or disk is full", is the archive
    # test's). The pages are large, so a few batches fit and then the disk is "full".
    limit = db.stat().st_size + 8_000_000
    ids = list(range(2000, 2150))
    with SiteFarm() as farm:
        walla_site(farm, ids)
        for n in ids:
            words = " ".join(f"מילה{n}x{k}" for k in range(3000))
            farm.add(f"{WALLA}/break/{n}", walla_article(n).replace("לאירוע.</p>", f"לאירוע. {words}</p>"))
        command = [sys.executable, "-m", "newsarchive.cli", "crawl", "walla", "--db", str(db), "--since",
                   "2024-07-01", "--log-file", str(tmp_path / "crawl.log"), "--format", "json"]  # fmt: skip
        settings = {"DOWNLOAD_DELAY": 0, "AUTOTHROTTLE_ENABLED": False, "ARCHIVE_BATCH_SIZE": 20}
        for name, value in {**settings, **farm.replay_settings()}.items():
            command += ["--set", f"{name}={json.dumps(value)}"]
        result = subprocess.run(
            command,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
            preexec_fn=lambda: resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit)),
        )
        fetched = len([p for p in farm.hits() if p.startswith("/break/")])
    assert result.returncode == 1, result.stderr
    (summary,) = json.loads(result.stdout)
    assert summary["finish_reason"] == "archive write failed"
    lost = summary["errors"]["archive write failed"]
    # stopped at once: the pages in flight when the disk filled are counted as not stored, no more are fetched
    assert summary["stored"] > 0 and summary["stored"] + lost == fetched < len(ids)
    with sqlite3.connect(db) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        # everything reported stored is there, whole and indexed
        assert conn.execute("SELECT count(*) FROM articles").fetchone()[0] == summary["stored"]
        assert conn.execute("SELECT count(*) FROM articles_fts").fetchone()[0] == summary["stored"]
    log = (tmp_path / "crawl.log").read_text()
    assert "pages not stored" in log and "Traceback" not in log + result.stderr
    assert "מילה" not in log  # a dropped page's text stays out of the log


def test_consoles_are_off() -> None:
    from newsarchive import settings

    assert settings.TELNETCONSOLE_ENABLED is False
    assert settings.REMOTE_CONTROL_ENABLED is False
    assert settings.ROBOTSTXT_OBEY is True
    assert settings.CONCURRENT_REQUESTS_PER_DOMAIN == 1


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (["nosuchsite"], 2, "unknown site nosuchsite"),
        ([], 2, "name the sites to crawl"),
        (["--all", "ynet"], 2, "--all crawls every profiled site"),
        (["ynet", "--since", "yesterdayy"], 2, "--since: not a date: 'yesterdayy'"),
        (["ynet", "--until", "2024-13-45"], 2, "--until: not a date"),
        (
            ["ynet", "--db", "not-sqlite.db"],
            1,
            "cannot open the archive not-sqlite.db: ",
        ),
        # these crawled nothing and exited 0, or failed inside the reactor with a bare message or two lines
        (
            ["ynet", "--since", "2024-07-02", "--until", "2024-07-01"],
            2,
            "--until 2024-07-01 is before --since",
        ),
        (["--url", "https://www.example.co.il:99999/"], 2, "the port must be a number from 1 to 65535"),
        (["--url", "https://user:pw@www.example.co.il/"], 2, "an address with a user name or password"),
        (["ynet", "--set", "DOWNLOAD_DELAY=abc"], 2, "setting DOWNLOAD_DELAY = 'abc': could not convert"),
        (["ynet", "--set", "DOWNLOAD_HANDLERS=notjson"], 2, "setting DOWNLOAD_HANDLERS = 'notjson'"),
        (["ynet", "--set", "LOG_LEVEL=NOPE"], 2, "setting LOG_LEVEL = 'NOPE': not a log level"),
        (["ynet", "--set", "ROBOTSTXT_OBEY=maybe"], 2, "setting ROBOTSTXT_OBEY = 'maybe'"),
        (["ynet", "--log-file", "not-sqlite.db/crawl.log"], 2, "cannot write the crawl log"),
    ],
)
def test_a_crawl_that_cannot_start_says_why_in_one_line_and_fails(
    tmp_path: Path, args: list[str], code: int, message: str
) -> None:
    """These used to print an all-zero summary and exit 0, the real error only in Scrapy's log."""
    (tmp_path / "not-sqlite.db").write_text("a text file, not an archive " * 10)
    result = subprocess.run(
        [sys.executable, "-m", "newsarchive.cli", "crawl", *args],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        cwd=tmp_path,
        env={**os.environ, "NEWSARCHIVE_DB": str(tmp_path / "a.db")},
    )
    assert result.returncode == code, result.stderr
    assert result.stdout == ""  # no summary: nothing ran
    assert result.stderr.count("\n") == 1 and message in result.stderr
    assert "Traceback" not in result.stderr


def test_a_crawl_whose_every_site_fails_exits_non_zero_with_the_first_error(tmp_path: Path) -> None:
    with SiteFarm() as farm:
        walla_site(farm, [951])
        code, summary, err = run_crawl(
            farm, ["walla", "ynet"], tmp_path / "a.db", settings={"JOBDIR": "jobs"}
        )
    assert code == 1
    assert [row["finish_reason"] for row in summary] == ["failed", "failed"]
    assert err.count("\n") == 1 and "Traceback" not in err
    assert (
        err.startswith("the crawl failed: walla: JOBDIR is not used by this spider")
        and "; ynet: JOBDIR" in err
    )


def test_a_crawl_state_that_cannot_be_kept_or_is_in_use_stops_the_crawl_before_it_starts(
    tmp_path: Path,
) -> None:
    """The crawl state is opened before the crawl: a folder that cannot be made failed each site's crawler
    inside the reactor, on two lines; a second --resume run of a site that one is crawling fetched and
    stored every article a second time ("stored 401" twice for 401 articles)."""
    env = {**os.environ, "NEWSARCHIVE_JOBS": str(tmp_path / "jobs")}
    db = tmp_path / "a.db"
    ids = list(range(960, 1000))
    with SiteFarm() as farm:
        walla_site(farm, ids, delay=0.05)
        settings = {"DOWNLOAD_DELAY": 0, "AUTOTHROTTLE_ENABLED": False, **farm.replay_settings()}
        command = [sys.executable, "-m", "newsarchive.cli", "crawl", "walla", "--resume", "--db", str(db),
                   "--since", "2024-07-01", "--log-file", str(tmp_path / "a.log"),
                   "--format", "json"]  # fmt: skip
        command += [f"--set={name}={json.dumps(value)}" for name, value in settings.items()]
        first = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
        deadline = time.monotonic() + 30
        while not any(p.startswith("/break/") for p in farm.hits()) and time.monotonic() < deadline:
            time.sleep(0.02)
        second = subprocess.run(command, capture_output=True, text=True, env=env, timeout=60, check=False)
        out, err = first.communicate(timeout=120)
        fetched = [p for p in farm.hits() if p.startswith("/break/9")]
    assert second.returncode == 1 and second.stdout == ""
    assert second.stderr.count("\n") == 1
    assert second.stderr.startswith("walla: another --resume crawl of this site is running (it holds ")
    assert first.returncode == 0, err
    assert json.loads(out)[0]["stored"] == len(ids) and sorted(fetched) == [f"/break/{n}" for n in ids]

    shutil.rmtree(tmp_path / "jobs")
    (tmp_path / "jobs").write_text("a file where the crawl state folder should be")
    result = subprocess.run(command, capture_output=True, text=True, env=env, timeout=60, check=False)
    assert result.returncode == 1 and result.stdout == "" and result.stderr.count("\n") == 1
    assert result.stderr.startswith(f"walla: cannot keep the crawl state in {tmp_path / 'jobs' / 'walla'}: ")


def test_a_crawl_that_did_nothing_says_so(tmp_path: Path) -> None:
    db = tmp_path / "a.db"
    with SiteFarm() as farm:
        walla_site(farm, [961, 962])
        code, _, err = run_crawl(farm, ["walla"], db, "--since", "2024-07-01")
        assert code == 0 and "stored 2 articles from 1 site" in err
        code, _, err = run_crawl(farm, ["walla"], db, "--since", "2024-07-01")
        assert code == 0 and "no new articles: the 2 articles found are already in the archive" in err
        code, summary, err = run_crawl(farm, ["walla"], db, "--revisit")
        assert code == 0 and "nothing was due for a revisit" in err
    assert summary[0]["fetched"] == 0


def test_config_file_and_crawl_log(tmp_path: Path) -> None:
    db = tmp_path / "a.db"
    with SiteFarm() as farm:
        walla_site(farm, [801, 802])
        (tmp_path / "newsarchive.toml").write_text(
            f'db = "{db}"\nsites = ["walla"]\nsince = "2024-07-01"\n\n[settings]\nRETRY_TIMES = 0\n',
            encoding="utf-8",
        )
        settings = {"DOWNLOAD_DELAY": 0, "AUTOTHROTTLE_ENABLED": False, **farm.replay_settings()}
        command = [sys.executable, "-m", "newsarchive.cli", "crawl", "--format", "json"]
        for name, value in settings.items():
            command += ["--set", f"{name}={json.dumps(value)}"]
        result = subprocess.run(
            command, capture_output=True, text=True, timeout=120, check=False, cwd=tmp_path
        )
        assert result.returncode == 0, result.stderr
    assert stored_urls(db) == [f"{WALLA}/break/801", f"{WALLA}/break/802"]
    with sqlite3.connect(db) as conn:
        (reason,) = conn.execute("SELECT reason FROM crawl_log WHERE event = 'finished'").fetchone()
    assert json.loads(reason)["stored"] == 2
    (tmp_path / "newsarchive.toml").write_text("nonsense = 1\n", encoding="utf-8")
    result = subprocess.run(
        [sys.executable, "-m", "newsarchive.cli", "crawl"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        cwd=tmp_path,
    )
    assert result.returncode == 2 and "unknown keys" in result.stderr


def test_every_profile_has_a_crawlable_sample_snapshot(tmp_path: Path) -> None:
    """The README's first command crawls these; each profile must find, extract and store its own pages."""
    from newsarchive.sites import SITES

    samples = SAMPLE_SITES
    db = tmp_path / "samples.db"
    command = ["crawl", "--all", "--replay", str(samples), "--db", str(db), "--format", "json"]
    result = subprocess.run(
        [sys.executable, "-m", "newsarchive.cli", *command],
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    summaries = {row["site"]: row for row in json.loads(result.stdout)}
    assert set(summaries) == set(SITES)
    for name, row in summaries.items():
        assert row["stored"] >= 2 and not row["errors"] and not row["skipped"], (name, row)
    with sqlite3.connect(db) as conn:
        rows = conn.execute("SELECT site, headline, published, body FROM articles").fetchall()
    assert {site for site, *_ in rows} == set(SITES)
    assert all(headline and published and len(body) > 80 for _, headline, published, body in rows)
    result = subprocess.run(
        [sys.executable, "-m", "newsarchive.cli", "stats", "--db", str(db), "--format", "json"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    for site in json.loads(result.stdout)["sites"]:
        assert min(site["coverage"][f] for f in ("headline", "published", "body")) >= 0.95, site


UNKNOWN = "https://www.hadashot-example.co.il"


def wordpress_article(n: int) -> str:
    """A page of a site we have no profile for: what a WordPress news site with Yoast prints."""
    ld = {
        "@context": "https://schema.org",
        "@graph": [
            {
                "@type": "NewsArticle",
                "headline": f"כותרת הידיעה מספר {n} באתר בלי פרופיל",
                "datePublished": f"2024-07-2{n}T09:30:00+03:00",
                "author": {"@type": "Person", "name": "נועה לוי"},
            }
        ],
    }
    body = "".join(
        f"<p>פסקה {i} של הידיעה מספר {n}, עם מספיק מילים כדי להיראות כמו גוף של כתבה אמיתית באתר.</p>"
        for i in range(6)
    )
    return (
        f'<html lang="he" dir="rtl"><head><title>כותרת {n}</title>'
        f'<script type="application/ld+json">{json.dumps(ld, ensure_ascii=False)}</script></head>'
        f'<body><article><h1 class="entry-title">כותרת הידיעה מספר {n} באתר בלי פרופיל</h1>'
        f'<div class="entry-content">{body}</div></article></body></html>'
    )


def test_a_site_without_a_profile_is_crawled_by_url(tmp_path: Path) -> None:
    with SiteFarm() as farm:
        farm.add(f"{UNKNOWN}/robots.txt", "User-agent: *\nDisallow: /wp-admin/\n")
        farm.add(
            f"{UNKNOWN}/",
            '<html><head><link rel="alternate" type="application/rss+xml" href="/feed/">'
            '<link rel="alternate" type="application/rss+xml" href="https://elsewhere.example.com/feed">'
            "</head><body>home</body></html>",
        )
        farm.add(
            f"{UNKNOWN}/feed/",
            rss(
                [(f"{UNKNOWN}/news/{n}/", "Mon, 22 Jul 2024 09:30:00 +0300") for n in (1, 2)]
                + [(f"{UNKNOWN}/tag/economy/", ""), (f"{UNKNOWN}/news/3/", "")]
            ),
        )
        for n in (1, 2):
            farm.add(f"{UNKNOWN}/news/{n}/", wordpress_article(n))
        farm.add(f"{UNKNOWN}/news/3/", "<html><body><ul><li><a href='/a'>a</a></li></ul></body></html>")
        db = tmp_path / "a.db"
        code, summary, err = run_crawl(farm, [], db, "--url", f"{UNKNOWN}/news/")
        assert code == 0, err
        assert "/tag/economy/" not in farm.hits()  # listing URLs are never fetched
        assert not any("elsewhere" in h for h in farm.hits())
    assert stored_urls(db) == [f"{UNKNOWN}/news/1/", f"{UNKNOWN}/news/2/"]
    (row,) = summary
    assert row["site"] == "hadashot-example.co.il" and row["stored"] == 2
    assert row["skipped"].get("not an article URL") == 1
    assert sum(row["skipped"].values()) == 2  # and the non-article page, with its reason
    with sqlite3.connect(db) as conn:
        sites = {r[0] for r in conn.execute("SELECT site FROM articles")}
        authors = {r[0] for r in conn.execute("SELECT authors FROM articles")}
    assert sites == {"hadashot-example.co.il"} and authors == {'["נועה לוי"]'}


def test_crawl_by_url_refuses_what_is_not_a_site_address(tmp_path: Path) -> None:
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "newsarchive.cli",
            "crawl",
            "--url",
            "ftp://x",
            "--db",
            str(tmp_path / "a.db"),
        ],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 2 and "not a web site address" in result.stderr


HAARETZ = "https://www.haaretz.co.il"


def redesigned_page(n: int, *, with_jsonld: bool) -> str:
    """A page after a redesign: none of the profile's selectors match. With JSON-LD the fields survive."""
    ld = {
        "@context": "https://schema.org",
        "@type": "NewsArticle",
        "headline": f"כותרת אחרי העיצוב החדש {n}",
        "datePublished": "2024-07-21T09:00:00+03:00",
    }
    script = f'<script type="application/ld+json">{json.dumps(ld, ensure_ascii=False)}</script>'
    words = " ".join(f"מילה{i}" for i in range(80)) if with_jsonld else "רק תקציר קצר של הכתבה החדשה"
    return (
        f'<html lang="he"><head><meta property="og:title" content="כותרת אחרי העיצוב החדש {n}">'
        f"{script if with_jsonld else ''}</head><body><div class='nd-wrap'><div class='nd-title'>"
        f"כותרת אחרי העיצוב החדש {n}</div><div class='nd-text'><p>{words}</p></div></div></body></html>"
    )


def test_check_sites_flags_a_redesign(tmp_path: Path) -> None:
    with SiteFarm() as farm:
        walla_site(farm, [901, 902, 903])  # healthy
        for host in (YNET, HAARETZ):
            farm.add(f"{host}/robots.txt", f"User-agent: *\nSitemap: {host}/news-sitemap.xml\n")
        ynet_urls = [f"{YNET}/news/article/new{n}" for n in range(3)]
        haaretz_urls = [f"{HAARETZ}/news/politics/2024-07-21/ty-article/0000019{n}" for n in range(3)]
        for urls, jsonld in ((ynet_urls, False), (haaretz_urls, True)):
            host = urls[0].split("/news/")[0]
            farm.add(
                f"{host}/news-sitemap.xml", news_sitemap([(u, "2024-07-21T09:00:00+03:00") for u in urls])
            )
            for n, url in enumerate(urls):
                farm.add(url, redesigned_page(n, with_jsonld=jsonld))
        keep = tmp_path / "kept.db"
        code, report, err = run_cli(
            farm,
            "check-sites",
            *("walla", "ynet", "haaretz", "--per-site", "2", "--min-words", "20", "--keep", str(keep)),
            settings={"RETRY_TIMES": 0},
        )
    assert code == 1, err  # a broken site fails the check
    health = {row["site"]: row for row in report}
    assert health["walla"]["status"] == "ok" and health["walla"]["articles"] == 2
    assert health["walla"]["coverage"]["published"] == 1.0 and health["walla"]["layout_recognised"] == 1.0
    assert health["ynet"]["status"] == "broken"
    assert any("dates missing" in p or "no article stored" in p for p in health["ynet"]["problems"])
    # the fields survive through JSON-LD and generic extraction, but the site's own layout is gone
    assert health["haaretz"]["status"] == "changed?", health["haaretz"]
    assert health["haaretz"]["coverage"]["body"] == 1.0 and health["haaretz"]["layout_recognised"] == 0.0
    with sqlite3.connect(keep) as conn:
        assert conn.execute("SELECT count(*) FROM articles WHERE site = 'walla'").fetchone() == (2,)


def test_check_sites_on_the_samples_is_healthy_and_refuses_unknown_sites(tmp_path: Path) -> None:
    samples = SAMPLE_SITES
    command = [sys.executable, "-m", "newsarchive.cli", "check-sites", "--replay", str(samples)]
    result = subprocess.run(  # the defaults fit the saved samples: the documented health check runs offline
        [*command, "--format", "json"],
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
        cwd=tmp_path,
    )
    assert result.returncode == 0, result.stderr
    assert {row["status"] for row in json.loads(result.stdout)} == {"ok"}
    result = subprocess.run(
        [*command, "nosuchsite"], capture_output=True, text=True, timeout=60, check=False, cwd=tmp_path
    )
    assert result.returncode == 2 and "unknown site nosuchsite" in result.stderr
    (tmp_path / "afile").write_text("a file where --keep's folder should be")
    result = subprocess.run(  # it was "newsarchive: File exists: afile", exit 1
        [*command, "ynet", "--keep", "afile/kept.db"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        cwd=tmp_path,
    )
    assert result.returncode == 2 and result.stderr.count("\n") == 1
    assert result.stderr.startswith("--keep afile/kept.db: cannot make its folder: ")


CLOUDFLARE_CHALLENGE = """<!DOCTYPE html><html lang="en-US"><head><title>Just a moment...</title>
<meta http-equiv="refresh" content="390"></head><body><div class="main-wrapper" role="main">
<div class="main-content"><h1 class="zone-name-title h1">news.walla.co.il</h1>
<h2 class="h2" id="challenge-running">Checking if the site connection is secure</h2>
<noscript><div id="challenge-error-title">Enable JavaScript and cookies to continue</div></noscript>
</div></div>
<script>(function(){window._cf_chl_opt={cvId: '3',cZone: "news.walla.co.il",cType: 'managed'};}());</script>
</body></html>"""


def test_bot_protection_is_counted_apart_from_other_skips_and_errors(tmp_path: Path) -> None:
    with SiteFarm() as farm:
        walla_site(farm, [901, 902, 903, 904])
        farm.add(f"{WALLA}/break/902", CLOUDFLARE_CHALLENGE, status=403)
        farm.add(f"{WALLA}/break/903", CLOUDFLARE_CHALLENGE, status=503)  # retried, then counted
        farm.add(f"{WALLA}/break/904", CLOUDFLARE_CHALLENGE)  # a 200 whose page is the challenge
        code, summary, err = run_crawl(farm, ["walla"], tmp_path / "a.db", "--since", "2024-07-01")
    assert code == 0, err
    (row,) = summary
    assert row["blocked"] == 3 and row["stored"] == 1
    assert row["errors"]["blocked by bot protection"] == 2
    assert row["skipped"]["blocked by bot protection"] == 1
    assert "walla: 3 of" in err and "blocking this crawler" in err


def test_articles_with_error_words_in_their_headlines_and_a_bad_byte_are_stored_right(tmp_path: Path) -> None:
    """A number or a word of an error message in a short headline made a real article an "error page" (3 of
    2,000 lost on every crawl, never fetched again); one invalid byte made a whole UTF-8 page mojibake."""
    headlines = {
        971: "500 אלף בתים ללא חשמל בצפון",
        972: "403 עובדים פוטרו במפעל בדימונה",
        973: "שגיאה חמורה של השופט במשחק",
        974: "אופס: הרכבת יצאה בלי נוסעים",
        975: "404 ימים למלחמה",
    }
    with SiteFarm() as farm:
        walla_site(farm, [*headlines, 976])
        for n, headline in headlines.items():
            farm.add(f"{WALLA}/break/{n}", walla_article(n).replace(f"מבזק מספר {n} על אירוע חשוב", headline))
        body = "זהו גוף".encode()
        farm.add(
            f"{WALLA}/break/976", walla_article(976).encode().replace(body, body[:4] + b"\xff" + body[4:])
        )
        code, summary, err = run_crawl(farm, ["walla"], tmp_path / "a.db", "--since", "2024-07-01")
    assert code == 0, err
    assert summary[0]["stored"] == 6, summary[0]["skipped"]
    with sqlite3.connect(tmp_path / "a.db") as conn:
        stored = dict(conn.execute("SELECT url, headline FROM articles"))
        text = conn.execute("SELECT body FROM articles WHERE url = ?", (f"{WALLA}/break/976",)).fetchone()[0]
    assert {n: stored[f"{WALLA}/break/{n}"] for n in headlines} == headlines
    assert "\ufffd" in text and "גוף המבזק מספר 976" in text and "×" not in text


@pytest.mark.parametrize("status", [200, 403, 429, 503])
def test_a_site_that_blocks_its_discovery_shows_as_blocked_and_the_crawl_fails(
    tmp_path: Path, status: int
) -> None:
    """robots.txt, sitemaps and feeds answered with a challenge page (as a 200, or refused): the crawl used to
    end with exit 0 and "no articles stored", as if the sites had nothing new."""
    with SiteFarm() as farm:
        walla_site(farm, [981])
        for url in (
            f"{WALLA}/robots.txt",
            "https://rss.walla.co.il/feed/1?type=main",
            "https://rss.walla.co.il/feed/22",
            f"{YNET}/robots.txt",
            f"{YNET}/Integration/StoryRss2.xml",
            f"{YNET}/Integration/StoryRss1854.xml",
        ):
            farm.add(url, CLOUDFLARE_CHALLENGE, status=status)
        code, summary, err = run_crawl(
            farm, ["walla", "ynet"], tmp_path / "a.db", settings={"RETRY_TIMES": 0}
        )
    assert code == 1
    assert err.count("\n") == 1 and "Traceback" not in err
    assert err.startswith("the crawl failed: walla: blocked by bot protection: 3 of"), err
    assert "; ynet: blocked by bot protection: 3 of" in err
    assert [(row["site"], row["blocked"], row["stored"]) for row in summary] == [
        ("walla", 3, 0),
        ("ynet", 3, 0),
    ]


def test_a_site_whose_every_source_or_every_article_fails_fails_the_crawl(tmp_path: Path) -> None:
    """Exit 0 and "no articles stored" for a site whose sources all failed (no network: every request a DNS
    error) or whose every article failed is a failure that looks like success."""
    db = tmp_path / "a.db"
    with SiteFarm() as farm:
        walla_site(farm, [991, 992])
        for n in (991, 992):
            farm.add(f"{WALLA}/break/{n}", "gone", status=410)
        code, _, err = run_crawl(farm, ["walla", "ynet"], db, "--since", "2024-07-01")
    assert code == 1
    assert err.count("\n") == 1, err
    assert "walla: none of the 2 articles asked for could be fetched (2 HTTP 410)" in err
    assert "ynet: nothing could be discovered (2 no saved copy (replay))" in err
    with SiteFarm() as farm:
        walla_site(farm, [991, 992])
        farm.add(f"{WALLA}/break/992", "gone", status=410)
        code, _, err = run_crawl(farm, ["walla"], db, "--since", "2024-07-01")
        assert code == 0 and err == "stored 1 article from 1 site\n", err  # some failures: it did its work
        # the next crawl asks only for the broken one again: the site still works (the rest is archived)
        code, _, err = run_crawl(farm, ["walla"], db, "--since", "2024-07-01")
    assert code == 0 and err == "no new articles: the article found is already in the archive\n", err


def test_a_listed_address_that_redirects_is_not_asked_for_again(tmp_path: Path) -> None:
    """The page was kept under the redirect's target, so the address the sitemap lists was never known:
    every later crawl fetched it, and its target, again."""
    db = tmp_path / "a.db"
    with SiteFarm() as farm:
        walla_site(farm, [1700, 1701])
        farm.add(f"{WALLA}/break/1701", status=301, headers={"Location": f"{WALLA}/break/17010"})
        farm.add(f"{WALLA}/break/17010", walla_article(17010))
        code, _, err = run_crawl(farm, ["walla"], db, "--since", "2024-07-01")
        assert code == 0 and err == "stored 2 articles from 1 site\n", err
        before = len(farm.hits())
        code, summary, err = run_crawl(farm, ["walla"], db, "--since", "2024-07-01")
        again = [h for h in farm.hits()[before:] if h.startswith("/break/")]
    assert code == 0, err
    assert again == [] and summary[0]["skipped"] == {"already in the archive": 2}
