"""The live page under gunicorn across a reload (SIGHUP): it is live again within two seconds.

The old worker closes the page's socket with 1001 at once; the page reconnects (its backoff
starts at a second) with ``since=`` to the new worker, which imports the app itself (the master
holds none of it) with the garbage collector off, and draws on from there without a gap in its
own samples.
"""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path

import pytest
from playwright.sync_api import Page, WebSocket

from tests.browser.pageview import graph_ts, wait_points, wait_status
from tests.support.polling import wait_for
from tests.support.servers import free_port, get_json, gunicorn

pytestmark = pytest.mark.browser

INTERVAL = 0.5
LIVE_AGAIN_WITHIN_S = 2.0


def metrics_socket(ws: WebSocket) -> bool:
    return "/ws/metrics" in ws.url


def test_the_live_page_is_live_again_within_two_seconds_of_a_reload(
    page: Page, tmp_path: Path, artifacts: Path
) -> None:
    port = free_port()
    env = {
        "MONITOR_DATABASE_URL": f"sqlite:///{tmp_path / 'monitor.db'}",
        "MONITOR_INTERVAL": str(INTERVAL),
        "MONITOR_HOSTNAME": "reload-host",
    }
    with gunicorn(port, env) as server:
        base = f"http://127.0.0.1:{port}"
        wait_for(
            lambda: "seq" in (get_json(f"{base}/api/v1/latest") or {}),
            timeout=90,
            message=f"samples\n{server.log()}",
        )
        sockets: list[WebSocket] = []
        page.on("websocket", lambda ws: sockets.append(ws) if metrics_socket(ws) else None)
        page.goto(base + "/")
        wait_points(page, 4, timeout=30)
        wait_status(page, "live")
        assert len(sockets) == 1
        before = graph_ts(page)

        closed: list[float] = []
        sockets[0].on("close", lambda _ws: closed.append(time.monotonic()))
        signalled = time.monotonic()
        with page.expect_websocket(metrics_socket, timeout=15_000) as reconnect:
            os.kill(server.popen.pid, signal.SIGHUP)
        new = reconnect.value
        reopened = time.monotonic() - signalled
        new.wait_for_event("framereceived", timeout=15_000)
        live_again = time.monotonic() - signalled
        assert sockets[0].is_closed()
        wait_status(page, "live")
        wait_points(page, len(before) + 3, timeout=15)
        page.screenshot(path=str(artifacts / "live-after-reload.png"), full_page=True)
        after = graph_ts(page)
        assert server.terminate() == 0, server.log()
        log = server.log()
    timings = (
        f"closed after {closed[0] - signalled:.2f} s, a new socket after {reopened:.2f} s, "
        f"its first frame after {live_again:.2f} s"
    )
    print(f"\nreload: {timings}")
    assert "since=" in new.url
    assert live_again <= LIVE_AGAIN_WITHIN_S, f"{timings}\n{log}"
    assert after[: len(before)] == before and after == sorted(set(after))
