"""themarker.com: the Haaretz group's business paper, on Haaretz's platform."""

from .base import SiteProfile, Verification
from .haaretz import ARTICLE_URL, LAYOUTS, PAYWALL_URL

THEMARKER = SiteProfile(
    key="themarker",
    name="TheMarker",
    domains=("themarker.com",),
    article_url=ARTICLE_URL,
    layouts=LAYOUTS,
    paywall_url=PAYWALL_URL,
    desks=("TheMarker", "דה מרקר", "themarker"),
    verified=Verification.WRITTEN_FIXTURES,
    verified_note="of the Haaretz platform's selectors (ftr themarker 2023)",
    homes=("https://www.themarker.com",),
    feeds=("https://www.themarker.com/cmlink/1.144",),
)
