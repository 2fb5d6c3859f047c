"""The history page opened from an alert's link, in real Chromium against a real server: it
opens zoomed on the link's window and draws the rule's thresholds and the stored alert period."""

from __future__ import annotations

import time
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Browser

from app.alerts.evidence import history_link
from storage.alert_events import AlertEventStore
from storage.store import MetricStore
from tests.browser.test_history_browser import info_contains, served  # noqa: F401 (fixture)

SHAPES_JS = """() => {
  const gd = document.querySelector('#history-graph .js-plotly-plot');
  return ((gd && gd.layout && gd.layout.shapes) || []).map((s) => ({
    type: s.type, y0: s.y0, dash: (s.line || {}).dash || '', fill: s.fillcolor || '',
    x0: s.x0, x1: s.x1 }));
}"""


@pytest.mark.browser
def test_alert_link_opens_zoomed_with_threshold_lines_and_band(
    served: tuple[str, MetricStore],  # noqa: F811
    browser: Browser,
    artifacts,
) -> None:
    base_url, store = served
    now = time.time()
    fired, resolved = now - 3600, now - 3000
    base = {"rule": "cpu", "host": "h1", "series": "cpu.total", "severity": "warning",
            "value": 93.0, "threshold": 90.0, "since": fired - 300}  # fmt: skip
    AlertEventStore(store.engine).record(
        [{**base, "ts": fired, "kind": "firing"}, {**base, "ts": resolved, "kind": "resolved"}]
    )
    link = history_link("", "h1", fired - 900, resolved + 900)
    context = browser.new_context(timezone_id="UTC", viewport={"width": 1280, "height": 900})
    try:
        page = context.new_page()
        page.goto(base_url + link)
        start = urlsplit(link).query.split("from=")[1].split("&")[0].replace("%3A", ":")
        info_contains(page, start[:16].replace("T", " "))  # the view starts at the link's from
        page.wait_for_function(f"() => ({SHAPES_JS})().length >= 3", timeout=20_000)
        shapes = page.evaluate(SHAPES_JS)
        lines = sorted(s["y0"] for s in shapes if s["type"] == "line" and s["dash"] == "dash")
        assert lines == [90, 90, 97, 98]  # default rules: cpu 90/98, memory 90/97
        bands = [s for s in shapes if s["type"] == "rect"]
        assert len(bands) == 1 and bands[0]["fill"].startswith("rgba(217,119,6")
        assert (
            page.locator(
                "#history-graph .layer-below path, #history-graph .shapelayer path"
            ).count()
            >= 1
        )
        assert page.input_value("#history-from") == start[:16].replace("T", " ")
        page.screenshot(path=str(artifacts / "history-alert-band.png"), full_page=True)
    finally:
        context.close()
