"""13tv.co.il (Reshet 13, "חדשות 13"). No page, feed or markup of it was found in public scrapers or the
notes: discovery is the robots.txt sitemaps; extraction is the JSON-LD, meta and generic layers."""

from .base import SiteProfile, Verification

NEWS13 = SiteProfile(
    key="13news",
    name="חדשות 13",
    domains=("13tv.co.il", "13news.co.il"),
    article_url=r"/item/[\w-]+/(?:[\w%-]+/)*[\w%-]*-\d{6,}/?$",
    desks=("חדשות 13",),
    homes=("https://13tv.co.il",),
    feeds=(),
    verified=Verification.NO_MARKUP_KNOWN,
)
