"""Benchmark: the hosts page with a fleet of 20, 200 and 1,000 hosts, in Chromium.

Run: ``.venv/bin/python -m bench.overview [--hosts 20,200,1000] [--runs 5]``

A dashboard server (in this process, the browser tests' server: fake collectors) hears every
remote host the way a web process on PostgreSQL that watches none of them does: one summary a
second each on its hub's board (the relay's summary channel), no whole sample. For each fleet
size, a fresh browser context (no cache) opens ``/hosts`` ``--runs`` times; measured from
navigation start: the first tile on screen and the first whole page of tiles (60, or the fleet
when smaller). Beside it, the bytes of one ``/api/v1/overview`` answer (a page, what the page
fetches once an interval) and the server's time to build it (median of 50 requests), and the
same for the whole fleet in one answer (``per_page=500`` pages, summed), what the page would
fetch without pages.
"""

from __future__ import annotations

import argparse
import statistics
import time
import urllib.request
from pathlib import Path
from tempfile import TemporaryDirectory

from playwright.sync_api import Browser, sync_playwright

from bench.common import machine, table
from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS, start_server
from tests.live.server import LiveServer
from tests.support.summary_feed import SummaryFeed

PAGE = 60
MARKS = """
(() => {
  const marks = (window.__overview = {});
  const look = () => {
    const n = document.querySelectorAll('.host-tile').length;
    if (n && marks.first === undefined) { marks.first = performance.now(); }
    if (n >= window.__wanted && marks.full === undefined) { marks.full = performance.now(); }
    if (marks.full === undefined) { requestAnimationFrame(look); }
  };
  requestAnimationFrame(look);
})();
"""


def load_once(browser: Browser, url: str, wanted: int) -> tuple[float, float]:
    """ms from navigation start to the first tile and to ``wanted`` tiles."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    try:
        page = context.new_page()
        page.add_init_script(f"window.__wanted = {wanted};" + MARKS)
        page.goto(url + "/hosts")
        page.wait_for_function("() => window.__overview.full !== undefined", timeout=60_000)
        marks = page.evaluate("window.__overview")
        return marks["first"], marks["full"]
    finally:
        context.close()


def answer(url: str, query: str) -> tuple[int, float]:
    """Bytes of one overview answer and the median ms of 50 requests for it."""
    times, size = [], 0
    for _ in range(50):
        started = time.perf_counter()
        with urllib.request.urlopen(f"{url}/api/v1/overview?{query}") as response:
            size = len(response.read())
        times.append((time.perf_counter() - started) * 1000)
    return size, statistics.median(times)


def whole_fleet(url: str, hosts: int) -> tuple[int, float]:
    """Bytes and ms of every host in answers of 500 (the pages summed)."""
    size = spent = 0.0
    for page in range(1, hosts // 500 + 2):
        got = answer(url, f"per_page=500&page={page}")
        size, spent = size + got[0], spent + got[1]
    return int(size), spent


def measure(server: LiveServer, browser: Browser, hosts: int, runs: int) -> list[str]:
    names = [f"edge-{i:04d}" for i in range(hosts)]
    feed = SummaryFeed(server.monitor.hub, names)
    try:
        deadline = time.monotonic() + 30
        while len(server.monitor.hub.summaries.hosts()) < hosts + 1:
            if time.monotonic() > deadline:
                raise RuntimeError("the board never held every host")
            feed.stopped.wait(0.1)
        wanted = min(PAGE, hosts + 1)
        loads = [load_once(browser, server.base_url, wanted) for _ in range(runs)]
        page_bytes, page_ms = answer(server.base_url, "sort=worst")
        fleet_bytes, fleet_ms = whole_fleet(server.base_url, hosts)
    finally:
        feed.close()
    return [
        str(hosts),
        f"{statistics.median(first for first, _ in loads):.0f}",
        f"{statistics.median(full for _, full in loads):.0f}",
        f"{page_bytes / 1024:.1f} KiB, {page_ms:.1f} ms",
        f"{fleet_bytes / 1024:.0f} KiB, {fleet_ms:.1f} ms",
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--hosts", default="20,200,1000", help="fleet sizes")
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    rows = []
    with TemporaryDirectory() as folder, sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        for hosts in (int(n) for n in args.hosts.split(",")):
            server = start_server(Path(folder) / str(hosts))
            try:
                rows.append(measure(server, browser, hosts, args.runs))
            finally:
                server.close()
        browser.close()
    print(f"machine: {machine()}\n")
    headers = ["remote hosts", "first tile ms", "a page of tiles ms",
               "one poll (a page, worst first)", "the whole fleet, unpaged"]  # fmt: skip
    print(table(headers, rows))


if __name__ == "__main__":
    main()
