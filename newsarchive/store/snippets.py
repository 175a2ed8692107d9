"""Snippets: a window of the original text around the first hit, with the hits marked."""

from __future__ import annotations

import re

from .hebrew import tokens, variants

MARK = ("<mark>", "</mark>")
WINDOW_WORDS = 30
_WORD = re.compile(r"[^\W_]+(?:[\"'\u05f3\u05f4][^\W_]+)*")


def snippet(
    text: str, terms: list[tuple[str, ...]], *, words: int = WINDOW_WORDS, mark: tuple[str, str] = MARK
) -> str:
    """About ``words`` words of ``text`` around the first word that matches a query term, in any prefixed
    form; the matching words are wrapped in ``mark``."""
    found = list(_WORD.finditer(text))
    if not found:
        return ""
    wanted = {token for term in terms for token in term}
    hits = [i for i, match in enumerate(found) if _matches(match.group(0), wanted)]
    first = hits[0] if hits else 0
    start = max(0, first - words // 3)
    end = min(len(found), start + words)
    start = max(0, end - words)
    hit_set = set(hits)
    pieces = []
    cursor = found[start].start()
    for i in range(start, end):
        match = found[i]
        pieces.append(text[cursor : match.start()])
        pieces.append(f"{mark[0]}{match.group(0)}{mark[1]}" if i in hit_set else match.group(0))
        cursor = match.end()
    out = "".join(pieces).replace("\n\n", " ¶ ").replace("\n", " ")
    return ("…" if start > 0 else "") + out + ("…" if end < len(found) else "")


def _matches(word: str, wanted: set[str]) -> bool:
    return any(token in wanted or any(v in wanted for v in variants(token)) for token in tokens(word))
