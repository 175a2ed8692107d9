"""c14.co.il / now14.co.il (Channel 14, WordPress). taljacob 2026 notes its dates are in JSON-LD only and
its feed is /feed/; no article markup is known, so extraction is the JSON-LD, meta and generic layers."""

from .base import SiteProfile, Verification

NOW14 = SiteProfile(
    key="now14",
    name="עכשיו 14",
    domains=("c14.co.il", "now14.co.il"),
    article_url=r"/article/\d+",
    desks=("ערוץ 14", "עכשיו 14"),
    homes=("https://www.c14.co.il",),
    feeds=("https://www.c14.co.il/feed/",),
    verified=Verification.NO_MARKUP_KNOWN,
)
