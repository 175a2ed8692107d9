"""The generic layer: conventional markup on any site — the <h1>, the densest run of paragraphs, byline-like
blocks, dates, breadcrumbs and tag lists. What it looks for is named in ``extract/markers.py``; where the
article sits on the page is found once, by :class:`Landmarks`."""

from __future__ import annotations

from datetime import datetime
from functools import cached_property
from urllib.parse import urlsplit

from lxml import etree

from ....article import Image
from ...blocks import blocks
from ...elements import class_and_id, text_of
from ...images import images_generic
from ...markers import (
    BOILERPLATE_MARKERS,
    BYLINE_BLOCK_MAX_CHARS,
    BYLINE_OR_DATE,
    KICKER,
    PREMIUM_PATH,
    SUBTITLE_ELEMENTS,
    SUBTITLE_MARKERS,
    SUBTITLE_MAX_CHARS,
    SUBTITLE_MIN_CHARS,
)
from ...page import Page
from ..base import NO_BODY, Body, Layer, finish_body, language_code
from . import bylines, dates, sections
from .landmarks import Landmarks


class GenericLayer(Layer):
    """Conventional markup on any site: h1, the densest run of paragraphs, byline-like blocks."""

    kind = name = "generic"

    def __init__(self, page: Page, now: datetime | None, anchor: etree._Element | None = None) -> None:
        super().__init__(page, now)
        self.marks = Landmarks(page, anchor)

    @property
    def headline_element(self) -> etree._Element | None:
        return self.marks.headline_element

    def dominance(self) -> float:
        return self.marks.dominance()

    def headline(self) -> str | None:
        return KICKER.sub("", text_of(self.headline_element)) or None

    def subtitle(self) -> str | None:
        h1 = self.headline_element
        if h1 is None:
            return self._marked_subtitle()
        headline = text_of(h1)
        node = h1
        for _ in range(3):
            for sibling in node.itersiblings():
                if not isinstance(sibling.tag, str):
                    continue
                text = text_of(sibling)
                marks = class_and_id(sibling)
                is_candidate = sibling.tag in ("h2", "p") or SUBTITLE_MARKERS.search(marks)
                if (
                    is_candidate
                    and SUBTITLE_MIN_CHARS <= len(text) <= SUBTITLE_MAX_CHARS
                    and headline not in text
                    and not BOILERPLATE_MARKERS.search(marks)
                ):
                    return text
                if text and not _is_byline_block(sibling, text):
                    break
            node = node.getparent()
            if node is None:
                break
        return None

    def _marked_subtitle(self) -> str | None:
        """Without an <h1>: the first block whose class or id names it a subtitle or lead."""
        for element in self.page.select(SUBTITLE_ELEMENTS):
            marks = class_and_id(element)
            text = text_of(element)
            if (
                SUBTITLE_MARKERS.search(marks)
                and SUBTITLE_MIN_CHARS <= len(text) <= SUBTITLE_MAX_CHARS
                and not BOILERPLATE_MARKERS.search(marks)
            ):
                return text
        return None

    def authors(self) -> list[str]:
        return bylines.authors(self.page, self.marks, self.body)

    def published_text(self) -> str | None:
        return dates.published_text(self.page, self.marks, self.now)

    def updated_text(self) -> str | None:
        return dates.updated_text(self.page, self.marks, self.now)

    @cached_property
    def _body(self) -> Body:
        element = self.marks.densest
        if element is None:
            return NO_BODY
        return finish_body(blocks(element), element)

    def body(self) -> Body:
        return self._body

    def images(self) -> list[Image]:
        marks = self.marks
        body = marks.anchor if marks.anchor is not None else marks.densest
        return images_generic(self.page, marks.region, body)

    def section_trail(self) -> list[str]:
        return sections.section_trail(self.page, self.marks)

    def tags(self) -> list[str]:
        return sections.tags(self.page)

    def paywalled(self) -> bool | None:
        path = urlsplit(self.page.canonical).path.lower()
        if PREMIUM_PATH.search(path):
            return True
        return None

    def language(self) -> str | None:
        return language_code(self.page.lang)


def _is_byline_block(element: etree._Element, text: str) -> bool:
    """A short block of names and times (the byline and date line between a headline and its subtitle)."""
    if len(text) > BYLINE_BLOCK_MAX_CHARS or element.tag in ("h2", "p"):
        return False
    return any(BYLINE_OR_DATE.search(class_and_id(e)) for e in element.iter() if isinstance(e.tag, str))
