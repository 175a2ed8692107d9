"""What every layer is: a reader that answers, field by field, what it knows of the page (or nothing).

Every method is cheap to call twice (what is costly is cached) and never raises on odd markup. Which layer's
answer wins, field by field, is declared in ``extract/precedence.py``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from lxml import etree

from ...article import Image
from ...credits import parse_byline, trailing_byline
from ...dates import parse_date
from ...text import clean, fold_for_compare
from ..blocks import Block, body_paragraphs
from ..elements import text_of
from ..markers import BYLINE_LABEL_START, BYLINE_LINE_MAX_CHARS
from ..page import Page


@dataclass(frozen=True, slots=True)
class Body:
    """The article's text as one layer found it."""

    paragraphs: tuple[str, ...] = ()
    #: the element it was cut from (None for text kept in structured data)
    element: etree._Element | None = None
    #: names from the text's own byline line (a trailing "(name)", a first "מאת: name"), taken out of it
    byline: tuple[str, ...] = ()


NO_BODY = Body()


class Layer:
    #: which kind of layer this is, as the precedence table names it
    kind = "layer"
    #: what provenance records (the site layer adds the site: "site:ynet")
    name = "layer"

    def __init__(self, page: Page, now: datetime | None) -> None:
        self.page = page
        self.now = now

    def headline(self) -> str | None:
        return None

    def subtitle(self) -> str | None:
        return None

    def authors(self) -> list[str]:
        return []

    def published_text(self) -> str | None:
        """The date string this layer reads as the publication time (parsed by :meth:`published`)."""
        return None

    def updated_text(self) -> str | None:
        return None

    def published(self) -> datetime | None:
        return parse_date(self.published_text(), now=self.now)

    def updated(self) -> datetime | None:
        return parse_date(self.updated_text(), now=self.now)

    def body(self) -> Body:
        return NO_BODY

    def images(self) -> list[Image]:
        return []

    def section_trail(self) -> list[str]:
        """The breadcrumb trail, outermost first; its last item is the section."""
        return []

    def tags(self) -> list[str]:
        return []

    def paywalled(self) -> bool | None:
        return None

    def language(self) -> str | None:
        return None


def finish_body(found: list[Block], element: etree._Element | None = None) -> Body:
    """Boilerplate out; a trailing "(name)" line, or a first line "מאת: name", is the byline, not body."""
    paragraphs = body_paragraphs(found)
    byline: list[str] | None = None
    if paragraphs:
        names = trailing_byline(paragraphs[-1])
        if names is not None:
            paragraphs.pop()
            byline = names
    first = paragraphs[0] if len(paragraphs) > 1 else ""
    if len(first) <= BYLINE_LINE_MAX_CHARS and BYLINE_LABEL_START.match(first) and not first.endswith("."):
        names = parse_byline(first)
        if names:
            paragraphs.pop(0)
            byline = byline or names
    return Body(tuple(paragraphs), element, tuple(byline or ()))


def text_lines(texts: list[str], root: etree._Element) -> list[Block]:
    """Paragraph texts kept in structured data, as blocks of the page (they have no element of their own)."""
    return [Block(clean(text), 0, root) for text in texts if clean(text)]


def names(texts: list[str], desks: tuple[str, ...] = ()) -> list[str]:
    """The persons named in byline texts, each once, a desk of the site's ("מערכת ynet") left out."""
    desk_keys = {fold_for_compare(d) for d in desks}
    found: list[str] = []
    for text in texts:
        for name in parse_byline(text):
            if fold_for_compare(name) in desk_keys or name in found:
                continue
            found.append(name)
    return found


def unglued(element: etree._Element, text: str) -> list[str]:
    """The names of a byline block that prints one link or span per name with nothing between them
    (``<a>דנה לוי</a><a>יוסי כהן</a>``, read as one string "דנה לוייוסי כהן"); else its text."""
    named = [child for child in element if isinstance(child.tag, str) and text_of(child)]
    if len(named) < 2 or clean((element.text or "") + "".join(child.tail or "" for child in element)):
        return [text]
    pieces = [text_of(child) for child in named]
    if all(" " not in piece for piece in pieces):
        return [" ".join(pieces)]  # "<b>דנה</b><b>לוי</b>": one name, its parts set apart by markup
    return pieces


def unique(texts: list[str]) -> list[str]:
    """Cleaned texts, each once, in order; separators around them and "label:" entries left out."""
    out: list[str] = []
    for text in texts:
        text = clean(text).strip(" ,:|#>›»/·•")
        if text and text not in out and not text.endswith(":"):
            out.append(text)
    return out


def language_code(value: str | None) -> str | None:
    """ "he-IL", "he_IL", "HE" -> "he"."""
    value = clean(value).lower()
    if not value:
        return None
    return re.split(r"[-_]", value)[0][:3] or None
