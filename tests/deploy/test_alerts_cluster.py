"""Alerts under gunicorn with three workers on the real PostgreSQL: the sampler's worker is the
host's one evaluator, so each transition is notified once, not once a worker."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from storage.alert_events import AlertEventStore
from storage.engine import make_engine
from tests.deploy.test_gunicorn_cluster import Census
from tests.support.polling import wait_for
from tests.support.postgres import temporary_schema
from tests.support.receiver import Receiver
from tests.support.servers import free_port, get_json, gunicorn

RULES = """
defaults = false
group_wait = "0s"

[[rule]]
name = "always"
series = "cpu.total"
op = ">"
warn = -1          # every sample is past it: fires on the first tick
"""


def latest_seq(port: int) -> int:
    """The newest sample's number as the worker that answers holds it; -1 while that worker
    has none yet (a follower answers 503 until the relay brought it one)."""
    latest = get_json(f"http://127.0.0.1:{port}/api/v1/latest") or {}
    return int(latest.get("seq", -1))


@pytest.fixture
def database_url():
    with temporary_schema() as url:
        yield url


def test_three_workers_notify_each_transition_once(database_url: str, tmp_path: Path) -> None:
    rules = tmp_path / "alerts.toml"
    rules.write_text(RULES)
    receiver = Receiver().start()
    port = free_port()
    env = {
        "MONITOR_DATABASE_URL": database_url, "MONITOR_WORKERS": "3", "MONITOR_INTERVAL": "1",
        "MONITOR_HOSTNAME": "alert-host", "MONITOR_THREADS": "8",
        "MONITOR_ALERTS_FILE": str(rules), "MONITOR_NOTIFY_URLS": receiver.url(),
    }  # fmt: skip
    store = AlertEventStore(make_engine(database_url))
    try:
        with gunicorn(port, env) as server:
            census = Census(port)
            wait_for(
                lambda: len(census.poll()) == 3, timeout=60, message=f"3 workers\n{server.log()}"
            )
            wait_for(lambda: receiver.received, timeout=30, message="the notification")
            roles = Counter(h["role"] for h in census.poll().values())
            assert roles == {"sampler": 1, "follower": 2}
            wait_for(lambda: latest_seq(port) >= 0, timeout=30, message="a sample")
            first = latest_seq(port)
            wait_for(  # ten more ticks evaluated by whichever worker samples
                lambda: latest_seq(port) >= first + 10, timeout=30, message="ten more samples",
            )  # fmt: skip
    finally:
        receiver.stop()
    assert len(receiver.received) == 1, receiver.received
    assert receiver.received[0]["title"] == "[FIRING] always on alert-host (warning)"
    firing = store.events(kinds=["firing"])
    assert len(firing) == 1 and firing[0]["notified_ts"] is not None
    assert [d["ok"] for d in store.deliveries()] == [True]
