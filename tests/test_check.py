"""The health rules of `newsarchive check-sites`, on articles made here (the crawl itself: test_crawl.py)."""

from __future__ import annotations

from datetime import UTC, datetime

from newsarchive.article import Article
from newsarchive.check import assess
from newsarchive.crawl import SiteSummary

WHEN = datetime(2025, 1, 1, 10, 0, tzinfo=UTC)


def article(n: int, *, words: int = 80, dated: bool = True, paywalled: bool = False) -> Article:
    return Article(
        url=f"https://www.ynet.co.il/news/article/x{n}",
        site="ynet",
        headline=f"כותרת {n}",
        published=WHEN if dated else None,
        paragraphs=[" ".join(["מילה"] * words)],
        paywalled=paywalled,
        provenance={"layout": "ynet:react-2021"},
    )


def test_a_healthy_site() -> None:
    health = assess("ynet", [article(n) for n in range(5)], SiteSummary("ynet"))
    assert health.status == "ok" and health.coverage["body"] == 1.0 and health.layout == 1.0


def test_short_bodies_and_missing_dates_break_a_site() -> None:
    articles = [article(n, words=12, dated=n == 0) for n in range(5)]
    health = assess("ynet", articles, SiteSummary("ynet"))
    assert health.status == "broken"
    assert health.coverage == health.coverage | {"body": 0.0, "published": 0.2}
    assert any("bodies under 50 words" in p for p in health.problems)
    assert any("dates missing on 80%" in p for p in health.problems)


def test_paywalled_teasers_do_not_count_against_the_body() -> None:
    articles = [article(0), *(article(n, words=10, paywalled=True) for n in range(1, 5))]
    health = assess("ynet", articles, SiteSummary("ynet"))
    assert health.status == "ok" and health.paywalled == 4 and health.coverage["body"] == 1.0


def test_no_layout_matched_is_a_warning_and_nothing_stored_is_broken() -> None:
    articles = [article(n) for n in range(4)]
    for a in articles:
        a.provenance = {}
    assert assess("ynet", articles, SiteSummary("ynet")).status == "changed?"
    empty = assess("ynet", [], SiteSummary("ynet", errors={"HTTP 503": 7}))
    assert empty.status == "broken" and "7 HTTP 503" in empty.problems[0]


def test_pages_blocked_by_bot_protection_are_counted_apart() -> None:
    crawl = SiteSummary(
        "walla",
        skipped={
            "blocked by bot protection (Cloudflare challenge)": 3,
            "not an article URL": 9,
        },
        errors={"blocked by bot protection (DataDome)": 1, "HTTP 404": 2},
    )
    health = assess("walla", [article(n) for n in range(5)], crawl)
    assert health.blocked == 4
    assert health.status == "broken"
    assert any(p.startswith("blocked by bot protection") for p in health.problems)
    assert health.to_dict()["blocked"] == 4
    assert assess("walla", [article(n) for n in range(5)], SiteSummary("walla")).blocked == 0
