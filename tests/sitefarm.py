"""A local web server that plays several news sites at once, for crawl tests.

Requests arrive as /<host>/<path> (the replay download handler prepends the host); each route can answer
with a body, a status, headers, a delay, a redirect, or a dropped connection. Every request is logged.
"""

from __future__ import annotations

import gzip
import json
import socket
import struct
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import BinaryIO
from urllib.parse import urlsplit


@dataclass
class Route:
    body: bytes = b""
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0
    #: called with the number of earlier hits; may return another Route (e.g. 429 first, then 200)
    dynamic: Callable[[int], Route] | None = None
    drop: bool = False  # close the connection without an answer
    reset: bool = False  # abort the connection (TCP RST) without an answer
    truncate: bool = False  # announce the whole body, send half of it, close
    drip: float = 0.0  # seconds over which the body trickles out, in 10 pieces
    #: writes the whole answer itself, status line and headers included, to the connection's file (for
    #: answers no well-behaved server sends: endless headers, an endless chunked body, lying lengths)
    raw: Callable[[BinaryIO], None] | None = None


class SiteFarm:
    def __init__(self) -> None:
        self.routes: dict[tuple[str, str], Route] = {}
        self.log: list[tuple[float, str, str, str]] = []  # (time, host, path, user agent)
        self.counts: Counter[tuple[str, str]] = Counter()  # requests per (host, path)
        self.active: dict[str, int] = {}
        self.max_active: dict[str, int] = {}
        self._lock = threading.Lock()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> SiteFarm:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()

    @property
    def port(self) -> int:
        return self.server.server_address[1]

    def add(self, url: str, body: str | bytes = b"", **kwargs: object) -> None:
        parts = urlsplit(url)
        path = parts.path + (f"?{parts.query}" if parts.query else "")
        self.routes[(parts.hostname, path)] = Route(
            body.encode() if isinstance(body, str) else body, **kwargs
        )

    def hits(self, host: str | None = None) -> list[str]:
        return [path for _, h, path, _ in self.log if host is None or h == host]

    def replay_settings(self) -> dict[str, object]:
        hosts = sorted({host for host, _ in self.routes})
        return {
            "REPLAY_HOSTS": {host: f"http://127.0.0.1:{self.port}/{host}" for host in hosts},
            "DOWNLOAD_HANDLERS": {
                "http": "newsarchive.replay.ReplayDownloadHandler",
                "https": "newsarchive.replay.ReplayDownloadHandler",
            },
        }

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        farm = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self) -> None:
                _, host, *rest = self.path.split("/", 2)
                path = "/" + (rest[0] if rest else "")
                with farm._lock:
                    farm.log.append((time.monotonic(), host, path, self.headers.get("User-Agent", "")))
                    earlier = farm.counts[host, path]
                    farm.counts[host, path] += 1
                    farm.active[host] = farm.active.get(host, 0) + 1
                    farm.max_active[host] = max(farm.max_active.get(host, 0), farm.active[host])
                try:
                    route = farm.routes.get((host, path)) or farm.routes.get((host, path.split("?")[0]))
                    if route is not None and route.dynamic is not None:
                        route = route.dynamic(earlier)
                    if route is None:
                        route = Route(b"not found", status=404)
                    if route.delay:
                        time.sleep(route.delay)
                    if route.raw is not None:
                        self.close_connection = True
                        route.raw(self.wfile)
                        return
                    if route.drop or route.reset:
                        if route.reset:  # closing with a zero linger time sends RST, not FIN
                            self.connection.setsockopt(
                                socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0)
                            )
                            self.connection.close()
                        self.close_connection = True
                        return
                    self.send_response(route.status)
                    headers = {"Content-Type": "text/html; charset=utf-8", **route.headers}
                    for name, value in headers.items():
                        self.send_header(name, value)
                    self.send_header("Content-Length", str(len(route.body)))
                    self.end_headers()
                    if route.truncate:
                        self.wfile.write(route.body[: len(route.body) // 2])
                        self.close_connection = True
                    elif route.drip:
                        step = len(route.body) // 10 + 1
                        for start in range(0, len(route.body), step):
                            self.wfile.write(route.body[start : start + step])
                            self.wfile.flush()
                            time.sleep(route.drip / 10)
                    else:
                        self.wfile.write(route.body)
                except (BrokenPipeError, ConnectionResetError):
                    pass
                finally:
                    with farm._lock:
                        farm.active[host] -= 1

            def log_message(self, *args: object) -> None:
                pass

        return Handler


# -- pages --------------------------------------------------------------------------------------------


def walla_article(
    n: int, *, when: str = "2024-07-21 06:15", links: int = 3, host: str = "news.walla.co.il"
) -> str:
    """A walla flash page (the break-2024 layout) with links to other articles, which must not be followed."""
    day, clock = when.split()
    y, m, d = day.split("-")
    others = "".join(
        f'<li><a href="https://news.walla.co.il/break/{90000 + n * 10 + k}">עוד כתבה {k}</a></li>'
        for k in range(links)
    )
    return f"""<!DOCTYPE html><html lang="he"><head><meta charset="utf-8">
<title>מבזק מספר {n} - וואלה! חדשות</title>
<meta property="og:url" content="https://{host}/break/{n}">
<script type="application/ld+json">{{"@context":"http://schema.org/","@type":"NewsArticle",
"headline":"מבזק מספר {n} על אירוע חשוב","datePublished":"{day} {clock}:00",
"author":{{"@type":"Person","name":"דני בודק"}}}}</script></head>
<body><main><div class="header-titles"><h2>מבזקי חדשות - {d}.{m}.{y}</h2></div>
<section class="css-1rtp4r0"><h3 class="red-time-isSingleBreakPage">{clock}</h3>
<h1 class="breaking-item-title-in-single-break">מבזק מספר {n} על אירוע חשוב</h1>
<div class="writers-names"><div class="writer-name-item"><p>דני בודק</p></div></div>
<div class="breaking-item-text-content"><p class="article_speakable">זהו גוף המבזק מספר {n}. הוא מספר על אירוע
חשוב שקרה היום בצפון הארץ, ועל התגובות של תושבי האזור לאירוע.</p></div></section>
<aside><ul>{others}</ul></aside></main></body></html>"""


def ynet_article(article_id: str, headline: str = "כותרת של כתבה ב-ynet") -> str:
    """A ynet article in the React template."""
    return f"""<!DOCTYPE html><html lang="he"><head><meta charset="utf-8"><title>{headline}</title>
<link rel="canonical" href="https://www.ynet.co.il/news/article/{article_id}">
<meta property="article:published_time" content="2024-05-15T04:33:00Z"></head>
<body><h1 class="mainTitle">{headline}</h1>
<div id="ArticleBodyComponent"><div class="text_editor_paragraph rtl"><span data-text="true">פסקה ראשונה של
הכתבה {article_id}, עם מספיק מילים כדי להיות גוף של כתבה אמיתית בעיתון.</span></div>
<div class="text_editor_paragraph rtl"><span data-text="true">(יוסי כהן)</span></div></div></body></html>"""


def news_sitemap(urls: list[tuple[str, str]]) -> str:
    items = "".join(
        f"<url><loc>{u}</loc><news:news><news:publication_date>{d}</news:publication_date>"
        f"<news:title>כותרת</news:title></news:news></url>"
        for u, d in urls
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9" '
        f'xmlns:news="http://www.google.com/schemas/sitemap-news/0.9">{items}</urlset>'
    )


def sitemap_index(children: list[tuple[str, str]]) -> str:
    items = "".join(f"<sitemap><loc>{u}</loc><lastmod>{m}</lastmod></sitemap>" for u, m in children)
    return f'<?xml version="1.0"?><sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{items}</sitemapindex>'


def rss(items: list[tuple[str, str]]) -> str:
    body = "".join(
        f"<item><title>כותרת</title><link>{u}</link><pubDate>{d}</pubDate></item>" for u, d in items
    )
    return f'<?xml version="1.0"?><rss version="2.0"><channel><title>ynet</title>{body}</channel></rss>'


def gzip_bomb(size: int = 60 * 1024 * 1024) -> bytes:
    return gzip.compress(b"<" + b"a" * size, compresslevel=9)


# -- running ------------------------------------------------------------------------------------------


def run_cli(
    farm: SiteFarm,
    subcommand: str,
    *args: str,
    settings: dict[str, object] | None = None,
    timeout: float = 120,
    usage: dict[str, float] | None = None,
) -> tuple[int, list[dict], str]:
    """A `newsarchive` command that crawls, in a subprocess (one Twisted reactor per process), replaying
    the farm with no politeness delays: (exit code, its JSON output, stderr); ``usage`` receives the
    process's peak memory ("peak_rss_mb")."""
    merged = {
        "DOWNLOAD_DELAY": 0,
        "AUTOTHROTTLE_ENABLED": False,
        "DOWNLOAD_TIMEOUT": 3,
        "RETRY_TIMES": 1,
        **farm.replay_settings(),
        **(settings or {}),
    }
    command = [sys.executable, "-m", "newsarchive.cli", subcommand, *args, "--format", "json"]
    for name, value in merged.items():
        command += ["--set", f"{name}={json.dumps(value) if not isinstance(value, str) else value}"]
    code, stdout, stderr, peak = run_measured(command, timeout)
    if usage is not None:
        usage["peak_rss_mb"] = peak
    output = json.loads(stdout) if stdout.strip().startswith("[") else []
    return code, output, stderr


def run_measured(command: list[str], timeout: float) -> tuple[int, str, str, float]:
    """Run a command: (exit status, stdout, stderr, its peak resident memory in MB), killed past ``timeout``
    seconds. The peak is the process's own high-water mark (VmHWM, read while it runs: its rusage would also
    count the copy of the test process it was forked from)."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        process = subprocess.Popen(command, stdout=out, stderr=err)
        peak = 0.0
        deadline = time.monotonic() + timeout
        while process.poll() is None:
            if time.monotonic() > deadline:
                process.kill()
                process.wait()
                break
            peak = max(peak, _high_water_mb(process.pid))
            time.sleep(0.02)
        out.seek(0)
        err.seek(0)
        return process.returncode, out.read().decode(), err.read().decode(), peak


def _high_water_mb(pid: int) -> float:
    try:
        with open(f"/proc/{pid}/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:  # ended meanwhile, or no /proc here
        pass
    return 0.0


def run_crawl(
    farm: SiteFarm,
    sites: list[str],
    db: Path,
    *extra: str,
    settings: dict[str, object] | None = None,
    timeout: float = 120,
    usage: dict[str, float] | None = None,
) -> tuple[int, list[dict], str]:
    """`newsarchive crawl` of the farm into ``db``: (exit code, summary, stderr)."""
    log = str(db.with_suffix(".log"))
    return run_cli(
        farm,
        "crawl",
        *sites,
        "--db",
        str(db),
        "--log-file",
        log,
        *extra,
        settings=settings,
        timeout=timeout,
        usage=usage,
    )


# -- many sites ----------------------------------------------------------------------------------------------


def farm_site_home(k: int) -> str:
    """The address of the ``k``-th site of :func:`news_sites` (a site without a profile: `crawl --url`)."""
    return f"https://www.site{k:02d}.co.il"


def news_sites(
    farm: SiteFarm, sites: int, articles: int, *, delay: float = 0.0, feed_items: int = 5
) -> dict[str, list[str]]:
    """``sites`` sites without a profile, each with ``articles`` article pages (answered after ``delay``
    seconds) listed in a news sitemap named by robots.txt, the first ``feed_items`` of them in an RSS feed
    its home page announces too. Returns each site's article addresses, by home address."""
    made = {}
    for k in range(sites):
        home = farm_site_home(k)
        host = home.removeprefix("https://")
        urls = [f"{home}/break/{k * 100_000 + n}" for n in range(articles)]
        farm.add(f"{home}/robots.txt", f"User-agent: *\nSitemap: {home}/sitemap-news.xml\n",
                 headers={"Content-Type": "text/plain"})  # fmt: skip
        farm.add(f"{home}/sitemap-news.xml", news_sitemap([(u, "2024-07-21T06:15:00+03:00") for u in urls]))
        farm.add(
            f"{home}/",
            f'<html><head><link rel="alternate" type="application/rss+xml" href="{home}/feed.xml">'
            "</head><body><h1>בית</h1></body></html>",
        )
        farm.add(f"{home}/feed.xml", rss([(u, "Sun, 21 Jul 2024 06:15:00 +0300") for u in urls[:feed_items]]))
        for url in urls:
            farm.add(url, walla_article(int(url.rsplit("/", 1)[1]), host=host), delay=delay)
        made[home] = urls
    return made
