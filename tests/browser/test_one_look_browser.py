"""One look for every page, in real Chromium against a real server: /, /hosts, /history and
/alerts at 1280×800 and 390×844, in light and dark, fit the window (no sideways scrolling),
every text, input, button and axis text reads at 4.5:1 or more against its background, and
no chart is lighter than the page; screenshots of each in artifacts/. The header's theme
toggle is remembered and applied before the first paint, the navigation marks the current
page and the header names the host on every page."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from app.pages import ids
from tests.browser.conftest import TIMEZONE, open_page
from tests.browser.readability import contrast_failures, lighter_charts, sideways_overflow
from tests.live.server import LiveServer, live_config
from tests.support.polling import wait_for

RULES = """defaults = false
[[rule]]
name = "cpu-any"
series = "cpu.total"
stat = "last"
warn = -1
for = "0s"
description = "CPU busy"

[[rule]]
name = "memory-any"
series = "memory.percent"
stat = "last"
crit = -1
for = "0s"
description = "memory used"
"""
# Each page, and what shows once it has drawn its data.
PAGES = {
    "/": f"#{ids.GRAPH_CPU} .xtick",
    "/hosts": ".host-tile",
    "/history": f"#{ids.HISTORY_GRAPH} .xtick",
    "/alerts": ".alert-card",
}
VIEWPORTS = [(1280, 800), (390, 844)]
TIMEOUT_MS = 30_000
# Every chart of the page has been drawn in the theme now shown (its text in the theme's --fg).
CHARTS_THEMED_JS = """() => {
  const fg = getComputedStyle(document.documentElement).getPropertyValue('--fg').trim();
  const plots = Array.from(document.querySelectorAll('.js-plotly-plot'));
  return plots.every((gd) => gd._fullLayout && gd._fullLayout.font.color === fg);
}"""
FITS_JS = "() => document.documentElement.scrollWidth <= window.innerWidth"
# The theme and page colour when the browser first renders: recorded before any page script.
FIRST_FRAME_JS = """requestAnimationFrame(() => {
  window.__firstFrame = {
    theme: document.documentElement.dataset.theme || null,
    bg: getComputedStyle(document.documentElement).getPropertyValue('--bg').trim(),
  };
});"""


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """A server (fake collectors) whose two rules fire at once, with a few stored samples."""
    directory = tmp_path_factory.mktemp("look")
    (directory / "alerts.toml").write_text(RULES)
    server = LiveServer(live_config(directory, alerts_file=str(directory / "alerts.toml"))).start()
    store = server.monitor.store
    wait_for(lambda: "live-test" in store.host_names(), timeout=20, message="stored samples")
    yield server
    server.close()


def wait_drawn(page: Page, path: str) -> None:
    """Waits until the page at ``path`` shows its data (a selector that a redraw may replace:
    polled in the page, not held as an element)."""
    page.wait_for_function("s => !!document.querySelector(s)", arg=PAGES[path], timeout=TIMEOUT_MS)


def open_drawn(page: Page, server: LiveServer, path: str) -> None:
    page.goto(server.base_url + path)
    wait_drawn(page, path)


def show_theme(page: Page, scheme: str) -> None:
    """The system's preference ``scheme``, followed by the page and by its charts."""
    page.emulate_media(color_scheme=scheme)
    page.wait_for_function("t => document.documentElement.dataset.theme === t", arg=scheme)
    page.wait_for_function(CHARTS_THEMED_JS, timeout=TIMEOUT_MS)


def problems_of(page: Page, label: str, scheme: str) -> list[str]:
    """What is wrong with the page as drawn now, one line each."""
    found = []
    with contextlib.suppress(PlaywrightTimeout):  # Plotly debounces each graph's resize
        page.wait_for_function(FITS_JS, timeout=5_000)
    if (extra := sideways_overflow(page)) > 0:
        found.append(f"{label}: {extra} px wider than the window")
    for failure in contrast_failures(page):
        found.append(f"{label}: contrast {failure}")
    if scheme == "dark":
        found += [f"{label}: chart lighter than the page {c}" for c in lighter_charts(page)]
    return found


@pytest.mark.browser
@pytest.mark.parametrize(("width", "height"), VIEWPORTS, ids=["1280", "390"])
def test_every_page_fits_and_reads_in_light_and_dark(
    browser: Browser, server: LiveServer, artifacts: Path, width: int, height: int
) -> None:
    context, page, errors = open_page(browser, width, height)
    problems: list[str] = []
    try:
        for path in PAGES:
            open_drawn(page, server, path)
            name = path.strip("/") or "live"
            for scheme in ("light", "dark"):
                show_theme(page, scheme)
                problems += problems_of(page, f"{path} {width} px {scheme}", scheme)
                shot = artifacts / f"look-{name}-{width}-{scheme}.png"
                page.screenshot(path=str(shot), full_page=True)
    finally:
        context.close()
    assert problems == []
    assert errors == []


@pytest.mark.browser
def test_the_theme_toggle_is_remembered_and_drawn_from_the_first_frame(
    browser: Browser, server: LiveServer
) -> None:
    context = browser.new_context(color_scheme="light", timezone_id=TIMEZONE)
    try:
        page = context.new_page()
        page.add_init_script(FIRST_FRAME_JS)
        open_drawn(page, server, "/history")
        toggle = f"#{ids.THEME_TOGGLE}"
        assert page.evaluate("() => document.documentElement.dataset.theme") == "light"
        assert page.get_attribute(toggle, "aria-pressed") == "false"

        page.click(toggle)
        page.wait_for_function("() => document.documentElement.dataset.theme === 'dark'")
        assert page.get_attribute(toggle, "aria-pressed") == "true"
        assert page.evaluate("() => localStorage.getItem('monitor-theme')") == "dark"
        page.wait_for_function(CHARTS_THEMED_JS, timeout=TIMEOUT_MS)  # the chart follows

        page.reload()  # the system still prefers light: the remembered dark from the first frame
        page.wait_for_function("() => !!window.__firstFrame")
        first = page.evaluate("() => window.__firstFrame")
        assert first == {"theme": "dark", "bg": "#111316"}
        wait_drawn(page, "/history")
        page.wait_for_function(CHARTS_THEMED_JS, timeout=TIMEOUT_MS)

        page.click(toggle)
        page.wait_for_function("() => document.documentElement.dataset.theme === 'light'")
        assert page.evaluate("() => localStorage.getItem('monitor-theme')") == "light"
    finally:
        context.close()


@pytest.mark.browser
def test_the_navigation_marks_the_page_and_the_header_names_the_host(
    browser: Browser, server: LiveServer
) -> None:
    context = browser.new_context(timezone_id=TIMEZONE)
    current = f"#{ids.NAV} a[aria-current=page]"
    try:
        page = context.new_page()
        open_drawn(page, server, "/history")
        page.wait_for_function(
            "s => (document.querySelector(s) || {}).textContent === 'History'", arg=current
        )
        assert page.locator(current).count() == 1
        assert page.inner_text(f"#{ids.HOSTNAME}") == "live-test"
        for title, path in (("Hosts", "/hosts"), ("Alerts", "/alerts"), ("Live", "/")):
            page.click(f"#{ids.NAV} >> text={title}")  # moves without reloading the page
            wait_drawn(page, path)
            page.wait_for_function(
                "([s, t]) => (document.querySelector(s) || {}).textContent === t",
                arg=[current, title],
            )
            assert page.locator(current).count() == 1
            assert page.inner_text(f"#{ids.HOSTNAME}") == "live-test"
    finally:
        context.close()
