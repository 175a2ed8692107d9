"""calcalist.co.il: the Yedioth CMS of ynet, with its own feeds."""

from .base import Layout, SiteProfile, Verification
from .ynet import REACT, VIGNETTE

#: Magazine microsites (newmedia.calcalist.co.il).
MAGAZINE = Layout(name="magazine-2021", detect="div.article-2021", headline="h1", body="div.article-2021")

CALCALIST = SiteProfile(
    key="calcalist",
    name="כלכליסט",
    domains=("calcalist.co.il",),
    article_url=r"/articles/0,7340,L-\d+,00\.html|/article/[A-Za-z0-9]+|newmedia\.calcalist\.co\.il/.+",
    layouts=(REACT, VIGNETTE, MAGAZINE),
    desks=("כלכליסט", "calcalist"),
    verified=Verification.WRITTEN_FIXTURES,
    verified_note="from public scrapers' selectors (calibre 2022, ftr 2023)",
    homes=("https://www.calcalist.co.il",),
    feeds=("https://www.calcalist.co.il/GeneralRSS/0,16335,L-8,00.xml",),
)
