"""maariv.co.il. Markup from public scrapers (newslib 2025, alongigi 2019, InterAl 2018); no real page."""

from .base import Layout, SiteProfile, Verification

#: The current site (about 2020 on): JSON-LD NewsArticle, classes named article-*.
CURRENT = Layout(
    name="article-2020",
    detect=".article-body, .article_body",
    headline="h1.article-title, .article-title h1, h1",
    subtitle=".article-description, h2.article-subtitle",
    byline=".article-reporter, .article-reporter-name",
    published=(".article-publish-date",),
    body=".article-body, .article_body",
    section=".article-breadcrumbs a, .article-breadcrumbs li",
    tags=".article-tags a",
)

#: 2018: the he- prefixed classes.
HE_2018 = Layout(
    name="he-2018",
    detect=".article-he-teaser, .article-he-reporter",
    headline=".article-title",
    subtitle=".article-he-teaser",
    byline=".article-he-reporter",
    published=(".article-he-date",),
    body=".article-content .article-text, .article-content",
)

MAARIV = SiteProfile(
    key="maariv",
    name="מעריב",
    domains=("maariv.co.il",),
    article_url=r"/Article-\d+",
    layouts=(CURRENT, HE_2018),
    desks=("מעריב", "מערכת מעריב", "maariv online"),
    verified=Verification.WRITTEN_FIXTURES,
    verified_note="from public scrapers' selectors (newslib 2025, alongigi 2019, InterAl 2018)",
    homes=("https://www.maariv.co.il",),
    feeds=(
        "https://www.maariv.co.il/Rss/RssChadashot",
        "https://www.maariv.co.il/Rss/RssFeedsMivzakiChadashot",
    ),
)
