"""The site's own rules: the selectors of its profile's layout (``newsarchive/sites/<site>.py``)."""

from __future__ import annotations

import copy
import re
from datetime import datetime
from functools import cached_property

from lxml import etree

from ...article import Image
from ...credits import is_desk
from ...dates import parse_date
from ...sites.base import Layout, SiteProfile
from ..blocks import blocks, is_boilerplate_element
from ..elements import drop, text_of
from ..images import images_by_rules
from ..page import Page
from .base import NO_BODY, Body, Layer, finish_body, names, unglued, unique


class SiteLayer(Layer):
    kind = "site"

    def __init__(self, page: Page, now: datetime | None, profile: SiteProfile, layout: Layout) -> None:
        super().__init__(page, now)
        self.profile = profile
        self.layout = layout
        self.name = f"site:{profile.key}"

    @staticmethod
    def pick_layout(page: Page, profile: SiteProfile) -> Layout | None:
        return next((layout for layout in profile.layouts if page.first(layout.detect) is not None), None)

    def headline(self) -> str | None:
        if not self.layout.headline:
            return None
        element = self.page.first(self.layout.headline)
        if element is None:
            return None
        if self.layout.headline_drop:
            element = copy.deepcopy(element)
            for kicker in self.page.select(self.layout.headline_drop, element):
                if kicker is not element:
                    drop(kicker)
        return text_of(element) or None

    def subtitle(self) -> str | None:
        if not self.layout.subtitle:
            return None
        return text_of(self.page.first(self.layout.subtitle)) or None

    def authors(self) -> list[str]:
        found: list[str] = []
        if self.layout.byline:
            texts = [t for e in self.page.select(self.layout.byline) for t in unglued(e, text_of(e))]
            found = names(texts, self.profile.desks)
        if not found:
            found = [n for n in self.body().byline if not is_desk(n)]
        return found

    def published_text(self) -> str | None:
        """Texts (or date attributes) of the date selectors, joined: a day header plus a clock time."""
        joined = self._date_text(self.layout.published)
        if joined and parse_date(joined, now=self.now) is not None:
            return joined
        for selector in self.layout.published_fallback:
            text = self._date_text((selector,))
            if text and parse_date(text, now=self.now) is not None:
                return text
        return joined

    def updated_text(self) -> str | None:
        return self._date_text(self.layout.updated)

    def _date_text(self, selectors: tuple[str, ...]) -> str | None:
        pieces = []
        for selector in selectors:
            for element in self.page.select(selector)[:8]:
                attribute = next((element.get(a) for a in self.layout.published_attr if element.get(a)), None)
                if attribute:
                    pieces.append(attribute)
                    break
                if text := text_of(element):
                    pieces.append(text)
        return " ".join(pieces) or None

    @cached_property
    def _body(self) -> Body:
        if not self.layout.body:
            return NO_BODY
        element = self.page.first(self.layout.body)
        if element is None:
            return NO_BODY
        dropped = set(self.page.select(self.layout.drop, element)) if self.layout.drop else set()

        def skip(node: etree._Element) -> bool:
            return node in dropped or is_boilerplate_element(node)

        if self.layout.paragraphs:
            found = [b for p in self.page.select(self.layout.paragraphs, element) for b in blocks(p, skip)]
        else:
            found = blocks(element, skip)
        return finish_body(found, element)

    def body(self) -> Body:
        return self._body

    def images(self) -> list[Image]:
        return images_by_rules(self.page, self.layout.images) if self.layout.images else []

    def section_trail(self) -> list[str]:
        if not self.layout.section:
            return []
        return unique([text_of(e) for e in self.page.select(self.layout.section)])

    def tags(self) -> list[str]:
        if not self.layout.tags:
            return []
        return unique([text_of(e) for e in self.page.select(self.layout.tags)])

    def paywalled(self) -> bool | None:
        if self.profile.paywall_url and re.search(self.profile.paywall_url, self.page.canonical):
            return True
        if self.layout.paywall and self.page.first(self.layout.paywall) is not None:
            return True
        return None

    def language(self) -> str | None:
        return self.profile.language
