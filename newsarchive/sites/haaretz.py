"""haaretz.co.il. TheMarker runs on the same platform (see themarker.py)."""

from .base import ImageRule, Layout, SiteProfile, Verification

#: The 2020s platform: data-test attributes mark the parts.
CURRENT = Layout(
    name="platform-2020",
    detect="[data-test='articleBody']",
    headline="h1",
    subtitle="[data-test='articleSubtitle'], h1 + p",
    byline=(
        "[data-test='articleLayoutRow'] address a[href*='/writers/'], address a[href*='/writers/'], address"
    ),
    published=("time[datetime]",),
    body="[data-test='articleBody']",
    drop="[data-test*='relatedArticles'], [data-test*='tags'], [data-test*='newsletter']",
    images=(
        ImageRule(
            item="[data-test='articleBody'] figure, [data-test='articleHeader'] figure", caption="figcaption"
        ),
    ),
    section="nav span > a, nav[aria-label] a",
    tags="[data-test*='tags'] a",
)

#: The Polopoly design of the early 2010s: #article-box.
POLOPOLY_2013 = Layout(
    name="polopoly-2013",
    detect="#article-box",
    headline="h1.mainTitle",
    headline_drop="span.exclusive",
    subtitle="h2.subtitle",
    byline="ul.author-bar .autorBarWriters",
    published=("ul.author-bar li",),
    body="#article-box",
    paragraphs="./p",
    images=(
        ImageRule(item="ul.slideshow > li", link="a[href*='polopoly_fs']", caption="h3", credit="p"),
        ImageRule(item=".inArticleHoldImage", caption=".caption", credit=".credit"),
    ),
    section="h1.section-head a",
    tags="ul.htztags a",
)

#: 2019: the "l-article" design.
L_ARTICLE_2019 = Layout(
    name="l-article-2019",
    detect=".l-article__entry-wrapper",
    headline="h1",
    body=".l-article__entry-wrapper",
    paragraphs=".t-body-text",
)

#: Shared by every site of the Haaretz group: Polopoly ids (1.2198200) and the newer ty-article paths.
ARTICLE_URL = r"(?:^|/)\.?(?:premium-)?1\.\d{5,}|/ty-article[a-z-]*/"
LAYOUTS = (CURRENT, L_ARTICLE_2019, POLOPOLY_2013)
PAYWALL_URL = r"\.premium"

HAARETZ = SiteProfile(
    key="haaretz",
    name="הארץ",
    domains=("haaretz.co.il",),
    article_url=ARTICLE_URL,
    layouts=LAYOUTS,
    paywall_url=PAYWALL_URL,
    desks=("הארץ", "haaretz"),
    verified=Verification.REAL_PAGES,
    verified_note=(
        "one 2013 article (polopoly-2013, full and teaser copies, ../shared/corpus); "
        "platform-2020, l-article-2019 and AMP: written fixtures from public scrapers' selectors "
        "(ftr 2023-2025, alongigi 2019, newslib 2025)"
    ),
    homes=("https://www.haaretz.co.il",),
    feeds=("https://www.haaretz.co.il/cmlink/1.1617539", "https://www.haaretz.co.il/cmlink/1.1470869"),
)
