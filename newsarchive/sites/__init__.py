"""Site profiles: one small module per site. Adding a site is one file plus one line here."""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from typing import Any
from urllib.parse import urlsplit

from .base import ImageRule, Layout, SiteProfile, Verification
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


#: the port a scheme is served on when the address names none
DEFAULT_PORTS = {"http": 80, "https": 443}


@dataclass(frozen=True)
class WebAddress:
    """An http(s) address as a browser, and Scrapy's downloader, read it (the URL living standard: "\\" is
    "/", hosts are IDNA-encoded and lower-cased...); ``host`` has no trailing dot, ``port`` is always set."""

    scheme: str
    host: str
    port: int
    #: the address names a user or a password before its host
    userinfo: bool
    path: str
    query: str

    @property
    def default_port(self) -> bool:
        return self.port == DEFAULT_PORTS[self.scheme]

    @property
    def unicode_host(self) -> str:
        """The host as its owner may have written it in a profile or on the command line (חדשות.co.il)."""
        try:
            return self.host.encode("ascii").decode("idna")
        except (UnicodeError, ValueError):
            return self.host

    def normal(self) -> str:
        """One spelling per address, for storing and comparing: no user, no fragment, no trailing dot, the
        default port left out; the path and query as the address gave them."""
        host = f"[{self.host}]" if ":" in self.host else self.host
        port = "" if self.default_port else f":{self.port}"
        return f"{self.scheme}://{host}{port}{self.path or '/'}{'?' + self.query if self.query else ''}"


def web_address(url: str, *, unambiguous: bool = False) -> WebAddress | None:
    """How a browser and Scrapy's downloader read ``url``, or None for what is no http(s) address they would
    fetch (another scheme, no host, a port that is no port). With ``unambiguous``, None too when urllib
    alone reads its host, port or user otherwise ("https://evil.com\\@www.ynet.co.il/": urllib's host is
    ynet, a browser's evil.com), as code that trusts urllib would."""
    from w3lib.url import safe_url_string  # what Scrapy's Request does to every address

    try:
        raw = urlsplit(url.strip())
        read = urlsplit(safe_url_string(url.strip()))
        scheme, port = read.scheme.lower(), read.port
        raw_port = raw.port
    except (ValueError, UnicodeError):
        return None
    if scheme not in DEFAULT_PORTS or not read.hostname:
        return None
    host = read.hostname.lower().rstrip(".")
    raw_host = (raw.hostname or "").lower().rstrip(".")
    # urllib alone reads its host, port or user otherwise ("https://evil.com\\@www.ynet.co.il/": urllib's
    # host is ynet, a browser's evil.com)
    agree = (
        (raw_host == host or _idna(raw_host) == host) and raw_port == port and raw.username == read.username
    )
    if unambiguous and not agree:
        return None
    if not _is_host(host) or port == 0:
        return None
    return WebAddress(
        scheme=scheme,
        host=host,
        port=port or DEFAULT_PORTS[scheme],
        userinfo=read.username is not None or read.password is not None,
        # as the address gave them (a Hebrew path stays Hebrew), unless urllib read the rest otherwise
        path=raw.path if agree else read.path,
        query=raw.query if agree else read.query,
    )


#: a host name as the downloader can ask DNS for it: labels of letters, digits, hyphens (and the underscores
#: some servers' names hold) between single dots; Unicode names arrive here in punycode
_HOST_NAME = re.compile(r"[a-z0-9_](?:[a-z0-9_-]*[a-z0-9_])?(?:\.[a-z0-9_](?:[a-z0-9_-]*[a-z0-9_])?)*")


def _is_host(host: str) -> bool:
    """Whether ``host`` is a name or an IP address a request can go to ('a..b', a space or a bidi control
    in it failed the request deep inside the crawl)."""
    if _HOST_NAME.fullmatch(host):
        return True
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True


def _idna(host: str) -> str:
    try:
        return host.encode("idna").decode("ascii")
    except (UnicodeError, ValueError):
        return host


def profile_for_url(url: str) -> SiteProfile | None:
    host = host_of(url)
    return next((site for site in SITES.values() if site.handles(host)), None)


@lru_cache(maxsize=1)
def _suffixes() -> Callable[[str], Any]:
    """The public-suffix list bundled with tldextract, never fetched: co.il, org.il, ac.il, gov.il... (loaded
    on first use: commands that never compare sites do not wait for it)."""
    import tldextract

    # The private part of the list too (blogspot.com, github.io, netlify.app...): two tenants of one host
    # are two sites.
    return tldextract.TLDExtract(suffix_list_urls=(), cache_dir=None, include_psl_private_domains=True)


@lru_cache(maxsize=4096)
def registrable_domain(host: str) -> str:
    """The domain a registrant owns ("news.walla.co.il" -> "walla.co.il"); the host itself for an IP
    address, "localhost" or a bare suffix."""
    host = host.lower().rstrip(".")
    return _suffixes()(host).top_domain_under_public_suffix or host


def same_site(url: str, other: str) -> bool:
    """Both addresses belong to one site, as a browser reads them: the same registrable domain (the private
    suffixes of hosting services count: alice.blogspot.com is not bob.blogspot.com), or domains of one site
    profile (mako.co.il and n12.co.il); and the same server: the same port, or each scheme's default (http
    and https of a site are one site; another port of its host is another server). An address that names a
    user or a password, or that urllib and a browser read differently, is no site's."""
    first, second = web_address(url, unambiguous=True), web_address(other, unambiguous=True)
    if first is None or second is None or first.userinfo or second.userinfo:
        return False
    if first.port != second.port and not (first.default_port and second.default_port):
        return False
    host, other_host = first.host, second.host
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
    "DEFAULT_PORTS",
    "SITES",
    "ImageRule",
    "Layout",
    "SiteProfile",
    "Verification",
    "WebAddress",
    "profile_for_url",
    "profiles_for",
    "registrable_domain",
    "same_site",
    "site_key_for_url",
    "web_address",
]
