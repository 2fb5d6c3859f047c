"""Benchmark: the hosts page with a fleet of 20, 200 and 1,000 hosts, in Chromium.

Run: ``.venv/bin/python -m bench.overview [--hosts 20,200,1000] [--runs 5] [--production]``

A dashboard server (in this process, the browser tests' server: fake collectors) hears every
remote host the way a web process on PostgreSQL that watches none of them does: one summary a
second each on its hub's board (the relay's summary channel), no whole sample. For each fleet
size, a fresh browser context (no cache) opens ``/hosts`` ``--runs`` times; measured from
navigation start: the first tile on screen and the first whole page of tiles (60, or the fleet
when smaller). Beside it, the bytes of one ``/api/v1/overview`` answer (a page, what the page
fetches once an interval) and the server's time to build it (median of 50 requests), and the
same for the whole fleet in one answer (``per_page=500`` pages, summed), what the page would
fetch without pages.

With ``--production`` the server is what a fleet runs instead: ``python -m app`` (gunicorn) on a
PostgreSQL database of its own, and the hosts are ``bench.fleet``'s replayed agents (their SQL,
through PgBouncer) relaying a sample a second each, which the dashboard hears on the relay's
summary channel.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
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
        return measured(server.base_url, browser, hosts, runs)
    finally:
        feed.close()


def measured(base: str, browser: Browser, hosts: int, runs: int) -> list[str]:
    """The table row of a server at ``base`` that hears ``hosts`` remote hosts."""
    wanted = min(PAGE, hosts + 1)
    loads = [load_once(browser, base, wanted) for _ in range(runs)]
    page_bytes, page_ms = answer(base, "sort=worst")
    fleet_bytes, fleet_ms = whole_fleet(base, hosts)
    return [
        str(hosts),
        f"{statistics.median(first for first, _ in loads):.0f}",
        f"{statistics.median(full for _, full in loads):.0f}",
        f"{page_bytes / 1024:.1f} KiB, {page_ms:.1f} ms",
        f"{fleet_bytes / 1024:.0f} KiB, {fleet_ms:.1f} ms",
    ]


@contextmanager
def production(hosts: int, seconds: float) -> Iterator[str]:
    """A gunicorn dashboard on PostgreSQL hearing ``hosts`` replayed agents for ``seconds``;
    yields its base URL once its overview counts them all."""
    from bench.common import PG_URL, pg_database
    from bench.fleet import pooled, simulate_in_children
    from bench.overhead import stop, wait_until
    from bench.sampler import real_samples
    from storage.engine import make_engine
    from storage.store import MetricStore
    from tests.support.servers import free_port

    with pg_database(PG_URL.split("?", 1)[0]) as url:
        engine = make_engine(url)
        MetricStore(engine).create_schema()
        engine.dispose()
        port = free_port()
        command = [sys.executable, "-m", "app", "--port", str(port), "--database-url", url,
                   "--log-level", "WARNING"]  # fmt: skip
        server = subprocess.Popen(command, start_new_session=True)
        args = argparse.Namespace(hosts=hosts, processes=2 if hosts > 200 else 1, agents="replay",
                                  seconds=seconds, batch_interval=5.0, pgbouncer=None,
                                  pool_size=10)  # fmt: skip
        try:
            base = f"http://127.0.0.1:{port}"
            wait_until(f"{base}/api/v1/latest", "seq")
            with pooled(url, args) as agents_url:
                fleet = threading.Thread(
                    target=simulate_in_children, args=(agents_url, real_samples(6)[-1], args)
                )
                fleet.start()
                try:
                    deadline = time.monotonic() + 60
                    while total_hosts(base) < hosts + 1:
                        if time.monotonic() > deadline:
                            raise RuntimeError("the dashboard never heard every host")
                        time.sleep(0.5)
                    yield base
                finally:
                    fleet.join()
        finally:
            stop(server)


def total_hosts(base: str) -> int:
    try:
        with urllib.request.urlopen(f"{base}/api/v1/overview?per_page=1") as response:
            return int(json.loads(response.read())["total"])
    except OSError:
        return 0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--hosts", default="20,200,1000", help="fleet sizes")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument(
        "--production", action="store_true", help="gunicorn on PostgreSQL, a replayed fleet"
    )
    args = parser.parse_args()
    rows = []
    with TemporaryDirectory() as folder, sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        for hosts in (int(n) for n in args.hosts.split(",")):
            if args.production:
                with production(hosts, seconds=30 + 4 * args.runs) as base:
                    rows.append(measured(base, browser, hosts, args.runs))
                continue
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
