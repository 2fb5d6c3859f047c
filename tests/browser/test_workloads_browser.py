"""The live page's containers and services table, pressure card and pressure graph in headless
Chromium, fed by the fake workloads of tests/live/fake_workloads.py (four workloads of 37).

The table shows the four with human names, kinds and units, sorts by a header click, filters
in the browser and draws a CPU sparkline per workload; the pressure card shows three shares and
the pressure graph three lines. At 1280 and 390 px, light and dark: no sideways scrolling of
the page (the table scrolls in its own box), readable text; screenshots in artifacts/. A host
without those sections keeps the three parts hidden.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page

from app.pages import ids
from tests.browser.conftest import open_page
from tests.browser.pageview import open_live
from tests.browser.readability import contrast_failures, sideways_overflow
from tests.browser.test_one_look_browser import CHARTS_THEMED_JS
from tests.live.fake_workloads import workload_collectors
from tests.live.server import LiveServer, live_config
from tests.support.polling import wait_for
from tests.support.samples import make_sample

pytestmark = pytest.mark.browser

TABLE = f"#{ids.WORKLOAD_TABLE}"
FILTER = f"#{ids.WORKLOAD_FILTER}"
TIMEOUT_MS = 15_000

ROWS_JS = f"""() => Array.from(document.querySelectorAll('{TABLE} tbody tr'), (tr) => ({{
  key: tr.dataset.key,
  cells: Array.from(tr.cells, (td) => td.textContent),
  spark: (tr.querySelector('svg.spark path') || {{ getAttribute: () => '' }}).getAttribute('d'),
}}))"""
COUNT_JS = f"n => document.querySelectorAll('{TABLE} tbody tr').length === n"
FIRST_KEY_JS = f"k => document.querySelector('{TABLE} tbody tr')?.dataset.key === k"
# a sparkline with a line of at least `n` segments
SPARK_JS = f"""n => Array.from(document.querySelectorAll('{TABLE} svg.spark path'))
  .some((p) => ((p.getAttribute('d') || '').match(/L/g) || []).length >= n)"""
TRACES_JS = f"""() => {{
  const gd = document.querySelector('#{ids.GRAPH_PRESSURE} .js-plotly-plot');
  return gd && gd.data ? gd.data.map((t) => t.name) : [];
}}"""
VISIBLE_JS = "id => { const el = document.getElementById(id); return !!el && !!el.offsetParent; }"
PRESSURE_RE = re.compile(r"CPU\s([\d.]+)\s%\s·\sMem\s([\d.]+)\s%\s·\sI/O\s([\d.]+)\s%")
COLUMN = {"name": 0, "kind": 1, "memory": 4}


def rows(page: Page) -> list[dict]:
    return page.evaluate(ROWS_JS)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    directory = tmp_path_factory.mktemp("workloads")
    server = LiveServer(live_config(directory), collector_factory=workload_collectors).start()
    wait_for(lambda: len(server.monitor.hub.backlog()) >= 5, message="five samples")
    yield server
    server.close()


def open_workloads(page: Page, server: LiveServer) -> None:
    open_live(page, server)
    page.wait_for_function(COUNT_JS, arg=4, timeout=TIMEOUT_MS)


def test_the_table_shows_sorts_and_filters_the_workloads(page: Page, server: LiveServer) -> None:
    open_workloads(page, server)
    assert page.is_visible(f"#{ids.PANEL_WORKLOADS}")
    assert "Containers and services" in page.inner_text(f"#{ids.PANEL_WORKLOADS}")
    line = page.inner_text(f"{TABLE} .workload-line")
    assert line == "4 of 37 workloads (top by CPU and memory)"
    shown = {r["key"]: r["cells"] for r in rows(page)}
    assert set(shown) == {
        "docker/web", "service/postgresql.service", "pod/api-7d9f", "slice/user.slice",
    }  # fmt: skip
    web = shown["docker/web"]
    assert web[COLUMN["name"]] == "web" and web[COLUMN["kind"]] == "Docker container"
    assert web[COLUMN["memory"]] == "118 MiB / 512 MiB"
    assert shown["service/postgresql.service"][COLUMN["kind"]] == "systemd service"
    assert shown["pod/api-7d9f"][COLUMN["kind"]] == "Kubernetes pod"
    assert shown["slice/user.slice"][COLUMN["memory"]] == "2.00 GiB"
    assert "MiB" in page.inner_text(TABLE)

    # by CPU at first; a click on Memory: the largest first, a second click reverses
    assert page.get_attribute(f"{TABLE} th.col-cpu_pct", "aria-sort") == "descending"
    row_el = f"{TABLE} tr[data-key='docker/web']"
    page.eval_on_selector(row_el, "(tr) => { tr.dataset.mark = 'same'; }")
    page.click(f"{TABLE} th button[data-key=mem]")
    page.wait_for_function(FIRST_KEY_JS, arg="slice/user.slice")
    assert page.get_attribute(f"{TABLE} th.col-mem", "aria-sort") == "descending"
    assert [r["key"] for r in rows(page)][-1] == "docker/web"
    page.click(f"{TABLE} th button[data-key=mem]")
    page.wait_for_function(FIRST_KEY_JS, arg="docker/web")
    assert page.get_attribute(f"{TABLE} th.col-mem", "aria-sort") == "ascending"
    time_now = page.inner_text(f"#{ids.SAMPLE_TIME}")
    page.wait_for_function(
        "([id, before]) => document.getElementById(id).textContent !== before",
        arg=[ids.SAMPLE_TIME, time_now],
    )  # a new sample: the same row element, in the same place
    assert page.get_attribute(row_el, "data-mark") == "same"
    assert rows(page)[0]["key"] == "docker/web"

    page.fill(FILTER, "post")
    page.wait_for_function(COUNT_JS, arg=1)
    assert rows(page)[0]["key"] == "service/postgresql.service"
    assert page.inner_text(f"{TABLE} .workload-line").startswith("1 of 4 matches “post”")
    page.fill(FILTER, "kubernetes")  # the kind's words
    page.wait_for_function(FIRST_KEY_JS, arg="pod/api-7d9f")
    page.fill(FILTER, "no such thing")
    page.wait_for_function(COUNT_JS, arg=0)
    assert "No workload matches" in page.inner_text(TABLE)
    page.fill(FILTER, "")
    page.wait_for_function(COUNT_JS, arg=4)

    page.wait_for_function(SPARK_JS, arg=3, timeout=TIMEOUT_MS)  # a line after a few samples
    point = r"[\d.]+,[\d.]+"
    for row in rows(page):  # a line per workload (broken where a sample is missing)
        assert re.fullmatch(rf"(M{point}(L{point})*)+", row["spark"]) and "L" in row["spark"], row


def test_the_pressure_card_and_graph(page: Page, server: LiveServer) -> None:
    open_workloads(page, server)
    assert page.evaluate(VISIBLE_JS, ids.CARD_PRESSURE)
    page.wait_for_function(
        "id => /CPU\\s[\\d.]+\\s%/.test(document.getElementById(id).textContent)",
        arg=ids.PRESSURE_VALUE,
        timeout=TIMEOUT_MS,
    )
    value = page.inner_text(f"#{ids.PRESSURE_VALUE}")
    assert PRESSURE_RE.fullmatch(value.replace("\u00a0", " ")), value
    assert page.inner_text(f"#{ids.PRESSURE_DETAIL}") == "share of time tasks waited (10 s)"
    assert page.is_visible(f"#{ids.PANEL_PRESSURE}")
    page.wait_for_function(f"() => ({TRACES_JS})().length === 3", timeout=TIMEOUT_MS)
    assert page.evaluate(TRACES_JS) == ["CPU", "memory", "I/O"]
    ticks = page.evaluate(
        f"() => Array.from(document.querySelectorAll('#{ids.GRAPH_PRESSURE} .ytick text'),"
        " (t) => t.textContent)"
    )
    assert ticks and all(t.endswith(" %") for t in ticks), ticks  # a percent axis


def test_a_host_without_the_sections_keeps_them_hidden(page: Page, server: LiveServer) -> None:
    open_workloads(page, server)
    server.monitor.hub.publish(make_sample(1, host="agent-bare"))
    page.evaluate("() => window.monitorLive.follow('agent-bare')")
    page.wait_for_function(
        "id => document.getElementById(id).textContent === 'agent-bare'", arg=ids.HOSTNAME
    )
    page.wait_for_function(f"id => !({VISIBLE_JS})(id)", arg=ids.PANEL_WORKLOADS)
    assert not page.evaluate(VISIBLE_JS, ids.CARD_PRESSURE)
    assert not page.evaluate(VISIBLE_JS, ids.PANEL_PRESSURE)


@pytest.mark.parametrize(("width", "height"), [(1280, 800), (390, 844)], ids=["1280", "390"])
def test_readable_at_either_width_light_and_dark(
    browser: Browser, server: LiveServer, artifacts: Path, width: int, height: int
) -> None:
    context, page, errors = open_page(browser, width, height)
    try:
        open_workloads(page, server)
        page.wait_for_function(SPARK_JS, arg=3, timeout=TIMEOUT_MS)
        for scheme in ("light", "dark"):
            page.emulate_media(color_scheme=scheme)
            page.wait_for_function("t => document.documentElement.dataset.theme === t", arg=scheme)
            page.wait_for_function(CHARTS_THEMED_JS, timeout=TIMEOUT_MS)
            page.wait_for_function(
                "() => document.documentElement.scrollWidth <= window.innerWidth",
                timeout=TIMEOUT_MS,
            )  # Plotly follows a resize after a debounce
            assert sideways_overflow(page) <= 0, scheme
            box = page.eval_on_selector(
                f"{TABLE} .workload-scroll", "(el) => el.scrollWidth - el.clientWidth"
            )
            assert (box > 0) == (width < 1000), box  # a phone scrolls the table in its box
            mine = [
                f
                for f in contrast_failures(page)
                if re.search(r"workload|col-|card|pressure", f["cls"])
            ]
            assert mine == [], scheme
            page.locator(f"#{ids.LIVE_CARDS}").screenshot(
                path=str(artifacts / f"pressure-card-{width}-{scheme}.png")
            )
            page.locator(f"#{ids.PANEL_PRESSURE}").screenshot(
                path=str(artifacts / f"pressure-graph-{width}-{scheme}.png")
            )
            page.screenshot(
                path=str(artifacts / f"workloads-page-{width}-{scheme}.png"), full_page=True
            )
            panel = page.locator(f"#{ids.PANEL_WORKLOADS}")
            panel.scroll_into_view_if_needed()
            panel.screenshot(path=str(artifacts / f"workloads-{width}-{scheme}.png"))
    finally:
        context.close()
    assert errors == []
