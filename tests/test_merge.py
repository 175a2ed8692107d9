"""`newsarchive merge OUT SHARD...` and store/merge.py: archives built apart, joined into the one archive
storing the same fetches one by one gives."""

from __future__ import annotations

import json
import random
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from contextlib import closing
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from newsarchive.article import Article, Image
from newsarchive.fetched import FetchedPage
from newsarchive.store import Archive, NotAnArchive, merge
from newsarchive.store.merge import MergeError, merge_archives

from .conftest import run_newsarchive

WORDS = (
    "ממשלה הממשלה בממשלה שר השר האוצר תקציב כנסת הכנסת בחירות ראש עיר מועצה בית ספר תלמידים חינוך רופא"
    " בית חולים מלחמה שלום צבא גבול צפון דרום ירושלים חיפה ים מים גשם חורף קיץ כלכלה בנק ריבית מחיר דירה"
).split()
START = datetime(2024, 5, 1, 8, 0, tzinfo=UTC)


def _text(rng: random.Random, n: int) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(n))


def _article(n: int, revision: int, rng: random.Random) -> Article:
    """Article n as its revision-th fetch shows it: revisions 0 and 1 differ in headline and body; revision
    2 is revision 1 with one letter changed (no new version); 3 is 1 again."""
    seeded = random.Random(n * 7 + min(revision, 1))
    headline = f"{_text(seeded, 6)} {n}"
    body = [_text(seeded, 25) for _ in range(3)]
    if revision == 2:
        body[0] = body[0] + "ה"
    return Article(
        url=f"https://www.example.co.il/news/{n}",
        site=f"site{n % 3}",
        headline=headline,
        subtitle=_text(seeded, 10),
        authors=[f"כתב {n % 5}", "סוכנות"][: 1 + n % 2],
        published=START - timedelta(days=n % 9),
        paragraphs=body,
        images=[Image(src=f"https://img.example.co.il/{n}.jpg", caption=_text(seeded, 5), credit="צלם")],
        section="חדשות",
        language="he",
    )


def _fetches(count: int) -> list[tuple[int, int, datetime]]:
    """(article, revision, fetch time) in fetch order: every article fetched once; every fourth again a day
    later with a real change, then every twelfth with a one-letter change and every twentieth as before;
    every fourth from the second fetched again unchanged. (Not a fetch that says again what an earlier
    version said after another shard's revision: a shard keeps an unchanged fetch as a check time only, so
    no merge can know it came after that revision — docs/archiving.md.)"""
    later = [(1, 0, 24), (2, 0, 48), (3, 0, 72), (0, 2, 36)]  # (revision, n % 4, hours later)
    fetches = [(n, 0, START + timedelta(minutes=n)) for n in range(count)]
    for revision, rest, hours in later:
        every = 12 if revision == 2 else 20 if revision == 3 else 4
        fetches += [
            (n, revision, START + timedelta(hours=hours, minutes=n))
            for n in range(count)
            if n % 4 == rest and n % every == rest
        ]
    return sorted(fetches, key=lambda f: f[2])


def _page(article: Article, fetched_at: datetime) -> FetchedPage:
    body = f"<html><h1>{article.headline}</h1>{article.body}</html>".encode()
    return FetchedPage(article.url, body, headers={"Content-Type": "text/html"}, fetched_at=fetched_at)


def _rejected(url: str, fetched_at: datetime) -> FetchedPage:
    return FetchedPage(url, f"<html>{url} {fetched_at}</html>".encode(), fetched_at=fetched_at)


def _store(
    path: Path, fetches: list[tuple[int, int, datetime]], rejections: list[tuple[str, datetime]]
) -> None:
    """The fetches stored one by one, in fetch order, as a crawl stores them: articles and rejected pages."""
    rng = random.Random(1)
    events = [(at, n, revision, "") for n, revision, at in fetches] + [
        (at, -1, 0, url) for url, at in rejections
    ]
    with Archive(path) as archive:
        for at, n, revision, url in sorted(events, key=lambda e: e[0]):
            if url:
                archive.store_page(_rejected(url, at), "section or tag page")
            else:
                article = _article(n, revision, rng)
                archive.store(article, _page(article, at))


#: pages that gave no article: sections (one fetched twice, the later in another shard), an article's
#: address before it gave the article (that page goes), and after (it stays beside the article's)
REJECTIONS = [(f"https://www.example.co.il/section/{n}", START + timedelta(hours=n)) for n in range(7)] + [
    ("https://www.example.co.il/section/0", START + timedelta(days=3)),
    ("https://www.example.co.il/news/5", START - timedelta(hours=1)),
    ("https://www.example.co.il/news/7", START + timedelta(days=5)),
]


QUERIES = ["ממשלה", "ממשל*", '"בית ספר"', "תקציב הכנסת", "לממשלה", "ירושלים site:site1", "כתב", "חורף OR קיץ"]


def snapshot(path: Path) -> dict[str, Any]:
    """Everything an archive holds that storing the same fetches must reproduce (ids and storage times
    aside: rows are named by their addresses and fetch times)."""
    with closing(sqlite3.connect(path)) as conn:
        conn.row_factory = sqlite3.Row
        page_of = {
            r["id"]: (r["url"], r["sha256"], r["fetched_at"]) for r in conn.execute("SELECT * FROM pages")
        }
        url_of = {r["id"]: r["url"] for r in conn.execute("SELECT id, url FROM articles")}

        def rows(sql: str, drop: tuple[str, ...] = ()) -> list[tuple[Any, ...]]:
            out = []
            for row in conn.execute(sql):
                record = dict(row)
                for name in ("article_id", "id"):
                    if name in record and name not in drop:
                        record[name] = url_of.get(record[name]) if name == "article_id" else None
                if "page_id" in record:
                    record["page_id"] = page_of.get(record["page_id"])
                for name in drop:
                    record.pop(name, None)
                out.append(tuple(sorted((k, str(v)) for k, v in record.items())))
            return sorted(out)

        result = {
            "articles": rows("SELECT * FROM articles", ("stored_at",)),
            "versions": rows("SELECT * FROM versions", ("stored_at",)),
            "pages": rows("SELECT * FROM pages"),
            "authors": rows("SELECT * FROM authors"),
            "images": rows("SELECT * FROM images"),
            "index": sorted(
                (url_of[r[0]], r[1], r[2])
                for r in conn.execute("SELECT rowid, headline, text FROM articles_fts")
            ),
        }
    with Archive(path, readonly=True) as archive:
        result["search"] = {
            q: sorted((h.url, round(h.score, 6), h.snippet) for h in archive.search(q, limit=500))
            for q in QUERIES
        }
    return result


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """One archive of every fetch, and the same fetches split into three shards: each fetch in one shard
    at random, a fifth of them in two (overlaps), so that an article's revisions land in different
    shards; the pages that gave no article too, one address rejected in two shards."""
    folder = tmp_path_factory.mktemp("merge")
    fetches = _fetches(120)
    rejections = REJECTIONS
    _store(folder / "single.db", fetches, rejections)
    rng = random.Random(18)
    split: list[tuple[list[Any], list[Any]]] = [([], []) for _ in range(3)]
    for fetch in fetches:
        for shard in rng.sample(range(3), 2 if rng.random() < 0.2 else 1):
            split[shard][0].append(fetch)
    for i, rejection in enumerate(rejections):
        split[i % 3][1].append(rejection)
    for i, (shard_fetches, shard_rejections) in enumerate(split):
        _store(folder / f"shard{i}.db", shard_fetches, shard_rejections)
    return {"single": folder / "single.db", **{f"shard{i}": folder / f"shard{i}.db" for i in range(3)}}


def test_merged_shards_equal_the_single_archive(built: dict[str, Path], tmp_path: Path) -> None:
    out = tmp_path / "merged.db"
    report = merge_archives(out, [built["shard0"], built["shard1"], built["shard2"]])
    expected, merged = snapshot(built["single"]), snapshot(out)
    with closing(sqlite3.connect(built["single"])) as conn:
        assert (
            conn.execute("SELECT count(*) FROM versions").fetchone()[0] == 30
        )  # every fourth article revised
        assert conn.execute("SELECT count(*) FROM pages WHERE article_id IS NULL").fetchone()[0] == 8
    for part in expected:
        assert merged[part] == expected[part], part
    assert all(merged["search"][q] for q in QUERIES[:4])
    assert report.articles == 120
    assert sum(s.articles_new for s in report.shards) == 120
    assert sum(s.duplicates_skipped for s in report.shards) > 0
    assert sum(s.articles_revised for s in report.shards) > 0


def test_the_order_of_the_shards_does_not_matter_and_a_second_merge_adds_nothing(
    built: dict[str, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(merge, "OVERLAP_BATCH", 7)  # the histories of shared articles read 7 at a time
    out = tmp_path / "merged.db"
    merge_archives(out, [built["shard2"], built["shard0"]])
    with Archive(out) as archive:  # into an existing, non-empty archive, through the façade
        archive.merge([built["shard1"]])
    assert snapshot(out) == snapshot(built["single"])
    again = merge_archives(out, [built["shard1"], built["shard0"]])
    assert [(s.articles_new, s.versions_added, s.pages_added) for s in again.shards] == [(0, 0, 0)] * 2
    assert snapshot(out) == snapshot(built["single"])


def test_a_shard_merged_into_the_whole_archive_changes_nothing(
    built: dict[str, Path], tmp_path: Path
) -> None:
    out = tmp_path / "copy.db"
    shutil.copy(built["single"], out)
    report = merge_archives(out, [built["shard0"]])
    assert report.shards[0].articles_new == 0 and report.shards[0].versions_added == 0
    assert snapshot(out) == snapshot(built["single"])


def test_http_and_https_of_one_address_are_one_article(tmp_path: Path) -> None:
    rng = random.Random(0)
    old, new = _article(4, 0, rng), _article(4, 1, rng)
    with Archive(tmp_path / "a.db") as archive:
        archive.store(old, _page(old, START))
    plain = Article.from_dict(new.to_dict() | {"url": new.url.replace("https://", "http://")})
    with Archive(tmp_path / "b.db") as archive:
        archive.store(plain, _page(plain, START + timedelta(days=1)))
    merge_archives(tmp_path / "a.db", [tmp_path / "b.db"])
    with Archive(tmp_path / "a.db", readonly=True) as archive:
        assert archive.count() == 1
        versions = archive.versions(old.url)
        assert [v.headline for v in versions] == [old.headline, new.headline]
        assert archive.get(old.url) is not None  # the address the output held is kept


def test_extractor_version_of_pages_is_carried_over(built: dict[str, Path], tmp_path: Path) -> None:
    shard = tmp_path / "shard.db"
    shutil.copy(built["shard0"], shard)
    with closing(sqlite3.connect(shard)) as conn, conn:
        conn.execute("UPDATE pages SET extractor_version = '7' WHERE id % 2 = 0")
        expected = sorted(conn.execute("SELECT url, fetched_at, extractor_version FROM pages"))
    merge_archives(tmp_path / "out.db", [shard])
    with closing(sqlite3.connect(tmp_path / "out.db")) as conn:
        assert sorted(conn.execute("SELECT url, fetched_at, extractor_version FROM pages")) == expected


def test_an_older_shard_is_upgraded_in_a_copy_and_left_as_it_was(
    built: dict[str, Path], tmp_path: Path
) -> None:
    """A shard of schema 5 (no pages.extractor_version) and an index made by other rules: merged through an
    upgraded copy (its index built again, never copied row by row), the shard itself untouched."""
    shard = tmp_path / "old.db"
    shutil.copy(built["shard1"], shard)
    with closing(sqlite3.connect(shard)) as conn, conn:
        conn.execute("ALTER TABLE pages DROP COLUMN extractor_version")
        conn.execute("UPDATE archive_meta SET value = 'other rules' WHERE key = 'index_tokens'")
        conn.execute("UPDATE articles_fts SET text = 'זבל' ")  # tokens of other rules
        conn.execute("PRAGMA user_version = 5")
    before = shard.read_bytes()
    with pytest.warns(UserWarning, match="search index"):
        report = merge_archives(tmp_path / "out.db", [shard])
    assert report.shards[0].upgraded_from == 5
    assert shard.read_bytes() == before
    direct = tmp_path / "direct.db"
    merge_archives(direct, [built["shard1"]])
    assert snapshot(tmp_path / "out.db")["index"] == snapshot(direct)["index"]
    assert snapshot(tmp_path / "out.db")["search"] == snapshot(direct)["search"]


@pytest.fixture
def junk(tmp_path: Path, built: dict[str, Path]) -> dict[str, Path]:
    (tmp_path / "notes.txt").write_text("not an archive")
    with closing(sqlite3.connect(tmp_path / "shop.db")) as conn:
        conn.execute("CREATE TABLE customers (id INTEGER PRIMARY KEY)")
    damaged = tmp_path / "damaged.db"
    shutil.copy(built["shard0"], damaged)
    data = bytearray(damaged.read_bytes())
    for offset in range(4096 * 3, len(data) - 4096, 4096 * 2):  # a scribble over every other page
        data[offset + 100 : offset + 400] = b"\xff" * 300
    damaged.write_bytes(bytes(data))
    newer = tmp_path / "newer.db"
    shutil.copy(built["shard0"], newer)
    with closing(sqlite3.connect(newer)) as conn:
        conn.execute("PRAGMA user_version = 99")
    return {"notes": tmp_path / "notes.txt", "shop": tmp_path / "shop.db", "damaged": damaged, "newer": newer}


def test_files_that_cannot_be_merged_are_refused_before_anything_is_written(
    built: dict[str, Path], junk: dict[str, Path], tmp_path: Path
) -> None:
    out = tmp_path / "out.db"
    merge_archives(out, [built["shard0"]])
    before = snapshot(out)
    good = built["shard1"]
    for bad, error in [
        (junk["notes"], NotAnArchive),
        (junk["shop"], NotAnArchive),
        (junk["damaged"], MergeError),
        (junk["newer"], MergeError),
        (tmp_path / "missing.db", MergeError),
        (tmp_path, MergeError),
        (out, MergeError),
        (good, MergeError),  # the same shard twice
    ]:
        with pytest.raises(error):
            merge_archives(out, [good, bad])  # the good shard first: it is not merged either
        assert snapshot(out) == before, bad
    with pytest.raises(MergeError):
        merge_archives(out, [])


MISTAKES = [
    (["{dir}/missing.db"], 2, "does not exist"),
    (["{shard}", "{shard}"], 2, "named twice"),
    (["{out}"], 2, "merged into"),
    (["{dir}/notes.txt"], 1, "not an SQLite database"),
    (["{dir}/shop.db"], 1, "not a newsarchive archive"),
    (["{dir}/damaged.db"], 1, "damaged"),
    (["{dir}/newer.db"], 1, "newer than this newsarchive"),
]


@pytest.mark.parametrize(("args", "status", "said"), MISTAKES, ids=[" ".join(m[0]) for m in MISTAKES])
def test_merge_mistakes_are_one_line_and_a_status(
    built: dict[str, Path], junk: dict[str, Path], tmp_path: Path, args: list[str], status: int, said: str
) -> None:
    out = tmp_path / "out.db"
    shutil.copy(built["shard2"], out)
    before = out.read_bytes()
    names = {"{dir}": str(tmp_path), "{shard}": str(built["shard0"]), "{out}": str(out)}
    argv = [a for arg in args for a in [arg.replace("{dir}", names["{dir}"])]]
    argv = [names.get(a, a) for a in argv]
    result = run_newsarchive("merge", str(out), *argv, cwd=tmp_path)
    assert result.returncode == status, result.stderr
    assert len(result.stderr.splitlines()) == 1 and said in result.stderr, result.stderr
    assert "Traceback" not in result.stderr
    assert out.read_bytes() == before


def test_merge_command_reports_per_shard_as_a_table_and_as_json(
    built: dict[str, Path], tmp_path: Path
) -> None:
    out = tmp_path / "out.db"
    shards = [str(built[f"shard{i}"]) for i in range(3)]
    result = run_newsarchive("merge", str(out), *shards, "--format", "json", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert [s["shard"] for s in report["shards"]] == shards
    assert report["articles"] == 120 and sum(s["articles_new"] for s in report["shards"]) == 120
    table = run_newsarchive("merge", str(out), shards[0], cwd=tmp_path)
    assert table.returncode == 0, table.stderr
    assert "shard0.db" in table.stdout and "duplicates" in table.stdout


@pytest.fixture(scope="module")
def big_shards(tmp_path_factory: pytest.TempPathFactory) -> list[str]:
    """Three shards of 4,000 articles with their pages: large enough that a signal lands inside a shard's
    transaction."""
    folder = tmp_path_factory.mktemp("big")
    shards = []
    for i in range(3):
        path = folder / f"big{i}.db"
        rng = random.Random(i)
        with Archive(path) as archive:
            items = []
            for n in range(i * 4000, (i + 1) * 4000):
                article = _article(n, 0, rng)
                items.append((article, _page(article, START + timedelta(seconds=n))))
            archive.store_many(items)
        shards.append(str(path))
    return shards


def test_a_merge_killed_midway_leaves_the_output_whole_and_a_rerun_completes(
    big_shards: list[str], tmp_path: Path
) -> None:
    """SIGKILL while the second of three large shards is being merged: the output holds the first shard
    (whole: integrity, and no article without its index row), and the same command completes it."""
    shards = big_shards
    out = tmp_path / "out.db"
    script = (
        "import sys, time\nfrom newsarchive.store.merge import merge_archives\n"
        "def tick(done, total, report):\n    print(done, flush=True)\n"
        "merge_archives(sys.argv[1], sys.argv[2:], on_progress=tick)\n"
    )
    process = subprocess.Popen([sys.executable, "-c", script, str(out), *shards], stdout=subprocess.PIPE,
                               text=True)  # fmt: skip
    assert process.stdout is not None
    assert process.stdout.readline().strip() == "1"  # the first shard is committed
    time.sleep(0.05)
    process.send_signal(signal.SIGKILL)
    process.wait()
    with closing(sqlite3.connect(out)) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        articles = conn.execute("SELECT count(*) FROM articles").fetchone()[0]
        indexed = conn.execute("SELECT count(*) FROM articles_fts").fetchone()[0]
        assert articles in (4000, 8000, 12000) and indexed == articles
    merge_archives(out, shards)
    with closing(sqlite3.connect(out)) as conn:
        assert conn.execute("SELECT count(*) FROM articles").fetchone()[0] == 12000
        assert conn.execute("SELECT count(*) FROM pages").fetchone()[0] == 12000
        assert conn.execute("SELECT count(*) FROM articles_fts").fetchone()[0] == 12000


def test_histories_are_joined_in_fetch_order_whatever_order_they_were_stored_in(tmp_path: Path) -> None:
    """The output stored a later fetch before an earlier one (an import of older pages after a crawl): once a
    shard holding the article is merged, its history is in fetch order and the latest fetch is the row
    searched, with its authors, pictures and index text."""
    rng = random.Random(0)
    first, second = _article(8, 0, rng), _article(8, 1, rng)
    with Archive(tmp_path / "out.db") as archive:
        archive.store(second, _page(second, START + timedelta(days=1)))
        archive.store(first, _page(first, START))
    with Archive(tmp_path / "shard.db") as archive:
        archive.store(first, _page(first, START))
    merge_archives(tmp_path / "out.db", [tmp_path / "shard.db"])
    with Archive(tmp_path / "single.db") as archive:
        archive.store(first, _page(first, START))
        archive.store(second, _page(second, START + timedelta(days=1)))
    merged, single = snapshot(tmp_path / "out.db"), snapshot(tmp_path / "single.db")
    assert merged == single
    with Archive(tmp_path / "out.db", readonly=True) as archive:
        assert [v.headline for v in archive.versions(first.url)] == [first.headline, second.headline]
        assert archive.get(first.url).headline == second.headline


def test_merge_stopped_by_sigterm_says_what_was_merged_and_the_next_run_completes_it(
    big_shards: list[str], tmp_path: Path
) -> None:
    out = tmp_path / "out.db"
    process = subprocess.Popen(
        [sys.executable, "-m", "newsarchive.cli", "merge", str(out), *big_shards],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:  # the first shard committed: stop it in the second
        time.sleep(0.01)
        if out.exists():
            with closing(sqlite3.connect(f"file:{out}?mode=ro", uri=True)) as conn:
                try:
                    if conn.execute("SELECT count(*) FROM articles").fetchone()[0]:
                        break
                except sqlite3.OperationalError:  # not made yet
                    continue
    process.send_signal(signal.SIGTERM)
    _, stderr = process.communicate(timeout=60)
    assert process.returncode == 143, stderr
    assert len(stderr.splitlines()) == 1 and "merge terminated" in stderr
    assert "holds 4,000 article(s)" in stderr and "run the same merge again" in stderr
    with closing(sqlite3.connect(out)) as conn:
        assert conn.execute("SELECT count(*) FROM articles").fetchone()[0] == 4000
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    assert not [p for p in tmp_path.iterdir() if p.is_dir()]  # no upgraded copy left behind
    again = run_newsarchive("merge", str(out), *big_shards, "--format", "json", cwd=tmp_path)
    assert again.returncode == 0, again.stderr
    assert [s["articles_new"] for s in json.loads(again.stdout)["shards"]] == [0, 4000, 4000]
