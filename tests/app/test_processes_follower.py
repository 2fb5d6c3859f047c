"""On PostgreSQL, a search works whichever worker serves it: the sampling one answers from its
last scan, a follower (another worker of the same host) from a scan of its own, made when
asked and at most once an interval. Two real servers on one real PostgreSQL, real HTTP."""

from __future__ import annotations

import json
import os
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from app.runtime.process_scans import FollowerScans
from tests.collectors.fakes import FakeClock
from tests.live.server import LiveServer, live_config
from tests.support.polling import wait_for
from tests.support.postgres import temporary_schema


@pytest.fixture
def servers(tmp_path: Path) -> Iterator[list[LiveServer]]:
    with temporary_schema() as url:
        config = live_config(tmp_path, database_url=url, hostname="pg-search", interval=0.5)
        servers = [LiveServer(config, fake=False), LiveServer(config, fake=False)]
        try:
            for server in servers:
                server.start()
            yield servers
        finally:
            for server in servers:
                server.close()


def search(server: LiveServer, query: str) -> dict | None:
    """The answer, or None while it is 503 (no scan yet: the sampler is starting)."""
    url = f"{server.base_url}/api/v1/processes?q={query}"
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return json.load(response)
    except urllib.error.HTTPError as error:
        if error.code != 503:
            raise
        return None


def test_the_sampler_and_a_follower_both_find_a_process(servers: list[LiveServer]) -> None:
    roles = wait_for(
        lambda: (r := sorted(s.monitor.role for s in servers)) == ["follower", "sampler"] and r,
        timeout=30,
        message="one sampler and one follower",
    )
    assert roles == ["follower", "sampler"]
    pid = str(os.getpid())
    for server in servers:
        body = wait_for(lambda s=server: search(s, pid), message=f"a scan ({server.monitor.role})")
        assert os.getpid() in {row["pid"] for row in body["processes"]}, server.monitor.role
        assert body["total"] > 10


def test_a_follower_scans_at_most_once_an_interval() -> None:
    clock = FakeClock()
    scans = FollowerScans(1.0, hide_cmdline=False, mask_secrets=True, clock=clock)
    first = scans.table().search("")
    assert first["total"] > 10 and first["scan_age_s"] == 0.0
    clock.advance(0.6)
    assert scans.table().search("")["scan_age_s"] == 0.6  # the same scan
    clock.advance(0.5)
    assert scans.table().search("")["scan_age_s"] == 0.0  # a new one
