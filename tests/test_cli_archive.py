"""The archive commands end to end: import -> search / stats / export, and serve over HTTP."""

from __future__ import annotations

import csv
import html
import io
import json
import re
import signal
import sqlite3
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from click.testing import CliRunner

from newsarchive.cli import main
from newsarchive.store import Archive

from .conftest import FIXTURES


@pytest.fixture(scope="module")
def db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("cli") / "archive.db"
    result = CliRunner().invoke(main, ["import", str(FIXTURES), "--db", str(path), "--format", "json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert sum(report["stored"].values()) >= 10
    assert "no URL: the page has no canonical link (pass --url)" in {p["reason"] for p in report["pages"]}
    return path


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args))
    return result.exit_code, result.stdout, result.stderr


def test_import_single_file_with_url(tmp_path: Path) -> None:
    page = FIXTURES / "generic" / "plain_markup.html"
    code, out, _ = run(
        "import", str(page), "--url", "https://www.negevnews.co.il/news/12345", "--db", str(tmp_path / "a.db")
    )
    assert code == 0 and "1 stored" in out
    other = FIXTURES / "generic" / "browser_saved.html"
    code, _, err = run(
        "import", str(page), str(other), "--url", "https://x.co.il/1", "--db", str(tmp_path / "a.db")
    )
    assert code == 2 and "--url names one page" in err
    # the same page named twice is one page, read once
    code, out, _ = run(
        "import", str(page), str(page), "--url", "https://www.negevnews.co.il/news/12345", "--force",
        "--db", str(tmp_path / "a.db"),
    )  # fmt: skip
    assert code == 0 and "0 stored, 1 skipped" in out


def test_import_paths_with_spaces_and_hebrew_names(tmp_path: Path) -> None:
    folder = tmp_path / "דפים שמורים"
    folder.mkdir()
    (folder / "כתבה ראשונה.html").write_bytes((FIXTURES / "walla" / "item.html").read_bytes())
    code, out, _ = run("import", str(folder), "--db", str(tmp_path / "ארכיון שלי.db"))
    assert code == 0 and "1 stored" in out


def test_import_leaves_stored_articles_alone_unless_forced(tmp_path: Path) -> None:
    from newsarchive.store import Archive

    original = (FIXTURES / "ynet" / "react_2021.html").read_bytes()
    headline = "משרד הבריאות: עלייה במספר המאושפזים בצפון"
    changed = original.replace(headline.encode(), "כותרת שונתה אחרי הפרסום".encode())
    first, later, twin = tmp_path / "first.html", tmp_path / "later.html", tmp_path / "twin.html"
    first.write_bytes(original)
    later.write_bytes(changed)
    twin.write_bytes(original)
    db = str(tmp_path / "a.db")
    assert "1 stored" in run("import", str(first), "--db", db)[1]
    # an older or other copy of a stored article does not replace it, and says how it could
    code, out, _ = run("import", str(later), "--db", db)
    assert code == 0 and "0 stored, 1 skipped" in out and "--force" in out
    # the same article twice in one import: taken once
    code, out, _ = run(
        "import", str(tmp_path / "twin.html"), str(tmp_path / "later.html"), "--db", str(tmp_path / "b.db")
    )
    assert "1 stored, 1 skipped" in out
    with Archive(tmp_path / "a.db", readonly=True) as archive:
        url = "https://www.ynet.co.il/health/article/B1x7Kq3Zp"
        assert archive.get(url).headline == headline
        code, out, _ = run("import", str(later), "--db", db, "--force")
        assert code == 0 and "1 stored" in out
        assert archive.get(url).headline == "כותרת שונתה אחרי הפרסום"
        assert [v.headline for v in archive.versions(url)] == [headline, "כותרת שונתה אחרי הפרסום"]


def test_search_json(db: Path) -> None:
    code, out, _ = run("search", "ממשלה", "--db", str(db), "--format", "json")
    assert code == 0
    hits = json.loads(out)
    assert hits and {"url", "site", "headline", "published", "snippet"} <= set(hits[0])
    assert hits[0]["exact"] is True
    assert any("<mark>" in h["snippet"] for h in hits)


def test_search_table_and_csv(db: Path) -> None:
    code, out, _ = run("search", "ממשלה", "--db", str(db))
    assert code == 0 and "hits for" in out
    assert "«הממשלה»" in out or "«ממשלה»" in out  # piped, the hits are marked without colour
    code, out, _ = run("search", "ממשל*", "--db", str(db))
    assert code == 0 and ("«הממשלה»" in out or "«ממשלה»" in out)  # a prefix term's words too
    code, out, _ = run("search", "ממשלה", "--db", str(db), "--format", "csv", "--site", "walla")
    rows = list(csv.DictReader(io.StringIO(out)))
    assert rows and {r["site"] for r in rows} == {"walla"}


def test_search_errors_are_clear(db: Path, tmp_path: Path) -> None:
    code, _, err = run("search", '"לא סגור', "--db", str(db))
    assert code == 2 and "unbalanced quotes" in err
    code, _, err = run("search", "x", "--db", str(tmp_path / "none.db"))
    assert code == 2 and "no archive" in err
    code, _, err = run("search", "x", "--db", str(db), "--since", "not-a-date")
    assert code == 2 and "not a date" in err


def test_a_library_warning_reaches_the_command_line_as_one_line(db: Path, tmp_path: Path) -> None:
    copy = tmp_path / "copy.db"
    with sqlite3.connect(db) as source, sqlite3.connect(copy) as target:
        source.backup(target)
    with sqlite3.connect(copy) as conn:
        conn.execute("UPDATE archive_meta SET value = 'index tokens v0' WHERE key = 'index_tokens'")
    result = subprocess.run(
        [sys.executable, "-m", "newsarchive.cli", "search", "ממשלה", "--db", str(copy), "--format", "json"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0 and json.loads(result.stdout)
    assert result.stderr.startswith("newsarchive: warning: building the search index of ")
    assert "made by index tokens v0" in result.stderr and len(result.stderr.splitlines()) == 1


def test_search_reads_the_db_from_the_environment(db: Path) -> None:
    result = CliRunner().invoke(
        main, ["search", "ממשלה", "--format", "json"], env={"NEWSARCHIVE_DB": str(db)}
    )
    assert result.exit_code == 0 and json.loads(result.stdout)


def test_stats(db: Path, tmp_path: Path) -> None:
    code, out, _ = run("stats", "--db", str(db), "--format", "json")
    data = json.loads(out)
    assert data["total"] >= 10
    ynet = next(s for s in data["sites"] if s["site"] == "ynet")
    assert ynet["coverage"]["byline"] == 1.0
    plot = tmp_path / "per-day.png"
    code, out, _ = run("stats", "--db", str(db), "--plot", str(plot))
    assert code == 0 and plot.read_bytes()[:4] == b"\x89PNG"
    assert "with byline" in out


def test_export_jsonl_csv_parquet(db: Path, tmp_path: Path) -> None:
    code, out, _ = run("export", "--db", str(db), "--site", "walla")
    lines = [json.loads(line) for line in out.splitlines()]
    assert lines and {line["site"] for line in lines} == {"walla"}
    assert set(lines[0]) >= {"url", "headline", "authors", "published", "body", "paragraphs", "images"}
    target = tmp_path / "out.csv"
    assert run("export", "--db", str(db), "--format", "csv", "-o", str(target))[0] == 0
    assert list(csv.DictReader(target.open(encoding="utf-8")))
    code, _, err = run("export", "--db", str(db), "--format", "csv", "-o", str(target))
    assert code == 2 and "--force" in err
    assert run("export", "--db", str(db), "--format", "csv", "-o", str(target), "--force")[0] == 0
    parquet = tmp_path / "out.parquet"
    assert run("export", "--db", str(db), "--format", "parquet", "-o", str(parquet))[0] == 0
    import pyarrow.parquet as pq

    table = pq.read_table(parquet)
    assert table.num_rows == json.loads(run("stats", "--db", str(db), "--format", "json")[1])["total"]
    assert table.column("headline").to_pylist() == [
        json.loads(x)["headline"] for x in run("export", "--db", str(db))[1].splitlines()
    ]
    assert run("export", "--db", str(db), "--format", "parquet")[0] == 2


def _get(url: str, timeout: float = 10) -> tuple[int, str]:
    with urllib.request.urlopen(url, timeout=timeout) as response:
        return response.status, response.read().decode("utf-8")


ANNOUNCED = re.compile(r"serving .* at (http://\S+?)/ ")


def start_serve(
    db: Path, log_path: Path, *args: str, env: dict[str, str] | None = None
) -> tuple[subprocess.Popen[bytes], str]:
    """`newsarchive serve` on a free port (--port 0): the process and the base URL it announced (listening
    from then on). The test fails, and the process is stopped, if it announces nothing within 60 s."""
    with log_path.open("wb") as log:  # not a pipe: a full pipe would block the server's logging
        process = subprocess.Popen(
            [sys.executable, "-m", "newsarchive.cli", "serve", "--db", str(db), "--port", "0", *args],
            stdout=log,
            stderr=subprocess.STDOUT,
            env=env,
        )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and process.poll() is None:
        announced = ANNOUNCED.search(log_path.read_text(errors="replace"))
        if announced:
            return process, announced.group(1)
        time.sleep(0.05)
    stop_serve(process)
    pytest.fail("serve did not start: " + log_path.read_text(errors="replace"))


def stop_serve(process: subprocess.Popen[bytes], signum: int = signal.SIGTERM, timeout: float = 10) -> int:
    """Stop `serve` as a user would (SIGTERM), and for sure: SIGKILL when it has not exited in ``timeout``
    seconds. Its exit status."""
    if process.poll() is None:
        process.send_signal(signum)
        try:
            process.wait(timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
    return process.returncode


@contextmanager
def serving(db: Path, tmp_path: Path) -> Iterator[str]:
    """`newsarchive serve` on a free port; yields its base URL, and stops it however the test ends."""
    process, base = start_serve(db, tmp_path / "serve.log")
    try:
        yield base
    finally:
        stop_serve(process)


def test_the_search_page_is_an_analysts_page_in_datasettes_look(db: Path, tmp_path: Path) -> None:
    """Filters (site, dates, author, section), the count per site, pages by relevance or date, and from each
    hit its article, its row and its versions; inside Datasette's own page (its stylesheet and navigation)."""
    with Archive(db, readonly=True) as archive:
        every = archive.search("ממשלה", limit=1000)
        latest = sorted(every, key=lambda hit: hit.published or "", reverse=True)
        per_site = {site: sum(h.site == site for h in every) for site in {h.site for h in every}}
        author = next(a for h in every for a in h.authors)
        by_author = len(archive.search("ממשלה", author=author, limit=1000))
    assert len(every) >= 3
    with serving(db, tmp_path) as base:

        def page(**args: object) -> str:
            status, text = _get(
                f"{base}/-/hebrew-search?" + urllib.parse.urlencode({"q": "ממשלה", **args}, doseq=True)
            )
            assert status == 200
            return text

        whole = page()
        assert "app.css" in whole and "<nav" in whole  # Datasette's page around the search
        assert f">{len(every)} תוצאות" in whole
        for site, count in per_site.items():
            assert re.search(rf"site={site}[^>]*>{site}</a> {count}<", whole), (site, count)
        first_id = re.search(r"/archive/articles/(\d+)", whole)
        assert first_id and f"/archive/article_versions?article_id={first_id.group(1)}" in whole
        # by date: the latest first
        dated = page(order="date")
        assert dated.index(html.escape(latest[0].url)) < dated.index(html.escape(latest[-1].url))
        assert f">{by_author} תוצאות" in page(author=author)
        assert "0 תוצאות" in page(section="no such section")
        assert "0 תוצאות" in page(since="2999-01-01")


def test_serve_end_to_end(db: Path, tmp_path: Path) -> None:
    with serving(db, tmp_path) as base:
        assert base.startswith("http://127.0.0.1:")  # the address it listens on, by default this machine only
        status, page = _get(base + "/")
        assert status == 200 and "archive" in page
        q = urllib.parse.quote("ממשלה")
        status, page = _get(f"{base}/-/hebrew-search?q={q}")
        assert status == 200 and "<mark>" in page and "תוצאות" in page
        status, page = _get(f"{base}/-/hebrew-search?q=" + urllib.parse.quote('"לא סגור'))
        assert "unbalanced quotes" in page
        with Archive(db, readonly=True) as archive:  # ?site= repeated: each site (only the first was taken)
            expected = {site: len(archive.search("ממשלה", site=site)) for site in ("haaretz", "ynet")}
        for sites in (["haaretz"], ["ynet"], ["haaretz", "ynet"]):
            status, page = _get(
                f"{base}/-/hebrew-search?" + urllib.parse.urlencode({"q": "ממשלה", "site": sites}, doseq=True)
            )
            assert f">{sum(expected[s] for s in sites)} תוצאות" in page
        status, data = _get(f"{base}/archive/search.json?_shape=array&q={q}")
        rows = json.loads(data)
        assert rows and all("ממשלה" in (r["snippet"] or "") for r in rows)
        status, data = _get(f"{base}/archive/articles.json?_shape=array&_facet=site")
        assert json.loads(data)
        status, data = _get(f"{base}/archive/headline_changes.json?_shape=array")
        assert status == 200 and json.loads(data) == []  # the canned query runs (no article changed here)
        with pytest.raises(urllib.error.HTTPError):  # read-only: no writes through Datasette
            urllib.request.urlopen(
                urllib.request.Request(f"{base}/archive/-/create", data=b"{}", method="POST"), timeout=10
            )
        before = sqlite3.connect(db).execute("SELECT count(*) FROM articles").fetchone()[0]
        for sql in ("DELETE FROM articles", "UPDATE articles SET headline = 'x'", "DROP TABLE articles",
                    "ATTACH DATABASE 'x.db' AS x", "PRAGMA journal_mode = DELETE"):  # fmt: skip
            with pytest.raises(urllib.error.HTTPError):  # refused, whatever the statement
                _get(f"{base}/archive.json?sql=" + urllib.parse.quote(sql))
        assert sqlite3.connect(db).execute("SELECT count(*) FROM articles").fetchone()[0] == before


def test_serve_binds_loopback_by_default() -> None:
    from newsarchive.cli.serve import serve

    assert next(p for p in serve.params if p.name == "host").default == "127.0.0.1"


@pytest.mark.parametrize("order", ["relevance", "date"])
def test_the_search_pages_cover_every_match_once_in_either_order(db: Path, order: str) -> None:
    from newsarchive.store.browse import search_page

    with Archive(db, readonly=True) as archive:
        first = search_page(archive.db.conn, "ממשלה", order=order, limit=1)
        seen = [
            hit.hit.url
            for offset in range(first.total)
            for hit in search_page(archive.db.conn, "ממשלה", order=order, limit=1, offset=offset).hits
        ]
        expected = {hit.url for hit in archive.search("ממשלה", limit=1000)}
    assert len(seen) == first.total == len(expected) and set(seen) == expected
    assert sum(count for _, count in first.per_site) == first.total
    if order == "date":
        with Archive(db, readonly=True) as archive:
            published = [archive.get(url).published for url in seen]
        dated = [p for p in published if p is not None]
        assert dated == sorted(dated, reverse=True)


def test_the_trends_and_words_pages_show_what_the_commands_give(db: Path, tmp_path: Path) -> None:
    with Archive(db, readonly=True) as archive:
        trend = [row for row in archive.trends("ממשלה", by="month") if row.count]
        telling = archive.words("ממשלה", top=10)
    assert trend and telling.rows
    with serving(db, tmp_path) as base:
        q = urllib.parse.quote("ממשלה")
        status, page = _get(f"{base}/-/trends?q={q}&by=month")
        assert status == 200 and "app.css" in page
        shown = re.findall(r"<tr><td>([\d-]+)</td><td>([^<]+)</td><td class=\"number\">(\d+)</td>", page)
        assert shown == [(row.period, row.site, str(row.count)) for row in trend]
        chart = urllib.request.urlopen(f"{base}/-/trends.png?q={q}&by=month", timeout=60)
        assert chart.headers["content-type"] == "image/png" and chart.read(8) == b"\x89PNG\r\n\x1a\n"
        status, page = _get(f"{base}/-/words?q={q}&top=10")
        words = re.findall(r"<tr><td>([^<]+)</td><td class=\"number\">", page)
        assert words == [row.word for row in telling.rows]
        status, page = _get(f"{base}/-/trends?q=" + urllib.parse.quote('"לא סגור'))
        assert status == 200 and "unbalanced quotes" in page
        status, page = _get(f"{base}/-/hebrew-search?q={q}")
        assert f"/-/trends?q={q}" in page and f"/-/words?q={q}" in page


def test_an_articles_near_duplicates_are_linked_from_its_row_and_its_hit(tmp_path: Path) -> None:
    from .test_dedup import article, paragraphs, republished

    db = tmp_path / "dup.db"
    story = paragraphs(7)
    with Archive(db) as archive:
        archive.store_many(
            [
                article("https://www.ynet.co.il/news/article/dup1", "ynet", story),
                article("https://www.calcalist.co.il/a/dup2", "calcalist", republished(story, 7), hours=2),
                article("https://www.walla.co.il/item/other", "walla", paragraphs(99)),
            ]
        )
        groups = archive.dedup()
        ids = dict(archive.db.execute("SELECT url, id FROM articles").fetchall())
    assert len(groups) == 1
    word = story[0].split()[0]
    with serving(db, tmp_path) as base:
        first = ids["https://www.ynet.co.il/news/article/dup1"]
        status, row = _get(f"{base}/dup/articles/{first}")
        assert status == 200 and f"/dup/dedup_groups?group_id={groups[0].group}" in row
        assert "(2 near-duplicates)" in row
        other = ids["https://www.walla.co.il/item/other"]
        assert "near-duplicates" not in _get(f"{base}/dup/articles/{other}")[1]
        status, page = _get(f"{base}/-/hebrew-search?" + urllib.parse.urlencode({"q": word}))
        assert f"dedup_groups?group_id={groups[0].group}" in page
