"""A profile made on the spot for a site we have no profile for (`newsarchive crawl --url`).

It knows only the site's address: discovery is robots.txt sitemaps and the feeds the home page announces
(``<link rel="alternate" type="application/rss+xml">``), extraction is the JSON-LD, meta and generic layers.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from .base import SiteProfile, Verification

#: paths that are never single articles on a news site: listings, archives, feeds, files, accounts
_NOT_ARTICLE = (
    r"/(tags?|category|categories|author|authors|writers?|page|search|feed|rss|wp-json|wp-admin|wp-content|"
    r"login|account|subscribe|newsletter|contact|about|privacy|terms)(?:/|$|[?#])"
    r"|\.(?:xml|gz|rss|jpe?g|png|gif|webp|svg|pdf|mp4|mp3|css|js|json|zip)(?:$|[?#])"
)
#: a path other than "/" (or a query such as WordPress's ?p=123) that is none of the above
_ARTICLE_URL = rf"^https?://[^/?#]+(?![^?#]*(?:{_NOT_ARTICLE}))(?:/[^?#]*[^/?#][^?#]*|/?\?.+)"


def adhoc_profile(url: str) -> SiteProfile:
    """The profile of an unprofiled site, from its home page URL (any URL on the site will do)."""
    parts = urlsplit(url.strip())
    host = (parts.hostname or "").lower().rstrip(".")
    if parts.scheme not in ("http", "https") or not host or "." not in host:
        raise ValueError(f"not a web site address: {url!r} (expected e.g. https://www.example.co.il/)")
    domain = host.removeprefix("www.")
    home = f"{parts.scheme}://{parts.netloc.lower()}"
    return SiteProfile(
        key=domain,
        name=domain,
        domains=(domain,),
        article_url=_ARTICLE_URL,
        homes=(home,),
        feeds=(),
        verified=Verification.NONE,
        verified_note="no profile (robots.txt sitemaps, feed autodiscovery, generic extraction)",
    )


def is_adhoc(profile: SiteProfile) -> bool:
    return profile.verified is Verification.NONE
