"""A crawl's counts: the one place that names the keys they are kept under in Scrapy's stats, for the spider,
the pipeline and the middlewares that count, and for the crawl summary and the crawl log that read them.

The keys keep the names Scrapy's stats dump has always shown: ``newsarchive/stored``, a kind's total
(``newsarchive/skipped``), each of its reasons (``newsarchive/skipped/not an article URL``) and each site's
total (``newsarchive/site/ynet/skipped``). Nothing outside this module spells or parses them. No Scrapy here:
the stats object is anything with Scrapy's ``inc_value``/``set_value``, and the readers take ``get_stats()``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Protocol

_PREFIX = "newsarchive/"

# kinds counted with a reason each
SKIPPED = "skipped"
ERRORS = "errors"
DISCOVERY_ERRORS = "discovery_errors"
REASONED = (SKIPPED, ERRORS, DISCOVERY_ERRORS)

# plain counts
STORED = "stored"
#: of the pages stored again: a new version, or no real change
CHANGED = "changed"
UNCHANGED = "unchanged"
SITEMAPS = "sitemaps"
FEEDS = "feeds"
#: the addresses an interrupted crawl had queued that a resumed run fetches
RESUMED = "resumed"
OFF_SITE = "off_site"
RETRY_AFTER = "retry_after"
BACKOFF = "backoff"
WARC_RECORDS = "warc_records"
_PLAIN = (STORED, CHANGED, UNCHANGED, SITEMAPS, FEEDS, RESUMED, OFF_SITE, RETRY_AFTER, BACKOFF, WARC_RECORDS)
_TOTALS = frozenset(_PREFIX + name for name in (*REASONED, *_PLAIN))

#: the Scrapy signal (sent with ``event``, ``url``, ``reason`` and ``site``) by which an error counted by the
#: spider reaches the archive's crawl log: the pipeline owns the archive and writes it there
error_counted = object()


class Stats(Protocol):
    """What counting needs of Scrapy's stats collector."""

    def inc_value(self, key: str, count: int = 1, start: int = 0) -> None: ...

    def set_value(self, key: str, value: Any) -> None: ...


def add(stats: Stats, name: str, times: int = 1, site: str | None = None) -> None:
    """One more (or ``times`` more) of a plain count (STORED, SITEMAPS...), and of the site's, if given."""
    stats.inc_value(_PREFIX + name, times)
    if site is not None:
        stats.inc_value(f"{_PREFIX}site/{site}/{name}", times)


def set_count(stats: Stats, name: str, value: int) -> None:
    stats.set_value(_PREFIX + name, value)


def count(stats: Stats, kind: str, reason: str, site: str | None = None, times: int = 1) -> None:
    """A page or request skipped, or failed, for a reason: the kind's total, the reason's count and the
    site's total."""
    stats.inc_value(_PREFIX + kind, times)
    stats.inc_value(f"{_PREFIX}{kind}/{reason}", times)
    if site is not None:
        stats.inc_value(f"{_PREFIX}site/{site}/{kind}", times)


def total(stats: Mapping[str, Any], name: str) -> int:
    """A plain count, or a kind's total, from ``get_stats()``."""
    return stats.get(_PREFIX + name, 0)


def reasons(stats: Mapping[str, Any], *kinds: str) -> dict[str, int]:
    """The reasons of a kind (of several kinds: added up) and how often each was counted, from
    ``get_stats()``, in the order they were first counted."""
    prefixes = tuple(f"{_PREFIX}{kind}/" for kind in kinds)
    found: dict[str, int] = {}
    for key, value in stats.items():
        for prefix in prefixes:
            if key.startswith(prefix):
                reason = key[len(prefix) :]
                found[reason] = found.get(reason, 0) + value
    return found


def totals(stats: Mapping[str, Any]) -> dict[str, int]:
    """Every plain count and kind's total, by name (what the crawl log's "finished" entry keeps)."""
    return {key[len(_PREFIX) :]: value for key, value in stats.items() if key in _TOTALS}


def pages_fetched(stats: Mapping[str, Any]) -> int:
    """Responses downloaded, whatever their status (Scrapy's own counts)."""
    return sum(v for k, v in stats.items() if k.startswith("downloader/response_status_count/"))
