"""Firing alerts on the live page's banner and the hosts overview, in real Chromium against a real
server whose rules fire at once: severity, rule in words, value, since when; acknowledge from the
banner (a same-origin JSON POST the server records); a failed read keeps the banner; the banner
goes when the alert resolves; the overview marks the hosts; screenshots at 1280 and 390 px in
light and dark without sideways scrolling.

Tests taking ``page`` share one live page of one server and run in file order.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.request import urlopen
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import Browser, BrowserContext, Page

from storage.alert_events import AlertEventStore
from tests.browser.conftest import TIMEZONE
from tests.browser.pageview import graph_ts, wait_points
from tests.browser.readability import contrast_failures
from tests.browser.recorders import ConsoleErrors
from tests.live.fakes import SECTIONS, FakeHost, SectionCollector
from tests.live.remote import RemoteAgents, RemoteHost
from tests.live.server import LiveServer, live_config
from tests.support.polling import wait_for

pytestmark = pytest.mark.browser

RULES = """defaults = false
[[rule]]
name = "cpu-any"
series = "cpu.total"
stat = "last"
warn = 5
for = "0s"
description = "CPU busy"

[[rule]]
name = "memory-high"
series = "memory.percent"
stat = "last"
crit = 40
for = "0s"
description = "memory used"

[[rule]]
name = "disk-space"
series = "disks.usage[*].percent"
stat = "last"
crit = 95
for = "0s"
description = "file system full"
"""
# fires while the switchable host's run queue is long
QUEUE_RULE = """defaults = false
[[rule]]
name = "run-queue"
series = "load.run_queue"
stat = "last"
warn = 10
for = "0s"
description = "run queue long"
"""
# Werkzeug's dev server (not gunicorn) writes an HTTP response after a WebSocket's close frame,
# which Chromium reports for every socket the page closes itself; and the reads a test cuts off.
NOISE = re.compile(r"WebSocket connection to '\S+' failed: Invalid frame header|net::ERR_FAILED")
LOCAL = "live-test"
REMOTE = "edge-a"  # reports (published into the hub); its alert is recorded as its relayer would
LINE = '.alert-line[data-rule="{rule}"]'
NO_SIDEWAYS_JS = "() => document.documentElement.scrollWidth <= window.innerWidth"
# the tag of what a click at the middle of the element would hit (a stretched link: "A")
TOPMOST_JS = """(selector) => {
  const box = document.querySelector(selector).getBoundingClientRect();
  return document.elementFromPoint(box.x + box.width / 2, box.y + box.height / 2).tagName;
}"""
BANNER_SHOWN_JS = "() => !!document.querySelector('#live-alerts .alert-banner')"
BANNER_GONE_JS = """() => { const box = document.getElementById('live-alerts');
  return !!box && box.childElementCount === 0 && box.offsetHeight === 0; }"""


def _api(server: LiveServer) -> dict[str, Any]:
    with urlopen(server.base_url + "/api/v1/alerts?since=0", timeout=10) as response:
        return json.load(response)


def _open(server: LiveServer, rule: str) -> dict[str, Any]:
    return next(a for a in _api(server)["open"] if a["rule"] == rule and a["host"] == LOCAL)


def new_context(browser: Browser, width: int = 1280, scheme: str = "light") -> BrowserContext:
    """A context in a non-UTC zone with a 24-hour locale, so clock texts can be predicted."""
    return browser.new_context(
        viewport={"width": width, "height": 900},
        timezone_id=TIMEZONE,
        locale="en-GB",
        color_scheme=scheme,
    )


class Problems:
    """What a page raised (JavaScript errors) or logged as an error, but the NOISE."""

    def __init__(self, page: Page) -> None:
        self.raised: list[str] = []
        page.on("pageerror", lambda error: self.raised.append(str(error)))
        self.console = ConsoleErrors(page)

    def all(self) -> list[str]:
        return self.raised + [e for e in self.console if not NOISE.search(e)]


def open_with_errors(context: BrowserContext) -> tuple[Page, Problems]:
    page = context.new_page()
    return page, Problems(page)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """Two rules firing on the server's host from its first sample (the third, on disks, never
    does: its disk is 40 % full), a remote host reporting into the hub, and a critical alert of
    that host's fullest disk as its relayer would record it."""
    directory = tmp_path_factory.mktemp("live-alerts")
    (directory / "alerts.toml").write_text(RULES)
    server = LiveServer(live_config(directory, alerts_file=str(directory / "alerts.toml"))).start()
    agents = RemoteAgents(server.monitor.hub, [RemoteHost(REMOTE, interval=1.0, cpu=4.5)])
    wait_for(lambda: len(_api(server)["open"]) == 2, timeout=20, message="both rules firing")
    now = time.time()
    AlertEventStore(server.monitor.store.engine).record(
        [
            {
                "ts": now - 600,
                "kind": "firing",
                "rule": "disk-space",
                "host": REMOTE,
                "series": "disks.usage[/var].percent",
                "severity": "critical",
                "value": 97.5,
                "threshold": 95.0,
                "since": now - 660,
            }
        ]
    )
    yield server
    agents.close()
    server.close()


@pytest.fixture(scope="module")
def page(browser: Browser, server: LiveServer) -> Iterator[Page]:
    context = new_context(browser)
    page, problems = open_with_errors(context)
    page.goto(server.base_url + "/")
    yield page
    context.close()
    assert problems.all() == [], f"errors on the page: {problems.all()}"


def wait_shown(page: Page, selector: str, timeout: float = 30, shown: bool = True) -> None:
    """Waits until an element ``selector`` names is shown (or, ``shown=False``, none is).

    A predicate polled in the page, returning no element handle: under a heavily loaded
    machine, Playwright's wait_for_selector was seen to find the element and still time out.
    """
    page.wait_for_function(
        "([s, shown]) => { const e = document.querySelector(s);"
        " return !!(e && e.getClientRects().length) === shown; }",
        arg=[selector, shown],
        timeout=timeout * 1000,
    )


def wait_line(page: Page, rule: str, timeout: float = 30) -> None:
    wait_shown(page, f"#live-alerts {LINE.format(rule=rule)}", timeout)


def test_the_banner_lists_the_hosts_firing_alerts_with_severity_value_and_since(
    page: Page, server: LiveServer
) -> None:
    wait_line(page, "cpu-any")
    wait_line(page, "memory-high")
    banner = page.locator("#live-alerts .alert-banner")
    assert "sev-critical" in banner.get_attribute("class")  # the worst of the host's alerts
    assert banner.locator(".alert-banner-title").inner_text() == "2 alerts firing on live-test"
    assert banner.locator(".alert-banner-others").inner_text() == "1 more on edge-a"
    lines = banner.locator(".alert-line")
    assert lines.nth(0).get_attribute("data-rule") == "memory-high"  # critical first
    memory = page.locator(LINE.format(rule="memory-high"))
    assert "sev-critical" in memory.get_attribute("class")
    assert memory.locator(".alert-line-sev").inner_text() == "CRITICAL"  # a word, not a colour
    assert memory.locator(".alert-line-title").inner_text() == "Memory used"
    assert memory.locator(".alert-line-value").inner_text() == "50 % · threshold above 40 %"
    since = _open(server, "memory-high")["firing_since"]
    clock = datetime.fromtimestamp(since, ZoneInfo(TIMEZONE)).strftime("%H:%M")
    assert re.fullmatch(
        rf"since {clock} \(for \d+ (s|min)\)", memory.locator(".alert-line-since").inner_text()
    )
    cpu = page.locator(LINE.format(rule="cpu-any"))
    assert cpu.locator(".alert-line-sev").inner_text() == "WARNING"
    assert re.fullmatch(
        r"\d+(\.\d+)? % · threshold above 5 %", cpu.locator(".alert-line-value").inner_text()
    )
    assert cpu.locator("button.alert-line-ack").is_visible()
    assert banner.locator("a.alert-banner-link").get_attribute("href") == "alerts"
    # the banner sits above the toolbar
    top = page.evaluate("() => document.getElementById('live-alerts').getBoundingClientRect().top")
    assert top < page.evaluate(
        "() => document.getElementById('live-status').getBoundingClientRect().top"
    )


def test_acknowledge_from_the_banner(page: Page, server: LiveServer) -> None:
    line = page.locator(LINE.format(rule="cpu-any"))
    with page.expect_request(lambda r: r.method == "POST") as posted:
        line.locator("button.alert-line-ack").click()
    request = posted.value
    assert request.url == server.base_url + "/api/v1/alerts/acknowledge"
    headers = request.all_headers()
    assert headers.get("origin") == server.origin  # what app/guard/csrf.py reads
    assert headers.get("sec-fetch-site") == "same-origin"
    assert json.loads(request.post_data or "{}") == {
        "rule": "cpu-any", "host": LOCAL, "series": "cpu.total", "note": "",
    }  # fmt: skip
    wait_for(lambda: _open(server, "cpu-any")["acked_at"], message="acknowledged in the API")
    assert _open(server, "cpu-any")["acked_by"] == "anonymous"  # no login on this server
    wait_shown(page, LINE.format(rule="cpu-any") + '[data-acked="true"]')
    assert re.fullmatch(
        r"Acknowledged by anonymous at \d\d:\d\d", line.locator(".alert-line-note").inner_text()
    )
    assert not line.locator("button.alert-line-ack").is_visible()
    memory = page.locator(LINE.format(rule="memory-high"))
    assert memory.locator("button.alert-line-ack").is_visible()  # the other one is untouched
    assert _open(server, "memory-high")["acked_at"] is None


def test_a_failed_read_keeps_the_banner_and_says_it_is_not_fresh(
    page: Page, server: LiveServer
) -> None:
    wait_line(page, "memory-high")
    page.route(re.compile(r"/api/v1/alerts\?"), lambda route: route.abort())
    try:
        changed(server)  # the next sample's revision is new: the banner reads, and fails
        wait_shown(page, ".alert-banner-stale")
        assert page.inner_text(".alert-banner-stale").startswith("not refreshed since ")
        assert page.locator("#live-alerts .alert-line").count() == 2
    finally:
        page.unroute(re.compile(r"/api/v1/alerts\?"))
    wait_shown(page, ".alert-banner-stale", shown=False)
    wait_points(page, len(graph_ts(page)) + 2, timeout=20)  # the page itself went on


def changed(server: LiveServer) -> None:
    """Bumps the alerts' revision without changing what the banner shows: a silence of a rule
    that does not exist, ended at once."""
    store = AlertEventStore(server.monitor.store.engine)
    now = time.time()
    silence = store.add_silence(rule="no-such-rule", host="*", series="*", until=now + 60,
                                actor="test", note="", now=now)  # fmt: skip
    store.end_silence(silence, time.time())


def test_the_banner_follows_the_host_and_links_to_the_alerts_page(
    page: Page, server: LiveServer
) -> None:
    page.evaluate(f"() => window.monitorLive.follow('{REMOTE}')")
    page.wait_for_function(
        "() => (document.querySelector('.alert-banner-title') || {}).textContent"
        f" === '1 alert firing on {REMOTE}'",
        timeout=10_000,
    )
    line = page.locator(LINE.format(rule="disk-space"))
    assert line.locator(".alert-line-series").inner_text() == "disks.usage[/var].percent"
    assert line.locator(".alert-line-value").inner_text() == "97.5 % · threshold above 95 %"
    assert page.inner_text(".alert-banner-others") == f"2 more on {LOCAL}"
    page.evaluate("() => { window.__sameDocument = true; }")
    page.click("a.alert-banner-link")
    wait_shown(page, '.alert-card[data-rule="disk-space"]')
    assert page.url == server.base_url + "/alerts"
    # a plain link: the live page is served without Dash's router, so the alerts page loads
    assert page.evaluate("() => window.__sameDocument") is None
    page.go_back()
    wait_shown(page, "#live-alerts .alert-line")


def test_screenshots_of_the_banner_and_the_overview_without_sideways_scrolling(
    page: Page, artifacts: Path
) -> None:
    """The shared page, back on the server's host (one acknowledged line, one not), then the
    overview through the router: at 1280 and 390 px, light and dark, every text at 4.5:1."""
    page.evaluate(f"() => window.monitorLive.follow('{LOCAL}')")
    wait_line(page, "memory-high")
    wait_line(page, "cpu-any")
    shots = [
        ("live-alerts", ".alert-banner"),
        ("hosts-alerts", f"[data-host={LOCAL}] .host-alerts"),
    ]
    for name, ready in shots:
        if name == "hosts-alerts":
            page.click("#nav >> text=Hosts")
        wait_shown(page, ready)
        for scheme in ("light", "dark"):
            page.emulate_media(color_scheme=scheme)
            page.wait_for_function("t => document.documentElement.dataset.theme === t", arg=scheme)
            for width in (1280, 390):
                page.set_viewport_size({"width": width, "height": 900})
                # the graphs follow a resize after Plotly's debounce: then nothing is wider
                page.wait_for_function(NO_SIDEWAYS_JS, timeout=15_000)
                # ... and a theme as they redraw, a frame or more after the page's colours
                failures = readable_within(page, 10.0)
                page.screenshot(path=str(artifacts / f"{name}-{width}-{scheme}.png"))
                assert failures == [], f"{name} at {width} px ({scheme})"
    page.emulate_media(color_scheme="light")
    page.set_viewport_size({"width": 1280, "height": 900})


def readable_within(page: Page, seconds: float) -> list[dict[str, Any]]:
    """The page's texts under 4.5:1, polled until there are none or ``seconds`` pass (the
    graphs take the theme as they redraw, after the page's own colours)."""
    deadline = time.monotonic() + seconds
    while (failures := contrast_failures(page)) and time.monotonic() < deadline:
        page.wait_for_timeout(100)  # the poll's pace, on the page's own clock
    return failures


def test_the_overview_marks_hosts_with_firing_alerts(browser: Browser, server: LiveServer) -> None:
    context = new_context(browser)
    page, problems = open_with_errors(context)
    try:
        page.goto(server.base_url + "/hosts")
        local = page.locator(f".host-tile[data-host={LOCAL}]")
        remote = page.locator(f".host-tile[data-host={REMOTE}]")
        wait_shown(page, f".host-tile[data-host={REMOTE}] .host-alerts")
        mark = local.locator(".host-alerts")
        assert mark.inner_text() == "1 critical +1"
        assert (
            mark.get_attribute("title")
            == f"1 critical · 1 warning firing on {LOCAL}: open its alerts"
        )
        assert "sev-critical" in mark.get_attribute("class")
        assert mark.get_attribute("href") == f"alerts?host={LOCAL}"
        assert "host-alerting" in local.get_attribute("class")
        assert remote.locator(".host-alerts").inner_text() == "1 critical"
        page.wait_for_function(
            "() => document.getElementById('overview-summary').textContent"
            " === '2 hosts, all reporting · 2 with firing alerts'"
        )
        # the rest of the tile is the link to the host's live page (test_hosts_browser clicks it)
        assert remote.locator("a.host-link").get_attribute("href") == f"./?host={REMOTE}"
        assert page.evaluate(TOPMOST_JS, f".host-tile[data-host={REMOTE}] .host-values") == "A"
        assert page.evaluate(TOPMOST_JS, f".host-tile[data-host={LOCAL}] .host-alerts") == "A"
        # the mark opens the alerts page filtered to that host
        mark.click()
        wait_shown(page, f'.alert-card[data-host="{LOCAL}"]')
        assert page.input_value("select[name=host]") == LOCAL
        page.wait_for_function(
            f"() => Array.from(document.querySelectorAll('.alert-card'))"
            f".every((c) => c.dataset.host === '{LOCAL}')"
        )
    finally:
        context.close()
    assert problems.all() == []


class SwitchableHost(FakeHost):
    """The fake host, with a run queue that the test makes long (the rule fires) or short."""

    def __init__(self) -> None:
        super().__init__()
        self.long_queue = True

    def _build(self, tick: int) -> dict[str, Any]:
        sample = super()._build(tick)
        sample["load"]["run_queue"] = 50 if self.long_queue else 2
        return sample


ALERTS_READ = re.compile(r"/api/v1/alerts\?")  # the banner's reads (not its rules)
QUIET_S = 15.0  # the tab open, nothing changing
SLACK_S = 1.5  # a loaded test machine: the fetch, the draw, the polls of this test


def _firing(server: LiveServer) -> list[str]:
    return [a["rule"] for a in _api(server)["open"] if a["status"] == "firing"]


def test_the_banner_reads_on_a_new_revision_and_is_gone_when_nothing_fires(
    browser: Browser, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With nothing changing, the open tab reads the alerts at most twice in 15 s (at start
    and as the socket opens: the samples' health.alerts_rev stays the same; the old poll read
    every 5 s). The evaluator fires a rule: the banner shows it within about two sample
    intervals of its being stored (the next sample's revision); then resolves it when the
    value drops: the banner leaves no trace (no element, no height)."""
    host = SwitchableHost()
    host.long_queue = False
    monkeypatch.setattr(
        "tests.live.server.fake_collectors",
        lambda _config: [SectionCollector(name, host) for name in SECTIONS],
    )
    (tmp_path / "alerts.toml").write_text(QUEUE_RULE)
    config = live_config(tmp_path, interval=1.0, alerts_file=str(tmp_path / "alerts.toml"))
    server = LiveServer(config).start()
    context = new_context(browser)
    page, problems = open_with_errors(context)
    reads: list[float] = []
    page.on(
        "request", lambda r: reads.append(time.monotonic()) if ALERTS_READ.search(r.url) else None
    )
    try:
        page.goto(server.base_url + "/")
        opened = time.monotonic()
        wait_points(page, 3, timeout=20)
        deadline = opened + QUIET_S
        page.wait_for_timeout(max(0.0, deadline - time.monotonic()) * 1000)
        assert 1 <= len(reads) <= 2, f"{len(reads)} reads of the alerts in {QUIET_S} s"
        host.long_queue = True
        wait_for(lambda: _firing(server) == ["run-queue"], timeout=20, message="the rule firing")
        stored = time.monotonic()
        page.wait_for_function(BANNER_SHOWN_JS, timeout=30_000)
        shown_after = time.monotonic() - stored
        assert shown_after <= 2 * config.interval + SLACK_S, f"shown {shown_after:.1f} s late"
        assert page.inner_text(".alert-line-title") == "Run queue long"
        assert page.inner_text(".alert-line-value") == "50 · threshold above 10"
        host.long_queue = False
        wait_for(lambda: _firing(server) == [], timeout=20, message="the rule resolved")
        page.wait_for_function(BANNER_GONE_JS, timeout=30_000)
        assert page.locator(".alert-line").count() == 0
    finally:
        context.close()
        server.close()
    assert problems.all() == []
