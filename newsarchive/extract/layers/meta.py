"""Meta tags: OpenGraph, ``article:*``, Twitter, Dublin Core and others, checked against the visible <h1>."""

from __future__ import annotations

from ...dates import parse_date
from ...text import clean, fold_for_compare
from ..elements import text_of
from ..markers import KICKER, META_AUTHORS, META_PUBLISHED, META_TAGS, META_UPDATED, PAID_TIERS, TITLE_SUFFIX
from .base import Layer, language_code, names, unique


class MetaLayer(Layer):
    kind = name = "meta"

    def headline(self) -> str | None:
        title = clean(self.page.meta_value("og:title", "twitter:title"))
        h1s = [text for h1 in self.page.select("//h1") if len(text := text_of(h1)) > 10]
        if not title:
            if h1s:
                return None  # a bare <title> is weaker than the page's visible headline
            title = clean(self.page.meta_value("title")) or text_of(self.page.first("//title"))
            if not title:
                return None
        # The visible h1, when it is the same title, is the exact form (no site name around it).
        title_words = set(title.split())
        for text in h1s:
            words = text.split()
            if fold_for_compare(text) in fold_for_compare(title) or (
                len(words) >= 3 and sum(w in title_words for w in words) >= 0.6 * len(words)
            ):
                return KICKER.sub("", text)  # "ניתוח || ...": the rubric label is not the headline
        if sum(len(text.split()) >= 4 for text in h1s) == 1:
            return None  # one visible headline that says otherwise (og:title kept an older one): it wins
        return _strip_site_suffix(title, self.page.meta_value("og:site_name"))

    def authors(self) -> list[str]:
        texts = []
        for key in META_AUTHORS:
            value = self.page.meta.get(key)
            if value and not value.startswith("http"):
                texts.append(value)
        return names(texts)

    def published_text(self) -> str | None:
        return self._date(*META_PUBLISHED)

    def updated_text(self) -> str | None:
        return self._date(*META_UPDATED)

    def _date(self, *keys: str) -> str | None:
        for key in keys:
            raw = self.page.meta.get(key)
            if parse_date(raw, now=self.now) is not None:
                return raw
        return None

    def section_trail(self) -> list[str]:
        return unique([self.page.meta_value("article:section") or ""])

    def tags(self) -> list[str]:
        values = [clean(m.get("content")) for m in self.page.select(META_TAGS)]
        if not values and self.page.meta.get("news_keywords"):
            values = self.page.meta["news_keywords"].split(",")
        return unique(values)

    def paywalled(self) -> bool | None:
        tier = (self.page.meta.get("article:content_tier") or "").strip().lower()
        if tier in PAID_TIERS:
            return True
        if (self.page.meta.get("og:ispay") or "").strip() == "1":
            return True
        return None

    def language(self) -> str | None:
        return language_code(self.page.meta_value("og:locale", "content-language", "language"))


def _strip_site_suffix(title: str, site_name: str | None) -> str:
    if site_name and clean(site_name):
        site = clean(site_name)
        for separator in (" - ", " | ", " – ", " — "):
            if title.endswith(separator + site) or site in title.rsplit(separator, 1)[-1]:
                head = title.rsplit(separator, 1)[0]
                if len(head) > 5:
                    return clean(head)
    match = TITLE_SUFFIX.match(title)
    if match and len(match.group("title").split()) >= 3 and len(match.group("suffix").split()) <= 3:
        return clean(match.group("title"))
    return title
