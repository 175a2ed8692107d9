"""The byte-level pre-check before the Hebrew test (newsarchive/hebrew_bytes.py): it never changes a decision
of ``ingest.mostly_hebrew``, it says "maybe" for every way a Hebrew page can be spelled without 0xD7 bytes,
and it spares the decoding of pages that cannot be Hebrew."""

from __future__ import annotations

import os

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from newsarchive import ingest
from newsarchive.encoding import decode_html
from newsarchive.hebrew_bytes import could_be_mostly_hebrew
from newsarchive.ingest import FEWEST_HEBREW_LETTERS, mostly_hebrew

HEBREW = ["שלום", "ממשלה", "ירושלים", "חדשות", "הכנסת", "בית", "ספר", "צבא", "כלכלה", "תל אביב"]
LATIN = ["news", "government", "the", "Jerusalem", "école", "straße", "naïve", "café"]
ARABIC = ["أخبار", "الحكومة", "القدس", "مدرسة"]
CYRILLIC = ["новости", "правительство", "Иерусалим", "школа"]
OTHER = ["“quoted”", "—", "€", "日本語", "😀", "×", "÷", "\u05b0\u05b8", "\ufb2a"]  # punctuation, CJK, niqqud
MARKUP = [
    "<p>",
    "</p>",
    '<a href="/x">',
    "</a>",
    "<br/>",
    '<div class="תוכן">',
    "</div>",
    "<script>var s = 'שלום שלום שלום שלום';</script>",
    "<style>.x{content:'ממשלה'}</style>",
    "<!-- הערה -->",
    "&nbsp;",
    "&amp;",
    "&times;",
    "&#1488;&#1489;&#1490;",
    "&#x5d0;&#x5D1;&#x5e9;",
    "&#8217;",
]
#: how a page's text becomes bytes: (codec, errors), or a special spelling
SPELLINGS = [
    "utf-8",
    "utf-8-sig",
    "utf-16",
    "utf-16-le",
    "windows-1255",
    "iso-8859-8",
    "windows-1251",
    "windows-1256",
    "koi8-r",
    "cp862",
    "utf-7",
    "mojibake",
    "entities",
]
DECLARED = [None, "utf-8", "windows-1255", "iso-8859-8", "iso-8859-8-i", "windows-1251", "latin-1", "cp424"]
DECLARED += ["cp862", "utf-16", "shift_jis", "utf-7", "nonsense", "koi8-r", "windows-1256", "base64"]


def _spell(text: str, spelling: str) -> bytes:
    if spelling == "mojibake":  # UTF-8 read as windows-1252 and saved again as UTF-8
        return text.encode("utf-8").decode("cp1252", errors="ignore").encode("utf-8")
    if spelling == "entities":  # every non-ASCII character as a numeric character reference
        return text.encode("ascii", errors="xmlcharrefreplace")
    return text.encode(spelling, errors="xmlcharrefreplace")


words = st.sampled_from(HEBREW) | st.sampled_from(LATIN + ARABIC + CYRILLIC + OTHER) | st.sampled_from(MARKUP)


@st.composite
def pages(draw: st.DrawFn) -> tuple[bytes, str | None]:
    """A page near the threshold: tens of Hebrew words (a hundred letters is about 25 of them) among others,
    spelled one way, declared perhaps another, perhaps with stray bytes in it."""
    hebrew_words = draw(st.integers(0, 60))
    parts = [draw(st.sampled_from(HEBREW)) for _ in range(hebrew_words)]
    parts += draw(st.lists(words, max_size=80))
    parts = draw(st.permutations(parts))
    meta = draw(st.sampled_from(["", *[f'<meta charset="{label}">' for label in DECLARED if label]]))
    text = f"<html><head>{meta}</head><body>{' '.join(parts)}</body></html>"
    body = _spell(text, draw(st.sampled_from(SPELLINGS)))
    if draw(st.booleans()):  # stray bytes: a cut character, a Latin-1 byte, a legacy letter
        for _ in range(draw(st.integers(1, 4))):
            at = draw(st.integers(0, len(body)))
            body = body[:at] + draw(st.binary(min_size=1, max_size=3)) + body[at:]
    return body, draw(st.sampled_from(DECLARED))


@settings(
    max_examples=1500,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
    derandomize=not os.environ.get("NEWSARCHIVE_FUZZ_FRESH"),  # the same pages every run; =1 draws new ones
)
@given(pages())
def test_the_precheck_never_changes_a_decision(page: tuple[bytes, str | None]) -> None:
    body, declared = page
    exact = mostly_hebrew(body, declared, precheck=False)
    assert mostly_hebrew(body, declared) == exact
    if exact:
        assert could_be_mostly_hebrew(body, declared, FEWEST_HEBREW_LETTERS)


def _hebrew_page(words: int = 60) -> str:
    return "<html><body><p>" + " ".join(HEBREW[i % len(HEBREW)] for i in range(words)) + "</p></body></html>"


@pytest.mark.parametrize(
    ("spelling", "declared"),
    [
        ("utf-8", None),
        ("utf-16", None),  # no 0xD7 byte at all
        ("utf-8-sig", "windows-1251"),
        ("windows-1255", None),
        ("windows-1255", "windows-1255"),
        ("iso-8859-8", "iso-8859-8-i"),
        ("cp862", "cp862"),  # DOS Hebrew: letters are 0x80-0x9A
        ("utf-7", "utf-7"),  # letters as base64 runs of ASCII
        ("mojibake", None),  # 0xC3 0x97 0xC2 0x90...: no 0xD7 byte either
    ],
)
def test_a_hebrew_page_without_0xd7_bytes_is_maybe_and_kept(spelling: str, declared: str | None) -> None:
    body = _spell(_hebrew_page(), spelling)
    assert could_be_mostly_hebrew(body, declared, FEWEST_HEBREW_LETTERS)
    assert mostly_hebrew(body, declared) == mostly_hebrew(body, declared, precheck=False) is True


def test_entity_escaped_hebrew_is_maybe() -> None:
    """The exact test does not count references as letters, so such a page is not kept either way; the
    pre-check still says "maybe", so that it stays right if the exact test ever counts them."""
    for spelled in ("&#{};", "&#x{:x};", "&#X{:X};"):
        text = _hebrew_page().encode("utf-8").decode("utf-8")
        body = "".join(spelled.format(ord(c)) if ord(c) > 127 else c for c in text).encode("ascii")
        assert b"\xd7" not in body
        assert could_be_mostly_hebrew(body, None, FEWEST_HEBREW_LETTERS)
        assert mostly_hebrew(body) == mostly_hebrew(body, precheck=False)


def test_an_ascii_page_declared_in_ebcdic_hebrew_is_maybe() -> None:
    """cp424 (EBCDIC Hebrew) makes Hebrew letters of ASCII capitals: the declared codec is bounded too."""
    body = ("<html><body>" + "ABCDEFGHI QRSTUVWXY " * 20 + "</body></html>").encode("ascii")
    assert could_be_mostly_hebrew(body, "cp424", FEWEST_HEBREW_LETTERS)
    assert mostly_hebrew(body, "cp424") == mostly_hebrew(body, "cp424", precheck=False) is True
    assert not could_be_mostly_hebrew(body, None, FEWEST_HEBREW_LETTERS)


def _page_of(words: list[str], count: int = 400) -> str:
    return "<html><body><p>" + " ".join(words[i % len(words)] for i in range(count)) + "</p></body></html>"


NOT_HEBREW = [
    (_page_of(LATIN).encode("utf-8"), "utf-8"),
    (_page_of(["news", "government"]).encode("ascii"), "utf-8"),  # ASCII declared UTF-8 (most of the web)
    (_page_of(["news", "government"]).encode("ascii"), None),
    (_page_of([*LATIN, "“quoted”", "—", "€"]).encode("utf-8"), None),  # 0xE2 bytes, windows-1255 letters
    (_page_of(ARABIC).encode("utf-8"), None),
    (_page_of(CYRILLIC).encode("utf-8"), "windows-1251"),
    (_page_of(CYRILLIC).encode("windows-1251"), "windows-1251"),
    (_page_of(ARABIC).encode("windows-1256"), "windows-1256"),
    (_page_of(["日本語", "ニュース"]).encode("utf-8"), None),
    (_page_of(LATIN + HEBREW[:1], 60).encode("utf-8"), None),  # a few Hebrew words
]


@pytest.mark.parametrize(("body", "declared"), NOT_HEBREW, ids=range(len(NOT_HEBREW)))
def test_pages_that_cannot_be_hebrew_are_answered_without_decoding(
    body: bytes, declared: str | None, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert not could_be_mostly_hebrew(body, declared, FEWEST_HEBREW_LETTERS)
    assert mostly_hebrew(body, declared, precheck=False) is False

    def no_decoding(*args: object) -> str:
        raise AssertionError("decoded a page whose bytes cannot be mostly Hebrew")

    monkeypatch.setattr(ingest, "decode_html", no_decoding)
    assert mostly_hebrew(body, declared) is False


def test_the_bound_is_read_from_the_codec_tables() -> None:
    """windows-1255 and ISO-8859-8 letters are 0xE0-0xFA (and "×" is 0xAA); a legacy page under 100
    letters is "no", over it "maybe"."""
    for label in ("windows-1255", "iso-8859-8"):
        few = _page_of(HEBREW[:1], 20).encode(label)  # 20 x 4 letters
        many = _page_of(HEBREW[:1], 30).encode(label)
        assert not could_be_mostly_hebrew(few, label, FEWEST_HEBREW_LETTERS)
        assert could_be_mostly_hebrew(many, label, FEWEST_HEBREW_LETTERS)
    # KOI8-R's "в" is 0xD7, a UTF-8 Hebrew lead byte: UTF-8 cannot be ruled out without decoding, so such a
    # page is "maybe" (and the exact test says no)
    koi8 = _page_of(CYRILLIC).encode("koi8-r")
    assert could_be_mostly_hebrew(koi8, "koi8-r", FEWEST_HEBREW_LETTERS)
    assert mostly_hebrew(koi8, "koi8-r") is mostly_hebrew(koi8, "koi8-r", precheck=False) is False


@pytest.mark.parametrize("label", ["base64", "rot13", "hex", "zlib"])
def test_a_charset_that_is_no_text_encoding_is_a_label_the_web_does_not_know(label: str) -> None:
    """Python knows these codecs but cannot decode bytes to text with them: a LookupError ended the whole
    import (and made extraction fail). Like any label no browser knows, the page is read from its bytes."""
    hebrew = " ".join(HEBREW * 10).encode("windows-1255")
    for body, declared in ((f'<meta charset="{label}"><p>'.encode() + hebrew, None), (hebrew, label)):
        assert decode_html(body, declared).count(HEBREW[0]) >= 10
        assert mostly_hebrew(body, declared) is mostly_hebrew(body, declared, precheck=False) is True
