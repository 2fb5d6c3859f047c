"""Agents and a dashboard sharing one PostgreSQL; graceful shutdown under gunicorn."""

from __future__ import annotations

import time

import pytest

from storage.engine import make_engine
from storage.store import MetricStore
from tests.support.polling import wait_for
from tests.support.postgres import temporary_schema
from tests.support.servers import agent, free_port, get_json, gunicorn

INTERVAL = 0.5


@pytest.fixture
def database_url():
    with temporary_schema() as url:
        yield url


def host_status(port: int, source: str = "hosts") -> dict[str, dict]:
    """Per host, its entry in /api/v1/hosts (stored and live) or /api/v1/overview (the page)."""
    body = get_json(f"http://127.0.0.1:{port}/api/v1/{source}") or {"hosts": []}
    return {h["host"]: h for h in body["hosts"]}


def test_two_agents_and_a_dashboard_on_one_database(database_url: str) -> None:
    port = free_port()
    env = {
        "MONITOR_DATABASE_URL": database_url,
        "MONITOR_INTERVAL": str(INTERVAL),
        "MONITOR_HOSTNAME": "dashboard-host",
    }
    with (
        gunicorn(port, env) as server,
        agent(database_url, "agent-a", INTERVAL) as a,
        agent(database_url, "agent-b", INTERVAL) as b,
    ):
        for host in ("agent-a", "agent-b", "dashboard-host"):
            latest = wait_for(
                lambda h=host: (
                    (s := get_json(f"http://127.0.0.1:{port}/api/v1/latest?host={h}"))
                    and s.get("host") == h
                    and s["seq"] >= 3
                    and s
                ),
                timeout=60,
                message=f"live samples of {host}\n{server.log()}{a.log()}{b.log()}",
            )
            assert latest["cpu"]["total"] is not None
        for source in ("hosts", "overview"):
            status = host_status(port, source)
            assert all(status[h]["reporting"] for h in ("agent-a", "agent-b", "dashboard-host"))
        assert len(host_status(port, "overview")["agent-a"]["spark"]) >= 3

        assert b.terminate() == 0, b.log()
        stopped_at = time.time()
        for source in ("hosts", "overview"):
            wait_for(
                lambda s=source: not host_status(port, s)["agent-b"]["reporting"],
                timeout=10,
                message=f"agent-b shown as not reporting in {source}",
            )
            status = host_status(port, source)
            assert status["agent-a"]["reporting"] and status["dashboard-host"]["reporting"]
        assert host_status(port)["agent-b"]["last_ts"] <= stopped_at

    store = MetricStore(make_engine(database_url))
    assert store.host_names() == ["agent-a", "agent-b", "dashboard-host"]
    for host in ("agent-a", "agent-b"):
        frame = store.read_frame(host, 0, 2e9, ["cpu.total"])
        spacing = frame.index.to_series().diff().dropna().dt.total_seconds()
        assert len(frame) >= 3 and (spacing == INTERVAL).all(), host  # stored, flushed, no hole
    store.engine.dispose()


def test_sigterm_during_buffered_writes_loses_nothing(database_url: str) -> None:
    port = free_port()
    env = {
        "MONITOR_DATABASE_URL": database_url,
        "MONITOR_INTERVAL": str(INTERVAL),
        "MONITOR_HOSTNAME": "term-host",
        "MONITOR_BATCH_INTERVAL": "3600",
    }
    with gunicorn(port, env) as server:
        url = f"http://127.0.0.1:{port}/api/v1/latest"
        first = wait_for(
            lambda: (s := get_json(url)) and "seq" in s and s,
            timeout=60,
            message=f"first sample\n{server.log()}",
        )
        last = wait_for(
            lambda: (s := get_json(url)) and s["seq"] >= first["seq"] + 6 and s,
            message="more samples",
        )
        assert last["health"]["buffer_depth"] >= 6  # nothing written yet: all in the buffer
        assert server.terminate() == 0, server.log()
    store = MetricStore(make_engine(database_url))
    frame = store.read_frame("term-host", 0, 2e9, ["cpu.total"])
    stamps = [t.timestamp() for t in frame.index]
    assert stamps[0] <= first["ts"] and stamps[-1] >= last["ts"]
    assert stamps == [stamps[0] + i * INTERVAL for i in range(len(stamps))]
    store.engine.dispose()
