"""themarker.com: the Haaretz group's business paper, on Haaretz's platform."""

from .base import SiteProfile
from .haaretz import ARTICLE_URL, LAYOUTS, PAYWALL_URL

THEMARKER = SiteProfile(
    key="themarker",
    name="TheMarker",
    domains=("themarker.com",),
    article_url=ARTICLE_URL,
    layouts=LAYOUTS,
    paywall_url=PAYWALL_URL,
    desks=("TheMarker", "דה מרקר", "themarker"),
    verified=("written fixtures of the Haaretz platform's selectors (ftr themarker 2023); no real page seen"),
    homes=("https://www.themarker.com",),
    feeds=("https://www.themarker.com/cmlink/1.144",),
)
