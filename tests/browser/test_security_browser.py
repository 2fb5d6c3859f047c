"""The Content-Security-Policy in headless Chromium: every response carries it, and the live,
overview and history pages work under it without one violation or console error."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, Response

from app.pages import ids
from tests.browser.pageview import wait_points, wait_status
from tests.browser.recorders import CSP_RECORDER_JS, ConsoleErrors, recorded
from tests.live.server import LiveServer

pytestmark = pytest.mark.browser


def script_sources(policy: str) -> list[str]:
    """The sources of the policy's ``script-src`` directive."""
    for directive in policy.split(";"):
        name, *sources = directive.split()
        if name == "script-src":
            return sources
    raise AssertionError(f"no script-src in {policy!r}")


def assert_clean(page: Page, console: ConsoleErrors, where: str) -> None:
    violations = recorded(page, "__cspViolations")
    assert violations == [], f"CSP violations on {where}: {violations}"
    assert list(console) == [], f"console errors on {where}: {list(console)}"


def test_pages_run_under_the_content_security_policy(page: Page, live: LiveServer) -> None:
    page.add_init_script(CSP_RECORDER_JS)
    console = ConsoleErrors(page)
    responses: list[Response] = []
    page.on("response", lambda response: responses.append(response))

    document = page.goto(live.base_url + "/")
    assert document is not None
    policy = document.headers["content-security-policy"]
    sources = script_sources(policy)
    assert "'unsafe-inline'" not in sources and "'unsafe-eval'" not in sources
    assert "default-src 'self'" in policy and "frame-ancestors 'none'" in policy
    wait_status(page, "live", timeout=30)
    wait_points(page, 5)
    page.wait_for_selector(f"#{ids.LIVE_HOST_PICKER} option[value=live-test]", state="attached")
    assert_clean(page, console, "the live page")

    page.goto(live.base_url + "/hosts")
    page.wait_for_selector(".host-tile[data-host=live-test] img.host-spark")
    assert_clean(page, console, "the overview")

    page.goto(live.base_url + "/history")
    page.wait_for_function(
        "() => /points/.test((document.getElementById('history-info') || {}).textContent)",
        timeout=20_000,
    )
    page.wait_for_selector("#history-graph .main-svg")
    assert_clean(page, console, "the history page")

    missing = [r.url for r in responses if "content-security-policy" not in r.headers]
    assert missing == [], f"responses without a CSP: {missing}"
    assert len(responses) > 20
