"""ynet.co.il (Yedioth). The same CMS serves calcalist.co.il and ynetnews.com."""

from .base import ImageRule, Layout, SiteProfile, Verification

#: The React template (2021 on): /news/article/<id>.
REACT = Layout(
    name="react-2021",
    detect="#ArticleBodyComponent, div.ArticleBodyComponent",
    headline="h1.mainTitle",
    subtitle="h2.subTitle",
    byline=".authors .authorName, .authorAndDateContainer .authors, .coAuthors, .authorHtmlCss",
    # "פורסם לראשונה" shows only on updated articles; then the displayed date is the update time.
    published=(".originalLaunchDate",),
    published_fallback=(".DateDisplay", ".authorAndDateContainer .date"),
    updated=(".DateDisplay",),
    body="#ArticleBodyComponent, div.ArticleBodyComponent",
    paragraphs=".text_editor_paragraph",
    images=(
        ImageRule(
            item=".ImageComponent, .imageComponent, figure",
            caption=".ImageCaption, .caption, figcaption",
            credit=".credit, .imageCredit",
        ),
    ),
    section="nav.categoryBreadcrumbs li, nav.breadcrumbs a, .breadCrumbs a",
    tags=".tagsContainer a, .tags a",
    paywall="#ynet_premium_blocked, .ynet_premium_blocked",
)

#: The Vignette template (about 2006 to 2021): /articles/0,7340,L-<id>,00.html.
VIGNETTE = Layout(
    name="vignette",
    detect=".art_header_title",
    headline=".art_header_title",
    subtitle=".art_header_sub_title",
    byline=".art_header_footer_author a, .art_header_footer_author > span:not(:empty)",
    published=(".art_header_footer_author",),
    published_fallback=(".originalLaunchDate",),
    body=".art_body",
    drop=".art_video, .citv_image, .findMistakeArticle, .art_credit_special, .CAATVcompAdvertiseTv",
    images=(
        ImageRule(item=".citv_image", caption=".citv_title", caption_from_alt=True),
        ImageRule(
            item="//div[div[@class='ArticleImage']]", img=".ArticleImage img", caption=".ArticleImageCaption"
        ),
    ),
    section="ul.trj_trajectory li a",
    tags=".articletags a.articletags_link",
)

YNET = SiteProfile(
    key="ynet",
    name="ynet",
    domains=("ynet.co.il",),
    article_url=r"/articles/0,7340,L-\d+,00\.html|/article/[A-Za-z0-9]+",
    layouts=(REACT, VIGNETTE),
    desks=("חדשות", "ynet", "מבזקים"),
    verified=Verification.REAL_PAGES,
    verified_note=(
        "vignette 2014 and 2020 flashes, one react-2021 flash (../shared/corpus); the rest: written fixtures"
    ),
    homes=("https://www.ynet.co.il",),
    feeds=(
        "https://www.ynet.co.il/Integration/StoryRss2.xml",
        "https://www.ynet.co.il/Integration/StoryRss1854.xml",
    ),
)
