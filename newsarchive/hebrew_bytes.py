"""Can a page be mostly Hebrew? Answered from its raw bytes before anything is decoded, for imports that pass
over mostly non-Hebrew pages: counting a few byte values costs far less than the exact test
(``ingest.mostly_hebrew``: decode the page, strip its markup, count letters with ``text.hebrew_letters``).

The answer is an upper bound, never a guess. It counts every byte that could become a Hebrew letter in the
text ``decode_html`` would make of the page, whichever codec that settles on (UTF-8, the declared or
``<meta>`` charset, windows-1255), and every byte that mojibake repair could turn into one; a codec it cannot
bound (UTF-16, UTF-7, the multi-byte Asian codecs...) is always "maybe". So "no" means the exact test says
no too: ``tests/test_hebrew_precheck.py`` checks it on random pages in many encodings.
"""

from __future__ import annotations

import codecs
import importlib
from functools import cache

from .encoding import declared_codecs
from .text import HEBREW_LETTER

#: a Hebrew letter in UTF-8 is 0xD7 then 0x90..0xAA; "×" (U+00D7), two bytes in UTF-8, is the lead byte of
#: one in UTF-8 read as Latin-1, which mojibake repair turns back into the letter
_UTF8_HEBREW_LEAD = b"\xd7"
_UTF8_TIMES = b"\xc3\x97"
#: a numeric character reference: the exact test counts none as a letter today, but a page that spells its
#: Hebrew so stays "maybe", so that counting them one day cannot make this answer wrong
_REFERENCE = b"&#"
_TIMES = "\u00d7"


def could_be_mostly_hebrew(body: bytes, charset: str | None, fewest: int) -> bool:
    """False only when the text of ``body`` (decoded as ``decode_html(body, charset)`` decodes it) cannot
    hold ``fewest`` Hebrew letters."""
    if body.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return True
    references = body.count(_REFERENCE)
    if body.count(_UTF8_HEBREW_LEAD) + body.count(_UTF8_TIMES) + references >= fewest:
        return True
    if body.startswith(codecs.BOM_UTF8):
        return False  # read as UTF-8 whatever it declares
    named = declared_codecs(body, charset)
    if body.isascii():  # the first codec declared reads it (UTF-8 reads it as ASCII), else ASCII does
        codec = next((c for c in named if c is not None), "ascii")
        return _possible_letters(body, "ascii" if codec == "utf-8" else codec) + references >= fewest
    # Not ASCII: UTF-8 (valid, or nearly so), else the first codec declared other than UTF-8, else
    # windows-1255. UTF-8 was bounded above, so only the other codec is left to bound.
    codec = next((c for c in named if c not in (None, "utf-8")), "windows-1255")
    if _possible_letters(body, codec) + references < fewest:
        return False
    try:
        body.decode("utf-8")
    except UnicodeDecodeError:
        return True
    return False  # valid UTF-8 is read as UTF-8 whatever the page declares


def _possible_letters(body: bytes, codec: str) -> int | float:
    """How many bytes of ``body`` the codec could make into a Hebrew letter (or a "×" that mojibake repair
    could); infinite for a codec that is not one byte per character."""
    wanted = _hebrew_bytes(codec)
    if wanted is None:
        return float("inf")
    return len(body) - len(body.translate(None, wanted)) if wanted else 0


@cache
def _hebrew_bytes(codec: str) -> bytes | None:
    """The bytes a one-byte-per-character codec decodes to a Hebrew letter or "×"; None for any other
    codec (its characters cannot be counted from single bytes)."""
    if codec == "ascii":
        return b""
    try:
        module = importlib.import_module(codecs.lookup(codec).decode.__module__)
    except (LookupError, ImportError, AttributeError):
        return None
    table = getattr(module, "decoding_table", None)  # Python's charmap codecs: one character per byte
    if not isinstance(table, str) or len(table) != 256:
        return None
    return bytes(b for b, char in enumerate(table) if char == _TIMES or HEBREW_LETTER.fullmatch(char))
