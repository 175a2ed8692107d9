"""bizportal.co.il (ASP.NET). Only a 2018 home page is known: discovery is the robots.txt sitemaps,
extraction the JSON-LD, meta and generic layers."""

from .base import SiteProfile, Verification

BIZPORTAL = SiteProfile(
    key="bizportal",
    name="ביזפורטל",
    domains=("bizportal.co.il",),
    article_url=r"/news/article/\d+",
    desks=("ביזפורטל", "bizportal"),
    homes=("https://www.bizportal.co.il",),
    feeds=(),
    verified=Verification.NO_MARKUP_KNOWN,
)
