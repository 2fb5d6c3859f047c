"""The alerts page's "Try a rule" panel in real Chromium against a real server over a week of
generated history (tests/alerts/week_history.py: the "hot" rule fires 7 times, 240 s each):
a rule in force and a pasted rule run from the page, a bad rule's error beside the text, and
screenshots at 1280 and 390 px in light and dark."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import Browser, Page

from storage.engine import make_engine
from storage.store import MetricStore
from tests.alerts.week_history import DAY, RULE, write_history
from tests.browser.conftest import TIMEZONE, open_page
from tests.live.server import LiveServer, live_config

STEP = 30  # a sample every 30 s: the same firings as at 1 Hz
MARGIN = 600  # the history starts this long after "7 days ago" and ends this long before now
BAD_WARN = '[[rule]]\nname = "x"\nseries = "cpu.total"\nwarn = "high"\n'
CRITICAL = RULE + "crit = 85\n"
NO_SIDEWAYS_JS = (
    "() => document.documentElement.scrollWidth <= document.documentElement.clientWidth"
)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[LiveServer, int]]:
    """A server whose rules in force are the defaults and "hot", over a week of host "w"
    written before it starts; yields it and the history's first timestamp."""
    directory = tmp_path_factory.mktemp("trial")
    (directory / "alerts.toml").write_text(RULE)
    config = live_config(directory, alerts_file=str(directory / "alerts.toml"))
    store = MetricStore(make_engine(config.database_url))
    start = int(time.time() - 7 * DAY + MARGIN) // 60 * 60
    write_history(store, "w", start, 7 - 2 * MARGIN / DAY, step=STEP)
    store.engine.dispose()
    server = LiveServer(config).start()
    yield server, start
    server.close()


@pytest.fixture(scope="module")
def page(browser: Browser, server: tuple[LiveServer, int]) -> Iterator[Page]:
    context, page, errors = open_page(browser)
    page.goto(server[0].base_url + "/alerts")
    yield page
    context.close()
    assert errors == [], f"JavaScript errors on the page: {errors}"


def run_trial(page: Page, rule: str, *, host: str = "", since: str = "7 days") -> None:
    """Chooses the rule, range and host (rule "" keeps the pasted text) and presses Run."""
    page.wait_for_selector("#trial-rule option[value=hot]", state="attached", timeout=20_000)
    page.select_option("#trial-rule", rule)
    page.locator(".trial-segment", has_text=since).click()
    page.select_option("#trial-host", host)
    page.evaluate("() => { const r = document.querySelector('.trial-result'); r.hidden = true; "
                  "r.replaceChildren(); }")  # fmt: skip
    page.click(".trial-run")


def summary(page: Page) -> str:
    page.wait_for_selector(".trial-summary", timeout=30_000)
    return page.inner_text(".trial-summary")


@pytest.mark.browser
def test_a_rule_in_force_run_from_the_page(page: Page, server: tuple[LiveServer, int]) -> None:
    live, start = server
    with page.expect_request(lambda r: r.method == "POST") as posted:
        run_trial(page, "hot", host="w")
    headers = posted.value.all_headers()
    assert headers.get("origin") == live.origin and headers.get("sec-fetch-site") == "same-origin"
    assert summary(page) == "Would have fired 7 times in 7 days (total 28 min)"
    assert "20,120 raw samples of 1 host" in page.inner_text(".trial-meta")
    rows = page.locator(".trial-table tbody tr")
    assert rows.count() == 7
    cells = [" ".join(c.split()) for c in rows.nth(0).locator("td").all_inner_texts()]
    fired = datetime.fromtimestamp(start + 3 * 3600 + 60, ZoneInfo(TIMEZONE))
    when = fired.strftime("%a, %b %-d, %I:%M %p")  # Chromium's en-US, as the page's other times
    assert cells == [when, "4 min", "Warning", "90 %", "w", "cpu.total"]


@pytest.mark.browser
def test_a_pasted_rule_and_a_shorter_range(page: Page) -> None:
    page.select_option("#trial-rule", "__toml__")
    assert page.get_attribute("#trial-toml", "placeholder").startswith('[[rule]]\nname = "cpu-hot"')
    page.fill("#trial-toml", CRITICAL)
    run_trial(page, "__toml__", since="1 day")
    assert summary(page) == "Would have fired once in 1 day (total 4 min)"
    assert page.locator(".trial-table tbody tr").count() == 1
    assert "Critical" in page.inner_text(".trial-table tbody tr")


@pytest.mark.browser
def test_a_bad_rule_is_explained_beside_the_text(page: Page, artifacts: Path) -> None:
    page.select_option("#trial-rule", "__toml__")
    page.fill("#trial-toml", BAD_WARN)
    run_trial(page, "__toml__")
    error = page.locator(".trial-error[data-for=toml]")
    error.wait_for(state="visible", timeout=20_000)
    assert error.inner_text() == "Rule 'x': key 'warn': must be a number, got 'high'"
    assert page.get_attribute("#trial-toml", "aria-invalid") == "true"
    assert page.locator(".trial-result").is_hidden()
    page.locator(".alerts-trial").screenshot(path=str(artifacts / "alerts-trial-error-1280.png"))
    page.fill("#trial-toml", CRITICAL)  # fixed: the error goes
    run_trial(page, "__toml__")
    assert summary(page).startswith("Would have fired 7 times")
    assert error.is_hidden() and page.get_attribute("#trial-toml", "aria-invalid") is None


@pytest.mark.browser
@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_screenshots_without_sideways_scrolling(
    browser: Browser, server: tuple[LiveServer, int], artifacts: Path, scheme: str
) -> None:
    for width in (1280, 390):
        context = browser.new_context(viewport={"width": width, "height": 900},
                                      color_scheme=scheme, timezone_id=TIMEZONE)  # fmt: skip
        try:
            page = context.new_page()
            page.goto(server[0].base_url + "/alerts")
            run_trial(page, "hot", host="w")
            assert summary(page).startswith("Would have fired 7 times")
            assert page.evaluate(NO_SIDEWAYS_JS), f"sideways scrolling at {width} px ({scheme})"
            page.locator(".alerts-trial").screenshot(
                path=str(artifacts / f"alerts-trial-{width}-{scheme}.png")
            )
        finally:
            context.close()
