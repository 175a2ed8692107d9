"""`newsarchive serve` attacked and stopped: hostile snippet and match requests cost milliseconds while a
trivial query still answers at once, SIGTERM and Ctrl-C free the port and leave no file behind, and what
cannot be served is one line on stderr, announced nowhere."""

from __future__ import annotations

import json
import os
import signal
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.error
import urllib.parse
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from click.testing import CliRunner

from newsarchive import Article
from newsarchive.cli import main
from newsarchive.cli.serve import GRACE_SECONDS, SETTINGS, listening_socket
from newsarchive.store import Archive

from .test_cli_archive import _get, start_serve, stop_serve

#: a 120,000-letter run with no space, made of the word it is searched for: each of its 30,000 copies was a
#: place to look back from to the run's start (quadratic: 127 s for one search page)
RUN = "שלום" * 30_000
RUN_URL = "https://www.example.co.il/run"
#: what each hostile request may take here (measured: about 0.1 s; unbounded before: never answered)
HOSTILE_SECONDS = 2.0
#: a query that calls hebrew_snippet on a million rows, each a different 2,000,000-letter text: stopped by
#: Datasette's time limit between two calls
MANY_ROWS = (
    "with recursive n(i) as (select 1 union all select i + 1 from n where i < 1000000)"
    " select length(hebrew_snippet(printf('%.*c', 2000000, 'א') || i, 'א')) from n"
)
TIME_LIMIT = SETTINGS["sql_time_limit_ms"] / 1000
#: how long serve may take to exit with a query in flight: the grace it gives, the query's time limit, slack
GRACE_AND_LIMIT = GRACE_SECONDS + TIME_LIMIT + 5


@pytest.fixture(scope="module")
def archive_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Forty ordinary articles that say שלום, and one whose body opens with RUN and says שלום after it."""
    path = tmp_path_factory.mktemp("serve") / "archive.db"
    ordinary = [
        Article(
            url=f"https://www.example.co.il/{n}",
            site="example",
            headline=f"כותרת {n}",
            paragraphs=[f"הממשלה אמרה שלום לשכנים בפעם ה-{n}.", "ועוד משפט אחד על המדינה."],
        )
        for n in range(40)
    ]
    with Archive(path) as archive:
        archive.store_many(ordinary)
        archive.store(
            Article(url=RUN_URL, site="example", headline="כתבה ארוכה", paragraphs=[RUN, "ואמרו שלום לכולם."])
        )
    return path


def _timed_get(url: str, timeout: float = 30) -> tuple[int, str, float]:
    started = time.perf_counter()
    try:
        status, body = _get(url, timeout=timeout)
    except urllib.error.HTTPError as error:
        status, body = error.code, error.read().decode("utf-8", errors="replace")
    except OSError as error:  # no answer in time, or the connection cut
        status, body = 0, repr(error)
    return status, body, time.perf_counter() - started


def _sql(base: str, sql: str) -> str:
    return f"{base}/archive.json?_shape=array&sql=" + urllib.parse.quote(sql)


def test_hostile_requests_cost_milliseconds_and_a_trivial_query_answers_meanwhile(
    archive_db: Path, tmp_path: Path
) -> None:
    process, base = start_serve(archive_db, tmp_path / "serve.log")
    try:
        q = urllib.parse.quote("שלום")
        hostile = {
            "snippet of 2,000,000 letters": _sql(
                base, "select hebrew_snippet(printf('%.*c', 2000000, 'א'), 'א')"
            ),
            "snippet of 2,000,000 letters, another word": _sql(
                base, "select hebrew_snippet(printf('%.*c', 2000000, 'ש'), 'שלום')"
            ),
            "snippet of 2,000,000 near-misses": _sql(
                base, "select hebrew_snippet(replace(printf('%.*c', 250000, 'x'), 'x', 'אבגשלום '), 'שלום')"
            ),
            "match of 2,000,000 letters": _sql(
                base,
                "select hebrew_match(printf('%.*c', 2000000, 'א')) as m,"
                " hebrew_query_problem(printf('%.*c', 2000000, 'א')) as problem",
            ),
            "snippets of every stored body": _sql(base, "select hebrew_snippet(body, 'שלום') from articles"),
            "the search page": f"{base}/-/hebrew-search?q={q}",
            "the search page again": f"{base}/-/hebrew-search?q={q}",
            "the canned search": f"{base}/archive/search.json?_shape=array&q={q}",
        }
        with ThreadPoolExecutor(len(hostile) + 1) as pool:
            many_rows = pool.submit(_timed_get, _sql(base, MANY_ROWS))
            running = {name: pool.submit(_timed_get, url) for name, url in hostile.items()}
            time.sleep(0.05)
            status, body, trivial_seconds = _timed_get(_sql(base, "select count(*) as n from articles"), 10)
            answered = {name: future.result() for name, future in running.items()}
            many_status, many_body, many_seconds = many_rows.result()
    finally:
        stop_serve(process)

    assert status == 200 and json.loads(body) == [{"n": 41}]
    assert trivial_seconds < 1.0, f"a count of articles took {trivial_seconds:.2f} s"
    for name, (status, body, seconds) in answered.items():
        assert status == 200, (name, body[:500])
        assert seconds < HOSTILE_SECONDS, f"{name}: {seconds:.2f} s"
    _, page, _ = answered["the search page"]
    assert RUN_URL in page and "41 תוצאות" in page
    snippet_of_letters = json.loads(answered["snippet of 2,000,000 letters"][1])[0]
    assert 0 < len(next(iter(snippet_of_letters.values()))) < 5_000  # a bounded window, not the text
    refused = json.loads(answered["match of 2,000,000 letters"][1])[0]
    assert refused["m"] and "too long" in refused["problem"]
    bodies = json.loads(answered["snippets of every stored body"][1])
    assert len(bodies) == 41 and sum("«שלום»" in next(iter(row.values())) for row in bodies) >= 40
    # a query calling them on a million rows is stopped by the time limit, between two calls
    assert many_status == 400 and "too long" in many_body
    assert many_seconds < TIME_LIMIT + 3, f"{many_seconds:.2f} s"  # measured 3.6-4.5 s


def test_cli_search_of_an_archive_with_a_120000_letter_run_answers_in_well_under_a_second(
    archive_db: Path,
) -> None:
    runner = CliRunner()
    assert runner.invoke(main, ["search", "ממשלה", "--db", str(archive_db)]).exit_code == 0  # warm
    started = time.perf_counter()
    result = runner.invoke(
        main, ["search", "שלום", "--db", str(archive_db), "--format", "json", "--limit", "50"]
    )
    seconds = time.perf_counter() - started
    assert result.exit_code == 0, result.output
    hits = json.loads(result.stdout)
    assert len(hits) == 41 and RUN_URL in {hit["url"] for hit in hits}
    assert seconds < 1.0, f"{seconds:.2f} s"


def _port_is_free(port: int) -> bool:
    """Whether the next `serve` could listen on the port (as it does: SO_REUSEADDR, so past TIME_WAIT)."""
    try:
        listening_socket("127.0.0.1", port).close()
    except OSError:
        return False
    return True


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
def test_serve_stopped_by_a_signal_frees_its_port_and_leaves_no_file(
    archive_db: Path, tmp_path: Path, signum: int
) -> None:
    temporary = tmp_path / "tmp"
    temporary.mkdir()
    process, base = start_serve(
        archive_db, tmp_path / "serve.log", env={**os.environ, "TMPDIR": str(temporary)}
    )
    port = int(base.rsplit(":", 1)[1])
    with ThreadPoolExecutor(1) as pool:
        try:
            assert _get(base + "/-/versions.json")[0] == 200
            in_flight = pool.submit(_timed_get, _sql(base, MANY_ROWS))  # busy when the signal comes
            time.sleep(0.5)
            process.send_signal(signum)
            signalled = time.monotonic()
            while not _port_is_free(port) and time.monotonic() - signalled < 5:
                time.sleep(0.05)
            freed = time.monotonic() - signalled
            status = process.wait(timeout=GRACE_AND_LIMIT)
        finally:
            stop_serve(process)
        in_flight.result()  # answered or cut, but over
    assert freed < 5, f"port {port} still taken 5 s after the signal"
    assert status == 0, (tmp_path / "serve.log").read_text()
    assert list(temporary.iterdir()) == []
    assert (tmp_path / "serve.log").read_text().rstrip().endswith("newsarchive serve: stopped")


def _not_an_archive(tmp_path: Path) -> Path:
    path = tmp_path / "other.db"
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE things (name TEXT)")
    conn.close()
    return path


@pytest.mark.parametrize(
    ("case", "status", "says"),
    [
        ("a text file", 1, "is not an SQLite database"),
        ("a missing file", 2, "no archive at"),
        ("an SQLite file of another program", 1, "is not a newsarchive archive"),
        ("a port in use", 1, "Address already in use"),
    ],
)
def test_serve_refuses_what_it_cannot_serve_in_one_line(
    archive_db: Path, tmp_path: Path, case: str, status: int, says: str
) -> None:
    db, port = archive_db, 0
    if case == "a text file":
        db = tmp_path / "notes.db"
        db.write_text("not a database\n" * 100)
    elif case == "a missing file":
        db = tmp_path / "missing.db"
    elif case == "an SQLite file of another program":
        db = _not_an_archive(tmp_path)
    with socket.create_server(("127.0.0.1", 0)) as taken:
        if case == "a port in use":
            port = taken.getsockname()[1]
        try:
            result = subprocess.run(
                [sys.executable, "-m", "newsarchive.cli", "serve", "--db", str(db), "--port", str(port)],
                capture_output=True,
                text=True,
                timeout=60,
            )
        except subprocess.TimeoutExpired as timeout:  # it served: the run's own stop ends it
            pytest.fail(f"serve ran instead of refusing: {timeout.stderr!r}")
    assert result.returncode == status, result.stderr
    assert result.stdout == ""
    assert len(result.stderr.splitlines()) == 1 and says in result.stderr, result.stderr
    assert "Traceback" not in result.stderr and "serving" not in result.stderr


def test_the_sql_functions_take_any_sql_value_and_refuse_a_huge_query_at_once() -> None:
    from newsarchive.web.datasette_plugin import hebrew_match, hebrew_query_problem, hebrew_snippet

    assert hebrew_snippet("אמרו שלום לכולם".encode(), "שלום") == "אמרו «שלום» לכולם"  # a blob
    assert hebrew_snippet(2024, "2024") == "«2024»" and hebrew_snippet(None, None) == ""
    assert hebrew_query_problem(None) == "the query is empty" and hebrew_match(7)
    started = time.perf_counter()
    assert "too long" in hebrew_query_problem("א" * 2_000_000)
    assert hebrew_match("א" * 2_000_000) == hebrew_match('"')  # matches nothing, as any query that fails
    assert time.perf_counter() - started < 0.05
