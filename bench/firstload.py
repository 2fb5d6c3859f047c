"""Benchmark: the live page's first load in Chromium, against Glances' web UI in the same run.

Run: ``make bench-env`` once (Glances 4.5 in .bench-venv), then
``.venv/bin/python -m bench.firstload [--runs 3] [--no-glances] [--warm-up SECONDS]``

For each page, a fresh browser context (no cache) loads it ``--runs`` times on loopback and as
many times on Chromium's "Fast 3G" profile (562.5 ms round trip, 1.44 Mbit/s down, 675 kbit/s
up). Measured, from navigation start:

- bytes on the wire: the sum of every HTTP response's encoded length (headers and compressed
  body, from the DevTools protocol), and the requests, until the first graph point (the page's
  own load; later polls are not counted);
- WebSocket bytes: the payload of the live frames received by then (as decompressed);
- DOMContentLoaded;
- first card value: the first time a card shows a number instead of its placeholder;
- first graph point: the first time the CPU graph holds a point;
- on the way: when the page created its WebSocket and when the first frame arrived (DevTools
  protocol timestamps against the document's request), which splits the time between Dash's
  start and the stream.

For Glances (a text UI without graphs) the first value is the first time its CPU figure shows.
Reported: the median of the runs of each.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from tempfile import TemporaryDirectory

from playwright.sync_api import Browser, Page, sync_playwright

from bench.common import machine, table
from bench.overhead import glances, serve_dashboard
from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS
from tests.support.servers import ROOT

FAST_3G = {"latency": 562.5, "downloadThroughput": 1_440_000 / 8, "uploadThroughput": 675_000 / 8}
TIMEOUT_MS = 60_000
# Records, on the page's own clock (ms since navigation start), when each milestone first holds.
MILESTONES = """
(() => {
  const marks = (window.__firstload = {});
  const checks = {
    card: () => [...document.querySelectorAll('.card-value')].some(
      (el) => /\\d/.test(el.textContent)),
    point: () => {
      const gd = document.querySelector('#graph-cpu .js-plotly-plot');
      return !!(gd && gd.data && gd.data.some((t) => (t.x || []).length > 0));
    },
    glances_value: () => /CPU[^\\d]{0,40}\\d+(\\.\\d+)?\\s*%/.test(
      document.body ? document.body.innerText : ''),
  };
  const poll = () => {
    for (const [name, check] of Object.entries(checks)) {
      if (!(name in marks)) { try { if (check()) { marks[name] = performance.now(); } }
        catch (e) { /* not there yet */ } }
    }
    if (Object.keys(marks).length < Object.keys(checks).length) { requestAnimationFrame(poll); }
  };
  requestAnimationFrame(poll);
})();
"""


@dataclass
class Load:
    """One page load's figures."""

    wire_bytes: int = 0
    requests: int = 0
    ws_bytes: int = 0
    dom_content_loaded_ms: float = 0.0
    first_value_ms: float | None = None
    first_point_ms: float | None = None
    started: float | None = None  # DevTools timestamp of the document's request (seconds)
    socket_ms: float | None = None  # the page's WebSocket handshake was sent
    first_frame_ms: float | None = None  # the first live frame arrived
    by_url: dict[str, int] = field(default_factory=dict)


def load_once(browser: Browser, url: str, milestone: str, throttled: bool) -> Load:
    """Loads ``url`` in a fresh context until ``milestone`` ("point" or "glances_value")."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    try:
        page = context.new_page()
        page.add_init_script(MILESTONES)
        cdp = context.new_cdp_session(page)
        cdp.send("Network.enable")
        cdp.send("Network.setCacheDisabled", {"cacheDisabled": True})
        if throttled:
            cdp.send("Network.emulateNetworkConditions", {"offline": False, **FAST_3G})
        load, urls = Load(), {}
        counting = [True]
        cdp.on("Network.requestWillBeSent", lambda e: _sent(load, urls, e))
        cdp.on("Network.loadingFinished", lambda e: _count(load, urls, e, counting))
        cdp.on("Network.webSocketFrameReceived", lambda e: _count_frame(load, e, counting))
        cdp.on(
            "Network.webSocketWillSendHandshakeRequest",
            lambda e: _socket_event(load, "socket_ms", e),
        )
        page.goto(url, wait_until="domcontentloaded", timeout=TIMEOUT_MS)
        page.wait_for_function(
            f"() => window.__firstload && '{milestone}' in window.__firstload",
            timeout=TIMEOUT_MS,
        )
        counting[0] = False
        marks = page.evaluate("() => window.__firstload")
        load.dom_content_loaded_ms = _dom_content_loaded(page)
        if milestone == "point":
            load.first_value_ms, load.first_point_ms = marks.get("card"), marks["point"]
        else:
            load.first_value_ms = marks[milestone]
        return load
    finally:
        context.close()


def _count(load: Load, urls: dict, event: dict, counting: list[bool]) -> None:
    if not counting[0]:
        return
    sent = urls.get(event["requestId"], {})
    url = sent.get("request", {}).get("url", "?").split("?")[0]
    size = int(event.get("encodedDataLength", 0))
    load.wire_bytes += size
    load.requests += 1
    load.by_url[url] = load.by_url.get(url, 0) + size


def _sent(load: Load, urls: dict, event: dict) -> None:
    urls[event["requestId"]] = event
    if load.started is None and event.get("type") == "Document":
        load.started = float(event["timestamp"])


def _socket_event(load: Load, name: str, event: dict) -> None:
    """Keeps the first time of a WebSocket event, in ms after the document's request."""
    if getattr(load, name) is None and load.started is not None and "timestamp" in event:
        setattr(load, name, (float(event["timestamp"]) - load.started) * 1000)


def _count_frame(load: Load, event: dict, counting: list[bool]) -> None:
    _socket_event(load, "first_frame_ms", event)
    if counting[0]:
        load.ws_bytes += len(event["response"].get("payloadData", ""))


def _dom_content_loaded(page: Page) -> float:
    return float(
        page.evaluate(
            "() => performance.getEntriesByType('navigation')[0].domContentLoadedEventEnd"
        )
    )


def median(values: list[float | None]) -> float | None:
    present = [v for v in values if v is not None]
    return statistics.median(present) if present else None


def summarise(name: str, loads: list[Load]) -> list[object]:
    def ms(value: float | None) -> str:
        return "–" if value is None else f"{value:.0f} ms"

    return [
        name,
        f"{median([float(x.wire_bytes) for x in loads]) / 1024:.0f} KiB",
        f"{median([float(x.requests) for x in loads]):.0f}",
        f"{median([float(x.ws_bytes) for x in loads]) / 1024:.0f} KiB",
        ms(median([x.dom_content_loaded_ms for x in loads])),
        ms(median([x.socket_ms for x in loads])),
        ms(median([x.first_frame_ms for x in loads])),
        ms(median([x.first_value_ms for x in loads])),
        ms(median([x.first_point_ms for x in loads])),
    ]


@contextmanager
def pages(with_glances: bool, warm_up: float = 0.0) -> Iterator[list[tuple[str, str, str]]]:
    """(name, url, milestone) of each page to load, with their servers running (the
    dashboard for ``warm_up`` seconds first, so that its backlog holds that many samples)."""
    with (
        TemporaryDirectory() as folder,
        serve_dashboard(Path(folder), ROOT, "firstload") as (_pid, port),
    ):
        time.sleep(warm_up)  # a server that has run a while: its backlog is full
        ours = [("this dashboard", f"http://127.0.0.1:{port}/", "point")]
        if not with_glances:
            yield ours
            return
        with glances() as (_gpid, base):
            theirs = ("Glances 4.5 web UI", base.removesuffix("/api/4") + "/", "glances_value")
            yield [*ours, theirs]


def run(
    runs: int, with_glances: bool, warm_up: float = 0.0, report: Callable[[str], None] = print
) -> None:
    rows, biggest = [], {}
    with sync_playwright() as playwright, pages(with_glances, warm_up) as targets:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True
        )
        for name, url, milestone in targets:
            load_once(browser, url, milestone, throttled=False)  # warm the server's caches
            for throttled in (False, True):
                loads = [load_once(browser, url, milestone, throttled) for _ in range(runs)]
                rows.append(summarise(f"{name}, {'Fast 3G' if throttled else 'loopback'}", loads))
                if not throttled:
                    biggest[name] = sorted(loads[0].by_url.items(), key=lambda kv: -kv[1])[:6]
        browser.close()
    headers = [
        "page",
        "wire",
        "requests",
        "WebSocket",
        "DOMContentLoaded",
        "socket opened",
        "first frame",
        "first value",
        "first point",
    ]
    served = f"; the dashboard served {warm_up:.0f} s before the loads" if warm_up else ""
    report(f"Machine: {machine()}; medians of {runs} loads each{served}\n")
    report(table(headers, rows))
    for name, items in biggest.items():
        report(f"\nLargest responses of {name} (encoded):")
        for url, size in items:
            report(f"  {size / 1024:7.1f} KiB  {url.split('/', 3)[-1][:90]}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--no-glances", action="store_true", help="measure this dashboard only")
    parser.add_argument(
        "--warm-up",
        type=float,
        default=0.0,
        metavar="SECONDS",
        help="let the dashboard sample this long first (900: a full 15-minute backlog)",
    )
    args = parser.parse_args()
    if args.runs < 1:
        parser.error("--runs must be at least 1")
    if args.warm_up < 0:
        parser.error("--warm-up must be 0 or more seconds")
    run(args.runs, not args.no_glances, args.warm_up)


if __name__ == "__main__":
    sys.exit(main())
