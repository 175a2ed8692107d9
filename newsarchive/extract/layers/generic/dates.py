"""The generic layer's times: marked elements (<time>, itemprop, date-classed blocks) in the article's region
then in the page, a byline block's date and clock, a date line between headline and body or opening the body,
a labelled date ("פורסם: 24.01.14 , 07:34") near the headline — the first that parses."""

from __future__ import annotations

from datetime import datetime

from lxml import etree

from ....dates import has_time_of_day, parse_date
from ....text import clean
from ...elements import inside, text_of
from ...markers import (
    BODY_BEGUN_CHARS,
    BODY_DATE_LINE_BLOCKS,
    BYLINE_BLOCK_DATE_MAX_CHARS,
    BYLINE_BLOCKS,
    CLOCK,
    DATE_CLASS_WORDS,
    DATE_LINE,
    DATE_LINE_MAX_CHARS,
    DATE_MAX_CHARS,
    DATE_MIN_CHARS,
    FOREIGN_CONTEXT,
    HEADER_BLOCK_TAGS,
    LABELLED_DATE,
    NEARBY_CLOCK_MAX_CHARS,
    NUMERIC_DATE,
    PUBLISHED_ELEMENTS,
    UPDATE_FIRST,
    UPDATED_ELEMENTS,
    UPDATED_LABEL,
)
from ...page import Page
from .landmarks import Landmarks


def published_text(page: Page, marks: Landmarks, now: datetime | None) -> str | None:
    region = marks.region if marks.region is not None else page.root
    for scope in (region, page.root):
        if scope is page.root and (in_byline := _byline_block_date(page, region, now)):
            return in_byline
        if marked := _marked_date(page, scope, now):
            return marked
    return (
        _header_date(marks, now)
        or _body_date_line(marks, now)
        or _labelled_date(page, marks.headline_element, region, now)
    )


def _marked_date(page: Page, scope: etree._Element, now: datetime | None) -> str | None:
    """A <time datetime>, an itemprop=datePublished, else a date-classed block's text in ``scope``."""
    for element in page.select(PUBLISHED_ELEMENTS, scope):
        raw = element.get("datetime") or element.get("content") or text_of(element)
        if not inside(element, FOREIGN_CONTEXT, scope) and parse_date(raw, now=now) is not None:
            return raw
    dated = page.mentions("date", "time", "publish")
    elements = page.with_class_containing(DATE_CLASS_WORDS, scope) if dated else []
    for element in elements:
        text = text_of(element)
        if not DATE_MIN_CHARS <= len(text) <= DATE_MAX_CHARS or inside(element, FOREIGN_CONTEXT, scope):
            continue
        if UPDATE_FIRST.match(text) and element is not elements[-1]:
            continue  # "עודכן: ..." before "פורסם: ...": the next date element is the publication
        if parse_date(text, now=now) is not None:
            return text if has_time_of_day(text) else _with_nearby_clock(element, text)
    return None


def _header_date(marks: Landmarks, now: datetime | None) -> str | None:
    """ "מאת: X | 15/05/2023 11:42": a full date and a clock in a short block between headline and body."""
    for element in marks.header_blocks:
        text = text_of(element)
        if NUMERIC_DATE.search(text) and CLOCK.search(text) and parse_date(text, now=now):
            return text
    return None


def _body_date_line(marks: Landmarks, now: datetime | None) -> str | None:
    """A bare date line opening the body's own container (dropped from its paragraphs)."""
    if (body := marks.densest) is not None:
        for index, element in enumerate(body.iterdescendants(*HEADER_BLOCK_TAGS)):
            text = text_of(element)
            if index >= BODY_DATE_LINE_BLOCKS or len(text) > BODY_BEGUN_CHARS:
                break
            if len(text) <= DATE_LINE_MAX_CHARS and DATE_LINE.match(text) and parse_date(text, now=now):
                return text
    return None


def _labelled_date(
    page: Page, h1: etree._Element | None, region: etree._Element, now: datetime | None
) -> str | None:
    """ "פורסם: 24.01.14 , 07:34" in a block with no telling class, near the headline."""
    near = [h1.getparent()] if h1 is not None and h1.getparent() is not None else []
    for scope in [*near, region, page.root]:
        for text in scope.itertext():
            if LABELLED_DATE.search(text) and parse_date(text, now=now) is not None:
                return clean(text)
    return None


def _byline_block_date(page: Page, region: etree._Element, now: datetime | None) -> str | None:
    """ "24.12.2013" and "11:33" in the byline block (a list of author, date, time), joined."""
    for element in page.select(BYLINE_BLOCKS, region):
        # items joined with spaces: "<li>29.10.2013</li><li>18:05</li>" read as one string glue numbers
        text = clean(" ".join(element.itertext()))
        date, clock = NUMERIC_DATE.search(text), CLOCK.search(text)
        if len(text) <= BYLINE_BLOCK_DATE_MAX_CHARS and date and clock:
            joined = f"{date.group(0)} {clock.group(0)}"
            if parse_date(joined, now=now) is not None:
                return joined
    return None


def _with_nearby_clock(element: etree._Element, date_text: str) -> str:
    """A day with no time ("יום שישי 22.05.2020"): the first clock time in its neighbourhood completes it."""
    node = element
    for _ in range(2):
        node = node.getparent()
        if node is None:
            break
        text = text_of(node)
        if len(text) > NEARBY_CLOCK_MAX_CHARS:
            break
        after = text.split(date_text, 1)[-1]
        clock = CLOCK.search(after)
        if clock:
            return f"{date_text} {clock.group(0)}"
    return date_text


def updated_text(page: Page, marks: Landmarks, now: datetime | None) -> str | None:
    region = marks.region if marks.region is not None else page.root
    for element in page.select(UPDATED_ELEMENTS, region):
        raw = element.get("datetime") or element.get("content") or text_of(element)
        if parse_date(raw, now=now) is not None:
            return raw
    # "עודכן: 17.07.24, 11:20" in a date block (the label looked for in the page's text first: cheaper)
    source = page.source
    if ("עודכן" in source or "pdated:" in source) and page.mentions("date", "time", "publish"):
        for element in page.with_class_containing(DATE_CLASS_WORDS, region):
            text = text_of(element)
            if len(text) <= DATE_MAX_CHARS and UPDATE_FIRST.match(text) and parse_date(text, now=now):
                return text
    # a second <time> introduced by "עודכן:" (published first, then updated)
    for element in page.select(".//time[@datetime]", region):
        previous = element.getprevious()
        before = (previous.tail if previous is not None else element.getparent().text) or ""
        if previous is not None and not before.strip():
            before = text_of(previous)
        if UPDATED_LABEL.search(before[-30:]) and parse_date(element.get("datetime"), now=now):
            return element.get("datetime")
    return None
