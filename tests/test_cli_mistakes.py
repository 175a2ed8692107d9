"""Every command fails loudly and cleanly: a mistake is one line on stderr, a non-zero exit (1: the work
failed; 2: the command was used wrongly), never a traceback; a run that did nothing says so."""

from __future__ import annotations

import gzip
import sqlite3
from pathlib import Path

import pytest

from newsarchive.article import Article
from newsarchive.store import Archive

from .conftest import run_newsarchive


def test_the_config_files_archive_serves_every_command(tmp_path: Path) -> None:
    """The config file's `db` applied to `crawl` only; every other command read data/archive.db."""
    with Archive(tmp_path / "research.db") as archive:
        url = "https://www.ynet.co.il/news/article/a1"
        archive.store(Article(url=url, site="ynet", headline="ממשלה", paragraphs=["הממשלה הושבעה היום."]))
    (tmp_path / "newsarchive.toml").write_text('db = "research.db"\n')
    result = run_newsarchive("search", "ממשלה", "--format", "json", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "news/article/a1" in result.stdout
    stats = run_newsarchive("stats", "--format", "json", cwd=tmp_path)
    assert stats.returncode == 0 and '"total": 1' in stats.stdout
    assert not (tmp_path / "data").exists()
    # --db and $NEWSARCHIVE_DB still come first
    other = run_newsarchive("stats", "--format", "json", cwd=tmp_path, env={"NEWSARCHIVE_DB": "missing.db"})
    assert other.returncode == 2 and "missing.db" in other.stderr


@pytest.fixture(scope="module")
def place(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder with an archive, a file that is no archive, junk and truncated web archives, a page."""
    folder = tmp_path_factory.mktemp("mistakes")
    with Archive(folder / "a.db") as archive:
        url = "https://www.ynet.co.il/news/article/a1"
        archive.store(Article(url=url, site="ynet", headline="ממשלה", paragraphs=["הממשלה הושבעה היום."]))
    (folder / "junk.db").write_text("not an archive at all\n" * 20)
    (folder / "junk.warc.gz").write_bytes(gzip.compress(b"\x00\x01 junk that is no WARC record " * 50))
    (folder / "text.warc").write_text("just some text, not a WARC file\n" * 10)
    record = b"WARC/1.1\r\nWARC-Type: response\r\nContent-Length: 5000\r\n\r\nHTTP/1.1 200 OK\r\n\r\n<html>"
    (folder / "cut.warc").write_bytes(record)
    (folder / "page.html").write_text("<html><body><h1>כותרת</h1><p>טקסט</p></body></html>")
    (folder / "a-file").write_text("x")
    with sqlite3.connect(folder / "other-program.db") as other:  # a database of another program
        other.execute("CREATE TABLE customers (id INTEGER PRIMARY KEY, name TEXT)")
        other.execute("PRAGMA user_version = 3")
    other.close()
    (folder / "a?b.db").write_bytes((folder / "a.db").read_bytes())
    (folder / "empty-folder").mkdir()
    (folder / "bad-gold").mkdir()
    (folder / "bad-gold" / "cases.json").write_text("{not json")
    (folder / "gold-without-page").mkdir()
    (folder / "gold-without-page" / "cases.json").write_text(
        '[{"file": "gone.html", "url": "https://x.co.il/1"}]'
    )
    return folder


#: (arguments, exit status): each a mistake someone makes; {dir} is the folder of `place`
MISTAKES: list[tuple[list[str], int]] = [
    # dates that are not dates, or out of the calendar
    (["search", "ממשלה", "--since", "yesterdayy"], 2),
    (["search", "ממשלה since:1000000d"], 2),
    (["stats", "--since", "1000000d"], 2),
    (["export", "--until", "2024-13-45"], 2),
    (["changes", "--since", "soon"], 2),
    (["reextract", "--dry-run", "--since", "1000000d"], 2),
    (["crawl", "ynet", "--since", "1000000d"], 2),
    (["crawl", "ynet", "--until", "not a day"], 2),
    # missing archives, and files that are no archive
    (["search", "ממשלה", "--db", "{dir}/missing.db"], 2),
    (["stats", "--db", "{dir}/missing.db"], 2),
    (["export", "--db", "{dir}/missing.db"], 2),
    (["history", "https://www.ynet.co.il/x", "--db", "{dir}/missing.db"], 2),
    (["changes", "--db", "{dir}/missing.db"], 2),
    (["serve", "--db", "{dir}/missing.db"], 2),
    (["search", "ממשלה", "--db", "{dir}/junk.db"], 1),
    (["stats", "--db", "{dir}/junk.db"], 1),
    (["export", "--db", "{dir}/junk.db"], 1),
    (["changes", "--db", "{dir}/junk.db"], 1),
    (["reextract", "--db", "{dir}/junk.db"], 1),
    (["reextract", "--db", "{dir}/missing.db"], 2),  # it created an empty archive there
    (["reextract", "--since", "soon", "--site", "nosuch"], 2),  # the mistake, not a warning before it
    (["import", "{dir}/page.html", "--db", "{dir}/junk.db"], 1),
    (["serve", "--db", "{dir}/junk.db"], 1),
    (["crawl", "ynet", "--db", "{dir}/junk.db"], 1),
    # missing files and folders, bad output paths and formats
    (["extract", "{dir}/missing.html"], 2),
    (["import", "{dir}/missing.html"], 2),
    (["eval", "{dir}/missing-folder"], 2),
    (["export", "-o", "{dir}/no/such/folder/out.jsonl"], 2),
    (["export", "--format", "xml"], 2),
    (["export", "-o", "{dir}/a-file"], 2),  # exists: --force needed
    (["stats", "--plot", "{dir}/out.txt"], 2),
    (["stats", "--plot", "{dir}/no/such/folder/p.png"], 2),
    (["search", "ממשלה", "--format", "yaml"], 2),
    (["sites", "--format", "xml"], 2),
    # junk and truncated web archives
    (["import", "{dir}/junk.warc.gz"], 1),
    (["import", "{dir}/text.warc"], 1),
    (["import", "{dir}/cut.warc"], 1),
    (["crawl", "--all", "--replay", "{dir}/junk.warc.gz"], 2),  # a warning line, then the error
    (["crawl", "--all", "--replay", "{dir}/text.warc"], 2),
    # malformed queries
    (["search", '"בית ספר'], 2),
    (["search", "OR"], 2),
    (["search", "nosuchfield:x"], 2),
    (["search", ""], 2),
    (["search", "-קורונה"], 2),  # only words to exclude
    (["search", "ממשלה", "--bogus"], 2),
    (["search", "ממשלה", "--limit", "0"], 2),
    (["search", "ממשלה", "--offset", "99999999999999999999"], 2),  # past SQLite's integers
    # unknown sites, commands and options
    (["crawl", "nosuchsite"], 2),
    (["crawl", "--all", "ynet"], 2),
    (["crawl", "--url", "not a url"], 2),
    (["crawl", "--url", "https://\u202eexample.co.il/"], 2),  # failed inside the crawl: UnicodeEncodeError
    (["crawl", "--url", "https://news..example.co.il/"], 2),
    (["check-sites", "nosuchsite"], 2),
    (["nosuchcommand"], 2),
    ([], 2),  # the whole help, flattened into one line of 1,500 characters
    (["search", "ממשלה", "--since"], 2),  # "not a date: '--'"
    (["export", "-o"], 2),  # said as "newsarchive: ...", naming no command
    (["history"], 2),
    (["history", ""], 2),  # "no article at  in the archive", exit 1
    (["history", " \t"], 2),
    (["extract", "{dir}/page.html", "--url", "https://]x"], 3),
    # values that looked like markup, were too long, or empty; paths that are folders or devices
    (["search", "ממשלה", "--db", "{dir}/[/x].db"], 2),
    (["extract", "{dir}/[/x].html"], 2),
    (["search", "ממשלה", "--db", "x" * 5000], 2),
    (["extract", "x" * 5000], 2),
    (["stats", "--db", ""], 2),
    (["stats", "--db", "{dir}/empty-folder/"], 2),
    (["export", "-o", "{dir}/empty-folder", "--force"], 2),
    (["export", "-o", "/dev/full", "--force"], 1),
    (["extract", "http://[::1"], 2),
    (["extract", "http://exa mple.co.il/x"], 2),  # 'internal error: InvalidURL'
    (["serve", "--host", ""], 2),
    (["serve", "--host", "\u202e127.0.0.1", "--port", "0"], 1),  # 'internal error: TypeError'
    (["serve", "--db", "{dir}/a?b.db"], 2),  # Datasette would open another file
    # dates and filters that were quietly taken for something else, or for nothing
    (["stats", "--since", "-5"], 2),
    (["stats", "--since", ""], 2),
    (["search", "ממשלה", "--author", ""], 2),
    # empty values (a shell variable not set: --db "$DB"): the current folder, no limit, a setting named ""
    (["search", "ממשלה", "--site", ""], 2),
    (["export", "--site", " "], 2),
    (["stats", "--plot", ""], 2),
    (["crawl", "ynet", "--since", ""], 2),  # it crawled without a limit
    (["crawl", "ynet", "--warc", ""], 2),  # it wrote WARC files into the current folder
    (["crawl", "ynet", "--log-file", ""], 2),  # 'newsarchive: Is a directory', exit 1
    (["crawl", "ynet", "--set", "=x"], 2),
    (["check-sites", "ynet", "--keep", ""], 2),  # '. exists'
    (["export", "--since", "2024-05-01", "--until", "2020-01-01"], 2),
    (["search", "ממשלה since:2024-05-01 until:2020-01-01"], 2),
    # files that are no archive are refused, and left as they are
    (["stats", "--db", "{dir}/a-file"], 1),
    (["search", "ממשלה", "--db", "{dir}/other-program.db"], 1),
    (["import", "{dir}/page.html", "--db", "{dir}/other-program.db"], 1),
    # nothing to do, gold that cannot be scored, an address that is none
    (["import", "{dir}/empty-folder"], 2),
    (["import", "{dir}/page.html", "--url", "not a url"], 2),
    (["import", "{dir}/page.html", "--url", "https://x.co.il:99999/a"], 2),  # it was stored so
    (["eval", "{dir}/empty-folder"], 2),
    (["eval", "{dir}/bad-gold"], 2),
    (["eval", "{dir}/gold-without-page"], 2),
    # a number that is none passed every bound ('internal error: ValueError' for the threshold)
    (["dedup", "--threshold", "nan"], 2),
    (["similar", "https://www.ynet.co.il/a/1", "--days", "nan"], 2),
]


@pytest.mark.parametrize(("args", "status"), MISTAKES, ids=[" ".join(a) for a, _ in MISTAKES])
def test_a_mistake_is_one_line_on_stderr_and_a_non_zero_exit(
    place: Path, args: list[str], status: int
) -> None:
    argv = [a.replace("{dir}", str(place)) for a in args]
    result = run_newsarchive(*argv, cwd=place, env={"NEWSARCHIVE_DB": str(place / "a.db")})
    assert result.returncode == status, result.stderr
    assert "Traceback" not in result.stderr + result.stdout
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr  # no blank line either
    assert 20 < len(lines[0]) <= 2000  # says what went wrong, not only that something did; and briefly
    assert "internal error" not in lines[0]


def test_files_that_are_no_archive_are_left_as_they_were(place: Path, tmp_path: Path) -> None:
    """SQLite takes a one-byte file for an empty database, and a read-only command wrote an archive over it;
    another program's database got the archive's tables beside its own."""
    (tmp_path / "notes.txt").write_text("x")
    with sqlite3.connect(tmp_path / "shop.db") as shop:
        shop.execute("CREATE TABLE customers (id INTEGER PRIMARY KEY, name TEXT)")
    shop.close()
    for name in ("notes.txt", "shop.db"):
        before = (tmp_path / name).read_bytes()
        for args in (["stats"], ["search", "ממשלה"], ["import", str(place / "page.html")]):
            result = run_newsarchive(*args, "--db", str(tmp_path / name), cwd=tmp_path)
            assert result.returncode == 1 and "archive" in result.stderr, (name, args, result.stderr)
        assert (tmp_path / name).read_bytes() == before, name


def test_success_that_did_nothing_says_so_and_a_site_not_in_the_archive_is_named(place: Path) -> None:
    env = {"NEWSARCHIVE_DB": str(place / "a.db")}
    found = run_newsarchive("search", "-קורונה ממשלה", "--format", "json", cwd=place, env=env)
    assert found.returncode == 0 and "news/article/a1" in found.stdout  # a query may begin with a NOT
    unknown = run_newsarchive("search", "ממשלה", "--site", "ynnet", cwd=place, env=env)
    assert unknown.returncode == 0 and "no articles match" in unknown.stdout
    assert "no articles of site 'ynnet' in the archive (its sites: ynet)" in unknown.stderr
    export = run_newsarchive("export", "--site", "nosuch", cwd=place, env=env)
    assert export.returncode == 0 and "'nosuch'" in export.stderr and "exported 0 articles" in export.stderr
    one = run_newsarchive("export", "--site", "ynet", cwd=place, env=env)
    assert "exported 1 article\n" in one.stderr
    changes = run_newsarchive("changes", cwd=place, env=env)
    assert changes.returncode == 0 and "no headline changed" in changes.stdout
    for command in (["changes"], ["reextract", "--dry-run"]):  # as search and export do
        unknown = run_newsarchive(*command, "--site", "ynnet", cwd=place, env=env)
        assert unknown.returncode == 0 and "no articles of site 'ynnet'" in unknown.stderr


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("NEWSARCHIVE_DOWNLOAD_DELAY", "abc"),  # 'could not convert string to float', naming nothing
        ("NEWSARCHIVE_DOWNLOAD_DELAY", "-3"),  # accepted
        ("NEWSARCHIVE_DOWNLOAD_DELAY", "nan"),
        ("NEWSARCHIVE_CONTACT", "https://example.org/\r\nX-Injected: 1"),  # a header of its own
        ("NEWSARCHIVE_USER_AGENT", "bot\n"),
    ],
)
def test_a_crawl_setting_from_the_environment_that_is_wrong_is_named(
    place: Path, variable: str, value: str
) -> None:
    result = run_newsarchive(
        "crawl",
        "ynet",
        "--limit",
        "1",
        cwd=place,
        env={"NEWSARCHIVE_DB": str(place / "a.db"), variable: value},
    )
    assert result.returncode == 2 and result.stderr.count("\n") == 1, result.stderr
    assert f"${variable}" in result.stderr and "Traceback" not in result.stderr


@pytest.mark.parametrize(
    "command", [["export", "--dedup", "-o", "-"], ["search", "ממשלה", "--collapse"], ["stats", "--collapse"]]
)
def test_near_duplicates_that_cannot_be_written_are_one_line_not_an_internal_error(
    tmp_path: Path, command: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """`--dedup` and `--collapse` bring the near-duplicate groups up to date first, which writes the
    archive: when that fails, the command says why in one line (it said "internal error: StorageError")."""
    from click.testing import CliRunner

    from newsarchive.cli import main
    from newsarchive.store.archive import StorageError

    db = tmp_path / "a.db"
    with Archive(db) as archive:
        archive.store(Article(url="https://www.ynet.co.il/news/article/a", site="ynet", headline="ממשלה"))

    def cannot_write(self: Archive) -> int:
        raise StorageError(f"the archive {db.name} could not be written: database or disk is full")

    monkeypatch.setattr(Archive, "dedup_catch_up", cannot_write)
    result = CliRunner().invoke(main, [*command, "--db", str(db)])
    assert result.exit_code == 1
    assert "could not be written: database or disk is full" in result.output
    assert "internal error" not in result.output
