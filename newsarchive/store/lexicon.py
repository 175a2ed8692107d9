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
_HEBREW_WORD = re.compile("[\u05d0-\u05ea]+")


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
    """Whether ``token`` is, often enough, a prefix followed by ``stem``: the stem's whole family (the stem
    and its other prefixed forms) must be at least ``THRESHOLD`` as frequent as the token itself."""
    token_frequency = frequencies().get(token, 0.0)
    if not token_frequency:
        return True
    return _family(stem) - token_frequency >= THRESHOLD * token_frequency


@lru_cache(maxsize=100_000)
def _family(stem: str) -> float:
    """The frequency of a stem and all its prefixed forms together."""
    table = frequencies()
    return table.get(stem, 0.0) + sum(table.get(prefix + stem, 0.0) for prefix in PREFIXES)
