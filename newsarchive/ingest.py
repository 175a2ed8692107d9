"""From a fetched page to a stored article: the one path that crawls, imports and re-extraction share."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

from .article import Article, NotAnArticle
from .encoding import charset_of, decode_html
from .extract import extract_article
from .extract.page import canonical_url
from .fetched import FetchedPage
from .hebrew_bytes import could_be_mostly_hebrew
from .saved import UnreadablePageFile, read_saved_page
from .sites import DEFAULT_PORTS, profile_for_url, web_address
from .store import Archive
from .store.archive import Written, other_scheme
from .store.imported import FinishedFile
from .text import hebrew_letters
from .warc import WarcResponse, iter_responses
from .warc_reader import Damage

HTML_SUFFIXES = (".html", ".htm", ".xhtml")


@dataclass
class Outcome:
    url: str
    article: Article | None = None
    reason: str | None = None  # why there is no article
    #: the article was stored as a new version of one already in the archive
    new_version: bool = False

    @property
    def reason_kind(self) -> str:
        return reason_kind(self.reason)


def reason_kind(reason: str | None) -> str:
    """What a page was skipped for, without its particulars, to count by: "empty body (12 characters)" and
    "section or tag page: a one-word title over 6 linked headlines" count as "empty body" and "section or tag
    page". Crawls, imports and re-extraction all count by it (the whole reason stays with the stored page)."""
    return (reason or "not an article").split(" (")[0].split(":")[0]


@dataclass(frozen=True)
class FileDamage:
    """A damaged part of a file that was imported: which file, where in it, and why."""

    path: Path
    offset: int
    reason: str

    def to_dict(self) -> dict[str, str | int]:
        return {"file": str(self.path), "offset": self.offset, "reason": self.reason}


#: damaged parts kept in full in a report (all are counted)
MAX_DAMAGE_LISTED = 1000


@dataclass
class IngestReport:
    """What an import did, counted from what the archive wrote: ``stored`` per site (new articles and new
    versions), ``new_versions`` per site (of those, the new versions), ``skipped`` per reason, and the
    damaged parts of the files read (the first MAX_DAMAGE_LISTED in ``damaged``, all in ``total_damaged``)."""

    stored: Counter[str] = field(default_factory=Counter)
    new_versions: Counter[str] = field(default_factory=Counter)
    skipped: Counter[str] = field(default_factory=Counter)
    outcomes: list[Outcome] = field(default_factory=list)
    damaged: list[FileDamage] = field(default_factory=list)
    total_damaged: int = 0
    #: web-archive files an earlier import finished, passed by (``again`` reads them)
    passed_by: list[tuple[Path, FinishedFile]] = field(default_factory=list)
    #: files named again in one import under another name (a copy, a link), each with the one read
    read_once: list[tuple[Path, Path]] = field(default_factory=list)

    @property
    def total_stored(self) -> int:
        return sum(self.stored.values())

    @property
    def total_skipped(self) -> int:
        return sum(self.skipped.values())

    @property
    def damaged_files(self) -> list[Path]:
        return list(dict.fromkeys(d.path for d in self.damaged))

    def skipped_for(self, reason: str) -> int:
        """How many pages were skipped for this reason (counted, like all, without its particulars)."""
        return self.skipped[reason_kind(reason)]

    def add_damage(self, damage: FileDamage) -> None:
        self.total_damaged += 1
        if len(self.damaged) < MAX_DAMAGE_LISTED:
            self.damaged.append(damage)

    def merge(self, other: IngestReport) -> IngestReport:
        """This report with another's counts, outcomes and damage added."""
        self.stored.update(other.stored)
        self.new_versions.update(other.new_versions)
        self.skipped.update(other.skipped)
        self.outcomes += other.outcomes
        self.damaged += other.damaged[: MAX_DAMAGE_LISTED - len(self.damaged)]
        self.total_damaged += other.total_damaged
        self.passed_by += other.passed_by
        self.read_once += other.read_once
        return self


@dataclass(frozen=True)
class Extracted:
    """A page extracted elsewhere (a worker process), with its outcome: stored as if extracted here."""

    page: FetchedPage
    outcome: Outcome


def extract_page(page: FetchedPage) -> Outcome:
    """Extract the article of a fetched page; the outcome says why when there is none."""
    try:
        article = extract_article(page.body, page.url, now=page.fetched_at, charset=page.charset)
    except NotAnArticle as error:
        return Outcome(page.url, reason=error.reason)
    return Outcome(article.url, article=article)


def ingest(
    archive: Archive,
    pages: Iterable[FetchedPage | Extracted | Outcome | FileDamage],
    *,
    batch_size: int = 200,
    keep_rejected: bool = True,
    keep_outcomes: bool = True,
    replace_known: bool = True,
    on_outcome: Callable[[Outcome], None] | None = None,
) -> IngestReport:
    """Extract and store pages in batches; pages that are not articles are counted by reason (and their
    raw bytes kept, so a better extractor can try them again). An :class:`Outcome` among the pages is a page
    that was skipped before extraction, with its reason; a :class:`FileDamage` is counted as damage; an
    :class:`Extracted` page is stored as it was read.
    ``keep_outcomes=False`` keeps counts only, so memory stays flat however many pages pass.
    ``replace_known=False`` leaves an article already in the archive (or already taken by this call) as it
    is, and counts its page as skipped; otherwise a changed page becomes the article's new version, the
    stored one kept in its history. Every count comes from what the archive wrote, decided under its write
    lock: two imports of the same pages at once store each article once, and their reports add up."""
    report = IngestReport()
    batch: list[tuple[Article, FetchedPage]] = []

    def settle(outcome: Outcome) -> None:
        if outcome.article is not None:
            report.stored[outcome.article.site] += 1
            if outcome.new_version:
                report.new_versions[outcome.article.site] += 1
        else:
            report.skipped[outcome.reason_kind] += 1
        if keep_outcomes:
            report.outcomes.append(outcome)
        if on_outcome is not None:
            on_outcome(outcome)

    def store() -> None:
        keep_own_addresses(archive, batch)
        claims = [replace_known and names_another_article(archive, *pair) for pair in batch]
        written = store_pages(archive, batch, versions=[replace_known and not c for c in claims])
        for (article, _), what, claim in zip(batch, written, claims, strict=True):
            claimed = claim and not what.stored
            settle(Outcome(article.url, reason=CLAIMS_ANOTHER) if claimed else _stored_outcome(article, what))
        batch.clear()

    for item in pages:
        if isinstance(item, FileDamage):
            report.add_damage(item)
        elif isinstance(item, Outcome):
            settle(item)
        elif (read := _extracted(item)).outcome.article is None:
            if keep_rejected:
                archive.store_page(read.page, read.outcome.reason or "not an article")
            settle(read.outcome)
        else:
            batch.append((read.outcome.article, read.page))
            if len(batch) >= batch_size:
                store()
    if batch:
        store()
    return report


def _extracted(page: FetchedPage | Extracted) -> Extracted:
    return page if isinstance(page, Extracted) else Extracted(page, extract_page(page))


def names_another_article(archive: Archive, article: Article, page: FetchedPage) -> bool:
    """Whether the page was fetched from the address of an archived article other than the one its
    canonical link names (either spelled either way: http or https, a default port, a trailing dot). Such a
    page is never a new version of the article it names (a CMS pointing every page at one story, a merged
    story): its text over another article's, and `changes` reporting a rewrite never made."""
    mine = _spelling(article.url)
    fetched = {page.url, page.requested_url or page.url}
    return any(_spelling(url) != mine and archive.has_article(url) for url in fetched)


#: the share of the shorter text's word triples that the other must hold for two texts to be one story
#: (an AMP copy, a shortened or lightly edited version holds most of them; another story on the same site,
#: almost none: a few common phrases)
SAME_STORY_SHARE = 0.5
#: texts of fewer word triples than this are compared by their headlines instead
_FEWEST_TRIPLES = 8


def keep_own_addresses(archive: Archive, batch: list[tuple[Article, FetchedPage]]) -> None:
    """Leave each article of the batch under its canonical address unless that address names another story.

    A page's canonical link decides its address (an AMP copy, an alias and the article are one article).
    But a CMS that names one story (or its front page's latest story) as the canonical of many pages would
    have every page after the first counted as "another address" of that story and lost. So a page whose
    canonical names an article already in the archive, or already taken by this batch, whose text is
    another story, keeps the address it was fetched from, with a warning."""
    taken: dict[str, Article] = {}
    # a page fetched from its canonical address first: the address is its own, whatever came before it
    for article, page in sorted(batch, key=lambda pair: names_another_address(*pair)):
        own = own_address(page)
        # a saved page's only address is the one it names (a file has none of its own)
        if _spelling(own) == _spelling(article.url) or not own.startswith(("http://", "https://")):
            taken.setdefault(_spelling(article.url), article)
            continue
        named = taken.get(_spelling(article.url)) or _archived(archive, article.url)
        if named is not None and not same_story(named, article):
            article.warnings.append(
                f"the page names {article.url} as its address, another story: kept the fetched address"
            )
            article.provenance["canonical_claim"] = article.url
            article.url = own
        taken.setdefault(_spelling(article.url), article)


def own_address(page: FetchedPage) -> str:
    """The address the page was fetched from, in the archive's spelling."""
    fetched = web_address(page.url)
    return fetched.normal() if fetched is not None and not fetched.userinfo else page.url


def names_another_address(article: Article, page: FetchedPage) -> bool:
    """Whether the page's canonical link names an address other than the one it was fetched from."""
    return _spelling(own_address(page)) != _spelling(article.url)


def same_story(one: Article, other: Article) -> bool:
    """Whether two extractions are one story: most word triples of the shorter text stand in the other, or,
    for texts too short to tell, the same headline."""
    mine, theirs = _triples(one.body), _triples(other.body)
    if min(len(mine), len(theirs)) < _FEWEST_TRIPLES:
        return (one.headline or "").strip() == (other.headline or "").strip()
    shorter, longer = sorted((mine, theirs), key=len)
    return len(shorter & longer) >= SAME_STORY_SHARE * len(shorter)


def _triples(text: str) -> set[tuple[str, ...]]:
    words = re.findall(r"\w+", text.lower())
    return {tuple(words[i : i + 3]) for i in range(len(words) - 2)}


def _archived(archive: Archive, url: str) -> Article | None:
    """The archived article under the address (http and https count as one)."""
    for form in dict.fromkeys([url, other_scheme(url)]):
        if (article := archive.get(form)) is not None:
            return article
    return None


def store_pages(
    archive: Archive, batch: list[tuple[Article, FetchedPage]], versions: list[bool]
) -> list[Written]:
    """Store articles with their pages, in one transaction for those that may make new versions of stored
    articles (``versions``) and one for those that may only be new; what was written, in the batch's order."""
    written: list[Written | None] = [None] * len(batch)
    for may in (True, False):
        chosen = [i for i, v in enumerate(versions) if v == may]
        if chosen:
            done = archive.store_many([batch[i] for i in chosen], batch_size=len(chosen), only_new=not may)
            for i, what in zip(chosen, done, strict=True):
                written[i] = what
    return [what for what in written if what is not None]


def _spelling(url: str) -> str:
    address = web_address(url)
    return address.normal().partition("://")[2] if address is not None else url


ALREADY_STORED = "already in the archive (--force stores it again as a new version)"
#: a page fetched from one archived article's address whose canonical names another archived article
CLAIMS_ANOTHER = "names another article of the archive as its canonical"
UNCHANGED = "already in the archive, unchanged"
SUPERSEDED = "a later copy of the same article in this import was stored instead"


def _stored_outcome(article: Article, written: Written) -> Outcome:
    """The outcome of an article the archive was given: stored (new, or a new version), or why not."""
    if written.stored:
        return Outcome(article.url, article=article, new_version=written.kind != "new")
    reason = {"known": ALREADY_STORED, "unchanged": UNCHANGED}.get(written.kind, SUPERSEDED)
    return Outcome(article.url, reason=reason)


def warc_pages(
    path: Path, *, all_hebrew: bool = False, on_progress: Callable[[int], None] | None = None
) -> Iterator[FetchedPage | Outcome | FileDamage]:
    """The pages of a WARC file worth extracting, one at a time, and an :class:`Outcome` with the reason
    for each response that is not: another HTTP status, not HTML, a host that is no known news site
    (unless ``all_hebrew``: then any page whose text is mostly Hebrew), an unreadable or refused payload.
    Each damaged part of the file (not a WARC, a bad gzip member, a record cut short or of the wrong length)
    gives a :class:`FileDamage`, and reading goes on at the next record."""
    with path.open("rb") as stream:
        for item in iter_responses(stream):
            if on_progress is not None:
                on_progress(stream.tell())
            if isinstance(item, Damage):
                yield FileDamage(path, item.offset, item.reason)
                continue
            reason = _warc_skip_reason(item, all_hebrew)
            if reason is not None:
                yield Outcome(item.url, reason=reason)
                continue
            yield FetchedPage(
                url=item.url,
                body=item.body,
                status=item.status,
                headers=item.headers,
                fetched_at=capture_time(item.fetched_at),
            )


def _warc_skip_reason(item: WarcResponse, all_hebrew: bool) -> str | None:
    if item.problem is not None:
        return item.problem
    if item.status != 200:
        return f"HTTP status {item.status}"
    kind = item.content_type.split(";")[0].strip().lower()
    if kind and kind not in ("text/html", "application/xhtml+xml"):
        return f"not HTML ({kind})"
    address = web_address(item.url)
    if address is None:
        return "not a web address"
    if address.userinfo:
        return "an address with a user name or password"
    # a profiled host on another port is another server, as a crawl counts it (middlewares.off_site)
    if profile_for_url(item.url) is None or address.port != DEFAULT_PORTS[address.scheme]:
        if not all_hebrew:
            return "not a known news site (--all-hebrew takes any Hebrew page)"
        if not mostly_hebrew(item.body, charset_of(item.content_type)):
            return "not mostly Hebrew"
    return None


_NOT_TEXT = re.compile(r"(?is)<(script|style|noscript)\b.*?</\1\s*>|<[^>]*>")


#: the fewest Hebrew letters a mostly Hebrew page has, and how much of a page is read to count them
FEWEST_HEBREW_LETTERS = 100
_HEBREW_READ = 2_000_000


def mostly_hebrew(
    body: bytes, charset: str | None = None, *, share: float = 0.5, precheck: bool = True
) -> bool:
    """Whether a page's visible text is mostly Hebrew letters (and has at least FEWEST_HEBREW_LETTERS).
    A page whose bytes cannot hold that many letters is answered without decoding it (``precheck``; the
    answer is the same either way, only cheaper)."""
    body = body[:_HEBREW_READ]
    if precheck and not could_be_mostly_hebrew(body, charset, FEWEST_HEBREW_LETTERS):
        return False
    try:
        text = _NOT_TEXT.sub(" ", decode_html(body, charset))
    except NotAnArticle:
        return False
    hebrew, hebrew_share = hebrew_letters(text)
    return hebrew >= FEWEST_HEBREW_LETTERS and hebrew_share >= share


def html_files(paths: Iterable[Path]) -> list[Path]:
    """The .html files among ``paths``, folders searched recursively, in a stable order, each once (a file
    named beside its folder is read once)."""
    found: list[Path] = []
    for path in paths:
        if path.is_dir():
            found += sorted(p for p in path.rglob("*") if p.is_file() and p.suffix.lower() in HTML_SUFFIXES)
        else:
            found.append(path)
    return list(dict.fromkeys(found))


def page_from_file(path: Path, url: str | None = None) -> FetchedPage | Outcome:
    """A saved page as if fetched: the URL from ``url`` or its canonical link, the time from the file."""
    try:
        body = read_saved_page(path)
    except UnreadablePageFile as error:
        return Outcome(str(path), reason=str(error))
    if url is None:
        try:
            url = canonical_url(body)
        except NotAnArticle as error:
            return Outcome(str(path), reason=error.reason)
        if url is None:
            return Outcome(str(path), reason="no URL: the page has no canonical link (pass --url)")
    try:
        fetched = capture_time(datetime.fromtimestamp(path.stat().st_mtime, UTC))
    except (OSError, OverflowError, ValueError):  # gone meanwhile, or a time no calendar holds
        fetched = None
    return FetchedPage(url=url, body=body, fetched_at=fetched, headers={"x-imported-from": path.name})


#: the earliest capture time taken as true (the web is younger); a later one than now is no capture time
_EARLIEST_CAPTURE = datetime(1990, 1, 1, tzinfo=UTC)
_CLOCK_SLACK = timedelta(days=1)


def capture_time(moment: datetime | None) -> datetime | None:
    """When a page was captured (a WARC-Date, a file's time), or None when that cannot be when: before the
    web or after now (a WARC-Date of 9999-12-31 anchored every relative date of the page in year 9999,
    and the extraction failed). The page is still imported, as captured at an unknown time."""
    if moment is None or not _EARLIEST_CAPTURE <= moment <= datetime.now(UTC) + _CLOCK_SLACK:
        return None
    return moment
