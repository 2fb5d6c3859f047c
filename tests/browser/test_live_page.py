"""The live page in headless Chromium: live updates, reconnects, pause, process table, polling.

Tests taking the ``shared`` fixture use one page and server and run in file order; the last of
them stops the sampler.
"""

from __future__ import annotations

import json
import re
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import Page, WebSocket

from app.pages import ids
from tests.browser.conftest import TIMEZONE
from tests.browser.pageview import (
    assert_gapless,
    graph_ts,
    open_live,
    rows,
    wait_caught_up,
    wait_points,
    wait_status,
)
from tests.browser.proxy import NoUpgradeProxy
from tests.live.server import LiveServer
from tests.support.polling import wait_for

pytestmark = pytest.mark.browser

FIRST_POINT_JS = f"""() => {{
  const gd = document.querySelector('#{ids.GRAPH_CPU} .js-plotly-plot');
  return gd && gd.data && gd.data.length && gd.data[0].x.length > 0 && performance.now();
}}"""

# The badge's text once it is of a kind, read in the same instant: it may change right after
# (Polling and Reconnecting alternate when a poll is slower than the polling window allows, Live
# and Stale when a sample is late), so reading it in a second call would race.
STATUS_TEXT_JS = f"""(kind) => {{
  const badge = document.getElementById('{ids.LIVE_STATUS}');
  return !!badge && badge.classList.contains('status--' + kind) && badge.textContent;
}}"""

# Bytes of the page load as transferred (headers and compressed bodies) and as decoded.
TRANSFER_JS = """() => {
  const entries = performance.getEntriesByType('navigation')
    .concat(performance.getEntriesByType('resource'));
  return {
    requests: entries.length,
    transfer: entries.reduce((sum, e) => sum + e.transferSize, 0),
    decoded: entries.reduce((sum, e) => sum + e.decodedBodySize, 0),
  };
}"""


def status_text(page: Page, kind: str, timeout: float = 10) -> str:
    """Waits for the badge to be ``kind`` and returns its text of that moment."""
    handle = page.wait_for_function(STATUS_TEXT_JS, arg=kind, timeout=timeout * 1000)
    return handle.json_value()


def test_first_load_goes_live_and_draws_every_interval(
    page: Page, live: LiveServer, artifacts: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    page.goto(live.base_url + "/")
    first_point_ms = page.wait_for_function(FIRST_POINT_JS, polling="raf", timeout=30_000)
    first_point_ms = first_point_ms.json_value()
    wire = page.evaluate(TRANSFER_JS)
    assert status_text(page, "live") == "Live"

    # a new point each interval, exactly the samples the hub published
    start = len(graph_ts(page))
    wait_points(page, start + 5)
    points = graph_ts(page)
    assert_gapless(points, live)
    assert points[0] == round(live.monitor.hub.backlog()[0].ts, 3)  # the backlog came first

    # times in the browser's zone; the per-core heatmap has a row per core
    last = live.monitor.hub.backlog()[len(points) - 1]
    local = datetime.fromtimestamp(last.ts, ZoneInfo(TIMEZONE)).strftime("%Y-%m-%d %H:%M:%S.%f")
    plot = "document.querySelector('#{} .js-plotly-plot').data[0]"
    x_values = page.evaluate(f"() => {plot.format(ids.GRAPH_CPU)}.x")
    assert x_values[len(points) - 1] == local[:-3]
    assert page.evaluate(f"() => {plot.format(ids.GRAPH_CORES)}.z.at(-1).length") == 8
    assert page.inner_text(f"#{ids.HOSTNAME}") == "live-test"
    assert re.fullmatch(r"\d+\.\d %", page.inner_text(f"#{ids.CPU_VALUE}"))
    assert page.inner_text(f"#{ids.MEM_DETAIL}") == "8.00 GiB of 16.0 GiB"
    assert page.is_visible(f"#{ids.PANEL_TEMP}") and page.is_visible(f"#{ids.PANEL_GPU}")
    assert page.inner_text(f"#{ids.LIVE_HEALTH}").count("\n") >= 7

    assert wire["transfer"] < wire["decoded"] / 3  # compressed on the wire
    page.screenshot(path=str(artifacts / "live.png"), full_page=True)
    page.set_viewport_size({"width": 390, "height": 844})
    page.wait_for_function(
        f"() => document.querySelector('#{ids.GRAPH_CPU} .main-svg').getAttribute('width') < 400"
    )
    # Every graph follows the resize (Plotly debounces it): then no sideways scroll at all.
    page.wait_for_function("() => document.documentElement.scrollWidth <= 390", timeout=15_000)
    page.screenshot(path=str(artifacts / "live-mobile.png"), full_page=True)

    report = {
        "first_load_bytes_on_wire": wire["transfer"],
        "first_load_bytes_decoded": wire["decoded"],
        "first_load_requests": wire["requests"],
        "navigation_to_first_live_point_ms": round(first_point_ms),
    }
    (artifacts / "first-load.json").write_text(json.dumps(report, indent=2) + "\n")
    with capsys.disabled():
        print(
            f"\nfirst load: {wire['transfer'] / 1024:.0f} KiB on the wire "
            f"({wire['decoded'] / 1024:.0f} KiB decoded, {wire['requests']} requests); "
            f"navigation to first live point: {first_point_ms:.0f} ms"
        )


def test_process_table_sorts_filters_and_keeps_rows_by_pid(shared: tuple[Page, LiveServer]) -> None:
    page, _live = shared
    table = f"#{ids.PROC_TABLE}"
    page.wait_for_selector(f"{table} tbody tr")
    cpu = [r["cpu"] for r in rows(page)]
    assert len(cpu) == 6 and cpu == sorted(cpu, reverse=True)  # by CPU, highest first

    page.click(f"{table} th button[data-key=name]")
    names = [r["name"] for r in rows(page)]
    assert names == sorted(names)
    page.click(f"{table} th button[data-key=name]")
    assert [r["name"] for r in rows(page)] == sorted(names, reverse=True)
    assert page.get_attribute(f"{table} th.col-name", "aria-sort") == "descending"

    # the row of pid 303 is one element that keeps its place and state across samples
    row = f"{table} tr[data-pid='303']"
    page.click(f"{row} td.col-name")
    page.eval_on_selector(row, "(tr) => { tr.dataset.mark = 'same-element'; }")
    time_now = page.inner_text(f"#{ids.SAMPLE_TIME}")
    page.wait_for_function(
        "([id, before]) => document.getElementById(id).textContent !== before",
        arg=[ids.SAMPLE_TIME, time_now],
    )
    python = next(r for r in rows(page) if r["pid"] == 303)
    assert python["expanded"] and python["command"].endswith("--verbose ")
    assert page.get_attribute(row, "data-mark") == "same-element"
    assert [r["name"] for r in rows(page)] == sorted(names, reverse=True)

    page.fill(f"#{ids.PROC_FILTER}", "alice")
    page.wait_for_function(f"() => document.querySelectorAll('{table} tbody tr').length === 2")
    assert {r["user"] for r in rows(page)} == {"alice"}
    page.fill(f"#{ids.PROC_FILTER}", "postgresql")  # matches the command line
    page.wait_for_function(f"() => document.querySelectorAll('{table} tbody tr').length === 1")
    assert rows(page)[0]["pid"] == 101
    page.fill(f"#{ids.PROC_FILTER}", "no such process")
    page.wait_for_function(f"() => document.querySelectorAll('{table} tbody tr').length === 0")
    assert "No process matches" in page.inner_text(table)
    page.fill(f"#{ids.PROC_FILTER}", "")
    page.wait_for_function(f"() => document.querySelectorAll('{table} tbody tr').length === 6")


def test_pause_freezes_the_view_and_resume_catches_up(shared: tuple[Page, LiveServer]) -> None:
    page, live = shared
    wait_status(page, "live")
    hub = live.monitor.hub
    page.click(f"#{ids.LIVE_PAUSE}")
    wait_status(page, "paused")
    assert page.inner_text(f"#{ids.LIVE_PAUSE}") == "Resume"
    frozen, frozen_time = graph_ts(page), page.inner_text(f"#{ids.SAMPLE_TIME}")
    published = hub.published
    wait_for(lambda: hub.published >= published + 5, message="samples while paused")
    page.wait_for_function(
        "(id) => /Paused · ([3-9]|\\d\\d+) new/.test(document.getElementById(id).textContent)",
        arg=ids.LIVE_STATUS,
    )
    assert graph_ts(page) == frozen  # samples arrived, the view did not move
    assert page.inner_text(f"#{ids.SAMPLE_TIME}") == frozen_time

    page.click(f"#{ids.LIVE_PAUSE}")
    wait_status(page, "live")
    wait_caught_up(page, hub.latest().ts)
    resumed = graph_ts(page)
    assert resumed[: len(frozen)] == frozen and len(resumed) >= len(frozen) + 5
    assert_gapless(resumed, live)

    page.click("#live-window label:has-text('15 min')")  # a wider window redraws the figure
    wait_caught_up(page, hub.latest().ts)
    assert graph_ts(page)[: len(resumed)] == resumed


def test_reconnects_after_a_restart_and_fills_the_gap(shared: tuple[Page, LiveServer]) -> None:
    page, live = shared
    urls: list[str] = []
    page.on("websocket", lambda ws: urls.append(ws.url))
    wait_status(page, "live")
    hub = live.monitor.hub
    live.stop_http()
    text = status_text(page, "reconnecting")
    assert re.search(r"attempt \d+, (next try in \d+ s|trying now)", text)
    published = hub.published
    wait_for(lambda: hub.published >= published + 4, message="samples while the server is down")
    live.start()  # the same port
    wait_status(page, "live", timeout=20)
    wait_caught_up(page, hub.latest().ts)
    points = graph_ts(page)
    assert len(points) == len(set(points))
    assert_gapless(points, live)
    assert len(urls) >= 1 and re.search(r"since=[\d.]+&r=\d+$", urls[-1])


def test_stale_when_samples_stop_on_an_open_socket(shared: tuple[Page, LiveServer]) -> None:
    page, live = shared
    wait_status(page, "live")
    live.monitor.sampler.stop()  # the socket stays open; no sample comes
    assert status_text(page, "stale").startswith("Stale · no sample for")


def test_polls_the_rest_api_when_the_socket_cannot_open(page: Page, live: LiveServer) -> None:
    proxy = NoUpgradeProxy(("127.0.0.1", live.port))
    try:
        page.goto(f"http://127.0.0.1:{proxy.port}/")
        text = status_text(page, "polling", timeout=20)
        assert "WebSocket unavailable" in text and proxy.refused >= 3
        count = len(graph_ts(page))
        wait_points(page, count + 3)  # samples keep coming, one poll per interval
        points = graph_ts(page)
        assert len(points) == len(set(points)) and points == sorted(points)
        before = page.inner_text(f"#{ids.SAMPLE_TIME}")
        page.wait_for_function(
            "([id, b]) => document.getElementById(id).textContent !== b",
            arg=[ids.SAMPLE_TIME, before],
        )
    finally:
        proxy.close()


def test_the_page_owns_one_socket_and_closes_it_when_left(page: Page, live: LiveServer) -> None:
    """The page opens the metrics socket itself (no Dash component, window.WebSocket is the
    browser's own) and closes it when another page is shown (a full load: the live page is
    not a Dash page); the server sees it closed."""
    sockets: list[WebSocket] = []
    page.on("websocket", lambda ws: sockets.append(ws))
    open_live(page, live)
    assert page.evaluate("() => /\\[native code\\]/.test(String(window.WebSocket))")
    metrics = [ws for ws in sockets if "/ws/metrics?" in ws.url]
    assert len(metrics) == 1 and not metrics[0].is_closed()
    assert len(live.sockets) == 1
    page.click(f"#{ids.NAV} >> text=Hosts")
    page.wait_for_selector(".host-tile")
    wait_for(lambda: len(live.sockets) == 0, timeout=5, message="the live socket closed")
    page.go_back()  # a new rendering of the live page: a new socket, the whole backlog again
    wait_status(page, "live", timeout=20)
    metrics = [ws for ws in sockets if "/ws/metrics?" in ws.url]
    assert len(metrics) == 2 and "since=" not in metrics[1].url
