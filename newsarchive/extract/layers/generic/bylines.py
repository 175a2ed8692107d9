"""The generic layer's byline: byline-classed blocks, links to a writer's page, the body's own byline line, a
labelled line ("מאת: ...") between headline and body — the first of them that names someone."""

from __future__ import annotations

from collections.abc import Callable

from lxml import etree

from ....credits import is_desk, parse_byline
from ....text import clean
from ...elements import class_and_id, text_of
from ...markers import (
    AUTHOR_CLASS_WORDS,
    AUTHOR_MARKED,
    AUTHOR_WORDS,
    BYLINE_LABEL_START,
    CREDIT_LINE,
    DATE_LABEL_START,
    GROUPED_NAMES_SHARE,
    MAX_NAMES,
    NAME_MAX_CHARS,
    NAME_MIN_CHARS,
    NUMERIC_DATE,
    PHOTO_LABEL,
    PICTURE_MARK,
    WRITER_HREF,
)
from ...page import Page
from ..base import Body, names, unglued
from .landmarks import Landmarks


def authors(page: Page, marks: Landmarks, body: Callable[[], Body]) -> list[str]:
    """``body`` is asked only when the markup names no one (cutting the body is costly)."""
    found = _classed_names(page, marks)
    if found:
        return found[:MAX_NAMES]
    region = marks.region
    if region is not None and (found := _writer_links(page, marks, region)):
        return found
    from_body = [n for n in body().byline if not is_desk(n)]
    if from_body:
        return from_body
    labelled = _labelled_byline(marks)
    return [n for n in parse_byline(labelled) if not is_desk(n)][:MAX_NAMES] if labelled else []


def _classed_names(page: Page, marks: Landmarks) -> list[str]:
    """Names in blocks classed as bylines (or marked rel/itemprop author), in the article's region first."""
    region = marks.region
    scopes = [region] if region is not None else []
    scopes.append(page.root)
    if not page.mentions(*AUTHOR_WORDS) and "uthor" not in page.source:
        scopes = []
    for scope in scopes:
        texts = []
        matched = page.with_class_containing(AUTHOR_CLASS_WORDS, scope, also=AUTHOR_MARKED)
        for element in matched:
            if marks.in_foreign_block(element, scope) or _groups_names(element, matched):
                continue
            text = text_of(element) or clean(element.get("content"))
            # an itemprop=author item's own name element (tested against None: an lxml element's truth
            # is whether it has children)
            is_item = element.get("itemprop") == "author"
            name = page.first(".//*[@itemprop='name']", element) if is_item else None
            if name is not None:
                text = text_of(name) or clean(name.get("content")) or text
                if NAME_MIN_CHARS <= len(text) <= NAME_MAX_CHARS:
                    texts.append(text)
            elif NAME_MIN_CHARS <= len(text) <= NAME_MAX_CHARS:
                texts += unglued(element, text)
        found = names(texts)
        if found:
            return found
    return []


def _groups_names(element: etree._Element, matched: list[etree._Element]) -> bool:
    """A block that only groups author blocks of its own ("writers-names" around one "writer-name-item" per
    name): its joined text would read as one name, so its parts are read instead."""
    inner = [other for other in matched if other is not element and element in other.iterancestors()]
    if not inner:
        return False
    covered = sum(len(text_of(other)) for other in inner if other.getparent() is not None)
    return covered >= GROUPED_NAMES_SHARE * len(text_of(element))


def _writer_links(page: Page, marks: Landmarks, region: etree._Element) -> list[str]:
    """Names in the article's own block that link to a writer's page (``/writer/``, ``/author/``,
    Haaretz's ``/misc/writers/``) or stand in an ``<address>``, HTML's element for the author's
    contact: bylines with no telling class."""
    if "<address" not in page.source and not WRITER_HREF.search(page.source):
        return []
    texts = []
    candidates = page.select(".//address | .//a[@href]", region)
    candidates += [
        e for block in marks.header_blocks for e in block.iter("address", "a") if e not in candidates
    ]
    for element in candidates:
        if element.tag == "a" and not WRITER_HREF.search(element.get("href") or ""):
            continue
        if marks.in_foreign_block(element, region) or element in marks.never_body:
            continue
        text = text_of(element)
        if NAME_MIN_CHARS <= len(text) <= NAME_MAX_CHARS:
            texts.append(text)
    return names(texts)[:MAX_NAMES]


def _labelled_byline(marks: Landmarks) -> str | None:
    """ "מאת: X" anywhere between headline and body, or a block classed as the article's credit line
    (not a picture's: no photo label, no image class)."""
    for element in marks.header_blocks:
        text = text_of(element)
        if BYLINE_LABEL_START.match(text):
            return text
        date = NUMERIC_DATE.search(text)
        if date and date.start() > 0 and not DATE_LABEL_START.match(text) and parse_byline(text):
            return text  # "דנה לוי | 12.03.24 | 14:05": parse_byline stops at the date
        classes = class_and_id(element)
        if (
            CREDIT_LINE.search(classes)
            and not PICTURE_MARK.search(classes)
            and not PHOTO_LABEL.search(text)
            and element.find(".//img") is None
        ):
            return text
    return None
