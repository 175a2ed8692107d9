"""Text hygiene shared by every layer: one normal form for all strings we store."""

from __future__ import annotations

import html
import re
import unicodedata

# LRM, RLM, ALM, the embedding/override/isolate controls, zero-width characters and the BOM: invisible,
# and they break equality and search.
_INVISIBLE = re.compile("[\u200b-\u200f\u202a-\u202e\u2060-\u2069\u061c\ufeff\u00ad]")
# Every kind of space (NBSP, thin spaces, ideographic space...) and line breaks fold into one space.
_SPACES = re.compile(r"[\s\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]+")
# C0 and C1 controls, and lone surrogates (a page's JSON may escape one, "\ud800": it is no text, and no
# UTF-8 can hold it)
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]")
#: the Hebrew letters, alef to tav with the final forms (no niqqud or cantillation), for a character class
HEBREW_RANGE = "\u05d0-\u05ea"
HEBREW_LETTER = re.compile(f"[{HEBREW_RANGE}]")
_LETTER = re.compile(r"[^\W\d_]")


def clean(text: str | None) -> str:
    """NFC, entities decoded, invisible marks removed, whitespace collapsed and trimmed."""
    if not text:
        return ""
    if "&" in text:
        text = html.unescape(text)
    text = unicodedata.normalize("NFC", text)
    text = _INVISIBLE.sub("", text)
    text = _CONTROL.sub("", text)
    return _SPACES.sub(" ", text).strip()


def hebrew_letters(text: str) -> tuple[int, float]:
    """How many Hebrew letters the text has, and their share of all its letters (0 when it has none): the one
    measure of "mostly Hebrew", for an article's language and for the pages an import keeps."""
    hebrew = len(HEBREW_LETTER.findall(text))
    letters = len(_LETTER.findall(text))
    return hebrew, hebrew / letters if letters else 0.0


def fold_for_compare(text: str) -> str:
    """A loose key for comparing two strings that should say the same thing."""
    text = clean(text).replace("״", '"').replace("׳", "'")
    return re.sub(r"[\W_]+", "", text).lower()
