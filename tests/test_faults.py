"""A crawl of 5,000 article pages from a server that misbehaves on purpose.

Four walla hosts, 1,250 articles each, listed in news sitemaps that fail once before they answer. A seeded
draw gives each article a fault: timeouts, slow drips, connection resets and drops, 500s, 429 with
Retry-After, truncated bodies, wrong Content-Types, a JPEG where the article should be, 404s, redirect loops
and alias addresses redirecting to the article. A transient fault passes after one or two attempts (the crawl
makes up to three); a permanent one never does. Checked: every article the server eventually serves
correctly is stored exactly once and equals a clean extraction of its page; every other page is counted
under its own reason, in the summary and in the crawl log; no address is fetched more often than the retry
budget allows; the crawl finishes.
"""

from __future__ import annotations

import json
import os
import random
import sqlite3
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from newsarchive.extract import extract_article
from newsarchive.sites import SITES

from .sitefarm import Route, SiteFarm, news_sitemap, rss, run_crawl, walla_article

HOSTS = ("news.walla.co.il", "sports.walla.co.il", "finance.walla.co.il", "e.walla.co.il")
PAGES = int(os.environ.get("NEWSARCHIVE_FAULT_PAGES", "5000"))
RETRY_TIMES = 2
TIMEOUT_S = 2.0  # wide enough that a busy CI machine does not turn a slow drip into a timeout
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + bytes(range(256)) * 8


@dataclass(frozen=True)
class Fault:
    name: str
    per_mille: int
    #: the answer to the article's n-th request, given its page
    answer: Callable[[int, bytes], Route]
    #: why the page is not stored (None: it is stored)
    reason: str | None = None
    kind: str = "errors"  # or "skipped"


def failing(times: int, bad: Callable[[bytes], Route]) -> Callable[[int, bytes], Route]:
    return lambda hits, page: bad(page) if hits < times else Route(page)


def always(make: Callable[[bytes], Route]) -> Callable[[int, bytes], Route]:
    return lambda hits, page: make(page)


def transient(name: str, per_mille: int, bad: Callable[[bytes], Route]) -> list[Fault]:
    """The fault once, and (another share) twice: both within the retry budget."""
    return [
        Fault(f"{name} once", per_mille, failing(1, bad)),
        Fault(f"{name} twice", per_mille, failing(2, bad)),
    ]


FAULTS: list[Fault] = [
    Fault("clean", 560, always(Route)),
    *transient("500", 25, lambda _: Route(b"server error", status=500)),
    Fault("500 always", 8, always(lambda _: Route(b"server error", status=500)), "HTTP 500"),
    Fault(
        "429 with Retry-After once", 8, failing(1, lambda _: Route(b"slow down", 429, {"Retry-After": "1"}))
    ),
    *transient("timeout", 10, lambda p: Route(p, delay=TIMEOUT_S * 1.6)),
    Fault("timeout always", 4, always(lambda p: Route(p, delay=TIMEOUT_S * 1.6)), "timeout"),
    Fault("slow drip", 40, always(lambda p: Route(p, drip=TIMEOUT_S / 4))),
    Fault("drip slower than the timeout", 4, always(lambda p: Route(p, drip=TIMEOUT_S * 2)), "timeout"),
    *transient("reset", 15, lambda _: Route(reset=True)),
    Fault("reset always", 4, always(lambda _: Route(reset=True)), "connection lost"),
    *transient("closed without an answer", 15, lambda _: Route(drop=True)),
    Fault(
        "closed without an answer always",
        4,
        always(lambda _: Route(drop=True)),
        "connection closed without an answer",
    ),
    *transient("truncated", 20, lambda p: Route(p, truncate=True)),
    Fault("truncated always", 4, always(lambda p: Route(p, truncate=True)), "response cut off"),
    Fault(
        "served as octet-stream",
        20,
        always(lambda p: Route(p, headers={"Content-Type": "application/octet-stream"})),
    ),
    Fault(
        "UTF-8 labelled windows-1255",
        20,
        always(lambda p: Route(p, headers={"Content-Type": "text/html; charset=windows-1255"})),
    ),
    Fault("empty Content-Type", 10, always(lambda p: Route(p, headers={"Content-Type": ""}))),
    Fault("a JPEG served as text/html", 8, always(lambda _: Route(JPEG)), "binary data", "skipped"),
    Fault("404", 8, always(lambda _: Route(b"gone", status=404)), "HTTP 404"),
    Fault("redirect loop", 8, always(lambda _: Route(status=302)), "redirect loop"),  # routes set below
    Fault("alias redirecting to the article", 20, always(Route)),
]


#: sitemaps answer 503 once, then list their articles
BUSY_ONCE = failing(1, lambda _: Route(b"busy", status=503))


def draw(rng: random.Random) -> Fault:
    return rng.choices(FAULTS, weights=[f.per_mille for f in FAULTS])[0]


def test_a_5000_page_crawl_through_faults_stores_every_good_article_once(tmp_path: Path) -> None:
    rng = random.Random(20261126)
    plan: dict[str, Fault] = {}  # article URL -> its fault
    pages: dict[str, bytes] = {}
    aliases = 0
    with SiteFarm() as farm:
        per_host = PAGES // len(HOSTS)
        for h, host in enumerate(HOSTS):
            site = f"https://{host}"
            listed: list[str] = []
            for n in range(100_000 * (h + 1), 100_000 * (h + 1) + per_host):
                url = f"{site}/break/{n}"
                fault = plan[url] = draw(rng)
                page = pages[url] = walla_article(n, host=host, links=0).encode()
                if fault.name == "redirect loop":
                    # back and forth between two addresses of the article
                    farm.add(url, status=302, headers={"Location": f"{url}?from=loop"})
                    farm.add(f"{url}?from=loop", status=302, headers={"Location": url})
                else:
                    farm.add(url, dynamic=lambda hits, fault=fault, page=page: fault.answer(hits, page))
                listed.append(url)
                if fault.name == "alias redirecting to the article":
                    aliases += 1
                    farm.add(f"{site}/item/{n}", status=301, headers={"Location": url})
                    listed.append(f"{site}/item/{n}")
            sitemap = news_sitemap([(u, "2024-07-21T06:15:00+03:00") for u in listed]).encode()
            farm.add(f"{site}/news.xml", dynamic=lambda hits, sitemap=sitemap: BUSY_ONCE(hits, sitemap))

        # the profile's home lists every host's sitemap (each host is a download slot of its own)
        robots = "".join(f"Sitemap: https://{host}/news.xml\n" for host in HOSTS)
        farm.add(f"https://{HOSTS[0]}/robots.txt", robots, headers={"Content-Type": "text/plain"})
        for feed in SITES["walla"].feeds:
            farm.add(feed, rss([]))
        db = tmp_path / "faults.db"
        code, summary, err = run_crawl(
            farm,
            ["walla"],
            db,
            settings={
                "RETRY_TIMES": RETRY_TIMES,
                "DOWNLOAD_TIMEOUT": TIMEOUT_S,
                "BACKOFF_BASE_S": 0.01,
                "CONCURRENT_REQUESTS_PER_DOMAIN": 4,
                "ARCHIVE_BATCH_SIZE": 200,
            },
            timeout=900,
        )
        assert code == 0, err[-3000:]
        counts = farm.counts

    (report,) = summary
    assert report["finish_reason"] == "finished"
    good = {url for url, fault in plan.items() if fault.reason is None}
    expected_errors = Counter(f.reason for f in plan.values() if f.reason and f.kind == "errors")
    expected_skips = Counter(f.reason for f in plan.values() if f.reason and f.kind == "skipped")

    # every article the server eventually served correctly: stored once, as a clean extraction reads it
    with sqlite3.connect(db) as conn:
        rows = conn.execute("SELECT url, headline, body, published FROM articles").fetchall()
        assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        logged = conn.execute("SELECT url, reason FROM crawl_log WHERE event = 'error'").fetchall()
    stored = Counter(url for url, *_ in rows)
    assert set(stored) == good, (
        f"missing {sorted(good - set(stored))[:5]} ({Counter(plan[u].name for u in good - set(stored))}), "
        f"unexpected {sorted(set(stored) - good)[:5]}"
    )
    assert max(stored.values()) == 1
    for url, headline, body, published in rows:
        clean = extract_article(pages[url], url)
        assert (headline, body) == (clean.headline, clean.body), url
        assert published.startswith("2024-07-21T03:15")

    # every other page counted under its reason, in the summary and in the crawl log
    errors, skipped = report["errors"], report["skipped"]
    assert {r: errors.get(r, 0) for r in expected_errors} == dict(expected_errors), errors
    assert sum(errors.values()) == sum(expected_errors.values()), errors  # the sitemaps' 503s were retried
    for reason, count in expected_skips.items():
        assert sum(v for k, v in skipped.items() if k.startswith(reason)) == count, skipped
    assert skipped.get("redirected to an address already queued") == aliases
    assert Counter(reason for _, reason in logged) == expected_errors
    failed = {url for url, fault in plan.items() if fault.reason}
    assert len(stored) + len(failed) == len(plan) == PAGES

    # retries bounded: 1 + RETRY_TIMES attempts, a 404, a JPEG or a loop never repeated. Twisted's connection
    # pool itself sends a request once more when a kept-alive connection dies before any answer (it cannot
    # tell a reset from a connection the server had timed out), so a reset or a drop may double each attempt.
    attempts = 1 + RETRY_TIMES
    article_hits = {url: counts[(url.split("/")[2], "/" + url.split("/", 3)[3])] for url in plan}
    for url, fault in plan.items():
        hits = article_hits[url]
        if fault.reason in ("HTTP 404", "binary data", "redirect loop"):
            assert hits == 1, (url, fault.name, hits)
        elif fault.reason in ("connection lost", "connection closed without an answer"):
            assert attempts <= hits <= 2 * attempts, (url, fault.name, hits)
        elif fault.reason is not None:
            assert hits == attempts, (url, fault.name, hits)
        elif "reset" in fault.name or "without an answer" in fault.name:
            assert hits <= 2 * attempts, (url, fault.name, hits)
        else:
            assert hits <= attempts, (url, fault.name, hits)
    print(json.dumps({"pages": len(plan), "stored": len(stored), "errors": errors, "skipped": skipped}))
