"""The generic layer's section and tags: a breadcrumb, section labels before the headline, a WordPress post's
primary category; a visible tag list."""

from __future__ import annotations

from lxml import etree

from ...elements import is_link_list, precedes, text_of
from ...markers import (
    BREADCRUMBS,
    CATEGORY_LINKS,
    MAX_TAGS,
    SECTION_LABEL_MAX_CHARS,
    SECTION_LABELS,
    TAG_ADDRESS,
    TAG_CLASS_WORDS,
    TAG_MAX_CHARS,
)
from ...page import Page
from ..base import unique
from .landmarks import Landmarks


def section_trail(page: Page, marks: Landmarks) -> list[str]:
    if not page.mentions("crumb", "trajector"):
        return _section_labels(page, marks)
    for element in page.select(BREADCRUMBS):
        links = [a for a in element.iter("a") if not TAG_ADDRESS.search(a.get("href") or "")]
        if not links and any(True for _ in element.iter("a")):
            continue  # a tag list (some templates class tags and breadcrumbs together)
        items = unique([text_of(a) for a in links] + [text_of(li) for li in element.iter("li")][-1:])
        if items:
            return items
    return _section_labels(page, marks)


def _section_labels(page: Page, marks: Landmarks) -> list[str]:
    """Section labels before the headline (a link each, classed section/channel/category), in order."""
    h1 = marks.headline_element
    if h1 is None or not page.mentions("section", "channel", "category"):
        return []
    labels: list[str] = []
    for element in page.select(SECTION_LABELS):
        if element.getparent() is None or is_link_list(element) or element in marks.never_body:
            continue
        links = list(element.iter("a"))
        if len(links) == 1 and len(text_of(element)) <= SECTION_LABEL_MAX_CHARS and precedes(element, h1):
            labels.append(text_of(element))
    if len(labels) >= 2:
        return unique(labels)
    return _post_category(page, marks)


def _post_category(page: Page, marks: Landmarks) -> list[str]:
    """WordPress marks a post's categories rel="category tag" (the first is its primary one): in the
    article's own block, not in a menu or a list of other posts."""
    if "category" not in page.markers:
        return []
    scope: etree._Element = marks.region if marks.region is not None else page.root
    for link in page.select(CATEGORY_LINKS, scope):
        if any(ancestor in marks.never_body for ancestor in link.iterancestors()):
            continue
        if marks.in_foreign_block(link, scope):
            continue
        text = text_of(link)
        return [text] if 2 <= len(text) <= TAG_MAX_CHARS else []
    return []


def tags(page: Page) -> list[str]:
    if not page.mentions("tag", "keyword"):
        return []
    for element in page.with_class_containing(TAG_CLASS_WORDS, also="//*[@rel='tag']"):
        items = unique(
            [text_of(a) for a in element.iter("a") if a.get("href") and len(text_of(a)) < TAG_MAX_CHARS]
        )
        if items:
            return items[:MAX_TAGS]
    return []
