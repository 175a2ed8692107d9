"""Which readings of a written word as prefix + stem the index accepts: a check against real Hebrew word
frequencies (wordfreq), which count written forms, prefixed or not.

A token is read as prefix + stem when the stem is a word of its own, common enough to make that reading a
fair share of the token's occurrences:

- the stem's *own* frequency is the share of its bare frequency that its own readings as prefix + a
  shorter word do not explain at the usual rates: משלה is mostly מ+שלה, so ממשלה is not מ+משלה;
- its *evidence* is that own frequency plus its other prefixed forms, each counted up to what the own
  frequency makes likely for that prefix, and never the token itself or the token's own prefixed forms
  (וממשלה is ו+ממשלה; ורד, ברד, מרד and שרד are words of their own, far more common than רד makes likely,
  so they do not make משרד a form of רד); a stem never written alone (גיע) has none, so הגיע stays whole;
- the reading is accepted when the evidence, times how common that prefix is before a word (``ratios``:
  the definite article about as common as the bare word, מש rarely), is at least ``THRESHOLD`` of the
  token's frequency, and the stem's own frequency at least ``STEM_FLOOR`` of it. So a common whole word is
  never split into a prefix and a much rarer stem: the floor bounds how much rarer.

Words wordfreq does not know (names: לאלטמן) are read with any prefix. Ambiguous pairs whose both readings
are common (מספר = number / מ+ספר) are both read: recall comes first. Prepositions and the like, ל before
an infinitive, and a prefix before a ו that begins a stem are decided by rules, not frequencies (below).
Measured in benchmarks/search_quality.py (the Hebrew Treebank's gold segmentation); the pairs that must stay
or go, and the floor over the most frequent words, are pinned in tests/test_search.py and
tests/test_lexicon.py.
"""

from __future__ import annotations

import re
from functools import lru_cache

from ..text import HEBREW_RANGE
from .prefixes import PREFIXES

#: The share of a token's frequency that a reading's evidence, times its prefix's ratio, must reach.
THRESHOLD = 0.1
#: The definite article is the commonest prefix, and a ה-form may outnumber its bare form by far (האחרונים,
#: הנוכחי, המועצות) and still be ה + that word.
THRESHOLD_DEFINITE = 0.05
#: The share of a token's frequency that its stem, on its own, must reach. Of the 7,724 prefixed written
#: forms of the Hebrew Treebank's gold segmentation (train part) that wordfreq lists, 97.4% have a stem at
#: least a fifth as frequent as the form, 98.1% at least a twentieth; 1.7% have a stem wordfreq does not
#: list (הנוכחית: נוכחית), which no floor keeps. So this floor costs 0.2% of them (0.3% of occurrences).
STEM_FLOOR = 0.05
_HEBREW_WORD = re.compile(f"[{HEBREW_RANGE}]+")
#: The shape of a hif'il verb (העניק, הגיע, הקים). After ל it is an infinitive (להעניק "to grant"), never
#: ל + the past tense; and ל + the definite article drops the ה in writing (לממשלה), so no ל+ה+noun reading
#: is lost.
HIFIL = re.compile(f"ה[{HEBREW_RANGE}]{{1,2}}י[{HEBREW_RANGE}]")

#: Words that begin with a prefix letter but are read as one word: prepositions, conjunctions and adverbs
#: (לאחר is "after", not ל+אחר "to another"; כאשר "when", not כ+אשר). Frequencies cannot tell these apart,
#: since both halves are common words; a closed class, so a list. Measured on the Hebrew Treebank's gold
#: segmentation in benchmarks/search_quality.py --corpus treebank.
LEXICALIZED = frozenset(
    """
    לאחר לפני לפי לגבי לבין ליד למרות לעומת לקראת לצד לשם לכן לאור לעבר לשעבר לאורך לרבות למשל לפחות
    לגמרי לעתים לעיתים לבסוף להלן לעולם לכאורה למעלה למטה לאחרונה לחלוטין
    כאשר כמו כמה כבר כדי כפי כאן כיום כעת כמעט כולל כנגד כלפי כיצד כנראה כאמור כעבור
    ביותר בלבד בעיקר במשך בלי בגלל בזמן בערך בעקבות באמצעות בתוך בעד בשביל ביחס במיוחד בהחלט בכלל
    באמת בינתיים ביחד בדיוק בעצם במהלך בשל בנוסף בנוגע
    משום מפני מדי מאוד מאז מתוך מול מאחר מעבר מכיוון מצד מהר מדוע מאחורי מלבד מחדש
    היום הכל הרבה האם הלאה הנה היכן
    בפני בידי בקרב בטרם בעוד באשר מאשר מעולם מיד ככל כאילו כלומר כמובן למעשה לנוכח לראשונה לפעמים כיוון שכן
    שלי שלך שלו שלה שלנו שלכם שלכן שלהם שלהן לפיו לפיה לפיהם
    ללא מבלי כרגע בקרוב מראש בזכות באחרונה שלשום מעין
    """.split()
)


@lru_cache(maxsize=1)
def frequencies() -> dict[str, float]:
    """wordfreq's Hebrew frequencies (the 'small' list: about 58,000 words); empty without wordfreq."""
    try:
        import wordfreq
    except ImportError:
        return {}
    return {
        w: f
        for w, f in wordfreq.get_frequency_dict("he", wordlist="small").items()
        if _HEBREW_WORD.fullmatch(w)
    }


def plausible(token: str, stem: str) -> bool:
    """Whether ``token`` is, often enough, a prefix followed by ``stem`` (see the module's doc). A token
    wordfreq does not know (a name) may be read with any prefix the rules allow."""
    if not _may_split(token, stem):
        return False
    token_frequency = frequencies().get(token, 0.0)
    if not token_frequency:
        return True
    prefix = token[: len(token) - len(stem)]
    if own(prefix, stem) < STEM_FLOOR * token_frequency:
        return False
    threshold = THRESHOLD_DEFINITE if prefix == "ה" else THRESHOLD
    return ratios()[prefix] * evidence(prefix, stem) >= threshold * token_frequency


def _may_split(token: str, stem: str) -> bool:
    """The readings rules forbid, whatever the frequencies: through a LEXICALIZED word (לאחר, and ולאחר
    read through it: ו+לאחר, never ול+אחר); ל + a hif'il verb (an infinitive); and a prefix before a stem
    that begins with a single ו: a word that begins with ו doubles it after a prefix (הוועדה, בוורשה), so
    one ו there is a vowel letter of the word (לוחם, מורה, שורה). In the Hebrew Treebank 8 of 3,560 tokens
    that could be read so are."""
    cut = len(token) - len(stem)
    for start in range(cut):
        if token[start:] in LEXICALIZED:
            return False
    if cut and token[cut - 1] == "ל" and HIFIL.fullmatch(stem):
        return False
    return not (stem[0] == "ו" and stem[1] != "ו")


@lru_cache(maxsize=200_000)
def evidence(prefix: str, stem: str) -> float:
    """How often ``stem`` is written as a word, bare or prefixed, for reading ``prefix + stem``: its own
    frequency, and each of its other prefixed forms up to what that own frequency makes likely for its
    prefix (``ratios``). The token itself and the forms that may be one word with it (וממשלה and ממשלה
    for reading ממשלה) do not count: they say nothing about which reading the token has."""
    base = own(prefix, stem)
    if not base:
        return 0.0
    likely, unrelated = ratios(), _UNRELATED[prefix]
    total = base
    for other, frequency in _forms(stem).items():
        if other in unrelated:
            total += min(frequency, likely[other] * base)
    return total


def own(prefix: str, stem: str) -> float:
    """How often ``stem`` is written as a word of its own (when reading ``prefix + stem``): the share of its
    frequency that its readings as a prefix + a shorter word do not explain (``_unexplained``: משלה is
    mostly מ+שלה), unless its prefixed forms that no such reading explains imply more (``_implied``: המלא
    and למלא cannot be ה+מ+לא or ל+מ+לא, so מלא is a word however common לא is)."""
    frequency, unexplained = _unexplained(stem)
    if unexplained >= frequency:  # no reading as prefix + word, or none at all
        return unexplained
    return min(frequency, max(unexplained, _implied(prefix, stem)))


@lru_cache(maxsize=200_000)
def _unexplained(stem: str) -> tuple[float, float]:
    """(frequency, the part of it that the stem's readings as prefix + word do not explain): its share of
    the frequency against what those readings would produce at the average rates (``ratios(typical=True)``:
    ``expected``), ``frequency * frequency / (frequency + expected)``. A share rather than the difference,
    since the average rate overstates it for a very common word: שמנת (cream) would be all ש+מנת."""
    frequency = frequencies().get(stem, 0.0)
    readings = _readings(stem) if frequency else ()
    if not readings:
        return frequency, frequency
    average = ratios(typical=True)
    expected = sum(average[p] * shorter for p, shorter in readings)
    return frequency, frequency * frequency / (frequency + expected)


@lru_cache(maxsize=200_000)
def _implied(prefix: str, stem: str) -> float:
    """The frequency that the stem's forms only the stem as a word explains imply for it."""
    only_the_word, rate = _only_the_word(prefix, tuple(p for p, _ in _readings(stem)))
    if not rate:
        return 0.0
    return sum(f for q, f in _forms(stem).items() if q in only_the_word) / rate


@lru_cache(maxsize=200_000)
def _forms(stem: str) -> dict[str, float]:
    """The prefixed forms of ``stem`` wordfreq lists: prefix -> frequency."""
    table = frequencies()
    return {q: table[q + stem] for q in PREFIXES if q + stem in table}


@lru_cache(maxsize=200_000)
def _readings(stem: str) -> tuple[tuple[str, float], ...]:
    """(prefix, frequency of the rest) for each reading of ``stem`` as prefix + a word wordfreq lists."""
    table = frequencies()
    return tuple(
        (p, table[stem[len(p) :]])
        for p in _PREFIXES_BY_LETTER.get(stem[0], ())
        if stem.startswith(p)
        and len(stem) - len(p) >= _MIN_STEM
        and stem[len(p) :] in table
        and _may_split(stem, stem[len(p) :])
    )


@lru_cache(maxsize=1024)
def _only_the_word(prefix: str, readings: tuple[str, ...]) -> tuple[frozenset[str], float]:
    """The prefixes whose forms of a stem only the stem as a word explains, given the stem's readings as
    prefix + word (before מ+ספר no ה or ב stands, so המספר and במספר are forms of מספר, the word), with
    the sum of their average ratios."""
    unrelated = _UNRELATED[prefix]
    only = tuple(q for q in PREFIXES if q in unrelated and not any(q + p in _PREFIX_SET for p in readings))
    average = ratios(typical=True)
    return frozenset(only), sum(average[q] for q in only)


#: Words at least this frequent measure how common each prefixed form of a word is (for rarer words, a
#: form a tenth as frequent falls under wordfreq's floor of about 1e-6).
RATIO_SAMPLE_FREQUENCY = 3e-5
#: The quantile of those ratios taken as how common a prefixed form may be: generous, since a word's
#: prefixed forms vary a lot (nouns take ה far more than verbs).
RATIO_QUANTILE = 0.95


@lru_cache(maxsize=2)
def ratios(*, typical: bool = False) -> dict[str, float]:
    """For each prefix, how frequent its form of a word is, relative to the bare word, over the common
    words that begin with no prefix letter: a high quantile of frequency(prefix + word) / frequency(word)
    (ה about 1, ב 0.8, ל 0.45, מ 0.4, ש 0.23, ו 0.12, כ 0.05; a combination, the product of its letters'),
    or, ``typical``, the average (all those prefixed forms' frequency over the words')."""
    table = frequencies()
    sample = [w for w, f in table.items() if f >= RATIO_SAMPLE_FREQUENCY and w[0] not in _PREFIX_LETTERS]
    if not sample:
        return dict.fromkeys(PREFIXES, 0.0)
    if typical:
        total = sum(table[w] for w in sample)
        return {p: sum(table.get(p + w, 0.0) for w in sample) / total for p in PREFIXES}
    high = {}
    for letter in _PREFIX_LETTERS:
        found = sorted(table.get(letter + w, 0.0) / table[w] for w in sample)
        high[letter] = found[int(RATIO_QUANTILE * (len(found) - 1))]
    out = {}
    for prefix in PREFIXES:
        value = 1.0
        for letter in prefix:
            value *= high[letter]
        out[prefix] = value
    return out


_MIN_STEM = 2
_PREFIX_SET = frozenset(PREFIXES)
_PREFIX_LETTERS = frozenset("".join(PREFIXES))
_PREFIXES_BY_LETTER = {
    letter: tuple(p for p in PREFIXES if p[0] == letter) for letter in sorted(_PREFIX_LETTERS)
}
#: For each prefix, the prefixes whose forms of a stem cannot be one word with its form: ממשלה and וממשלה
#: (ו + the other) may be, as may הממשלה and שהממשלה.
_UNRELATED = {
    prefix: frozenset(q for q in PREFIXES if not (q.endswith(prefix) or prefix.endswith(q)))
    for prefix in PREFIXES
}
