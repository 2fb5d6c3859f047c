"""The alerts' revision in the samples' health (``alerts_rev``): raised by this process's
writes and by the alert service's refresh, handed to the sampler without any I/O."""

from __future__ import annotations

import logging
import threading
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine

from app import create_app
from app.alerts.rules import parse_rule_set
from app.alerts.service import AlertService
from app.config import Config
from app.runtime.monitor import Monitor
from app.runtime.sampler import Sampler
from collectors.registry import CollectorRegistry
from storage.alert_events import AlertEventStore
from storage.alert_revision import Revision
from storage.engine import make_engine
from storage.outage import DatabaseOutage
from tests.support.polling import wait_for

RULES = 'defaults = false\n[[rule]]\nname = "busy"\nseries = "cpu.total"\nwarn = 40\n'
HOT = {"name": "hot", "series": "cpu.total", "warn": 80}


class BusyCollector:
    name = "cpu"
    METRICS = {"total": ("%", "CPU busy")}

    def collect(self) -> dict[str, Any]:
        return {"total": 42.0, "per_core": [42.0]}


class NoEngine:
    """An engine that fails the test when anything uses it."""

    def __getattr__(self, name: str) -> Any:
        raise AssertionError(f"the database was used ({name})")


def monitor_for(tmp_path: Path, **options: Any) -> Monitor:
    (tmp_path / "alerts.toml").write_text(RULES)
    config = Config(database_url=f"sqlite:///{tmp_path / 'm.db'}", hostname="box",
                    alerts_file=str(tmp_path / "alerts.toml"), **options)  # fmt: skip
    return Monitor(config, collector_factory=lambda _config: [BusyCollector()])


def settle(service: AlertService) -> None:
    done = threading.Event()
    service.call(done.set)
    wait_for(done.is_set, message="the alert service to catch up")


def test_an_acknowledgement_posted_shows_in_the_next_sample(tmp_path: Path) -> None:
    monitor = monitor_for(tmp_path)
    assert monitor.alerts is not None
    monitor.alerts.start()
    try:
        sampler = monitor.build_sampler()
        sampler.tick()  # cpu 42 > 40: pending, then firing (for 0 s), stored and bumped
        settle(monitor.alerts)
        before = sampler.tick()["health"]["alerts_rev"]
        assert before >= 1
        client = create_app(monitor=monitor).server.test_client()
        assert client.get("/api/v1/alerts").get_json()["revision"] >= before
        ack = {"rule": "busy", "host": "box", "series": "cpu.total"}
        answer = client.post(
            "/api/v1/alerts/acknowledge", json=ack, headers={"Origin": "http://localhost"}
        )
        assert answer.status_code == 200, answer.get_json()
        assert sampler.tick()["health"]["alerts_rev"] == before + 1
    finally:
        monitor.stop()


def test_no_field_when_alerts_are_off(tmp_path: Path) -> None:
    monitor = monitor_for(tmp_path, alerts_enabled=False)
    try:
        assert "alerts_rev" not in monitor.build_sampler().tick()["health"]
    finally:
        monitor.stop()


def test_the_provider_never_touches_the_database() -> None:
    revision = Revision()
    rules = parse_rule_set({"rule": [HOT], "defaults": False}, ())
    service = AlertService(rules, AlertEventStore(NoEngine(), revision))  # type: ignore[arg-type]
    sampler = Sampler(CollectorRegistry(), host="h", interval=1, health_providers=[service.health])
    assert sampler.tick()["health"]["alerts_rev"] == 0
    revision.saw(7)  # a write of this process, or a read by the service's refresh
    assert sampler.tick()["health"]["alerts_rev"] == 7


def test_the_refresh_reads_another_process_write_and_rides_out_an_outage(
    database_url: str, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    engine = make_engine(database_url)
    ours, theirs = AlertEventStore(engine, Revision()), AlertEventStore(engine, Revision())
    rules = parse_rule_set({"rule": [HOT], "defaults": False}, ())
    outage = DatabaseOutage()
    service = AlertService(rules, ours, outage=outage)
    theirs.add_silence(rule="*", host="*", series="*", until=1.0, actor="", note="", now=0.0)
    assert service.health() == {"alerts_rev": 0}
    service.refresh()
    assert service.health() == {"alerts_rev": 1}
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("")  # a file where the database's folder should be: every connect fails
    ours.engine = create_engine(f"sqlite:///{blocker / 'x.db'}")  # the database gone
    ours._ready = True
    with caplog.at_level(logging.INFO):
        for _ in range(3):
            service.refresh()  # neither raises nor logs each time
            assert service.health() == {"alerts_rev": 1}
    assert outage.failures >= 1
    assert len([r for r in caplog.records if "alert" in r.getMessage()]) <= 1
