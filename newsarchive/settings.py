"""Scrapy settings: a polite, identifiable crawler. Every value can be overridden with `-s NAME=value`."""

import os

from . import __version__

BOT_NAME = "newsarchive"

USER_AGENT = os.environ.get(
    "NEWSARCHIVE_USER_AGENT", f"newsarchive/{__version__} (+https://github.com/newsarchive/newsarchive)"
)
ROBOTSTXT_OBEY = True
CONCURRENT_REQUESTS_PER_DOMAIN = 1
DOWNLOAD_DELAY = float(os.environ.get("NEWSARCHIVE_DOWNLOAD_DELAY", "1.0"))
DOWNLOAD_DELAY_JITTER = 0.5
AUTOTHROTTLE_ENABLED = True
AUTOTHROTTLE_START_DELAY = 1.0
AUTOTHROTTLE_MAX_DELAY = 60.0
AUTOTHROTTLE_TARGET_CONCURRENCY = 1.0
RETRY_ENABLED = True
RETRY_TIMES = 3
RETRY_HTTP_CODES = [429, 500, 502, 503, 504, 522, 524, 408]
DOWNLOAD_MAXSIZE = 20 * 1024 * 1024
DOWNLOAD_WARNSIZE = 5 * 1024 * 1024
DOWNLOAD_TIMEOUT = 60
# Both consoles execute code sent to them: never on for an archiver.
TELNETCONSOLE_ENABLED = False
REMOTE_CONTROL_ENABLED = False
FEED_EXPORT_ENCODING = "utf-8"
LOG_LEVEL = os.environ.get("NEWSARCHIVE_LOG_LEVEL", "INFO")
