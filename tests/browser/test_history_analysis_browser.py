"""The analysis under the history chart, in real Chromium against a real server and a
pre-filled database: the summary of each series (its p95 exact on raw samples), the day before
overlaid and its Δ columns, who used the machine (a known busy process first, with its
CPU-seconds), and what changed in the window (a known step first, added to the chart at a
click); readable at 1280 and 390 px, light and dark, with no sideways scrolling."""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from playwright.sync_api import Browser, Page
from werkzeug.serving import make_server

from analysis.reports import top_processes_report
from app import create_app
from app.config import Config
from app.pages import ids
from app.runtime.monitor import Monitor
from storage.timeparse import iso_utc
from tests.browser.conftest import open_page
from tests.browser.readability import contrast_failures, sideways_overflow
from tests.browser.test_history_browser import free_port

pytestmark = pytest.mark.browser
TIMEOUT_MS = 20_000
WINDOW_S = 1800
BASELINE_S = 4 * WINDOW_S  # what the page measures the changes against
END = float(round(time.time()) - 300)
START = END - WINDOW_S
DAY = 86400.0
BUSY = {"pid": 4242, "name": "compiler", "user": "builder", "cpu": 150.0, "rss": 3 * 2**30,
        "mem": 9.0, "cmdline": "cc -O2 big.c"}  # fmt: skip
IDLE = {"pid": 7, "name": "idled", "user": "root", "cpu": 2.0, "rss": 2**20, "mem": 0.1,
        "cmdline": "idled --quiet"}  # fmt: skip


def samples(start: float, count: int, cpu_offset: float, step_at: float) -> list[dict[str, Any]]:
    """One sample a second: cpu.total cycling 0–99 (+ ``cpu_offset``), memory noisy about 40 %,
    load.load1 stepping from 0.5 to 4 at ``step_at``, and the two processes above."""
    rng = np.random.default_rng(int(start) % 1000)
    out = []
    for i in range(count):
        ts = start + i
        load = (4.0 if ts >= step_at else 0.5) + float(rng.normal(0, 0.05))
        out.append({
            "v": 1, "host": "h1", "ts": ts, "seq": i,
            "cpu": {"total": float(i % 100) * 0.9 + cpu_offset},
            "memory": {"percent": 40.0 + float(rng.normal(0, 1)), "used": 2**30},
            "load": {"load1": load},
            "processes": {"total": 2, "top_cpu": [BUSY, IDLE], "top_mem": [BUSY, IDLE]},
        })  # fmt: skip
    return out


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Monitor]]:
    """A server over SQLite holding the window and its baseline, and the same window a day
    earlier with the CPU 10 points lower."""
    url = f"sqlite:///{tmp_path_factory.mktemp('analysis') / 'monitor.db'}"
    monitor = Monitor(Config(database_url=url, hostname="h1"))
    monitor.stop()  # serve only: no sampler adds samples of this machine
    span = int(BASELINE_S + WINDOW_S) + 1
    monitor.store.write_batch(samples(START - DAY, WINDOW_S + 1, 0.0, float("inf")))
    monitor.store.write_batch(samples(START - BASELINE_S, span, 10.0, START))
    port = free_port()
    server = make_server("127.0.0.1", port, create_app(monitor=monitor).server, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{port}", monitor
    server.shutdown()
    server.server_close()
    thread.join(10)
    monitor.store.engine.dispose()


def open_history(browser: Browser, base_url: str, width: int = 1280, height: int = 1000):
    """A fresh page on the window, drawing CPU and memory; its JavaScript errors go to the
    list returned with it."""
    context, page, errors = open_page(browser, width, height)
    query = f"host=h1&from={iso_utc(START)}&to={iso_utc(END)}&metrics=cpu.total,memory.percent"
    page.goto(f"{base_url}/history?{query}")
    summary_row(page, "cpu.total")
    return context, page, errors


def summary_row(page: Page, series: str) -> dict[str, str]:
    """The summary table's cells of ``series`` by column, once it is shown."""
    row = f"#{ids.HISTORY_SUMMARY} tr[data-series='{series}']"
    page.wait_for_selector(row, timeout=TIMEOUT_MS)
    return page.evaluate(
        "s => Object.fromEntries(Array.from(document.querySelectorAll(s + ' td[data-col]'))"
        ".map((td) => [td.dataset.col, td.textContent]))",
        row,
    )


def drawn_names(page: Page) -> list[str]:
    return page.evaluate(
        "() => (document.querySelector('#history-graph .js-plotly-plot').data || [])"
        ".filter((t) => t.meta && t.name).map((t) => t.name)"
    )


def test_summary_shows_the_exact_p95_and_compare_adds_the_day_before(
    browser: Browser, served: tuple[str, Monitor]
) -> None:
    context, page, errors = open_history(browser, served[0])
    try:
        stored = np.array([s["cpu"]["total"] for s in samples(START, WINDOW_S + 1, 10.0, START)])
        row = summary_row(page, "cpu.total")
        assert row["p95"] == f"{np.percentile(stored, 95):.1f} %"
        assert row["max"] == f"{stored.max():.1f} %" and "Δ mean" not in row
        assert "exact (raw samples)" in page.inner_text(f"#{ids.HISTORY_SUMMARY}")
        assert page.locator(f"#{ids.HISTORY_SUMMARY} th").first.inner_text() == "Series"
        assert "CPU · total (%)" in page.inner_text(f"#{ids.HISTORY_SUMMARY} tbody")

        page.locator(f"#{ids.HISTORY_COMPARE}").get_by_text("previous day").click()
        page.wait_for_function(
            "() => Array.from(document.querySelectorAll('#history-graph .scatterlayer .trace'))"
            ".length >= 4",
            timeout=TIMEOUT_MS,
        )
        page.wait_for_function(
            "() => (document.querySelector('#history-graph .js-plotly-plot').data || [])"
            ".filter((t) => t.line && t.line.dash === 'dash').length === 2",
            timeout=TIMEOUT_MS,
        )
        assert "CPU · total (day before)" in drawn_names(page)
        page.wait_for_selector(f"#{ids.HISTORY_SUMMARY} td[data-col='Δ mean']", timeout=TIMEOUT_MS)
        assert summary_row(page, "cpu.total")["Δ mean"] == "+10.0 %"  # the CPU 10 points up
    finally:
        context.close()
    assert errors == []


def test_the_busy_process_ranks_first_with_its_cpu_seconds(
    browser: Browser, served: tuple[str, Monitor]
) -> None:
    base_url, monitor = served
    context, page, errors = open_history(browser, base_url)
    try:
        expected = top_processes_report(monitor.store, "h1", START, END, sort="cpu_s", limit=5)
        busy = expected["processes"][0]
        assert busy["name"] == "compiler" and busy["cpu_s"] == pytest.approx(2700, rel=0.02)
        first = f"#{ids.HISTORY_PROCS} tbody tr.history-proc-row"
        page.wait_for_selector(first, timeout=TIMEOUT_MS)
        cells = page.locator(first).first.locator("td").all_inner_texts()
        assert cells[0].endswith("compiler") and cells[1] == f"{busy['cpu_s']:,.1f}"
        assert cells[2] == "3.00 GiB" and cells[6] == "builder"

        page.locator(f"#{ids.HISTORY_PROCS} button", has_text="Peak memory").click()
        page.wait_for_selector(f"{first} >> nth=0", timeout=TIMEOUT_MS)
        page.wait_for_function(
            "() => document.querySelector(\"#history-procs th[aria-sort='descending']\")"
            "?.textContent.startsWith('Peak memory')",
            timeout=TIMEOUT_MS,
        )
        href = page.get_attribute(f"#{ids.HISTORY_PROCS_CSV}", "href") or ""
        assert "format=csv" in href and "sort=rss_peak" in href and "host=h1" in href
        csv_text = page.evaluate("h => fetch(h).then((r) => r.text())", href)
        assert csv_text.splitlines()[1].startswith("compiler,")

        page.locator(first).first.click()  # opens its details: CPU and memory over the range
        page.wait_for_selector(".history-proc-details .history-spark", timeout=TIMEOUT_MS)
        details = page.inner_text(".history-proc-details")
        assert "cc -O2 big.c" in details and "1 process(es) of user builder" in details
        assert "CPU, up to 150.0 %" in details and "Memory, up to 3.00 GiB" in details
        page.locator(first).first.click()  # and closes them
        page.wait_for_selector(".history-proc-details", state="detached", timeout=TIMEOUT_MS)
    finally:
        context.close()
    assert errors == []


def test_what_changed_ranks_the_step_first_and_adds_it_to_the_chart(
    browser: Browser, served: tuple[str, Monitor]
) -> None:
    context, page, errors = open_history(browser, served[0])
    try:
        assert "load.load1" not in str(drawn_names(page))
        page.click(f"#{ids.HISTORY_CHANGES_RUN}")
        first = f"#{ids.HISTORY_CHANGES} li.history-change"
        page.wait_for_selector(first, timeout=TIMEOUT_MS)
        assert page.get_attribute(first, "data-series") == "load.load1"
        text = page.locator(first).first.inner_text()
        # baseline and window medians (the window's edge, set from the clock, may take in a
        # sample either side of the step: 4.00 or 4.01)
        assert re.search(r"median 0\.50\u00a0tasks → 4\.0[01]\u00a0tasks", text), text
        assert page.locator(f"{first} .history-spark").count() >= 1

        page.locator(first).first.get_by_role("button", name="Add to chart").click()
        page.wait_for_function(
            "() => (document.querySelector('#history-graph .js-plotly-plot').data || [])"
            ".some((t) => t.meta && t.meta.name === 'load.load1')",
            timeout=TIMEOUT_MS,
        )
        page.wait_for_selector(f"{first} button:has-text('On the chart')", timeout=TIMEOUT_MS)
        assert "metrics=cpu.total%2Cmemory.percent%2Cload.load1" in page.url.replace(",", "%2C")
    finally:
        context.close()
    assert errors == []


@pytest.mark.parametrize(("width", "height"), [(1280, 900), (390, 844)], ids=["1280", "390"])
def test_readable_at_either_width_light_and_dark(
    browser: Browser, served: tuple[str, Monitor], artifacts: Path, width: int, height: int
) -> None:
    context, page, errors = open_history(browser, served[0], width, height)
    try:
        page.locator(f"#{ids.HISTORY_COMPARE}").get_by_text("previous day").click()
        page.wait_for_selector(f"#{ids.HISTORY_SUMMARY} td[data-col='Δ mean']", timeout=TIMEOUT_MS)
        page.click(f"#{ids.HISTORY_CHANGES_RUN}")
        page.wait_for_selector(f"#{ids.HISTORY_CHANGES} li.history-change", timeout=TIMEOUT_MS)
        page.locator(f"#{ids.HISTORY_PROCS} tr.history-proc-row").first.click()
        page.wait_for_selector(".history-proc-details", timeout=TIMEOUT_MS)
        for scheme in ("light", "dark"):
            page.emulate_media(color_scheme=scheme)
            page.wait_for_function("t => document.documentElement.dataset.theme === t", arg=scheme)
            assert sideways_overflow(page) <= 0, scheme
            assert contrast_failures(page) == [], scheme
            shot = artifacts / f"history-analysis-{width}-{scheme}.png"
            page.screenshot(path=str(shot), full_page=True)
    finally:
        context.close()
    assert errors == []
