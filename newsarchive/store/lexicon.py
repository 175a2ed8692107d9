"""Which prefix-stripped forms are worth indexing: a check against real Hebrew word frequencies (wordfreq).

"משרד" is a word (office) far more often than מ+שרד: the family of "שרד" (שרד, ושרד, השרד...) is rare next
to "משרד" itself, so indexing "שרד" for it would mostly add false hits. "הממשלה" is ה+ממשלה: the family of
"ממשלה" (ממשלה, בממשלה, לממשלה...) is common. Words wordfreq does not know (names: לאלטמן) keep every form.
Ambiguous pairs whose both readings are common (מספר = number / מ+ספר) stay indexed: recall comes first.
Measured in benchmarks/search_quality.py; the pairs that must stay or go are pinned in tests/test_search.py.
"""

from __future__ import annotations

import re
from functools import lru_cache

from .prefixes import PREFIXES

THRESHOLD = 0.25
#: The definite article is the commonest prefix: a ה-form may outnumber its bare form by far (האחרונים,
#: הנוכחי, המועצות) and still be ה + that word.
THRESHOLD_DEFINITE = 0.05
_HEBREW_WORD = re.compile("[\u05d0-\u05ea]+")
#: The shape of a hif'il verb (העניק, הגיע, הקים). After ל it is an infinitive (להעניק "to grant"), never
#: ל + the past tense; and ל + the definite article drops the ה in writing (לממשלה), so no ל+ה+noun reading
#: is lost.
HIFIL = re.compile("ה[\u05d0-\u05ea]{1,2}י[\u05d0-\u05ea]")

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
    """Whether ``token`` is, often enough, a prefix followed by ``stem``: never through a LEXICALIZED word
    nor as ל + a hif'il verb (an infinitive); otherwise the stem's whole family (the stem and its other
    prefixed forms) must be at least ``THRESHOLD`` as frequent as the token itself (``THRESHOLD_DEFINITE``
    after ה)."""
    cut = len(token) - len(stem)
    for start in range(cut):
        if token[start:] in LEXICALIZED:
            return False  # לאחר, and ולאחר read through it: ו+לאחר, never ול+אחר
    if cut and token[cut - 1] == "ל" and HIFIL.fullmatch(stem):
        return False  # an infinitive
    token_frequency = frequencies().get(token, 0.0)
    if not token_frequency:
        return True
    threshold = THRESHOLD_DEFINITE if len(token) - len(stem) == 1 and token[0] == "ה" else THRESHOLD
    return _family(stem) - token_frequency >= threshold * token_frequency


@lru_cache(maxsize=100_000)
def _family(stem: str) -> float:
    """The frequency of a stem and all its prefixed forms together."""
    table = frequencies()
    return table.get(stem, 0.0) + sum(table.get(prefix + stem, 0.0) for prefix in PREFIXES)
