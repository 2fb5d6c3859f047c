"""A database that cannot be opened, in headless Chromium: the live page still goes Live, and its
health panel says the storage is down, why, and how many samples wait, without moving."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import Page

from app.pages import ids
from tests.browser.pageview import wait_points, wait_status
from tests.browser.recorders import HEALTH_HEIGHTS_JS, recorded
from tests.live.server import LiveServer, live_config

pytestmark = pytest.mark.browser

STORAGE = f"#{ids.LIVE_HEALTH} .storage"
BUFFERED_JS = f"""(at_least) => {{
  const text = (document.querySelector('{STORAGE}.storage--down') || {{}}).textContent || '';
  const match = text.match(/([\\d,]+) buffered$/);
  return !!match && Number(match[1].replace(/,/g, '')) >= at_least;
}}"""

# The storage text's colour, and the page's red (--bad), as computed colours.
COLORS_JS = f"""() => {{
  const probe = document.createElement('span');
  probe.style.color = 'var(--bad)';
  document.body.append(probe);
  const bad = getComputedStyle(probe).color;
  probe.remove();
  return [getComputedStyle(document.querySelector('{STORAGE} .storage-text')).color, bad];
}}"""


def test_live_page_shows_the_storage_outage(page: Page, tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("a regular file, so no database can be created under it\n")
    server = LiveServer(live_config(tmp_path, database_url=f"sqlite:///{blocker / 'm.db'}"))
    server.start()
    try:
        page.add_init_script(HEALTH_HEIGHTS_JS)
        page.goto(server.base_url + "/")
        wait_status(page, "live", timeout=30)
        wait_points(page, 3)
        page.wait_for_selector(f"{STORAGE}.storage--down", timeout=10_000)
        text = page.inner_text(STORAGE)
        assert re.fullmatch(r"Storage down: OperationalError: .+\s+[\d,]+ buffered", text), text
        assert "unable to open database file" in text
        depth = server.monitor.writer.depth
        page.wait_for_function(BUFFERED_JS, arg=depth + 1)  # the buffer grows, the page says so
        color, bad = page.evaluate(COLORS_JS)
        assert color == bad  # red
        heights = recorded(page, "__healthHeights")
        assert len(heights) == 1, f"the health panel changed height: {heights}"
        wait_status(page, "live")
    finally:
        server.stop_http()
        server.monitor.stop(timeout=0.5)  # the buffer can never be written: do not wait 10 s
