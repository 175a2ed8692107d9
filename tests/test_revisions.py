"""Revisions: a changing article is kept as its meaningful versions; history, changes and re-extraction."""

from __future__ import annotations

import json
import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from newsarchive.dates import ISRAEL
from newsarchive.extract.version import EXTRACTOR_VERSION
from newsarchive.fetched import FetchedPage
from newsarchive.ingest import extract_page
from newsarchive.reextract import reextract
from newsarchive.store import Archive
from newsarchive.store.revisions import changed_fields, is_due, revisit_interval, word_diff

from .conftest import run_newsarchive
from .sitefarm import Route, SiteFarm, run_crawl, walla_article
from .test_crawl import WALLA, walla_site

ARTICLE = f"{WALLA}/break/555"
OLD_HEADLINE = "מבזק מספר 555 על אירוע חשוב"
NEW_HEADLINE = "מבזק מעודכן: האירוע בצפון הסתיים"
ADDED = "פסקה חדשה שנוספה אחרי הפרסום ובה פרטים נוספים על האירוע ועל הנפגעים."


def changing_article(hit: int) -> Route:
    """What the server answers on its n-th fetch: the original, a rewritten headline, an added paragraph,
    then a one-letter typo fixed (התגובות → התגובת is the reverse: a letter dropped), then the same again."""
    when = (datetime.now(ISRAEL) - timedelta(hours=1)).strftime("%Y-%m-%d %H:%M")
    page = walla_article(555, when=when)
    if hit >= 1:
        page = page.replace(OLD_HEADLINE, NEW_HEADLINE)
    if hit >= 2:
        page = page.replace(
            "</p></div></section>", f"</p><p class='article_speakable'>{ADDED}</p></div></section>"
        )
    if hit >= 3:
        page = page.replace("התגובות", "התגובת")
    return Route(page.encode())


def make_due(db: Path) -> None:
    """As if 20 minutes had passed since the last fetch: an hour-old article is due every 15 minutes."""
    with sqlite3.connect(db) as conn:
        earlier = (datetime.now(UTC) - timedelta(minutes=20)).strftime("%Y-%m-%dT%H:%M:%SZ")
        conn.execute("UPDATE articles SET checked_at = ?", (earlier,))


def test_a_changing_article_keeps_exactly_its_meaningful_versions(tmp_path: Path) -> None:
    db = tmp_path / "a.db"
    with SiteFarm() as farm:
        walla_site(farm, [555])
        farm.add(ARTICLE, dynamic=changing_article)
        code, _, err = run_crawl(farm, ["walla"], db)
        assert code == 0, err
        summaries = []
        for _ in range(3):  # headline rewritten, paragraph added, typo fixed
            make_due(db)
            code, summary, err = run_crawl(farm, ["walla"], db, "--revisit")
            assert code == 0, err
            summaries.append(summary[0])
        assert farm.hits("news.walla.co.il").count("/break/555") == 4
        # nothing is due right after a look: no fetch
        code, summary, err = run_crawl(farm, ["walla"], db, "--revisit")
        assert code == 0, err
        assert farm.hits("news.walla.co.il").count("/break/555") == 4
    assert [(s["changed"], s["unchanged"]) for s in summaries] == [(1, 0), (1, 0), (0, 1)]

    with Archive(db, readonly=True) as archive:
        versions = archive.versions(ARTICLE)
        assert [v.version for v in versions] == [1, 2, 3]
        assert [v.headline for v in versions] == [OLD_HEADLINE, NEW_HEADLINE, NEW_HEADLINE]
        assert versions[1].changed == ["headline"] and versions[2].changed == ["body"]
        assert ADDED in versions[2].body and ADDED not in versions[1].body
        assert len({v.fetched_at for v in versions}) == 3, [v.fetched_at for v in versions]
        pages = archive.db.execute(
            "SELECT count(DISTINCT p.id) FROM pages p JOIN article_versions v ON v.page_id = p.id"
            " WHERE p.url = ?",
            (ARTICLE,),
        ).fetchone()[0]
        assert pages == 3  # each version with its own raw page; the typo fetch kept none
        assert archive.db.execute("SELECT count(*) FROM pages WHERE url = ?", (ARTICLE,)).fetchone()[0] == 3
        current = archive.get(ARTICLE)
        assert current is not None and current.headline == NEW_HEADLINE and ADDED in current.body
        assert len(archive.search("הנפגעים")) == 1  # the index follows the latest version

    result = run_newsarchive("history", ARTICLE, "--db", str(db), "--format", "json")
    assert result.returncode == 0, result.stderr
    history = json.loads(result.stdout)
    assert [h["version"] for h in history] == [1, 2, 3]
    headline_diff = history[1]["diff"]["headline"]
    assert {"op": "removed", "text": "מספר 555 על אירוע חשוב"} in headline_diff
    assert any(p["op"] == "added" and "הסתיים" in p["text"] for p in headline_diff)
    assert any(p["op"] == "added" and "הנפגעים" in p["text"] for p in history[2]["diff"]["body"])
    table = run_newsarchive("history", ARTICLE, "--db", str(db))
    assert table.returncode == 0 and "version 1 → 2" in table.stdout
    # piped, so no colour: removed and added words carry marks of their own
    assert "[-מספר 555 על אירוע חשוב-]" in table.stdout and "{+" in table.stdout
    plain = run_newsarchive("changes", "--since", "yesterday", "--db", str(db))
    assert "[-" in plain.stdout and "{+" in plain.stdout

    result = run_newsarchive("changes", "--since", "yesterday", "--db", str(db), "--format", "json")
    assert result.returncode == 0, result.stderr
    changes = json.loads(result.stdout)
    assert [(c["url"], c["before"], c["after"]) for c in changes] == [(ARTICLE, OLD_HEADLINE, NEW_HEADLINE)]
    assert run_newsarchive("history", f"{WALLA}/break/404404", "--db", str(db)).returncode == 1


def test_what_counts_as_a_change() -> None:
    base = {
        "headline": "שר האוצר הודיע",
        "subtitle": "",
        "body": "פסקה אחת. פסקה שתיים.",
        "authors": "",
        "captions": "",
    }
    assert changed_fields(base, base | {"body": "פסקה   אחת.\nפסקה שתיים!"}) == []  # whitespace, punctuation
    assert changed_fields(base, base | {"body": "פסקה אחת. פסקה שתים."}) == []  # one letter
    assert changed_fields(base, base | {"body": "פסקה אחת. פסקה שתים, ועוד."}) == ["body"]
    assert changed_fields(base, base | {"headline": "שר האוצר התפטר"}) == ["headline"]
    assert changed_fields(base, base | {"authors": "דנה לוי"}) == ["authors"]
    parts = word_diff("שר האוצר הודיע היום", "שר האוצר התפטר היום")
    assert [(p.op, p.text) for p in parts] == [
        ("same", "שר האוצר"),
        ("removed", "הודיע"),
        ("added", "התפטר"),
        ("same", "היום"),
    ]


def test_the_revisit_schedule_slows_down_with_age() -> None:
    assert revisit_interval(timedelta(hours=1)) == timedelta(minutes=15)
    assert revisit_interval(timedelta(hours=5)) == timedelta(hours=1)
    assert revisit_interval(timedelta(days=3)) == timedelta(hours=3)
    assert revisit_interval(timedelta(days=400)) is None
    now = datetime(2024, 5, 15, 12, 0, tzinfo=UTC)
    assert is_due(now - timedelta(hours=1), now - timedelta(minutes=16), now)
    assert not is_due(now - timedelta(hours=1), now - timedelta(minutes=14), now)
    assert not is_due(now - timedelta(days=200), now - timedelta(days=100), now)


def test_reextract_reports_changed_fields_and_rewrites_in_place(tmp_path: Path) -> None:
    from newsarchive.fetched import FetchedPage
    from newsarchive.ingest import ingest

    fixture = Path(__file__).parent / "fixtures" / "ynet" / "react_2021.html"
    url = json.loads(fixture.with_suffix(".json").read_text())["url"]
    db = tmp_path / "a.db"
    with Archive(db) as archive:
        page = FetchedPage(url=url, body=fixture.read_bytes(), fetched_at=datetime(2024, 5, 15, tzinfo=UTC))
        ingest(
            archive,
            [page, FetchedPage(url="https://www.ynet.co.il/", body=b"<html><body>home</body></html>")],
        )
        # an older extractor's reading: a wrong headline and no subtitle
        archive.db.execute(
            "UPDATE articles SET headline = 'כותרת ישנה', subtitle = NULL, extractor_version = '0.0'"
        )
        archive.db.execute("UPDATE versions SET headline = 'כותרת ישנה'")
        archive.db.execute("UPDATE pages SET extractor_version = '0.0'")
        archive.db.conn.commit()

    dry = run_newsarchive("reextract", "--db", str(db), "--dry-run", "--format", "json")
    assert dry.returncode == 0, dry.stderr
    report = json.loads(dry.stdout)
    assert report["pages"] == 2 and report["changed"] == 1 and report["still_rejected"] == 1
    assert report["fields"] == {"headline": 1, "subtitle": 1}
    with Archive(db, readonly=True) as archive:
        assert archive.get(url).headline == "כותרת ישנה"  # a dry run stores nothing

    done = run_newsarchive("reextract", "--db", str(db), "--format", "json")
    assert done.returncode == 0, done.stderr
    with Archive(db, readonly=True) as archive:
        article = archive.get(url)
        assert article.headline.startswith("משרד הבריאות") and article.subtitle
        assert [v.version for v in archive.versions(url)] == [1]  # the same fetch: no new version
        assert archive.versions(url)[0].headline == article.headline
        assert archive.db.execute("SELECT extractor_version FROM articles").fetchone()[0] != "0.0"
        assert archive.search("כותרת ישנה") == []
    # the current extractor has read both pages now: a second run has nothing to do, unless told --all
    again = json.loads(run_newsarchive("reextract", "--db", str(db), "--format", "json").stdout)
    assert again["pages"] == 0 and again["up_to_date"] == 2
    every = json.loads(run_newsarchive("reextract", "--db", str(db), "--all", "--format", "json").stdout)
    assert every["pages"] == 2 and every["unchanged"] == 1 and every["up_to_date"] == 0


def _walla_page(n: int, fetched_at: datetime, *, headline: str | None = None, url: str = "") -> FetchedPage:
    body = walla_article(n)
    if headline is not None:
        body = body.replace("על אירוע חשוב", headline)
    return FetchedPage(url=url or f"{WALLA}/break/{n}", body=body.encode(), fetched_at=fetched_at)


def test_reextract_never_overwrites_a_version_fetched_while_it_ran(tmp_path: Path) -> None:
    """reextract rewrites an article in place from the page it read; a --revisit that stored a new version
    in between (another process, between reextract's read and its write) had that version rewritten with a
    reading of the older page: the row said version 2, with version 1's headline, and the change was gone."""
    db = tmp_path / "a.db"
    first = datetime(2024, 7, 21, 4, 0, tzinfo=UTC)
    with Archive(db) as archive:
        page = _walla_page(7, first)
        archive.store_many([(extract_page(page).article, page)])
    with sqlite3.connect(db) as conn:  # read wrong by an older extractor: reextract rewrites it
        conn.execute("UPDATE articles SET subtitle = 'קריאה של גרסה ישנה'")
        conn.execute("UPDATE pages SET extractor_version = '4'")
    revisited = _walla_page(7, first + timedelta(hours=1), headline="עודכן: האירוע הסתיים")

    def revisit_meanwhile(done: int, total: int) -> None:
        with Archive(db) as other:
            assert [w.kind for w in other.store_many([(extract_page(revisited).article, revisited)])] == [
                "changed"
            ]

    with Archive(db) as archive:
        report = reextract(archive, on_progress=revisit_meanwhile)
    assert report.fetched_again == 1
    with sqlite3.connect(db) as conn:
        assert conn.execute("SELECT version, headline, fetched_at FROM articles").fetchall() == [
            (2, "מבזק מספר 7 עודכן: האירוע הסתיים", "2024-07-21T05:00:00Z")
        ]
        assert conn.execute("SELECT version, headline FROM versions").fetchall() == [
            (1, "מבזק מספר 7 על אירוע חשוב")
        ]


def test_a_recovered_copy_never_becomes_the_newest_version_of_a_stored_article(tmp_path: Path) -> None:
    """A page once rejected (an AMP copy, an older fetch) that now gives an article whose address the archive
    holds became that article's newest version: older text over the newer fetch, and `changes` reported a
    rewrite back to it."""
    db = tmp_path / "a.db"
    first = datetime(2024, 7, 21, 4, 0, tzinfo=UTC)
    copy = _walla_page(7, first, headline="כותרת ישנה", url=f"{WALLA}/break/7?amp=1")
    current = _walla_page(7, first + timedelta(hours=1))
    recoverable = _walla_page(8, first)
    with Archive(db) as archive:
        archive.store_page(copy, "not an article (an older extractor)")
        archive.store_page(recoverable, "not an article (an older extractor)")
        archive.store_many([(extract_page(current).article, current)])
        archive.db.execute("UPDATE pages SET extractor_version = '4' WHERE article_id IS NULL")
        archive.db.conn.commit()
        report = reextract(archive)
    assert (report.recovered, report.recovered_known) == (1, 1)
    with sqlite3.connect(db) as conn:
        assert conn.execute("SELECT url, version, headline FROM articles ORDER BY url").fetchall() == [
            (f"{WALLA}/break/7", 1, "מבזק מספר 7 על אירוע חשוב"),
            (f"{WALLA}/break/8", 1, "מבזק מספר 8 על אירוע חשוב"),
        ]
        assert conn.execute("SELECT count(*) FROM versions").fetchone()[0] == 0


def test_reextract_reads_only_the_pages_an_older_extractor_read(tmp_path: Path) -> None:
    """Every run read every stored page again, however many times the same extractor had read them: after
    an upgrade, a second run (or one resumed after a kill) did all the work again."""
    first = datetime(2024, 7, 21, 4, 0, tzinfo=UTC)
    db = tmp_path / "a.db"
    with Archive(db) as archive:
        pages = [_walla_page(n, first) for n in (1, 2, 3)]
        archive.store_many([(extract_page(page).article, page) for page in pages])
        archive.store_page(_walla_page(4, first, url=f"{WALLA}/tag/4"), "not an article (an older extractor)")
        archive.db.execute(f"UPDATE pages SET extractor_version = '4' WHERE url = '{WALLA}/break/2'")
        archive.db.execute(f"UPDATE pages SET extractor_version = NULL WHERE url = '{WALLA}/tag/4'")
        archive.db.conn.commit()
        dry = reextract(archive, dry_run=True)
        assert (dry.pages, dry.up_to_date, dry.unchanged) == (2, 2, 1)  # break/2 and the unknown reading
        assert reextract(archive, dry_run=True).pages == 2  # a dry run records nothing
        done = reextract(archive)
        assert (done.pages, done.unchanged, done.recovered) == (2, 1, 1)
        again = reextract(archive)
        assert (again.pages, again.up_to_date) == (0, 4)
        assert reextract(archive, every_page=True, dry_run=True).pages == 4
        versions = archive.db.execute("SELECT DISTINCT extractor_version FROM pages").fetchall()
    assert versions == [(EXTRACTOR_VERSION,)]


def test_an_archive_from_before_page_versions_knows_which_extractor_read_its_pages(tmp_path: Path) -> None:
    db = tmp_path / "a.db"
    first = datetime(2024, 7, 21, 4, 0, tzinfo=UTC)
    with Archive(db) as archive:
        page = _walla_page(1, first)
        archive.store_many([(extract_page(page).article, page)])
        archive.store_page(_walla_page(2, first, url=f"{WALLA}/tag/2"), "section or tag page")
        archive.db.execute("UPDATE articles SET extractor_version = '4'")
    with sqlite3.connect(db) as conn:  # as schema version 5 left it
        conn.execute("ALTER TABLE pages DROP COLUMN extractor_version")
        conn.execute("PRAGMA user_version = 5")
    conn.close()
    with Archive(db) as archive:
        read_by = dict(archive.db.execute("SELECT url, extractor_version FROM pages").fetchall())
        assert read_by == {f"{WALLA}/break/1": "4", f"{WALLA}/tag/2": None}  # a rejection's reader: unknown
        assert len(archive.reextractable_pages(read_before=EXTRACTOR_VERSION)) == 2


def test_reextract_says_what_it_left_as_the_archive_has_it(tmp_path: Path) -> None:
    db = tmp_path / "a.db"
    first = datetime(2024, 7, 21, 4, 0, tzinfo=UTC)
    copy = _walla_page(7, first, headline="כותרת ישנה", url=f"{WALLA}/break/7?amp=1")
    current = _walla_page(7, first + timedelta(hours=1))
    with Archive(db) as archive:
        archive.store_page(copy, "not an article (an older extractor)")
        archive.store_many([(extract_page(current).article, current)])
    result = run_newsarchive("reextract", "--db", str(db), "--all")
    assert result.returncode == 0, result.stderr
    assert "already holds (left as it is): 1" in " ".join(result.stdout.split())


@pytest.mark.parametrize("again", ["--revisit", "--refresh"])
def test_a_page_naming_another_article_as_its_canonical_makes_no_version_of_it(
    tmp_path: Path, again: str
) -> None:
    """Fetched again, article 101's page named article 102 as its canonical (a CMS pointing pages at one
    story, a merged story): 102 got version 2 with 101's headline, and `changes` reported 102 rewritten.
    Versions come from an article's own address; a real change fetched in the same run still makes one."""
    db = tmp_path / "a.db"
    when = (datetime.now(ISRAEL) - timedelta(hours=1)).strftime("%Y-%m-%d %H:%M")
    with SiteFarm() as farm:
        walla_site(farm, [101, 102, 103])
        for n in (101, 102, 103):
            farm.add(f"{WALLA}/break/{n}", walla_article(n, when=when))
        code, _, err = run_crawl(farm, ["walla"], db)
        assert code == 0, err
        farm.add(f"{WALLA}/break/101", walla_article(101, when=when).replace("/break/101", "/break/102"))
        farm.add(f"{WALLA}/break/103", walla_article(103, when=when).replace("על אירוע חשוב", "הסתיים"))
        make_due(db)
        code, summary, err = run_crawl(farm, ["walla"], db, again)
        assert code == 0, err
    assert summary[0]["changed"] == 1
    assert summary[0]["skipped"]["names another article of the archive as its canonical"] == 1
    with sqlite3.connect(db) as conn:
        rows = conn.execute("SELECT url, version, headline FROM articles WHERE url LIKE '%/10_'").fetchall()
    assert sorted(rows) == [
        (f"{WALLA}/break/101", 1, "מבזק מספר 101 על אירוע חשוב"),
        (f"{WALLA}/break/102", 1, "מבזק מספר 102 על אירוע חשוב"),
        (f"{WALLA}/break/103", 2, "מבזק מספר 103 הסתיים"),
    ]


def test_an_import_with_force_makes_no_version_of_the_article_a_page_names(tmp_path: Path) -> None:
    """`import --force` of a capture of article 101 whose page named 102 as its canonical made 102's version
    2 with 101's headline, as a revisit did."""
    from .hostile_warcs import article_record, article_url, http_response, member, warc_record

    first, later = tmp_path / "first.warc.gz", tmp_path / "later.warc.gz"
    first.write_bytes(member(article_record(101)) + member(article_record(102)))
    renamed = walla_article(102).replace("/break/102", "/break/999").replace("102 על", "102 מעודכן על")
    later.write_bytes(
        member(
            warc_record(article_url(101), http_response(walla_article(101).replace("/101", "/102").encode()))
        )
        + member(warc_record(article_url(102), http_response(renamed.encode())))
    )
    db = tmp_path / "a.db"
    run_newsarchive("import", str(first), "--db", str(db))
    result = run_newsarchive("import", str(later), "--db", str(db), "--force", "--format", "json")
    report = json.loads(result.stdout)
    # 101's page is 102's claim; 102's page names an address the archive does not hold: a new article there
    assert report["skipped"] == {"names another article of the archive as its canonical": 1}
    assert report["stored"] == {"walla": 1} and report["new_versions"] == {}
    with sqlite3.connect(db) as conn:
        assert conn.execute("SELECT url, version, headline FROM articles ORDER BY url").fetchall() == [
            (f"{WALLA}/break/101", 1, "מבזק מספר 101 על אירוע חשוב"),
            (f"{WALLA}/break/102", 1, "מבזק מספר 102 על אירוע חשוב"),
            (f"{WALLA}/break/999", 1, "מבזק מספר 102 מעודכן על אירוע חשוב"),
        ]
