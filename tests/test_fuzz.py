"""Generated and mutated input for every parser that meets the outside world: the extractor, the date parser,
the caption and byline splitters, the query parser and the sitemap/feed parsers. Each must answer (a result or
its own documented refusal), never raise anything else, never hang.

The examples are derandomized, so CI runs the same ones every time; `benchmarks/fuzz.py` runs many more with
fresh seeds (NEWSARCHIVE_FUZZ_EXAMPLES, NEWSARCHIVE_FUZZ_FRESH), and coverage-guided atheris. Inputs that
found bugs are kept below as explicit examples. Every input runs under a hang and memory guard.
"""

from __future__ import annotations

import os
import resource
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from newsarchive import Article, NotAnArticle, extract_article
from newsarchive.credits import parse_byline, split_credit, trailing_byline
from newsarchive.dates import parse_date
from newsarchive.discovery import DiscoveryError, parse_feed, parse_sitemap
from newsarchive.middlewares import retry_after_seconds
from newsarchive.sites import profile_for_url, site_key_for_url
from newsarchive.store import Archive, QueryError, parse_query

from .conftest import FIXTURES
from .sitefarm import news_sitemap, rss

#: guards per input against runaway work, not speed or size targets
HANG_LIMIT_S = 10
MEMORY_LIMIT_MB = 200
PAGES = sorted(FIXTURES.glob("*/*.html"))
FUZZ = settings(
    max_examples=int(os.environ.get("NEWSARCHIVE_FUZZ_EXAMPLES", "1000")),
    deadline=None,
    derandomize=not os.environ.get("NEWSARCHIVE_FUZZ_FRESH"),
    suppress_health_check=[HealthCheck.too_slow],
)


def _peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KB on Linux


def _rss_mb() -> float:
    try:
        return int(Path("/proc/self/statm").read_text().split()[1]) * resource.getpagesize() / 2**20
    except OSError:  # not Linux: the peak alone
        return _peak_rss_mb()


@contextmanager
def bounded() -> Iterator[None]:
    """The input must be answered within HANG_LIMIT_S, and may not take MEMORY_LIMIT_MB more memory than the
    process held when it began (seen when the process's peak rose during this input)."""
    started, rss_before, peak_before = time.monotonic(), _rss_mb(), _peak_rss_mb()
    yield
    assert time.monotonic() - started < HANG_LIMIT_S
    peak = _peak_rss_mb()
    assert peak == peak_before or peak - rss_before < MEMORY_LIMIT_MB, (rss_before, peak)


#: Hebrew letters, digits, the punctuation of dates, credits and bylines, and words that steer the parsers
HEBREW_TEXT = st.lists(
    st.sampled_from(
        [
            *"אבגדהוזחטיכלמנסעפצקרשתךםןףץ0123456789 :|,.-–()\"'״׳/\n\t\u200f",
            *["צילום", "מאת", "עודכן", "פורסם", "רויטרס", "ו", "לפני", "שעות", "אתמול", "במאי", "2024"],
        ]
    ),
    max_size=40,
).map("".join)


@st.composite
def mutated_page(draw: st.DrawFn) -> tuple[bytes, str]:
    path = draw(st.sampled_from(PAGES))
    data = bytearray(path.read_bytes())
    for _ in range(draw(st.integers(1, 4))):
        if not data:
            break
        at = draw(st.integers(0, len(data) - 1))
        kind = draw(st.sampled_from(["truncate", "flip", "delete", "insert", "duplicate"]))
        if kind == "truncate":
            del data[at:]
        elif kind == "flip":
            data[at] = draw(st.integers(0, 255))
        elif kind == "delete":
            del data[at : at + draw(st.integers(1, 2000))]
        elif kind == "insert":
            data[at:at] = draw(st.text(max_size=200)).encode("utf-8", "surrogatepass")
        else:
            data[at:at] = data[at : at + draw(st.integers(1, 5000))]
    return bytes(data), f"https://{path.parent.name}.example.co.il/a/1"


@FUZZ
@given(mutated_page())
def test_extraction_answers_every_mutated_page(case: tuple[bytes, str]) -> None:
    data, url = case
    try:
        with bounded():
            article = extract_article(data, url)
    except NotAnArticle as error:
        assert error.reason
    else:
        assert isinstance(article, Article)
        assert article.headline is None or isinstance(article.headline, str)
        assert all(isinstance(a, str) and a for a in article.authors)
        assert article.published is None or article.published.tzinfo is not None
        assert all(isinstance(p, str) for p in article.paragraphs)


URL_TEXT = st.one_of(
    st.text(max_size=60),
    st.builds(lambda host, path: f"https://{host}/{path}", st.text(max_size=20), st.text(max_size=20)),
)


@FUZZ
@given(URL_TEXT)
@example("https://[bad/x")  # found by the feed fuzzer: urllib raises on unbalanced brackets
@example("http://]y/z")
def test_any_address_is_answered(url: str) -> None:
    assert isinstance(site_key_for_url(url), str)
    assert profile_for_url(url) is None or profile_for_url(url).key
    try:
        with bounded():
            extract_article(PAGES[0].read_bytes(), url)
    except NotAnArticle as error:
        assert error.reason


@FUZZ
@given(st.one_of(st.text(max_size=80), HEBREW_TEXT))
@example("31.02.2024 25:61")
@example("לפני 99999999999 שעות")
@example("0000-00-00T00:00:00+99:99")
def test_dates_parse_or_give_none(text: str) -> None:
    with bounded():
        result = parse_date(text)
    assert result is None or (isinstance(result, datetime) and result.tzinfo is not None)


@FUZZ
@given(st.one_of(st.text(max_size=120), HEBREW_TEXT))
def test_caption_and_byline_splitters_answer(text: str) -> None:
    with bounded():
        caption, credit = split_credit(text)
    assert caption is None or isinstance(caption, str)
    assert credit is None or (isinstance(credit, str) and credit)
    names = parse_byline(text)
    assert all(isinstance(n, str) and n.strip() == n and n for n in names)
    trailing = trailing_byline(text)
    assert trailing is None or all(isinstance(n, str) and n for n in trailing)


@FUZZ
@given(
    st.one_of(
        st.binary(max_size=60),
        st.from_regex(r"[A-Za-z]{3}, \d{1,2} [A-Za-z]{3} \d{1,5} [\d:]{1,9} [+-]\d{1,20}"),
    )
)
@example(b"Wed, 15 May 2024 08:00:00 +030222222222222220")  # the offset that overflowed feed dates
@example(b"\xb2")  # found by this test: "²" passed for a number of seconds
def test_retry_after_headers_give_seconds_or_nothing(value: bytes | str) -> None:
    with bounded():
        wait = retry_after_seconds(value.encode() if isinstance(value, str) else value)
    assert wait is None or wait >= 0


@pytest.fixture(scope="module")
def small_archive(tmp_path_factory: pytest.TempPathFactory) -> Archive:
    archive = Archive(tmp_path_factory.mktemp("fuzz") / "a.db")
    archive.store(
        Article(url="https://x.co.il/1", site="x", headline="כותרת", paragraphs=["הממשלה החליטה היום"])
    )
    yield archive
    archive.close()


@FUZZ
@given(
    st.one_of(st.text(max_size=200), HEBREW_TEXT, st.text(alphabet='"()*-=:ORANDNEARsite ^{}', max_size=60))
)
@example('NEAR("a" "b", 3) OR (')
@example("\x00\x01 site:")
@example("-")
def test_queries_are_answered_or_refused_clearly(small_archive: Archive, text: str) -> None:
    try:
        with bounded():
            parse_query(text)
            small_archive.search(text)
    except QueryError as error:
        assert str(error)


SITEMAP = news_sitemap(
    [(f"https://www.ynet.co.il/news/article/a{n}", "2024-05-15T08:00:00+03:00") for n in range(5)]
)
FEED = rss(
    [(f"https://www.ynet.co.il/news/article/b{n}", "Wed, 15 May 2024 08:00:00 +0300") for n in range(5)]
)


@st.composite
def mutated_xml(draw: st.DrawFn) -> bytes:
    data = bytearray(draw(st.sampled_from([SITEMAP, FEED])).encode())
    for _ in range(draw(st.integers(1, 3))):
        at = draw(st.integers(0, len(data) - 1))
        kind = draw(st.sampled_from(["truncate", "flip", "insert"]))
        if kind == "truncate":
            del data[at:]
        elif kind == "flip":
            data[at] = draw(st.integers(0, 255))
        else:
            data[at:at] = draw(
                st.sampled_from([b"<!ENTITY x 'y'>", b"&x;", b"<url>", b"</loc>", b"\x00", b"]]>"])
            )
        if not data:
            break
    return bytes(data)


@FUZZ
@given(mutated_xml())
@example(FEED.replace("https://www", "https://\x00]>www", 1).encode())  # found by this test: urllib raised
@example(FEED.replace("+0300", "+030222222222222220", 1).encode())  # found by atheris: an offset overflowed
def test_sitemap_and_feed_parsers_answer_or_refuse(data: bytes) -> None:
    for parse in (parse_sitemap, parse_feed):
        try:
            with bounded():
                result = parse(data, "https://www.ynet.co.il/sitemap.xml")
        except DiscoveryError as error:
            assert str(error)
        else:
            assert result is not None


def test_fixture_pages_exist_for_the_fuzzer() -> None:
    assert len(PAGES) >= 30 and all(isinstance(p, Path) for p in PAGES)
