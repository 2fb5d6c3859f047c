"""One definition of "reporting": ``/api/v1/hosts``, ``/api/v1/overview`` (the hosts page) and
``/readyz`` agree for fresh, late and stale hosts, live and stored, with injected clocks.

A real server (real HTTP) whose monitor runs on a fake monotonic clock and a fake wall clock
and does not sample: the test publishes each live host's sample into the hub at a chosen
moment of the monotonic clock, and writes the stored-only hosts (an agent on the same SQLite
file, whose samples never reach this hub) into the database with chosen times. Live hosts'
sample times are skewed on purpose: arrival, not the sample's own clock, decides.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.collectors.fakes import FakeClock
from tests.live.server import LiveServer, live_config
from tests.support.samples import make_sample

WALL = 1_764_000_000.0
INTERVAL = 1.0  # this server's; a host may say another one
# host -> (live?, seconds since its newest sample, its interval, reporting?)
HOSTS = {
    "live-fresh": (True, 0.0, 1.0, True),
    "live-late": (True, 3.9, 1.0, True),  # three intervals and the grace: still reporting
    "live-stale": (True, 4.2, 1.0, False),
    "live-slow": (True, 25.0, 10.0, True),  # late by our interval, fine by its own
    "stored-fresh": (False, 0.5, 1.0, True),
    "stored-late": (False, 3.9, 1.0, True),
    "stored-stale": (False, 300.0, 1.0, False),
    "stored-slow": (False, 25.0, 10.0, True),
}


@pytest.fixture
def clocks() -> tuple[FakeClock, FakeClock]:
    return FakeClock(5000.0), FakeClock(WALL)


@pytest.fixture
def server(tmp_path: Path, clocks: tuple[FakeClock, FakeClock]) -> Iterator[LiveServer]:
    clock, wall = clocks
    config = live_config(tmp_path, hostname="live-fresh", interval=INTERVAL)
    server = LiveServer(config, clock=clock, wall_clock=wall)
    server.monitor.stop_sampling()  # nothing samples: the test publishes
    server.start()
    yield server
    server.close()


def get(server: LiveServer, path: str) -> tuple[int, Any]:
    try:
        with urllib.request.urlopen(server.base_url + path, timeout=10) as response:
            return response.status, json.load(response)
    except urllib.error.HTTPError as error:
        return error.code, json.load(error)


def sample(host: str, ts: float, interval: float) -> dict[str, Any]:
    data = make_sample(1, host=host, ts0=ts, interval=interval)
    data["ts"], data["health"]["interval_s"] = ts, interval
    return data


def publish_all(server: LiveServer, clock: FakeClock) -> None:
    """Every host's newest sample, arriving (live) or stored that many seconds ago."""
    start = clock.now
    for host, (live, ago, interval, _) in sorted(HOSTS.items(), key=lambda h: -h[1][1]):
        if live:
            clock.now = start - ago
            server.monitor.hub.publish(sample(host, WALL - 7200, interval))  # a skewed clock
        else:
            server.monitor.store.write_batch([sample(host, WALL - ago, interval)])
    clock.now = start


def reporting(body: dict[str, Any]) -> dict[str, bool]:
    return {entry["host"]: entry["reporting"] for entry in body["hosts"]}


def test_hosts_overview_and_readiness_agree(
    server: LiveServer, clocks: tuple[FakeClock, FakeClock]
) -> None:
    clock, _wall = clocks
    publish_all(server, clock)
    expected = {host: spec[3] for host, spec in HOSTS.items()}
    status, hosts = get(server, "/api/v1/hosts")
    assert status == 200 and reporting(hosts) == expected
    status, overview = get(server, "/api/v1/overview")
    assert status == 200 and reporting(overview) == expected
    ages = {e["host"]: e["age_s"] for e in hosts["hosts"]}
    assert ages == {e["host"]: e["age_s"] for e in overview["hosts"]}
    assert ages == {host: spec[1] for host, spec in HOSTS.items()}
    assert {e["host"]: e["live"] for e in overview["hosts"]} == {h: s[0] for h, s in HOSTS.items()}
    stored_only = next(e for e in overview["hosts"] if e["host"] == "stored-fresh")
    assert stored_only["cpu"] is None and stored_only["spark"] == []
    assert get(server, "/readyz")[0] == 200  # this server's host: live-fresh


@pytest.mark.parametrize(("host", "ready"), [("live-fresh", 200), ("live-late", 200),
                                             ("live-stale", 503)])  # fmt: skip
def test_readiness_is_the_same_rule_for_this_servers_host(
    tmp_path: Path, clocks: tuple[FakeClock, FakeClock], host: str, ready: int
) -> None:
    clock, wall = clocks
    server = LiveServer(live_config(tmp_path, hostname=host), clock=clock, wall_clock=wall)
    server.monitor.stop_sampling()
    server.start()
    try:
        publish_all(server, clock)
        status, body = get(server, "/readyz")
        assert status == ready, body
        hosts = reporting(get(server, "/api/v1/hosts")[1])
        assert hosts[host] is (ready == 200)
        clock.advance(10.0)  # every live host silent for ten more seconds
        assert get(server, "/readyz")[0] == 503
        assert not reporting(get(server, "/api/v1/overview")[1])[host]
    finally:
        server.close()
