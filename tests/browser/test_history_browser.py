"""The history page in a real headless Chromium against a real server and a pre-filled database:
pick a range, zoom, click a point to see its process snapshot, download the view's CSV."""

from __future__ import annotations

import csv
import io
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from playwright.sync_api import Browser, Page
from playwright.sync_api import TimeoutError as PlaywrightTimeout
from werkzeug.serving import make_server

from app import create_app
from app.config import Config
from app.runtime.monitor import Monitor
from storage.store import MetricStore
from storage.timeparse import parse_instant
from tests.history.conftest import spiky_samples

ROOT = Path(__file__).resolve().parents[2]
TZ = "America/New_York"
TIMEOUT_MS = 20_000


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def served(database_url: str) -> Iterator[tuple[str, MetricStore]]:
    """A real HTTP server over a database holding the last two hours of one host."""
    monitor = Monitor(Config(database_url=database_url, hostname="h1"))
    monitor.stop()  # serve only: no sampler adds samples of this machine
    start = time.time() - 7200
    monitor.store.write_batch(spiky_samples(7200, t0=round(start)))
    port = free_port()
    server = make_server("127.0.0.1", port, create_app(monitor=monitor).server, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{port}", monitor.store
    server.shutdown()
    server.server_close()
    thread.join(10)
    monitor.store.engine.dispose()


def info_contains(page: Page, text: str) -> None:
    page.wait_for_function(
        "t => ((document.querySelector('#history-info') || {}).textContent || '').includes(t)",
        arg=text,
        timeout=TIMEOUT_MS,
    )


def plot_area(page: Page) -> dict[str, float]:
    box = page.locator("#history-graph .nsewdrag").first.bounding_box()
    assert box is not None
    return box


def past_double_click_window(page: Page) -> None:
    """Waits until a press on the graph cannot pair with the previous one: Plotly counts a
    mousedown within ``doubleClickDelay`` (300 ms) of the last as a double-click, which resets
    the zoom, as it would for a person clicking that fast."""
    page.wait_for_function(
        """() => {
            const gd = document.querySelector('#history-graph .js-plotly-plot');
            return !!gd && Date.now() - (gd._mouseDownTime || 0) > gd._context.doubleClickDelay;
        }""",
        timeout=TIMEOUT_MS,
    )


def zoom(page: Page, left: float, width: float) -> None:
    """Drags a zoom box over ``width`` of the plot, starting at ``left`` (fractions)."""
    past_double_click_window(page)
    box = plot_area(page)
    y = box["y"] + box["height"] / 2
    x = box["x"] + box["width"] * left
    page.mouse.move(x, y)
    page.mouse.down()
    page.mouse.move(x + box["width"] * width, y, steps=8)
    page.mouse.up()


@pytest.mark.browser
def test_range_zoom_snapshot_and_download(
    served: tuple[str, MetricStore], tmp_path: Path, browser: Browser
) -> None:
    base_url, store = served
    # the session's Chromium (tests/browser/conftest.py), in a fresh context
    context = browser.new_context(
        timezone_id=TZ, accept_downloads=True, viewport={"width": 1280, "height": 1000}
    )
    try:
        page = context.new_page()
        page.goto(f"{base_url}/history")
        info_contains(page, "(America/New_York)")  # times in the browser's time zone
        info_contains(page, "points")

        # Pick a range: the last 6 hours, resampled to min/mean/max buckets.
        page.get_by_text("6h", exact=True).click()
        info_contains(page, "resampled to 15 s min/mean/max buckets")
        page.wait_for_function(  # max, min band and mean of each of the two metrics
            "() => document.querySelectorAll('#history-graph .scatterlayer .trace').length==6",
            timeout=TIMEOUT_MS,
        )

        # Zoom into about an hour of it: finer buckets, re-queried by the server.
        zoom(page, 0.70, 0.17)
        info_contains(page, "resampled to 2 s min/mean/max buckets")

        # Click a point: the stored process snapshot nearest that moment.
        box = plot_area(page)
        # A click lands on a point once Plotly has its hover data for the new zoom; a busy
        # machine may need a second click, as a person would give it.
        for attempt, fraction in enumerate((0.5, 0.45, 0.55, 0.4, 0.6)):
            box = plot_area(page)  # the figure may have been redrawn since
            x, y = box["x"] + box["width"] * fraction, box["y"] + box["height"] / 2
            page.mouse.move(x - 5, y)
            page.mouse.move(x, y, steps=4)  # hover first, as a person does: Plotly's hover
            try:  # label says which point a click will pick
                page.wait_for_selector("#history-graph .hoverlayer .hovertext", timeout=3_000)
                past_double_click_window(page)
                page.mouse.down()
                page.mouse.up()
                page.wait_for_selector("text=What was running at", timeout=5_000)
                break
            except PlaywrightTimeout:
                assert attempt < 4, "no process snapshot after 5 clicks on the graph"
        assert page.locator(".history-process-table").count() == 2
        info = page.locator("#history-info").inner_text()
        assert "resampled to 2 s" in info, f"the click reset the zoom: {info}"
        names = page.locator(".history-process-table td:nth-child(2)").all_inner_texts()
        assert names and all(name.startswith("p") for name in names)
        page.mouse.move(box["x"] + box["width"] * 0.3, box["y"] + 10)
        ROOT.joinpath("artifacts").mkdir(exist_ok=True)
        page.screenshot(path=str(ROOT / "artifacts" / "history.png"), full_page=True)

        # Zoom again into a few minutes: raw seconds.
        zoom(page, 0.40, 0.08)
        info_contains(page, "raw samples ·")
        page.wait_for_function(  # the download link follows the view (its own callback)
            "() => (document.querySelector('#history-download').getAttribute('href') || '')"
            ".includes('resolution=raw')",
            timeout=TIMEOUT_MS,
        )
        href = page.locator("#history-download").get_attribute("href") or ""
        query = parse_qs(urlsplit(href).query)
        assert query["resolution"] == ["raw"] and query["host"] == ["h1"]
        start = parse_instant(query["from"][0], time.time())
        end = parse_instant(query["to"][0], time.time())
        assert 60 < end - start <= 2000  # a zoomed window shown as raw seconds (≤ 2,000 points)

        # Download the CSV of exactly this view.
        with page.expect_download(timeout=TIMEOUT_MS) as download_info:
            page.locator("#history-download").click()
        path = tmp_path / "view.csv"
        download_info.value.save_as(path)
        rows = list(csv.reader(io.StringIO(path.read_text())))
        wanted = query["metrics"]
        assert rows[0] == ["ts", *wanted]
        frame = store.read_frame("h1", start, end, wanted)
        assert len(rows) - 1 == len(frame) > 60
        assert [float(r[1]) for r in rows[1:]] == frame[wanted[0]].tolist()
        assert rows[1][0] == frame.index[0].strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"
    finally:
        context.close()
