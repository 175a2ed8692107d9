"""Why a request of a crawl failed, in a few words that can be counted: "HTTP 404", "timeout", "redirect
loop"..., read from the failure Scrapy and Twisted give."""

from __future__ import annotations

from scrapy.exceptions import DownloadCancelledError, IgnoreRequest
from scrapy.http import Response
from scrapy.spidermiddlewares.httperror import HttpError
from twisted.python.failure import Failure

from ..extract import bot_protection_reason
from ..middlewares import WARC_WRITE_FAILED, NotCaptured, OffSite


def failure_reason(failure: Failure) -> str:
    """A short, countable reason for a failed request."""
    if failure.check(HttpError):
        return _http_error_reason(failure.value.response)
    error = failure.value
    if failure.check(OffSite):
        return "redirected off-site" if error.redirected else error.reason.split(" (")[0]
    if failure.check(NotCaptured):
        return WARC_WRITE_FAILED
    if failure.check(IgnoreRequest):
        message = str(error).lower()
        for needle, reason in (
            ("robots", "forbidden by robots.txt"),
            ("during decompression", "over the size limit once decompressed (a compression bomb?)"),
            ("redirect", "too many redirects"),
            ("replay", "no saved copy (replay)"),
        ):
            if needle in message:
                return reason
        return f"ignored: {str(error)[:60]}"
    if failure.check(DownloadCancelledError) and (not str(error) or "max size" in str(error)):
        # Scrapy stopped reading past DOWNLOAD_MAXSIZE: announced (the message says so) or found while reading
        # a body of no announced length, such as an endless chunked one (a bare cancellation)
        return "larger than the download size limit"
    # Scrapy wraps Twisted's errors (DownloadFailedError from ResponseFailed, whose `reasons` are the
    # failures underneath): the most telling name anywhere in that chain gives the reason.
    cause = error.__cause__
    underneath = [getattr(reason, "value", reason) for reason in getattr(cause, "reasons", None) or []]
    names = {type(e).__name__ for e in (error, cause, *underneath) if e is not None}
    for wanted, reason in _NETWORK_REASONS:
        if names & wanted:
            return reason
    return type(error).__name__


def _http_error_reason(response: Response) -> str:
    """ "HTTP 404"; "blocked by bot protection" for a refusal that is a challenge or captcha page (counted
    apart, so a site that starts blocking the crawler shows at once); for a redirect Scrapy would not follow,
    where it pointed ("file:", "data:"...)."""
    location = response.headers.get(b"Location")
    if 300 <= response.status < 400 and location:
        scheme = location.decode("latin-1").strip().partition(":")[0].lower()
        if scheme.isalpha() and scheme not in ("http", "https"):
            return f"redirected to a non-web address ({scheme}:)"
    if response.status >= 400 and (blocked := bot_protection_reason(response.body, response.status)):
        return blocked.split(" (")[0]
    return f"HTTP {response.status}"


#: network failures by the exception names that show them, most telling first
_NETWORK_REASONS: list[tuple[set[str], str]] = [
    ({"ResponseHeadTooLarge"}, "response headers too large"),
    ({"DownloadTimeoutError", "TimeoutError", "TCPTimedOutError", "UserTimeoutError"}, "timeout"),
    ({"ResponseDataLossError", "_DataLoss", "PotentialDataLoss"}, "response cut off"),
    ({"DownloadConnectionRefusedError", "ConnectionRefusedError"}, "connection refused"),
    ({"CannotResolveHostError", "DNSLookupError"}, "DNS lookup failed"),
    ({"ConnectionLost", "ConnectionResetError", "ConnectionAborted"}, "connection lost"),
    ({"ConnectionDone"}, "connection closed without an answer"),
    ({"ResponseNeverReceived"}, "no response"),
    # what Twisted raises for a response it cannot read: a Content-Length that is no number, two that differ
    ({"ValueError"}, "malformed HTTP response"),
    ({"DownloadFailedError", "ResponseFailed"}, "response cut off"),
]
