"""Site profiles: one small module per site. Adding a site is one file plus one line here."""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache
from typing import Any
from urllib.parse import urlsplit

from .base import ImageRule, Layout, SiteProfile
from .bhol import BHOL
from .bizportal import BIZPORTAL
from .calcalist import CALCALIST
from .davar1 import DAVAR1
from .globes import GLOBES
from .haaretz import HAARETZ
from .inn import INN
from .israelhayom import ISRAELHAYOM
from .kan import KAN
from .kikar import KIKAR
from .maariv import MAARIV
from .mako import MAKO
from .news0404 import NEWS0404
from .news13 import NEWS13
from .now14 import NOW14
from .one import ONE
from .srugim import SRUGIM
from .themarker import THEMARKER
from .walla import WALLA
from .ynet import YNET

#: the order of `newsarchive sites`: profiles with the site's own layouts first
_PROFILES = (
    *(YNET, CALCALIST, WALLA, HAARETZ, THEMARKER, MAARIV, ISRAELHAYOM, MAKO, GLOBES),
    *(NEWS13, INN, KAN, NOW14, DAVAR1, SRUGIM, KIKAR, BHOL, NEWS0404, BIZPORTAL, ONE),
)
SITES: dict[str, SiteProfile] = {site.key: site for site in _PROFILES}


def profiles_for(keys: list[str]) -> list[SiteProfile]:
    """The profiles of these site keys; ValueError naming the unknown ones."""
    unknown = [key for key in keys if key not in SITES]
    if unknown:
        raise ValueError(f"unknown site {', '.join(unknown)}: one of {', '.join(SITES)}")
    return [SITES[key] for key in keys]


def host_of(url: str) -> str:
    """The lower-cased host of a URL; empty for one urllib cannot split ("https://[x/")."""
    try:
        return (urlsplit(url).hostname or "").lower()
    except ValueError:
        return ""


def profile_for_url(url: str) -> SiteProfile | None:
    host = host_of(url)
    return next((site for site in SITES.values() if site.handles(host)), None)


@lru_cache(maxsize=1)
def _suffixes() -> Callable[[str], Any]:
    """The public-suffix list bundled with tldextract, never fetched: co.il, org.il, ac.il, gov.il... (loaded
    on first use: commands that never compare sites do not wait for it)."""
    import tldextract

    return tldextract.TLDExtract(suffix_list_urls=(), cache_dir=None)


@lru_cache(maxsize=4096)
def registrable_domain(host: str) -> str:
    """The domain a registrant owns ("news.walla.co.il" -> "walla.co.il"); the host itself for an IP
    address, "localhost" or a bare suffix."""
    host = host.lower().rstrip(".")
    return _suffixes()(host).top_domain_under_public_suffix or host


def same_site(url: str, other: str) -> bool:
    """Both addresses belong to one site: the same registrable domain, or domains of one site profile
    (mako.co.il and n12.co.il)."""
    host, other_host = host_of(url), host_of(other)
    if not host or not other_host:
        return False
    if host == other_host or registrable_domain(host) == registrable_domain(other_host):
        return True
    profile = profile_for_url(url)
    return profile is not None and profile.handles(other_host)


def site_key_for_url(url: str) -> str:
    """The profile key, or the bare domain for sites without a profile."""
    profile = profile_for_url(url)
    if profile:
        return profile.key
    return host_of(url).removeprefix("www.") or "unknown"


__all__ = [
    "SITES",
    "ImageRule",
    "Layout",
    "SiteProfile",
    "profile_for_url",
    "profiles_for",
    "registrable_domain",
    "same_site",
    "site_key_for_url",
]
