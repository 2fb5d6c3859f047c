"""Reading the live page from the DOM: graph points, status badge, process rows."""

from __future__ import annotations

import itertools
from typing import Any

from playwright.sync_api import Page

from app.pages import ids
from tests.live.server import LiveServer

# Epoch seconds of a graph's x values (local date strings, parsed in the page's time zone),
# without the breaks (a null drawn where samples are missing: assets/live-samples.js).
GRAPH_TS_JS = """(id) => {
  const gd = document.querySelector('#' + id + ' .js-plotly-plot');
  if (!gd || !gd.data || !gd.data.length || !gd.data[0].x) { return []; }
  const y = gd.data[0].y || gd.data[0].z || [];
  return Array.from(gd.data[0].x, (x) => new Date(String(x).replace(' ', 'T')).getTime() / 1000)
    .filter((_t, i) => y[i] !== null);
}"""

LAST_TS_AT_LEAST_JS = f"""([id, ts]) => {{
  const values = ({GRAPH_TS_JS})(id);
  return values.length > 0 && values[values.length - 1] >= ts - 1e-6;
}}"""

POINTS_AT_LEAST_JS = f"""([id, n]) => ({GRAPH_TS_JS})(id).length >= n"""

STATUS_JS = f"""(kind) => {{
  const badge = document.getElementById('{ids.LIVE_STATUS}');
  return !!badge && badge.classList.contains('status--' + kind);
}}"""

ROWS_JS = f"""() => Array.from(document.querySelectorAll('#{ids.PROC_TABLE} tbody tr'), (tr) => ({{
  pid: Number(tr.dataset.pid), name: tr.cells[1].textContent, user: tr.cells[2].textContent,
  cpu: Number(tr.cells[3].textContent), expanded: tr.classList.contains('expanded'),
  command: tr.cells[8].title,
}}))"""


def graph_ts(page: Page, graph_id: str = ids.GRAPH_CPU) -> list[float]:
    return [round(t, 3) for t in page.evaluate(GRAPH_TS_JS, graph_id)]


def wait_points(page: Page, count: int, graph_id: str = ids.GRAPH_CPU, timeout: float = 10) -> None:
    page.wait_for_function(POINTS_AT_LEAST_JS, arg=[graph_id, count], timeout=timeout * 1000)


def wait_caught_up(
    page: Page, ts: float, graph_id: str = ids.GRAPH_CPU, timeout: float = 10
) -> None:
    """Waits until the graph's newest point is at least ``ts``."""
    page.wait_for_function(LAST_TS_AT_LEAST_JS, arg=[graph_id, ts], timeout=timeout * 1000)


def wait_status(page: Page, kind: str, timeout: float = 10) -> str:
    """Waits for the badge to be ``kind`` (live, reconnecting, stale, paused, polling)."""
    page.wait_for_function(STATUS_JS, arg=kind, timeout=timeout * 1000)
    return page.inner_text(f"#{ids.LIVE_STATUS}")


def rows(page: Page) -> list[dict[str, Any]]:
    return page.evaluate(ROWS_JS)


def open_live(page: Page, server: LiveServer, min_points: int = 5) -> None:
    page.goto(server.base_url + "/")
    wait_points(page, min_points, timeout=30)
    wait_status(page, "live")


def assert_gapless(points: list[float], server: LiveServer) -> None:
    """``points`` are exactly the hub's samples between their first and last: no gap, no
    duplicate, in order, one interval apart wherever the sampler skipped no tick."""
    assert points, "no points"
    messages = [m for m in server.monitor.hub.backlog() if points[0] <= m.ts <= points[-1]]
    assert points == [round(m.ts, 3) for m in messages]
    interval = server.config.interval
    for before, after in itertools.pairwise(messages):
        assert round(after.ts - before.ts, 3) == round(interval * (after.seq - before.seq), 3)
