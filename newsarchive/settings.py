"""Scrapy settings: a polite, identifiable crawler. Override any of them with `-s NAME=value`, the
environment variables named below, or the config file (docs/crawling.md)."""

import math
import os

from . import __version__


def _header_value(name: str, default: str) -> str:
    """An environment variable that goes into a request header: unset or empty, the default; a line break
    (which would end the header and begin another) is refused, naming the variable."""
    value = os.environ.get(name) or default
    if any(c in value for c in "\r\n\0"):
        raise ValueError(f"${name} holds a line break: it goes into every request's User-Agent header")
    return value


def _seconds(name: str, default: float) -> float:
    """An environment variable that is a number of seconds, 0 or more (named when it is not)."""
    value = os.environ.get(name)
    if value is None or not value.strip():
        return default
    try:
        seconds = float(value)
    except ValueError:
        seconds = math.nan
    if not (0 <= seconds < math.inf):
        raise ValueError(f"${name} = {value!r}: not a number of seconds (0 or more)")
    return seconds


BOT_NAME = "newsarchive"
SPIDER_MODULES = ["newsarchive.spiders"]
NEWSPIDER_MODULE = "newsarchive.spiders"

CONTACT_URL = _header_value("NEWSARCHIVE_CONTACT", "https://github.com/newsarchive/newsarchive")
USER_AGENT = _header_value("NEWSARCHIVE_USER_AGENT", f"newsarchive/{__version__} (+{CONTACT_URL})")
ROBOTSTXT_OBEY = True

# One request at a time per site, a delay with jitter, and AutoThrottle backing off a slow server.
CONCURRENT_REQUESTS = 16
CONCURRENT_REQUESTS_PER_DOMAIN = 1
DOWNLOAD_DELAY = _seconds("NEWSARCHIVE_DOWNLOAD_DELAY", 1.0)
DOWNLOAD_DELAY_JITTER = 0.5
AUTOTHROTTLE_ENABLED = True
AUTOTHROTTLE_START_DELAY = DOWNLOAD_DELAY
AUTOTHROTTLE_MAX_DELAY = 60.0
AUTOTHROTTLE_TARGET_CONCURRENCY = 1.0

# Retries with exponential back-off on server trouble; Retry-After is honoured (newsarchive.middlewares).
RETRY_ENABLED = True
RETRY_TIMES = 3
RETRY_HTTP_CODES = [429, 500, 502, 503, 504, 522, 524, 408]
BACKOFF_BASE_S = 1.0
BACKOFF_MAX_S = 60.0
# Every request is held to the crawl's sites, host and port, in one place (newsarchive.middlewares.off_site);
# Scrapy's OffsiteMiddleware lets robots.txt and revisits (dont_filter) and other ports through.
# WARC capture (on with WARC_DIR, `newsarchive crawl --warc DIR`) sits next to the downloader: wire bytes.
DOWNLOADER_MIDDLEWARES = {
    "scrapy.downloadermiddlewares.offsite.OffsiteMiddleware": None,
    "newsarchive.middlewares.SiteGuardMiddleware": 50,
    "newsarchive.middlewares.BackoffMiddleware": 560,
    "newsarchive.middlewares.WarcCaptureMiddleware": 950,
}
WARC_DIR = os.environ.get("NEWSARCHIVE_WARC_DIR", "")

# Scrapy's HTTP/1.1 handler with a bound on response headers (DOWNLOAD_MAXSIZE bounds only the body)
DOWNLOAD_HANDLERS = {
    "http": "newsarchive.middlewares.BoundedHTTPDownloadHandler",
    "https": "newsarchive.middlewares.BoundedHTTPDownloadHandler",
}
DOWNLOAD_MAXSIZE = 20 * 1024 * 1024
DOWNLOAD_WARNSIZE = 5 * 1024 * 1024
DOWNLOAD_TIMEOUT = 60
REDIRECT_MAX_TIMES = 10

# Both consoles execute code sent to them: never on for an archiver.
TELNETCONSOLE_ENABLED = False
REMOTE_CONTROL_ENABLED = False

ITEM_PIPELINES = {"newsarchive.pipelines.ArchivePipeline": 300}
ARCHIVE_DB = os.environ.get("NEWSARCHIVE_DB", "data/archive.db")
ARCHIVE_BATCH_SIZE = 50
# The most sitemaps one crawl reads per site (robots.txt's, the profile's and every child of an index). A site
# whose indexes list new indexes without end (a paging loop in a CMS, or a hostile server) was read for hours
# with memory growing; the sitemap protocol allows an index 50,000 children, real sites list a few thousand.
SITEMAPS_MAX = 20_000

# A crawl shared through Redis (`newsarchive crawl --redis URL`, newsarchive.shared_crawl): the prefix of its
# keys (crawls that must not meet use different ones), and how long a site's lease outlives a worker that
# stopped renewing it (killed, cut off): then another worker takes the site, with what it held in flight.
REDIS_PREFIX = "newsarchive"
REDIS_LEASE_S = 30.0

FEED_EXPORT_ENCODING = "utf-8"
LOG_LEVEL = os.environ.get("NEWSARCHIVE_LOG_LEVEL", "INFO")
DEFAULT_DROPITEM_LOG_LEVEL = "INFO"
