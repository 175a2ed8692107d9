"""0404.co.il (WordPress). newslib 2025 reads its custom RSS (dc:created / dc:modified dates) and shows the
visible date format %d/%m/%Y %H:%M; no article markup is known, so extraction is the JSON-LD, meta and
generic layers."""

from .base import SiteProfile, Verification

NEWS0404 = SiteProfile(
    key="0404",
    name="0404",
    domains=("0404.co.il",),
    article_url=r"0404\.co\.il/(?:\?p=\d+|\d{4}/\d{2}/\d{2}/[^/?#]+/?$|item/\d+)",
    desks=("0404", "מערכת 0404"),
    homes=("https://www.0404.co.il",),
    feeds=("https://www.0404.co.il/?call_custom_simple_rss=1&csrp_cat=1",),
    verified=Verification.NO_MARKUP_KNOWN,
)
