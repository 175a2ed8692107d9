"""Near-duplicate stories: groups across sites and versions, stable in arrival order, kept current as
articles arrive; `export --dedup` and `--collapse` (`similar`: test_similar.py)."""

from __future__ import annotations

import json
import random
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner

from newsarchive import Article
from newsarchive.cli import main
from newsarchive.dates import ISRAEL
from newsarchive.store import Archive

WORDS = (
    "הממשלה אישרה הלילה את התקציב החדש לאחר דיון סוער בכנסת שבו השתתפו שרים וחברי כנסת רבים מכל הסיעות"
    " ראש הממשלה אמר כי ההחלטה תביא לצמיחה במשק ולירידה ביוקר המחיה בעוד האופוזיציה טענה שמדובר"
    " בתקציב של בחירות שיפגע בשכבות החלשות ובמערכת הבריאות והחינוך שר האוצר הציג נתונים על הגירעון"
    " והחוב הלאומי וציין שהבנק המרכזי צפוי להוריד את הריבית בחודשים הקרובים כלכלנים בכירים הזהירו"
    " מפני עלייה באינפלציה ומחירי הדיור והדלק ממשיכים לעלות בכל רחבי הארץ"
).split()
SUBJECT = ["תקציב", "הכנסת", "שר", "האוצר"]
DAY = datetime(2024, 5, 10, 9, 0, tzinfo=ISRAEL)


def paragraphs(seed: int, count: int = 14) -> list[str]:
    """A story of its own: sentences of the same words in another order (stories on one subject)."""
    rng = random.Random(seed)
    return [
        " ".join(rng.choice(WORDS) for _ in range(rng.randint(18, 26))) + " " + " ".join(SUBJECT) + "."
        for _ in range(count)
    ]


def article(url: str, site: str, paras: list[str], hours: float = 0) -> Article:
    return Article(
        url=url,
        site=site,
        headline=f"כותרת {url.rsplit('/', 1)[1]}",
        published=DAY + timedelta(hours=hours),
        paragraphs=paras,
    )


def republished(paras: list[str], seed: int) -> list[str]:
    """Agency copy republished: a new first paragraph, and two words edited further on."""
    rng = random.Random(seed)
    copy = [paragraphs(seed + 1000, 1)[0], *paras[1:]]
    for index in (5, 9):
        words = copy[index].split()
        words[rng.randrange(len(words))] = "עוד"
        copy[index] = " ".join(words)
    return copy


def corpus() -> list[Article]:
    story, other_story, third = paragraphs(1), paragraphs(2), paragraphs(3)
    return [
        article("https://www.ynet.co.il/a/story", "ynet", story, hours=0),
        article("https://www.walla.co.il/a/copy", "walla", republished(story, 7), hours=2),
        # the same subject, written apart: not a near-duplicate
        article("https://www.haaretz.co.il/a/other", "haaretz", other_story, hours=1),
        article("https://www.maariv.co.il/a/third", "maariv", third, hours=3),
        article("https://www.maariv.co.il/a/third-copy", "calcalist", republished(third, 9), hours=-1),
    ]


def group_sets(archive: Archive) -> list[list[str]]:
    return [group.urls for group in archive.dedup()]


@pytest.fixture
def archive(tmp_path: Path) -> Iterator[Archive]:
    with Archive(tmp_path / "archive.db") as archive:
        archive.store_many(corpus())
        yield archive


def test_republished_copy_found_and_other_story_on_the_subject_left_apart(archive: Archive) -> None:
    groups = archive.dedup()
    assert [g.urls for g in groups] == [
        [
            "https://www.maariv.co.il/a/third-copy",
            "https://www.maariv.co.il/a/third",
        ],  # first published first
        ["https://www.ynet.co.il/a/story", "https://www.walla.co.il/a/copy"],
    ]
    assert all(0.8 <= g.similarity < 1 for g in groups)
    # the same subject's other story has no near-duplicate, even at the lowest threshold
    assert all("https://www.haaretz.co.il/a/other" not in g.urls for g in archive.dedup(threshold=0.5))


def test_a_flash_reposted_with_its_first_line_changed(tmp_path: Path) -> None:
    flash = paragraphs(20, count=3)
    with Archive(tmp_path / "flash.db") as archive:
        archive.store_many(
            [
                article("https://www.ynet.co.il/a/flash", "ynet", flash),
                article(
                    "https://www.calcalist.co.il/a/flash", "calcalist", [paragraphs(21, 1)[0], *flash[1:]], 1
                ),
                # another flash on the subject keeps its first line only: not a copy
                article("https://www.walla.co.il/a/flash", "walla", [flash[0], *paragraphs(22, 2)], 2),
            ]
        )
        assert [g.urls for g in archive.dedup()] == [
            ["https://www.ynet.co.il/a/flash", "https://www.calcalist.co.il/a/flash"]
        ]


def edited(paras: list[str], places: list[tuple[int, int]]) -> list[str]:
    """The paragraphs with the words at these (paragraph, word) places replaced."""
    copy = [p.split() for p in paras]
    for index, word in places:
        copy[index][word] = "תיקון"
    return [" ".join(words) for words in copy]


def test_a_short_flash_with_words_edited_and_a_story_with_paragraphs_moved_are_copies(tmp_path: Path) -> None:
    # four edited words break twelve 3-word shingles of some eighty-five: a shingles' Jaccard of 0.74 alone
    flash, story = paragraphs(30, count=3), paragraphs(31, count=6)
    with Archive(tmp_path / "edits.db") as archive:
        archive.store_many(
            [
                article("https://www.ynet.co.il/a/short", "ynet", flash),
                article(
                    "https://www.walla.co.il/a/short",
                    "walla",
                    edited(flash, [(1, 3), (1, 12), (2, 7), (2, 15)]),
                    1,
                ),
                article("https://www.ynet.co.il/a/long", "ynet", story),
                article("https://www.n12.co.il/a/long", "n12", [story[0], *story[3:], *story[1:3]], 1),
            ]
        )
        assert sorted(g.urls for g in archive.dedup()) == [
            ["https://www.ynet.co.il/a/long", "https://www.n12.co.il/a/long"],
            ["https://www.ynet.co.il/a/short", "https://www.walla.co.il/a/short"],
        ]


def forecast(day: int) -> list[str]:
    """A daily forecast in one template: the same wording every day, the day's own figures."""
    rng = random.Random(day)
    cities = ["בירושלים", "בתל אביב", "בחיפה", "בבאר שבע", "באילת", "בטבריה", "בצפת"]
    return [
        "תחזית מזג האוויר למחר: מעונן חלקית עד בהיר, ללא שינוי ניכר בטמפרטורות, והרוחות יהיו חלשות.",
        *(f"{c} הטמפרטורות ינועו בין {rng.randint(8, 19)} ל-{rng.randint(20, 36)} מעלות." for c in cities),
        "בימים הבאים צפויה עלייה קלה בטמפרטורות ואובך קל באזורי ההר והשפלה.",
    ]


def test_a_template_filled_with_each_days_figures_is_no_copy_but_a_copy_of_one_day_is(tmp_path: Path) -> None:
    days = [
        article(f"https://www.ynet.co.il/weather/{d}", "ynet", forecast(d), hours=24 * d) for d in range(30)
    ]
    reposted = ["מזג האוויר: כך ייראה מחר.", *forecast(4)[1:]]
    with Archive(tmp_path / "weather.db") as archive:
        archive.store_many([*days, article("https://www.mako.co.il/weather/4", "n12", reposted, hours=97)])
        assert [g.urls for g in archive.dedup()] == [
            ["https://www.ynet.co.il/weather/4", "https://www.mako.co.il/weather/4"]
        ]


def test_pairs_made_by_another_measure_are_made_again(archive: Archive) -> None:
    from newsarchive.store.dedup import SIGNATURE_MAKER_KEY

    assert len(archive.dedup()) == 2
    with archive.db.conn:  # as an archive deduplicated by an older version left them
        archive.db.execute("UPDATE dedup_pairs SET similarity = 0.55")
        archive.db.execute(
            "UPDATE archive_meta SET value = 'minhash (an older measure)' WHERE key = ?",
            (SIGNATURE_MAKER_KEY,),
        )
    assert len(archive.dedup()) == 2 and all(g.similarity >= 0.8 for g in archive.dedup())


def test_many_identical_bodies_are_one_group_without_a_pair_each(tmp_path: Path) -> None:
    """A body on many pages (agency copy everywhere, boilerplate read as a body) made n²/2 pairs."""
    text = paragraphs(30, count=4)
    copies = [article(f"https://www.site{n}.co.il/a/same", f"site{n}", text, hours=n) for n in range(40)]
    near = article("https://www.near.co.il/a/near", "near", [paragraphs(31, 1)[0], *text[1:]], hours=-1)
    orders = [[*copies, near], [near, *reversed(copies)]]
    found = []
    for n, order in enumerate(orders):
        with Archive(tmp_path / f"same-{n}.db") as archive:
            for start in range(0, len(order), 7):  # arriving in batches, compared after each
                archive.store_many(order[start : start + 7])
                archive.dedup()
            found.append([g.urls for g in archive.dedup()])
            assert archive.db.execute("SELECT count(*) FROM dedup_pairs").fetchone()[0] <= len(copies)
    assert found[0] == found[1]
    assert found[0] == [[near.url, *(c.url for c in copies)]]
    # the copy that stood for the others (the first stored) rewritten: the others keep their group
    with Archive(tmp_path / "same-0.db") as archive:
        rewritten = article(copies[0].url, copies[0].site, paragraphs(32, 4), hours=0)
        assert archive.store_many([rewritten])[0].kind == "changed"
        assert [g.urls for g in archive.dedup()] == [[near.url, *(c.url for c in copies[1:])]]
        more = article("https://www.late.co.il/a/same", "late", text, hours=100)
        archive.store(more)  # a later copy still finds them
        assert [g.urls for g in archive.dedup()] == [[near.url, *(c.url for c in copies[1:]), more.url]]


def test_groups_do_not_depend_on_arrival_order_and_incremental_equals_full(tmp_path: Path) -> None:
    articles = corpus()
    with Archive(tmp_path / "full.db") as full:
        full.store_many(articles)
        expected = group_sets(full)
    for seed in range(3):
        shuffled = articles[:]
        random.Random(seed).shuffle(shuffled)
        with Archive(tmp_path / f"one-by-one-{seed}.db") as growing:
            for item in shuffled:  # a crawl storing one article at a time, dedup asked after each
                growing.store(item)
                growing.dedup()
            assert group_sets(growing) == expected
            # the stored groups (what export --dedup reads) are those of a full recount
            stored = dict(growing.db.execute("SELECT article_id, group_id FROM dedup_groups").fetchall())
            with Archive(tmp_path / f"recount-{seed}.db") as recount:
                recount.store_many(shuffled)
                recount.dedup()
                again = dict(recount.db.execute("SELECT article_id, group_id FROM dedup_groups").fetchall())
            assert stored == again


def test_a_new_version_counts_by_its_latest_body(archive: Archive) -> None:
    assert len(archive.dedup()) == 2
    rewritten = article("https://www.walla.co.il/a/copy", "walla", paragraphs(55), hours=2)
    assert archive.store_many([rewritten])[0].kind == "changed"
    assert [g.urls for g in archive.dedup()] == [
        ["https://www.maariv.co.il/a/third-copy", "https://www.maariv.co.il/a/third"]
    ]


def test_export_dedup_keeps_the_first_published(tmp_path: Path, archive: Archive) -> None:
    out = tmp_path / "out.jsonl"
    result = CliRunner().invoke(main, ["export", "--db", str(archive.path), "--dedup", "-o", str(out)])
    assert result.exit_code == 0, result.output
    urls = {json.loads(line)["url"] for line in out.read_text().splitlines()}
    assert urls == {
        "https://www.ynet.co.il/a/story",
        "https://www.haaretz.co.il/a/other",
        "https://www.maariv.co.il/a/third-copy",
    }


def test_collapse_in_search_and_stats(archive: Archive) -> None:
    assert len(archive.search("תקציב", limit=10)) == 5
    collapsed = {h.url for h in archive.search("תקציב", limit=10, collapse=True)}
    assert collapsed == {
        "https://www.ynet.co.il/a/story",
        "https://www.haaretz.co.il/a/other",
        "https://www.maariv.co.il/a/third-copy",
    }
    assert archive.stats().total == 5 and archive.stats(collapse=True).total == 3


def test_dedup_and_similar_commands(archive: Archive) -> None:
    runner = CliRunner()
    result = runner.invoke(main, ["dedup", "--db", str(archive.path), "--format", "json"])
    assert result.exit_code == 0, result.output
    groups = json.loads(result.stdout)
    assert [g["urls"][0] for g in groups] == [
        "https://www.maariv.co.il/a/third-copy",
        "https://www.ynet.co.il/a/story",
    ]
    assert set(groups[0]) == {"group", "urls", "similarity"}
    result = runner.invoke(main, ["similar", "https://www.ynet.co.il/a/story", "--db", str(archive.path)])
    assert result.exit_code == 0, result.output
    assert "walla.co.il/a/copy" in result.stdout
    bad = runner.invoke(main, ["dedup", "--db", str(archive.path), "--threshold", "0.2"])
    assert bad.exit_code == 2
