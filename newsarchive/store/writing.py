"""The write path of the archive: articles prepared for storing (their rows and search-index text, made
beside the writes), then each batch written in one transaction, deciding under the write lock what happens
to each article (new, a new version, rewritten in place, unchanged, or left alone)."""

from __future__ import annotations

import sqlite3
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from ..article import Article
from ..dates import format_utc
from ..fetched import FetchedPage
from .batches import insert_rows, select_in, write_transaction
from .pages import write_page
from .records import article_record, other_scheme, rows_as_dicts, scheme_blind, without_surrogates
from .revisions import changed_fields, content_of
from .schema import VERSION_COLUMNS
from .search_index import FTS_TABLE, index_columns


@dataclass
class Prepared:
    """An article ready to be written: its row and its search-index text."""

    article: Article
    page: FetchedPage | None
    record: dict[str, Any]
    headline: str
    text: str


@dataclass(frozen=True)
class Written:
    """What storing one article did. ``kind``: "new" (a new article), "changed" (a new version of a stored
    one, which joins its history), "replaced" (rewritten in place: re-extraction), "unchanged" (the stored
    version says the same: only its check time moved), "known" (already stored, and left alone as asked),
    "superseded" (a later copy of the same URL in the same call was written instead). ``id`` is the
    article's."""

    id: int
    kind: str

    @property
    def stored(self) -> bool:
        """Whether this call wrote the article (a new one or a new version of it)."""
        return self.kind in ("new", "changed", "replaced")


@dataclass
class _Plan:
    """What a batch does to each URL it writes: its id, its kind (see :class:`Written`), and the items to
    insert, to rewrite and to mark checked."""

    ids: dict[str, int] = field(default_factory=dict)
    kinds: dict[str, str] = field(default_factory=dict)
    new: list[Prepared] = field(default_factory=list)
    changed: list[Prepared] = field(default_factory=list)
    unchanged: list[Prepared] = field(default_factory=list)


def prepare(batch: list[tuple[Article, FetchedPage | None]]) -> list[Prepared]:
    prepared = []
    for article, page in batch:
        try:
            record = article_record(article)
        except UnicodeEncodeError:  # a lone surrogate ("\\ud800" in a page's JSON) is no UTF-8 text
            article = without_surrogates(article)
            record = article_record(article)
        record["fetched_at"] = format_utc(page.fetched_at) if page and page.fetched_at else None
        record["stored_at"] = None
        record["version"] = 1
        record["checked_at"] = record["fetched_at"]
        captions = [i.caption for i in article.images if i.caption]
        headline, text = index_columns(article.headline, article.subtitle, article.body, captions)
        prepared.append(Prepared(article, page, record, headline, text))
    return prepared


def write_prepared(
    conn: sqlite3.Connection,
    prepared: list[Prepared],
    counts: Counter[str],
    *,
    replace: bool = False,
    only_new: bool = False,
) -> list[Written]:
    """Write a batch in one transaction. A URL already stored gets a new version only when its content
    really changed (revisions.changed_fields); otherwise only its check time moves. With ``replace``
    (re-extraction of the same fetch) the current version is rewritten in place instead; with
    ``only_new`` it is left as it is. What happened to each item is decided here, under the write lock,
    so it is what the archive holds (two processes storing the same article: one "new", one "known").
    ``counts`` gets the kinds once the batch is committed."""
    stored_at = format_utc(datetime.now(UTC))
    latest = _latest(prepared, only_new)
    # The write lock before reading which URLs are stored and the last id: a second process writing the
    # same archive would otherwise take the same ids, or store a URL the other just stored.
    with write_transaction(conn):
        plan = _plan(conn, latest, stored_at, replace=replace, only_new=only_new)
        _write_rows(conn, plan, columns=list(prepared[0].record), replace=replace)
        _write_parts(conn, plan.new + plan.changed, plan.ids)
        if not replace:  # a re-extraction reads the same page again: it keeps its page
            page_ids = [
                (write_page(conn, i.page, plan.ids[i.article.url], "article"), plan.ids[i.article.url])
                for i in plan.new + plan.changed
                if i.page is not None
            ]
            conn.executemany("UPDATE articles SET page_id = ? WHERE id = ?", page_ids)
    counts.update(plan.kinds.values())  # committed: what an interrupted caller can report
    return [_written(item, latest, plan, only_new) for item in prepared]


def _latest(prepared: list[Prepared], only_new: bool) -> dict[str, Prepared]:
    """The copy of each URL that is written."""
    if only_new:  # the first copy of a URL (either scheme) is taken, later ones are "known"
        chosen: dict[str, Prepared] = {}
        for p in prepared:
            chosen.setdefault(scheme_blind(p.article.url), p)
        return {p.article.url: p for p in chosen.values()}
    return {p.article.url: p for p in prepared}  # the same URL twice in a batch: the last one wins


def _plan(
    conn: sqlite3.Connection,
    latest: dict[str, Prepared],
    stored_at: str | None,
    *,
    replace: bool,
    only_new: bool,
) -> _Plan:
    """Decide, against what is stored, what happens to each URL (see :class:`Written`)."""
    lookup = list(latest)
    if only_new:
        lookup += [other_scheme(url) for url in latest if other_scheme(url) != url]
    existing = _existing(conn, lookup)
    next_id = conn.execute("SELECT coalesce(max(id), 0) FROM articles").fetchone()[0]
    plan = _Plan()
    for url, item in latest.items():
        item.record["stored_at"] = stored_at
        twin = existing.get(url) or (existing.get(other_scheme(url)) if only_new else None)
        if twin is None:
            next_id += 1
            plan.ids[url] = next_id
            plan.kinds[url] = "new"
            plan.new.append(item)
            continue
        plan.ids[url] = twin["id"]
        item.record["version"] = twin["version"] or 1
        plan.kinds[url] = kind = _kind(item, twin, replace=replace, only_new=only_new)
        if kind in ("replaced", "changed"):
            plan.changed.append(item)
        elif kind == "unchanged":
            plan.unchanged.append(item)
    return plan


def _kind(item: Prepared, twin: dict[str, Any], *, replace: bool, only_new: bool) -> str:
    """What storing ``item`` does to its stored ``twin`` (and the record's version and check time)."""
    if only_new:
        return "known"
    if replace and twin["fetched_at"] != item.record["fetched_at"]:
        # fetched again since the page re-extracted was read (a --revisit while reextract ran): the new
        # version stays as it is, never rewritten with a reading of the older page
        return "superseded"
    if replace:
        item.record["checked_at"] = twin["checked_at"]
        return "replaced"
    if changed_fields(content_of(twin), content_of(item.record)):
        item.record["version"] += 1
        return "changed"
    return "unchanged"


def _write_rows(conn: sqlite3.Connection, plan: _Plan, *, columns: list[str], replace: bool) -> None:
    """The `articles` rows: check times moved, new versions written over the old (which join the
    history, unless rewritten in place), new articles inserted."""
    ids = plan.ids
    if plan.unchanged:
        conn.executemany(
            "UPDATE articles SET checked_at = ? WHERE id = ?",
            [(i.record["checked_at"], ids[i.article.url]) for i in plan.unchanged],
        )
    if plan.changed and not replace:  # the version it replaces joins the article's history
        conn.executemany(
            f"INSERT INTO versions (article_id, version, page_id, {', '.join(VERSION_COLUMNS)})"
            f" SELECT id, coalesce(version, 1), page_id, {', '.join(VERSION_COLUMNS)}"
            " FROM articles WHERE id = ?",
            [(ids[item.article.url],) for item in plan.changed],
        )
    if plan.changed:
        stale = [(ids[item.article.url],) for item in plan.changed]
        conn.executemany("DELETE FROM authors WHERE article_id = ?", stale)
        conn.executemany("DELETE FROM images WHERE article_id = ?", stale)
        conn.executemany(f"DELETE FROM {FTS_TABLE} WHERE rowid = ?", stale)
        conn.executemany(
            f"UPDATE articles SET {', '.join(f'{c} = ?' for c in columns)} WHERE id = ?",
            [[*item.record.values(), ids[item.article.url]] for item in plan.changed],
        )
    if plan.new:
        insert_rows(
            conn,
            "articles",
            ["id", *columns],
            [[ids[item.article.url], *item.record.values()] for item in plan.new],
        )


def _write_parts(conn: sqlite3.Connection, written: list[Prepared], ids: dict[str, int]) -> None:
    """The authors, pictures and search-index rows of the articles written."""
    insert_rows(
        conn,
        "authors",
        ["article_id", "position", "name"],
        [[ids[i.article.url], n, name] for i in written for n, name in enumerate(i.article.authors)],
    )
    insert_rows(
        conn,
        "images",
        ["article_id", "position", "src", "caption", "credit"],
        [
            [ids[i.article.url], n, im.src, im.caption, im.credit]
            for i in written
            for n, im in enumerate(i.article.images)
        ],
    )
    insert_rows(
        conn,
        FTS_TABLE,
        ["rowid", "headline", "text"],
        [[ids[i.article.url], i.headline, i.text] for i in written],
    )


def _existing(conn: sqlite3.Connection, urls: list[str]) -> dict[str, dict[str, Any]]:
    """The stored rows of these URLs, with what a change is judged on."""
    found: dict[str, dict[str, Any]] = {}
    for cursor in select_in(
        conn,
        "SELECT url, id, version, checked_at, fetched_at, headline, subtitle, body, authors, images"
        " FROM articles WHERE url IN ({})",
        urls,
    ):
        found.update((row["url"], row) for row in rows_as_dicts(cursor))
    return found


def _written(item: Prepared, latest: dict[str, Prepared], plan: _Plan, only_new: bool) -> Written:
    url = item.article.url
    if latest.get(url) is item:
        return Written(plan.ids[url], plan.kinds[url])
    # a copy that was not taken: the copy of its URL that was (with only_new, maybe under the other scheme)
    taken = url if url in latest else other_scheme(url)
    return Written(plan.ids[taken], "known" if only_new else "superseded")
