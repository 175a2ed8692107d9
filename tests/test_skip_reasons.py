"""A page that is no article is counted under one reason, whichever path rejects it: a crawl, an import, a
re-extraction (ingest.reason_kind). The crawl used to count the whole reason, particulars and all ("section or
tag page: a one-word title over 6 linked headlines"), where an import counted "section or tag page"."""

from __future__ import annotations

from pathlib import Path

from newsarchive.fetched import FetchedPage
from newsarchive.ingest import extract_page, ingest
from newsarchive.reextract import reextract
from newsarchive.store import Archive

from .sitefarm import SiteFarm, news_sitemap, run_crawl, walla_article
from .test_crawl import WALLA, walla_site

#: a section front: the extractor rejects it with a reason that has particulars after a colon
SECTION_FRONT = Path(__file__).parent / "fixtures" / "generic" / "section_front.html"
KIND = "section or tag page"


def test_a_rejected_page_counts_under_one_reason_in_a_crawl_an_import_and_a_reextraction(
    tmp_path: Path,
) -> None:
    url = f"{WALLA}/break/902"
    body = SECTION_FRONT.read_bytes()
    assert extract_page(FetchedPage(url, body)).reason.startswith(f"{KIND}: ")  # the reason has particulars

    with SiteFarm() as farm:
        walla_site(farm, [901])
        listed = [(f"{WALLA}/break/{n}", "2024-07-21T06:15:00+03:00") for n in (901, 902)]
        farm.add(f"{WALLA}/sitemap-news.xml", news_sitemap(listed))
        farm.add(url, body)
        code, summary, err = run_crawl(farm, ["walla"], tmp_path / "crawl.db")
    assert code == 0, err
    crawled = {reason: n for reason, n in summary[0]["skipped"].items() if reason.startswith(KIND)}

    with Archive(tmp_path / "import.db") as archive:
        imported = dict(ingest(archive, [FetchedPage(url, body)]).skipped)

    # an article stored by an older extractor whose page the current one rejects
    with Archive(tmp_path / "reextract.db") as archive:
        article = extract_page(FetchedPage(url, walla_article(902).encode())).article
        assert article is not None and article.url == url
        archive.store_many([(article, FetchedPage(url, body))])
        reextracted = dict(reextract(archive, every_page=True).now_rejected)

    assert crawled == imported == reextracted == {KIND: 1}
