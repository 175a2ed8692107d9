"""extract_article: from page bytes and a URL to an :class:`Article`, field by field through the layers.

Read top-down: the page is parsed (``page``), refused early when it is a front page or a bot-protection
challenge (``gate``, ``blocked``), read by its layers (``layers``), and each field is taken from them as the
precedence table says (``precedence``), with the checks that refuse what is not an article in between.
"""

from __future__ import annotations

import logging
from datetime import datetime
from urllib.parse import urlsplit

from ..article import Article, NotAnArticle
from ..sites import SiteProfile, profile_for_url, site_key_for_url
from ..text import fold_for_compare
from . import gate
from .blocked import page_reason
from .elements import text_of
from .layers import GenericLayer, JsonLdLayer, MetaLayer, MicrodataLayer, SiteLayer, StateLayer
from .page import Page
from .precedence import Fields, PageLayers

log = logging.getLogger(__name__)


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
    gate.check_front_page(url)
    page = Page(html, url, charset=charset)
    title = text_of(page.first("//title"))
    # a challenge shell never carries the article's own JSON-LD
    if not page.articles_in_jsonld() and (blocked := page_reason(page.source, page.root, title)):
        raise NotAnArticle(blocked, url)
    gate.check_front_page(page.canonical)
    # The page decides: a profile's URL rule steers discovery and never refuses a page that is an article.
    profile = (profile_for_url(page.canonical) or profile_for_url(url)) if site_rules else None
    layers = _layers(page, now, profile)
    article = _new_article(page, profile, layers)
    fields = Fields(article, layers)
    for field in ("headline", "tags", "language"):
        fields.read_first(field)

    microdata, state = layers.microdata, layers.state
    if layers.site is None and not gate.declares_article(page) and not (microdata.article or state.article):
        gate.check_section_front(page, layers.generic)  # before the costly body search
    body_layer = fields.read_body()
    gate.check_error_page(page, article, title)
    if not article.headline:
        raise NotAnArticle(gate.empty_page_reason(page) or "no headline found", url)
    fields.read_section()
    fields.read_paywalled()
    # the site's own article template (its layout found the body) vouches for the page as metadata does
    vouched = (
        page.declares_itself_an_article
        or bool(microdata.article or state.article)
        or (layers.site is not None and body_layer is layers.site)
    )
    gate.check_is_article(page, article, layers.generic, body_layer, vouched=vouched)

    fields.read_subtitle(page)
    _drop_title_block(article)
    fields.read_authors(page, profile, body_layer)
    fields.read_dates()
    fields.read_images()
    fields.language_from_body()
    if page.truncated:
        article.warnings.append("page larger than the size limit: read the first part only")
    return article


def _layers(page: Page, now: datetime | None, profile: SiteProfile | None) -> PageLayers:
    """The page's layers: the site's only when its profile has a layout that the page matches."""
    site = None
    if profile and (layout := SiteLayer.pick_layout(page, profile)) is not None:
        site = SiteLayer(page, now, profile, layout)
    # The generic layer places its article region around the site's body when there is one.
    anchor = None
    if site is not None and (site_body := site.body()).paragraphs:
        anchor = site_body.element
    return PageLayers(
        site=site,
        jsonld=JsonLdLayer(page, now),
        microdata=MicrodataLayer(page, now),
        state=StateLayer(page, now),
        meta=MetaLayer(page, now),
        generic=GenericLayer(page, now, anchor=anchor),
    )


def _new_article(page: Page, profile: SiteProfile | None, layers: PageLayers) -> Article:
    """The article at the page's own address, with what provenance knows before any field is read."""
    article = Article(url=page.canonical, site=profile.key if profile else site_key_for_url(page.canonical))
    if layers.site is not None:
        article.provenance["layout"] = f"{layers.site.profile.key}:{layers.site.layout.name}"
    if page.canonical_claim:
        article.provenance["canonical_claim"] = page.canonical_claim
        article.warnings.append(
            f"the page names another site's address as its own ({page.canonical_claim}): kept the fetched one"
        )
    return article


def _drop_title_block(article: Article) -> None:
    """A body container that also wraps the page's title block: its first lines repeat headline and
    subtitle, and go."""
    title_block = {fold_for_compare(t) for t in (article.headline, article.subtitle) if t}
    while len(article.paragraphs) > 1 and fold_for_compare(article.paragraphs[0]) in title_block:
        article.paragraphs.pop(0)
