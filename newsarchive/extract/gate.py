"""Is it an article? The checks that refuse a page, each with a reason of its own kind (front page, error
page, consent wall, script shell, video page, empty body, listing, section or tag page), whatever its address.

What they look for (patterns and thresholds) is named in ``extract/markers.py``.
"""

from __future__ import annotations

from itertools import pairwise

from lxml import etree

from ..article import Article, NotAnArticle
from ..text import clean
from .blocks import Block, blocks
from .elements import text_of
from .layers import GenericLayer, Layer
from .markers import (
    APP_ROOT,
    CONSENT_TEXT,
    CONSENT_WALL_MAX_CHARS,
    EMPTY_PAGE_MAX_CHARS,
    ERROR_BODY_CHARS,
    ERROR_MESSAGE,
    ERROR_PHRASE,
    HEADINGS,
    LINK_LINE_DENSITY,
    LINKED_HEADINGS,
    LISTING_TYPES,
    MAX_LISTING_DOMINANCE,
    MIN_BODY_CHARS,
    MIN_LISTING_ITEMS,
    MIN_LISTING_TITLES,
    MIN_UNMARKED_BODY,
    MIN_UNMARKED_DOMINANCE,
    SHELL_CHARS,
    TITLE_PARTS,
    VIDEO_PLAYERS,
    VIDEO_TYPES,
)
from .page import Page, is_front_page_address


def check_front_page(address: str) -> None:
    """A site's root address is its front page (asked first: reading a front page as an article is slow)."""
    if is_front_page_address(address):
        raise NotAnArticle("the site's front page")


def declares_article(page: Page) -> bool:
    return page.declares_itself_an_article or (page.meta.get("og:type") or "").lower() == "article"


def check_error_page(page: Page, article: Article, title: str) -> None:
    """An error page, told by several signals: a title or headline that IS an error message and little
    text, or an error page's phrasing in a short page; never on a page that declares itself an article
    and has a body."""
    body_chars = sum(len(p) for p in article.paragraphs)
    declared = declares_article(page)
    if declared and body_chars >= MIN_BODY_CHARS:
        return
    for text in (article.headline or "", title):
        parts = [p.strip() for p in TITLE_PARTS.split(text) if p.strip()] if len(text) < 100 else []
        is_error = [bool(ERROR_MESSAGE.fullmatch(part)) for part in parts[:2]]
        # "404 - הדף לא נמצא": the message first; "X | שגיאה" only over little text
        if (is_error and is_error[0]) or (any(is_error) and body_chars < 3 * ERROR_BODY_CHARS):
            raise NotAnArticle(f"error page ({text!r})")
    if body_chars < ERROR_BODY_CHARS and not declared:
        short = " ".join([article.headline or "", title, *article.paragraphs[:3]])
        if ERROR_PHRASE.search(short):
            raise NotAnArticle(f"error page ({(article.headline or title)[:80]!r})")


def check_is_article(
    page: Page, article: Article, generic: GenericLayer, body_layer: Layer | None, *, vouched: bool
) -> None:
    """Refuse what is not an article, each with a reason of its own kind, whatever its address.

    ``vouched``: the page's metadata or the site's own article template says it is one; only its body is
    checked then."""
    body_chars = sum(len(p) for p in article.paragraphs)
    if body_chars < MIN_BODY_CHARS:
        _check_short_body(page, article, body_chars)
        return
    if vouched:
        return
    # og:type "article" alone vouches less: some sites print it on every page, tag pages included
    og_article = (page.meta.get("og:type") or "").lower() == "article"
    kinds = {str(obj.get("@type", "")).lower() for obj in page.jsonld}
    if kinds & LISTING_TYPES:
        raise NotAnArticle(f"listing page (JSON-LD {', '.join(sorted(kinds & LISTING_TYPES))})")
    if (
        not og_article
        and generic.headline_element is None
        and (
            len(article.paragraphs) < 3
            or body_chars < MIN_UNMARKED_BODY
            or generic.dominance() < MIN_UNMARKED_DOMINANCE
        )
    ):
        # no <h1> and no article metadata: only a substantial, dominant text makes this an article
        raise NotAnArticle("no visible headline, no article metadata and little text")
    if not og_article:
        check_section_front(page, generic)
    if body_layer is generic:
        _check_listing(page, article, generic, og_article=og_article)


def _check_short_body(page: Page, article: Article, body_chars: int) -> None:
    """Less text than a body: an article only behind a paywall; else the kind of page it is."""
    if article.paywalled:
        # behind a paywall the public part may be a line or nothing: still an article, stored as such
        article.warnings.append(f"paywalled: only {body_chars} characters of public text")
        return
    if reason := empty_page_reason(page):
        raise NotAnArticle(reason)
    og_type = (page.meta.get("og:type") or "").lower()
    if VIDEO_TYPES.search(og_type) or page.first(VIDEO_PLAYERS) is not None:
        raise NotAnArticle("video page without article text")
    raise NotAnArticle(f"empty body ({body_chars} characters of text)")


def _check_listing(page: Page, article: Article, generic: GenericLayer, *, og_article: bool) -> None:
    """A body that the generic layer found: a list of stories (teasers, cards, items) is no article."""
    paragraphs = len(article.paragraphs)
    container = generic.body().element
    teasers = len(page.select(LINKED_HEADINGS, container)) if container is not None else 0
    # a page only og:type vouches for: linked headlines that are as many as its paragraphs
    if teasers >= MIN_LISTING_TITLES and (not og_article or 2 * teasers >= paragraphs):
        raise NotAnArticle(f"listing page: {teasers} linked headlines in the main text block")
    # cards whose titles are links but not headings (<a><div class="title">...</div></a><p>summary</p>)
    titles = teasers + _link_lines(container) if container is not None else 0
    if titles >= MIN_LISTING_TITLES and 2 * titles >= paragraphs:
        raise NotAnArticle(f"listing page: {titles} linked titles beside {paragraphs} paragraphs")
    # a list of items, each a heading and its text, under a one- or two-word title ("מבזקים")
    headings = len(page.select(HEADINGS, container)) if container is not None else 0
    if (
        len((article.headline or "").split()) <= 2
        and headings >= MIN_LISTING_ITEMS
        and 3 * headings >= paragraphs
    ):
        raise NotAnArticle(f"listing page: {headings} items under the title {article.headline!r}")
    dominance = generic.dominance()
    # og:type "article" excuses a scattered body, but not under a one- or two-word title (a tag page)
    title_words = _headline_words(generic) or len((article.headline or "").split())
    if dominance < MAX_LISTING_DOMINANCE and (not og_article or title_words <= 2):
        raise NotAnArticle(
            f"listing page: the main text block holds only {dominance:.0%} of the page's paragraphs"
        )


def _headline_words(generic: GenericLayer) -> int:
    return len(text_of(generic.headline_element).split()) if generic.headline_element is not None else 0


def _link_lines(container: etree._Element) -> int:
    """Blocks of the container that are a link alone, long enough to be a story's title, each followed by a
    line of plain text (its summary): cards. A list of related links (one link after another) is not."""
    found = blocks(container)

    def is_title(block: Block) -> bool:
        return block.link_density > LINK_LINE_DENSITY and 15 <= len(block.text) <= 200

    return sum(
        1
        for block, following in pairwise(found)
        if is_title(block) and following.link_density < 0.5 and len(following.text) >= 40
    )


def check_section_front(page: Page, generic: GenericLayer) -> None:
    if _headline_words(generic) <= 2 and (teaser_count := len(page.select(LINKED_HEADINGS))) >= 2:
        raise NotAnArticle(f"section or tag page: a one-word title over {teaser_count} linked headlines")


def empty_page_reason(page: Page) -> str | None:
    """Why a page with no article text is not one, when it is a kind of its own: a consent wall, or a
    script shell that shows its text only after JavaScript runs."""
    visible = clean(" ".join(page.root.itertext()))
    if len(visible) > EMPTY_PAGE_MAX_CHARS:
        return None
    if len(CONSENT_TEXT.findall(visible)) >= 2 and (
        page.mentions("consent", "cookie", "didomi", "onetrust", "cmp", "gdpr", "privacy")
        or len(visible) < CONSENT_WALL_MAX_CHARS
    ):
        return "consent wall: the page asks for consent before showing its text"
    if len(visible) < SHELL_CHARS and (page.scripts >= 2 or page.first(APP_ROOT) is not None):
        return "script shell: the page shows no text without JavaScript"
    return None
