"""Crawl throughput: newsarchive's full pipeline against a bare Scrapy spider, on the same local pages.

    python benchmarks/crawl_speed.py [--pages 2000] [--page-kb 60]

A local site of N walla-like article pages (each padded with navigation and script blocks to about
``--page-kb`` KB, like real news pages) and a news sitemap listing them is served on 127.0.0.1 by nginx
when it is installed (`apt-get install nginx`), else by Python's http.server in its own process. Both crawls
use the same settings (robots.txt on, 16 concurrent requests, no delay) through newsarchive's replay handler:
- bare: a Scrapy spider that reads the sitemap and downloads every page, doing nothing with it;
- full: `newsarchive crawl walla`: discovery, extraction, batched storage with the search index.
Each runs in its own process (one reactor per process); resident memory is sampled every 0.2 s.
"""

from __future__ import annotations

import argparse
import json
import platform
import shutil
import socket
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.sitefarm import news_sitemap, walla_article  # noqa: E402

HOST = "news.walla.co.il"

BARE_SPIDER = textwrap.dedent(
    """
    import json, sys
    import scrapy
    from scrapy.crawler import CrawlerProcess
    from newsarchive.discovery import parse_sitemap

    class Bare(scrapy.Spider):
        name = "bare"
        async def start(self):
            yield scrapy.Request("https://news.walla.co.il/sitemap-news.xml", callback=self.parse_sitemap)
        def parse_sitemap(self, response):
            for entry in parse_sitemap(response.body, response.url).entries:
                yield scrapy.Request(entry.url, callback=self.parse_page)
        def parse_page(self, response):
            pass

    settings = json.loads(sys.argv[1])
    process = CrawlerProcess(settings)
    crawler = process.create_crawler(Bare)
    process.crawl(crawler)
    process.start()
    stats = crawler.stats.get_stats()
    print(json.dumps({"pages": stats.get("downloader/response_status_count/200", 0),
                      "seconds": (stats["finish_time"] - stats["start_time"]).total_seconds()}))
    """
)


def build_site(folder: Path, pages: int, page_kb: int) -> None:
    site = folder / HOST
    (site / "break").mkdir(parents=True)
    filler = "".join(f'<li><a href="/category/{k}">מדור מספר {k} באתר</a></li>' for k in range(200))
    script = "<script>var config = " + json.dumps({"k" + str(i): "v" * 40 for i in range(300)}) + ";</script>"
    for n in range(pages):
        html = walla_article(100_000 + n)
        pad = f"<nav><ul>{filler}</ul></nav>{script}"
        while len(html.encode()) < page_kb * 1024:
            html = html.replace("<body>", "<body>" + pad, 1)
        (site / "break" / str(100_000 + n)).write_text(html, encoding="utf-8")
    (site / "robots.txt").write_text(
        f"User-agent: *\nDisallow: /search\nSitemap: https://{HOST}/sitemap-news.xml\n", encoding="utf-8"
    )
    urls = [(f"https://{HOST}/break/{100_000 + n}", "2024-07-21T06:15:00+03:00") for n in range(pages)]
    (site / "sitemap-news.xml").write_text(news_sitemap(urls), encoding="utf-8")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(folder: Path, port: int) -> tuple[subprocess.Popen, str]:
    if shutil.which("nginx"):
        conf = folder / "nginx.conf"
        conf.write_text(
            textwrap.dedent(f"""
            daemon off; worker_processes 1; pid {folder}/nginx.pid; error_log {folder}/error.log;
            events {{ worker_connections 1024; }}
            http {{ access_log off; default_type text/html; types {{ application/xml xml; text/plain txt; }}
                    server {{ listen 127.0.0.1:{port}; root {folder}; }} }}
        """)
        )
        return subprocess.Popen(["nginx", "-c", str(conf)]), "nginx"
    return subprocess.Popen(
        [sys.executable, "-m", "http.server", str(port), "--bind", "127.0.0.1", "--directory", str(folder)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    ), "python http.server"


def run_measured(command: list[str]) -> tuple[str, list[float]]:
    """Run a command, sampling its resident memory every 0.2 s; returns (stdout, the samples in MB)."""
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=ROOT)
    samples: list[float] = []
    while process.poll() is None:
        try:
            for line in Path(f"/proc/{process.pid}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    samples.append(int(line.split()[1]) / 1024)
        except OSError:
            pass
        time.sleep(0.2)
    out, err = process.communicate()
    if process.returncode not in (0, 1):
        raise RuntimeError(err[-2000:])
    return out, samples or [0.0]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=2000)
    parser.add_argument("--page-kb", type=int, default=60)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        folder.chmod(0o755)  # nginx's workers run as another user
        build_site(folder / "site", args.pages, args.page_kb)
        port = free_port()
        server, server_name = start_server(folder / "site", port)
        time.sleep(1)
        try:
            replay = {
                "REPLAY_HOSTS": {HOST: f"http://127.0.0.1:{port}/{HOST}"},
                "DOWNLOAD_HANDLERS": {
                    "http": "newsarchive.replay.ReplayDownloadHandler",
                    "https": "newsarchive.replay.ReplayDownloadHandler",
                },
            }
            common = {
                "ROBOTSTXT_OBEY": True,
                "CONCURRENT_REQUESTS": 16,
                "CONCURRENT_REQUESTS_PER_DOMAIN": 16,
                "DOWNLOAD_DELAY": 0,
                "AUTOTHROTTLE_ENABLED": False,
                "LOG_LEVEL": "WARNING",
                "TELNETCONSOLE_ENABLED": False,
                "REMOTE_CONTROL_ENABLED": False,
                **replay,
            }
            out, bare_rss = run_measured([sys.executable, "-c", BARE_SPIDER, json.dumps(common)])
            bare = json.loads(out.strip().splitlines()[-1])
            command = [
                sys.executable,
                "-m",
                "newsarchive.cli",
                "crawl",
                "walla",
                "--db",
                str(folder / "a.db"),
                "--format",
                "json",
                "--log-file",
                str(folder / "crawl.log"),
            ]
            for name, value in common.items():
                command += ["--set", f"{name}={value if isinstance(value, str) else json.dumps(value)}"]
            started = time.monotonic()
            out, full_rss = run_measured(command)
            wall = time.monotonic() - started
            summary = json.loads(out)[0]
        finally:
            server.terminate()
    bare_rate = bare["pages"] / bare["seconds"] * 60
    full_rate = summary["fetched"] / summary["seconds"] * 60
    result = {
        "pages": args.pages, "page_kb": args.page_kb, "server": server_name,
        "machine": f"{platform.machine()}, Python {platform.python_version()}",
        "bare_pages_per_min": round(bare_rate), "full_pages_per_min": round(full_rate),
        "full_stored": summary["stored"], "ratio": round(full_rate / bare_rate, 3),
        "bare_peak_rss_mb": round(max(bare_rss)), "full_peak_rss_mb": round(max(full_rss)),
        # memory over the full crawl, at a quarter, half, three quarters and the end: flat means no leak
        "full_rss_mb_by_quarter": [round(full_rss[min(len(full_rss) - 1, len(full_rss) * q // 4)])
                                   for q in (1, 2, 3, 4)],
        "full_wall_s": round(wall, 1),
    }  # fmt: skip
    print(f"{args.pages} pages of about {args.page_kb} KB, served by {server_name}")
    print(
        f"  bare spider     {result['bare_pages_per_min']:8d} pages/min"
        f"   peak RSS {result['bare_peak_rss_mb']} MB"
    )
    print(
        f"  full pipeline   {result['full_pages_per_min']:8d} pages/min"
        f"   RSS by quarter {result['full_rss_mb_by_quarter']} MB"
        f"   ({summary['stored']} articles stored)"
    )
    print(f"  ratio           {result['ratio']:.0%}")
    print(json.dumps(result))


if __name__ == "__main__":
    main()
