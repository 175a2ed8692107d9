"""Attacks on the archive's library: a file that is no archive is refused before anything is written to it,
an export is written whole or not at all, a damaged raw page or row is said (the others are read), days that
dateparser would read as something else are refused, text no UTF-8 can hold is stored repaired, and a saved
page is read only from a regular file, in bounded memory."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from newsarchive.article import Article
from newsarchive.cli.serve import archive_problem
from newsarchive.dates import NotADate, parse_day
from newsarchive.fetched import FetchedPage
from newsarchive.reextract import reextract
from newsarchive.saved import MAX_FILE_BYTES, UnreadablePageFile, read_saved_page
from newsarchive.store import Archive, NotAnArchive, QueryError, parse_query
from newsarchive.store.records import DamagedArchive
from newsarchive.store.reports import export, iter_export
from newsarchive.text import clean

from .sitefarm import walla_article


@pytest.fixture
def archive_db(tmp_path: Path) -> Path:
    """Three walla articles, each with its raw page."""
    db = tmp_path / "a.db"
    with Archive(db) as archive:
        for n in (1, 2, 3):
            url = f"https://news.walla.co.il/break/{n}"
            page = FetchedPage(url, walla_article(n).encode(), fetched_at=datetime.now(UTC))
            archive.store(Article(url=url, site="walla", headline=f"כותרת {n}", paragraphs=["גוף"]), page)
    return db


@pytest.mark.parametrize("fmt", ["jsonl", "csv", "parquet"])
def test_an_export_is_written_whole_or_not_at_all(archive_db: Path, tmp_path: Path, fmt: str) -> None:
    """An export interrupted (Ctrl-C, a full disk) left a half-written file that looked complete, and an
    export given --force had already emptied the file it was replacing."""
    target = tmp_path / "out" / f"corpus.{fmt}"
    target.parent.mkdir()
    target.write_text("the export of yesterday")

    def interrupted() -> Iterator[Article]:
        with Archive(archive_db, readonly=True) as archive:
            yield from iter_export(archive)
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        export(interrupted(), fmt, target)
    assert target.read_text() == "the export of yesterday"
    assert sorted(p.name for p in target.parent.iterdir()) == [target.name]  # no partial file left
    with Archive(archive_db, readonly=True) as archive:
        assert export(iter_export(archive), fmt, target) == 3
    assert target.read_bytes() != b"the export of yesterday"
    assert sorted(p.name for p in target.parent.iterdir()) == [target.name]


def test_an_export_to_a_device_a_pipe_or_a_link_writes_through_it(archive_db: Path, tmp_path: Path) -> None:
    """As root, putting a finished file in place of /dev/null would replace the device; /dev/stdout is a link
    to /proc/self/fd/1, whose target is no path ("pipe:[1234]"); a link to a file keeps being a link."""
    with Archive(archive_db, readonly=True) as archive:
        assert export(iter_export(archive), "jsonl", Path("/dev/null")) == 3
        assert Path("/dev/null").is_char_device()
        read, write = os.pipe()  # as `newsarchive export -o /dev/stdout | ...` has
        received: list[bytes] = []
        reader = threading.Thread(target=lambda: received.append(os.fdopen(read, "rb").read()))
        reader.start()
        link = tmp_path / "stdout"
        link.symlink_to(f"/proc/self/fd/{write}")
        assert export(iter_export(archive), "jsonl", link) == 3
        os.close(write)
        reader.join(10)
        assert received[0].count(b"\n") == 3 and link.is_symlink()
        target = tmp_path / "target.jsonl"
        (tmp_path / "corpus.jsonl").symlink_to(target)
        assert export(iter_export(archive), "jsonl", tmp_path / "corpus.jsonl") == 3
        assert (tmp_path / "corpus.jsonl").is_symlink() and target.read_bytes().count(b"\n") == 3


def test_files_that_are_no_archive_are_refused_before_anything_is_written(tmp_path: Path) -> None:
    one_byte = tmp_path / "notes.txt"
    one_byte.write_text("x")
    other = tmp_path / "shop.db"
    with sqlite3.connect(other) as conn:
        conn.execute("CREATE TABLE customers (id INTEGER PRIMARY KEY, name TEXT)")
        conn.execute("PRAGMA user_version = 99")
    conn.close()
    empty = tmp_path / "empty.db"
    empty.write_bytes(b"")
    for path, readonly, message in (
        (one_byte, True, "is not an SQLite database"),
        (one_byte, False, "is not an SQLite database"),
        (other, True, "database of other tables (customers)"),
        (other, False, "database of other tables (customers)"),
        (empty, True, "holds no archive: it is an empty database"),
    ):
        before = path.read_bytes()
        with pytest.raises(NotAnArchive, match=message.replace("(", r"\(").replace(")", r"\)")):
            Archive(path, readonly=readonly)
        assert path.read_bytes() == before
    with Archive(empty) as archive:  # an empty file may become an archive when one is written
        assert archive.sites() == []


def test_a_damaged_raw_page_is_counted_and_the_others_are_read_again(archive_db: Path) -> None:
    """One raw page whose bytes do not inflate stopped re-extraction of all (zlib.error)."""
    with sqlite3.connect(archive_db) as conn:
        conn.execute("UPDATE pages SET body = x'00112233' WHERE url LIKE '%/1'")
        conn.execute("UPDATE pages SET headers = '[1, 2]' WHERE url LIKE '%/2'")
    conn.close()
    with Archive(archive_db) as archive:
        report = reextract(archive, every_page=True, dry_run=True)
    assert report.pages == 3 and report.unreadable == 2 and report.changed == 1
    assert [(page["url"][-1], page["reason"]) for page in report.unreadable_pages] == [
        ("1", "its bytes do not inflate (Error -3 while decompressing data: incorrect header check)"),
        ("2", "its headers are not a JSON object"),
    ]


def test_a_damaged_article_row_is_said_with_its_address(archive_db: Path) -> None:
    with sqlite3.connect(archive_db) as conn:
        conn.execute("UPDATE articles SET images = '{\"not\": \"a list\"' WHERE url LIKE '%/2'")
    conn.close()
    with Archive(archive_db, readonly=True) as archive, pytest.raises(DamagedArchive, match="/break/2"):
        list(iter_export(archive))


def test_days_that_dateparser_reads_as_something_else_are_refused_or_read_whole() -> None:
    """ "-5" and "5" were the 5th of this month; control characters gave "now"; "2024" was today's date in
    2024; an empty --since and --author were no filter at all."""
    for value in ("-5", "5", "+12", "\x01\x1b[31m", "", "2024-00"):
        with pytest.raises(NotADate, match="not a date"):
            parse_day(value)
    assert parse_day("2024").isoformat() == "2024-01-01T00:00:00+02:00"
    assert parse_day("2024", end_of_day=True).isoformat() == "2024-12-31T23:59:59+02:00"
    assert parse_day("2024-02", end_of_day=True).isoformat() == "2024-02-29T23:59:59+02:00"
    with pytest.raises(QueryError, match="is after until"):
        parse_query("ממשלה since:2024-05-01 until:2024-04-30")
    assert parse_query("ממשלה since:2024-05-01 until:2024-05-01").until is not None


def test_text_no_utf8_can_hold_is_stored_repaired(tmp_path: Path) -> None:
    """A lone surrogate (a page's JSON may escape one) stopped the batch it was in: no UTF-8 holds it."""
    assert clean("כותרת \ud800 שבורה") == "כותרת שבורה"
    with Archive(tmp_path / "a.db") as archive:
        url = "https://www.ynet.co.il/news/article/s2"
        broken = Article(
            url=url, site="ynet", headline="שבור \ud800", paragraphs=["\udfff גוף"], tags=["\ud83d"]
        )
        archive.store_many([broken, Article(url=url + "x", site="ynet", headline="שלם")])
        stored = {article.url: article for article in iter_export(archive)}
    assert stored[url].headline == "שבור \ufffd" and stored[url].body == "\ufffd גוף"
    assert stored[url].tags == ["\ufffd"] and stored[url + "x"].headline == "שלם"
    with Archive(tmp_path / "a.db") as archive:
        # an address holding one is looked up as it was stored (the lookup raised UnicodeEncodeError)
        lone = url + "/\udcff"
        archive.store(Article(url=lone, site="ynet", headline="כתובת שבורה"))
        assert archive.get(lone).headline == "כתובת שבורה" and archive.has_article(lone)


def test_a_saved_page_is_read_from_a_regular_file_only_and_in_bounded_memory(tmp_path: Path) -> None:
    """`import /dev/zero` read until memory ran out; a pipe named page.html waited for a writer forever."""
    started = time.perf_counter()
    for path, reason in (
        (Path("/dev/zero"), "not a regular file"),
        (tmp_path, "a folder"),
        (tmp_path / "missing.html", "no such file"),
    ):
        with pytest.raises(UnreadablePageFile, match=reason):
            read_saved_page(path)
    pipe = tmp_path / "page.html"
    os.mkfifo(pipe)
    with pytest.raises(UnreadablePageFile, match="not a regular file"):
        read_saved_page(pipe)
    assert time.perf_counter() - started < 1
    big = tmp_path / "big.html"
    with big.open("wb") as file:
        file.truncate(MAX_FILE_BYTES + 1000)  # sparse: no time to write
    assert len(read_saved_page(big)) == MAX_FILE_BYTES


def test_an_archive_whose_name_holds_uri_characters_is_the_one_read(archive_db: Path, tmp_path: Path) -> None:
    """ "file:{path}?mode=ro" took a "?" or "#" in the name for the URI's query, and "%41" for "A": SQLite
    read (and created) another file."""
    folder = tmp_path / "names"
    folder.mkdir()
    for name in ("a?b.db", "c#d.db", "e%41.db"):
        (folder / name).write_bytes(archive_db.read_bytes())
        with Archive(folder / name, readonly=True) as archive:
            assert archive.sites() == ["walla"]
    made = {p.name.removesuffix("-shm").removesuffix("-wal") for p in folder.iterdir()}
    assert made == {"a?b.db", "c#d.db", "e%41.db"}  # and no "a" or "c" beside them


@pytest.fixture
def read_only_folder(tmp_path: Path) -> Iterator[Path]:
    """A folder that cannot be written: by its permissions, or for root (whom they do not stop) by a
    read-only bind mount; skipped where neither can be had."""
    source, folder = tmp_path / "source", tmp_path / "read-only"
    source.mkdir()
    folder.mkdir()
    if os.geteuid() != 0:
        yield source
        source.chmod(0o755)
        return
    mounted = subprocess.run(["mount", "--bind", str(source), str(folder)], capture_output=True, check=False)
    if mounted.returncode != 0:
        pytest.skip("no read-only folder here: running as root, and mount is not allowed")
    try:
        remounted = subprocess.run(
            ["mount", "-o", "remount,bind,ro", str(folder)], capture_output=True, check=False
        )
        if remounted.returncode != 0:
            pytest.skip("no read-only folder here: running as root, and mount is not allowed")
        yield folder
    finally:
        if subprocess.run(["umount", str(folder)], capture_output=True, check=False).returncode:
            subprocess.run(["umount", "--lazy", str(folder)], check=False)  # never leave it mounted


def test_an_archive_on_read_only_media_can_be_read(archive_db: Path, read_only_folder: Path) -> None:
    """A WAL archive needs its -shm file written beside it even to be read: on a read-only disk or mount
    every command said "unable to open database file"."""
    source = read_only_folder if os.geteuid() != 0 else read_only_folder.parent / "source"
    (source / "a.db").write_bytes(archive_db.read_bytes())
    if os.geteuid() != 0:
        read_only_folder.chmod(0o555)
    path = read_only_folder / "a.db"
    with Archive(path, readonly=True) as archive:
        assert archive.sites() == ["walla"] and len(archive.search("גוף")) == 3
        assert len(list(iter_export(archive))) == 3
    assert archive_problem(path) is None  # what serve checks first
    with pytest.raises(sqlite3.OperationalError):
        Archive(path)
    assert sorted(p.name for p in read_only_folder.iterdir()) == ["a.db"]


def test_reextraction_picks_a_rejected_page_by_the_site_its_address_gives(tmp_path: Path) -> None:
    """The store tells a rejected page's site by the function its caller gives (the site profiles'
    site_key_for_url), and refuses a site filter without one rather than leave those pages out."""
    with Archive(tmp_path / "a.db") as archive:
        archive.store(Article(url="https://news.walla.co.il/item/1", site="walla", headline="כותרת"))
        for url in ("https://www.ynet.co.il/tag/a", "https://news.walla.co.il/tag/b"):
            archive.store_page(FetchedPage(url, b"<html></html>"), "section or tag page")
        rejected = archive.reextractable_pages()
        assert len(rejected) == 2  # the article has no raw page: the two rejected ones
        chosen = archive.reextractable_pages(sites=["walla"], site_of=lambda url: url.split(".")[1])
        assert chosen == rejected[1:]
        with pytest.raises(TypeError, match="site_of"):
            archive.reextractable_pages(sites=["walla"])
    with Archive(tmp_path / "a.db", readonly=True) as archive:
        # the site profiles say which site
        report = reextract(archive, sites=["walla"], every_page=True, dry_run=True)
    assert report.pages == 1 and report.still_rejected == 1
