"""The history page for people, in real Chromium against a real server and a pre-filled
database: the metric picker lists series by label with their unit, grouped and searchable; a
percentage and a byte rate drawn together get one axis each; a custom range that does not
parse says so next to the fields; a zoom shows in the range controls; and the view lives in
the URL, so reloading it (or sharing it) opens the same view."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from playwright.sync_api import Browser, Page
from werkzeug.serving import make_server

from app import create_app
from app.config import Config
from app.pages import ids
from app.runtime.monitor import Monitor
from tests.browser.test_history_browser import free_port, info_contains, zoom
from tests.history.conftest import spiky_samples

TZ = "America/New_York"
TIMEOUT_MS = 20_000
DISK = "disks.total.read_bps"
FIGURE_JS = """() => {
  const gd = document.querySelector('#history-graph .js-plotly-plot');
  if (!gd || !gd.layout) { return null; }
  return {
    series: gd.data.filter((t) => t.meta && t.name).map((t) => [t.meta.name, t.name, t.yaxis]),
    y: (gd.layout.yaxis.title || {}).text || '',
    y2: gd.layout.yaxis2 ? { title: gd.layout.yaxis2.title.text, side: gd.layout.yaxis2.side,
                             overlaying: gd.layout.yaxis2.overlaying } : null,
    hover: gd.data.filter((t) => t.name).map((t) => t.hovertemplate),
  };
}"""


@pytest.fixture
def served(database_url: str) -> Iterator[str]:
    """A real HTTP server over a database holding the last two hours of h1, with a disk read
    rate of about 3 MiB/s beside the percentages."""
    monitor = Monitor(Config(database_url=database_url, hostname="h1"))
    monitor.stop()  # serve only: no sampler adds samples of this machine
    samples = spiky_samples(7200, t0=round(time.time() - 7200))
    for i, sample in enumerate(samples):
        sample["disks"] = {"total": {"read_bps": float(3 * 1024**2 + 1000 * (i % 60))}}
    monitor.store.write_batch(samples)
    port = free_port()
    server = make_server("127.0.0.1", port, create_app(monitor=monitor).server, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{port}"
    server.shutdown()
    server.server_close()
    thread.join(10)
    monitor.store.engine.dispose()


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(timezone_id=TZ, viewport={"width": 1280, "height": 1000})
    errors: list[str] = []
    page = context.new_page()
    page.on("pageerror", lambda error: errors.append(str(error)))
    yield page
    context.close()
    assert errors == []


def figure(page: Page) -> dict:
    """The drawn figure's series, axes and hovers, once the graph has drawn some."""
    page.wait_for_function(f"() => ({FIGURE_JS})()?.series.length > 0", timeout=TIMEOUT_MS)
    return page.evaluate(FIGURE_JS)


def query(page: Page) -> dict[str, list[str]]:
    return parse_qs(urlsplit(page.url).query)


def wait_query(page: Page, key: str, value: str) -> None:
    """Waits until the page's URL says ``key=value``."""
    page.wait_for_function(
        "([k, v]) => new URLSearchParams(location.search).get(k) === v",
        arg=[key, value],
        timeout=TIMEOUT_MS,
    )


@pytest.mark.browser
def test_picker_names_series_with_units_and_a_byte_rate_gets_its_own_axis(
    served: str, page: Page, artifacts: Path
) -> None:
    page.goto(f"{served}/history")
    info_contains(page, "points")
    assert [name for name, _, _ in figure(page)["series"]] == ["cpu.total", "memory.percent"]
    picker = f"#{ids.HISTORY_METRICS}"
    assert page.inner_text(picker).startswith("CPU · total %")  # labels, not series ids

    page.click(picker)
    options = page.locator(".dash-dropdown-option")
    options.first.wait_for(timeout=TIMEOUT_MS)
    texts = [t.replace("\n", " ") for t in options.all_inner_texts()]
    assert "CPU · total %" in " | ".join(texts) and "CPU" in texts  # a group header
    page.keyboard.type("read")  # the picker's search: by label, unit or name
    disk = options.filter(has=page.locator(f"input[value='{DISK}']"))
    disk.wait_for(timeout=TIMEOUT_MS)
    page.wait_for_function(  # only what matches "read" is left, under its group
        "() => Array.from(document.querySelectorAll('.dash-dropdown-option'))"
        ".every((o) => /read|disks/i.test(o.innerText))",
        timeout=TIMEOUT_MS,
    )
    assert disk.inner_text().replace("\n", " ") == "Disks · read B/s"
    page.screenshot(path=str(artifacts / "history-picker.png"))
    disk.click()
    page.keyboard.press("Escape")

    page.wait_for_function(f"() => ({FIGURE_JS})()?.y2 !== null", timeout=TIMEOUT_MS)
    drawn = figure(page)
    assert drawn["series"] == [
        ["cpu.total", "CPU · total", "y"],
        ["memory.percent", "Memory · in use", "y"],
        [DISK, "Disks · read", "y2"],
    ]
    assert drawn["y"] == "%" and drawn["y2"] == {
        "title": "MiB/s",
        "side": "right",
        "overlaying": "y",
    }
    assert drawn["hover"][0].startswith("%{y:.1f} %") and " MiB/s" in drawn["hover"][2]
    assert query(page)["metrics"] == [f"cpu.total,memory.percent,{DISK}"]
    page.screenshot(path=str(artifacts / "history-two-axes.png"), full_page=True)


@pytest.mark.browser
def test_a_custom_range_that_does_not_parse_says_so(served: str, page: Page) -> None:
    page.goto(f"{served}/history")
    info_contains(page, "points")
    before = page.inner_text(f"#{ids.HISTORY_INFO}")
    message = f"#{ids.HISTORY_RANGE_MESSAGE}"
    assert not page.is_visible(message)  # empty: no room taken

    page.fill(f"#{ids.HISTORY_FROM}", "banana")
    page.click(f"#{ids.HISTORY_APPLY}")
    page.wait_for_selector(f"{message}:has-text('banana')", timeout=TIMEOUT_MS)
    assert page.inner_text(message) == "From: “banana” is not a time; use YYYY-MM-DD HH:MM"
    assert page.get_attribute(message, "role") == "alert"
    assert page.inner_text(f"#{ids.HISTORY_INFO}") == before  # the view stays

    to_text = page.input_value(f"#{ids.HISTORY_TO}")
    page.fill(f"#{ids.HISTORY_FROM}", to_text)  # from == to: not a range either
    page.press(f"#{ids.HISTORY_FROM}", "Enter")
    page.wait_for_selector(f"{message}:has-text('From must be before To')", timeout=TIMEOUT_MS)

    earlier = datetime.strptime(to_text, "%Y-%m-%d %H:%M") - timedelta(hours=1)
    page.fill(f"#{ids.HISTORY_FROM}", earlier.strftime("%Y-%m-%d %H:%M"))  # an hour: fine
    page.click(f"#{ids.HISTORY_APPLY}")
    page.wait_for_selector(message, state="hidden", timeout=TIMEOUT_MS)
    info_contains(page, earlier.strftime("%Y-%m-%d %H:%M:00 –"))


@pytest.mark.browser
def test_a_zoom_shows_in_the_controls_and_the_url_reopens_the_same_view(
    served: str, page: Page
) -> None:
    page.goto(f"{served}/history")
    info_contains(page, "points")
    page.get_by_text("6h", exact=True).click()
    info_contains(page, "resampled to 15 s")
    wait_query(page, "range", "6h")
    assert query(page)["host"] == ["h1"] and "from" not in query(page)

    zoom(page, 0.70, 0.17)
    info_contains(page, "resampled to 2 s")
    checked = f"#{ids.HISTORY_PRESET} input:checked"
    page.wait_for_function("s => (document.querySelector(s) || {}).value === 'custom'", arg=checked)
    info = page.inner_text(f"#{ids.HISTORY_INFO}")
    start_text, end_text = (
        page.input_value(f"#{ids.HISTORY_FROM}"),
        page.input_value(f"#{ids.HISTORY_TO}"),
    )
    assert info.startswith(start_text) and f"– {end_text}" in info  # the fields show the zoom
    page.wait_for_function("() => new URLSearchParams(location.search).has('from')")
    assert "range" not in query(page)

    shared = page.url
    page.goto("about:blank")
    page.goto(shared)  # opened again (or by someone else): the same view
    info_contains(page, "points")
    assert page.inner_text(f"#{ids.HISTORY_INFO}") == info
    assert page.input_value(f"#{ids.HISTORY_FROM}") == start_text
    assert page.input_value(f"#{ids.HISTORY_TO}") == end_text
    assert page.evaluate(f"() => document.querySelector('{checked}').value") == "custom"
    assert [name for name, _, _ in figure(page)["series"]] == ["cpu.total", "memory.percent"]

    page.get_by_text("24h", exact=True).click()  # a preset is named as one, and reopens as one
    wait_query(page, "range", "24h")
    page.reload()
    info_contains(page, "points")
    page.wait_for_function("s => (document.querySelector(s) || {}).value === '24h'", arg=checked)
