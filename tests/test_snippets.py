"""Snippets: the first word the index matches, marked in every prefixed form, found in time linear in the text
and bounded whatever the text holds."""

from __future__ import annotations

import random
import time

import pytest

from newsarchive.store.hebrew import tokens
from newsarchive.store.query import parse_query
from newsarchive.store.snippets import (
    _WORD,
    SCAN_CHARS,
    WINDOW_CHARS,
    _first_hit,
    _matches,
    _Wanted,
    snippet,
)

WORDS = ["שלום", "ממשלה", "ירושלים", "בית", "ספר", "תשלום", "שלומות", "מדינה", "Google", "café", "2024"]
PREFIXES = ["", "", "", "ה", "ו", "ב", "ל", "מ", "ש", "וה", "כש", "ת"]
#: written forms that hebrew.normalize reads as the plain word: niqqud, gershayim and geresh (typed in any of
#: their forms), a soft hyphen or a directional mark inside the word, accents, capitals
ODD_FORMS = ["שָׁלוֹם", "בְּשָׁלוֹם", 'צה"ל', "צה״ל", "צה“ל", "ג'ורג'", "ג’ורג’", "ממ\u00adשלה", "של\u200fום",
             'של""ום', "בית־ספר", "GOOGLE", "CAFÉ", "cafe\u0301", "İstanbul"]  # fmt: skip
SEPARATORS = [" ", " ", " ", ", ", ". ", "\n", "\n\n", ' "', '" ', " (", ") ", " - "]


def _text(rng: random.Random, words: int) -> str:
    out = []
    for _ in range(words):
        word = rng.choice(ODD_FORMS) if rng.random() < 0.1 else rng.choice(PREFIXES) + rng.choice(WORDS)
        out.append(word + rng.choice(SEPARATORS))
    return "".join(out)


def _first_word_that_matches(text: str, wanted: _Wanted) -> int | None:
    """The plain way: every word of the text in turn."""
    return next((m.start() for m in _WORD.finditer(text) if _matches(m.group(0), wanted)), None)


def _wanted(query: str) -> _Wanted:
    parsed = parse_query(query)
    return _Wanted({t for term in parsed.highlight_tokens() for t in term}, set(parsed.highlight_prefixes()))


@pytest.mark.parametrize(
    "query",
    ["שלום", "ממשלה", 'צה"ל', "google", "cafe", "ספר", "ג'ורג'", '"בית ספר"', "ממשל*", "של*", "ספ* Goo*"],
)
def test_the_first_hit_is_the_first_word_that_matches(query: str) -> None:
    rng = random.Random(query)
    wanted = _wanted(query)
    for _ in range(300):
        text = _text(rng, rng.randint(1, 200))
        assert _first_hit(text, wanted) == _first_word_that_matches(text, wanted), text


def test_every_prefixed_form_is_marked_and_other_words_are_not() -> None:
    text = "אמרו שלום, ושלום לכולם; לשלום יש מחיר. התשלום בוצע והשלומות נמשכו."
    out = snippet(text, [("שלום",)])
    assert out.count("<mark>") == 3
    assert "<mark>שלום</mark>, <mark>ושלום</mark>" in out and "<mark>לשלום</mark>" in out
    assert "התשלום" in out and "<mark>התשלום" not in out


def test_the_words_a_prefix_term_finds_are_marked_and_no_others() -> None:
    text = "אתמול הודיעה הממשלה על צעד של ממשלת ישראל, והמשלחת ומספר השרים יצאו. ממש כך."
    parsed = parse_query("ממשל* מספ*")
    out = snippet(text, parsed.highlight_tokens(), prefixes=parsed.highlight_prefixes())
    assert "<mark>הממשלה</mark>" in out and "<mark>ממשלת</mark>" in out and "<mark>ומספר</mark>" in out
    assert out.count("<mark>") == 3  # המשלחת is ה+משלחת; ממש is shorter than the letters


def test_a_negated_prefix_term_is_not_marked() -> None:
    parsed = parse_query("ישראל -ממשל*")
    out = snippet("ממשלת ישראל", parsed.highlight_tokens(), prefixes=parsed.highlight_prefixes())
    assert out == "ממשלת <mark>ישראל</mark>"


@pytest.mark.parametrize(
    ("text", "query", "marked"),
    [
        ("בהודעת דובר צה״ל נאמר", 'צה"ל', "צה״ל"),
        ("כתוב שָׁלוֹם בניקוד", "שלום", "שָׁלוֹם"),
        ("נאמר בְּשָׁלוֹם בניקוד", "שלום", "בְּשָׁלוֹם"),
        ("ראש הממ\u00adשלה נאם", "ממשלה", "הממ\u00adשלה"),
        ("חברת GOOGLE הודיעה", "google", "GOOGLE"),
    ],
)
def test_written_forms_the_index_reads_as_the_word_are_marked(text: str, query: str, marked: str) -> None:
    assert f"<mark>{marked}</mark>" in snippet(text, [tuple(tokens(query))])


def test_the_window_is_about_thirty_words_around_the_first_hit() -> None:
    words = [f"מילה{n}" for n in range(200)]
    words[120] = "והשלום"
    out = snippet(" ".join(words), [("שלום",)])
    assert out.startswith("…") and out.endswith("…") and "<mark>והשלום</mark>" in out
    assert len(out.split()) == 30 and "מילה110" in out and "מילה99 " not in out


def test_without_a_hit_the_snippet_is_the_start_of_the_text() -> None:
    assert snippet("אין כאן את המילה בכלל", [("שלום",)]) == "אין כאן את המילה בכלל"
    assert snippet("", [("שלום",)]) == ""


def test_a_hit_past_the_scanned_part_gives_the_start_unmarked() -> None:
    text = "מילה " * (SCAN_CHARS // 5 + 10) + "שלום"
    out = snippet(text, [("שלום",)])
    assert out.startswith("מילה") and "<mark>" not in out


HOSTILE = {
    "2,000,000 letters, no space": ("א" * 2_000_000, "א"),
    "a 120,000-letter run of the word, then the word": ("שלום" * 30_000 + " שלום", "שלום"),
    "2,000,000 letters of words that hold the query word": ("אבגשלום " * 250_000, "שלום"),
    "2,000,000 letters of niqqud": ("שָׁלוֹם " * 250_000, "עולם"),
    "2,000,000 letters of quotes": ('צה"ל ' * 400_000, "שלום"),
    "a run of the query's letters and a long query word": ("א" * 2_000_000, "א" * 60 + "ב"),
    "2,000,000 spaces": (" " * 2_000_000, "שלום"),
    "2,000,000 letters of accented words": ("café " * 400_000, "שלום"),
    "a phrase of 400 one-letter words": (
        "א " * 1_000_000,
        '"' + " ".join("אבגדהוזחטיכלמנסעפצקרשת" * 20) + '"',
    ),
}


@pytest.mark.parametrize("name", HOSTILE)
def test_a_hostile_text_costs_milliseconds(name: str) -> None:
    text, query = HOSTILE[name]
    terms = [tuple(tokens(query))]
    snippet("לשלום", [("שלום",)])  # the word frequencies load once per process
    seconds = []
    for _ in range(3):
        started = time.perf_counter()
        out = snippet(text, terms)
        seconds.append(time.perf_counter() - started)
    assert min(seconds) < 0.05, f"{min(seconds) * 1000:.0f} ms"  # measured 1-6 ms
    assert len(out) <= WINDOW_CHARS + 2 + 13 * 30  # the window, two ellipses and the marks at most
