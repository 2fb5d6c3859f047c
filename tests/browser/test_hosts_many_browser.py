"""A fleet of 150 hosts on the hosts page in headless Chromium: 60 tiles a page, the pager,
worst first, a search, the whole fleet's counts, and each poll a page rather than the fleet.

The remote hosts reach the server as they reach a web process on PostgreSQL that watches none
of them: as summaries on the hub's board (the relay's summary channel), never whole samples.
Screenshots at 1280 and 390 px, light and dark, in artifacts/.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page

from app.pages import ids
from tests.browser.conftest import open_page, start_server
from tests.browser.readability import contrast_failures, sideways_overflow
from tests.live.server import LiveServer
from tests.support.summary_feed import SummaryFeed

pytestmark = pytest.mark.browser

REMOTES = [f"edge-{i:03d}" for i in range(150)]
SILENT = {"edge-042", "edge-137"}  # heard once, as the server starts, then never again
BUSIEST = "edge-099"  # the highest CPU of those reporting

TILES_JS = """() => Array.from(document.querySelectorAll('.host-tile'), (t) => t.dataset.host)"""
FOCUSED_JS = "() => (document.activeElement.closest('.host-tile') || {dataset: {}}).dataset.host"
COUNT_REDRAWS_JS = """() => {
  window.__redraws = 0;
  new MutationObserver(() => { window.__redraws += 1; }).observe(
    document.querySelector('.overview-grid'), {subtree: true, attributes: true, childList: true});
}"""


@pytest.fixture
def fleet(tmp_path: Path) -> Iterator[LiveServer]:
    server = start_server(tmp_path)
    feed = SummaryFeed(server.monitor.hub, REMOTES, SILENT)
    yield server
    feed.close()
    server.close()


def tiles(page: Page) -> list[str]:
    return page.evaluate(TILES_JS)


def wait_first_tile(page: Page, host: str) -> None:
    page.wait_for_function(
        "h => (document.querySelector('.host-tile') || {dataset: {}}).dataset.host === h",
        arg=host,
        timeout=10_000,
    )


def test_a_fleet_of_150_hosts_pages_sorts_and_searches(
    browser: Browser, fleet: LiveServer, artifacts: Path
) -> None:
    context, page, errors = open_page(browser, 1280, 900)
    sizes: list[int] = []
    page.on(
        "response",
        lambda r: sizes.append(len(r.body())) if "/api/v1/overview" in r.url else None,
    )
    try:
        page.goto(fleet.base_url + "/hosts")
        page.wait_for_function(
            "s => (document.querySelector(s) || {}).textContent === '1\\u201360 of 151'",
            arg=f"#{ids.OVERVIEW_PAGER}",
            timeout=20_000,
        )
        assert tiles(page) == REMOTES[:60]  # by name: edge-000 ... edge-059, then live-test
        page.wait_for_function(  # heard once as the server started: silent 3 intervals on
            "s => (document.querySelector(s) || {}).textContent === '151 hosts · 2 not reporting'",
            arg=f"#{ids.OVERVIEW_SUMMARY}",
            timeout=10_000,
        )
        assert page.is_disabled(f"#{ids.OVERVIEW_PREV}")

        # Tiles are patched in place each poll: a focused tile keeps its focus.
        page.focus(".host-tile[data-host='edge-003'] .host-link")
        page.evaluate(COUNT_REDRAWS_JS)
        page.wait_for_function("() => window.__redraws >= 2", timeout=10_000)  # sparklines grow
        assert page.evaluate(FOCUSED_JS) == "edge-003"

        page.click(f"#{ids.OVERVIEW_NEXT}")
        wait_first_tile(page, REMOTES[60])
        assert tiles(page) == REMOTES[60:120]
        assert page.inner_text(f"#{ids.OVERVIEW_PAGER}") == "61\u2013120 of 151"
        page.click(f"#{ids.OVERVIEW_NEXT}")
        wait_first_tile(page, REMOTES[120])
        assert tiles(page) == [*REMOTES[120:], "live-test"]
        assert page.is_disabled(f"#{ids.OVERVIEW_NEXT}")

        page.click("#overview-sort label:has-text('Worst first')")  # back to page 1
        wait_first_tile(page, sorted(SILENT)[0])
        ordered = tiles(page)
        assert ordered[:2] == sorted(SILENT)
        assert ordered[2] == BUSIEST and len(ordered) == 60
        assert page.locator(".host-tile.host-down").count() == 2
        for width, height in ((1280, 900), (390, 844)):
            page.set_viewport_size({"width": width, "height": height})
            for scheme in ("light", "dark"):
                page.emulate_media(color_scheme=scheme)
                page.wait_for_function("t => document.documentElement.dataset.theme === t",
                                       arg=scheme)  # fmt: skip
                assert sideways_overflow(page) <= 0
                assert contrast_failures(page) == []
                page.screenshot(path=str(artifacts / f"hosts-fleet-{width}-{scheme}.png"))

        page.fill(f"#{ids.OVERVIEW_SEARCH}", "edge-13")
        page.wait_for_function(
            "() => document.querySelectorAll('.host-tile').length === 10", timeout=10_000
        )
        assert tiles(page)[0] == "edge-137"  # still worst first: the silent one leads
        assert page.inner_text(f"#{ids.OVERVIEW_PAGER}") == ""  # one page: no pager
        assert page.inner_text(f"#{ids.OVERVIEW_SUMMARY}").endswith("10 match \u201cedge-13\u201d")
        page.fill(f"#{ids.OVERVIEW_SEARCH}", "no-such-host")
        page.wait_for_selector(".overview-empty:has-text('No host matches')", timeout=10_000)
    finally:
        context.close()
    assert errors == []
    assert sizes and max(sizes) < 60_000  # a page of 60 tiles, never the fleet's 150
