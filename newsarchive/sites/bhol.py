"""bhol.co.il (Behadrei Haredim). Only a 2018 home page is known: discovery is the robots.txt sitemaps,
extraction the JSON-LD, meta and generic layers."""

from .base import SiteProfile, Verification

BHOL = SiteProfile(
    key="bhol",
    name="בחדרי חרדים",
    domains=("bhol.co.il",),
    article_url=r"/news/\d+",
    desks=("בחדרי חרדים", "מערכת בחדרי חרדים"),
    homes=("https://www.bhol.co.il",),
    feeds=(),
    verified=Verification.NO_MARKUP_KNOWN,
)
