"""srugim.co.il (WordPress). Only a 2018 home page is known: discovery is the robots.txt sitemaps and the
WordPress feed, extraction the JSON-LD, meta and generic layers."""

from .base import SiteProfile, Verification

SRUGIM = SiteProfile(
    key="srugim",
    name="סרוגים",
    domains=("srugim.co.il",),
    article_url=r"srugim\.co\.il/\d{4,}(?:-[^/?#]*)?/?$",
    desks=("סרוגים", "מערכת סרוגים"),
    homes=("https://www.srugim.co.il",),
    feeds=("https://www.srugim.co.il/feed",),
    verified=Verification.NO_MARKUP_KNOWN,
)
