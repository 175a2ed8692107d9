"""themarker.com: the Haaretz group's business paper, on Haaretz's platform."""

from .base import SiteProfile
from .haaretz import CURRENT, L_ARTICLE_2019, POLOPOLY_2013

THEMARKER = SiteProfile(
    key="themarker",
    name="TheMarker",
    domains=("themarker.com",),
    article_url=r"(?:^|/)\.?(?:premium-)?1\.\d{5,}|/ty-article[a-z-]*/",
    layouts=(CURRENT, L_ARTICLE_2019, POLOPOLY_2013),
    paywall_url=r"\.premium",
    desks=("TheMarker", "דה מרקר", "themarker"),
    feeds=("https://www.themarker.com/cmlink/1.144",),
)
