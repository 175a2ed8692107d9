"""Hebrew search normalisation, shared by the index and the query side.

One normal form: niqqud and cantillation removed, maqaf and sof pasuq turned into spaces, gershayim and
geresh inside words deleted (so צה"ל, צה״ל and צהל are one token), directional marks removed, Latin
lower-cased. Prefix-insensitive matching: each token is indexed once, as its stem with the prefix letters
(ו, ה, ב, כ, ל, מ, ש and their usual combinations) moved behind a mark, so that every prefixed form of a
word is one FTS5 prefix query and the index holds no more tokens than the text.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Sequence
from functools import lru_cache
from importlib.metadata import PackageNotFoundError, version

from ..text import HEBREW_LETTER, HEBREW_RANGE
from . import lexicon
from .lexicon import plausible
from .prefixes import PREFIXES

#: niqqud and cantillation, and invisible and directional marks and the soft hyphen: deleted, so inside a word
#: (maqaf and sof pasuq become spaces); character-class ranges, shared with the snippet maker
NIQQUD_CHARS = "\u0591-\u05bd\u05bf\u05c1\u05c2\u05c4\u05c5\u05c7"
INVISIBLE_CHARS = "\u200b-\u200f\u202a-\u202e\u2060-\u2069\u061c\ufeff\u00ad"
#: " ״ ' ׳ “ ” ’ and the like: between two letters or closing a word, part of the word, not punctuation
QUOTE_CHARS = "\"'\u05f3\u05f4\u201c\u201d\u2019\u2018`"
_DELETED = re.compile(f"[{NIQQUD_CHARS}{INVISIBLE_CHARS}]+")
_QUOTES = re.compile(f"[{QUOTE_CHARS}]")
_INNER_QUOTES = re.compile(f"(?<=[{HEBREW_RANGE}A-Za-z])[{QUOTE_CHARS}]+(?=[{HEBREW_RANGE}])")
_WORD_END_GERESH = re.compile(f"(?<=[{HEBREW_RANGE}])[\u05f3'](?![{HEBREW_RANGE}])")
_ACCENTED_LATIN = re.compile("[\u00c0-\u024f\u1e00-\u1eff]")
_TOKEN = re.compile(r"[^\W_]+")

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
    if _QUOTES.search(text):
        text = _WORD_END_GERESH.sub("", _INNER_QUOTES.sub("", text))
    if _ACCENTED_LATIN.search(text):  # café and cafe are one word
        text = "".join(c for c in unicodedata.normalize("NFD", text) if not unicodedata.combining(c))
    return text.lower()


def tokens(text: str) -> list[str]:
    """Tokens as SQLite's unicode61 tokenizer sees them, after :func:`normalize`."""
    return _TOKEN.findall(normalize(text))


#: Separates a word's stem from its prefix in the index: "ולאלטמן" is indexed as the one token "אלטמןxלו"
#: (stem, mark, prefix letters reversed), "אלטמן" as "אלטמןx". A Hebrew word never holds a Latin x.
INDEX_MARK = "x"


@lru_cache(maxsize=200_000)
def _variants(token: str) -> tuple[str, ...]:
    if not HEBREW_LETTER.match(token):
        return ()
    found = []
    for size in (3, 2, 1):
        if len(token) - size >= _MIN_STEM and token[:size] in _PREFIX_SET and plausible(token, token[size:]):
            found.append(token[size:])
    return tuple(found)


def variants(token: str) -> list[str]:
    """The forms of a Hebrew token with one of the known prefixes removed (at least two letters left),
    where that reading is plausible (see :mod:`.lexicon`), shortest first."""
    return list(_variants(token))


def _index_form(token: str) -> str:
    if not HEBREW_LETTER.match(token):
        return token
    stem = _stem(token)
    return stem + INDEX_MARK + token[: len(token) - len(stem)][::-1]


def _stem(token: str) -> str:
    """The shortest plausible stem of a token that each of its longer plausible readings also reads as
    theirs: שהוא is ש+הוא, not שה+וא, because הוא itself is not read as ה+וא. So a word is found in any
    prefixed form through its own readings (query_forms). A reading in between need not read the one
    before it: כשהעם is כשה+עם although שהעם is not ש+העם (העם is no word of its own, but ה+עם)."""
    readings = _variants(token)[::-1]  # longest first
    best = token
    for depth, stem in enumerate(readings):
        if all(stem in _variants(longer) for longer in readings[:depth]):
            best = stem
    return best


_INDEXED: dict[str, str] = {}  # token -> its index form; a plain dict: this is the ingest hot path
_INDEXED_LIMIT = 500_000


def index_form(token: str) -> str:
    """The one index token of a token: its shortest plausible stem, the mark, and the stripped prefix
    reversed. Every form of a stem shares the stem's index prefix ("ממשלהx"), and the prefixes that end
    with the same letters share a longer one (הממשלה and והממשלה share "ממשלהxה"), so a word in any
    prefixed form is an FTS5 prefix query, and the exact form is one token."""
    entry = _INDEXED.get(token)
    if entry is None:
        _remember((token,))
        entry = _INDEXED[token]
    return entry


def index_text(text_tokens: list[str]) -> str:
    """What the search index holds: one index form per token, in order (so phrases are adjacent tokens)."""
    try:
        return " ".join(map(_INDEXED.__getitem__, text_tokens))
    except KeyError:  # tokens not seen lately: work out only those, then look all up again
        _remember(text_tokens)
        return " ".join(map(_INDEXED.__getitem__, text_tokens))


def _remember(text_tokens: Sequence[str]) -> None:
    """Put the index forms of these tokens in the cache, working out only the ones it lacks. The cache
    starts again when they would take it past its bound, keeping all of these."""
    unseen = set(text_tokens).difference(_INDEXED)
    if len(_INDEXED) + len(unseen) > _INDEXED_LIMIT:
        _INDEXED.clear()
        unseen = set(text_tokens)
    for token in unseen:
        _INDEXED[token] = _index_form(token)


@lru_cache(maxsize=10_000)
def query_forms(word: str) -> tuple[str, ...]:
    """The index prefixes that find ``word`` with or without a prefix: the word itself, and each plausible
    reading of it as prefix + stem ("הממשלה": "הממשלהx" and "ממשלהxה"; "משרד" is not מ+שרד, so only
    "משרדx"). A token of the text matches when its index form starts with one of them. The readings are
    the index's own (:func:`variants`), so the exact form of every word is found, and a longer prefixed form
    (במשרד) is found for a word (משרד) only through a reading the lexicon accepts for that word."""
    if not HEBREW_LETTER.match(word):
        return (word,)
    readings = (stem + INDEX_MARK + word[: len(word) - len(stem)][::-1] for stem in _variants(word))
    return (word + INDEX_MARK, *readings)


#: Bump when index_form makes other tokens from the same text in a way the rules below do not show.
#: 2: the lexicon reads a token as prefix + stem only where the stem is a word of its own (ממשלה stays
#: whole), and a stem may skip a reading in between (כשהעם is כשה+עם).
INDEX_TOKENS_VERSION = 2


@lru_cache(maxsize=1)
def index_token_source() -> str:
    """What the index forms of a text depend on: these rules and the word frequencies of the installed
    wordfreq. An index made from another source must be built again (schema.migrate does): a word indexed
    as מ+ספר under one and searched as the word מספר under the other would not be found even in its exact
    form."""
    rules = repr(
        (
            INDEX_MARK,
            _MIN_STEM,
            PREFIXES,
            sorted(lexicon.LEXICALIZED),
            lexicon.THRESHOLD,
            lexicon.THRESHOLD_DEFINITE,
            lexicon.STEM_FLOOR,
            lexicon.RATIO_SAMPLE_FREQUENCY,
            lexicon.RATIO_QUANTILE,
            lexicon.HIFIL.pattern,
        )
    )
    try:
        frequencies = f"wordfreq {version('wordfreq')}"
    except PackageNotFoundError:
        frequencies = "no wordfreq"
    digest = hashlib.sha256(rules.encode()).hexdigest()[:12]
    return f"index tokens v{INDEX_TOKENS_VERSION}, rules {digest}, {frequencies}"


def matches(token: str, word: str) -> bool:
    """Whether a token of the text is ``word`` in some prefixed form, exactly as the index decides."""
    if token == word:
        return True
    if not token.endswith(word) or not HEBREW_LETTER.match(word):
        return False
    form = index_form(token)
    return any(form.startswith(prefix) for prefix in query_forms(word))


def begins_with(token: str, letters: str) -> bool:
    """Whether a token of the text matches the prefix query ``letters*``: it begins with the letters, or it
    is, exactly as :func:`matches` decides, a word that begins with them in some prefixed form (ממשל*:
    ממשלה, הממשלה, ולממשלתו; מספ*: מספר, though the index reads it as מ+ספר, and ומספר)."""
    if token.startswith(letters):
        return True
    return any(
        token[cut:].startswith(letters) and matches(token, token[cut:])
        for cut in range(1, min(_LONGEST_PREFIX, len(token) - _MIN_STEM) + 1)
    )


_LONGEST_PREFIX = max(map(len, PREFIXES))


#: Every ending of a prefix combination (ה, ל, של, כש...): the letters a prefixed word's index form may
#: keep right behind the mark, which a prefix query's letters may begin with.
_PREFIX_TAILS = frozenset(prefix[start:] for prefix in PREFIXES for start in range(len(prefix)))


def prefix_query_splits(letters: str) -> list[tuple[str, str]]:
    """Where a prefix query's letters may lie in index forms beyond the stems that begin with them
    (``letters`` + "*" finds those): (tail, rest) when the letters may begin with prefix letters ``tail``
    that the index keeps behind the mark, before a stem beginning with ``rest`` (מספ*: מספר is "ספרxמ",
    so ("מ", "ספ")); rest is empty when the letters are all prefix letters (של*: "כלxלש", שלכל)."""
    if not HEBREW_LETTER.match(letters):
        return []
    splits = [
        (letters[:cut], letters[cut:]) for cut in range(1, len(letters) + 1) if letters[:cut] in _PREFIX_TAILS
    ]
    splits += [
        (tail, "") for tail in sorted(_PREFIX_TAILS) if len(tail) > len(letters) and tail.startswith(letters)
    ]
    return splits


def prefix_query_form(term: str, tail: str, rest: str) -> str | None:
    """The index prefix ("ספרxמ") under which the index term ``term`` and its other prefixed forms match a
    prefix query split as (tail, rest) (see :func:`prefix_query_splits`), or None: the term's stem begins
    with ``rest``, its prefix ends with ``tail``, and tail + stem is a word the token is read as (it
    matches tail + stem as :func:`matches` decides: ומספר matches מספר, so מספ*)."""
    stem, mark, prefix = term.partition(INDEX_MARK)
    reversed_tail = tail[::-1]
    if mark and stem.startswith(rest) and prefix.startswith(reversed_tail) and stem in _variants(tail + stem):
        return stem + INDEX_MARK + reversed_tail
    return None


def contains_phrase(text_tokens: list[str], phrase: tuple[str, ...]) -> bool:
    """Whether the phrase's words stand in a row, each in its own form or with a prefix."""
    size = len(phrase)
    for start in range(len(text_tokens) - size + 1):
        if all(matches(text_tokens[start + i], phrase[i]) for i in range(size)):
            return True
    return False
