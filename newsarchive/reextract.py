"""Re-extraction: the current extractors over the raw pages the archive keeps, with a report of what changed.

Each article's latest version is extracted again from its own page and rewritten in place (the same fetch, a
better reading: no new version); pages that gave no article are tried again and stored when they now give one.
By default only the pages an older extractor version read are read again (each page records the version that
last read it), so a second run after the same upgrade has nothing to do; ``every_page`` reads them all.
"""

from __future__ import annotations

from collections import Counter, deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from .article import Article
from .extract.version import EXTRACTOR_VERSION
from .fetched import FetchedPage
from .ingest import Outcome, extract_page
from .parallel import IN_PROCESS, Workers, ordered_map
from .sites import site_key_for_url
from .store import Archive
from .store.batches import chunks
from .store.pages import UnreadablePage
from .store.records import article_record

#: the fields compared (the record's bookkeeping — times, hashes, versions — is not)
COMPARED_FIELDS = (
    "headline", "subtitle", "authors", "published", "updated", "body", "images", "section", "tags",
    "language", "paywalled",
)  # fmt: skip


@dataclass
class ReextractReport:
    pages: int = 0
    #: articles whose extraction changed, by field
    fields: Counter[str] = field(default_factory=Counter)
    changed: int = 0
    unchanged: int = 0
    #: pages that gave no article before and give one now
    recovered: int = 0
    #: pages that now give an article the archive already holds (another address of it, such as an AMP copy,
    #: or what a crawl stored meanwhile): left as the archive has it, never made its newest version
    recovered_known: int = 0
    #: articles fetched again while this ran (a --revisit or --refresh at the same time): the new fetch is
    #: kept, not overwritten with a reading of the older page
    fetched_again: int = 0
    #: pages whose article the current extractor rejects (the stored article is left as it was), by reason
    now_rejected: Counter[str] = field(default_factory=Counter)
    still_rejected: int = 0
    examples: list[dict[str, Any]] = field(default_factory=list)
    #: raw pages that could not be read back (damaged in the archive): their addresses and why, the first
    #: ``examples`` of them; ``unreadable`` counts them all
    unreadable: int = 0
    unreadable_pages: list[dict[str, str]] = field(default_factory=list)
    #: pages passed by because the current extractor version already read them (``every_page`` reads them)
    up_to_date: int = 0

    def to_dict(self) -> dict[str, Any]:
        return self.__dict__ | {"fields": dict(self.fields), "now_rejected": dict(self.now_rejected)}


def reextract(
    archive: Archive,
    *,
    sites: list[str] | None = None,
    since: str | datetime | None = None,
    every_page: bool = False,
    dry_run: bool = False,
    on_progress: Callable[[int, int], None] | None = None,
    examples: int = 20,
    workers: Workers = IN_PROCESS,
) -> ReextractReport:
    """Run the current extractors over the stored raw pages an older extractor version read (all of them
    with ``every_page``); unless ``dry_run``, store what changed and record that this version read them.
    ``on_progress(done, total)`` is called after each page. With ``workers``, runs of PAGES_PER_TASK pages
    are read on other processes (or a Dask cluster); what they read is stored here, in order, as one
    process would."""
    report = ReextractReport()
    chosen = {"sites": sites, "since": since, "site_of": site_key_for_url}
    ids = archive.reextractable_pages(**chosen, read_before=None if every_page else EXTRACTOR_VERSION)
    if not every_page:
        report.up_to_date = len(archive.reextractable_pages(**chosen)) - len(ids)
    batch = _Batch()
    workers = workers.at_most(-(-len(ids) // PAGES_PER_TASK))
    for page_id, page, reading in _readings(archive.pages_by_id(ids), workers):
        report.pages += 1
        if isinstance(page, UnreadablePage):  # one damaged row does not stop the others
            report.unreadable += 1
            if len(report.unreadable_pages) < examples:
                report.unreadable_pages.append({"url": page.url, "reason": page.reason})
            continue
        _settle(page, reading, batch, report, examples)
        batch.read.append(page_id)
        if on_progress is not None:
            on_progress(report.pages, len(ids))
        if not dry_run and batch.full():
            batch = batch.stored(archive, report)
    if dry_run:
        report.recovered = len(batch.recovered)
    else:
        batch.stored(archive, report)
    return report


@dataclass
class _Batch:
    """What a run has read and not yet written: the same fetch read better (rewritten in place), pages that
    now give an article (stored anew), and the ids of every page read (recorded as read by this version)."""

    rewritten: list[tuple[Article, FetchedPage]] = field(default_factory=list)
    recovered: list[tuple[Article, FetchedPage]] = field(default_factory=list)
    read: list[int] = field(default_factory=list)

    def full(self) -> bool:
        return len(self.rewritten) + len(self.recovered) >= 200 or len(self.read) >= 2000

    def stored(self, archive: Archive, report: ReextractReport) -> _Batch:
        """Write the batch, then record its pages as read (a kill in between only reads them again)."""
        _store(archive, self.rewritten, self.recovered, report)
        archive.mark_read(self.read)
        return _Batch()


#: stored pages given to a worker at a time
PAGES_PER_TASK = 100

_Stored = tuple[int, FetchedPage | UnreadablePage, dict[str, Any] | None]


@dataclass(frozen=True)
class Reading:
    """What the current extractor makes of a stored page: its outcome, and (for a page whose article is
    stored) the fields that differ from the stored reading."""

    outcome: Outcome
    stored: dict[str, Any] | None
    differing: list[str]


def read_again(pages: list[tuple[FetchedPage, dict[str, Any] | None]]) -> list[Reading]:
    """Extract stored pages again (the task a worker runs)."""
    return [_reading(page, stored) for page, stored in pages]


def _readings(
    stored: Iterator[_Stored], workers: Workers
) -> Iterator[tuple[int, FetchedPage | UnreadablePage, Reading | None]]:
    """Each stored page with its new reading (None for a page that cannot be read back), in order."""
    if workers.in_process:
        for page_id, page, article in stored:
            yield page_id, page, None if isinstance(page, UnreadablePage) else _reading(page, article)
        return
    runs: deque[list[_Stored]] = deque()

    def tasks() -> Iterator[list[tuple[FetchedPage, dict[str, Any] | None]]]:
        for run in chunks(stored, PAGES_PER_TASK):
            runs.append(run)  # taken in step with the tasks given out; their results come back in order
            yield [(page, article) for _, page, article in run if isinstance(page, FetchedPage)]

    for readings in ordered_map(read_again, tasks(), workers, name=_run_name):
        found = iter(readings)
        for page_id, page, _ in runs.popleft():
            yield page_id, page, None if isinstance(page, UnreadablePage) else next(found)


def _run_name(run: list[tuple[FetchedPage, dict[str, Any] | None]]) -> str:
    return f"{len(run)} stored pages from {run[0][0].url}" if run else "no page"


def _reading(page: FetchedPage, stored: dict[str, Any] | None) -> Reading:
    outcome = extract_page(page)
    if outcome.article is None or stored is None:
        return Reading(outcome, stored, [])
    outcome.article.url = stored["url"]  # an article keeps its address, whatever the page says now
    return Reading(outcome, stored, _differences(stored, article_record(outcome.article)))


def _settle(
    page: FetchedPage, reading: Reading | None, batch: _Batch, report: ReextractReport, examples: int
) -> None:
    assert reading is not None
    outcome, stored = reading.outcome, reading.stored
    if outcome.article is None:
        if stored is None:
            report.still_rejected += 1
        else:
            report.now_rejected[outcome.reason_kind] += 1
    elif stored is None:
        batch.recovered.append((outcome.article, page))
    elif reading.differing:
        report.changed += 1
        report.fields.update(reading.differing)
        if len(report.examples) < examples:
            report.examples.append({"url": stored["url"], "fields": reading.differing})
        batch.rewritten.append((outcome.article, page))
    else:
        report.unchanged += 1


def _differences(stored: dict[str, Any], fresh: dict[str, Any]) -> list[str]:
    return [name for name in COMPARED_FIELDS if (stored.get(name) or None) != (fresh.get(name) or None)]


def _store(
    archive: Archive,
    rewritten: list[tuple[Article, FetchedPage]],
    recovered: list[tuple[Article, FetchedPage]],
    report: ReextractReport,
) -> None:
    """Write a batch, counted from what the archive wrote. A rewrite in place is of the fetch that was read:
    an article fetched again meanwhile keeps its new version. A recovered page is stored only as a new
    article: an older copy, or another address of an article the archive holds, never becomes its newest
    version (``changes`` would report a rewrite back to older text)."""
    if rewritten:
        written = archive.store_many(rewritten, replace=True)
        report.fetched_again += sum(not w.stored for w in written)
    if recovered:
        written = archive.store_many(recovered, only_new=True)
        report.recovered += sum(w.stored for w in written)
        report.recovered_known += sum(not w.stored for w in written)
