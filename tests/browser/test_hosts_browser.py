"""The fleet in headless Chromium: the overview's tiles, a host that stops reporting, a tile that
opens the live page following a remote host, and the host picker switching back in place.

Remote hosts are simulated the way their samples reach a web process on PostgreSQL: published
into the server's hub, one per interval, from a thread (tests/live/remote.py).
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Page

from app.pages import ids
from tests.browser.conftest import start_server
from tests.browser.pageview import graph_ts, wait_points, wait_status
from tests.browser.recorders import (
    HEALTH_HEIGHTS_JS,
    STATUS_RECORDER_JS,
    ConsoleErrors,
    recorded,
)
from tests.live.remote import RemoteAgents, RemoteHost, remote_sample
from tests.live.server import LiveServer

pytestmark = pytest.mark.browser

LOCAL = "live-test"  # the server's own host (tests/live/server.py)
REMOTE = "edge-a"  # keeps reporting, once a second (five times slower than the server)
GONE = "edge-b"  # stops reporting during the test
NEW = "edge-c"  # starts reporting while the page is open
REMOTE_CPU = 4.5  # the local fake host's CPU is 10–99 %: these values are the remote's
REMOTE_BACKLOG = 30

TILES_JS = """() => Array.from(document.querySelectorAll('.host-tile'), (tile) => ({
  host: tile.dataset.host, down: tile.classList.contains('host-down'), text: tile.innerText,
}))"""

FIRST_POINTS_JS = f"""() => {{
  const gd = document.querySelector('#{ids.GRAPH_CPU} .js-plotly-plot');
  const n = gd && gd.data && gd.data.length ? gd.data[0].x.length : 0;
  return n >= {REMOTE_BACKLOG} && n;
}}"""

CPU_Y_JS = f"() => document.querySelector('#{ids.GRAPH_CPU} .js-plotly-plot').data[0].y"
CORE_ROWS_JS = f"""() =>
  document.querySelector('#{ids.GRAPH_CORES} .js-plotly-plot').data[0].z.at(-1).length"""
PICKER = "#live-host-picker select"

# Werkzeug's dev server (these tests' server, not gunicorn) writes an HTTP response after the
# WebSocket's close frame, which Chromium reports for every socket the page closes itself.
CLOSED_SOCKET_NOISE = re.compile(r"^WebSocket connection to '\S+' failed: Invalid frame header")
OPTIONS_JS = f"""() => Array.from(document.querySelectorAll('{PICKER} option'),
  (o) => [o.value, o.textContent])"""


@pytest.fixture
def fleet(tmp_path: Path) -> Iterator[tuple[LiveServer, RemoteAgents]]:
    """The server (host ``live-test``) and two remote agents publishing into its hub."""
    server = start_server(tmp_path)
    agents = RemoteAgents(
        server.monitor.hub,
        [
            RemoteHost(REMOTE, interval=1.0, cpu=REMOTE_CPU, backlog=REMOTE_BACKLOG),
            RemoteHost(GONE, interval=0.2, cpu=33.0, backlog=5),
        ],
    )
    yield server, agents
    agents.close()
    server.close()


def host_ts(server: LiveServer, host: str) -> list[float]:
    """Times of the hub's samples of ``host``, oldest first, as the page rounds them."""
    return [round(m.ts, 3) for m in server.monitor.hub.backlog(host=host)]


def assert_host_series(page: Page, server: LiveServer, host: str) -> list[float]:
    """The CPU graph shows exactly ``host``'s samples from its backlog's start on, no other."""
    points = graph_ts(page)
    expected = host_ts(server, host)
    assert points == expected[: len(points)], f"the CPU graph is not {host}'s series"
    return points


def wait_text(page: Page, selector: str, text: str, timeout: float = 10) -> None:
    page.wait_for_function(
        "([s, t]) => (document.querySelector(s) || {}).textContent === t",
        arg=[selector, text],
        timeout=timeout * 1000,
    )


def test_overview_tiles_open_a_remote_host_and_the_picker_switches_back(
    page: Page, fleet: tuple[LiveServer, RemoteAgents], artifacts: Path
) -> None:
    server, agents = fleet
    page.add_init_script(STATUS_RECORDER_JS)
    page.add_init_script(HEALTH_HEIGHTS_JS)
    console = ConsoleErrors(page)

    # -- the overview: a tile per host, all reporting; the one that falls silent turns red
    page.goto(server.base_url + "/hosts")
    page.wait_for_function(
        f"() => ({TILES_JS})().filter((t) => !t.down).length === 3", timeout=20_000
    )
    tiles = {tile["host"]: tile for tile in page.evaluate(TILES_JS)}
    assert sorted(tiles) == [REMOTE, GONE, LOCAL]
    assert "4.5 %" in tiles[REMOTE]["text"] and "this server" in tiles[LOCAL]["text"]
    assert page.inner_text(f"#{ids.OVERVIEW_SUMMARY}") == "3 hosts, all reporting"

    agents.stop_host(GONE)  # reporting means a sample within 3 intervals (+1 s)
    page.wait_for_selector(f".host-tile.host-down[data-host={GONE}]", timeout=5_000)
    tiles = {tile["host"]: tile for tile in page.evaluate(TILES_JS)}
    assert "not reporting · last sample" in tiles[GONE]["text"]
    assert not tiles[REMOTE]["down"] and not tiles[LOCAL]["down"]
    assert page.inner_text(f"#{ids.OVERVIEW_SUMMARY}") == "3 hosts · 1 not reporting"
    page.screenshot(path=str(artifacts / "overview.png"), full_page=True)
    page.set_viewport_size({"width": 390, "height": 844})
    page.wait_for_function("() => document.documentElement.clientWidth <= 390")
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 390
    page.emulate_media(color_scheme="dark")
    page.screenshot(path=str(artifacts / "overview-mobile-dark.png"), full_page=True)
    page.emulate_media(color_scheme="light")
    page.set_viewport_size({"width": 1280, "height": 900})

    # -- a tile opens the live page following its host; its backlog fills the graphs at once
    page.click(f".host-tile[data-host={REMOTE}]")
    page.wait_for_url(re.compile(rf"/\?host={REMOTE}$"), wait_until="commit")
    # The whole backlog (REMOTE_BACKLOG samples) is drawn, without waiting for new ticks: a
    # 1 s host could not produce that many in the time allowed.
    first = page.wait_for_function(FIRST_POINTS_JS, polling="raf", timeout=10_000).json_value()
    assert first >= REMOTE_BACKLOG
    wait_status(page, "live", timeout=20)
    wait_text(page, f"#{ids.CPU_VALUE}", "4.5 %")
    assert page.inner_text(f"#{ids.HOSTNAME}") == REMOTE
    assert set(page.evaluate(CPU_Y_JS)) == {REMOTE_CPU}
    assert page.evaluate(CORE_ROWS_JS) == 2  # the remote has 2 cores, this server 8
    assert_host_series(page, server, REMOTE)
    assert page.input_value(PICKER) == REMOTE
    page.wait_for_function(  # the picker lists every host, the silent one marked
        f"() => ({OPTIONS_JS})().some(([v, t]) => v === '{GONE}' && t.endsWith('not reporting'))",
        timeout=10_000,
    )
    assert [value for value, _text in page.evaluate(OPTIONS_JS)] == [REMOTE, GONE, LOCAL]
    # a host that starts reporting now is listed as soon as the pointer comes to the picker
    # (the list is otherwise re-read once a minute)
    reads: list[float] = []
    page.on("request", lambda r: "/api/v1/hosts" in r.url and reads.append(time.monotonic()))
    time.sleep(1.5)  # any read the socket's opening asked for is done
    server.monitor.hub.publish(
        remote_sample(RemoteHost(NEW, interval=1.0, cpu=1.0), 1, time.time())
    )
    hovered = time.monotonic()
    page.hover(PICKER)
    page.wait_for_function(f"() => ({OPTIONS_JS})().some(([v]) => v === '{NEW}')", timeout=3000)
    assert [t for t in reads if t >= hovered], "the list was not re-read on hover"
    assert page.inner_text(f"#{ids.LIVE_HEALTH} .storage") == "Storage OK"

    # one sample a second, five server intervals apart: Live throughout, never Stale
    wait_points(page, len(graph_ts(page)) + 2, timeout=10)
    assert "stale" not in recorded(page, "__statusKinds")
    page.screenshot(path=str(artifacts / "live-remote.png"), full_page=True)

    # -- the picker switches to the local host in place: URL, header, graphs, socket
    mount = page.evaluate("() => window.monitorLive.state().cfg.mount")
    page.evaluate("() => { window.__sameDocument = true; }")
    sockets: list[str] = []
    page.on("websocket", lambda ws: sockets.append(ws.url))
    page.select_option(PICKER, LOCAL)
    wait_text(page, f"#{ids.HOSTNAME}", LOCAL)
    page.wait_for_function(
        f"() => {{ const gd = document.querySelector('#{ids.GRAPH_CPU} .js-plotly-plot');"
        f" return gd.data.length && !gd.data[0].y.includes({REMOTE_CPU}); }}"
    )
    wait_status(page, "live")
    wait_points(page, 5)
    points = assert_host_series(page, server, LOCAL)  # from the local backlog's first sample
    assert page.evaluate(CORE_ROWS_JS) == 8
    assert re.fullmatch(r"\d+\.\d %", page.inner_text(f"#{ids.CPU_VALUE}"))
    assert page.url.endswith(f"/?host={LOCAL}")
    assert page.evaluate("() => window.__sameDocument && window.monitorLive.state().cfg.mount") == (
        mount
    )
    assert [url for url in sockets if f"host={LOCAL}" in url], sockets
    assert "since=" not in sockets[-1]  # the whole backlog of the new host
    assert len(points) == len(set(points))
    heights = recorded(page, "__healthHeights")
    assert len(heights) == 1, f"the health panel changed height: {heights}"

    # -- to the overview (a Dash page) and back: the live page loads again, on the URL's host
    page.click(f"#{ids.NAV} >> text=Hosts")
    page.wait_for_selector(f".host-tile[data-host={LOCAL}]")
    page.go_back()
    page.wait_for_url(re.compile(rf"/\?host={LOCAL}$"), wait_until="commit")
    wait_status(page, "live", timeout=20)
    wait_text(page, f"#{ids.HOSTNAME}", LOCAL)
    assert page.input_value(PICKER) == LOCAL
    assert page.evaluate("() => window.__sameDocument") is None  # a full load, both ways
    assert_host_series(page, server, LOCAL)
    assert [e for e in console if not CLOSED_SOCKET_NOISE.match(e)] == []
