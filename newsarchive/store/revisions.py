"""Revisions of changing articles: what counts as a real change, word-level diffs, and when to look again.

A later fetch of an article is a new version only when its content really changed: whitespace,
punctuation and a one-letter edit (a typo fixed) do not count; a rewritten headline, an added paragraph, a new
byline or caption do.
"""

from __future__ import annotations

import difflib
import json
import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from ..dates import format_utc, parse_utc

#: the fields whose change makes a new version (captions: the images' captions, joined)
CONTENT_FIELDS = ("headline", "subtitle", "body", "authors", "captions")
#: a change this small (in letters, over all fields, after whitespace and punctuation) is no new version
TRIVIAL_EDIT_LETTERS = 1

_NOT_WORD = re.compile(r"[^\w]+")


def content_of(record: dict[str, Any]) -> dict[str, str]:
    """The comparable content of an `articles`/`versions` row (authors and images as stored: JSON)."""
    authors = record.get("authors") or "[]"
    images = record.get("images") or "[]"
    if isinstance(authors, str):
        authors = json.loads(authors)
    if isinstance(images, str):
        images = json.loads(images)
    return {
        "headline": record.get("headline") or "",
        "subtitle": record.get("subtitle") or "",
        "body": record.get("body") or "",
        "authors": " ; ".join(authors),
        "captions": " ; ".join(i.get("caption") or "" for i in images),
    }


def _letters(text: str) -> str:
    return _NOT_WORD.sub(" ", text).strip().lower()


def _edit_size(old: str, new: str) -> int:
    """How many letters differ between two texts, measured around their common start and end: exact for a
    single edit, an upper bound otherwise (enough to tell one-letter edits from real ones)."""
    if old == new:
        return 0
    limit = min(len(old), len(new))
    start = 0
    while start < limit and old[start] == new[start]:
        start += 1
    end = 0
    while end < limit - start and old[-1 - end] == new[-1 - end]:
        end += 1
    return max(len(old) - start - end, len(new) - start - end)


def changed_fields(old: dict[str, str], new: dict[str, str]) -> list[str]:
    """The content fields that really changed; empty when the change is only whitespace, punctuation, or
    one letter in all (see :data:`TRIVIAL_EDIT_LETTERS`)."""
    sizes = {field: _edit_size(_letters(old[field]), _letters(new[field])) for field in CONTENT_FIELDS}
    if sum(sizes.values()) <= TRIVIAL_EDIT_LETTERS:
        return []
    return [field for field, size in sizes.items() if size]


@dataclass
class DiffPart:
    op: str  # "same", "added", "removed"
    text: str


def word_diff(old: str, new: str) -> list[DiffPart]:
    """A word-level diff: runs of words kept, removed and added, in reading order."""
    before, after = old.split(), new.split()
    parts: list[DiffPart] = []
    matcher = difflib.SequenceMatcher(a=before, b=after, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            parts.append(DiffPart("same", " ".join(before[i1:i2])))
            continue
        if i2 > i1:
            parts.append(DiffPart("removed", " ".join(before[i1:i2])))
        if j2 > j1:
            parts.append(DiffPart("added", " ".join(after[j1:j2])))
    return parts


#: (age of the article up to, look again every): often while news is fresh, rarely later, never after
REVISIT_SCHEDULE: tuple[tuple[timedelta, timedelta], ...] = (
    (timedelta(hours=3), timedelta(minutes=15)),
    (timedelta(days=1), timedelta(hours=1)),
    (timedelta(days=7), timedelta(hours=3)),
    (timedelta(days=30), timedelta(days=1)),
    (timedelta(days=90), timedelta(days=7)),
)


def revisit_interval(age: timedelta) -> timedelta | None:
    """How long to wait between fetches of an article this old; None once it is past looking at."""
    for up_to, every in REVISIT_SCHEDULE:
        if age < up_to:
            return every
    return None


def is_due(published: datetime, checked: datetime, now: datetime) -> bool:
    """Whether an article published at ``published`` and last fetched at ``checked`` should be fetched now."""
    every = revisit_interval(now - published)
    return every is not None and now - checked >= every


# -- queries -----------------------------------------------------------------------------------------------


@dataclass
class Version:
    version: int
    fetched_at: str | None
    headline: str
    subtitle: str
    body: str
    authors: list[str]
    extractor_version: str | None
    #: the content fields that changed from the version before (empty for the first)
    changed: list[str]

    def to_dict(self) -> dict[str, Any]:
        return self.__dict__ | {"words": len(self.body.split())}


def versions_of(conn: Any, url: str) -> list[Version]:
    """Every stored version of an article, oldest first, each with what changed from the one before."""
    rows = conn.execute(
        "SELECT v.version, v.fetched_at, v.headline, v.subtitle, v.body, v.authors, v.images,"
        " v.extractor_version FROM article_versions v JOIN articles a ON a.id = v.article_id"
        " WHERE a.url = ? ORDER BY v.version",
        (url,),
    ).fetchall()
    out: list[Version] = []
    previous: dict[str, str] | None = None
    for number, fetched, headline, subtitle, body, authors, images, extractor in rows:
        record = {
            "headline": headline,
            "subtitle": subtitle,
            "body": body,
            "authors": authors,
            "images": images,
        }
        content = content_of(record)
        changed = (
            []
            if previous is None
            else changed_fields(previous, content) or _any_difference(previous, content)
        )
        out.append(
            Version(
                number, fetched, headline or "", subtitle or "", body or "", json.loads(authors or "[]"),
                extractor, changed,
            )
        )  # fmt: skip
        previous = content
    return out


def _any_difference(old: dict[str, str], new: dict[str, str]) -> list[str]:
    return [field for field in CONTENT_FIELDS if old[field] != new[field]]


@dataclass
class HeadlineChange:
    url: str
    site: str
    version: int
    fetched_at: str | None
    before: str
    after: str


def headline_changes(
    conn: Any, since: str | None = None, sites: list[str] | None = None
) -> list[HeadlineChange]:
    """Versions whose headline differs from the version before, newest first (``since``: an ISO UTC time)."""
    where, params = ["v.headline IS NOT p.headline"], []
    if since:
        where.append("v.fetched_at >= ?")
        params.append(since)
    if sites:
        where.append(f"a.site IN ({', '.join('?' for _ in sites)})")
        params += sites
    rows = conn.execute(
        "SELECT a.url, a.site, v.version, v.fetched_at, p.headline, v.headline FROM article_versions v"
        " JOIN article_versions p ON p.article_id = v.article_id AND p.version = v.version - 1"
        f" JOIN articles a ON a.id = v.article_id WHERE {' AND '.join(where)} ORDER BY v.fetched_at DESC",
        params,
    ).fetchall()
    return [
        HeadlineChange(url, site, n, at, before or "", after or "")
        for url, site, n, at, before, after in rows
    ]


def due_for_revisit(conn: Any, sites: list[str], now: datetime, limit: int | None = None) -> list[str]:
    """The stored articles of these sites that the schedule says to fetch again now, most overdue first."""
    marks = ", ".join("?" for _ in sites)
    oldest = format_utc(now - REVISIT_SCHEDULE[-1][0])
    rows = conn.execute(
        "SELECT url, coalesce(published, fetched_at, stored_at), coalesce(checked_at, fetched_at, stored_at)"
        f" FROM articles WHERE site IN ({marks}) AND coalesce(published, fetched_at, stored_at) >= ?",
        [*sites, oldest],
    ).fetchall()
    due = []
    for url, published, checked in rows:
        born, seen = parse_utc(published), parse_utc(checked)
        if born is None or seen is None:
            continue
        if is_due(born, seen, now):
            due.append((now - seen, url))
    due.sort(reverse=True)
    return [url for _, url in due[:limit]]
