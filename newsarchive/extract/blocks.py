"""Cutting an element into paragraphs, and telling body text from boilerplate."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from lxml import etree

from ..text import clean
from .elements import class_and_id
from .markers import (
    BLOCK_TAGS,
    BOILERPLATE_MARKERS,
    BOILERPLATE_TEXT,
    DATE_LINE,
    LINK_LINE_DENSITY,
    SKIP_TAGS,
)

_BREAKING = BLOCK_TAGS | {"figcaption", "iframe", "video", "audio", "object", "embed", "canvas", "noscript"}
_BR = "\x00"


@dataclass(slots=True)
class Block:
    text: str
    link_chars: int
    element: etree._Element

    @property
    def link_density(self) -> float:
        return self.link_chars / len(self.text) if self.text else 0.0


def is_page_form(element: etree._Element) -> bool:
    """A form wrapping the whole page, as ASP.NET WebForms prints (inn, globes, bizportal...), rather than a
    search or sign-up form: it carries the page state or the article itself."""
    return element.tag == "form" and (
        element.find(".//input[@name='__VIEWSTATE']") is not None
        or element.find(".//h1") is not None
        or element.find(".//article") is not None
    )


def _is_data_table(table: etree._Element) -> bool:
    """A table of figures or names (quotes, scores, results): every cell short. Not prose."""
    cells = [clean("".join(cell.itertext())) for cell in table.iter("td", "th")]
    return bool(cells) and max(len(cell) for cell in cells) < 40


def is_boilerplate_element(element: etree._Element) -> bool:
    tag = element.tag
    if not isinstance(tag, str):
        return True
    if tag in SKIP_TAGS and not is_page_form(element):
        return True
    if tag == "table" and _is_data_table(element):
        return True
    if element.get("hidden") is not None or element.get("aria-hidden") == "true":
        return True
    style = element.get("style")
    if style and "display:none" in style.replace(" ", "").lower():
        return True
    marks = class_and_id(element)
    return bool(marks.strip()) and bool(BOILERPLATE_MARKERS.search(marks))


def is_boilerplate_text(text: str) -> bool:
    return len(text) < 200 and bool(BOILERPLATE_TEXT.match(text))


def blocks(
    container: etree._Element,
    skip: Callable[[etree._Element], bool] = is_boilerplate_element,
) -> list[Block]:
    """The paragraphs of ``container`` in document order: a block element starts a new paragraph,
    ``<br><br>`` too; skipped subtrees contribute nothing but their tail text."""
    out: list[Block] = []
    parts: list[str] = []
    link_chars = 0
    anchor_depth = 0
    owner = container
    skipped: set[etree._Element] = set()

    def flush() -> None:
        nonlocal parts, link_chars, owner
        if parts:
            for piece in re.split(_BR + r"\s*" + _BR + r"[\s" + _BR + "]*", "".join(parts)):
                text = clean(piece.replace(_BR, " "))
                if text:
                    out.append(Block(text, min(link_chars, len(text)), owner))
        parts, link_chars = [], 0

    walker = etree.iterwalk(container, events=("start", "end"))
    for event, element in walker:
        tag = element.tag if isinstance(element.tag, str) else ""
        if event == "start":
            if element is not container and skip(element):
                if tag in _BREAKING:
                    flush()
                skipped.add(element)
                walker.skip_subtree()
                continue
            if tag in BLOCK_TAGS:
                flush()
                owner = element
            elif tag == "br":
                parts.append(_BR)
            elif tag == "a":
                anchor_depth += 1
            if element.text:
                parts.append(element.text)
                if anchor_depth:
                    link_chars += len(element.text.strip())
        else:
            if element in skipped:
                pass
            elif tag in BLOCK_TAGS:
                flush()
            elif tag == "a" and anchor_depth:
                anchor_depth -= 1
            if element is not container and element.tail:
                parts.append(element.tail)
                if anchor_depth:
                    link_chars += len(element.tail.strip())
    flush()
    return out


def body_paragraphs(found: list[Block]) -> list[str]:
    """Drop calls to action, link-only lines and repeats from a list of blocks."""
    paragraphs: list[str] = []
    seen: set[str] = set()
    for block in found:
        text = block.text
        if is_boilerplate_text(text) or (len(text) <= 40 and DATE_LINE.match(text)):
            continue
        if block.link_density > LINK_LINE_DENSITY and len(text) < 200:
            continue  # a related-article link standing alone
        if text in seen:
            continue
        seen.add(text)
        paragraphs.append(text)
    return paragraphs
