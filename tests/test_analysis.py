"""`trends` and `words` on archives built for the purpose, against counts made from what was stored."""

from __future__ import annotations

import json
import random
from collections import Counter
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner

from newsarchive import Article
from newsarchive.cli import main
from newsarchive.dates import ISRAEL
from newsarchive.store import Archive, QueryError
from newsarchive.store.stopwords import HEBREW_STOP_WORDS

SITES = ("ynet", "walla", "haaretz")
#: the forms of ממשלה planted (every one is ממשלה with a prefix, or bare), and words that are not it
GOVERNMENT = ("ממשלה", "הממשלה", "והממשלה", "בממשלה", "לממשלה", "שהממשלה", "כשהממשלה")
NOT_GOVERNMENT = ("ממשלתי", "משלה", "מזג", "האוויר", "כדורגל", "בחירות")
FIRST_DAY = date(2024, 3, 1)
#: days no site published on: periods with nothing at all must still appear
SILENT_DAYS = {date(2024, 3, 9), date(2024, 3, 10), date(2024, 3, 11), date(2024, 3, 12), date(2024, 3, 13)}


def planted_corpus(seed: int = 5) -> tuple[list[Article], set[str]]:
    """About 300 articles over 70 days of three sites, a third with a form of ממשלה (in the headline or
    the body), some published just before or after midnight in Israel, across the change to summer time
    (2024-03-29), a few without a date; returns them and the addresses of those with ממשלה."""
    rng = random.Random(seed)
    articles, with_word = [], set()
    for n in range(300):
        day = FIRST_DAY + timedelta(days=rng.randrange(70))
        if day in SILENT_DAYS:
            continue
        minute = rng.choice([0, 5, 23 * 60 + 55, rng.randrange(24 * 60)])  # around midnight often
        published = datetime(day.year, day.month, day.day, tzinfo=ISRAEL) + timedelta(minutes=minute)
        words = [rng.choice(NOT_GOVERNMENT) for _ in range(12)]
        url = f"https://www.example.co.il/{n}"
        if rng.random() < 0.35:
            words.insert(rng.randrange(len(words)), rng.choice(GOVERNMENT))
            with_word.add(url)
        headline, body = " ".join(words[:4]), " ".join(words[4:])
        articles.append(
            Article(
                url=url,
                site=SITES[n % 3] if n % 7 else "ynet",
                headline=headline,
                published=None if n % 41 == 0 else published,
                paragraphs=[body],
            )
        )
    return articles, with_word


@pytest.fixture(scope="module")
def planted(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[Article], set[str]]:
    path = tmp_path_factory.mktemp("analysis") / "archive.db"
    articles, with_word = planted_corpus()
    with Archive(path) as archive:
        archive.store_many(articles)
    return path, articles, with_word


def period_of(day: date, by: str) -> str:
    if by == "week":
        year, week, _ = day.isocalendar()
        return f"{year}-W{week:02d}"
    return day.isoformat()[:7] if by == "month" else day.isoformat()


def direct_counts(
    articles: list[Article],
    with_word: set[str],
    by: str,
    since: date | None = None,
    until: date | None = None,
) -> tuple[Counter[tuple[str, str]], Counter[tuple[str, str]]]:
    """(matching, total) per (period, site), counted from the articles themselves (their day in Israel)."""
    matching: Counter[tuple[str, str]] = Counter()
    total: Counter[tuple[str, str]] = Counter()
    for article in articles:
        if article.published is None:
            continue
        day = article.published.astimezone(ISRAEL).date()
        if (since and day < since) or (until and day > until):
            continue
        key = (period_of(day, by), article.site)
        total[key] += 1
        matching[key] += article.url in with_word
    return matching, total


def every_period(first: date, last: date, by: str) -> list[str]:
    return list(
        dict.fromkeys(period_of(first + timedelta(days=k), by) for k in range((last - first).days + 1))
    )


@pytest.mark.parametrize("by", ["day", "week", "month"])
def test_trend_counts_and_shares_equal_a_direct_count_with_every_period_present(
    planted: tuple[Path, list[Article], set[str]], by: str
) -> None:
    path, articles, with_word = planted
    with Archive(path, readonly=True) as archive:
        result = archive.trends("ממשלה", by=by)
    matching, total = direct_counts(articles, with_word, by)
    days = [a.published.astimezone(ISRAEL).date() for a in articles if a.published is not None]
    periods = every_period(min(days), max(days), by)
    assert [(r.period, r.site) for r in result] == [(p, s) for p in periods for s in sorted(SITES)]
    for row in result:
        assert (row.count, row.total) == (matching[row.period, row.site], total[row.period, row.site]), row
        assert row.share == (row.count / row.total if row.total else 0.0)
    assert sum(r.count for r in result) + result.undated == len(with_word)  # every prefixed form counted
    assert result.undated == sum(1 for a in articles if a.published is None and a.url in with_word) > 0
    if by == "day":  # the days nobody published on are there, as zeros
        silent = [r for r in result if date.fromisoformat(r.period) in SILENT_DAYS]
        assert len(silent) == len(SILENT_DAYS) * len(SITES) and not any(r.total for r in silent)


@pytest.mark.parametrize(
    "query",
    ['"ממשלה מזג"', "ממשלה OR כדורגל", "ממשלה -בחירות", "=הממשלה", "ממשל*", "headline:ממשלה", "site:walla"],
)
def test_a_trend_counts_exactly_the_articles_search_finds(
    planted: tuple[Path, list[Article], set[str]], query: str
) -> None:
    path, _, _ = planted
    with Archive(path, readonly=True) as archive:
        result = archive.trends(query, by="month")
        found = archive.matching_urls(query)
    assert sum(r.count for r in result) + result.undated == len(found) > 0


def test_a_phrase_the_index_matches_loosely_is_checked_word_by_word_as_search_does(tmp_path: Path) -> None:
    """A long phrase of many readings is matched in a row by the index for its first words only, the rest
    checked in the text: an article holding the words apart is no match, for search or for trends."""
    phrase = "שהממשלה והממשלה כשהממשלה ושהממשלה"
    apart = "שהממשלה והממשלה כשהממשלה מזג ושהממשלה"
    with Archive(tmp_path / "a.db") as archive:
        archive.store_many(
            [
                Article(url="https://x.co.il/row", site="x", headline=f"אתמול {phrase} היום",
                        published=datetime(2024, 5, 1, 12, tzinfo=ISRAEL)),
                Article(url="https://x.co.il/apart", site="x", headline=apart,
                        published=datetime(2024, 5, 1, 13, tzinfo=ISRAEL)),
            ]
        )  # fmt: skip
        assert archive.matching_urls(f'"{phrase}"') == ["https://x.co.il/row"]
        assert [(r.period, r.count, r.total) for r in archive.trends(f'"{phrase}"')] == [("2024-05-01", 1, 2)]


def test_filters_choose_the_sites_and_the_span_and_the_totals_follow(
    planted: tuple[Path, list[Article], set[str]],
) -> None:
    path, articles, with_word = planted
    since, until = date(2024, 3, 20), date(2024, 4, 2)
    with Archive(path, readonly=True) as archive:
        result = archive.trends(
            "ממשלה", by="day", site=["walla", "haaretz"], since=since.isoformat(), until=until.isoformat()
        )
        in_query = archive.trends("ממשלה site:walla since:2024-03-20 until:2024-04-02", by="day")
    matching, total = direct_counts(articles, with_word, "day", since, until)
    assert {r.site for r in result} == {"walla", "haaretz"}
    assert [r.period for r in result][::2] == every_period(since, until, "day")
    for row in result:
        assert (row.count, row.total) == (matching[row.period, row.site], total[row.period, row.site])
    assert [r for r in result if r.site == "walla"] == list(in_query)


def test_periods_are_days_in_israel_and_iso_weeks(tmp_path: Path) -> None:
    """23:30 on Sunday 2024-05-05 in Israel is 20:30 UTC the same day, 00:30 on Monday the 6th is 21:30
    UTC on Sunday: by the day in UTC both would fall on the 5th and in one week."""
    sunday_night = datetime(2024, 5, 5, 23, 30, tzinfo=ISRAEL)
    monday_early = datetime(2024, 5, 6, 0, 30, tzinfo=ISRAEL)
    assert monday_early.astimezone(UTC).date() == date(2024, 5, 5)
    with Archive(tmp_path / "a.db") as archive:
        archive.store_many(
            [
                Article(url="https://x.co.il/1", site="x", headline="הממשלה", published=sunday_night),
                Article(url="https://x.co.il/2", site="x", headline="לממשלה", published=monday_early),
            ]
        )
        by_day = [(r.period, r.count) for r in archive.trends("ממשלה", by="day")]
        by_week = [(r.period, r.count) for r in archive.trends("ממשלה", by="week")]
    assert by_day == [("2024-05-05", 1), ("2024-05-06", 1)]
    assert by_week == [("2024-W18", 1), ("2024-W19", 1)]


def test_a_bad_period_and_a_malformed_query_are_query_errors(
    planted: tuple[Path, list[Article], set[str]],
) -> None:
    path, _, _ = planted
    with Archive(path, readonly=True) as archive:
        with pytest.raises(QueryError, match="by one of day, week, month"):
            archive.trends("ממשלה", by="year")
        with pytest.raises(QueryError, match="unbalanced quotes"):
            archive.trends('"ממשלה')
        with pytest.raises(QueryError, match="too many rows"):
            archive.trends(
                "ממשלה", by="day", since="1990-01-01", until="2024-01-01", site=[f"s{n}" for n in range(30)]
            )


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args))
    return result.exit_code, result.stdout, result.stderr


def test_trends_command_json_csv_and_table(planted: tuple[Path, list[Article], set[str]]) -> None:
    path, articles, with_word = planted
    code, out, err = run("trends", "ממשלה", "--by", "week", "--db", str(path), "--format", "json")
    assert code == 0, err
    rows = json.loads(out)
    assert all(set(row) == {"period", "site", "count", "total", "share"} for row in rows)
    matching, total = direct_counts(articles, with_word, "week")
    assert {(r["period"], r["site"]): (r["count"], r["total"]) for r in rows if r["total"]} == {
        key: (matching[key], total[key]) for key in total
    }
    assert "have no publication date" in err
    code, out, _ = run("trends", "ממשלה", "--by", "month", "--db", str(path), "--format", "csv")
    lines = out.splitlines()
    assert code == 0 and lines[0] == "period,site,count,total,share" and len(lines) == 1 + 3 * len(SITES)
    code, out, _ = run("trends", "ממשלה", "--by", "month", "--db", str(path))
    assert code == 0 and "2024-03" in out and "walla" in out


def test_trends_command_says_what_is_wrong_in_one_line(
    planted: tuple[Path, list[Article], set[str]], tmp_path: Path
) -> None:
    path, _, _ = planted
    code, _, err = run("trends", "ממשלה", "--by", "year", "--db", str(path))
    assert code == 2 and "year" in err and len(err.strip().splitlines()) == 1
    code, _, err = run("trends", '"ממשלה', "--db", str(path))
    assert code == 2 and "invalid query: unbalanced quotes" in err and len(err.strip().splitlines()) == 1
    Archive(tmp_path / "empty.db").close()
    code, _, err = run("trends", "ממשלה", "--db", str(tmp_path / "empty.db"))
    assert code == 2 and "no articles in the archive" in err


def test_trends_plot_is_a_png_written_whole(
    planted: tuple[Path, list[Article], set[str]], tmp_path: Path
) -> None:
    path, _, _ = planted
    plot = tmp_path / "trend.png"
    code, _, err = run("trends", "ממשלה", "--by", "week", "--db", str(path), "--plot", str(plot))
    assert code == 0, err
    assert plot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and plot.stat().st_size > 20_000
    assert not list(tmp_path.glob(".*partial*"))
    code, _, err = run("trends", "ממשלה", "--db", str(path), "--plot", str(tmp_path / "trend.txt"))
    assert code == 2 and ".png" in err and not (tmp_path / "trend.txt").exists()


def test_a_plot_of_twenty_sites_keeps_them_apart(tmp_path: Path) -> None:
    from newsarchive.plots import plot_trend, trend_series

    with Archive(tmp_path / "a.db") as archive:
        archive.store_many(
            Article(
                url=f"https://x.co.il/{n}",
                site=f"site{n % 23:02d}",
                headline="הממשלה" if n % 2 else "מזג האוויר",
                published=datetime(2024, 5, 1, 12, tzinfo=ISRAEL) + timedelta(days=n % 30),
            )
            for n in range(700)
        )
        result = archive.trends("ממשלה", by="day")
    starts, series = trend_series(result)
    assert len(series) == 20 and list(series)[-1] == "4 other sites" and len(starts) == 30
    assert sum(sum(counts) for counts, _ in series.values()) == sum(r.count for r in result)
    plot_trend(result, "ממשלה", tmp_path / "many.svg")
    svg = (tmp_path / "many.svg").read_text()
    assert "site00" in svg and "4 other sites" in svg


# -- words ---------------------------------------------------------------------------------------------

#: the topic planted in the matching articles, each word with prefixes too (ברכבת, והתחנה)
PLANTED = ("רכבת", "תחנה", "נוסעים", "פסים")


def words_corpus(seed: int = 3) -> list[Article]:
    """600 articles of the same background words, stop words among the commonest (as in real text); 120 are
    about trains: they hold the query word (קטר) and the planted words, mostly with a prefix."""
    import wordfreq

    rng = random.Random(seed)
    common = [w for w in wordfreq.top_n_list("he", 3000) if w.isalpha() and len(w) >= 2]
    weights = [wordfreq.word_frequency(w, "he") for w in common]
    prefixes = ("", "", "ה", "ב", "ו", "ל", "וה", "שה")
    articles = []
    for n in range(600):
        words = rng.choices(common, weights=weights, k=120)
        if n % 5 == 0:
            words.append(rng.choice(("הקטר", "קטר", "בקטר")))
            words += [rng.choice(prefixes) + rng.choice(PLANTED) for _ in range(6)]
            words += ["של", "הוא", "והוא", "שהיא", "גם", "אבל"]  # stop words, over-represented here too
        rng.shuffle(words)
        articles.append(
            Article(
                url=f"https://w.co.il/{n}",
                site="ynet",
                headline=" ".join(words[:8]),
                published=datetime(2024, 5, 1, tzinfo=ISRAEL) + timedelta(hours=n),
                paragraphs=[" ".join(words[8:])],
            )
        )
    return articles


@pytest.fixture(scope="module")
def words_archive(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("words") / "archive.db"
    with Archive(path) as archive:
        archive.store_many(words_corpus())
    return path


def test_words_puts_the_planted_words_first_and_no_stop_word_in_the_top_20(words_archive: Path) -> None:
    with Archive(words_archive, readonly=True) as archive:
        result = archive.words("קטר", top=20)
    found = [row.word for row in result]
    assert set(found[: len(PLANTED)]) == set(PLANTED), found
    assert not HEBREW_STOP_WORDS.intersection(found)
    assert "קטר" not in found  # the query's own word says nothing
    assert result.matching == result.matching_read == 120 and result.others_read == 480
    trains = [a for a in words_corpus() if "קטר" in f"{a.headline} {a.body}"]
    planted_count = sum(
        1 for a in trains for w in f"{a.headline} {a.body}".split() if w.lstrip("הבולש") in PLANTED
    )
    assert sum(row.count for row in result if row.word in PLANTED) == planted_count  # prefixed forms too


def test_words_command_json_and_csv(words_archive: Path) -> None:
    code, out, err = run("words", "קטר", "--top", "5", "--db", str(words_archive), "--format", "json")
    assert code == 0, err
    rows = json.loads(out)
    assert len(rows) == 5 and set(rows[0]) == {"word", "score", "count", "other_count"}
    assert rows[0]["score"] >= rows[-1]["score"] and rows[0]["word"] in PLANTED
    code, out, _ = run("words", "קטר", "--top", "3", "--db", str(words_archive), "--format", "csv")
    assert code == 0 and out.splitlines()[0] == "word,score,count,other_count" and len(out.splitlines()) == 4
    code, out, _ = run("words", "קטר", "--db", str(words_archive))
    assert code == 0 and "רכבת" in out
    code, _, err = run("words", "קטר OR", "--db", str(words_archive))
    assert code == 2 and "invalid query" in err


def test_edges_give_empty_answers_not_errors(tmp_path: Path) -> None:
    """--until before the first article, an archive of one word, everything matching."""
    with Archive(tmp_path / "a.db") as archive:
        archive.store_many(
            [
                Article(
                    url=f"https://x.co.il/{n}",
                    site="x",
                    headline="רכבת",
                    published=datetime(2024, 5, 1, tzinfo=ISRAEL),
                )
                for n in range(3)
            ]
        )
        assert list(archive.trends("רכבת", until="2024-01-01")) == []
        assert list(archive.trends("רכבת", since="2024-06-01")) == []
        assert archive.words("site:x").matching == 3  # one word, all of the text: nothing over-represented
        assert [(r.period, r.count, r.total) for r in archive.trends("site:x")] == [("2024-05-01", 3, 3)]
