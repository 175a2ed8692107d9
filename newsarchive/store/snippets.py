"""Snippets: a window of the original text around the first hit, with the hits marked."""

from __future__ import annotations

import re

from .hebrew import matches, normalize

MARK = ("<mark>", "</mark>")
WINDOW_WORDS = 30
_WORD = re.compile(r"[^\W_]+(?:[\"'\u05f3\u05f4][^\W_]+)*")
_TOKEN = re.compile(r"[^\W_]+")
_NEEDS_NORMALIZING = re.compile("[\"'\u05f3\u05f4\u0591-\u05c7\u200b-\u200f]")
_LOOKBACK_CHARS = 40 * WINDOW_WORDS


def snippet(
    text: str, terms: list[tuple[str, ...]], *, words: int = WINDOW_WORDS, mark: tuple[str, str] = MARK
) -> str:
    """About ``words`` words of ``text`` around the first word that matches a query term, in any prefixed
    form; the matching words are wrapped in ``mark``."""
    wanted = {token for term in terms for token in term}
    first = _first_hit(text, wanted)
    start = 0
    if first is not None:
        before = [m.start() for m in _WORD.finditer(text, max(0, first - _LOOKBACK_CHARS), first)]
        start = before[-(words // 3)] if len(before) >= words // 3 else (before[0] if before else first)
        if first - _LOOKBACK_CHARS <= 0 and len(before) < words // 3:
            start = 0
    window = []
    for match in _WORD.finditer(text, start):
        window.append(match)
        if len(window) >= words:
            break
    if not window:
        return ""
    pieces, cursor = [], window[0].start()
    for match in window:
        pieces.append(text[cursor : match.start()])
        word = match.group(0)
        pieces.append(f"{mark[0]}{word}{mark[1]}" if _matches(word, wanted) else word)
        cursor = match.end()
    more_after = _WORD.search(text, window[-1].end()) is not None
    out = "".join(pieces).replace("\n\n", " ¶ ").replace("\n", " ")
    return ("…" if window[0].start() > 0 else "") + out + ("…" if more_after else "")


def _first_hit(text: str, wanted: set[str]) -> int | None:
    """Where the first word matching a query term starts (a substring search first: the text is long and
    the terms few)."""
    if not wanted:
        return None
    haystack = text.lower()
    if _NEEDS_NORMALIZING.search(haystack):
        for match in _WORD.finditer(text):
            if _matches(match.group(0), wanted):
                return match.start()
        return None
    best = None
    for word in wanted:
        position = haystack.find(word)
        while position != -1 and (best is None or position < best):
            match = _word_at(text, position)
            if match is not None and _matches(match.group(0), wanted):
                best = match.start()
                break
            position = haystack.find(word, position + 1)
    return best


def _word_at(text: str, position: int) -> re.Match[str] | None:
    start = position
    while start > 0 and (text[start - 1].isalnum() or text[start - 1] in "\"'\u05f3\u05f4"):
        start -= 1
    return _WORD.match(text, start)


def _matches(word: str, wanted: set[str]) -> bool:
    if not wanted:
        return False
    token = normalize(word) if _NEEDS_NORMALIZING.search(word) else word.lower()
    if not any(w in token for w in wanted):
        return False
    return any(matches(t, w) for t in _TOKEN.findall(token) for w in wanted)
