"""The live page without Dash's renderer, in headless Chromium: no renderer script, no
``_dash-layout`` round trip, plotly.js asked for from the head, and the CPU graph drawn;
links between it and the Dash pages load the page."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, Request

from app.pages import ids
from tests.browser.pageview import wait_points, wait_status
from tests.live.server import LiveServer

pytestmark = pytest.mark.browser

DASH_PARTS = ("dash_renderer", "_dash-layout", "_dash-dependencies", "_dash-update-component",
              "react", "dash_core_components", "polyfill")  # fmt: skip


def test_the_live_page_loads_no_dash_renderer_and_draws_the_cpu_graph(
    page: Page, live: LiveServer
) -> None:
    requests: list[Request] = []
    page.on("request", lambda request: requests.append(request))
    page.goto(live.base_url + "/")
    wait_points(page, 3, timeout=30)
    wait_status(page, "live")
    urls = [r.url for r in requests]
    assert [u for u in urls if any(part in u for part in DASH_PARTS)] == []
    plotly = [u for u in urls if u.endswith("plotly/package_data/plotly.min.js")]
    assert len(plotly) == 1  # once: the head's preload and the script are one request
    assert page.evaluate("() => typeof window.dash_component_api") == "undefined"
    assert page.evaluate(f"() => !!document.querySelector('#{ids.GRAPH_CPU} .main-svg')")
    assert urls.index(plotly[0]) < min(i for i, u in enumerate(urls) if "/page-bundle/" in u)


def test_links_between_the_live_page_and_dash_pages_load_the_page(
    page: Page, live: LiveServer
) -> None:
    page.goto(live.base_url + "/history")
    page.wait_for_selector(f"#{ids.NAV} a.nav-link")
    page.evaluate("() => { window.__sameDocument = true; }")
    page.click(f"#{ids.NAV} >> text=Live")
    wait_points(page, 3, timeout=30)  # a new document, served without Dash
    assert page.evaluate("() => window.__sameDocument") is None
    assert page.get_attribute(f"#{ids.NAV} a[href='/']", "aria-current") == "page"
    page.evaluate("() => { window.__sameDocument = true; }")
    page.click(f"#{ids.NAV} >> text=Hosts")
    page.wait_for_selector(".host-tile[data-host=live-test]")
    assert page.evaluate("() => window.__sameDocument") is None
    page.click(".host-tile[data-host=live-test] a.host-link")  # ./?host=NAME
    wait_points(page, 3, timeout=30)
    assert page.url.endswith("/?host=live-test")
    assert page.inner_text(f"#{ids.HOSTNAME}") == "live-test"
