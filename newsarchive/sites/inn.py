"""inn.co.il (Arutz Sheva, Hebrew). newslib 2025 reads its JSON API and RSS; no article page was found, so
extraction is the JSON-LD, meta and generic layers."""

from .base import SiteProfile, Verification

INN = SiteProfile(
    key="inn",
    name="ערוץ 7",
    domains=("inn.co.il",),
    article_url=r"/(?:news|flashes)/\d+",
    desks=("ערוץ 7", "חדשות ערוץ 7"),
    homes=("https://www.inn.co.il",),
    feeds=("https://www.inn.co.il/Rss.aspx?act=0.1",),
    verified=Verification.NO_MARKUP_KNOWN,
)
