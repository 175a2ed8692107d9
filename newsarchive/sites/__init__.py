"""Site profiles: one small module per site. Adding a site is one file plus one line here."""

from __future__ import annotations

from urllib.parse import urlsplit

from .base import ImageRule, Layout, SiteProfile
from .calcalist import CALCALIST
from .globes import GLOBES
from .haaretz import HAARETZ
from .israelhayom import ISRAELHAYOM
from .maariv import MAARIV
from .mako import MAKO
from .themarker import THEMARKER
from .walla import WALLA
from .ynet import YNET

SITES: dict[str, SiteProfile] = {
    site.key: site for site in (YNET, CALCALIST, WALLA, HAARETZ, THEMARKER, MAARIV, ISRAELHAYOM, MAKO, GLOBES)
}


def profile_for_url(url: str) -> SiteProfile | None:
    host = urlsplit(url).hostname or ""
    return next((site for site in SITES.values() if site.handles(host)), None)


def site_key_for_url(url: str) -> str:
    """The profile key, or the bare domain for sites without a profile."""
    profile = profile_for_url(url)
    if profile:
        return profile.key
    host = (urlsplit(url).hostname or "").lower()
    return host.removeprefix("www.") or "unknown"


__all__ = ["SITES", "ImageRule", "Layout", "SiteProfile", "profile_for_url", "site_key_for_url"]
