"""globes.co.il. Markup from calibre (2022-12): no real page seen."""

from .base import Layout, SiteProfile, Verification

F_TITLE = Layout(
    name="f-title",
    detect="#F_Title",
    headline="h1#F_Title, #F_Title",
    subtitle="#coteret_SubCoteretText",
    byline="#F_Author, .author, .authorName",
    published=("#F_Date", ".date", "time[datetime]"),
    body="div.articleInner",
)

GLOBES = SiteProfile(
    key="globes",
    name="גלובס",
    domains=("globes.co.il",),
    article_url=r"article\.aspx\?did=\d+|/news/article",
    layouts=(F_TITLE,),
    desks=("גלובס", "globes"),
    verified=Verification.WRITTEN_FIXTURES,
    verified_note="from calibre 2022 selectors",
    homes=("https://www.globes.co.il",),
    feeds=("https://www.globes.co.il/webservice/rss/rssfeeder.asmx/FeederNode?iID=2",),
)
