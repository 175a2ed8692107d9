"""Cutting an element into paragraphs, and telling body text from boilerplate."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from lxml import etree

from ..text import clean
from .elements import class_and_id

BLOCK_TAGS = frozenset(
    (
        "p div h1 h2 h3 h4 h5 h6 li ul ol blockquote section article table tr td th figure header footer"
        " dl dt dd"
        " pre hr form aside main nav address center details summary fieldset"
    ).split()
)
# Never body text, whatever their class.
_SKIP_TAGS = frozenset(
    (
        "script style noscript template svg button input select textarea form iframe video audio object embed"
        " figure figcaption picture aside nav footer label canvas map"
    ).split()
)
# Class/id words of boilerplate blocks: sharing, related links, tags, comments, ads, captions, galleries...
BOILERPLATE_MARKERS = re.compile(
    r"share(?!able)|sharing|social|related|recommend|comment|talkback|newsletter|subscri|promo|advert|banner|outbrain|"
    r"taboola|dfp|google_ads|\bads?\b|ad-slot|adunit|caption|credit|gallery|slideshow|video|player|breadcrumb|"
    r"trajectory|\btags?\b|tagslist|tags-list|keywords|popup|modal|cookie|consent|readmore|read-more|more-articles|"
    r"sidebar|toolbar|\brate\b|rating|bigpicture|mobile-link|author|byline|writer|\bdate\b|datedisplay|timestamp|"
    r"disclaimer|contact_us|findmistake|notifymistake|paywall|premiumcontent|premium[_-]?blocked|subscription|print-only|sr-only|"
    r"screen-reader|visually-hidden|(?<![\w-])hidden(?![\w-])|inarticleholdimage|imageinfo|imagecomponent",
    re.I,
)
# Paragraphs that are calls to action, not article text.
BOILERPLATE_TEXT = re.compile(
    r"^(?:קראו\s+(?:עוד|גם|עכשיו|את)|לקריאה\s+נוספת|לכתבה\s+המלאה|לכל\s+הכתבות|עוד\s+באותו\s+נושא|עוד\s+כתבות|"
    r"כתבות\s+נוספות|מצאתם\s+טעות|הצטרפו|הירשמו|הרשמו|להרשמה|הרשמה\s+לניוזלטר|לחצו\s+כאן|לחץ\s+כאן|"
    r"עקבו\s+אחרינו|שתפו|שתף|לתגובות|הוסף\s+תגובה|הוספת\s+תגובה|כל\s+הזכויות\s+שמורות|©|"
    r"Read\s+(?:this|the)\s+(?:article|story)\s+in\s+English|Click\s+here|Subscribe|Sign\s+up|"
    r"אנו\s+משתמשים\s+בעוגיות|האתר\s+משתמש\s+בקבצי|באתר\s+זה\s+נעשה\s+שימוש|"
    r"(?:ה)?(?:כתבה|ידיעה)\s+(?:פורסמה|התפרסמה)\s+לראשונה|פורסם\s+לראשונה|"
    r"תגיות|נושאים\s+קשורים|עוד\s+בנושא|מומלצים|המומלצים|"
    r"להמשך\s+קריאה|רוצים\s+להמשיך\s+לקרוא|לקריאת\s+הכתבה\s+המלאה|למנויים\s+בלבד|"
    r"צילום\s*:|צילומים\s*:|קרדיט\s*:)",
    re.I,
)
# a line that is only a date and a time ("24/10/2014 08:12", "12.03.24 | 14:05"): the page's date line
# inside the body's container, never article text
DATE_LINE = re.compile(
    r"^[\s|,\-–]*\d{1,2}[./-]\d{1,2}[./-]\d{2,4}(?:[\s|,\-–]*\d{1,2}:\d{2}(?::\d{2})?)?[\s|,\-–]*$"
    r"|^\s*\d{1,2}:\d{2}[\s|,\-–]+\d{1,2}[./-]\d{1,2}[./-]\d{2,4}\s*$"
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
    if tag in _SKIP_TAGS and not is_page_form(element):
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
        if block.link_density > 0.85 and len(text) < 200:
            continue  # a related-article link standing alone
        if text in seen:
            continue
        seen.add(text)
        paragraphs.append(text)
    return paragraphs
