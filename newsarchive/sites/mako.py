"""mako.co.il / n12.co.il (Keshet's news). Markup from newslib 2025 and alongigi 2019: no real page seen."""

from .base import Layout, SiteProfile, Verification

CURRENT = Layout(
    name="n12-2020",
    detect=".writer-data, .article-body",
    headline="h1",
    subtitle="h2, .article-subtitle",
    byline=".writer-data [itemprop='author'], .writer-data .authors, .writer-data .name",
    published=(".writer-data .display-date", "span.displayDate"),
    published_attr=("datetime", "content"),
    body=".article-body, [itemprop='articleBody']",
    section="nav.breadcrumbs-v_2017 li a, nav.breadcrumbs-v_2017 li",
)

MAKO = SiteProfile(
    key="mako",
    name="N12 / mako",
    domains=("mako.co.il", "n12.co.il"),
    article_url=r"/Article-[0-9a-f]+\.htm|/news-[a-z-]+/[0-9a-z_]+/Article-",
    layouts=(CURRENT,),
    desks=("חדשות 12", "N12", "mako", "מערכת mako"),
    verified=Verification.WRITTEN_FIXTURES,
    verified_note="from newslib 2025 and alongigi 2019 selectors",
    homes=("https://www.mako.co.il", "https://www.n12.co.il"),
)
