"""`similar`: other sites' coverage of one story, a copy first, then accounts written apart, never the
article's own site or what falls outside the window; `copy` marks the near-duplicates."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from click.testing import CliRunner

from newsarchive import Article
from newsarchive.cli import main
from newsarchive.store import Archive

from .test_dedup import DAY, article

FIRE = [
    "שריפה גדולה פרצה הבוקר ביער הכרמל סמוך לחיפה, ועשרות צוותי כבאות והצלה פועלים במקום.",
    "לפי הערכות בכבאות, האש התפשטה במהירות בשל הרוחות החזקות והיובש, ומאות תושבים מהשכונות הסמוכות"
    " פונו מבתיהם.",
    "שלושה מטוסי כיבוי הוזעקו לזירה, והמשטרה חסמה את הכבישים המובילים לאוניברסיטת חיפה ולשכונת דניה.",
    "במשטרה לא שוללים כי השריפה הוצתה בכוונה, ונפתחה חקירה לבירור נסיבות האירוע.",
]
#: agency copy: a lead of its own, a word changed
FIRE_COPY = [
    "עשרות צוותים נלחמים בלהבות בכרמל.",
    *FIRE[1:2],
    FIRE[2].replace("שלושה", "ארבעה"),
    FIRE[3],
]
#: the same event, written apart: its words in other sentences, many with prefixes of their own
FIRE_WRITTEN_APART = [
    "כבאים נאבקים מאז שעות הבוקר בשריפה שהשתוללה ביער בכרמל, בקרבת חיפה.",
    "בשל הרוחות והיובש נדדה האש אל עבר בתי מגורים, ותושבים רבים משכונת דניה התפנו.",
    "מטוסי כיבוי הצטרפו למאמץ, והכבישים לאוניברסיטה נחסמו לתנועה.",
    "חוקרי הכבאות והמשטרה בודקים אם מדובר בהצתה בכוונה, וחקירה נפתחה.",
]
BUDGET = [
    "הממשלה אישרה הלילה את תקציב המדינה לשנה הבאה לאחר דיון ארוך וסוער.",
    "שר האוצר אמר כי התקציב יביא לצמיחה במשק ולירידה ביוקר המחיה.",
    "באופוזיציה טענו שמדובר בתקציב של בחירות שיפגע בשכבות החלשות ובמערכת הבריאות.",
]
SOURCE = "https://www.ynet.co.il/news/article/fire"


def corpus() -> list[Article]:
    return [
        article(SOURCE, "ynet", FIRE),
        article("https://www.walla.co.il/item/fire-copy", "walla", FIRE_COPY, hours=1),
        article("https://www.haaretz.co.il/news/fire", "haaretz", FIRE_WRITTEN_APART, hours=3),
        article("https://www.maariv.co.il/news/budget", "maariv", BUDGET, hours=2),
        # the article's own site: never among the others' coverage
        article("https://www.ynet.co.il/news/article/fire-update", "ynet", FIRE_WRITTEN_APART, hours=4),
        # the same event's account, a week on: outside the window
        article("https://www.n12.co.il/news/fire-week", "n12", FIRE_WRITTEN_APART, hours=24 * 7),
    ]


@pytest.fixture
def archive(tmp_path: Path) -> Iterator[Archive]:
    with Archive(tmp_path / "archive.db") as archive:
        archive.store_many(corpus())
        yield archive


def test_a_copy_first_then_an_account_written_apart_then_another_story(archive: Archive) -> None:
    found = archive.similar(SOURCE, days=3, top=10)
    assert [s.url for s in found] == [
        "https://www.walla.co.il/item/fire-copy",
        "https://www.haaretz.co.il/news/fire",
        "https://www.maariv.co.il/news/budget",
    ]
    copy, apart, other = found
    assert copy.copy is not None and copy.copy >= 0.8 and copy.similarity > apart.similarity
    # written apart, it shares the story's words (prefixed forms counted under their base), not its text
    assert apart.copy is None and apart.similarity > 0.2
    assert other.similarity < apart.similarity / 3
    assert [s.url for s in archive.similar(SOURCE, top=2)] == [copy.url, apart.url]
    # a week is wide enough for the account a week on
    assert "https://www.n12.co.il/news/fire-week" in {s.url for s in archive.similar(SOURCE, days=8)}


def test_the_window_the_scheme_and_articles_that_cannot_be_compared(archive: Archive) -> None:
    # the copy came an hour later, the other story two hours later, the account written apart three
    assert [s.url for s in archive.similar(SOURCE, days=1.5 / 24)] == [
        "https://www.walla.co.il/item/fire-copy"
    ]
    assert archive.similar("http://www.ynet.co.il/news/article/fire")[0].url.endswith("fire-copy")
    with pytest.raises(LookupError):
        archive.similar("https://www.ynet.co.il/news/article/missing")
    archive.store_many(
        [
            Article(url="https://www.ynet.co.il/a/undated", site="ynet", headline="שריפה", paragraphs=FIRE),
            Article(
                url="https://www.ynet.co.il/a/stop-words", site="ynet", published=DAY, paragraphs=["של את על"]
            ),
        ]
    )
    with pytest.raises(ValueError, match="no publication time"):
        archive.similar("https://www.ynet.co.il/a/undated")
    with pytest.raises(ValueError, match="no words to compare"):
        archive.similar("https://www.ynet.co.il/a/stop-words")


def test_the_same_found_when_the_window_is_read_in_chunks_and_a_window_too_large(
    archive: Archive, monkeypatch: pytest.MonkeyPatch
) -> None:
    from newsarchive.store import related

    whole = archive.similar(SOURCE, days=8)
    monkeypatch.setattr(related, "READ_BATCH", 2)
    assert archive.similar(SOURCE, days=8) == whole
    monkeypatch.setattr(related, "MAX_WINDOW", 3)
    with pytest.raises(ValueError, match="hold 4 articles of other sites, more than similar compares"):
        archive.similar(SOURCE, days=8)
    assert len(archive.similar(SOURCE, days=3)) == 3


def test_ties_are_cut_as_they_are_shown_the_earliest_first(tmp_path: Path) -> None:
    copies = [article(f"https://www.walla.co.il/item/c{n}", "walla", FIRE, hours=n) for n in range(1, 6)]
    for name, order in (("forward", copies), ("backward", copies[::-1])):
        with Archive(tmp_path / f"{name}.db") as archive:
            archive.store_many([article(SOURCE, "ynet", FIRE), *order])
            found = archive.similar(SOURCE, top=2)
            assert [s.url[-2:] for s in found] == ["c1", "c2"], name
            assert found[0].similarity == found[1].similarity and all(s.copy == 1.0 for s in found)


def test_arguments_out_of_range_and_dates_at_the_calendars_ends(archive: Archive) -> None:
    for days, top in ((0, 10), (-3, 10), (float("nan"), 10), (3, 0), (3, 2.5)):
        with pytest.raises(ValueError, match=r"days must be|top must be"):
            archive.similar(SOURCE, days=days, top=top)  # type: ignore[arg-type]
    # a window past the calendar's ends reaches to them
    assert len(archive.similar(SOURCE, days=float("inf"))) == 4
    assert len(archive.similar(SOURCE, days=1e12)) == 4
    far = [
        Article(url=f"https://www.ynet.co.il/a/{name}", site="ynet", published=when, paragraphs=FIRE)
        for name, when in (
            ("ancient", datetime(500, 1, 1, tzinfo=UTC)),
            ("far", datetime(9999, 12, 31, tzinfo=UTC)),
        )
    ]
    archive.store_many(far)
    # year 500 is written with four digits, in the order of the others' times
    assert archive.db.execute("SELECT min(published) FROM articles").fetchone()[0] == "0500-01-01T00:00:00Z"
    assert archive.similar("https://www.ynet.co.il/a/ancient", days=2) == []
    assert archive.similar("https://www.ynet.co.il/a/far", days=2) == []
    with archive.db.conn:  # a time written by hand that no reader takes
        archive.db.execute("UPDATE articles SET published = 'soon' WHERE url LIKE '%/ancient'")
    with pytest.raises(ValueError, match="no publication time that can be read"):
        archive.similar("https://www.ynet.co.il/a/ancient")
    # an Israel time of year 1 is before the calendar's first day in UTC: refused, not a crash
    with pytest.raises(ValueError, match="outside the calendar in UTC"):
        archive.store_many(
            [Article(url="https://www.ynet.co.il/a/1", site="ynet", published=datetime(1, 1, 1))]
        )


def test_similar_command(archive: Archive) -> None:
    runner = CliRunner()
    result = runner.invoke(main, ["similar", SOURCE, "--db", str(archive.path), "--format", "json"])
    assert result.exit_code == 0, result.output
    found = json.loads(result.stdout)
    assert [f["url"] for f in found][:2] == [
        "https://www.walla.co.il/item/fire-copy",
        "https://www.haaretz.co.il/news/fire",
    ]
    assert set(found[0]) == {"url", "site", "headline", "published", "similarity", "copy"}
    assert found[0]["copy"] >= 0.8 and found[1]["copy"] is None
    table = runner.invoke(main, ["similar", SOURCE, "--db", str(archive.path)])
    assert table.exit_code == 0, table.output
    header, copy_row = (
        table.stdout.splitlines()[1],
        next(r for r in table.stdout.splitlines() if "walla" in r),
    )
    assert header.split("┃")[1:3] == [" similarity ", " copy "]
    assert f" {found[0]['copy']:.2f} " in copy_row and "haaretz" in table.stdout
    missing = runner.invoke(main, ["similar", "https://www.ynet.co.il/x", "--db", str(archive.path)])
    assert missing.exit_code == 2 and "no article at" in missing.output
