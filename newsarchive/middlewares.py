"""Downloader components: what is on the site (for every request), the HTTP transport with a bound on response
headers, back-off (with Retry-After) for struggling sites, and the capture of every response to WARC files."""

from __future__ import annotations

import time
from collections.abc import Iterable
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from functools import lru_cache
from http import HTTPStatus
from pathlib import Path
from time import monotonic  # the clock of Scrapy's downloader slots
from typing import Any
from urllib.parse import urlsplit

from scrapy import Request, signals
from scrapy.core.downloader.handlers.http11 import HTTP11DownloadHandler
from scrapy.crawler import Crawler
from scrapy.exceptions import IgnoreRequest, NotConfigured
from scrapy.http import Response
from scrapy.utils.defer import deferred_from_coro
from twisted.python.failure import Failure
from twisted.web._newclient import HEADER, STATUS
from warcio.statusandheaders import StatusAndHeaders

from . import crawl_stats
from .sites import DEFAULT_PORTS, SiteProfile, web_address
from .warc import DEFAULT_ROTATE_BYTES, HttpRecord, RotatingWarcWriter, WarcWriteError, request_target

#: the longest pause a Retry-After may impose on a site
MAX_RETRY_AFTER_S = 600


def off_site(url: str, profiles: Iterable[SiteProfile]) -> str | None:
    """Why ``url`` is not on the crawl's sites, or None when it is: the one notion of "the site" that every
    request of a crawl is held to (SiteGuardMiddleware) and that discovery and revisits filter by.

    The address is read as the downloader reads it (sites.web_address: the URL living standard, so that
    "https://evil.com\\@news.walla.co.il/" is evil.com's, as it is fetched). On the site means: http or
    https; no user name or password in it; a host that one of the profiles handles (its domains and their
    subdomains, in IDNA or Unicode spelling); and the port the site is served on: the scheme's default, or,
    for a site given with an explicit port (``crawl --url http://127.0.0.1:8000/``), exactly that port.
    Another port of the same host is another server, so it is off the site.
    """
    address = web_address(url)
    if address is None:
        scheme = url.strip().partition(":")[0].lower() if ":" in url else ""
        if scheme.isascii() and scheme.isalpha() and scheme not in DEFAULT_PORTS:
            return f"not a web address ({scheme}:)"
        return "not a web address"
    if address.userinfo:
        return "an address with a user name or password"
    hosts = {address.host, address.unicode_host}
    for profile in profiles:
        if any(profile.handles(host) for host in hosts) and (address.scheme, address.port) in _served_on(
            profile
        ):
            return None
    return f"off the site ({address.host}:{address.port})"


def _served_on(profile: SiteProfile) -> set[tuple[str, int]]:
    """The (scheme, port) pairs a site is served on: those its home addresses name explicitly, else both
    schemes on their default ports."""
    explicit = set()
    for home in profile.homes:
        parts = urlsplit(home)
        if parts.port is not None:
            explicit.add((parts.scheme, parts.port))
    return explicit or set(DEFAULT_PORTS.items())


class OffSite(IgnoreRequest):
    """A request refused because its address is not on the crawl's sites; ``reason`` says why."""

    def __init__(self, reason: str, redirected: bool) -> None:
        super().__init__(f"{'redirected ' if redirected else ''}{reason}")
        self.reason = reason
        self.redirected = redirected


class SiteGuardMiddleware:
    """Holds every request of a crawl to the crawl's sites (:func:`off_site`): robots.txt (Scrapy's own fetch
    and ours) and where it redirects, sitemaps, feeds, articles, revisits of stored addresses, redirects and
    meta refreshes. It stands where Scrapy's OffsiteMiddleware stood (which it replaces), because that one
    lets ``dont_filter`` requests through — robots.txt and revisits — and ignores ports."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> SiteGuardMiddleware:
        return cls(crawler)

    def process_request(self, request: Request) -> None:
        profiles = getattr(self.crawler.spider, "profiles", None)
        if not profiles:  # a spider without site profiles: not ours to police
            return
        reason = off_site(request.url, profiles.values())
        if reason is not None:
            crawl_stats.add(self.crawler.stats, crawl_stats.OFF_SITE)
            raise OffSite(reason, redirected=bool(request.meta.get("redirect_urls")))


#: the most a response's status line and headers may take together: Twisted bounds each line (16 KiB) but not
#: their number, so an endless header block filled memory (2.2 GB in 8 s from a local server)
MAX_HEAD_BYTES = 256 * 1024


class ResponseHeadTooLarge(Exception):
    """A response whose status line and headers went on past MAX_HEAD_BYTES."""


class BoundedHTTPDownloadHandler(HTTP11DownloadHandler):
    """Scrapy's HTTP/1.1 handler, with the response head bounded: a server that sends header lines without
    end is cut off at MAX_HEAD_BYTES (the request fails as "response headers too large"). The body is
    already bounded by DOWNLOAD_MAXSIZE and the whole exchange by DOWNLOAD_TIMEOUT."""

    def __init__(self, crawler: Crawler) -> None:
        super().__init__(crawler)
        # Twisted builds one protocol per connection through the pool's factory (Scrapy sets its own)
        self._pool._factory = _bounded_factory(self._pool._factory)


@lru_cache(maxsize=4)
def _bounded_factory(base: type) -> type:
    class BoundedHeadFactory(base):  # type: ignore[misc, valid-type]
        def buildProtocol(self, addr: Any) -> Any:
            protocol = super().buildProtocol(addr)
            protocol.__class__ = _bounded_protocol(type(protocol))
            return protocol

    return BoundedHeadFactory


@lru_cache(maxsize=4)
def _bounded_protocol(base: type) -> type:
    class BoundedHeadProtocol(base):  # type: ignore[misc, valid-type]
        """Counts the bytes of each response until its body begins (the parser leaves STATUS/HEADER)."""

        _counted_parser: object = None
        _head_bytes = 0

        def request(self, request: Any) -> Any:
            answer = super().request(request)
            if self._parser is not None:  # a new parser for each response (Scrapy swaps its class too)
                self._parser.__class__ = _bounded_parser(type(self._parser))
            return answer

        def dataReceived(self, data: bytes) -> None:
            parser = self._parser
            if parser is not None and parser.state in (STATUS, HEADER):
                if parser is not self._counted_parser:  # a new response on this connection
                    self._counted_parser, self._head_bytes = parser, 0
                self._head_bytes += len(data)
                if self._head_bytes > MAX_HEAD_BYTES:
                    self.transport.abortConnection()
                    self._giveUp(Failure(ResponseHeadTooLarge(f"headers past {MAX_HEAD_BYTES} bytes")))
                    return
            super().dataReceived(data)

    return BoundedHeadProtocol


@lru_cache(maxsize=4)
def _bounded_parser(base: type) -> type:
    class BoundedLineParser(base):  # type: ignore[misc, valid-type]
        def lineLengthExceeded(self, line: bytes) -> None:
            # Twisted drops the connection without a word; raised here, the request fails with the reason
            raise ResponseHeadTooLarge(f"a header line longer than {self.MAX_LENGTH} bytes")

    return BoundedLineParser


class BackoffMiddleware:
    """Slows a site down when it struggles, before RetryMiddleware (which runs after this) retries.

    On a retryable status (RETRY_HTTP_CODES) or a network error, the site's download slot pauses: as long as
    ``Retry-After`` says (429/503, up to 10 minutes), else ``BACKOFF_BASE_S * 2**attempt`` (up to
    ``BACKOFF_MAX_S``). Other sites are not held up.
    """

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        settings = crawler.settings
        self.codes = {int(code) for code in settings.getlist("RETRY_HTTP_CODES")}
        self.base = settings.getfloat("BACKOFF_BASE_S", 1.0)
        self.cap = settings.getfloat("BACKOFF_MAX_S", 60.0)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> BackoffMiddleware:
        return cls(crawler)

    def process_response(self, request: Request, response: Response) -> Response:
        if response.status not in self.codes or request.meta.get("dont_retry"):
            return response
        wait = retry_after_seconds(response.headers.get(b"Retry-After"))
        if wait is not None:
            crawl_stats.add(self.crawler.stats, crawl_stats.RETRY_AFTER)
            self._pause(request, min(wait, MAX_RETRY_AFTER_S))
        else:
            self._pause(request, self._backoff(request))
        return response

    def process_exception(self, request: Request, exception: Exception) -> None:
        if not isinstance(exception, IgnoreRequest) and not request.meta.get("dont_retry"):
            self._pause(request, self._backoff(request))

    def _backoff(self, request: Request) -> float:
        return min(self.cap, self.base * 2 ** request.meta.get("retry_times", 0))

    def _pause(self, request: Request, wait: float) -> None:
        slot = self.crawler.engine.downloader.slots.get(request.meta.get("download_slot", ""))
        if slot is None or wait <= 0:
            return
        # The slot sends its next request once `delay` has passed since `lastseen` (a zero delay skips the
        # check, so it becomes a millisecond).
        slot.delay = max(slot.delay, 0.001)
        slot.lastseen = max(slot.lastseen, monotonic() + wait - slot.delay)
        crawl_stats.add(self.crawler.stats, crawl_stats.BACKOFF)


def retry_after_seconds(value: bytes | None) -> float | None:
    """Seconds from a Retry-After header: a number of seconds or an HTTP date."""
    if not value:
        return None
    text = value.decode("latin-1").strip()
    if text.isascii() and text.isdigit():  # str.isdigit also takes "²"
        return float(text)
    try:
        moment = parsedate_to_datetime(text)
    except (TypeError, ValueError, OverflowError):  # an absurd offset or year overflows
        return None
    return max(0.0, moment.timestamp() - time.time())


# -- WARC capture --------------------------------------------------------------------------------------------
# Capture sits next to the downloader (priority 950), before Scrapy decompresses or follows redirects, so each
# response record holds the bytes the server sent, with its headers. Twisted has already removed chunked
# transfer coding by then, so that header is kept under another name and Content-Length tells the true length.

#: the reason a page is counted as lost, and the crawl's finish reason, when the WARC cannot be written
WARC_WRITE_FAILED = "WARC write failed"


class NotCaptured(IgnoreRequest):
    """A response that could not be written to the crawl's WARC file (a full disk, a folder that cannot be
    made): the page is not stored, and the crawl stops, as when the archive cannot be written."""


def http_records(request: Request, response: Response) -> tuple[HttpRecord, HttpRecord]:
    """A response and its request as the WARC file keeps them."""
    return (
        HttpRecord(response.url, _response_headers(response), response.body, _ip_address(response)),
        HttpRecord(request.url, _request_headers(request), request.body or b""),
    )


def _response_headers(response: Response) -> StatusAndHeaders:
    headers = []
    for name, values in response.headers.items():
        key = name.decode("latin-1")
        for value in values:
            if key.lower() == "transfer-encoding":
                key = "X-Archive-Orig-Transfer-Encoding"
            if key.lower() != "content-length":
                headers.append((key, value.decode("latin-1")))
    headers.append(("Content-Length", str(len(response.body))))
    try:
        phrase = HTTPStatus(response.status).phrase
    except ValueError:
        phrase = "Unknown"
    protocol = getattr(response, "protocol", None) or "HTTP/1.1"
    return StatusAndHeaders(f"{response.status} {phrase}", headers, protocol=protocol)


def _request_headers(request: Request) -> StatusAndHeaders:
    parts = urlsplit(request.url)
    target = request_target(request.url)
    headers = [("Host", parts.netloc)]
    for name, values in request.headers.items():
        for value in values:
            headers.append((name.decode("latin-1"), value.decode("latin-1")))
    return StatusAndHeaders(f"{request.method} {target} HTTP/1.1", headers, is_http_request=True)


def _ip_address(response: Response) -> dict[str, str]:
    address = getattr(response, "ip_address", None)
    return {"WARC-IP-Address": str(address)} if address else {}


class WarcCaptureMiddleware:
    """Writes every request and response of a crawl to rotating WARC files in ``WARC_DIR`` (one series per
    site and crawl: ``<crawl id>-<site>-00000.warc.gz``); ``WARC_ROTATE_BYTES`` sets the file size."""

    def __init__(self, crawler: Crawler, folder: Path) -> None:
        self.crawler = crawler
        self.folder = folder
        self.writer: RotatingWarcWriter | None = None
        self.failed = False

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> WarcCaptureMiddleware:
        folder = crawler.settings.get("WARC_DIR")
        if not folder:
            raise NotConfigured("no WARC_DIR")
        middleware = cls(crawler, Path(folder))
        crawler.signals.connect(middleware.spider_closed, signal=signals.spider_closed)
        return middleware

    def process_response(self, request: Request, response: Response) -> Response:
        if "cached" in response.flags:
            return response
        if self.writer is None:
            site = "+".join(getattr(self.crawler.spider, "profiles", {})) or "crawl"
            prefix = f"{self.crawler.settings.get('CRAWL_ID', 'newsarchive')}-{site}"
            self.writer = RotatingWarcWriter(
                self.folder, prefix, self.crawler.settings.getint("WARC_ROTATE_BYTES", DEFAULT_ROTATE_BYTES)
            )
        when = datetime.now(UTC)
        try:
            self.writer.write(*http_records(request, response), when)
        except WarcWriteError as error:
            if not self.failed:  # said once, and the crawl stopped: every page from now on would be lost
                self.failed = True
                self.crawler.spider.logger.error("WARC capture failed, stopping the crawl: %s", error)
                deferred_from_coro(self.crawler.engine.close_spider_async(reason=WARC_WRITE_FAILED))
            raise NotCaptured(str(error)) from None
        request.meta["fetched_at"] = when  # the page's fetch time is the record's date, to the microsecond
        crawl_stats.add(self.crawler.stats, crawl_stats.WARC_RECORDS, 2)
        return response

    def spider_closed(self) -> None:
        if self.writer is not None:
            self.writer.close()
