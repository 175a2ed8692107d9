from __future__ import annotations

import pytest

from newsarchive import NotAnArticle
from newsarchive.encoding import decode_html, repair_mojibake
from newsarchive.text import clean


def test_clean_hygiene() -> None:
    raw = "\u200fשלום&nbsp;\u00a0עולם\u200e\u202b!\u202c \u200b&quot;ציטוט&quot;\n\t  סוף"
    assert clean(raw) == 'שלום עולם! "ציטוט" סוף'


def test_clean_is_nfc() -> None:
    decomposed = "e\u0301"  # é as e + combining acute
    assert clean(decomposed) == "\u00e9"


def test_declared_windows_1255() -> None:
    page = '<meta charset="windows-1255"><p>שלום</p>'.encode("windows-1255")
    assert "שלום" in decode_html(page)


def test_undeclared_windows_1255_is_detected() -> None:
    page = "<html><p>חדשות הערב</p></html>".encode("windows-1255")
    assert "חדשות הערב" in decode_html(page)


def test_iso_8859_8_i_label() -> None:
    page = '<meta http-equiv="Content-Type" content="text/html; charset=iso-8859-8-i"><p>בוקר</p>'.encode(
        "iso-8859-8"
    )
    assert "בוקר" in decode_html(page)


def test_http_charset_wins_over_sniffing() -> None:
    page = "<p>ערב טוב</p>".encode("windows-1255")
    assert "ערב טוב" in decode_html(page, "windows-1255")


@pytest.mark.parametrize("label", ["windows-1255", "iso-8859-8", "iso-8859-8-i", "latin-1"])
def test_utf8_page_labelled_with_a_legacy_charset_is_read_as_utf8(label: str) -> None:
    # a misconfigured server: the header (and the page's own <meta>) name a legacy code page
    page = f'<meta charset="{label}"><h1>מבזק על אירוע חשוב</h1>'.encode()
    assert "מבזק על אירוע חשוב" in decode_html(page, label)


@pytest.mark.parametrize("label", ["utf-16", "UTF-16LE", "utf-32"])
def test_a_utf16_label_without_a_bom_is_ignored(label: str) -> None:
    assert decode_html(b"<html><p>plain text</p></html>", label) == "<html><p>plain text</p></html>"


def test_legacy_hebrew_text_is_never_valid_utf8() -> None:
    # why valid UTF-8 may overrule a declaration: Hebrew letters in windows-1255/ISO-8859-8 (0xE0-0xFA)
    # are UTF-8 lead bytes that want continuation bytes (0x80-0xBF) after them, never another letter
    text = " ".join(f"מילה{n} שלום, ירושלים: תל-אביב (צה״ל) ו״ארה״ב״ {n}" for n in range(200))
    for codec in ("windows-1255", "iso-8859-8"):
        data = text.replace("״", '"').encode(codec)
        with pytest.raises(UnicodeDecodeError):
            data.decode("utf-8")
        assert decode_html(data, codec).startswith("מילה0 שלום")


def test_lying_utf8_declaration_falls_back() -> None:
    page = '<meta charset="utf-8"><p>לילה</p>'.encode("windows-1255")
    assert "לילה" in decode_html(page)


def test_mojibake_is_repaired() -> None:
    original = "<title>ראשי - מקור ראשון</title><p>" + "ידיעה חשובה מאוד " * 5 + "</p>"
    broken = original.encode("utf-8").decode("latin-1")
    assert repair_mojibake(broken) == original
    assert decode_html(broken.encode("utf-8")) == original


def test_a_few_latin1_characters_are_left_alone() -> None:
    text = "<p>Café résumé — naïve ×2</p>"
    assert repair_mojibake(text) == text


@pytest.mark.parametrize(
    "data", [b"", b"   \n ", b"\x1f\x8b\x08\x00junk", b"\x00\x01\x02\x03" * 1000, b"%PDF-1.7 ..."]
)
def test_empty_or_binary_input_is_rejected(data: bytes) -> None:
    with pytest.raises(NotAnArticle):
        decode_html(data)


_UTF8_ARTICLE = "<p>" + "הממשלה אישרה הבוקר את תוכנית החומש לחינוך ולתרבות בישראל. " * 40 + "</p>"


@pytest.mark.parametrize(
    ("head", "header"),
    [
        ('<meta charset="utf-8">', None),  # declared in the page
        ("", "utf-8"),  # declared by the HTTP header
        ("", None),  # undeclared: valid but for one byte
        ('<meta charset="windows-1255">', "windows-1255"),  # mislabelled, valid but for one byte
    ],
)
def test_one_invalid_byte_in_a_utf8_page_is_repaired_locally(head: str, header: str | None) -> None:
    """Issue 14: one bad byte once turned the whole page into windows-1255 mojibake."""
    data = f"<html><head>{head}</head><body>{_UTF8_ARTICLE}</body></html>".encode()
    cut = data.index("חומש".encode())
    broken = data[:cut] + b"\xff" + data[cut:]
    text = decode_html(broken, header)
    assert text.count("\ufffd") == 1
    assert "\ufffdחומש" in text
    assert text.count("הממשלה אישרה הבוקר") == 40


def test_a_cut_multibyte_character_is_one_replacement() -> None:
    data = ('<meta charset="utf-8">' + _UTF8_ARTICLE).encode()
    cut = data.index("חומש".encode())
    broken = data[:cut] + data[cut : cut + 1] + data[cut + 2 :]  # the first letter lost its second byte
    text = decode_html(broken)
    assert "\ufffdומש" in text and "הממשלה" in text


def test_a_windows_1255_page_with_many_letters_is_not_taken_for_broken_utf8() -> None:
    data = ('<meta charset="utf-8">' + _UTF8_ARTICLE).encode("windows-1255")
    assert "הממשלה אישרה הבוקר" in decode_html(data, "utf-8")


def test_a_page_declaring_a_codec_that_is_no_text_encoding_is_read_from_its_bytes() -> None:
    """<meta charset="base64"> names a Python codec that turns bytes into bytes: decoding a windows-1255
    page so labelled raised LookupError, and the article was lost ("extraction failed"). No browser knows
    the label: the page is read from its bytes, as with any unknown label."""
    from pathlib import Path

    from newsarchive import extract_article

    url = "https://www.ynet.co.il/health/article/abc"
    page = (Path(__file__).parent / "fixtures" / "ynet" / "react_2021.html").read_text(encoding="utf-8")
    expected = extract_article(page.encode(), url)
    legacy = page.encode("windows-1255", errors="xmlcharrefreplace")
    for label in (b"base64", b"zlib", b"rot13"):
        relabelled = legacy.replace(b"<head>", b'<head><meta charset="' + label + b'">', 1)
        assert relabelled != legacy
        assert extract_article(relabelled, url).headline == expected.headline
