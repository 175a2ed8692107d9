"""What the archive says over time and in words: the attention a query gets per period and site (trends),
and the words over-represented in the articles it matches (words).

Both match exactly as `search` does: the same parsed query, filters, prefix expansion and phrase checks
(search.matching_ids), so an article counted here is one `search` finds.
"""

from __future__ import annotations

import heapq
import json
import math
import random
import sqlite3
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from functools import lru_cache
from typing import Any

from ..dates import ISRAEL, format_utc
from .hebrew import INDEX_MARK, index_form
from .query import ParsedQuery, QueryError
from .search import matching_ids, parsed_query
from .search_index import index_texts
from .stopwords import HEBREW_STOP_WORDS

#: what trends counts by: a day, an ISO week (Monday to Sunday) or a calendar month, in Israel time
PERIODS = ("day", "week", "month")
#: the most (period, site) rows a trend may have: a day per row over decades of a thousand sites is a mistake
MAX_TREND_ROWS = 200_000
#: the most articles `words` reads on each side (the matching articles, the others): a uniform sample past it
WORDS_SAMPLE = 2000
#: the Hebrew letters, א to ת: an index token's stem ends in one before the mark
HEBREW_FIRST, HEBREW_LAST = "\u05d0", "\u05ea"
#: the sample is drawn by this seed, so the same archive and query give the same words
WORDS_SEED = 19


@dataclass(frozen=True)
class TrendRow:
    period: str  # 2024-05-15 (day), 2024-W20 (ISO week), 2024-05 (month)
    site: str
    count: int  # matching articles published in the period
    total: int  # all articles of the site published in the period
    share: float  # count / total (0 when total is 0)
    start: date = field(compare=False)  # the period's first day

    def to_dict(self) -> dict[str, Any]:
        return {
            "period": self.period,
            "site": self.site,
            "count": self.count,
            "total": self.total,
            "share": self.share,
        }


@dataclass
class Trends:
    """The rows of a trend, period by period and site by site (every period of the span for every site,
    zero-filled), and the matching articles left out for want of a publication date."""

    by: str
    rows: list[TrendRow]
    undated: int

    def __iter__(self) -> Iterator[TrendRow]:
        return iter(self.rows)

    def __len__(self) -> int:
        return len(self.rows)

    def to_dicts(self) -> list[dict[str, Any]]:
        return [row.to_dict() for row in self.rows]


def trends(
    conn: sqlite3.Connection,
    query: str,
    *,
    by: str = "day",
    site: str | list[str] | None = None,
    since: str | datetime | None = None,
    until: str | datetime | None = None,
    now: datetime | None = None,
) -> Trends:
    """Per period (``by``: day, ISO week or month of the publication time in Israel) and site: how many
    articles the query matches, of how many the site published. Articles without a publication time are
    left out (counted in ``undated``). The span runs from ``since`` (else the first dated article of the
    sites) to ``until`` (else the last); the totals count every article of the site in it, whatever the
    query's other filters (author:, section:...). Raises QueryError for a query or a ``by`` that cannot be
    run."""
    if by not in PERIODS:
        raise QueryError(f"cannot count by {by!r}: by one of {', '.join(PERIODS)}")
    parsed = parsed_query(conn, query, site=site, since=since, until=until, now=now)
    matched, undated = _matched(conn, matching_ids(conn, parsed), by)
    sites = sorted(set(parsed.filters.get("site", []))) or [
        row[0] for row in conn.execute("SELECT DISTINCT site FROM articles ORDER BY site")
    ]
    span = _span(conn, parsed, sites)
    if span is None or span[0] > span[1]:  # no dated article, or --until before the first one
        return Trends(by, [], undated)
    starts = _period_starts(*span, by)
    if len(starts) * len(sites) > MAX_TREND_ROWS:
        raise QueryError(
            f"{len(starts):,} {by}s for {len(sites):,} sites is too many rows: count by a longer period"
            " (--by week or month) or over a shorter span (--since, --until)"
        )
    rows = []
    for n, site_key, total in _totals(conn, parsed, sites, starts, by):
        start = starts[n]
        count = matched[site_key, start.isoformat()]
        rows.append(
            TrendRow(_label(start, by), site_key, count, total, count / total if total else 0.0, start)
        )
    return Trends(by, rows, undated)


def _matched(conn: sqlite3.Connection, ids: list[int], by: str) -> tuple[Counter[tuple[str, str]], int]:
    """The matching articles per (site, period start), by their day in Israel (published_day), and how many
    have no publication time."""
    matched: Counter[tuple[str, str]] = Counter()
    undated = 0
    for site_key, day, count in conn.execute(
        "SELECT a.site, a.published_day, count(*) FROM json_each(?) j JOIN articles a ON a.id = j.value"
        " GROUP BY 1, 2",
        (json.dumps(ids),),
    ):
        if day is None:
            undated += count
        else:
            matched[site_key, _period_start(date.fromisoformat(day), by).isoformat()] += count
    return matched, undated


def _totals(
    conn: sqlite3.Connection, parsed: ParsedQuery, sites: list[str], starts: list[date], by: str
) -> sqlite3.Cursor:
    """(period number, site, articles) for every period and site: those published from the period's first
    Israel midnight to the next one, within since/until. One statement: each count is a range of the
    (site, published) index, counted inside SQLite."""
    ends = [*starts[1:], _next_start(starts[-1], by)]
    low, high = format_utc(parsed.since) or "", format_utc(parsed.until) or "9999"
    bounds = [
        [max(low, _utc_midnight(start)), _utc_midnight(end)] for start, end in zip(starts, ends, strict=True)
    ]
    return conn.execute(
        "WITH s(site) AS (SELECT value FROM json_each(?)),"
        " b(n, low, high) AS (SELECT key, json_extract(value, '$[0]'), json_extract(value, '$[1]')"
        " FROM json_each(?))"
        " SELECT b.n, s.site, (SELECT count(*) FROM articles a WHERE a.site = s.site"
        " AND a.published >= b.low AND a.published < b.high AND a.published <= ?)"
        " FROM b CROSS JOIN s ORDER BY b.n, s.site",
        (json.dumps(sites), json.dumps(bounds), high),
    )


def _span(conn: sqlite3.Connection, parsed: ParsedQuery, sites: list[str]) -> tuple[date, date] | None:
    """The first and last day (in Israel) of the trend: since/until, else the sites' first and last dated
    article; None when there is none."""
    marks = ", ".join("?" * len(sites))
    first, last = conn.execute(
        f"SELECT min(published), max(published) FROM articles WHERE site IN ({marks})", sites
    ).fetchone()
    if first is None and (parsed.since is None or parsed.until is None):
        return None
    start = parsed.since if parsed.since is not None else datetime.fromisoformat(first)
    end = parsed.until if parsed.until is not None else datetime.fromisoformat(last)
    return start.astimezone(ISRAEL).date(), end.astimezone(ISRAEL).date()


def _period_start(day: date, by: str) -> date:
    if by == "week":
        return day - timedelta(days=day.weekday())  # ISO weeks begin on Monday
    if by == "month":
        return day.replace(day=1)
    return day


def _next_start(start: date, by: str) -> date:
    if by == "week":
        return start + timedelta(days=7)
    if by == "month":
        return (start + timedelta(days=32)).replace(day=1)
    return start + timedelta(days=1)


def _period_starts(first: date, last: date, by: str) -> list[date]:
    starts = [_period_start(first, by)]
    while (following := _next_start(starts[-1], by)) <= last:
        starts.append(following)
        if len(starts) > MAX_TREND_ROWS:
            break
    return starts


def _label(start: date, by: str) -> str:
    if by == "week":
        year, week, _ = start.isocalendar()
        return f"{year}-W{week:02d}"
    if by == "month":
        return f"{start:%Y-%m}"
    return start.isoformat()


def _utc_midnight(day: date) -> str:
    """The start of a day in Israel, as the archive writes times (UTC): the bound of a period."""
    return format_utc(datetime.combine(day, time(), tzinfo=ISRAEL)) or ""


@dataclass(frozen=True)
class WordRow:
    word: str  # the word as the index reads it bare: הממשלה, לממשלה and ממשלה count as ממשלה
    score: float  # the z-score of its weighted log-odds ratio (over-represented: positive)
    count: int  # its occurrences in the matching articles read
    other_count: int  # and in the other articles read

    def to_dict(self) -> dict[str, Any]:
        return {
            "word": self.word,
            "score": round(self.score, 3),
            "count": self.count,
            "other_count": self.other_count,
        }


@dataclass
class Words:
    """The most over-represented words, best first, and what they were counted in: ``matching`` articles
    matched, ``matching_read`` of them read (all, or a uniform sample), ``others_read`` other articles."""

    rows: list[WordRow]
    matching: int
    matching_read: int
    others_read: int

    def __iter__(self) -> Iterator[WordRow]:
        return iter(self.rows)

    def __len__(self) -> int:
        return len(self.rows)

    def to_dicts(self) -> list[dict[str, Any]]:
        return [row.to_dict() for row in self.rows]


def words(
    conn: sqlite3.Connection,
    query: str,
    *,
    top: int = 20,
    site: str | list[str] | None = None,
    since: str | datetime | None = None,
    until: str | datetime | None = None,
    now: datetime | None = None,
    sample: int = WORDS_SAMPLE,
) -> Words:
    """The ``top`` words most over-represented in the articles the query matches (as `search` matches)
    against the archive's other articles: the weighted log-odds ratio with an informative Dirichlet prior
    (Monroe, Colaresi & Quinn 2008, "Fightin' Words"), the prior the two sets' counts together, ranked by
    its z-score. Each word counts under the form the index reads it as, its prefixes left (לממשלה is
    ממשלה); stop words (stopwords.HEBREW_STOP_WORDS), numbers, one-letter words and the query's own words
    are left out. Up to ``sample`` articles are read on each side, a uniform sample (fixed seed) past that:
    the counts are those of the articles read."""
    if not 1 <= top <= 1000:
        raise QueryError("top must be between 1 and 1000")
    parsed = parsed_query(conn, query, site=site, since=since, until=until, now=now)
    ids = matching_ids(conn, parsed)
    rng = random.Random(WORDS_SEED)
    chosen = ids if len(ids) <= sample else rng.sample(ids, sample)
    others = _other_ids(conn, set(ids), sample, rng)
    if not chosen:
        return Words([], 0, 0, len(others))
    mine, theirs = _word_counts(conn, sorted(chosen)), _word_counts(conn, sorted(others))  # in index order
    left_out = _query_words(parsed)
    sizes = sum(mine.values()), sum(theirs.values())  # every word counts in the sizes, stop words too
    for word in [w for w in mine if _left_out(w, left_out)]:
        del mine[word]
    best = heapq.nsmallest(top, ((-z, word) for word, z in _log_odds(mine, theirs, sizes)))
    rows = [WordRow(word, -negated, mine[word], theirs[word]) for negated, word in best]
    return Words(rows, len(ids), len(chosen), len(others))


def _other_ids(conn: sqlite3.Connection, matched: set[int], wanted: int, rng: random.Random) -> list[int]:
    """Up to ``wanted`` ids of articles the query does not match: all of them in a small archive, else a
    uniform sample (ids drawn at random from the id range; ids of no article find nothing)."""
    (highest,) = conn.execute("SELECT coalesce(max(id), 0) FROM articles").fetchone()
    if highest - len(matched) <= wanted * 2:
        rows = conn.execute("SELECT id FROM articles ORDER BY id")
        candidates = [i for (i,) in rows if i not in matched]
        return candidates if len(candidates) <= wanted else rng.sample(candidates, wanted)
    found: list[int] = []
    tried: set[int] = set(matched)
    for _ in range(8):  # the draws hit matched or missing ids at times: draw again for what is short
        draw = [i for i in rng.sample(range(1, highest + 1), min(highest, 2 * wanted)) if i not in tried]
        tried.update(draw)
        for start in range(0, len(draw), 5000):
            chunk = draw[start : start + 5000]
            found += [
                i
                for (i,) in conn.execute(
                    "SELECT a.id FROM json_each(?) j JOIN articles a ON a.id = j.value", (json.dumps(chunk),)
                )
            ]
        if len(found) >= wanted:
            return found[:wanted]
    return found


def _word_counts(conn: sqlite3.Connection, ids: list[int]) -> Counter[str]:
    """Occurrences of each word in these articles (headline, subtitle, body, captions), read from the
    search index's own text: its tokens are already the index forms (stem, mark, prefix), so a word counts
    under its stem as the index reads it (every prefixed form of it together)."""
    tokens: Counter[str] = Counter()
    for texts in index_texts(conn, ids):
        tokens.update(" ".join(texts).split())
    words: Counter[str] = Counter()
    for token, count in tokens.items():  # each distinct token once: tens of thousands, not millions
        words[word_of(token)] += count
    return words


def word_of(token: str) -> str:
    """The word an index token counts under: a Hebrew token's stem (every prefixed form of it together,
    as the index reads it), any other token as it is."""
    stem, mark, _ = token.partition(INDEX_MARK)
    # a Hebrew stem ends in a Hebrew letter before its mark; a Latin word may hold an x of its own
    return stem if mark and stem and HEBREW_FIRST <= stem[-1] <= HEBREW_LAST else token


def is_content_word(word: str) -> bool:
    """Whether a word (as :func:`word_of` gives it) says what a text is about: not a stop word (nor the
    stem of one), a number or a single letter."""
    return len(word) >= 2 and word not in stop_stems() and any(c.isalpha() for c in word)


@lru_cache(maxsize=1)
def stop_stems() -> frozenset[str]:
    """The stop words, and the stems the index reads in them (היא may be read as ה+יא): a stop word counts
    under its stem like any word, so the stem is left out too."""
    return HEBREW_STOP_WORDS | {index_form(word).partition(INDEX_MARK)[0] for word in HEBREW_STOP_WORDS}


def _query_words(parsed: ParsedQuery) -> tuple[set[str], tuple[str, ...]]:
    """The stems of the query's own words, and the letters of its prefix terms: every matching article
    holds them, so they say nothing of what the articles are about."""
    stems: set[str] = set()
    letters: list[str] = []
    for term in [t for group in parsed.groups for t in group]:
        if term.prefix:
            letters.append(term.tokens[0])
        for token in term.tokens:
            stems.update({token, index_form(token).partition(INDEX_MARK)[0]})
    return stems, tuple(letters)


def _left_out(word: str, query: tuple[set[str], tuple[str, ...]]) -> bool:
    stems, letters = query
    return not is_content_word(word) or word in stems or word.startswith(letters)


def _log_odds(
    mine: Counter[str], theirs: Counter[str], sizes: tuple[int, int]
) -> Iterator[tuple[str, float]]:
    """(word, z-score) of the words of ``mine``: the log-odds of the word in ``mine`` less its log-odds in
    ``theirs``, each smoothed by the prior alpha_w = the word's count in both (its background frequency,
    weighted by the size of both), over the estimate of its standard deviation."""
    size_mine, size_theirs = sizes
    prior_total = size_mine + size_theirs
    for word, count in mine.items():
        other = theirs[word]
        alpha = count + other
        rest_mine = size_mine + prior_total - count - alpha
        rest_theirs = size_theirs + prior_total - other - alpha
        if rest_mine <= 0 or rest_theirs <= 0:  # the word is all the text there is: nothing to compare
            continue
        in_mine, in_theirs = (count + alpha) / rest_mine, (other + alpha) / rest_theirs
        delta = math.log(in_mine) - math.log(in_theirs)
        variance = 1 / (count + alpha) + 1 / (other + alpha)
        yield word, delta / math.sqrt(variance)
