"""Discovery a site cannot make endless: sitemap indexes that list themselves, loop through each other, or
list new indexes without end are read within a budget (SITEMAPS_MAX), and the articles they do list are
stored once."""

from __future__ import annotations

import time
from pathlib import Path

from .sitefarm import SiteFarm, news_sitemap, run_crawl, sitemap_index, walla_article
from .test_crawl import WALLA, stored_urls

FAN_OUT = 30


def test_sitemap_indexes_without_end_are_read_within_the_budget(tmp_path: Path) -> None:
    """Each index listing 30 new ones (a CMS paging loop, or a hostile server) took 27,931 requests to the
    nesting limit, minutes of work (1,000 a level: hours, memory growing); now the crawl reads at most
    SITEMAPS_MAX sitemaps, says so once, and stores what the sitemaps it read list."""
    budget = 200
    with SiteFarm() as farm:
        farm.add(
            f"{WALLA}/robots.txt", f"Sitemap: {WALLA}/index.xml\n", headers={"Content-Type": "text/plain"}
        )
        news = [(f"{WALLA}/break/{n}", "2024-07-21T06:15:00+03:00") for n in range(20)]
        farm.add(f"{WALLA}/news.xml", news_sitemap(news))
        for n in range(20):
            farm.add(f"{WALLA}/break/{n}", walla_article(n))
        # the index lists itself, the news sitemap, and a loop: i/0 lists the index again
        top = [f"{WALLA}/index.xml", f"{WALLA}/news.xml"] + [f"{WALLA}/i/{k}.xml" for k in range(FAN_OUT)]
        farm.add(f"{WALLA}/index.xml", sitemap_index([(url, "2024-07-21") for url in top]))
        for k in range(FAN_OUT):
            children = [f"{WALLA}/i/{k}/{j}.xml" for j in range(FAN_OUT)] + [f"{WALLA}/index.xml"]
            farm.add(f"{WALLA}/i/{k}.xml", sitemap_index([(url, "2024-07-21") for url in children]))
            for j in range(FAN_OUT):
                deeper = [(f"{WALLA}/i/{k}/{j}/{m}.xml", "2024-07-21") for m in range(FAN_OUT)]
                farm.add(f"{WALLA}/i/{k}/{j}.xml", sitemap_index(deeper))
        started = time.monotonic()
        code, summary, err = run_crawl(
            farm,
            ["walla"],
            tmp_path / "a.db",
            settings={"SITEMAPS_MAX": budget, "CONCURRENT_REQUESTS_PER_DOMAIN": 8},
            timeout=60,
        )
        seconds = time.monotonic() - started
        sitemaps = [path for path in farm.hits("news.walla.co.il") if path.endswith(".xml")]
    assert code == 0, err
    assert seconds < 30
    assert len(sitemaps) == budget and len(set(sitemaps)) == budget  # each read once, the loops included
    assert summary[0]["errors"][f"more than {budget:,} sitemaps (SITEMAPS_MAX)"] == 1
    assert stored_urls(tmp_path / "a.db") == sorted(f"{WALLA}/break/{n}" for n in range(20))
