"""Is extraction still working on each site? Crawl a few fresh articles per site through the normal polite
crawler and measure, per field, the share of articles where it was found (`newsarchive check-sites`).

Sites redesign without notice; the first signs are bodies that shrink to a teaser, dates that vanish, and
pages on which none of the profile's layouts matches any more.
"""

from __future__ import annotations

import sqlite3
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path

from .article import Article
from .crawl import CrawlOptions, SiteSummary, run_crawl
from .extract.blocked import BLOCKED
from .sites import SITES
from .store import Archive

#: fields reported, in table order
CHECKED_FIELDS = ("headline", "published", "body", "byline", "subtitle", "image", "caption")
#: a field found on fewer articles than this share marks the site broken
BROKEN_BELOW = 0.8
#: a profile's own layouts recognised on fewer articles than this share: the site has probably changed
LAYOUT_BELOW = 0.5


@dataclass
class SiteHealth:
    site: str
    articles: int
    coverage: dict[str, float]
    #: share of articles on which one of the profile's layouts matched (None: the profile has none)
    layout: float | None
    crawl: SiteSummary
    paywalled: int = 0
    #: pages answered with a bot-protection or challenge page: a site that starts blocking shows at once
    blocked: int = 0
    problems: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    @property
    def status(self) -> str:
        return "broken" if self.problems else "changed?" if self.warnings else "ok"

    def to_dict(self) -> dict[str, object]:
        return {
            "site": self.site,
            "status": self.status,
            "articles": self.articles,
            "coverage": self.coverage,
            "layout_recognised": self.layout,
            "paywalled": self.paywalled,
            "blocked": self.blocked,
            "problems": self.problems,
            "warnings": self.warnings,
            "fetched": self.crawl.fetched,
            "errors": self.crawl.errors,
            "skipped": self.crawl.skipped,
        }


def field_found(article: Article, name: str, *, min_words: int) -> bool:
    match name:
        case "headline":
            return bool(article.headline)
        case "published":
            return article.published is not None
        case "body":
            return len(article.body.split()) >= min_words
        case "byline":
            return bool(article.authors)
        case "subtitle":
            return bool(article.subtitle)
        case "image":
            return bool(article.images)
        case "caption":
            return any(image.caption for image in article.images)
    raise ValueError(f"unknown field {name!r}")


def assess(site: str, articles: list[Article], crawl: SiteSummary, *, min_words: int = 50) -> SiteHealth:
    """The health of one site from the articles just fetched from it."""
    count = len(articles)
    coverage = {}
    for name in CHECKED_FIELDS:
        # a paywalled article shows only its teaser: its body says nothing about the extraction rules
        judged = [a for a in articles if not a.paywalled] if name == "body" else articles
        found = sum(field_found(a, name, min_words=min_words) for a in judged)
        coverage[name] = round(found / len(judged), 3) if judged else (1.0 if count else 0.0)
    profile = SITES.get(site)
    layout = None
    if profile is not None and profile.layouts and count:
        layout = round(sum(bool(a.provenance.get("layout")) for a in articles) / count, 3)
    health = SiteHealth(site, count, coverage, layout, crawl, sum(a.paywalled for a in articles))
    health.blocked = blocked_pages(crawl)
    if health.blocked:
        health.problems.append(f"{BLOCKED}: {health.blocked} page(s) answered with a challenge")
    if not count:
        reasons = {r: n for r, n in {**crawl.errors, **crawl.skipped}.items() if not r.startswith(BLOCKED)}
        why = ", ".join(f"{n} {r}" for r, n in sorted(reasons.items(), key=lambda x: -x[1])[:3])
        health.problems.append(f"no article stored ({why or 'nothing discovered'})")
        return health
    for name, label in (
        ("headline", "headlines missing"),
        ("published", "dates missing"),
        ("body", f"bodies under {min_words:,} words"),
    ):
        if coverage[name] < BROKEN_BELOW:
            health.problems.append(f"{label} on {1 - coverage[name]:.0%} of articles")
    if layout is not None and layout < LAYOUT_BELOW:
        health.warnings.append(f"no {site} layout matched on {1 - layout:.0%} of articles: a redesign?")
    return health


def blocked_pages(crawl: SiteSummary) -> int:
    """Pages skipped or failed because the site answered with a bot-protection page, counted apart from
    other skips (their reasons all begin with "blocked by bot protection")."""
    return sum(n for reason, n in {**crawl.skipped, **crawl.errors}.items() if reason.startswith(BLOCKED))


def check_sites(
    options: CrawlOptions,
    *,
    per_site: int = 5,
    min_words: int = 50,
    keep: Path | None = None,
    on_tick: Callable[[list[SiteSummary]], None] | None = None,
) -> list[SiteHealth]:
    """Fetch up to ``per_site`` fresh articles of each site into a scratch archive and assess them.
    ``keep`` saves that archive (the fetched pages and articles) for a closer look."""
    with tempfile.TemporaryDirectory(prefix="newsarchive-check-") as scratch:
        db = Path(scratch) / "check.db"
        summaries = run_crawl(
            replace(options, db=db, limit=per_site, refresh=True, resume=False), on_tick=on_tick
        )
        with Archive(db) as archive:
            by_site: dict[str, list[Article]] = {s.site: [] for s in summaries}
            for article in archive.iter_articles():
                by_site.setdefault(article.site, []).append(article)
            if keep is not None:
                with sqlite3.connect(keep) as target:
                    archive.db.conn.backup(target)
    return [assess(s.site, by_site.get(s.site, []), s, min_words=min_words) for s in summaries]
