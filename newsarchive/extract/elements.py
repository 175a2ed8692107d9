"""Small questions about one lxml element (its text, its class and id), shared by the whole extractor.

They depend on nothing else in the extractor, so that the page, the block cutter and the layers can all use
them without importing one another.
"""

from __future__ import annotations

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
