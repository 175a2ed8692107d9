"""Hebrew search normalisation, shared by the index and the query side.

One normal form: niqqud and cantillation removed, maqaf and sof pasuq turned into spaces, gershayim and
geresh inside words deleted (so צה"ל, צה״ל and צהל are one token), directional marks removed, Latin
lower-cased. Prefix-insensitive matching indexes each token together with its prefix-stripped forms
(ו, ה, ב, כ, ל, מ, ש and their usual combinations), as measured in ../shared/notes/hebrew.md.
"""

from __future__ import annotations

import re
import unicodedata

_POINTS = re.compile("[\u0591-\u05bd\u05bf\u05c1\u05c2\u05c4\u05c5\u05c7]")
_MAQAF = re.compile("[\u05be\u05c3]")
# " ״ ' ׳ “ ” ’ and the like, between two letters or closing a word: part of the word, not punctuation.
_INNER_QUOTES = re.compile(
    "(?<=[\u05d0-\u05eaA-Za-z])[\"'\u05f3\u05f4\u201c\u201d\u2019\u2018`]+(?=[\u05d0-\u05ea])"
)
_WORD_END_GERESH = re.compile("(?<=[\u05d0-\u05ea])[\u05f3'](?![\u05d0-\u05ea])")
_INVISIBLE = re.compile("[\u200b-\u200f\u202a-\u202e\u2060-\u2069\u061c\ufeff\u00ad]")
_TOKEN = re.compile(r"[^\W_]+")
_HEBREW = re.compile("[\u05d0-\u05ea]")

#: Prefix letters and their common combinations, longest first.
PREFIXES = tuple(
    sorted(
        "ה ו ב ל מ ש כ וה וב ול ומ וש וכ שה שב של שמ מה כש וכש ומה כשה ושה שכ לכש מש ושב ושל".split(),
        key=len,
        reverse=True,
    )
)
_PREFIX_SET = frozenset(PREFIXES)
_MIN_STEM = 2


def normalize(text: str) -> str:
    """The searchable form of a text (same length semantics as the display text is not kept)."""
    if not text:
        return ""
    text = unicodedata.normalize("NFC", text)
    text = _INVISIBLE.sub("", text)
    text = _POINTS.sub("", text)
    text = _MAQAF.sub(" ", text)
    text = _INNER_QUOTES.sub("", text)
    text = _WORD_END_GERESH.sub("", text)
    return text.lower()


def tokens(text: str) -> list[str]:
    """Tokens as SQLite's unicode61 tokenizer sees them, after :func:`normalize`."""
    return _TOKEN.findall(normalize(text))


def variants(token: str) -> list[str]:
    """The forms of a Hebrew token with one of the known prefixes removed (at least two letters left)."""
    if not _HEBREW.match(token):
        return []
    found = []
    for size in (3, 2, 1):
        if len(token) - size >= _MIN_STEM and token[:size] in _PREFIX_SET:
            found.append(token[size:])
    return found


def search_text(text: str) -> str:
    """Every token followed by its prefix-stripped forms: what prefix-insensitive search indexes."""
    out: list[str] = []
    for token in tokens(text):
        out.append(token)
        out.extend(variants(token))
    return " ".join(out)


def exact_text(text: str) -> str:
    """The normalised tokens in order: what exact-form and phrase search index."""
    return " ".join(tokens(text))


def contains_phrase(text_tokens: list[str], phrase: tuple[str, ...]) -> bool:
    """Whether the phrase's words stand in a row, each in its own form or with a prefix."""
    size = len(phrase)
    for start in range(len(text_tokens) - size + 1):
        if all(_same_word(text_tokens[start + i], phrase[i]) for i in range(size)):
            return True
    return False


def _same_word(token: str, word: str) -> bool:
    return token == word or (token.endswith(word) and word in variants(token))
