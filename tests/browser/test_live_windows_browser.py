"""The live page tells the truth about time: a break where samples are missing, cards that say
how old they are, and windows filled from the database, joined to the live points at a seam
with no point twice and none missing.
"""

from __future__ import annotations

import itertools
import time
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, Page

from app.pages import ids
from tests.browser.conftest import open_page
from tests.browser.pageview import wait_caught_up, wait_status
from tests.live.server import LiveServer, live_config
from tests.support.polling import wait_for

pytestmark = pytest.mark.browser

# Every point of the CPU graph's first trace: [epoch seconds, y] (y null: a break).
TRACE_JS = f"""() => {{
  const gd = document.querySelector('#{ids.GRAPH_CPU} .js-plotly-plot');
  if (!gd || !gd.data || !gd.data.length || !gd.data[0].x) {{ return []; }}
  const t = (x) => new Date(String(x).replace(' ', 'T')).getTime() / 1000;
  return Array.from(gd.data[0].x, (x, i) => [t(x), gd.data[0].y[i]]);
}}"""

META_JS = f"""() => document.querySelector('#{ids.GRAPH_CPU} .js-plotly-plot').layout.meta"""

CARDS_JS = f"""() => [
  document.getElementById('{ids.LIVE_CARDS}').className,
  document.getElementById('{ids.SAMPLE_TIME}').textContent,
]"""


def trace(page: Page) -> list[tuple[float, Any]]:
    return [(round(t, 3), y) for t, y in page.evaluate(TRACE_JS)]


def fake_sample(ts: float, seq: int) -> dict[str, Any]:
    """A stored sample of the test host with the CPU and memory series the graphs draw."""
    return {
        "v": 1,
        "host": "live-test",
        "ts": ts,
        "seq": seq,
        "cpu": {"total": 20.0 + seq % 10, "user": 10.0, "system": 5.0, "iowait": 1.0},
        "memory": {"percent": 40.0, "swap_percent": 0.0},
    }


def wait_trace(page: Page, test: Any, message: str, timeout: float = 30) -> list[Any]:
    """Polls the CPU trace until ``test(points)`` holds; returns those points."""
    found: list[Any] = []

    def ready() -> bool:
        found[:] = trace(page)
        return bool(test(found))

    wait_for(ready, timeout=timeout, message=message)
    return found


def test_an_outage_breaks_the_line_and_the_cards_say_how_old_they_are(
    browser: Browser, tmp_path: Path, artifacts: Path
) -> None:
    config = live_config(tmp_path, interval=0.5)
    first = LiveServer(config).start()
    context, page, errors = open_page(browser)
    try:
        page.goto(first.base_url + "/")
        wait_status(page, "live", timeout=30)
        wait_caught_up(page, first.monitor.hub.latest().ts, timeout=30)
        assert page.evaluate(CARDS_JS)[0] == "cards", page.evaluate(CARDS_JS)
        assert page.inner_text(f"#{ids.SAMPLE_TIME}").startswith("Last sample ")
        port = first.port
        first.close()  # no sampling, no server: more than two intervals without a sample
        page.wait_for_function(
            f"() => document.getElementById('{ids.LIVE_CARDS}').classList.contains('cards--stale')",
            timeout=10_000,
        )
        cls, text = page.evaluate(CARDS_JS)
        assert "cards--stale" in cls and text.startswith("Values as of ") and "s ago" in text
        assert "sample #" not in page.inner_text(".toolbar")
        for width, height in ((1280, 800), (390, 844)):
            page.set_viewport_size({"width": width, "height": height})
            for scheme in ("light", "dark"):
                meta = page.evaluate(META_JS)
                page.emulate_media(color_scheme=scheme)
                if scheme == "dark":  # redrawn in the new colours, with no sample coming
                    page.wait_for_function(f"(m) => ({META_JS})() !== m", arg=meta)
                shot = artifacts / f"live-stale-cards-{width}-{scheme}.png"
                page.screenshot(path=str(shot))
        page.set_viewport_size({"width": 1280, "height": 900})
        page.emulate_media(color_scheme="light")
        first_last = round(first.monitor.hub.latest().ts, 3)
        page.wait_for_function(  # the outage lasts over two intervals (the cards count it)
            f"() => / · [2-9] s ago$/.test(document.getElementById('{ids.SAMPLE_TIME}')"
            ".textContent)",
            timeout=10_000,
        )
        second = LiveServer(config)
        second.port = port
        second.start()
        try:
            wait_status(page, "live", timeout=30)
            wait_for(lambda: second.monitor.hub.backlog(), message="the second run's first")
            second_first = round(second.monitor.hub.backlog()[0].ts, 3)
            points = wait_trace(
                page,
                lambda ps: any(t >= second_first for t, y in ps if y is not None),
                "samples of the second run",
            )
            at = [t for t, _y in points].index(second_first)
            assert points[at - 1][1] is None, "a break before the second run's first sample"
            before = points[at - 2][0]
            assert before <= first_last and second_first - before > 2 * config.interval
            page.wait_for_function(
                f"() => document.getElementById('{ids.LIVE_CARDS}').className === 'cards'",
                timeout=10_000,
            )
        finally:
            second.close()
    finally:
        context.close()
    assert errors == []


def test_the_windows_show_the_stored_hour_joined_to_the_live_points(
    browser: Browser, tmp_path: Path, artifacts: Path
) -> None:
    """An hour stored before the server started (ending 30 s before it), a backlog of 5
    samples: the 5- and 60-minute windows show the stored samples, the server's own stored
    ones and the live ones, each once, with one break: where the server was not running."""
    config = live_config(tmp_path, interval=1.0, backlog_seconds=5.0)
    server = LiveServer(config)
    start = time.time()
    seeded = [fake_sample(start - 3630 + i, i) for i in range(3600)]
    server.monitor.store.write_batch(seeded)
    server.start()
    context, page, errors = open_page(browser)
    try:
        hub = server.monitor.hub
        wait_for(
            lambda: hub.backlog() and hub.backlog()[0].seq > 3,
            timeout=30,
            message="the backlog has moved on",
        )
        page.goto(server.base_url + "/")
        wait_status(page, "live", timeout=30)
        first_live = hub.backlog()[0].ts
        # 5 minutes at 1 s: the stored part comes as raw samples
        points = wait_trace(
            page,
            lambda ps: ps and ps[0][0] < start - 200,
            "the stored part of the 5-minute window",
        )
        times = [t for t, y in points if y is not None]
        assert times == sorted(set(times)), "no point twice, in order"
        breaks = [i for i, (_t, y) in enumerate(points) if y is None]
        assert len(breaks) == 1, "one break: the restart"
        last_seeded = round(seeded[-1]["ts"], 3)
        assert points[breaks[0] - 1][0] == last_seeded
        run = [t for t in times if t > last_seeded]
        assert run[0] - last_seeded > 1.5, "the server started after the stored hour"
        assert all(round(b - a, 3) == 1.0 for a, b in itertools.pairwise(run)), "no hole"
        assert round(first_live, 3) in run and run.index(round(first_live, 3)) > 0, (
            "the seam: stored samples of this server's run come before the live ones"
        )
        seeded_shown = [t for t in times if t <= last_seeded]
        assert all(round(b - a, 3) == 1.0 for a, b in itertools.pairwise(seeded_shown))
        assert seeded_shown[0] <= times[-1] - 299

        page.click(f"#{ids.LIVE_WINDOW} label:has-text('60 min')")
        points = wait_trace(
            page,
            lambda ps: ps and ps[0][0] < start - 3000,
            "the stored part of the 60-minute window",
        )
        times = [t for t, y in points if y is not None]
        assert times == sorted(set(times)), "no point twice, in order"
        assert len(points) <= 1000 + 200, "the stored part at a bounded resolution"
        assert times[0] <= times[-1] - 3600 + 5, "the whole hour"
        breaks = [i for i, (_t, y) in enumerate(points) if y is None]
        assert len(breaks) == 1
        assert last_seeded - 5 < points[breaks[0] - 1][0] <= last_seeded
        live_part = [t for t in times if t >= round(first_live, 3)]
        steps = {round(b - a, 3) for a, b in itertools.pairwise(live_part)}
        assert steps == {1.0}, "the live samples, every one"
        stored_part = [t for t in times if points[breaks[0] - 1][0] < t < round(first_live, 3)]
        assert all(round(b - a, 3) <= 5.0 for a, b in itertools.pairwise(stored_part))
        page.mouse.move(0, 0)
        page.screenshot(path=str(artifacts / "live-60min-from-database-1280.png"))
    finally:
        context.close()
        server.close()
    assert errors == []
