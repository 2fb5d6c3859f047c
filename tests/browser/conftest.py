"""Headless system Chromium (Playwright) against a real dashboard server.

Chromium must be installed at /usr/bin/chromium: without it these tests fail, they never skip.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, sync_playwright

from tests.browser.pageview import open_live
from tests.live.server import LiveServer, live_config
from tests.support.polling import wait_for

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
TIMEZONE = "Asia/Kolkata"  # UTC+05:30: local times differ visibly from UTC
ARTIFACTS = Path(__file__).resolve().parents[2] / "artifacts"


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    assert Path(CHROMIUM).exists(), (
        f"browser tests need Chromium at {CHROMIUM} (apt-get install chromium)"
    )
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True
        )
        yield browser
        browser.close()


class PageErrors(list[str]):
    """JavaScript errors a page raised; tests assert it stays empty."""


def open_page(
    browser: Browser, width: int = 1280, height: int = 900
) -> tuple[BrowserContext, Page, PageErrors]:
    """A fresh context (no cache, no cookies) of ``width`` × ``height`` px, in a non-UTC time
    zone, and the list its page's JavaScript errors go to."""
    context = browser.new_context(viewport={"width": width, "height": height}, timezone_id=TIMEZONE)
    page = context.new_page()
    errors = PageErrors()
    page.on("pageerror", lambda error: errors.append(str(error)))
    return context, page, errors


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    context, page, errors = open_page(browser)
    yield page
    context.close()
    assert errors == [], f"JavaScript errors on the page: {errors}"


def start_server(directory: Path) -> LiveServer:
    """A server (fake collectors, 0.2 s) whose hub holds a few samples already."""
    server = LiveServer(live_config(directory)).start()
    wait_for(lambda: len(server.monitor.hub.backlog()) >= 5, message="five samples")
    return server


@pytest.fixture
def live(tmp_path: Path) -> Iterator[LiveServer]:
    server = start_server(tmp_path)
    yield server
    server.close()


@pytest.fixture(scope="module")
def shared(
    browser: Browser, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[Page, LiveServer]]:
    """One server and one live page for a module's tests, which run in file order.

    Loading the page (Plotly alone is megabytes of JavaScript) is the slow part of a browser
    test, so scenarios that leave the page live share one load.
    """
    server = start_server(tmp_path_factory.mktemp("shared"))
    context, page, errors = open_page(browser)
    open_live(page, server)
    yield page, server
    context.close()
    server.close()
    assert errors == [], f"JavaScript errors on the page: {errors}"


@pytest.fixture(scope="session")
def artifacts() -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS
