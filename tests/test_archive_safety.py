"""Data safety: readers beside a writer, a writer killed mid-batch, migrations, bad files."""

from __future__ import annotations

import io
import json
import multiprocessing
import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
import threading
import time
import warnings
from pathlib import Path

import pytest
import sqlite_utils

from newsarchive import Article
from newsarchive.article import Image
from newsarchive.fetched import FetchedPage
from newsarchive.store import Archive, StorageError
from newsarchive.store.batches import write_transaction
from newsarchive.store.hebrew import index_token_source
from newsarchive.store.schema import MIGRATIONS, SCHEMA_VERSION, index_tokens_of
from newsarchive.store.search_index import AUTOMERGE, HASHSIZE, rebuild_index


def make_article(n: int) -> Article:
    return Article(
        url=f"https://www.example.co.il/a/{n}",
        site="example",
        headline=f"כותרת מספר {n}",
        authors=["כתב בדיקה"],
        paragraphs=[f"פסקה ראשונה של כתבה {n} על הכנסת והממשלה.", "פסקה שנייה עם עוד מילים."],
    )


def _reader(path: str, stop_at: float, errors) -> None:
    archive = Archive(path, readonly=True)
    last = 0
    while time.time() < stop_at:
        try:
            count = archive.count()
            hits = archive.search("הכנסת", limit=5)
            if count < last or (count and not hits):
                errors.put(f"count went from {last} to {count}, {len(hits)} hits")
            exported = io.StringIO()
            lines = archive.export("jsonl", exported)  # an export reads one snapshot, whole lines only
            if lines < count or any(
                json.loads(line)["url"] is None for line in exported.getvalue().splitlines()
            ):
                errors.put(f"export gave {lines} articles when {count} were stored before it began")
            last = count
        except Exception as error:  # any error at all is a failure of the promise
            errors.put(repr(error))
    archive.close()


def test_readers_see_no_lock_errors_while_a_writer_writes(tmp_path: Path) -> None:
    path = tmp_path / "archive.db"
    writer = Archive(path)
    writer.store(make_article(0))
    errors = multiprocessing.Queue()
    stop_at = time.time() + 4
    readers = [multiprocessing.Process(target=_reader, args=(str(path), stop_at, errors)) for _ in range(2)]
    for reader in readers:
        reader.start()
    n = 1
    while time.time() < stop_at - 0.5:
        writer.store_many([make_article(i) for i in range(n, n + 50)], batch_size=50)
        n += 50
    for reader in readers:
        reader.join(timeout=30)
    assert all(r.exitcode == 0 for r in readers)
    problems = []
    while not errors.empty():
        problems.append(errors.get())
    assert problems == []
    assert writer.count() == n
    writer.close()


def make_article_at(path: str) -> Article:
    return Article(url=f"https://www.example.co.il/{path}", site="example", headline=f"כותרת {path}",
                   paragraphs=["פסקה על הכנסת והממשלה."])  # fmt: skip


def _writer(path: str, name: str, errors) -> None:
    archive = Archive(path)
    for batch in range(30):
        try:  # its own articles, and ones the other writer stores too (shared/...)
            archive.store_many(
                [make_article_at(f"{name}/{batch}/{i}") for i in range(20)]
                + [make_article_at(f"shared/{batch}/{i}") for i in range(10)]
            )
        except Exception as error:
            errors.put(f"{name}: {error!r}")
    archive.close()


def test_two_writers_store_everything_once(tmp_path: Path) -> None:
    path = tmp_path / "archive.db"
    Archive(path).close()
    errors = multiprocessing.Queue()
    writers = [
        multiprocessing.Process(target=_writer, args=(str(path), name, errors)) for name in ("one", "two")
    ]
    for writer in writers:
        writer.start()
    for writer in writers:
        writer.join(timeout=120)
    problems = []
    while not errors.empty():
        problems.append(errors.get())
    assert problems == []
    assert all(w.exitcode == 0 for w in writers)
    with Archive(path) as archive:
        urls = [row[0] for row in archive.db.execute("SELECT url FROM articles")]
        assert len(urls) == len(set(urls)) == 2 * 30 * 20 + 30 * 10
        assert archive.db.execute("SELECT count(*) FROM articles_fts").fetchone()[0] == len(urls)
        assert archive.db.execute("SELECT count(DISTINCT article_id) FROM versions").fetchone()[0] == 0
        assert len(archive.matching_urls("ממשלה")) == len(urls)


WRITER = textwrap.dedent(
    """
    import sys
    from newsarchive import Article
    from newsarchive.store import Archive
    archive = Archive(sys.argv[1])
    n = 0
    while True:
        batch = [Article(url=f"https://x.co.il/{n + i}", site="x", headline=f"כותרת {n + i}",
                         paragraphs=["טקסט של כתבה " * 40]) for i in range(25)]
        archive.store_many(batch, batch_size=25)
        n += 25
        print(n, flush=True)
    """
)


@pytest.mark.parametrize("kill_after_s", [0.3, 0.8, 1.5])
def test_a_writer_killed_mid_batch_loses_nothing_it_reported_stored(
    tmp_path: Path, kill_after_s: float
) -> None:
    path = tmp_path / "archive.db"
    process = subprocess.Popen([sys.executable, "-c", WRITER, str(path)], stdout=subprocess.PIPE, text=True)
    time.sleep(kill_after_s)
    os.kill(process.pid, signal.SIGKILL)
    reported = [int(line) for line in process.communicate()[0].split()]
    archive = Archive(path)
    assert archive.db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    count = archive.count()
    last_reported = reported[-1] if reported else 0
    assert count >= last_reported  # nothing reported stored is missing
    assert count % 25 == 0  # a batch is all or nothing
    urls = [r[0] for r in archive.db.execute("SELECT url FROM articles")]
    assert len(urls) == len(set(urls))
    assert archive.db.execute("SELECT count(*) FROM articles_fts").fetchone()[0] == count
    archive.close()


TWO_ARCHIVES_THEN_KILLED = textwrap.dedent(
    """
    import os, signal, subprocess, sys
    from newsarchive import Article
    from newsarchive.store import Archive

    def articles(start):
        return [Article(url=f"https://x.co.il/{n}", site="x", headline=f"כותרת {n}",
                        paragraphs=["טקסט של כתבה " * 40]) for n in range(start, start + 10)]

    path = sys.argv[1]
    first = Archive(path)
    first.store_many(articles(0))
    second = Archive(path, readonly=True)  # a crawl's spider beside its pipeline
    # another process opens the archive and closes it: the last one out deletes the write-ahead log,
    # unless it sees this process's locks on the file
    peek = f"from newsarchive.store import Archive; other = Archive({path!r}); other.count(); other.close()"
    subprocess.run([sys.executable, "-c", peek], check=True)
    first.store_many(articles(10))
    first.store_many(articles(20))
    print("stored 30", flush=True)
    os.kill(os.getpid(), signal.SIGKILL)
    """
)


def test_a_second_archive_opened_in_a_process_keeps_the_first_ones_locks(tmp_path: Path) -> None:
    """Opening the archive a second time in one process read its header through a file it then closed,
    and closing any descriptor of a file releases every POSIX lock the process holds on it, SQLite's
    included: another process closing its connection then deleted the write-ahead log, and the articles
    committed after that were lost when the process was killed (10 of 30 left)."""
    path = tmp_path / "archive.db"
    done = subprocess.run(
        [sys.executable, "-c", TWO_ARCHIVES_THEN_KILLED, str(path)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert "stored 30" in done.stdout, done.stderr
    with Archive(path, readonly=True) as archive:
        assert archive.count() == 30


def test_schema_version_and_migrations(tmp_path: Path) -> None:
    path = tmp_path / "archive.db"
    Archive(path).close()
    conn = sqlite3.connect(path)
    assert conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    fts_config = dict(conn.execute("SELECT k, v FROM articles_fts_config"))
    assert fts_config["automerge"] == AUTOMERGE and fts_config["hashsize"] == HASHSIZE
    conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 5}")
    conn.commit()
    conn.close()
    with pytest.raises(RuntimeError, match="newer than this newsarchive"):
        Archive(path)


def test_a_version_1_archive_is_migrated_with_its_articles_searchable_and_versioned(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "archive.db"
    db = sqlite_utils.Database(path)
    MIGRATIONS[0](db)  # the schema of version 1, with its index of words beside their stripped forms
    db.execute("PRAGMA user_version = 1")
    for n in range(30):
        article = make_article(n)
        row = {"id": n + 1, "url": article.url, "site": article.site, "headline": article.headline}
        db["articles"].insert(row | {"body": article.body, "authors": '["כתב"]', "images": "[]"})
        db.execute(
            "INSERT INTO articles_fts (rowid, headline, text) VALUES (?, ?, ?)",
            [n + 1, article.headline, "והממשלה ממשלהx"],
        )
    db.conn.commit()
    db.close()
    import newsarchive.store.schema as schema

    rebuilds = []
    monkeypatch.setattr(schema, "rebuild_index", lambda conn: rebuilds.append(rebuild_index(conn)))
    with pytest.warns(
        UserWarning, match="index of 30 articles again .the archive's schema goes from version 1"
    ):
        archive = Archive(path)
    with archive:
        assert rebuilds == [30]  # versions 2 and 4 both rebuild the index: it is built once
        assert archive.db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
        assert archive.db.execute("SELECT count(*) FROM articles_fts").fetchone()[0] == 30
        assert len(archive.search("ממשלה", limit=100)) == 30  # והממשלה, in every article
        assert [h.url for h in archive.search('"כתבה 7"')] == ["https://www.example.co.il/a/7"]
        versions = archive.db.execute(
            "SELECT count(*), min(version), max(version) FROM article_versions"
        ).fetchone()
        assert tuple(versions) == (30, 1, 1)
        assert archive.db.execute("SELECT count(*) FROM articles WHERE version = 1").fetchone()[0] == 30


def _store_with_older_tokens(archive: Archive) -> None:
    """An article indexed as an older lexicon indexed it: לאחר read as ל+אחר."""
    archive.store(Article(url="https://x.co.il/1", site="x", headline="כותרת", paragraphs=["לאחר הישיבה"]))
    archive.db.execute("UPDATE articles_fts SET text = 'אחרxל ישיבהxה' WHERE rowid = 1")


def test_a_version_3_archive_gets_its_index_rebuilt_with_the_new_lexicon(tmp_path: Path) -> None:
    # version 3 read לאחר as ל+אחר; its index tokens must not outlive the lexicon that made them
    path = tmp_path / "archive.db"
    with Archive(path) as archive:
        _store_with_older_tokens(archive)
        archive.db.execute("PRAGMA user_version = 3")
        archive.db.conn.commit()
    with pytest.warns(UserWarning, match="schema goes from version 3 to"):
        archive = Archive(path)
    with archive:
        assert archive.db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
        assert [h.url for h in archive.search("לאחר")] == ["https://x.co.il/1"]
        assert archive.search("אחר") == []


def _index_made_elsewhere(path: Path) -> None:
    """An archive whose index another lexicon made, as its archive_meta says."""
    with Archive(path) as archive:
        _store_with_older_tokens(archive)
        archive.db.execute("UPDATE archive_meta SET value = 'index tokens v1, rules 0, wordfreq 2.5'")
        archive.db.conn.commit()
        assert archive.search("לאחר") == []  # the exact form is not found through the other tokens


def test_an_index_made_by_other_rules_or_word_frequencies_is_built_again(tmp_path: Path) -> None:
    path = tmp_path / "archive.db"
    with Archive(path) as archive:
        assert index_tokens_of(archive.db.conn) == index_token_source()
    _index_made_elsewhere(path)
    with pytest.warns(UserWarning, match="wordfreq 2.5, this newsarchive makes them by index tokens"):
        archive = Archive(path)
    assert [h.url for h in archive.search("לאחר")] == ["https://x.co.il/1"]
    assert archive.search("אחר") == []
    assert index_tokens_of(archive.db.conn) == index_token_source()
    archive.close()
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # once built again, opening it is quiet
        Archive(path).close()
        Archive(path, readonly=True).close()


def test_a_reader_builds_an_outdated_index_again_when_it_may_write_and_says_so_when_it_may_not(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import newsarchive.store.archive as archive_module

    path = tmp_path / "archive.db"
    _index_made_elsewhere(path)
    monkeypatch.setattr(archive_module.os, "access", lambda *_: False)
    with pytest.warns(UserWarning, match="opened once with write access"):
        archive = Archive(path, readonly=True)
    assert archive.search("לאחר") == []  # as it is, until someone may write it
    archive.close()
    monkeypatch.undo()
    with pytest.warns(UserWarning, match="building the search index of 1 article again"):
        archive = Archive(path, readonly=True)
    assert [h.url for h in archive.search("לאחר")] == ["https://x.co.il/1"]
    archive.close()


def _index_rows(conn: sqlite3.Connection) -> list[tuple]:
    return conn.execute("SELECT rowid, headline, text FROM articles_fts ORDER BY rowid").fetchall()


def test_the_index_built_again_holds_what_storing_put_there(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import newsarchive.store.search_index as search_index

    monkeypatch.setattr(search_index, "REBUILD_BATCH", 7)  # several batches, prepared beside the writes
    with Archive(tmp_path / "archive.db") as archive:
        articles = [make_article(n) for n in range(30)]
        for n in (3, 6, 7, 29):  # captions in the first, last and across a batch's edge
            articles[n].images = [
                Image(src=f"https://x.co.il/{n}.jpg", caption=f"ראש הממשלה בכנסת {n}", credit="רויטרס"),
                Image(src=f"https://x.co.il/{n}b.jpg", caption=f"יושב הראש {n}"),
            ]
        archive.store_many(articles)
        stored = _index_rows(archive.db.conn)
        with write_transaction(archive.db.conn):
            assert rebuild_index(archive.db.conn) == 30
        assert _index_rows(archive.db.conn) == stored
        assert len(stored) == 30
        for n in (3, 6, 7, 29):  # each article's own captions, in their order
            assert stored[n][2].endswith(f"ראשx ממשלהxה כנסתxב {n} יושבx ראשxה {n}")
        assert "יושבx" not in stored[4][2]


def _old_archive(path: Path, articles: int) -> list[tuple]:
    """An archive of ``articles`` articles that says it is at schema version 3, so that the next opening
    upgrades it and builds its index again; returns its index as it is."""
    with Archive(path) as archive:
        archive.store_many([make_article(n) for n in range(articles)])
        archive.db.execute("PRAGMA user_version = 3")
        archive.db.conn.commit()
        return _index_rows(archive.db.conn)


def test_a_rebuild_that_fails_midway_leaves_the_old_index_whole(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import newsarchive.store.search_index as search_index

    path = tmp_path / "archive.db"
    before = _old_archive(path, 20)
    prepared = []

    def failing(*fields):
        if len(prepared) == 12:  # in the third batch of five, after the first was written
            raise MemoryError("no room to prepare")
        prepared.append(fields)
        return ("", "")

    monkeypatch.setattr(search_index, "REBUILD_BATCH", 5)
    monkeypatch.setattr(search_index, "index_columns", failing)
    with pytest.warns(UserWarning, match="building the search index"), pytest.raises(MemoryError):
        Archive(path)
    monkeypatch.undo()
    conn = sqlite3.connect(path)
    assert conn.execute("PRAGMA user_version").fetchone()[0] == 3
    assert _index_rows(conn) == before
    conn.close()


def test_of_two_openings_of_an_old_archive_one_upgrades_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from newsarchive.store import schema

    path = tmp_path / "archive.db"
    _old_archive(path, 3)
    upgraded_from = []
    upgrade = schema._upgrade
    monkeypatch.setattr(
        schema, "_upgrade", lambda db, *state: upgraded_from.append(state[0]) or upgrade(db, *state)
    )
    other = sqlite3.connect(path, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")  # another process is upgrading it
    opened: list[Archive] = []
    opening = threading.Thread(target=lambda: opened.append(Archive(path)))
    opening.start()
    time.sleep(0.5)  # this one has seen version 3, and waits for the write lock
    other.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
    other.execute("COMMIT")
    opening.join(timeout=30)
    assert upgraded_from == []  # it looked again once it held the lock
    assert [h.url for h in opened[0].search("הכנסת")]
    opened[0].close()
    other.close()


def test_raw_pages_round_trip_for_re_extraction(tmp_path: Path) -> None:
    archive = Archive(tmp_path / "archive.db")
    body = "<html><h1>כותרת</h1></html>".encode() * 100
    page = FetchedPage(url="https://x.co.il/1", body=body, status=200, headers={"Content-Type": "text/html"})
    archive.store(make_article(1), page)
    archive.store_page(FetchedPage(url="https://x.co.il/tag", body=b"<html></html>"), "listing page")
    stored = archive.raw_page("https://x.co.il/1")
    assert stored.body == body and stored.headers == {"Content-Type": "text/html"}
    size, compressed = archive.db.execute(
        "SELECT body_size, length(body) FROM pages WHERE url = ?", ("https://x.co.il/1",)
    ).fetchone()
    assert size == len(body) and compressed < size / 10
    assert (
        archive.db.execute("SELECT outcome FROM pages WHERE url = 'https://x.co.il/tag'").fetchone()[0]
        == "listing page"
    )


def test_stored_articles_read_back_field_for_field(tmp_path: Path) -> None:
    from newsarchive import extract_article

    from .conftest import FIXTURES

    archive = Archive(tmp_path / "archive.db")
    for gold_path in sorted(FIXTURES.rglob("*.json")):
        gold = json.loads(gold_path.read_text(encoding="utf-8"))
        if not gold["article"]:
            continue
        article = extract_article(gold_path.with_suffix(".html").read_bytes(), gold["url"])
        archive.store(article)
        assert archive.get(article.url).to_dict() == article.to_dict()


def test_read_only_archive_refuses_writes(tmp_path: Path) -> None:
    path = tmp_path / "archive.db"
    Archive(path).close()
    archive = Archive(path, readonly=True)
    with pytest.raises(StorageError, match="read-only"):
        archive.store(make_article(1))
    with pytest.raises(FileNotFoundError):
        Archive(tmp_path / "missing.db", readonly=True)


def _fill_limit(archive: Archive, spare_pages: int = 40) -> None:
    """As if the disk had only ``spare_pages`` pages left: SQLite fails with "database or disk is full"."""
    pages = archive.db.execute("PRAGMA page_count").fetchone()[0]
    archive.db.execute(f"PRAGMA max_page_count = {pages + spare_pages}")


def test_a_full_disk_is_a_clear_error_and_leaves_the_archive_intact(tmp_path: Path) -> None:
    path = tmp_path / "archive.db"
    with Archive(path) as archive:
        archive.store_many(make_article(n) for n in range(10))
        _fill_limit(archive)
        big = [
            Article(url=f"https://www.example.co.il/big/{n}", site="example", headline=f"כותרת {n}",
                    paragraphs=[f"מילה{n}{k} " * 400 for k in range(5)])
            for n in range(400)
        ]  # fmt: skip
        with pytest.raises(StorageError, match="full") as raised:
            archive.store_many(big, batch_size=50)
        stored_before_failure = raised.value.stored
    with Archive(path, readonly=True) as archive:
        assert archive.db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        count = archive.count()
        assert count == 10 + stored_before_failure  # whole batches, nothing half-written
        assert archive.db.execute("SELECT count(*) FROM articles_fts").fetchone()[0] == count
        assert len(archive.search("פסקה", limit=100)) == 10


def test_import_onto_a_full_disk_stops_with_a_clear_message(tmp_path: Path, monkeypatch) -> None:
    from click.testing import CliRunner

    import newsarchive.cli.imports as cli_archive
    from newsarchive.cli import main

    opened = cli_archive.open_archive

    def nearly_full(db_path, **options):
        archive = opened(db_path, **options)
        _fill_limit(archive, spare_pages=2)
        return archive

    monkeypatch.setattr(cli_archive, "open_archive", nearly_full)
    pages = tmp_path / "saved pages"
    pages.mkdir()
    fixture = (Path(__file__).parent / "fixtures" / "ynet" / "react_2021.html").read_bytes()
    for n in range(300):
        (pages / f"{n}.html").write_bytes(fixture.replace(b"B1x7Kq3Zp", f"page{n}".encode()))
    db = tmp_path / "a.db"
    Archive(db).close()
    result = CliRunner().invoke(main, ["import", "--db", str(db), str(pages)])
    assert result.exit_code == 1, result.output
    assert "import stopped" in result.output and "full" in result.output
    assert "Traceback" not in result.output
    with Archive(db, readonly=True) as archive:
        assert archive.db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
