"""Where the article sits on a page whose markup says nothing about it: its headline element, the container
of its text (the densest run of paragraphs), the region holding both, and the short blocks between them."""

from __future__ import annotations

from functools import cached_property

from lxml import etree

from ....text import clean, fold_for_compare
from ...blocks import is_page_form
from ...elements import class_and_id, inside, is_link_list, text_of
from ...markers import (
    BODY_BEGUN_BLOCKS,
    BODY_BEGUN_CHARS,
    BOILERPLATE_MARKERS,
    BR_BODY_SHARE,
    FOREIGN_CONTEXT,
    GRANDPARENT_SHARE,
    HEADER_BLOCK_MAX_CHARS,
    HEADER_BLOCK_MIN_CHARS,
    HEADER_BLOCK_TAGS,
    INNER_BODY_SHARE,
    MAX_LINK_SHARE,
    NEVER_BODY,
    SHORT_TEXT_BLOCK_MIN_CHARS,
    SHORT_TEXT_BLOCKS,
    TEXT_BLOCK_MIN_CHARS,
    TEXT_BLOCKS,
)
from ...page import Page

#: (the body's container, its score, the whole page's paragraph score)
Scored = tuple[etree._Element | None, float, float]


class Landmarks:
    """The generic layer's map of one page, each part found once, on first use."""

    def __init__(self, page: Page, anchor: etree._Element | None = None) -> None:
        self.page = page
        #: a body element found by an earlier layer (the site's), to place the article region around
        self.anchor = anchor

    @cached_property
    def headline_element(self) -> etree._Element | None:
        candidates = [h for h in self.page.select("//h1") if text_of(h) and not is_link_list(h)]
        if not candidates:
            return None
        if len(candidates) == 1:
            return candidates[0]
        reference = fold_for_compare(
            self.page.meta_value("og:title", "twitter:title") or text_of(self.page.first("//title")) or ""
        )

        def score(h1: etree._Element) -> tuple[bool, bool, int]:
            # a headline has a few words; a one-word h1 is a section name or the site's logo
            words = len(text_of(h1).split())
            text = fold_for_compare(text_of(h1))
            return (words >= 3, bool(text) and text in reference, len(text))

        return max(candidates, key=score)

    @cached_property
    def region(self) -> etree._Element | None:
        """The smallest element holding both the headline and the body."""
        body = self.anchor if self.anchor is not None else self.densest
        h1 = self.headline_element
        if body is None:
            return h1.getparent() if h1 is not None else None
        if h1 is None:
            return body
        body_ancestors = set(body.iterancestors())
        body_ancestors.add(body)
        for ancestor in h1.iterancestors():
            if ancestor in body_ancestors:
                return ancestor if ancestor.tag not in ("body", "html") else body
        return body

    def in_foreign_block(self, element: etree._Element, scope: etree._Element) -> bool:
        """Inside a comment, a related story or a teaser, and not in the block that holds the headline too
        (some templates class the article's own top block "teaser")."""
        h1 = self.headline_element
        for ancestor in element.iterancestors():
            if ancestor is scope:
                return False
            marks = class_and_id(ancestor)
            if marks.strip() and FOREIGN_CONTEXT.search(marks):
                return h1 is None or not any(d is h1 for d in ancestor.iter("h1"))
        return False

    @cached_property
    def header_blocks(self) -> list[etree._Element]:
        """Short blocks between the headline and the body, in document order: where bylines and dates sit
        on pages whose markup says nothing about them."""
        h1, body = self.headline_element, self.densest
        if h1 is None or self.region is None:
            return []
        found, started, seen = [], False, 0
        holds_h1 = body is not None and any(a is body for a in h1.iterancestors())
        # headline and body with nothing in common but <body> (the region is then the body alone): the
        # blocks between them are read from the whole page
        scope = self.region if any(a is self.region for a in h1.iterancestors()) else self.page.root
        for element in scope.iter():
            if element is h1:
                started = True
                continue
            if element is body:
                if started:
                    break
                continue  # a body block that holds the headline too (a table cell): read on past the h1
            if started and isinstance(element.tag, str) and element.tag in HEADER_BLOCK_TAGS:
                seen += 1
                text = text_of(element)
                if holds_h1 and (
                    seen > BODY_BEGUN_BLOCKS or (len(text) > BODY_BEGUN_CHARS and element.tag in ("div", "p"))
                ):
                    break  # the body's text has begun
                if HEADER_BLOCK_MIN_CHARS <= len(text) <= HEADER_BLOCK_MAX_CHARS and not any(
                    child.tag in ("div", "p") for child in element
                ):
                    found.append(element)
        return found

    @cached_property
    def never_body(self) -> set[etree._Element]:
        """Navigation, footers, asides and forms: text inside them is never the body (a form wrapping the
        whole page, as ASP.NET prints, excepted)."""
        return {element for element in self.page.select(NEVER_BODY) if not is_page_form(element)}

    @cached_property
    def _scored(self) -> Scored:
        found = self._score(TEXT_BLOCKS, TEXT_BLOCK_MIN_CHARS)
        if found[0] is None and (
            self.page.mentions("paywall", "premium", "subscri") or "isAccessibleForFree" in self.page.source
        ):
            # before a paywall the public text may be one short line: take it rather than nothing
            found = self._score(SHORT_TEXT_BLOCKS, SHORT_TEXT_BLOCK_MIN_CHARS)
        return found

    @property
    def densest(self) -> etree._Element | None:
        """The container of the densest run of paragraphs: the body's, on an article."""
        return self._scored[0]

    def dominance(self) -> float:
        """Share of the page's paragraph text that sits in the chosen body: low on listings."""
        _, best, total = self._scored
        return best / total if total else 0.0

    def _score(self, blocks_xpath: str, min_chars: int) -> Scored:
        scores: dict[etree._Element, float] = {}
        total = 0.0
        for element in self.page.select(blocks_xpath):
            text = text_of(element)
            if len(text) < min_chars:
                continue
            if inside(element, BOILERPLATE_MARKERS, None) or any(
                ancestor in self.never_body for ancestor in element.iterancestors()
            ):
                continue
            links = sum(len(clean("".join(a.itertext()))) for a in element.iter("a"))
            if links > MAX_LINK_SHARE * len(text):
                continue  # menus and lists of headlines
            weight = len(text) * (1 - links / len(text)) ** 2
            total += weight
            parent = element.getparent()
            if parent is None:
                continue
            scores[parent] = scores.get(parent, 0.0) + weight
            grand = parent.getparent()
            if grand is not None and grand.tag not in ("body", "html"):
                scores[grand] = scores.get(grand, 0.0) + weight * GRANDPARENT_SHARE
        if not scores:
            return None, 0.0, 0.0
        return _best_container(scores, total)


def _best_container(scores: dict[etree._Element, float], total: float) -> Scored:
    """The best-scored element, or the part of it (or the run of like blocks around it) that is the body."""
    best = max(scores, key=lambda e: scores[e])
    score = scores[best]
    # Old templates put the whole body in one <div> as text split by <br><br>, beside short blocks
    # (title, byline, caption) in the same parent: that <div> is the body.
    for child in best:
        if _is_br_text_block(child) and len(text_of(child)) >= BR_BODY_SHARE * score:
            return child, score, total
    # A wrapper that wins only through short blocks of its own (subtitle, byline, date line) beside
    # the run of paragraphs: the paragraphs' own container is the body.
    inner = max((c for c in best if c in scores), key=lambda c: scores[c], default=None)
    if inner is not None and scores[inner] >= INNER_BODY_SHARE * score and not _has_like_sibling(inner):
        best, score = inner, scores[inner]
    # One wrapper per paragraph (React editors): the run of like siblings is the body.
    for _ in range(2):
        parent = best.getparent()
        if parent is None or parent.tag in ("body", "html") or not _has_like_sibling(best):
            break
        best, score = parent, max(score, scores.get(parent, 0.0))
    return best, score, total


def _is_br_text_block(element: etree._Element) -> bool:
    """An element holding paragraphs as its own text, separated by <br> (not by child blocks)."""
    if not isinstance(element.tag, str) or element.tag in ("p", "span", "a", "b", "strong"):
        return False
    breaks = [child for child in element if child.tag == "br"]
    if len(breaks) < 2:
        return False
    runs = [element.text or "", *(child.tail or "" for child in breaks)]
    return sum(len(clean(run)) >= 40 for run in runs) >= 2


def _has_like_sibling(element: etree._Element) -> bool:
    """Another element with the same tag and class beside this one, holding text."""
    parent = element.getparent()
    if parent is None:
        return False
    for sibling in parent:
        if sibling is element or sibling.tag != element.tag or sibling.get("class") != element.get("class"):
            continue
        if not element.get("class") and (element.get("id") or sibling.get("id")):
            continue  # classless blocks named by id ("top", "center", "text") are a page's parts, not alike
        if len(text_of(sibling)) >= 8:
            return True
    return False
