"""davar1.co.il (WordPress with Yoast). Not covered by any scraper found: discovery is the robots.txt
sitemaps and the WordPress feed, extraction the JSON-LD, meta and generic layers."""

from .base import SiteProfile, Verification

DAVAR1 = SiteProfile(
    key="davar1",
    name="דבר",
    domains=("davar1.co.il",),
    article_url=r"davar1\.co\.il/\d{4,}/?$",
    desks=("דבר", "מערכת דבר"),
    homes=("https://www.davar1.co.il",),
    feeds=("https://www.davar1.co.il/feed/",),
    verified=Verification.NO_MARKUP_KNOWN,
)
