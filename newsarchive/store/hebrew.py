"""Hebrew search normalisation, shared by the index and the query side.

One normal form: niqqud and cantillation removed, maqaf and sof pasuq turned into spaces, gershayim and
geresh inside words deleted (so צה"ל, צה״ל and צהל are one token), directional marks removed, Latin
lower-cased. Prefix-insensitive matching indexes each token together with its prefix-stripped forms
(ו, ה, ב, כ, ל, מ, ש and their usual combinations), as measured in ../shared/notes/hebrew.md.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

from .lexicon import plausible
from .prefixes import PREFIXES

# Niqqud, cantillation and invisible marks are deleted; maqaf and sof pasuq become spaces.
_DELETED = re.compile("[\u0591-\u05bd\u05bf\u05c1\u05c2\u05c4\u05c5\u05c7\u200b-\u200f\u202a-\u202e"
                      "\u2060-\u2069\u061c\ufeff\u00ad]+")  # fmt: skip
_QUOTES = frozenset("\"'\u05f3\u05f4\u201c\u201d\u2019\u2018`")
# " ״ ' ׳ “ ” ’ and the like, between two letters or closing a word: part of the word, not punctuation.
_INNER_QUOTES = re.compile(
    "(?<=[\u05d0-\u05eaA-Za-z])[\"'\u05f3\u05f4\u201c\u201d\u2019\u2018`]+(?=[\u05d0-\u05ea])"
)
_WORD_END_GERESH = re.compile("(?<=[\u05d0-\u05ea])[\u05f3'](?![\u05d0-\u05ea])")
_TOKEN = re.compile(r"[^\W_]+")
_HEBREW = re.compile("[\u05d0-\u05ea]")

_PREFIX_SET = frozenset(PREFIXES)
_MIN_STEM = 2


def normalize(text: str) -> str:
    """The searchable form of a text (same length semantics as the display text is not kept)."""
    if not text:
        return ""
    if not unicodedata.is_normalized("NFC", text):
        text = unicodedata.normalize("NFC", text)
    text = _DELETED.sub("", text)
    if "\u05be" in text or "\u05c3" in text:
        text = text.replace("\u05be", " ").replace("\u05c3", " ")
    if not _QUOTES.isdisjoint(text):
        text = _WORD_END_GERESH.sub("", _INNER_QUOTES.sub("", text))
    return text.lower()


def tokens(text: str) -> list[str]:
    """Tokens as SQLite's unicode61 tokenizer sees them, after :func:`normalize`."""
    return _TOKEN.findall(normalize(text))


#: Appended to a prefix-stripped form in the index, so that the exact form and the stripped forms are told
#: apart in one column: "ואלטמן" is indexed as "ואלטמן אלטמןx" (a Hebrew word never ends in a Latin x).
VARIANT_MARK = "x"


@lru_cache(maxsize=200_000)
def _variants(token: str) -> tuple[str, ...]:
    if not _HEBREW.match(token):
        return ()
    found = []
    for size in (3, 2, 1):
        if len(token) - size >= _MIN_STEM and token[:size] in _PREFIX_SET and plausible(token, token[size:]):
            found.append(token[size:])
    return tuple(found)


_INDEXED: dict[str, str] = {}  # token -> its index entry; a plain dict: this is the ingest hot path
_INDEXED_LIMIT = 500_000


def _indexed(token: str) -> str:
    entry = _INDEXED.get(token)
    if entry is None:
        if len(_INDEXED) >= _INDEXED_LIMIT:
            _INDEXED.clear()
        entry = _INDEXED[token] = " ".join([token, *(v + VARIANT_MARK for v in _variants(token))])
    return entry


def variants(token: str) -> list[str]:
    """The forms of a Hebrew token with one of the known prefixes removed (at least two letters left),
    where that reading is plausible (see :mod:`.lexicon`)."""
    return list(_variants(token))


def index_text(text_tokens: list[str]) -> str:
    """What the search index holds: every token, each followed by its marked prefix-stripped forms."""
    entries = list(map(_INDEXED.get, text_tokens))
    for i, entry in enumerate(entries):
        if entry is None:
            entries[i] = _indexed(text_tokens[i])
    return " ".join(entries)


def marked(word: str) -> str:
    """How a prefix-stripped form of ``word`` stands in the index."""
    return word + VARIANT_MARK


def contains_phrase(text_tokens: list[str], phrase: tuple[str, ...], *, exact: bool = False) -> bool:
    """Whether the phrase's words stand in a row, each in its own form or (unless ``exact``) with a prefix."""
    size = len(phrase)
    same = (lambda token, word: token == word) if exact else _same_word
    for start in range(len(text_tokens) - size + 1):
        if all(same(text_tokens[start + i], phrase[i]) for i in range(size)):
            return True
    return False


def _same_word(token: str, word: str) -> bool:
    return token == word or (token.endswith(word) and word in _variants(token))
