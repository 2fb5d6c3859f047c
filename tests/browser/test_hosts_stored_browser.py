"""The hosts page counts a host known from the database alone (an agent writing to the same
SQLite file, whose samples never reach this server's hub), judged by the same rule as
``/api/v1/hosts``: by its stored time against its own interval. Screenshots at 1280 and 390 px,
light and dark, in artifacts/.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser

from app.pages import ids
from tests.browser.conftest import open_page, start_server
from tests.browser.readability import sideways_overflow
from tests.live.server import LiveServer
from tests.support.polling import wait_for
from tests.support.samples import make_sample

pytestmark = pytest.mark.browser

TILES_JS = """() => Array.from(document.querySelectorAll('.host-tile'), (tile) => ({
  host: tile.dataset.host, down: tile.classList.contains('host-down'), text: tile.innerText,
}))"""


def stored(server: LiveServer, host: str, ago: float, interval: float) -> None:
    now = time.time()
    sample = make_sample(1, host=host, ts0=now - ago, interval=interval)
    sample["ts"], sample["health"]["interval_s"] = now - ago, interval
    server.monitor.store.write_batch([sample])


@pytest.fixture
def server(tmp_path: Path) -> Iterator[LiveServer]:
    server = start_server(tmp_path)
    stored(server, "agent-sqlite", 2.0, 60.0)  # writes once a minute: reporting for 3 min
    stored(server, "agent-gone", 600.0, 1.0)
    wait_for(lambda: len(server.monitor.store.host_names()) == 3, message="three stored hosts")
    yield server
    server.close()


@pytest.mark.parametrize(("width", "height"), [(1280, 800), (390, 844)], ids=["1280", "390"])
def test_a_host_known_from_the_database_alone_is_on_the_hosts_page(
    browser: Browser, server: LiveServer, artifacts: Path, width: int, height: int
) -> None:
    context, page, errors = open_page(browser, width, height)
    try:
        page.goto(server.base_url + "/hosts")
        page.wait_for_function("() => document.querySelectorAll('.host-tile').length === 3")
        summary = page.inner_text(f"#{ids.OVERVIEW_SUMMARY}")
        assert summary == "3 hosts · 1 not reporting"
        tiles = {t["host"]: t for t in page.evaluate(TILES_JS)}
        assert not tiles["agent-sqlite"]["down"] and tiles["agent-gone"]["down"]
        assert re.search(r"\breporting · stored \d+ s ago", tiles["agent-sqlite"]["text"])
        assert "reporting · last sample" in tiles["live-test"]["text"]  # its samples come live
        assert "not reporting · stored 10 min ago" in tiles["agent-gone"]["text"]
        for scheme in ("light", "dark"):
            page.emulate_media(color_scheme=scheme)
            page.wait_for_function("t => document.documentElement.dataset.theme === t", arg=scheme)
            assert sideways_overflow(page) <= 0
            shot = artifacts / f"hosts-stored-{width}-{scheme}.png"
            page.screenshot(path=str(shot), full_page=True)
    finally:
        context.close()
    assert errors == []
