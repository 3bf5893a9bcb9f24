"""The web interface end to end in a real headless browser (Chromium driven
by Selenium): type a query, click a facet, read the counts and the chart,
narrow by a bar, open an article, go back. Skipped where no browser is
installed; CI installs Debian's chromium and chromium-driver."""
from __future__ import annotations

import os
import shutil
import tempfile
import threading

import pytest

from searcher import Archive
from searcher.web.server import make_app_server
from tests.webdata import WORD, records, with_word, write

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
DRIVER = shutil.which("chromedriver")
# CI sets this: there the browser is installed, and a skip would hide a failure.
REQUIRED = os.environ.get("SEARCHER_REQUIRE_BROWSER") == "1"
if not REQUIRED:
    pytest.importorskip("selenium.webdriver", reason="selenium is not installed")
    if not (CHROMIUM and DRIVER):
        pytest.skip("no chromium and chromedriver on this machine", allow_module_level=True)
from selenium import webdriver  # noqa: E402
from selenium.webdriver.chrome.service import Service  # noqa: E402
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.support import expected_conditions  # noqa: E402
from selenium.webdriver.support.ui import WebDriverWait  # noqa: E402

# The machine has no network: these keep Chromium from trying to reach one.
FLAGS = ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--disable-dev-shm-usage", "--window-size=1280,1000")


@pytest.fixture(scope="module")
def base_url(tmp_path_factory):
    folder = tmp_path_factory.mktemp("browser")
    write(folder / "src")
    with Archive.create(folder / "index") as archive:
        archive.add([folder / "src"])
    archive = Archive.open(folder / "index")
    server = make_app_server(archive, "127.0.0.1", 0)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    server.server_close()
    archive.close()


@pytest.fixture(scope="module")
def browser():
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in FLAGS:
        options.add_argument(flag)
    profile = tempfile.mkdtemp(prefix="searcher-chromium-")
    options.add_argument(f"--user-data-dir={profile}")
    # The driver's path given: Selenium Manager (which downloads drivers) is not run.
    driver = webdriver.Chrome(service=Service(executable_path=DRIVER), options=options)
    driver.set_page_load_timeout(30)
    yield driver
    driver.quit()
    shutil.rmtree(profile, ignore_errors=True)


def _total(browser) -> int:
    element = WebDriverWait(browser, 10).until(expected_conditions.presence_of_element_located((By.ID, "total")))
    return int(element.get_attribute("data-total"))


def _wait_for_url(browser, part: str) -> None:
    WebDriverWait(browser, 10).until(lambda driver: part in driver.current_url)


def test_search_drill_down_chart_and_article_in_a_browser(browser, base_url):
    matching = with_word(records())
    browser.get(base_url + "/")
    assert _total(browser) == len(records())

    box = browser.find_element(By.ID, "q")
    box.send_keys(WORD)
    browser.find_element(By.ID, "go").click()
    _wait_for_url(browser, f"q={WORD}")
    assert _total(browser) == len(matching)
    assert len(browser.find_elements(By.CSS_SELECTOR, "#hits li.hit")) == 20

    # A facet: its count, then the drill-down gives that many.
    energy = browser.find_element(By.XPATH, '//section[@data-facet="tags"]//a[text()="Energy"]')
    count = int(energy.find_element(By.XPATH, "./following-sibling::span").text)
    assert count == sum("Energy" in r.get("tags", []) for r in matching)
    energy.click()
    _wait_for_url(browser, "tags=Energy")
    assert _total(browser) == count
    assert browser.find_element(By.ID, "filters").text.startswith("Tags: Energy")

    # The chart: drawn (bars with their counts), summing to the matches; a bar narrows the dates.
    chart_bars = browser.find_elements(By.CSS_SELECTOR, "#timeline svg a.bar")
    counts = {bar.get_attribute("data-period"): int(bar.get_attribute("data-count")) for bar in chart_bars}
    energy_dates = [r["date"] for r in matching if "Energy" in r.get("tags", [])]
    assert counts and {p: n for p, n in counts.items() if n} == \
        {p: sum(d.startswith(p) for d in energy_dates) for p in counts if any(d.startswith(p) for d in energy_dates)}
    assert sum(counts.values()) == len(energy_dates)
    drawn = browser.find_element(By.CSS_SELECTOR, "#timeline svg rect.count")
    assert drawn.size["width"] > 0
    period = max(counts, key=lambda p: counts[p])
    bar = next(b for b in chart_bars if b.get_attribute("data-period") == period)
    browser.execute_script("arguments[0].dispatchEvent(new MouseEvent('click', {bubbles: true}))", bar)
    _wait_for_url(browser, f"since={period}")
    assert _total(browser) == counts[period]

    # An article, then back to the results (the state is in the URL).
    results_url = browser.current_url
    first = browser.find_element(By.CSS_SELECTOR, "#hits a.title")
    title = first.text
    first.click()
    _wait_for_url(browser, "/article")
    assert browser.find_element(By.ID, "article-title").text == title
    assert browser.find_element(By.ID, "article-body").text
    browser.back()
    _wait_for_url(browser, results_url)
    assert _total(browser) == counts[period]


def test_a_malformed_query_shows_where_in_a_browser(browser, base_url):
    browser.get(base_url + "/")
    box = browser.find_element(By.ID, "q")
    box.clear()
    box.send_keys('"unclosed phrase')
    box.submit()
    error = WebDriverWait(browser, 10).until(expected_conditions.presence_of_element_located((By.ID, "syntax-error")))
    assert "position" in error.text
    assert browser.find_element(By.ID, "q").get_attribute("value") == '"unclosed phrase'
