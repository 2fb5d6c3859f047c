"""The live page's filter searches every process of the host, not only the sample's top rows.

The server samples a fake /proc (the kernel's answers as files) with the real processes
collector: 33 kworker threads and a few processes, of which the sample carries the top three
by CPU and by memory. Typing "kworker" shows all 33 with "33 of 38 processes match"; a
process outside the top rows is found by name, its command line masked; another host's
search says where its full list is. At 1280 and 390 px, light and dark: no PID cell and no
column header is cut, no sideways scrolling, readable text. Screenshots in artifacts/.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page

from app.pages import ids
from collectors.processes import ProcessesCollector
from collectors.procfs import ProcfsReader
from tests.browser.conftest import open_page
from tests.browser.pageview import open_live, rows
from tests.browser.readability import contrast_failures, sideways_overflow
from tests.collectors.fakeproc import CLOCK_TICKS, PAGE_SIZE, FakeProc
from tests.live.fakes import fake_collectors
from tests.live.server import LiveServer, live_config
from tests.support.polling import wait_for
from tests.support.samples import make_sample

BIG_PID = 4_194_301  # seven digits: the widest a PID gets on Linux
LINE = f"#{ids.PROC_TABLE} .proc-line"
FILTER = f"#{ids.PROC_FILTER}"
# a top row whose command line is longer than the sample carries (256 characters)
POSTGRES_SETTINGS = [f"-c\0shared_preload_libraries_{i}=pg_stat_statements" for i in range(12)]
POSTGRES_ARGS = (
    "postgres\0-D\0/var/lib/postgresql\0" + "\0".join(POSTGRES_SETTINGS)
).encode() + b"\0"
POSTGRES_WHOLE = POSTGRES_ARGS.rstrip(b"\0").replace(b"\0", b" ").decode()

CLIPPED_JS = f"""() => Array.from(document.querySelectorAll(
    '#{ids.PROC_TABLE} th, #{ids.PROC_TABLE} td.col-pid, #{ids.PROC_TABLE} td.col-cpu'))
  .filter((el) => el.offsetParent !== null && el.scrollWidth > el.clientWidth)
  .map((el) => el.className + ': ' + el.textContent)"""


def fake_host(root: Path) -> FakeProc:
    proc = FakeProc(root)
    proc.add(1, "systemd", rss_pages=3000, cmdline=b"/sbin/init\0")
    for pid in range(2, 35):
        proc.add(pid, f"kworker/{pid % 4}:{pid}-events", "I", rss_pages=0, cmdline=b"")
    proc.add(100, "postgres", rss_pages=9000, cmdline=POSTGRES_ARGS)
    proc.add(200, "nginx", rss_pages=5000, cmdline=b"nginx: worker process\0")
    proc.add(300, "bash", rss_pages=400, uid=1000, cmdline=b"-bash\0")
    args = b"/opt/uniqsearchd\0--listen\0:9000\0--password\0hunter2\0"
    proc.add(BIG_PID, "uniqsearchd", rss_pages=10, cmdline=args)
    return proc


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    directory = tmp_path_factory.mktemp("search")
    proc = fake_host(directory / "proc")

    def collectors(config):
        reader = ProcfsReader(str(proc.root), page_size=PAGE_SIZE, clock_ticks=CLOCK_TICKS)
        kept = [c for c in fake_collectors(config) if c.name != "processes"]
        return [*kept, ProcessesCollector(top_n=3, procfs=reader)]

    server = LiveServer(live_config(directory), collector_factory=collectors).start()
    wait_for(lambda: len(server.monitor.hub.backlog()) >= 5, message="five samples")
    yield server
    server.close()


def search(page: Page, text: str, line: str) -> str:
    page.fill(FILTER, text)
    page.wait_for_function(
        "([s, t]) => (document.querySelector(s) || {}).textContent?.includes(t)",
        arg=[LINE, line],
        timeout=10_000,
    )
    return page.inner_text(LINE)


def test_the_filter_finds_every_kworker_and_a_process_outside_the_top_rows(
    page: Page, server: LiveServer
) -> None:
    open_live(page, server)
    top = {r["pid"] for r in rows(page)}
    assert BIG_PID not in top and len(top) <= 6  # the sample's top rows
    assert page.inner_text(LINE) == ""
    assert search(page, "kworker", "33 of 38 processes match") == (
        "33 of 38 processes match “kworker”"
    )
    page.wait_for_function(f"() => document.querySelectorAll('#{ids.PROC_TABLE} tbody tr')"
                           ".length === 33")  # fmt: skip
    assert all(r["name"].startswith("kworker/") for r in rows(page))
    search(page, "uniqsearchd", "1 of 38 processes matches")
    page.wait_for_function(f"() => document.querySelector('#{ids.PROC_TABLE} tbody tr')"
                           f"?.dataset.pid === '{BIG_PID}'")  # fmt: skip
    (found,) = rows(page)
    assert found["command"] == "/opt/uniqsearchd --listen :9000 --password ***"
    assert search(page, "hunter2", "0 of 38") and rows(page) == []
    assert "No process matches" in page.inner_text(f"#{ids.PROC_TABLE}")
    page.fill(FILTER, "")
    page.wait_for_function("s => document.querySelector(s).textContent === ''", arg=LINE)
    assert {r["pid"] for r in rows(page)} == top or len(rows(page)) <= 6


def test_another_host_says_where_its_full_list_is(page: Page, server: LiveServer) -> None:
    open_live(page, server)
    server.monitor.hub.publish(make_sample(1, host="agent-1"))
    page.evaluate("() => window.monitorLive.follow('agent-1')")
    page.wait_for_selector(f"#{ids.PROC_TABLE} tbody tr")
    line = search(page, "a", "only on its own server")
    assert line == (
        "Top processes only: 0 of 1 match “a” · the full process list of agent-1 is only on"
        " its own server"
    )


@pytest.mark.parametrize(("width", "height"), [(1280, 800), (390, 844)], ids=["1280", "390"])
def test_nothing_cut_at_either_width_light_and_dark(
    browser: Browser, server: LiveServer, artifacts: Path, width: int, height: int
) -> None:
    context, page, errors = open_page(browser, width, height)
    try:
        open_live(page, server)
        search(page, "s", "processes match")
        page.click(f"#{ids.PROC_TABLE} th button[data-key=pid]")  # sorted by PID, highest first
        page.wait_for_function(f"() => document.querySelector('#{ids.PROC_TABLE} tbody tr')"
                               f"?.dataset.pid === '{BIG_PID}'")  # fmt: skip
        for scheme in ("light", "dark"):
            page.emulate_media(color_scheme=scheme)
            page.wait_for_function("t => document.documentElement.dataset.theme === t", arg=scheme)
            assert page.evaluate(CLIPPED_JS) == [], scheme
            assert sideways_overflow(page) <= 0, scheme
            mine = [f for f in contrast_failures(page) if "proc" in f["cls"] or "col-" in f["cls"]]
            assert mine == [], scheme
            page.locator(f"#{ids.PROC_TABLE}").scroll_into_view_if_needed()
            shot = artifacts / f"process-search-{width}-{scheme}.png"
            page.locator("section.panel--wide").first.screenshot(path=str(shot))
    finally:
        context.close()
    assert errors == []


def test_a_cut_command_line_clicked_open_shows_the_whole_one(
    page: Page, server: LiveServer
) -> None:
    assert len(POSTGRES_WHOLE) > 256
    open_live(page, server)
    cell = f"#{ids.PROC_TABLE} tr[data-pid='100'] td.col-cmdline"
    page.wait_for_selector(cell, timeout=10_000)
    assert page.inner_text(cell).endswith("…")  # the sample's cut
    page.click(f"#{ids.PROC_TABLE} tr[data-pid='100']")
    page.wait_for_function(
        "([s, t]) => (document.querySelector(s) || {}).textContent === t",
        arg=[cell, POSTGRES_WHOLE],
        timeout=10_000,
    )
