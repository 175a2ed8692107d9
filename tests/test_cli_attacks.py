"""Attacks on every command but crawl and check-sites, and what they must give: text from a page or a user is
shown as it is (never read as markup), a value of any length gives a short line at once, a closed output or
Ctrl-C is one line, a damaged row or raw page is said (and the others are done), a library's logged
traceback is one line, a query word beginning with -h is no option, the config file is checked."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest

from newsarchive.article import Article
from newsarchive.fetched import FetchedPage
from newsarchive.store import Archive

from .conftest import FIXTURES, run_newsarchive
from .sitefarm import walla_article

HOSTILE_URL = "https://www.ynet.co.il/news/article/a?x=[/x]"


@pytest.fixture(scope="module")
def hostile(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An archive whose article has markup, an emoji code and control-looking text in its headline,
    address and body, in two versions (so that history and changes show it)."""
    db = tmp_path_factory.mktemp("hostile") / "a.db"
    with Archive(db) as archive:
        for day, headline in ((1, "[bold]כותרת[/] ראשונה :smile:"), (2, "[/x] כותרת שנייה :smile:")):
            page = FetchedPage(HOSTILE_URL, b"", fetched_at=datetime(2024, 1, day, tzinfo=UTC))
            article = Article(
                url=HOSTILE_URL, site="ynet", headline=headline, paragraphs=[f"גוף [/red] {day}"]
            )
            archive.store(article, page)
    return db


@pytest.mark.parametrize(
    "args",
    [["history", HOSTILE_URL], ["changes"], ["search", "כותרת"], ["search", "כותרת", "--site", "[/x]"]],
    ids=["history", "changes", "search", "search --site"],
)
def test_text_of_pages_and_users_is_shown_as_it_is(hostile: Path, args: list[str]) -> None:
    """A stored headline or address holding "[/x]" made history, changes and search stop with rich's
    MarkupError; "[bold]" vanished from what was shown, and ":smile:" became an emoji."""
    result = run_newsarchive(*args, env={"NEWSARCHIVE_DB": str(hostile), "COLUMNS": "300"})
    assert result.returncode == 0, result.stderr
    if "--site" in args:
        assert "no articles match" in result.stdout
        assert (
            result.stderr
            == "newsarchive: warning: no articles of site '[/x]' in the archive (its sites: ynet)\n"
        )
    elif args[0] == "changes":  # a word diff, marked without colour
        assert "[-[bold]כותרת[/] ראשונה-] {+[/x] כותרת שנייה+} :smile:" in result.stdout
        assert HOSTILE_URL in result.stdout
    else:
        assert "[/x] כותרת שנייה :smile:" in result.stdout and HOSTILE_URL in result.stdout
    if args[0] == "history":
        assert "[bold]כותרת[/] ראשונה" in result.stdout


def test_a_value_of_any_length_gives_a_short_line_at_once(hostile: Path) -> None:
    """rich wrapped a 100,000-character address into the message in quadratic time (minutes)."""
    started = time.monotonic()
    result = run_newsarchive(
        "history", "https://x.co.il/" + "a" * 100_000, env={"NEWSARCHIVE_DB": str(hostile)}
    )
    assert time.monotonic() - started < 20
    assert result.returncode == 1
    assert result.stderr.count("\n") == 1 and len(result.stderr) < 400
    assert "(100,016 characters) in the archive" in result.stderr


def test_control_characters_in_a_message_are_shown_escaped(tmp_path: Path) -> None:
    result = run_newsarchive("extract", str(tmp_path / "a\x1b[31mred\x07.html"))
    assert result.returncode == 2
    assert "\x1b" not in result.stderr and "\x07" not in result.stderr
    assert "a\\x1b[31mred\\x07.html" in result.stderr


def run_into_closed_pipe(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    """The command with its stdout a pipe whose reader has gone (`newsarchive export | head -1`, after head
    ended)."""
    read, write = os.pipe()
    os.close(read)
    try:
        return subprocess.run(
            [sys.executable, "-m", "newsarchive.cli", *args],
            stdout=write,
            stderr=subprocess.PIPE,
            text=True,
            env=os.environ | env,
            timeout=60,
            check=False,
        )
    finally:
        os.close(write)


@pytest.mark.parametrize(
    "args",
    [["export"], ["search", "כותרת"], ["search", "כותרת", "--format", "csv"], ["stats"], ["--help"]],
    ids=["export", "search table", "search csv", "stats table", "help"],
)
def test_a_closed_output_is_one_line(hostile: Path, args: list[str]) -> None:
    """Tables and CSV ended with status 1 and nothing said; export said "cannot write -"."""
    result = run_into_closed_pipe(*args, env={"NEWSARCHIVE_DB": str(hostile)})
    assert result.returncode == 1
    assert result.stderr == (
        "newsarchive: the output was closed before all of it was written (broken pipe)\n"
    ), result.stderr


@pytest.mark.parametrize(
    ("signum", "status", "what"), [(signal.SIGINT, 130, "interrupted"), (signal.SIGTERM, 143, "terminated")]
)
def test_ctrl_c_or_sigterm_during_an_import_says_what_was_stored(
    tmp_path: Path, signum: int, status: int, what: str
) -> None:
    """Ctrl-C gave a blank line and "interrupted"; SIGTERM ended the process where it was. Now one line says
    how many articles were stored before (what the archive holds), and the archive is consistent."""
    folder = tmp_path / "pages"
    folder.mkdir()
    for n in range(4000):
        (folder / f"{n}.html").write_text(walla_article(100_000 + n))
    db = tmp_path / "a.db"
    process = subprocess.Popen(
        [sys.executable, "-m", "newsarchive.cli", "import", str(folder), "--db", str(db)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        # a process started in the background ignores SIGINT unless told otherwise
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    deadline = time.monotonic() + 60
    while _articles(db) == 0 and time.monotonic() < deadline and process.poll() is None:
        time.sleep(0.05)
    process.send_signal(signum)
    _, err = process.communicate(timeout=60)
    stored = _articles(db)
    assert 0 < stored < 4000, "the import ended before it was interrupted"
    assert process.returncode == status
    assert err == (
        f"newsarchive: import {what}: {stored:,} article(s) were stored before, and the archive is"
        " consistent; run the same import again to go on (pages already stored are not stored twice)\n"
    )
    with sqlite3.connect(db) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        assert conn.execute("SELECT count(*) FROM articles_fts").fetchone() == (stored,)


def _articles(db: Path) -> int:
    try:
        with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as conn:
            return conn.execute("SELECT count(*) FROM articles").fetchone()[0]
    except sqlite3.Error:  # not created yet, or its schema not yet written
        return 0


def test_an_export_to_a_device_writes_to_it(hostile: Path) -> None:
    """/dev/null and /dev/full are written through, never replaced by a file (as root, a rename would), and
    need no --force ('/dev/null exists: pass --force to overwrite it')."""
    discarded = run_newsarchive("export", "-o", "/dev/null", env={"NEWSARCHIVE_DB": str(hostile)})
    assert discarded.returncode == 0 and discarded.stderr == "exported 1 article to /dev/null\n"
    result = run_newsarchive("export", "-o", "/dev/full", "--force", env={"NEWSARCHIVE_DB": str(hostile)})
    assert result.returncode == 1 and "No space left on device" in result.stderr
    for device in ("/dev/null", "/dev/full"):
        assert Path(device).is_char_device()


def test_a_damaged_row_or_raw_page_is_said_and_the_others_are_done(tmp_path: Path) -> None:
    """One raw page whose bytes do not inflate stopped re-extraction ("internal error: error: Error -3");
    one article whose authors are not JSON stopped an export with a JSONDecodeError."""
    db = tmp_path / "a.db"
    with Archive(db) as archive:
        for n in (1, 2, 3):
            url = f"https://news.walla.co.il/break/{n}"
            page = FetchedPage(url, walla_article(n).encode(), fetched_at=datetime.now(UTC))
            archive.store(Article(url=url, site="walla", headline=f"כותרת {n}", paragraphs=["גוף"]), page)
    with sqlite3.connect(db) as conn:
        conn.execute("UPDATE pages SET body = x'00112233' WHERE url LIKE '%/1'")
    conn.close()
    result = run_newsarchive("reextract", "--db", str(db), "--all", "--format", "json")
    assert result.returncode == 1
    report = json.loads(result.stdout)
    assert report["unreadable"] == 1 and report["pages"] == 3 and report["changed"] == 2
    assert report["unreadable_pages"][0]["url"].endswith("/break/1")
    assert result.stderr.count("\n") == 1 and "1 raw page(s) could not be read back" in result.stderr

    with sqlite3.connect(db) as conn:
        conn.execute("UPDATE articles SET authors = 'not json' WHERE url LIKE '%/2'")
    conn.close()
    out = tmp_path / "out.jsonl"
    result = run_newsarchive("export", "--db", str(db), "-o", str(out))
    assert result.returncode == 1 and result.stderr.count("\n") == 1
    assert "is damaged in the archive" in result.stderr and "internal error" not in result.stderr
    assert not out.exists()


def test_a_library_log_is_one_line_without_its_traceback(tmp_path: Path) -> None:
    """An extraction bug is logged with its traceback (logging's last-resort handler printed it whole on
    stderr, for every page of an import)."""
    page = FIXTURES / "generic" / "plain_markup.html"
    url = "https://www.negevnews.co.il/news/12345"
    with_a_bug = (
        "import sys, newsarchive.extract.core as core\n"
        "def broken(*args, **kwargs): raise RuntimeError('a bug in a layer')\n"
        "core._extract = broken\n"
        "from newsarchive.cli import main\n"
        "sys.argv[0] = 'newsarchive'\n"
        "main()\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", with_a_bug, "import", str(page), "--url", url, "--db", str(tmp_path / "a.db")],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert result.stderr == f"newsarchive: warning: extraction failed on {url}\n"
    assert "skipped: extraction failed" in result.stdout


def test_a_query_word_beginning_with_h_is_no_help_option(hostile: Path) -> None:
    """'-headline:x' (excluding a headline word) was read as -h: the help was printed, with status 0."""
    env = {"NEWSARCHIVE_DB": str(hostile)}
    result = run_newsarchive("search", "-headline:ראשונה", "כותרת", "--format", "json", env=env)
    assert result.returncode == 0 and "Usage" not in result.stdout
    assert [hit["url"] for hit in json.loads(result.stdout)] == [HOSTILE_URL]
    excluded = run_newsarchive("search", "כותרת", "-headline:שנייה", "--format", "json", env=env)
    assert json.loads(excluded.stdout) == []
    for mistyped in ("--bogus", "-q"):
        wrong = run_newsarchive("search", "כותרת", mistyped, env=env)
        assert wrong.returncode == 2 and f"No such option '{mistyped}'" in wrong.stderr
    with_options = run_newsarchive("search", "--limit=1", "-=כותרת", "כותרת", "--format=json", env=env)
    assert with_options.returncode == 0 and json.loads(with_options.stdout) == []


def test_the_config_file_is_checked_for_every_command(tmp_path: Path) -> None:
    for text, message in (
        ("db = 5", "db must be a string, not 5"),
        ('db = ["a.db"]', "db must be a string"),
        ('db = ""', "db is empty"),
        ('sites = "ynet"', "sites must be a list"),
        ("since = 2", "since must be a string"),
        ("db = '[/x]'", "no archive at [/x]"),
    ):
        (tmp_path / "newsarchive.toml").write_text(text)
        result = run_newsarchive("stats", cwd=tmp_path)
        assert result.returncode == 2 and result.stderr.count("\n") == 1, (text, result.stderr)
        assert message in result.stderr, (text, result.stderr)
    (tmp_path / "newsarchive.toml").write_bytes(b'db = "\xff\xfe"')
    result = run_newsarchive("stats", cwd=tmp_path)
    assert result.returncode == 2 and "is not UTF-8 text" in result.stderr


def test_a_config_file_with_a_byte_order_mark_is_read(hostile: Path, tmp_path: Path) -> None:
    """Windows Notepad writes UTF-8 with a byte-order mark: 'not valid TOML: Invalid statement'."""
    (tmp_path / "newsarchive.toml").write_text(f'db = "{hostile}"\n', encoding="utf-8-sig")
    result = run_newsarchive("stats", "--format", "json", cwd=tmp_path)
    assert result.returncode == 0 and json.loads(result.stdout)["total"] == 1, result.stderr


def test_a_lone_surrogate_in_a_page_does_not_stop_an_import(tmp_path: Path) -> None:
    """A page whose JSON-LD escapes a lone surrogate ("\\ud800") stopped the whole import (and `extract`)
    with a UnicodeEncodeError: no UTF-8 can hold it."""
    body = "<p>" + "טקסט של כתבה ארוכה ומעניינת מאוד " * 30 + "</p>"
    data = '{"@type": "NewsArticle", "headline": "כותרת \\ud800 שבורה", "articleBody": "גוף \\udfff"}'
    page = tmp_path / "page.html"
    page.write_text(
        '<html><head><link rel="canonical" href="https://www.ynet.co.il/news/article/s1">'
        f'<script type="application/ld+json">{data}</script></head><body><article><h1>כותרת שבורה</h1>'
        f"{body}</article></body></html>"
    )
    db = tmp_path / "a.db"
    result = run_newsarchive(
        "import", str(page), str(FIXTURES / "ynet" / "plus_paywalled.html"), "--db", str(db)
    )
    assert result.returncode == 0 and "2 stored" in result.stdout, result.stderr
    assert run_newsarchive("extract", str(page)).returncode == 0
    exported = run_newsarchive("export", "--db", str(db))
    assert exported.returncode == 0 and "כותרת שבורה" in exported.stdout


def test_an_import_of_nothing_creates_no_archive(tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    result = run_newsarchive("import", str(tmp_path / "empty"), cwd=tmp_path)
    assert result.returncode == 2 and "nothing to import" in result.stderr
    assert not (tmp_path / "data").exists()


def test_terminal_controls_in_stored_text_are_shown_escaped_in_tables(tmp_path: Path) -> None:
    """Extraction drops control characters, but an archive made elsewhere (or through the API) may hold an
    escape sequence: tables wrote it raw, and a terminal ran it."""
    url = "https://x.co.il/controls"
    with Archive(tmp_path / "a.db") as archive:
        archive.store(Article(url=url, site="x", headline="a\x00b \x1b]0;owned\x07", paragraphs=["גוף שלום"]))
    env = {"NEWSARCHIVE_DB": str(tmp_path / "a.db"), "COLUMNS": "300"}
    for args in (["search", "שלום"], ["history", url]):
        result = run_newsarchive(*args, env=env)
        assert result.returncode == 0, result.stderr
        assert "\x1b" not in result.stdout and "\x07" not in result.stdout and "\x00" not in result.stdout
        assert "a\\x00b \\x1b]0;owned\\x07" in result.stdout
    exported = run_newsarchive("search", "שלום", "--format", "csv", env=env)  # data is exported exactly
    assert "a\x00b \x1b]0;owned\x07" in exported.stdout


def test_history_finds_an_article_by_its_other_scheme_and_without_the_spaces_around_it(hostile: Path) -> None:
    """A crawl and an import count http:// and https:// one article; history said "no article" for the
    address a user had at hand."""
    pasted = " " + HOSTILE_URL.replace("https://", "http://") + "\n"
    result = run_newsarchive("history", pasted, "--format", "json", env={"NEWSARCHIVE_DB": str(hostile)})
    assert result.returncode == 0, result.stderr
    assert [version["version"] for version in json.loads(result.stdout)] == [1, 2]


def test_a_file_name_of_undecodable_bytes_is_imported(tmp_path: Path) -> None:
    """The name of a saved page goes into its stored headers: a name that is no UTF-8 (a Windows-1255 disk,
    an old archive) stopped the import with a UnicodeEncodeError."""
    folder = tmp_path / "pages"
    folder.mkdir()
    name = os.fsdecode(b"\xe7\xe3\xf9\xe5\xfa.html")  # "חדשות" in windows-1255
    (folder / name).write_bytes((FIXTURES / "ynet" / "plus_paywalled.html").read_bytes())
    db = tmp_path / "a.db"
    result = run_newsarchive("import", str(folder), "--db", str(db))
    assert result.returncode == 0 and "1 stored" in result.stdout, result.stderr
    url = b"https://www.ynet.co.il/news/article/\xff"  # an address of undecodable bytes, as a shell gives it
    command = [sys.executable.encode(), b"-m", b"newsarchive.cli", b"import", os.fsencode(folder / name)]
    again = subprocess.run(
        [*command, b"--url", url, b"--db", os.fsencode(db), b"--force"],
        capture_output=True,
        check=False,
        timeout=60,
    )
    assert again.returncode == 0, again.stderr
    with sqlite3.connect(db) as conn:
        assert conn.execute("SELECT count(*) FROM pages").fetchone() == (2,)


def test_the_per_day_table_of_many_sites_shows_the_largest_and_the_others(tmp_path: Path) -> None:
    """A column a site: 1,500 domains made a table of nothing but borders, the day squeezed to '2024…'."""
    with Archive(tmp_path / "a.db") as archive:
        archive.store_many(
            Article(url=f"https://s{n}.example.co.il/a", site=f"s{n}.example.co.il", headline="כותרת",
                    paragraphs=["גוף"], published=datetime(2024, 1, 1 + n % 28, 12, tzinfo=UTC))
            for n in range(30)
        )  # fmt: skip
    result = run_newsarchive("stats", env={"NEWSARCHIVE_DB": str(tmp_path / "a.db")})
    assert result.returncode == 0, result.stderr
    per_day = result.stdout.split("articles per day")[1]
    top_border = per_day.splitlines()[1]
    assert top_border.count("┳") == 24  # the day, the 23 largest sites (here, the first 23 by name), 7 others
    assert "2024-01-28" in per_day and "…" not in per_day


def run_on_a_terminal(*args: str, env: dict[str, str]) -> tuple[int, str, str]:
    """The command with its stdout a terminal (a pseudo-terminal): its exit status, what it showed, and its
    stderr."""
    import pty

    leader, follower = pty.openpty()
    try:
        process = subprocess.Popen(
            [sys.executable, "-m", "newsarchive.cli", *args],
            stdout=follower,
            stderr=subprocess.PIPE,
            env=os.environ | env,
        )
        os.close(follower)
        shown = b""
        while True:
            try:
                part = os.read(leader, 65536)
            except OSError:  # the command ended and closed its side
                break
            if not part:
                break
            shown += part
        _, err = process.communicate(timeout=60)
        return process.returncode, shown.decode("utf-8", "replace"), err.decode("utf-8", "replace")
    finally:
        os.close(leader)


@pytest.mark.parametrize(
    "args",
    [["search", "כותרת"], ["search", "כותרת", "--format", "csv"], ["stats"], ["sites"], ["changes"],
     ["history", HOSTILE_URL], ["export"]],
    ids=["search", "search csv", "stats", "sites", "changes", "history", "export"],
)  # fmt: skip
def test_an_output_whose_encoding_cannot_hold_hebrew_gets_all_of_it(hostile: Path, args: list[str]) -> None:
    """LANG=C without UTF-8 (or PYTHONIOENCODING=ascii) stopped every command that printed a Hebrew word:
    'internal error: UnicodeEncodeError'. A pipe or a file gets UTF-8, exact; a terminal, escapes."""
    env = {"NEWSARCHIVE_DB": str(hostile), "PYTHONIOENCODING": "ascii"}
    piped = run_newsarchive(*args, env=env)
    assert piped.returncode == 0 and "internal error" not in piped.stderr, piped.stderr
    if args[0] in ("search", "history", "export"):
        assert "כותרת שנייה" in piped.stdout
    status, shown, err = run_on_a_terminal(*args, env=env | {"COLUMNS": "300"})
    assert status == 0 and "internal error" not in err, err
    assert "\\u05db" in shown or args[0] in ("stats",)  # כ, escaped


def test_a_closed_stdout_or_stderr_still_ends_with_the_right_status(hostile: Path) -> None:
    """`newsarchive search x >&-` ended in 'internal error: AttributeError' (sys.stdout is None), and
    `sites --format json >&-` exited 0 having shown nothing; with stderr closed, a usage mistake exited 1."""
    env = os.environ | {"NEWSARCHIVE_DB": str(hostile)}
    for args in (["search", "כותרת"], ["sites", "--format", "json"], ["export"], ["--help"]):
        closed_stdout = subprocess.run(
            [sys.executable, "-m", "newsarchive.cli", *args],
            stderr=subprocess.PIPE,
            text=True,
            env=env,
            timeout=60,
            check=False,
            preexec_fn=lambda: os.close(1),
        )
        assert closed_stdout.returncode == 2, (args, closed_stdout.stderr)
        assert closed_stdout.stderr == (
            "newsarchive: standard output is closed, so nothing could be shown (to discard it, send it to"
            " /dev/null)\n"
        )
    closed_stderr = subprocess.run(
        [sys.executable, "-m", "newsarchive.cli", "stats", "--db", str(hostile.parent / "missing.db")],
        capture_output=True,
        env=env,
        timeout=60,
        check=False,
        preexec_fn=lambda: os.close(2),
    )
    assert closed_stderr.returncode == 2 and closed_stderr.stdout == b""


def test_bidi_overrides_given_or_stored_are_shown_escaped(tmp_path: Path) -> None:
    """An RLO (U+202E) in a file name, a query or a stored headline reversed the rest of the line shown: a
    message or a table said something else than what was there."""
    result = run_newsarchive("extract", str(tmp_path / "lmth.\u202eevil.html"))
    assert result.returncode == 2 and "\u202e" not in result.stderr and "\\u202e" in result.stderr
    url = "https://x.co.il/bidi"
    with Archive(tmp_path / "a.db") as archive:
        archive.store(Article(url=url, site="x", headline="כותרת \u202eהפוכה\u2066", paragraphs=["גוף שלום"]))
    found = run_newsarchive("search", "\u202eשלום", env={"NEWSARCHIVE_DB": str(tmp_path / "a.db")})
    assert found.returncode == 0, found.stderr
    assert "\u202e" not in found.stdout and "\u2066" not in found.stdout
    assert "\\u202eשלום" in found.stdout and "כותרת \\u202eהפוכה\\u2066" in found.stdout


def test_a_narrow_terminal_shows_every_number(tmp_path: Path) -> None:
    """At COLUMNS=20 the stats table squeezed its columns to nothing (no site, no count was shown), and at
    100 it cut them: "israelh…", "2024-0…", "10…" for 100%."""
    with Archive(tmp_path / "a.db") as archive:
        archive.store(
            Article(url="https://www.israelhayom.co.il/news/1", site="israelhayom", headline="כותרת",
                    paragraphs=["גוף"], published=datetime(2024, 1, 1, 12, tzinfo=UTC))
        )  # fmt: skip
    for width in ("20", "100"):
        env = {"NEWSARCHIVE_DB": str(tmp_path / "a.db"), "COLUMNS": width}
        status, shown, _ = run_on_a_terminal("stats", env=env)
        assert status == 0
        table = shown.split("articles per day")[0]
        assert "israelhayom" in table and "100%" in table and "2024-01-01" in table, table


def test_a_plot_beside_json_is_said_on_stderr(hostile: Path, tmp_path: Path) -> None:
    """`stats --format json --plot p.png` drew the plot and never said so (stdout holds the JSON alone)."""
    plot = tmp_path / "p.png"
    result = run_newsarchive(
        "stats", "--format", "json", "--plot", str(plot), env={"NEWSARCHIVE_DB": str(hostile)}
    )
    assert result.returncode == 0 and json.loads(result.stdout)["total"] == 1
    assert result.stderr == f"plot of articles per day and site written to {plot}\n" and plot.stat().st_size


def test_extract_reads_a_page_piped_in_as_dash() -> None:
    """`curl -s ADDRESS | newsarchive extract -` said '-: no such file'."""
    command = [sys.executable, "-m", "newsarchive.cli", "extract", "-", "--format", "json"]
    page = (FIXTURES / "ynet" / "plus_paywalled.html").read_bytes()
    piped = subprocess.run(command, input=page, capture_output=True, timeout=60, check=False)
    assert piped.returncode == 0, piped.stderr
    assert json.loads(piped.stdout)["url"] == "https://www.ynet.co.il/economy/article/hyplus77k"
    empty = subprocess.run(command, input=b"", capture_output=True, timeout=60, check=False)
    assert (empty.returncode, empty.stderr) == (3, b"newsarchive: not an article: empty page\n")


@pytest.mark.parametrize(
    "command", [["stats"], ["search", "x"], ["serve"], ["crawl", "ynet"], ["import", "p.html"]]
)
def test_an_archive_named_by_the_environment_or_the_config_says_so(
    tmp_path: Path, command: list[str]
) -> None:
    """$NEWSARCHIVE_DB naming a folder gave click's "Invalid value for '--db'" (no --db was typed) and serve
    said "x is a folder (create one with ...)"; a missing archive named by the environment or the config
    file was said without saying where its name came from."""
    (tmp_path / "folder.db").mkdir()
    (tmp_path / "p.html").write_text("<html></html>")
    folder = run_newsarchive(*command, cwd=tmp_path, env={"NEWSARCHIVE_DB": str(tmp_path / "folder.db")})
    assert folder.returncode == 2 and folder.stderr.count("\n") == 1, folder.stderr
    assert f"the archive {tmp_path / 'folder.db'} (from $NEWSARCHIVE_DB) is a folder: give" in folder.stderr
    if command[0] in ("crawl", "import"):
        return  # they create a missing archive
    missing = run_newsarchive(*command, cwd=tmp_path, env={"NEWSARCHIVE_DB": "nope.db"})
    assert (
        missing.returncode == 2 and "no archive at nope.db (from $NEWSARCHIVE_DB) (create" in missing.stderr
    )
    (tmp_path / "newsarchive.toml").write_text('db = "other.db"\n')
    configured = run_newsarchive(*command, cwd=tmp_path)
    assert configured.returncode == 2 and "no archive at other.db (the config file's db)" in configured.stderr


def test_a_crawl_log_that_cannot_be_written_names_the_option_that_moves_it(tmp_path: Path) -> None:
    (tmp_path / "data").write_text("a file where the log's folder would be")
    result = run_newsarchive("crawl", "ynet", "--db", str(tmp_path / "a.db"), cwd=tmp_path)
    assert result.returncode == 2 and result.stderr.count("\n") == 1
    assert result.stderr.endswith(": Not a directory (--log-file FILE puts it elsewhere)\n"), result.stderr


def test_stats_of_no_articles_says_so_and_draws_no_empty_plot(hostile: Path, tmp_path: Path) -> None:
    """An empty archive (or a span without articles) gave two empty tables, "0 articles", and an empty plot
    announced as "written"; one article was titled "1 articles"."""
    Archive(tmp_path / "empty.db").close()
    plot = tmp_path / "p.png"
    empty = run_newsarchive("stats", "--plot", str(plot), env={"NEWSARCHIVE_DB": str(tmp_path / "empty.db")})
    assert (
        empty.returncode == 0
        and empty.stdout == f"no articles in the archive: no plot drawn ({plot} not written)\n"
    )
    assert not plot.exists()
    env = {"NEWSARCHIVE_DB": str(hostile)}
    later = run_newsarchive("stats", "--since", "2030-01-01", env=env)
    assert later.returncode == 0 and later.stdout == "no articles in the archive in that span\n"
    one = run_newsarchive("stats", env=env)
    assert one.returncode == 0 and one.stdout.splitlines()[0].strip() == "1 article"


def test_a_usage_mistake_names_its_command_and_no_command_lists_them() -> None:
    missing = run_newsarchive("export", "-o")
    assert missing.stderr.startswith("newsarchive export: Option '-o' requires an argument.")
    since = run_newsarchive("search", "ממשלה", "--since")
    assert since.stderr.startswith("newsarchive search: Option '--since' requires an argument.")
    alone = run_newsarchive()
    assert alone.returncode == 2 and alone.stderr.startswith(
        "newsarchive: name a command: changes, check-sites,"
    )


def test_extract_of_a_file_needs_no_crawl_settings() -> None:
    """A malformed $NEWSARCHIVE_DOWNLOAD_DELAY stopped `extract page.html` with 'internal error: ValueError'
    (the crawl settings were loaded for the user agent of a fetch that never happens)."""
    env = {"NEWSARCHIVE_DOWNLOAD_DELAY": "abc"}
    page = run_newsarchive("extract", str(FIXTURES / "ynet" / "plus_paywalled.html"), env=env)
    assert page.returncode == 0, page.stderr
    fetch = run_newsarchive("extract", "http://127.0.0.1:9/x", env=env)
    assert fetch.returncode == 2 and fetch.stderr.startswith("newsarchive: the crawl settings cannot be read")
