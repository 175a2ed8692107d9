"""Small questions about one lxml element (its text, its class and id), shared by the whole extractor.

They depend on nothing else in the extractor, so that the page, the block cutter and the layers can all use
them without importing one another.
"""

from __future__ import annotations

import re

from lxml import etree

from ..text import clean


def class_and_id(element: etree._Element) -> str:
    """The element's class and id, space-separated: what the marker patterns (boilerplate, caption,
    subtitle...) are searched in."""
    return (element.get("class") or "") + " " + (element.get("id") or "")


def text_of(element: etree._Element | None) -> str:
    if element is None:
        return ""
    return clean("".join(element.itertext()))


def is_link_list(element: etree._Element) -> bool:
    """An element holding a list or a menu of its own (an <h1> around a logo's menu is no headline)."""
    return any(child.tag in ("ul", "ol", "nav") for child in element)


def inside(element: etree._Element, markers: re.Pattern[str], stop: etree._Element | None) -> bool:
    """Whether an ancestor of ``element`` below ``stop`` has a class or id that ``markers`` finds."""
    for ancestor in element.iterancestors():
        if ancestor is stop:
            return False
        marks = class_and_id(ancestor)
        if marks.strip() and markers.search(marks):
            return True
    return False


def precedes(element: etree._Element, other: etree._Element) -> bool:
    """``element`` comes before ``other`` in document order."""
    for following in element.itersiblings():
        if following is other or other in following.iterdescendants():
            return True
    parent = element.getparent()
    return parent is not None and parent is not other and precedes(parent, other)


# characters an lxml text or tail may not hold
_XML_UNSAFE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f]")


def drop(element: etree._Element) -> None:
    """Remove an element but keep the text that follows it."""
    parent = element.getparent()
    if parent is None:
        return
    tail = _XML_UNSAFE.sub("", element.tail or "")
    if tail:
        previous = element.getprevious()
        if previous is not None:
            previous.tail = (previous.tail or "") + tail
        else:
            parent.text = (parent.text or "") + tail
    parent.remove(element)
