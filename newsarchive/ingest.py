"""From a fetched page to a stored article: the one path that crawls, imports and re-extraction share."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from .article import Article, NotAnArticle
from .extract import extract_article
from .extract.page import Page
from .store import Archive, FetchedPage

HTML_SUFFIXES = (".html", ".htm", ".xhtml")


@dataclass
class Outcome:
    url: str
    article: Article | None = None
    reason: str | None = None  # why there is no article


@dataclass
class IngestReport:
    stored: Counter[str] = field(default_factory=Counter)  # per site
    skipped: Counter[str] = field(default_factory=Counter)  # per reason
    outcomes: list[Outcome] = field(default_factory=list)

    @property
    def total_stored(self) -> int:
        return sum(self.stored.values())

    @property
    def total_skipped(self) -> int:
        return sum(self.skipped.values())


def extract_page(page: FetchedPage) -> Outcome:
    """Extract the article of a fetched page; the outcome says why when there is none."""
    try:
        article = extract_article(page.body, page.url, now=page.fetched_at, charset=page.charset)
    except NotAnArticle as error:
        return Outcome(page.url, reason=error.reason)
    return Outcome(article.url, article=article)


def ingest(
    archive: Archive,
    pages: Iterable[FetchedPage],
    *,
    batch_size: int = 200,
    keep_rejected: bool = True,
    on_outcome: Callable[[Outcome], None] | None = None,
) -> IngestReport:
    """Extract and store pages in batches; pages that are not articles are counted by reason (and their
    raw bytes kept, so a better extractor can try them again)."""
    report = IngestReport()
    batch: list[tuple[Article, FetchedPage]] = []
    for page in pages:
        outcome = extract_page(page)
        report.outcomes.append(outcome)
        if outcome.article is not None:
            batch.append((outcome.article, page))
            report.stored[outcome.article.site] += 1
        else:
            report.skipped[_reason_key(outcome.reason or "")] += 1
            if keep_rejected:
                archive.store_page(page, outcome.reason or "not an article")
        if on_outcome is not None:
            on_outcome(outcome)
        if len(batch) >= batch_size:
            archive.store_many(batch, batch_size=batch_size)
            batch = []
    if batch:
        archive.store_many(batch, batch_size=batch_size)
    return report


def _reason_key(reason: str) -> str:
    """Group reasons that differ only in their numbers: "empty body (12 characters...)"."""
    return reason.split(" (")[0].split(":")[0] if reason else "unknown"


def html_files(paths: Iterable[Path]) -> list[Path]:
    """The .html files among ``paths``, folders searched recursively, in a stable order."""
    found: list[Path] = []
    for path in paths:
        if path.is_dir():
            found += sorted(p for p in path.rglob("*") if p.is_file() and p.suffix.lower() in HTML_SUFFIXES)
        else:
            found.append(path)
    return found


def canonical_url(body: bytes) -> str | None:
    """The web address a saved page gives itself (canonical link, og:url), or None. Raises
    :class:`NotAnArticle` for bytes that are not an HTML page."""
    canonical = Page(body, "file:///").canonical
    return canonical if canonical.startswith(("http://", "https://")) else None


def page_from_file(path: Path, url: str | None = None) -> FetchedPage | Outcome:
    """A saved page as if fetched: the URL from ``url`` or its canonical link, the time from the file."""
    try:
        body = path.read_bytes()
    except OSError as error:
        return Outcome(str(path), reason=f"cannot read the file: {error.strerror or error}")
    if url is None:
        try:
            url = canonical_url(body)
        except NotAnArticle as error:
            return Outcome(str(path), reason=error.reason)
        if url is None:
            return Outcome(str(path), reason="no URL: the page has no canonical link (pass --url)")
    fetched = datetime.fromtimestamp(path.stat().st_mtime, UTC)
    return FetchedPage(url=url, body=body, fetched_at=fetched, headers={"x-imported-from": path.name})
