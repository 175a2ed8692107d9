"""walla.co.il (news.walla.co.il and its verticals)."""

from .base import ImageRule, Layout, SiteProfile, Verification

_TAGS = ".tags-list a[href*='tags.'], .tagsList a[href*='tags.'], .tags-and-breadcrumbs a[href*='tags.']"
_SECTION = ".breadcrumbs-box .path-item a, nav.breadcrumb li a"

#: A news flash on its own page (2023 on): /break/<id>.
BREAK_2024 = Layout(
    name="break-2024",
    detect="h1.breaking-item-title-in-single-break",
    headline="h1.breaking-item-title-in-single-break",
    byline=".writers-names .writer-name-item, .breaking-item-box .authors",
    published=(".header-titles h2", ".red-time-isSingleBreakPage"),
    body=".breaking-item-text-content",
    section=_SECTION,
    tags=_TAGS,
)

#: The 2020-2022 flash page: one item, a day header and a clock time.
BREAK_2020 = Layout(
    name="break-2020",
    detect=".in-item h1.title",
    headline=".in-item h1.title",
    byline=".in-item .author",
    published=(".date-part-1", ".in-item .time"),
    body=".in-item .content",
    section=_SECTION,
    tags=_TAGS,
)

#: Full articles: /item/<id>.
ITEM = Layout(
    name="item",
    detect="section.article-content, p.subtitle",
    headline="h1.title",
    subtitle="p.subtitle, h2.subtitle",
    byline="span.author, .authors .author-name, .writers-names .writer-name-item",
    published=("time.date",),
    body="section.article-content",
    images=(ImageRule(item="section.article-content figure", caption="figcaption"),),
    section=_SECTION,
    tags=_TAGS,
)

WALLA = SiteProfile(
    key="walla",
    name="וואלה!",
    domains=("walla.co.il",),
    article_url=r"/(?:item|break)/\d+",
    layouts=(BREAK_2024, BREAK_2020, ITEM),
    desks=("מערכת וואלה", "וואלה!", "וואלה! חדשות"),
    verified=Verification.REAL_PAGES,
    verified_note=(
        "break-2020, 2021 and break-2024 flashes (../shared/corpus); item pages: written fixtures and a real"
        " 2026 item page trimmed by a public extractor's test suite (h2.subtitle, writers-names)"
    ),
    homes=("https://news.walla.co.il",),
    feeds=("https://rss.walla.co.il/feed/1?type=main", "https://rss.walla.co.il/feed/22"),
)
