"""The alerts page in real Chromium against a real server whose rules fire at once: the firing
alerts show, acknowledge, silence and end a silence from the page (same-origin JSON POSTs that
pass the Origin check), filters, and screenshots at 1280 and 390 px in light and dark."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.request import urlopen

import pytest
from playwright.sync_api import Browser, Page

from storage.alert_events import AlertEventStore
from tests.browser.conftest import open_page
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
CARD = '.alert-card[data-rule="{rule}"]'
CARD_STATE_JS = """([rule, state]) => !!document.querySelector(
  '.alert-card[data-rule="' + rule + '"][data-state="' + state + '"]')"""
NO_SIDEWAYS_JS = (
    "() => document.documentElement.scrollWidth <= document.documentElement.clientWidth"
)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """A server (fake collectors) with two rules that fire on the first sample, and a resolved
    alert of another host an hour ago."""
    directory = tmp_path_factory.mktemp("alerts")
    (directory / "alerts.toml").write_text(RULES)
    server = LiveServer(live_config(directory, alerts_file=str(directory / "alerts.toml"))).start()
    wait_for(lambda: len(_api(server)["open"]) == 2, timeout=20, message="both rules firing")
    now = time.time()
    base = {"rule": "cpu-any", "host": "db-1", "series": "cpu.total", "severity": "warning",
            "value": 12.5, "threshold": -1.0, "since": now - 4000}  # fmt: skip
    AlertEventStore(server.monitor.store.engine).record(
        [
            {**base, "ts": now - 4000, "kind": "firing"},
            {**base, "ts": now - 3600, "kind": "resolved"},
        ]
    )
    yield server
    server.close()


@pytest.fixture(scope="module")
def page(browser: Browser, server: LiveServer) -> Iterator[Page]:
    context, page, errors = open_page(browser)
    page.goto(server.base_url + "/alerts")
    yield page
    context.close()
    assert errors == [], f"JavaScript errors on the page: {errors}"


def _api(server: LiveServer) -> dict[str, Any]:
    """What GET /api/v1/alerts answers over HTTP."""
    with urlopen(server.base_url + "/api/v1/alerts?since=0", timeout=10) as response:
        return json.load(response)


def _open(server: LiveServer, rule: str) -> dict[str, Any]:
    return next(a for a in _api(server)["open"] if a["rule"] == rule)


def wait_card(page: Page, rule: str, state: str) -> None:
    page.wait_for_function(CARD_STATE_JS, arg=[rule, state], timeout=20_000)


@pytest.mark.browser
def test_firing_alerts_show_with_severity_value_and_since(page: Page) -> None:
    wait_card(page, "cpu-any", "firing")
    wait_card(page, "memory-any", "firing")
    wait_card(page, "cpu-any", "resolved")  # db-1's, an hour ago: the live-test one is open
    cards = page.locator(".alert-card")
    assert cards.nth(0).get_attribute("data-rule") == "memory-any"  # critical first
    first = cards.nth(0).inner_text()
    assert "CRITICAL" in first and "Memory used" in first and "live-test" in first
    assert "threshold above -1 %" in first and "firing since" in first
    resolved = page.locator('.alert-card[data-state="resolved"]').inner_text()
    assert "db-1" in resolved and "resolved 60 min ago" in resolved
    assert "2 firing" in page.inner_text("#alerts-summary")
    assert page.locator("nav .nav-link", has_text="Alerts").count() == 1


@pytest.mark.browser
def test_filters_by_severity_state_and_host(page: Page) -> None:
    wait_card(page, "cpu-any", "firing")
    page.select_option("select[name=severity]", "critical")
    page.wait_for_function("() => document.querySelectorAll('.alert-card').length === 1")
    page.select_option("select[name=severity]", "")
    page.select_option("select[name=state]", "resolved")
    page.wait_for_function("() => document.querySelectorAll('.alert-card').length === 1")
    page.select_option("select[name=state]", "")
    page.select_option("select[name=host]", "db-1")
    page.wait_for_function("() => document.querySelectorAll('.alert-card').length === 1")
    page.select_option("select[name=host]", "")
    page.wait_for_function("() => document.querySelectorAll('.alert-card').length === 3")


@pytest.mark.browser
def test_acknowledge_from_the_page_with_a_note(page: Page, server: LiveServer) -> None:
    card = page.locator(CARD.format(rule="cpu-any") + '[data-state="firing"]')
    card.locator(".alert-note").fill("looking into it")
    with page.expect_request(lambda r: r.method == "POST") as posted:
        card.locator("button[data-act=ack]").click()
    headers = posted.value.all_headers()  # as sent, with Origin and Sec-Fetch-Site
    assert headers.get("origin") == server.origin  # what app/guard/csrf.py reads
    assert headers.get("sec-fetch-site") == "same-origin"
    assert headers.get("content-type") == "application/json"
    wait_for(lambda: _open(server, "cpu-any")["acked_at"], message="acknowledged in the API")
    assert _open(server, "cpu-any")["ack_note"] == "looking into it"
    page.wait_for_function(
        "() => /Acknowledged .*: looking into it/.test("
        "document.querySelector('.alert-card[data-rule=\"cpu-any\"]').innerText)"
    )
    assert card.locator("button[data-act=ack]").count() == 0


@pytest.mark.browser
def test_silence_from_the_page_then_end_it(page: Page, server: LiveServer) -> None:
    card = page.locator(CARD.format(rule="memory-any"))
    card.locator(".alert-for").select_option("2h")
    card.locator("button[data-act=silence]").click()
    wait_card(page, "memory-any", "silenced")
    silences = _api(server)["silences"]
    assert [(s["rule"], s["host"], s["series"]) for s in silences] == [
        ("memory-any", "live-test", "memory.percent")
    ]
    assert 7100 < silences[0]["until"] - time.time() <= 7200
    item = page.locator(".silence-list .silence")
    assert item.count() == 1 and "rule memory-any" in item.inner_text()
    item.locator("button[data-act=end]").click()
    wait_card(page, "memory-any", "firing")
    assert _api(server)["silences"] == []
    assert page.locator(".silence-list .silence").count() == 0
    assert page.is_visible(".silence-none")


@pytest.mark.browser
@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_screenshots_without_sideways_scrolling(
    browser: Browser, server: LiveServer, artifacts: Path, scheme: str
) -> None:
    for width in (1280, 390):
        context = browser.new_context(viewport={"width": width, "height": 900},
                                      color_scheme=scheme)  # fmt: skip
        try:
            page = context.new_page()
            page.goto(server.base_url + "/alerts")
            wait_card(page, "cpu-any", "resolved")
            assert page.evaluate(NO_SIDEWAYS_JS), f"sideways scrolling at {width} px ({scheme})"
            path = artifacts / f"alerts-{width}-{scheme}.png"
            page.screenshot(path=str(path), full_page=True)
        finally:
            context.close()


@pytest.mark.browser
def test_empty_state_says_nothing_is_firing(browser: Browser, tmp_path: Path) -> None:
    (tmp_path / "alerts.toml").write_text("defaults = false\n")
    server = LiveServer(live_config(tmp_path, alerts_file=str(tmp_path / "alerts.toml"))).start()
    context, page, errors = open_page(browser)
    try:
        page.goto(server.base_url + "/alerts")
        page.wait_for_selector(".alerts-empty:not([hidden])", timeout=20_000)
        assert page.inner_text(".alerts-empty").startswith("Nothing is firing")
        assert page.inner_text("#alerts-summary") == "Nothing firing"
    finally:
        context.close()
        server.close()
    assert errors == []
