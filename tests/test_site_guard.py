"""One notion of "the site", held for every request a crawl makes: robots.txt and where it redirects, sitemap
entries on another port, redirects off the site or to non-web addresses, revisits of stored addresses that
point elsewhere (an SSRF path), and bombs served over HTTP — each refused with its reason, nothing fetched.
And provenance: a page of one site never takes over another site's article through its canonical link."""

from __future__ import annotations

import gzip
import json
import sqlite3
import subprocess
import sys
import threading
import time
import zlib
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import BinaryIO

import brotli
import pytest

from newsarchive.article import Article
from newsarchive.middlewares import off_site
from newsarchive.sites import SITES
from newsarchive.sites.adhoc import adhoc_profile
from newsarchive.store import Archive

from .sitefarm import SiteFarm, news_sitemap, rss, run_crawl, walla_article, ynet_article
from .test_crawl import WALLA, YNET, stored_urls, walla_site

WHEN = "2024-07-21T06:15:00+03:00"


@pytest.mark.parametrize(
    ("url", "site", "reason"),
    [
        ("https://news.walla.co.il/break/1", "walla", None),
        ("http://news.walla.co.il/break/1", "walla", None),
        ("https://news.walla.co.il:443/break/1", "walla", None),
        ("https://sports.walla.co.il/item/1", "walla", None),  # a subdomain of the site's domain
        ("https://news.walla.co.il:8443/break/1", "walla", "off the site (news.walla.co.il:8443)"),
        ("http://news.walla.co.il:443/break/1", "walla", "off the site (news.walla.co.il:443)"),
        ("https://walla.co.il.evil.com/break/1", "walla", "off the site (walla.co.il.evil.com:443)"),
        ("https://notwalla.co.il/break/1", "walla", "off the site (notwalla.co.il:443)"),
        ("http://localhost:8080/latest/meta-data/", "walla", "off the site (localhost:8080)"),
        ("file:///etc/passwd", "walla", "not a web address (file:)"),
        ("https://news.walla.co.il:99999/x", "walla", "not a web address"),
        ("http://127.0.0.1:8000/news/1", "adhoc", None),
        ("http://127.0.0.1:8001/news/1", "adhoc", "off the site (127.0.0.1:8001)"),
        ("http://127.0.0.1/news/1", "adhoc", "off the site (127.0.0.1:80)"),
        ("https://127.0.0.1:8000/news/1", "adhoc", "off the site (127.0.0.1:8000)"),
        # read as the downloader reads them: these were taken for walla's, or refused as not
        ("https://evil.com\\@news.walla.co.il/break/1", "walla", "off the site (evil.com:443)"),
        ("https://news.walla.co.il\\@evil.com/break/1", "walla", None),  # path "/@evil.com/break/1"
        ("https://evil@news.walla.co.il/break/1", "walla", "an address with a user name or password"),
        ("https://news.walla.co.il:x@evil.com/", "walla", "an address with a user name or password"),
        ("https://NEWS.Walla.CO.IL./break/1", "walla", None),
        ("https://news.walla.co.il:0443/break/1", "walla", None),
        ("https://ｎｅｗｓ.ｗａｌｌａ.co.il/break/1", "walla", None),  # full-width letters: IDNA maps them
        (
            "https://news.wаlla.co.il/break/1",
            "walla",
            "off the site (news.xn--wlla-53d.co.il:443)",
        ),  # Cyrillic а
        ("https://xn--7dbee7eg.co.il/a", "idn", None),
        ("https://חדשות.co.il/a", "idn", None),
        ("https://news.xn--7dbee7eg.co.il/a", "idn", None),
        ("https://xn--7dbee7eg.co.il.evil.com/a", "idn", "off the site (xn--7dbee7eg.co.il.evil.com:443)"),
        ("http://[::1]:8000/news/1", "adhoc", "off the site (::1:8000)"),
    ],
)
def test_what_is_on_the_site(url: str, site: str, reason: str | None) -> None:
    profile = {"adhoc": adhoc_profile("http://127.0.0.1:8000/"), "idn": adhoc_profile("https://חדשות.co.il/")}
    assert off_site(url, [profile.get(site) or SITES[site]]) == reason


def test_robots_txt_redirected_to_another_host_is_not_followed(tmp_path: Path) -> None:
    evil = "https://evil.example.com"
    with SiteFarm() as farm:
        walla_site(farm, [801])
        farm.add(f"{WALLA}/robots.txt", "", status=302, headers={"Location": f"{evil}/robots.txt"})
        farm.add(
            f"{evil}/robots.txt", f"Sitemap: {evil}/sitemap.xml\n", headers={"Content-Type": "text/plain"}
        )
        farm.add(f"{evil}/sitemap.xml", news_sitemap([(f"{evil}/break/9", WHEN)]))
        farm.add(f"{WALLA}/sitemap.xml", news_sitemap([(f"{WALLA}/break/801", WHEN)]))
        code, summary, err = run_crawl(farm, ["walla"], tmp_path / "a.db")
        evil_hits = farm.hits("evil.example.com")
    # robots.txt was walla's only source of sitemaps here (its feeds are on a host the farm does not play)
    assert code == 1 and "walla: nothing could be discovered" in err, err
    assert evil_hits == []  # neither our robots.txt request nor Scrapy's own followed it
    assert summary[0]["errors"].get("redirected off-site", 0) >= 1


def test_addresses_on_another_port_of_the_same_host_are_never_fetched(tmp_path: Path) -> None:
    with SiteFarm() as farm:
        farm.add(f"{WALLA}/robots.txt", f"Sitemap: {WALLA}/a.xml\nSitemap: {WALLA}:8443/b.xml\n")
        other_port = [f"https://news.walla.co.il:8443/break/{n}" for n in (811, 812)]
        farm.add(
            f"{WALLA}/a.xml",
            news_sitemap(
                [(f"{WALLA}/break/810", WHEN), (f"{WALLA}/break/813", WHEN)] + [(u, WHEN) for u in other_port]
            ),
        )
        farm.add(f"{WALLA}/b.xml", news_sitemap([(f"{WALLA}/break/814", WHEN)]))
        for n in (810, 811, 812, 814):
            farm.add(f"{WALLA}/break/{n}", walla_article(n))
        # an article that redirects to another port of its own host
        farm.add(
            f"{WALLA}/break/813", status=302, headers={"Location": "https://news.walla.co.il:8443/break/812"}
        )
        code, summary, err = run_crawl(farm, ["walla"], tmp_path / "a.db")
        hits = farm.hits("news.walla.co.il")
    assert code == 0, err
    # the replay server answers for the host whatever the port: only the guard keeps these out
    assert "/b.xml" not in hits and "/break/811" not in hits and "/break/812" not in hits
    assert stored_urls(tmp_path / "a.db") == [f"{WALLA}/break/810"]
    (row,) = summary
    assert row["skipped"]["not on the site"] == 2
    assert row["errors"]["redirected off-site"] == 1
    assert row["errors"]["off the site"] == 1  # the sitemap on port 8443 that robots.txt names


def test_a_revisit_never_fetches_a_stored_address_off_the_site(tmp_path: Path) -> None:
    """An archive may hold an address that is not on its site (written by an older version, whose canonical
    links were trusted): a revisit must not turn it into a request to an internal address."""
    db = tmp_path / "a.db"
    now = datetime.now(UTC)
    with Archive(db) as archive:
        for url in (f"{WALLA}/break/820", "http://localhost:8080/latest/meta-data/iam"):
            archive.store(
                Article(
                    url=url,
                    site="walla",
                    headline="כותרת",
                    paragraphs=["גוף"],
                    published=now - timedelta(hours=2),
                )
            )
        with archive.db.conn as conn:  # fetched long enough ago to be due
            conn.execute(
                "UPDATE articles SET checked_at = ?",
                ((now - timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%SZ"),),
            )
    with SiteFarm() as farm:
        farm.add(f"{WALLA}/break/820", walla_article(820))
        farm.add("http://localhost:8080/latest/meta-data/iam", "secret-role-credentials")
        code, summary, err = run_crawl(farm, ["walla"], db, "--revisit")
        assert code == 0, err
        assert farm.hits("localhost") == []
        assert [h for h in farm.hits("news.walla.co.il") if h != "/robots.txt"] == ["/break/820"]
    assert summary[0]["skipped"] == {"off the site": 1}
    with sqlite3.connect(db) as conn:
        bodies = [r[0] for r in conn.execute("SELECT body FROM articles")]
    assert not any("secret" in (b or "") for b in bodies)


def test_redirects_to_non_web_addresses_are_named(tmp_path: Path) -> None:
    with SiteFarm() as farm:
        walla_site(farm, [830, 831, 832])
        farm.add(f"{WALLA}/break/830", status=302, headers={"Location": "file:///etc/passwd"})
        farm.add(f"{WALLA}/break/831", status=301, headers={"Location": "data:text/html,<h1>x</h1>"})
        code, summary, err = run_crawl(farm, ["walla"], tmp_path / "a.db", "--since", "2024-07-01")
    assert code == 0, err
    errors = summary[0]["errors"]
    assert errors["redirected to a non-web address (file:)"] == 1
    assert errors["redirected to a non-web address (data:)"] == 1


def test_bombs_and_oversized_pages_over_http_are_refused_with_their_reason(tmp_path: Path) -> None:
    """Scrapy bounds decompression by DOWNLOAD_MAXSIZE (20 MB): a few hundred bytes that inflate to 1 GiB
    must cost neither the memory nor a stored page, and the count must say what happened."""
    gib = 1024**3
    compressor = brotli.Compressor(quality=5)
    chunk = b"\0" * (1024 * 1024)
    brotli_bomb = b"".join(compressor.process(chunk) for _ in range(gib // len(chunk))) + compressor.finish()
    gzip_bomb = gzip.compress(b"\0" * (200 * 1024 * 1024), compresslevel=9)
    assert len(brotli_bomb) < 10_000 and len(gzip_bomb) < 300_000
    with SiteFarm() as farm:
        walla_site(farm, [840, 841, 842, 843])
        farm.add(f"{WALLA}/break/841", brotli_bomb, headers={"Content-Encoding": "br"})
        farm.add(f"{WALLA}/break/842", gzip_bomb, headers={"Content-Encoding": "gzip"})
        farm.add(f"{WALLA}/break/843", b"<p>" + b"x" * (30 * 1024 * 1024))  # 30 MB, past DOWNLOAD_MAXSIZE
        code, summary, err = run_crawl(farm, ["walla"], tmp_path / "a.db", "--since", "2024-07-01")
    assert code == 0, err
    errors = summary[0]["errors"]
    assert errors["over the size limit once decompressed (a compression bomb?)"] == 2
    assert errors["larger than the download size limit"] == 1
    assert stored_urls(tmp_path / "a.db") == [f"{WALLA}/break/840"]
    with sqlite3.connect(tmp_path / "a.db") as conn:
        assert conn.execute("SELECT max(length(body)) FROM pages").fetchone()[0] < 1_000_000


def test_a_page_on_another_site_cannot_take_over_an_article_through_its_canonical_link(
    tmp_path: Path,
) -> None:
    """Crawled first, the copy used to be stored under ynet's address (the real article then skipped as
    already archived); crawled second, it became the real article's version 2 with a rewritten headline."""
    real = "https://www.ynet.co.il/news/article/abc1"
    copycat = "https://www.copycat-news.co.il"
    fake = ynet_article("abc1", "כותרת מזויפת שנכתבה בידי אתר אחר").replace(
        "<title>", f'<meta property="og:url" content="{real}"><title>'
    )
    feed = rss([(f"{copycat}/news/1", "Wed, 15 May 2024 07:40:00 +0300")])
    db = tmp_path / "a.db"
    for order in (("copycat", "ynet"), ("ynet", "copycat")):
        db.unlink(missing_ok=True)
        with SiteFarm() as farm:
            farm.add(f"{copycat}/", '<link rel="alternate" type="application/rss+xml" href="/feed/">')
            farm.add(f"{copycat}/feed/", feed)
            farm.add(f"{copycat}/news/1", fake)
            farm.add(f"{YNET}/Integration/StoryRss2.xml", rss([(real, "Wed, 15 May 2024 07:33:00 +0300")]))
            farm.add(real, ynet_article("abc1", "הכותרת האמיתית של הכתבה"))
            for who in order:
                args = ["--url", f"{copycat}/"] if who == "copycat" else ["ynet"]
                code, _, err = run_crawl(farm, [], db, *args)
                assert code == 0, err
        with sqlite3.connect(db) as conn:
            rows = dict(conn.execute("SELECT url, site || ' | ' || headline FROM articles"))
            versions = conn.execute("SELECT count(*) FROM versions").fetchone()[0]
            provenance = conn.execute(
                "SELECT provenance FROM articles WHERE url LIKE ?", (f"{copycat}%",)
            ).fetchone()
        assert rows == {
            real: "ynet | הכותרת האמיתית של הכתבה",
            f"{copycat}/news/1": "copycat-news.co.il | כותרת מזויפת שנכתבה בידי אתר אחר",
        }, order
        assert versions == 0
        assert real in provenance[0]  # the claim is kept, as a claim


def _zstd_compress(data_chunks: int, chunk: bytes) -> bytes:
    try:
        from compression import zstd  # Python 3.14
    except ImportError:
        from backports import zstd  # what Scrapy itself decodes with before 3.14
    compressor = zstd.ZstdCompressor()
    return b"".join(compressor.compress(chunk) for _ in range(data_chunks)) + compressor.flush()


def _endless_headers(out: BinaryIO) -> None:
    out.write(b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\n")
    line = b"X-Filler: " + b"a" * 8000 + b"\r\n"
    while True:  # every line is short; there is just no end to them
        out.write(line * 64)


def _one_huge_header_line(out: BinaryIO) -> None:
    out.write(
        b"HTTP/1.1 200 OK\r\nX-Huge: " + b"a" * (8 * 1024 * 1024) + b"\r\nContent-Length: 5\r\n\r\nhello"
    )


def _endless_chunked_body(out: BinaryIO) -> None:
    out.write(b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nTransfer-Encoding: chunked\r\n\r\n")
    chunk = b"10000\r\n" + b"<p>" * 21845 + b"a\r\n"
    while True:
        out.write(chunk)


def _trickle_forever(out: BinaryIO) -> None:
    out.write(b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\n\r\n<html>")
    while True:
        out.write(b"<p>")
        out.flush()
        time.sleep(0.2)


def _conflicting_lengths(out: BinaryIO) -> None:
    out.write(b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Length: 500\r\n\r\n<html>" + b"x" * 500)


def test_hostile_http_answers_are_bounded_in_memory_and_named(tmp_path: Path) -> None:
    """Answers no honest server sends, each refused with its own reason while the crawl stays small: header
    lines without end (Twisted bounds each line, not their number: 2.2 GB in 8 s before the bound), one
    header line of 8 MB, a chunked body without end, deflate, zstd and gzip-in-gzip bombs, a page trickling
    forever, a Content-Length given twice."""
    mib = 1024 * 1024
    zeros = b"\0" * mib
    deflater = zlib.compressobj(9)
    deflate_bomb = b"".join(deflater.compress(zeros) for _ in range(256)) + deflater.flush()
    zstd_bomb = _zstd_compress(256, zeros)
    nested_bomb = gzip.compress(gzip.compress(zeros * 256, compresslevel=9))
    with SiteFarm() as farm:
        walla_site(farm, list(range(850, 859)))
        farm.add(f"{WALLA}/break/851", raw=_endless_headers)
        # one 8 MB header line was "connection closed without an answer"
        farm.add(f"{WALLA}/break/858", raw=_one_huge_header_line)
        farm.add(f"{WALLA}/break/852", raw=_endless_chunked_body)
        farm.add(f"{WALLA}/break/853", deflate_bomb, headers={"Content-Encoding": "deflate"})
        farm.add(f"{WALLA}/break/854", zstd_bomb, headers={"Content-Encoding": "zstd"})
        farm.add(f"{WALLA}/break/855", nested_bomb, headers={"Content-Encoding": "gzip, gzip"})
        farm.add(f"{WALLA}/break/856", raw=_trickle_forever)
        farm.add(f"{WALLA}/break/857", raw=_conflicting_lengths)
        usage: dict[str, float] = {}
        code, summary, err = run_crawl(
            farm,
            ["walla"],
            tmp_path / "a.db",
            "--since",
            "2024-07-01",
            settings={"RETRY_TIMES": 0, "DOWNLOAD_TIMEOUT": 4},  # the trickle ends in a timeout
            usage=usage,
        )
    assert code == 0, err
    assert usage["peak_rss_mb"] < 250, usage  # about 120 MB; the endless headers alone took 1.1 GB
    assert summary[0]["errors"] == {
        "response headers too large": 2,
        "larger than the download size limit": 1,
        "over the size limit once decompressed (a compression bomb?)": 3,
        "timeout": 1,
        "malformed HTTP response": 1,
        "no saved copy (replay)": 2,  # walla's feeds, on a host the farm does not play
    }
    assert stored_urls(tmp_path / "a.db") == [f"{WALLA}/break/850"]


def test_one_article_listed_under_several_spellings_is_fetched_and_stored_once(tmp_path: Path) -> None:
    """A sitemap naming an article with its default port, a trailing dot, upper case or a fragment made as
    many requests, and, for a page naming no canonical address, as many articles; an entry with a user name
    is not the site's. A canonical naming another port of the host is another server's claim."""
    plain = walla_article(870).replace(f'<meta property="og:url" content="{WALLA}/break/870">', "")
    other_port = walla_article(871).replace(f"{WALLA}/break/871", "https://news.walla.co.il:8443/break/871")
    with SiteFarm() as farm:
        farm.add(f"{WALLA}/robots.txt", f"Sitemap: {WALLA}/a.xml\n")
        spellings = [
            f"{WALLA}/break/870",
            "https://news.walla.co.il:443/break/870",
            "https://NEWS.walla.co.il./break/870",
            f"{WALLA}/break/870#comments",
            "https://someone@news.walla.co.il/break/870",
            f"{WALLA}/break/871",
        ]
        farm.add(f"{WALLA}/a.xml", news_sitemap([(url, WHEN) for url in spellings]))
        farm.add(f"{WALLA}/break/870", plain)
        farm.add(f"{WALLA}/break/871", other_port)
        code, summary, err = run_crawl(farm, ["walla"], tmp_path / "a.db")
        hits = farm.hits("news.walla.co.il")
    assert code == 0, err
    assert sorted(h for h in hits if h.startswith("/break/")) == ["/break/870", "/break/871"]
    assert stored_urls(tmp_path / "a.db") == [f"{WALLA}/break/870", f"{WALLA}/break/871"]
    assert summary[0]["skipped"]["not on the site"] == 1
    with sqlite3.connect(tmp_path / "a.db") as conn:
        (provenance,) = conn.execute("SELECT provenance FROM articles WHERE url LIKE '%871'").fetchone()
    assert "news.walla.co.il:8443/break/871" in provenance  # kept as a claim


def test_one_host_given_on_two_ports_is_one_site_served_on_both() -> None:
    """The second --url of a host was dropped without a word (one crawler per site key, keyed by host)."""
    from newsarchive.spiders.news import NewsSpider

    spider = NewsSpider(url="http://www.example.co.il:8000/,http://www.example.co.il:9000/")
    (profile,) = spider.profiles.values()
    assert off_site("http://www.example.co.il:8000/a", [profile]) is None
    assert off_site("http://www.example.co.il:9000/a", [profile]) is None
    assert off_site("http://www.example.co.il:8001/a", [profile]) == "off the site (www.example.co.il:8001)"


def test_an_amp_copy_whose_canonical_is_the_article_makes_no_version_and_is_not_asked_for_again(
    tmp_path: Path,
) -> None:
    """A feed listing an article and its AMP copy (whose canonical names the article): the copy, read
    differently, became the article's version 2 and `changes` reported a rewrite; crawled first, it was the
    article, and the real page became version 2. Either way round, one article, no version, and the copy is
    kept under its own address so that the next crawl does not ask for it again."""
    real = f"{YNET}/news/article/amp1"
    amp = f"{YNET}/news/article/amp1/amp"
    amp_page = ynet_article("amp1", "כותרת אחרת בעמוד המואץ").replace(
        "(יוסי כהן)", "גרסה מקוצרת של הכתבה לטלפונים"
    )
    for order in ([real, amp], [amp, real]):
        db = tmp_path / f"{order[0].rsplit('/', 1)[1]}.db"
        with SiteFarm() as farm:
            farm.add(
                f"{YNET}/Integration/StoryRss2.xml",
                rss([(u, "Wed, 15 May 2024 07:33:00 +0300") for u in order]),
            )
            farm.add(real, ynet_article("amp1", "הכותרת האמיתית של הכתבה"))
            farm.add(amp, amp_page)
            code, summary, err = run_crawl(farm, ["ynet"], db, settings={"ARCHIVE_BATCH_SIZE": 1})
            assert code == 0, err
            before = len(farm.hits())
            code, again, err = run_crawl(farm, ["ynet"], db)
            assert code == 0, err
            refetched = [h for h in farm.hits()[before:] if h.startswith("/news/")]
        with sqlite3.connect(db) as conn:
            assert conn.execute("SELECT url FROM articles").fetchall() == [(real,)]
            assert conn.execute("SELECT count(*) FROM versions").fetchone()[0] == 0
        assert summary[0]["stored"] == 1
        assert summary[0]["skipped"]["another address of an article already in the archive"] == 1
        assert refetched == [] and again[0]["skipped"]["already in the archive"] == 2


_WORDS = (
    "הממשלה החליטה אתמול על תוכנית חדשה לשיקום הצפון ושרי האוצר והביטחון הציגו את עיקריה בפני ראשי הרשויות"
    " המקומיות שביקשו תקציב נוסף לבתי הספר ולמרפאות ולכבישים שנפגעו במהלך החורף הקשה ובעקבות הסערות"
).split()


def _story(n: int) -> str:
    """A paragraph of its own for article ``n``: the same words in an order of its own."""
    import random

    words = list(_WORDS)
    random.Random(n).shuffle(words)
    return " ".join(words) + "."


def test_pages_whose_canonical_names_one_other_story_are_each_stored_under_their_own_address(
    tmp_path: Path,
) -> None:
    """A CMS that names one story as the canonical of every page: every page after the first was counted as
    'another address of an article already in the archive' and lost (kept as a page, never asked for
    again), 1 of 20 stored. Now a page whose text is another story keeps its own address, with a warning;
    a copy of the named story's text (its AMP copy) is still that story."""
    named = f"{YNET}/news/article/top"
    others = [f"{YNET}/news/article/s{n}" for n in range(20)]

    def page(n: int, headline: str) -> str:
        first = "פסקה ראשונה של\nהכתבה top, עם מספיק מילים כדי להיות גוף של כתבה אמיתית בעיתון."
        assert first in ynet_article("top", headline)
        return ynet_article("top", headline).replace(first, _story(n))

    with SiteFarm() as farm:
        farm.add(
            f"{YNET}/Integration/StoryRss2.xml",
            rss([(u, "Wed, 15 May 2024 07:33:00 +0300") for u in [named, *others, f"{named}/amp"]]),
        )
        farm.add(named, page(1000, "הסיפור הראשי"))
        farm.add(f"{named}/amp", page(1000, "הסיפור הראשי בעמוד המואץ"))
        for n, url in enumerate(others):
            farm.add(url, page(n, f"סיפור מספר {n}"))
        code, summary, err = run_crawl(farm, ["ynet"], tmp_path / "a.db", settings={"ARCHIVE_BATCH_SIZE": 7})
    assert code == 0, err
    with Archive(tmp_path / "a.db", readonly=True) as archive:
        assert sorted(a.url for a in archive.iter_articles()) == sorted([named, *others])
        assert archive.get(others[3]).headline == "סיפור מספר 3"
        assert any("another story" in w for w in archive.get(others[3]).warnings)
    assert summary[0]["stored"] == 21
    assert summary[0]["skipped"] == {"another address of an article already in the archive": 1}


class _PortServer:
    """A plain HTTP server on 127.0.0.1 answering ``routes(port, path) -> (status, headers, body) | None``:
    for crawls through the real HTTP handler, no replay, where only the port tells two servers apart."""

    def __init__(self, routes: Callable[[int, str], tuple[int, dict[str, str], bytes] | None]) -> None:
        self.hits: list[str] = []
        hits = self.hits

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                hits.append(self.path)
                answer = routes(self.server.server_address[1], self.path) or (404, {}, b"")
                self.send_response(answer[0])
                for name, value in answer[1].items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(answer[2])))
                self.end_headers()
                self.wfile.write(answer[2])

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def _plain_article(n: int, head: str = "") -> bytes:
    prose = "טקסט של פסקה ארוכה מספיק כדי להיות גוף של כתבה אמיתית, עם עוד כמה מילים. " * 4
    return (
        f'<html lang="he"><head><meta charset="utf-8">{head}<title>כתבה {n}</title>'
        '<meta property="og:type" content="article"><meta property="article:published_time"'
        ' content="2024-07-21T06:00:00+03:00"></head><body><article><h1>שריפה גדולה פרצה ביער הכרמל'
        f" מספר {n}</h1><p>{prose}</p><p>{prose}</p></article></body></html>"
    ).encode()


def test_an_unprofiled_site_on_a_port_is_held_to_that_port_over_real_http(tmp_path: Path) -> None:
    """`crawl --url http://127.0.0.1:PORT/` through the real HTTP handler (no replay: only the port tells the
    site from the other server on the same host): robots.txt naming sitemaps on the other port and on
    localhost, sitemap entries on the other port, with a user name, or that a browser reads as another
    address, a redirect and a meta refresh to the other port, a canonical naming it. Given with and without
    its trailing slash. Nothing reaches the other server; every refusal is counted."""
    other = _PortServer(lambda port, path: (200, {"Content-Type": "text/html"}, _plain_article(666)))

    def site_routes(port: int, path: str) -> tuple[int, dict[str, str], bytes] | None:
        site, away = f"http://127.0.0.1:{port}", f"http://127.0.0.1:{other.port}"
        entries = [f"{site}/news/{n}" for n in range(1, 6)] + [
            f"{away}/news/9",
            f"http://someone:secret@127.0.0.1:{port}/news/10",
            f"http://127.0.0.1:{port}\\@127.0.0.1:{other.port}/news/11",  # a browser asks the site for /@...
            f"https://127.0.0.1:{port}/news/12",
        ]
        answers = {
            "/robots.txt": f"Sitemap: {site}/sm.xml\nSitemap: {away}/sm.xml\nSitemap: http://localhost:{port}/sm.xml\n",
            "/sm.xml": news_sitemap([(url, WHEN) for url in entries]),
            "/news/2": (302, {"Location": f"{away}/x"}, b""),
            "/news/3": (302, {"Location": f"http://localhost:{port}/news/1"}, b""),
            "/news/4": f'<html><head><meta http-equiv="refresh" content="0;url={away}/r"></head></html>',
            "/news/5": _plain_article(5, f'<link rel="canonical" href="{away}/news/5">'),
        }
        answer = answers.get(
            path, _plain_article(int(path.rsplit("/", 1)[1])) if path.startswith("/news/") else None
        )
        if answer is None or isinstance(answer, tuple):
            return answer
        return (
            200,
            {"Content-Type": "text/html; charset=utf-8"},
            answer.encode() if isinstance(answer, str) else answer,
        )

    site = _PortServer(site_routes)
    db = tmp_path / "a.db"
    try:
        for given in (f"http://127.0.0.1:{site.port}/", f"http://127.0.0.1:{site.port}"):
            result = subprocess.run(
                [sys.executable, "-m", "newsarchive.cli", "crawl", "--url", given, "--db", str(db),
                 "--format", "json", "--log-file", str(tmp_path / "a.log"), "--set", "DOWNLOAD_DELAY=0",
                 "--set", "AUTOTHROTTLE_ENABLED=0", "--set", "RETRY_TIMES=0", "--set", "DOWNLOAD_TIMEOUT=5"],
                capture_output=True, text=True, timeout=120, check=False,
            )  # fmt: skip
            assert result.returncode == 0, result.stderr
    finally:
        site.close()
        other.close()
    (summary,) = json.loads(result.stdout)
    assert other.hits == []
    assert summary["skipped"] == {"already in the archive": 2, "not on the site": 3}
    assert summary["errors"] == {"off the site": 2, "redirected off-site": 3, "HTTP 404": 2}
    assert stored_urls(db) == [f"http://127.0.0.1:{site.port}/news/{n}" for n in (1, 5)]
