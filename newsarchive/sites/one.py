"""one.co.il (sport, ASP.NET). Its RSS address is known from a link list; no article markup is known, so
extraction is the JSON-LD, meta and generic layers."""

from .base import SiteProfile, Verification

ONE = SiteProfile(
    key="one",
    name="ONE",
    domains=("one.co.il",),
    article_url=r"(?i)/Article/\d+\.html",
    desks=("ONE", "מערכת ONE"),
    homes=("https://www.one.co.il",),
    feeds=("https://www.one.co.il/cat/xml/rss/rss.aspx",),
    verified=Verification.NO_MARKUP_KNOWN,
)
