"""Snippets: a window of the original text around the first hit, with the hits marked.

The work is bounded whatever the text holds (a field may be megabytes of junk, and `hebrew_snippet` runs
inside SQL, where Datasette's time limit cannot stop it): the first hit is looked for in the first
SCAN_CHARS characters only, each word there is looked at once at most, a run of more than LONGEST_WORD
letters is never a hit, at most MOST_CANDIDATES words holding a query word are checked, and the window is
at most WINDOW_CHARS long.
"""

from __future__ import annotations

import re
import unicodedata
from bisect import bisect_right
from collections.abc import Callable
from itertools import islice

from .hebrew import INVISIBLE_CHARS, NIQQUD_CHARS, QUOTE_CHARS, begins_with, matches, normalize

MARK = ("<mark>", "</mark>")
WINDOW_WORDS = 30
#: how much of a text is searched for the first hit; a hit further on gives the text's start, unmarked
SCAN_CHARS = 100_000
#: a run of more letters is never a hit (a word that matches is a query word with at most a short prefix)
LONGEST_WORD = 100
#: words holding a query word that are another word (תשלום holds שלום) looked at before giving up: real
#: text has a few before its first hit
MOST_CANDIDATES = 1_000
#: query words highlighted (a query has at most 32 terms, but a phrase may hold many words)
MOST_TERMS = 32
#: niqqud and quotes taken out of the searched text: a vocalised text has one after almost every letter,
#: so this bounds how much of such a text is searched
MOST_MARK_RUNS = 5_000
_LOOKBACK_CHARS = 40 * WINDOW_WORDS
WINDOW_CHARS = 2 * _LOOKBACK_CHARS

# Deleted by hebrew.normalize, so inside a word: niqqud, accents (combining), invisible marks; and quotes
# between letters (צה"ל, ג'ורג').
_IN_WORD = NIQQUD_CHARS + "\u0300-\u036f" + INVISIBLE_CHARS
_QUOTES = QUOTE_CHARS
_LETTERS_AND_MARKS = rf"(?:[^\W_]|[{_IN_WORD}])*"
_WORD = re.compile(rf"[^\W_]{_LETTERS_AND_MARKS}(?:[{_QUOTES}]+[^\W_]{_LETTERS_AND_MARKS})*")
_TOKEN = re.compile(r"[^\W_]+")
_LETTERS = re.compile(r"[^\W_]*")
_MARK_RUN = re.compile(f"[{_IN_WORD}{_QUOTES}]+")
_ACCENTED_LATIN = re.compile("[\u00c0-\u024f\u1e00-\u1eff]")


def _unaccented(letter: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFD", letter) if not unicodedata.combining(c))


#: é -> e, as hebrew.normalize reads it, letter for letter (so that positions hold)
_UNACCENT = {
    code: base
    for code in [*range(0xC0, 0x250), *range(0x1E00, 0x1F00)]
    if len(base := _unaccented(chr(code))) == 1 and base != chr(code)
}


def snippet(
    text: str,
    terms: list[tuple[str, ...]],
    *,
    prefixes: list[str] = (),  # type: ignore[assignment]
    words: int = WINDOW_WORDS,
    mark: tuple[str, str] = MARK,
) -> str:
    """About ``words`` words of ``text`` around the first word that matches a query term, in any prefixed
    form, or begins with the letters of a prefix term (``prefixes``: ממשל for ממשל*); the matching words
    are wrapped in ``mark``."""
    every = (t for term in terms for t in term)
    wanted = _Wanted(
        set(islice(dict.fromkeys(t for t in every if t and len(t) <= LONGEST_WORD), MOST_TERMS)),
        set(islice(dict.fromkeys(p for p in prefixes if p and len(p) <= LONGEST_WORD), MOST_TERMS)),
    )
    first = _first_hit(text, wanted) if wanted else None
    start = 0
    if first is not None:
        before = [m.start() for m in _WORD.finditer(text, max(0, first - _LOOKBACK_CHARS), first)]
        start = before[-(words // 3)] if len(before) >= words // 3 else (before[0] if before else first)
        if first - _LOOKBACK_CHARS <= 0 and len(before) < words // 3:
            start = 0
    window = list(islice(_WORD.finditer(text, start, start + WINDOW_CHARS), words))
    if not window:
        return ""
    pieces, cursor = [], window[0].start()
    for match in window:
        pieces.append(text[cursor : match.start()])
        word = match.group(0)
        pieces.append(f"{mark[0]}{word}{mark[1]}" if _matches(word, wanted) else word)
        cursor = match.end()
    end = window[-1].end()
    more_after = (
        _WORD.search(text, end, end + _LOOKBACK_CHARS) is not None or len(text) > end + _LOOKBACK_CHARS
    )
    out = "".join(pieces).replace("\n\n", " ¶ ").replace("\n", " ")
    return ("…" if window[0].start() > 0 else "") + out + ("…" if more_after else "")


class _Wanted:
    """The whole words of a query and the letters its prefix terms begin with."""

    def __init__(self, whole: set[str], starts: set[str]) -> None:
        self.whole, self.starts = whole, starts
        self.letters = whole | starts  # every matching word holds one of these

    def __bool__(self) -> bool:
        return bool(self.letters)


def _first_hit(text: str, wanted: _Wanted) -> int | None:
    """Where the first word matching a query term starts. A substring search finds the words that hold a
    query word (the text is long and the terms few), in a copy of the text without niqqud and quotes, which
    split a word's letters; each run of letters is checked once."""
    clean, raw_position = _without_marks(text[:SCAN_CHARS])
    if _ACCENTED_LATIN.search(clean):
        clean = clean.translate(_UNACCENT)
    haystack = clean.lower()
    if len(haystack) != len(clean):  # a letter whose lower case is two letters: keep the positions
        haystack = clean
    upcoming = {word: haystack.find(word) for word in wanted.letters}
    cursor = 0
    for _ in range(MOST_CANDIDATES):
        found = [position for position in upcoming.values() if position >= 0]
        if not found:
            return None
        start, end = _letters_around(haystack, min(found), cursor)
        if end - start <= LONGEST_WORD:
            raw_start = raw_position(start)
            if _matches(text[raw_start : raw_position(end - 1) + 1], wanted):
                return raw_start
        cursor = end
        for word, position in upcoming.items():
            if 0 <= position < cursor:
                upcoming[word] = haystack.find(word, cursor)
    return None


def _letters_around(text: str, position: int, floor: int) -> tuple[int, int]:
    """Where the run of letters around ``position`` starts and ends. It is looked for back to ``floor`` (the
    end of the run looked at before) and LONGEST_WORD letters at most, so a longer run comes back longer
    than LONGEST_WORD but not whole, and no letter is walked over twice."""
    reach = max(floor, position - LONGEST_WORD)
    start = position - _LETTERS.match(text[reach:position][::-1]).end()
    return start, _LETTERS.match(text, position).end()


def _without_marks(text: str) -> tuple[str, Callable[[int], int]]:
    """The text without niqqud, accents, invisible marks and quotes, and where each of its positions is in
    ``text``.
    Cut short before the MOST_MARK_RUNS-th run of them."""
    runs = list(islice(_MARK_RUN.finditer(text), MOST_MARK_RUNS))
    if len(runs) == MOST_MARK_RUNS:
        text = text[: runs.pop().start()]
    pieces, clean_starts, removed = [], [], []
    cursor = total = 0
    for run in runs:
        pieces.append(text[cursor : run.start()])
        clean_starts.append(run.start() - total)
        total += run.end() - run.start()
        removed.append(total)
        cursor = run.end()
    pieces.append(text[cursor:])

    def raw_position(position: int) -> int:
        runs_before = bisect_right(clean_starts, position)
        return position + (removed[runs_before - 1] if runs_before else 0)

    return "".join(pieces), raw_position


def _matches(word: str, wanted: _Wanted) -> bool:
    if not wanted:
        return False
    token = normalize(word)
    if len(token) > LONGEST_WORD:
        return False
    whole = [w for w in wanted.whole if w in token]
    starts = [s for s in wanted.starts if s in token]
    return any(
        any(matches(t, w) for w in whole) or any(begins_with(t, s) for s in starts)
        for t in _TOKEN.findall(token)
    )
