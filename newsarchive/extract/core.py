"""extract_article: from page bytes and a URL to an :class:`Article`, field by field through the layers."""

from __future__ import annotations

import logging
import re
from datetime import datetime, timedelta
from itertools import pairwise
from typing import Any
from urllib.parse import urlsplit

from lxml import etree

from ..article import Article, NotAnArticle
from ..dates import is_zoned
from ..sites import SiteProfile, profile_for_url, site_key_for_url
from ..text import clean, fold_for_compare, hebrew_letters
from .blocked import page_reason
from .blocks import Block, blocks
from .elements import text_of
from .layers import GenericLayer, JsonLdLayer, Layer, MetaLayer, MicrodataLayer, SiteLayer, StateLayer
from .page import Page, is_front_page_address

log = logging.getLogger(__name__)

MIN_BODY_CHARS = 40
# A title that IS an error message (whole, or one part of "404 - הדף לא נמצא | site"), not one that mentions a
# number or a word ("500 אלף בתים ללא חשמל", "שגיאה חמורה של השופט", "אופס: ...", "403 עובדים פוטרו").
_ERROR_MESSAGE = re.compile(
    r"(?:(?:error|שגיאה|שגיאת)\s*)?(?:404|403|410|500|502|503)(?:\s*(?:error|שגיאה))?|"
    r"(?:error|שגיאה)(?:\s+\d{3})?|"
    r"(?:(?:404|500)\s*[-:]?\s*)?(?:page|file)\s+not\s+found|not\s+found|forbidden|access\s+denied|"
    r"internal\s+server\s+error|service\s+unavailable|bad\s+gateway|server\s+error|"
    r"(?:אופס[!.\s]*)?(?:ה?דף|ה?עמוד|ה?כתבה)(?:\s+(?:המבוקש|המבוקשת|שחיפשת|שביקשת))?\s+(?:לא|אינו|אינה)\s+"
    r"(?:נמצא|נמצאה|קיים|קיימת|זמין|זמינה)[!.]*|אופס[!.]*|משהו\s+השתבש[!.]*|אירעה\s+שגיאה[!.]*",
    re.I,
)
# An error page's own phrasing anywhere in a short page with no article metadata.
_ERROR_PHRASE = re.compile(
    r"page\s+not\s+found|the\s+page\s+you\s+(?:requested|are\s+looking\s+for)|"
    r"(?:ה?דף|ה?עמוד)\s+(?:המבוקש\s+|שחיפשת\s+|שביקשת\s+)?(?:לא\s+נמצא|אינו\s+קיים|לא\s+קיים|הוסר)|"
    r"(?:ה?דף|ה?עמוד)\s+(?:שחיפשת|שביקשת)|שגיאה\s+404|error\s+404|404\s+error",
    re.I,
)
_TITLE_SEPARATOR = re.compile(r"\s+[-|–—]\s+|\s*\|\s*")
_TITLE_PARTS = re.compile(r"\s+[-|–—:]\s+|\s*\|\s*")
#: an error page says a line or two; an article whose headline looks like an error has a body
_ERROR_BODY_CHARS = 400
_LISTING_TYPES = {"collectionpage", "itemlist", "searchresultspage", "profilepage"}
_MIN_UNMARKED_BODY = 200
_HEADINGS = ".//h2 | .//h3 | .//h4"
_LINKED_HEADINGS = ".//h2[.//a] | .//h3[.//a] | .//h4[.//a] | .//a[.//h2 or .//h3 or .//h4]"
_VIDEO_TYPES = re.compile(r"video", re.I)
# Fields whose first non-empty answer wins, in layer order.
_SIMPLE_FIELDS = ("headline", "tags", "language")


def extract_article(
    html: bytes | str,
    url: str,
    *,
    now: datetime | None = None,
    charset: str | None = None,
    site_rules: bool = True,
) -> Article:
    """Extract one article. Raises :class:`NotAnArticle` (with ``reason``) for anything that is not one.

    ``now`` anchors relative dates ("אתמול", "לפני 5 דקות"): pass the fetch time for stored pages.
    ``charset`` is the encoding declared by the HTTP response, if any.
    ``site_rules=False`` ignores site profiles (to measure the generic layers alone).
    """
    try:
        urlsplit(url)
    except ValueError:
        raise NotAnArticle(f"not a web address: {url[:200]!r}", url) from None
    try:
        return _extract(html, url, now, charset, site_rules)
    except NotAnArticle as error:
        error.url = error.url or url
        raise
    except RecursionError:
        raise NotAnArticle("the page is nested too deeply to read", url) from None
    except MemoryError:
        raise NotAnArticle("the page is too large to read", url) from None
    except Exception as error:  # the library's promise: bad input never escapes as a crash
        log.exception("extraction failed on %s", url)
        raise NotAnArticle(f"extraction failed: {type(error).__name__}: {error}", url) from error


def _extract(
    html: bytes | str, url: str, now: datetime | None, charset: str | None, site_rules: bool
) -> Article:
    _check_front_page(url)
    page = Page(html, url, charset=charset)
    title = text_of(page.first("//title"))
    # a challenge shell never carries the article's own JSON-LD
    if not page.articles_in_jsonld() and (blocked := page_reason(page.source, page.root, title)):
        raise NotAnArticle(blocked, url)
    canonical = page.canonical
    _check_front_page(canonical)
    # The page decides: a profile's URL rule steers discovery and never refuses a page that is an article.
    profile = (profile_for_url(canonical) or profile_for_url(url)) if site_rules else None

    layers: list[Layer] = []
    site_layer = None
    if profile:
        layout = SiteLayer.pick_layout(page, profile)
        if layout is not None:
            site_layer = SiteLayer(page, now, profile, layout)
            layers.append(site_layer)
    jsonld, meta = JsonLdLayer(page, now), MetaLayer(page, now)
    microdata, state = MicrodataLayer(page, now), StateLayer(page, now)
    layers += [jsonld, microdata, state, meta]
    # The generic layer places its article region around the site's body when there is one.
    anchor = None
    if site_layer is not None and site_layer.paragraphs():
        anchor = site_layer.body_element
    generic = GenericLayer(page, now, anchor=anchor)
    layers.append(generic)

    article = Article(url=canonical, site=profile.key if profile else site_key_for_url(canonical))
    provenance = article.provenance
    if site_layer is not None:
        provenance["layout"] = f"{site_layer.profile.key}:{site_layer.layout.name}"
    if page.canonical_claim:
        provenance["canonical_claim"] = page.canonical_claim
        article.warnings.append(
            f"the page names another site's address as its own ({page.canonical_claim}): kept the fetched one"
        )

    def first(field: str, order: list[Layer]) -> Any:
        for layer in order:
            value = getattr(layer, field)()
            if value:
                provenance[field] = layer.name
                return value
        return None

    # the tag list a reader sees beats the meta keywords (often a different, older list)
    tag_layers = [layer for layer in layers if layer is not meta] + [meta]
    for field in _SIMPLE_FIELDS:
        value = first(field, tag_layers if field == "tags" else layers)
        if value:
            setattr(article, field, value)

    if site_layer is None and not _declares_article(page) and not (microdata.article or state.article):
        _check_section_front(page, generic)  # before the costly body search
    # articleBody in JSON-LD has no paragraph breaks and is often cut: the page's own text comes first.
    body_layers = [*([site_layer] if site_layer else []), microdata, generic, jsonld, state]
    article.paragraphs = first("paragraphs", body_layers) or []
    # a page that renders its text with JavaScript shows a scrap of it; its state holds it all
    from_state = state.paragraphs() if provenance.get("paragraphs") in ("generic", "jsonld") else []
    if from_state and sum(map(len, from_state)) > 2 * sum(map(len, article.paragraphs)):
        article.paragraphs, provenance["paragraphs"] = from_state, state.name
    body_layer = next((layer for layer in body_layers if layer.name == provenance.get("paragraphs")), None)
    _check_error_page(page, article, title)
    if not article.headline:
        raise NotAnArticle(_empty_page_reason(page) or "no headline found", url)
    _section(article, layers)
    article.paywalled = bool(first("paywalled", layers))
    # the site's own article template (its layout found the body) vouches for the page as metadata does
    vouched = (
        page.declares_itself_an_article
        or bool(microdata.article or state.article)
        or (site_layer is not None and body_layer is site_layer)
    )
    _check_is_article(page, article, generic, body_layer, vouched=vouched)

    article.subtitle = first("subtitle", layers) or _description_subtitle(page, jsonld, article, provenance)
    if article.subtitle and fold_for_compare(article.subtitle) == fold_for_compare(article.headline):
        article.subtitle = None
        provenance.pop("subtitle", None)
    # a body container that also wraps the page's title block: its first lines repeat headline and subtitle
    title_block = {fold_for_compare(t) for t in (article.headline, article.subtitle) if t}
    while len(article.paragraphs) > 1 and fold_for_compare(article.paragraphs[0]) in title_block:
        article.paragraphs.pop(0)

    # The site's own name as the author (JSON-LD "author": {"@type": "Person", "name": "סרוגים"}) is no
    # answer: the next layer (the visible byline) is asked.
    own_names = _site_names(page, jsonld, profile)
    for layer in layers:
        names = [name for name in layer.authors() if not _is_own_name(name, own_names)]
        if names:
            article.authors = names
            provenance["authors"] = layer.name
            break
    if not article.authors and body_layer is not None and body_layer.body_byline:
        article.authors = [n for n in body_layer.body_byline if not _is_own_name(n, own_names)]
        provenance["authors"] = body_layer.name + ":body"

    _dates(article, layers)
    # A layout that declares where its pictures are is believed even when it finds none.
    if site_layer is not None and site_layer.layout.images:
        article.images = site_layer.images()
        provenance["images"] = site_layer.name
    else:
        article.images = first("images", [generic]) or []
    if article.language is None and hebrew_letters(article.body[:2000])[1] > 0.5:
        article.language = "he"
        provenance["language"] = "generic"
    if page.truncated:
        article.warnings.append("page larger than the size limit: read the first part only")
    return article


def _site_names(page: Page, jsonld: JsonLdLayer, profile: SiteProfile | None) -> set[str]:
    """The site's own names (og:site_name, the JSON-LD publisher, the profile's name and desks, the
    address's brand, the last part of the <title> "headline - section - site"): never an author."""
    names = [
        page.meta_value("og:site_name") or "",
        *(profile.desks if profile else ()),
        profile.name if profile else "",
    ]
    title_parts = _TITLE_SEPARATOR.split(text_of(page.first("//title")))
    if len(title_parts) > 1 and len(title_parts[-1].split()) <= 3:
        names.append(title_parts[-1])
    publisher = jsonld.article.get("publisher")
    if isinstance(publisher, dict) and isinstance(publisher.get("name"), str):
        names.append(publisher["name"])
    host = (urlsplit(page.canonical).hostname or "").removeprefix("www.")
    names.append(host.split(".")[0])
    return {fold_for_compare(clean(name)) for name in names if clean(name)}


def _is_own_name(name: str, own_names: set[str]) -> bool:
    """The site's own name, alone or with one word after it ("מעריב אונליין", "גלובס ספורט")."""
    if fold_for_compare(name) in own_names:
        return True
    head, _, last = clean(name).rpartition(" ")
    folded_head = fold_for_compare(head)
    return bool(last) and len(folded_head) >= 3 and folded_head in own_names


def _dates(article: Article, layers: list[Layer]) -> None:
    """Published and updated, reconciled across layers.

    The first layer's published time wins, with two repairs. A zoned time ("...Z") that differs from a
    wall-clock time on the page by whole hours, to the minute, is a mislabelled zone (ynet's JSON-LD, for
    one): the wall-clock time wins, as readers see it. And a minute-precision time takes its seconds from
    a candidate that agrees. Such a skew is undone on that layer's ``updated`` too; ``updated`` equal to
    or before ``published`` is no update, and the next layer is asked.
    """
    candidates = []
    for layer in layers:
        if isinstance(layer, GenericLayer) and candidates and any(not zoned for *_, zoned in candidates):
            break  # heuristics are needed only when no layer found a date, or only zoned ones
        value = layer.published()
        if value is not None:
            candidates.append((layer, value, is_zoned(layer.published_text())))
    if not candidates:
        return
    primary_layer, published, primary_zoned = candidates[0]
    if primary_zoned:
        for layer, value, zoned in candidates[1:]:
            skew = _whole_hour_skew(published, value)
            if not zoned and skew:
                primary_layer, published = layer, value
                break
    skews: dict[str, timedelta] = {primary_layer.name: timedelta(0)}
    for layer, value, _ in candidates:
        skew = _whole_hour_skew(value, published)
        if skew is None or layer is primary_layer:
            continue
        skews[layer.name] = skew
        if published.second == 0 and value.second and (value - skew).replace(second=0) == published:
            published = value - skew
    article.published = published
    article.provenance["published"] = primary_layer.name
    for layer in layers:
        updated = layer.updated()
        if updated is None:
            continue
        updated = updated - skews.get(layer.name, timedelta(0))
        if updated > published:
            article.updated = updated
            article.provenance["updated"] = layer.name
            break


def _section(article: Article, layers: list[Layer]) -> None:
    """The deepest breadcrumb item. Of the trails that the site rules, JSON-LD and meta tags see, the longest
    wins (ties go to layer order); the generic guess only when they see none. A trail ending in the
    headline itself (some CMSs add the page) ends one step earlier."""
    headline = fold_for_compare(article.headline or "")
    best: tuple[int, str, str] | None = None
    for layer in layers:
        if isinstance(layer, GenericLayer) and best is not None:
            break
        trail = layer.section_trail()
        if trail and headline and fold_for_compare(trail[-1]) == headline:
            trail = trail[:-1]
        if trail and (best is None or len(trail) > best[0]):
            best = (len(trail), trail[-1], layer.name)
    if best is not None:
        article.section = best[1]
        article.provenance["section"] = best[2]


def _whole_hour_skew(value: datetime, reference: datetime) -> timedelta | None:
    """value - reference when it is a whole number of hours (a mislabelled or twice-applied zone), to the
    minute; else None."""
    difference = value.replace(second=0, microsecond=0) - reference.replace(second=0, microsecond=0)
    hours, remainder = divmod(difference, timedelta(hours=1))
    if remainder == timedelta(0) and abs(hours) <= 12:
        return timedelta(hours=hours)
    return None


def _description_subtitle(
    page: Page, jsonld: JsonLdLayer, article: Article, provenance: dict[str, str]
) -> str | None:
    """A meta/JSON-LD description is the subtitle only when it is neither the headline, nor the body's text,
    nor a blurb about the site (one that names it)."""
    candidates = [
        ("jsonld", jsonld.article.get("description")),
        ("meta", page.meta_value("og:description", "description")),
    ]
    body = fold_for_compare(article.body[:3000])
    headline = fold_for_compare(article.headline or "")
    host = (urlsplit(article.url).hostname or "").removeprefix("www.")
    brands = {part for part in host.split(".")[:1] if len(part) >= 3}
    if page.meta_value("og:site_name"):
        brands.add(clean(page.meta_value("og:site_name")).lower())
    for layer, raw in candidates:
        text = clean(raw) if isinstance(raw, str) else ""
        if not 20 <= len(text) <= 400:
            continue
        folded = fold_for_compare(text)
        if folded.startswith(headline[:30]) or folded[:60] in body or text.endswith(("...", "…")):
            continue
        if any(brand in text.lower() for brand in brands):
            continue
        provenance["subtitle"] = layer
        return text
    return None


def _check_error_page(page: Page, article: Article, title: str) -> None:
    """An error page, told by several signals: a title or headline that IS an error message and little
    text, or an error page's phrasing in a short page; never on a page that declares itself an article
    and has a body."""
    body_chars = sum(len(p) for p in article.paragraphs)
    declared = _declares_article(page)
    if declared and body_chars >= MIN_BODY_CHARS:
        return
    for text in (article.headline or "", title):
        parts = [p.strip() for p in _TITLE_PARTS.split(text) if p.strip()] if len(text) < 100 else []
        is_error = [bool(_ERROR_MESSAGE.fullmatch(part)) for part in parts[:2]]
        # "404 - הדף לא נמצא": the message first; "X | שגיאה" only over little text
        if (is_error and is_error[0]) or (any(is_error) and body_chars < 3 * _ERROR_BODY_CHARS):
            raise NotAnArticle(f"error page ({text!r})")
    if body_chars < _ERROR_BODY_CHARS and not declared:
        short = " ".join([article.headline or "", title, *article.paragraphs[:3]])
        if _ERROR_PHRASE.search(short):
            raise NotAnArticle(f"error page ({(article.headline or title)[:80]!r})")


def _declares_article(page: Page) -> bool:
    return page.declares_itself_an_article or (page.meta.get("og:type") or "").lower() == "article"


def _check_front_page(address: str) -> None:
    """A site's root address is its front page (asked first: reading a front page as an article is slow)."""
    if is_front_page_address(address):
        raise NotAnArticle("the site's front page")


def _check_is_article(
    page: Page, article: Article, generic: GenericLayer, body_layer: Layer | None, *, vouched: bool
) -> None:
    """Refuse what is not an article, each with a reason of its own kind, whatever its address."""
    body_chars = sum(len(p) for p in article.paragraphs)
    og_type = (page.meta.get("og:type") or "").lower()
    if body_chars < MIN_BODY_CHARS:
        if article.paywalled:
            # behind a paywall the public part may be a line or nothing: still an article, stored as such
            article.warnings.append(f"paywalled: only {body_chars} characters of public text")
            return
        if reason := _empty_page_reason(page):
            raise NotAnArticle(reason)
        if (
            _VIDEO_TYPES.search(og_type)
            or page.first("//video | //iframe[contains(@src,'youtube') or contains(@src,'player')]")
            is not None
        ):
            raise NotAnArticle("video page without article text")
        raise NotAnArticle(f"empty body ({body_chars} characters of text)")
    if vouched:
        return
    # og:type "article" alone vouches less: some sites print it on every page, tag pages included
    og_article = og_type == "article"
    kinds = {str(obj.get("@type", "")).lower() for obj in page.jsonld}
    if kinds & _LISTING_TYPES:
        raise NotAnArticle(f"listing page (JSON-LD {', '.join(sorted(kinds & _LISTING_TYPES))})")
    if (
        not og_article
        and generic.headline_element is None
        and (len(article.paragraphs) < 3 or body_chars < _MIN_UNMARKED_BODY or generic.dominance() < 0.5)
    ):
        # no <h1> and no article metadata: only a substantial, dominant text makes this an article
        raise NotAnArticle("no visible headline, no article metadata and little text")
    if not og_article:
        _check_section_front(page, generic)
    if body_layer is generic:
        container = generic.body_element
        teasers = len(page.select(_LINKED_HEADINGS, container)) if container is not None else 0
        # a page only og:type vouches for: linked headlines that are as many as its paragraphs
        if teasers >= 3 and (not og_article or 2 * teasers >= len(article.paragraphs)):
            raise NotAnArticle(f"listing page: {teasers} linked headlines in the main text block")
        # cards whose titles are links but not headings (<a><div class="title">...</div></a><p>summary</p>)
        titles = teasers + _link_lines(container) if container is not None else 0
        if titles >= 3 and 2 * titles >= len(article.paragraphs):
            raise NotAnArticle(
                f"listing page: {titles} linked titles beside {len(article.paragraphs)} paragraphs"
            )
        # a list of items, each a heading and its text, under a one- or two-word title ("מבזקים")
        headings = len(page.select(_HEADINGS, container)) if container is not None else 0
        if (
            len((article.headline or "").split()) <= 2
            and headings >= 5
            and 3 * headings >= len(article.paragraphs)
        ):
            raise NotAnArticle(f"listing page: {headings} items under the title {article.headline!r}")
        dominance = generic.dominance()
        # og:type "article" excuses a scattered body, but not under a one- or two-word title (a tag page)
        title_words = _headline_words(generic) or len((article.headline or "").split())
        if dominance < 0.3 and (not og_article or title_words <= 2):
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
        return block.link_density > 0.85 and 15 <= len(block.text) <= 200

    return sum(
        1
        for block, following in pairwise(found)
        if is_title(block) and following.link_density < 0.5 and len(following.text) >= 40
    )


def _check_section_front(page: Page, generic: GenericLayer) -> None:
    if _headline_words(generic) <= 2 and (teaser_count := len(page.select(_LINKED_HEADINGS))) >= 2:
        raise NotAnArticle(f"section or tag page: a one-word title over {teaser_count} linked headlines")


_CONSENT_TEXT = re.compile(
    r"cookies?|consent|privacy|personal data|עוגיות|עוגיה|קבצי\s+cookie|הסכמה|מסכים|מסכימה|אני\s+מאשר|"
    r"מדיניות\s+(?:ה)?פרטיות|פרטיות",
    re.I,
)
_APP_ROOT = "//*[@id='__next' or @id='root' or @id='app' or @id='__nuxt' or @id='___gatsby' or @ng-version]"
#: a page showing fewer characters than this without JavaScript is a shell, not a page with a short text
_SHELL_CHARS = 400


def _empty_page_reason(page: Page) -> str | None:
    """Why a page with no article text is not one, when it is a kind of its own: a consent wall, or a
    script shell that shows its text only after JavaScript runs."""
    visible = clean(" ".join(page.root.itertext()))
    if len(visible) > 4000:
        return None
    if len(_CONSENT_TEXT.findall(visible)) >= 2 and (
        page.mentions("consent", "cookie", "didomi", "onetrust", "cmp", "gdpr", "privacy")
        or len(visible) < 1500
    ):
        return "consent wall: the page asks for consent before showing its text"
    if len(visible) < _SHELL_CHARS and (page.scripts >= 2 or page.first(_APP_ROOT) is not None):
        return "script shell: the page shows no text without JavaScript"
    return None
