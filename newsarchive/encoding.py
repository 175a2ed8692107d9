"""Turning page bytes into text: declared charsets, legacy Hebrew code pages and mojibake repair."""

from __future__ import annotations

import codecs
import re

from .article import NotAnArticle
from .text import HEBREW_LETTER

_META_CHARSET = re.compile(rb"""<meta[^>]{0,200}?charset\s*=\s*["']?\s*([a-zA-Z0-9_.:-]{2,40})""", re.I)
_XML_DECL = re.compile(rb"""^\s*<\?xml[^>]{0,200}?encoding\s*=\s*["']([a-zA-Z0-9_.:-]{2,40})""", re.I)
# UTF-8 Hebrew (D7 90..D7 AA) read as Latin-1/cp1252 shows as "×" followed by a C1 or Latin-1 char.
_MOJIBAKE_HEBREW = re.compile("\u00d7[\u0080-\u00bf\u201a-\u203a\u0152-\u0178\u02c6\u02dc]")
_MOJIBAKE_RUN = re.compile(
    "[\u00c2-\u00f4][\u0080-\u00bf\u0152-\u0178\u02c6\u02dc\u2013-\u203a\u20ac\u2122]+"
)
_CP1252_EXTRA = {c: bytes([b]) for b in range(0x80, 0xA0) if (c := bytes([b]).decode("cp1252", "ignore"))}

_CONTROL_BYTES = bytes([*range(9), *range(14, 32)])
#: Charset labels that really mean a legacy Hebrew code page.
_HEBREW_ALIASES = {"iso-8859-8-i": "iso-8859-8", "iso-8859-8-e": "iso-8859-8", "visual": "iso-8859-8"}


def header(headers: dict[str, str], name: str) -> str:
    """A header's value whatever the case of its name ("" when it is absent)."""
    wanted = name.lower()
    return next((value for key, value in headers.items() if key.lower() == wanted), "")


def charset_of(content_type: str | None) -> str | None:
    """The charset a Content-Type header declares ("text/html; charset=windows-1255"), or None."""
    if not content_type or "charset=" not in content_type.lower():
        return None
    return content_type.lower().split("charset=", 1)[1].split(";")[0].strip(" \"'") or None


def decode_html(data: bytes | str, declared: str | None = None) -> str:
    """Decode a page: BOM, then valid UTF-8, then the declared charset (HTTP header), then
    ``<meta charset>``, then windows-1255. Mojibake (UTF-8 read as Latin-1) is repaired.

    Raises :class:`NotAnArticle` for empty or binary input.
    """
    if isinstance(data, str):
        text = data
    else:
        if not data.strip():
            raise NotAnArticle("empty page")
        _reject_binary(data)
        text = _decode_bytes(data, declared)
    if not text.strip():
        raise NotAnArticle("empty page")
    return repair_mojibake(text)


def _reject_binary(data: bytes) -> None:
    head = data[:4096]
    if head.startswith((b"\x1f\x8b", b"PK\x03\x04", b"%PDF", b"\x89PNG", b"\xff\xd8\xff", b"GIF8")):
        raise NotAnArticle("binary data, not an HTML page")
    controls = len(head) - len(head.translate(None, _CONTROL_BYTES))
    if controls > len(head) * 0.1 and not head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        raise NotAnArticle("binary data, not an HTML page")


def _decode_bytes(data: bytes, declared: str | None) -> str:
    for bom, name in (
        (codecs.BOM_UTF8, "utf-8"),
        (codecs.BOM_UTF16_LE, "utf-16"),
        (codecs.BOM_UTF16_BE, "utf-16"),
    ):
        if data.startswith(bom):
            return data.decode(name, errors="replace").lstrip("\ufeff")
    candidates = declared_codecs(data, declared)
    if not data.isascii():
        # Non-ASCII bytes that are valid UTF-8 are UTF-8 whatever the header or <meta> says: legacy Hebrew
        # text (letters 0xE0-0xFA, mostly followed by more letters) is never valid UTF-8, while servers
        # that label UTF-8 pages windows-1255 or ISO-8859-8 are common.
        try:
            return data.decode("utf-8")
        except UnicodeDecodeError:
            pass
        # A UTF-8 page with a few broken bytes (a cut multi-byte character, a stray Latin-1 byte) keeps
        # its text: each bad byte becomes U+FFFD, instead of the whole page read as windows-1255.
        text = _mostly_utf8(data, declared_utf8="utf-8" in candidates)
        if text is not None:
            return text
    for codec in candidates:
        if codec is None:
            continue
        if codec == "utf-8" and not data.isascii():
            continue  # a lying declaration (the bytes are not UTF-8): sniff instead
        return data.decode(codec, errors="replace")
    if data.isascii():
        return data.decode("ascii")
    # Legacy Israeli pages: windows-1255 is a superset of ISO-8859-8 for the letters.
    return data.decode("windows-1255", errors="replace")


def declared_codecs(data: bytes, declared: str | None) -> list[str | None]:
    """The codecs a page is declared in, in the order decode_html tries them: the HTTP header's charset, then
    the XML declaration's or ``<meta charset>``'s (None for a label read by sniffing instead, or unknown)."""
    labels = [declared] if declared else []
    match = _XML_DECL.search(data[:512]) or _META_CHARSET.search(data[:200_000])
    if match:
        labels.append(match.group(1).decode("ascii"))
    return [_codec(label) for label in labels]


def _mostly_utf8(data: bytes, *, declared_utf8: bool) -> str | None:
    """The page decoded as UTF-8 with bad bytes replaced, when it is essentially UTF-8: declared so and
    mostly valid, or valid but for a few bytes. None when the bytes are another charset's (windows-1255
    Hebrew letters are almost never valid UTF-8 sequences)."""
    text = data.decode("utf-8", errors="replace")
    bad = text.count("\ufffd") - data.count(b"\xef\xbf\xbd")
    good = sum(1 for ch in text if ord(ch) > 0x7F) - bad
    if declared_utf8:
        return text if good >= 4 * bad else None
    return text if good >= 20 and bad <= max(3, good // 100) else None


def _codec(label: str) -> str | None:
    label = label.strip().lower()
    label = _HEBREW_ALIASES.get(label, label)
    try:
        name = codecs.lookup(label).name
        b" ".decode(name, "replace")  # bytes-to-bytes codecs (base64, zlib, rot13, hex) are no web charsets
    except LookupError:
        return None
    if name.startswith(("utf-16", "utf-32")):
        return None  # without a BOM (handled above) such a label on a web page is a mistake
    if name in {"latin-1", "iso8859-1", "cp1252", "ascii"}:
        # Browsers treat these labels as windows-1252; a Hebrew page so labelled is really UTF-8 or
        # windows-1255, which the sniffing below tells apart.
        return None
    return "utf-8" if name == "utf-8" else name


def repair_mojibake(text: str) -> str:
    """Undo UTF-8 that was decoded as Latin-1/cp1252 (and saved again), run by run.

    Pages with a few stray Latin-1 characters are left alone: only runs that decode as valid UTF-8
    are replaced, and only when the page shows the Hebrew mojibake signature.
    """
    signature = len(_MOJIBAKE_HEBREW.findall(text, 0, 400_000))
    if signature < 5 or signature < len(HEBREW_LETTER.findall(text, 0, 400_000)) / 4:
        return text

    def fix(match: re.Match[str]) -> str:
        run = match.group(0)
        try:
            raw = b"".join(_CP1252_EXTRA.get(c) or c.encode("latin-1") for c in run)
            return raw.decode("utf-8")
        except (UnicodeEncodeError, UnicodeDecodeError):
            return run

    return _MOJIBAKE_RUN.sub(fix, text)
