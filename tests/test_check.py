"""The health rules of `newsarchive check-sites`, on articles made here (the crawl itself: test_crawl.py)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

from newsarchive.article import Article
from newsarchive.check import assess
from newsarchive.crawl import SiteSummary

from .conftest import run_newsarchive

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


def test_the_tables_of_a_crawl_and_a_check_are_never_read_as_markup() -> None:
    """The tables are printed with markup off (a stored address may hold "[/x]"), yet their cells were
    written as markup: "[red]broken[/red]" and "[bold red]3[/bold red]" were shown as such, and a reason
    holding "[" got a backslash."""
    import io

    from newsarchive.check import CHECKED_FIELDS, SiteHealth
    from newsarchive.cli.check import _table
    from newsarchive.cli.crawl import _summary
    from newsarchive.cli.options import stdout_console

    summary = SiteSummary("ynet", fetched=5, skipped={"blocked by bot protection": 3, "off-site [/x]": 1})
    coverage = dict.fromkeys(CHECKED_FIELDS, 0.0)
    health = SiteHealth("ynet", 0, coverage, None, summary, blocked=3, problems=["no article [stored]"])
    console = stdout_console()
    console.file = io.StringIO()
    console.print(_summary([summary], Path("crawl.log")))
    console.print(_table([health], Path("crawl.log")))
    shown = console.file.getvalue()
    assert "[red]" not in shown and "[/bold red]" not in shown and "\\[" not in shown
    assert "│ broken " in shown and "1 off-site [/x]" in shown and "no article [stored]" in shown


def test_check_sites_that_fails_says_so_on_stderr(tmp_path: Path) -> None:
    """A site found broken gave exit status 1 and nothing on stderr: the failure was only in the table."""
    samples = Path(__file__).parent.parent / "data" / "samples" / "sites"
    result = run_newsarchive(
        "check-sites",
        "ynet",
        "--replay",
        str(samples),
        "--min-words",
        "100000",
        "--format",
        "json",
        cwd=tmp_path,
    )
    assert result.returncode == 1
    assert [row["status"] for row in json.loads(result.stdout)] == ["broken"]
    assert result.stderr == (
        "1 of 1 sites failed the check (first, ynet: bodies under 100,000 words on 100% of articles)\n"
    )
