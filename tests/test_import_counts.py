"""An import's counts are what the archive wrote: decided under its write lock, per article, so two imports
of the same capture at once store each article once and their reports add up to the articles there are."""

from __future__ import annotations

import json
import sqlite3
import subprocess
from pathlib import Path

from newsarchive.fetched import FetchedPage
from newsarchive.ingest import ALREADY_STORED, SUPERSEDED, UNCHANGED, ingest, warc_pages
from newsarchive.store import Archive

from .hostile_warcs import article_record, article_url, http_response, member, newsarchive, warc_record
from .sitefarm import walla_article

ARTICLES = 400


def counts(db: Path) -> dict[str, int]:
    with sqlite3.connect(db) as conn:
        return {
            "articles": conn.execute("SELECT count(*) FROM articles").fetchone()[0],
            "distinct": conn.execute("SELECT count(DISTINCT url) FROM articles").fetchone()[0],
            "versions": conn.execute("SELECT count(*) FROM versions").fetchone()[0],
            "article pages": conn.execute(
                "SELECT count(*) FROM pages WHERE article_id IS NOT NULL"
            ).fetchone()[0],
        }


def test_two_imports_of_one_warc_at_once_store_each_article_once_and_say_so(tmp_path: Path) -> None:
    warc = tmp_path / "news.warc.gz"
    warc.write_bytes(b"".join(member(article_record(n)) for n in range(1000, 1000 + ARTICLES)))
    db = tmp_path / "a.db"
    Archive(db).close()  # the archive exists before both start, as when two cron jobs meet
    command = newsarchive("import", "--db", db, "--format", "json", warc)
    runs = [
        subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for _ in range(2)
    ]
    reports = []
    for run in runs:
        out, err = run.communicate(timeout=300)
        assert run.returncode == 0, err
        reports.append(json.loads(out))
    stored = [r["stored"].get("walla", 0) for r in reports]
    known = [r["skipped"].get(ALREADY_STORED.split(" (")[0], 0) for r in reports]
    assert sum(stored) == ARTICLES, reports
    assert sum(known) == ARTICLES and [s + k for s, k in zip(stored, known, strict=True)] == [ARTICLES] * 2
    assert counts(db) == {
        "articles": ARTICLES,
        "distinct": ARTICLES,
        "versions": 0,
        "article pages": ARTICLES,
    }


def test_one_import_counts_what_it_stored_not_what_it_read(tmp_path: Path) -> None:
    twin = warc_record(
        article_url(3).replace("https://", "http://"), http_response(walla_article(3).encode())
    )
    records = [article_record(1), article_record(2), article_record(1), twin, article_record(3)]
    warc = tmp_path / "copies.warc.gz"
    warc.write_bytes(b"".join(member(r) for r in records))
    db = tmp_path / "a.db"
    with Archive(db) as archive:
        report = ingest(archive, warc_pages(warc), replace_known=False)
    assert report.total_stored == 3  # the second copies of 1 and 3 (at http://, the same article) are known
    assert report.skipped == {ALREADY_STORED.split(" (")[0]: 2}
    assert counts(db)["articles"] == 3

    with Archive(db) as archive:  # --force: the same pages again are unchanged, not stored
        report = ingest(archive, warc_pages(warc), replace_known=True)
        assert report.total_stored == 0 and report.skipped == {UNCHANGED: 3, SUPERSEDED: 2}
    assert counts(db) == {"articles": 3, "distinct": 3, "versions": 0, "article pages": 3}


def test_store_many_says_what_it_did_with_each_article(tmp_path: Path) -> None:
    from newsarchive.extract import extract_article

    def article(n: int, headline: str | None = None):
        html = walla_article(n)
        if headline:
            html = html.replace(f"מבזק מספר {n} על אירוע חשוב", headline)
        return extract_article(html, article_url(n))

    with Archive(tmp_path / "a.db") as archive:
        first = archive.store_many([article(1), article(2)])
        assert [w.kind for w in first] == ["new", "new"]
        again = archive.store_many([article(1), article(2, "כותרת אחרת לגמרי מזו"), article(3)])
        assert [w.kind for w in again] == ["unchanged", "changed", "new"]
        assert [w.id for w in again[:2]] == [w.id for w in first]
        only_new = archive.store_many(
            [(article(3), FetchedPage(article_url(3), b"")), article(4), article(4)], only_new=True
        )
        assert [w.kind for w in only_new] == ["known", "new", "known"]
        assert archive.write_counts == {"new": 4, "unchanged": 1, "changed": 1, "known": 1}
