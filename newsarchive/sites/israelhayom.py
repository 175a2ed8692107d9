"""israelhayom.co.il (WordPress). Markup from newslib 2025: no real page seen."""

from .base import Layout, SiteProfile, Verification

SINGLE_POST = Layout(
    name="single-post",
    detect=".single-post-content, .single-post-title",
    headline="h1.single-post-title, h1",
    subtitle=".single-post-subtitle, .single-post-excerpt",
    byline=".single-post-meta-author a, .single-post-meta-author .author-name",
    # the first time is the publication, the last the update
    published=(".single-post-meta-dates time[datetime]",),
    updated=(".single-post-meta-dates time[datetime]:last-child",),
    body=".single-post-content",
    section=".breadcrumbs li a",
    tags="a.single-post-tag",
)

ISRAELHAYOM = SiteProfile(
    key="israelhayom",
    name="ישראל היום",
    domains=("israelhayom.co.il",),
    article_url=r"/article/\d+",
    layouts=(SINGLE_POST,),
    desks=("ישראל היום", "מערכת ישראל היום"),
    verified=Verification.WRITTEN_FIXTURES,
    verified_note="from newslib 2025 selectors",
    homes=("https://www.israelhayom.co.il",),
    feeds=("https://www.israelhayom.co.il/rss.xml",),
)
