"""kikar.co.il (Kikar HaShabbat). Only a 2018 home page is known: discovery is the robots.txt sitemaps,
extraction the JSON-LD, meta and generic layers. Old URLs end in <id>.html, newer ones in a short code."""

from .base import SiteProfile, Verification

KIKAR = SiteProfile(
    key="kikar",
    name="כיכר השבת",
    domains=("kikar.co.il",),
    article_url=r"kikar\.co\.il/(?:\d+\.html|[\w-]+/(?=[a-z0-9]*\d)[a-z0-9]{5,}/?)$",
    desks=("כיכר השבת",),
    homes=("https://www.kikar.co.il",),
    feeds=(),
    verified=Verification.NO_MARKUP_KNOWN,
)
