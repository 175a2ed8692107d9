"""kan.org.il (the public broadcaster, news pages). Not covered by any scraper found: discovery is the
robots.txt sitemaps, extraction the JSON-LD, meta and generic layers."""

from .base import SiteProfile, Verification

KAN = SiteProfile(
    key="kan",
    name="כאן חדשות",
    domains=("kan.org.il",),
    article_url=r"/content/kan-news/[\w-]+/\d+",
    desks=("כאן חדשות", "חדשות כאן"),
    homes=("https://www.kan.org.il",),
    feeds=(),
    verified=Verification.NO_MARKUP_KNOWN,
)
