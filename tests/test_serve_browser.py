"""`newsarchive serve` in a real browser: headless Chromium types a Hebrew query into the search page and
reads what it shows, as a person would. Needs Chromium and its driver (Debian: `apt-get install chromium
chromium-driver`, which .ci/run does); skipped without them, unless NEWSARCHIVE_REQUIRE_BROWSER is set (CI).
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from newsarchive.store.hebrew import tokens

from .test_cli_archive import db, serving  # noqa: F401 (db is a fixture)

webdriver = pytest.importorskip("selenium.webdriver")
from selenium.common.exceptions import TimeoutException  # noqa: E402
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.common.keys import Keys  # noqa: E402
from selenium.webdriver.support import expected_conditions  # noqa: E402
from selenium.webdriver.support.ui import WebDriverWait  # noqa: E402

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")
CHROMEDRIVER = shutil.which("chromedriver")


@pytest.fixture(scope="module")
def browser() -> Iterator[webdriver.Chrome]:
    if not (CHROMIUM and CHROMEDRIVER):
        missing = "Chromium and chromedriver are not installed (apt-get install chromium chromium-driver)"
        if os.environ.get("NEWSARCHIVE_REQUIRE_BROWSER"):
            pytest.fail(missing)
        pytest.skip(missing)
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for argument in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu"):
        options.add_argument(argument)
    driver = webdriver.Chrome(options=options, service=webdriver.ChromeService(executable_path=CHROMEDRIVER))
    driver.set_page_load_timeout(30)
    try:
        yield driver
    finally:
        driver.quit()


def _search(browser: webdriver.Chrome, base: str, query: str) -> None:
    """Type a query into the search page's box and press Enter, as a reader would."""
    browser.get(base + "/-/hebrew-search")
    box = browser.find_element(By.NAME, "q")
    box.clear()
    box.send_keys(query, Keys.ENTER)
    try:
        WebDriverWait(browser, 20).until(expected_conditions.url_contains("q="))
    except TimeoutException:
        pytest.fail(f"the search form did not submit: {browser.current_url}")


def test_a_hebrew_search_typed_in_the_browser_shows_highlighted_results_right_to_left(
    db: Path,  # noqa: F811
    tmp_path: Path,
    browser: webdriver.Chrome,
) -> None:
    with serving(db, tmp_path) as base:
        browser.get(base + "/")
        assert "archive" in browser.find_element(By.TAG_NAME, "body").text

        _search(browser, base, "ממשלה")
        assert browser.execute_script("return getComputedStyle(document.body).direction") == "rtl"
        results = browser.find_elements(By.CSS_SELECTOR, "ol > li")
        assert results, browser.page_source[:2000]
        assert f"{len(results)} תוצאות" in browser.find_element(By.TAG_NAME, "body").text
        for result in results:
            headline = result.find_element(By.TAG_NAME, "a")
            assert headline.text and headline.get_attribute("href").startswith("http")
            marked = [tokens(mark.text) for mark in result.find_elements(By.TAG_NAME, "mark")]
            # each hit shows the word, bare or with a prefix (הממשלה, לממשלה...), highlighted on screen
            assert any(word.endswith("ממשלה") for words in marked for word in words), result.text
            assert result.find_element(By.TAG_NAME, "mark").value_of_css_property("background-color") not in (
                "rgba(0, 0, 0, 0)",
                "transparent",
            )

        _search(browser, base, '"ממשלה')  # an unbalanced quote: a message, not an error page
        assert "unbalanced quotes" in browser.find_element(By.CLASS_NAME, "problem").text
        assert not browser.find_elements(By.CSS_SELECTOR, "ol > li")

        browser.get(base + "/archive/articles?_facet=site")
        facets = browser.find_elements(By.CSS_SELECTOR, ".facet-results li")
        assert facets and any("walla" in facet.text or "ynet" in facet.text for facet in facets)
        assert browser.find_elements(By.CSS_SELECTOR, "table.rows-and-columns tbody tr")
