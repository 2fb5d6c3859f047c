"""The alerts API through the Flask test client, over a monitor whose sampler is ticked by hand."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event

from app import create_app
from app.config import Config
from app.runtime.monitor import Monitor
from tests.support.polling import wait_for

SECRET_URL = "json://127.0.0.1:9/secret-token-path"
RULES = (
    'defaults = false\n[[rule]]\nname = "busy"\nseries = "cpu.total"\nwarn = 40\nrepeat = "1h"\n'
)


class BusyCollector:
    name = "cpu"
    METRICS = {"total": ("%", "CPU busy")}

    def collect(self) -> dict[str, Any]:
        return {"total": 42.0, "per_core": [42.0]}


@pytest.fixture
def client_and_monitor(tmp_path: Path):
    (tmp_path / "alerts.toml").write_text(RULES)
    config = Config(
        database_url=f"sqlite:///{tmp_path / 'm.db'}", hostname="box",
        alerts_file=str(tmp_path / "alerts.toml"), notify_urls=SECRET_URL,
    )  # fmt: skip
    monitor = Monitor(config, collector_factory=lambda _config: [BusyCollector()])
    assert monitor.alerts is not None
    monitor.alerts.start()
    monitor.sampler = monitor.build_sampler()
    monitor.sampler.tick()
    done = threading.Event()
    monitor.alerts.call(done.set)
    wait_for(done.is_set, message="evaluation")
    yield create_app(monitor=monitor).server.test_client(), monitor
    monitor.stop()


def test_open_alerts_rules_without_secrets_and_metrics(client_and_monitor) -> None:
    client, _monitor = client_and_monitor
    body = client.get("/api/v1/alerts?since=0").get_json()
    assert [(a["rule"], a["host"], a["status"]) for a in body["open"]] == [
        ("busy", "box", "firing")
    ]
    assert {e["kind"] for e in body["events"]} == {"pending", "firing"}
    rules = client.get("/api/v1/alerts/rules").get_json()
    assert [r["name"] for r in rules["rules"]] == ["busy"]
    assert rules["targets"] == [{"name": "json #1", "severity": None, "labels": {}}]
    metrics = client.get("/metrics").get_data(as_text=True)
    assert 'monitor_alerts{status="firing",severity="warning"} 1' in metrics
    for path in ("/api/v1/alerts", "/api/v1/alerts/rules", "/metrics"):
        assert "secret-token" not in client.get(path).get_data(as_text=True)


def test_since_now_reads_no_events(client_and_monitor) -> None:
    """The live banner's poll (since=now) lists the open alerts without querying the events."""
    client, monitor = client_and_monitor
    statements: list[str] = []
    engine = monitor.alerts.store.engine
    client.get("/api/v1/alerts?since=now")  # the first request's start-up and schema checks

    requester = threading.get_ident()  # the test client serves requests on this thread

    def record(_conn, _cursor, statement, *_args) -> None:
        if threading.get_ident() == requester:  # not the sampler's or the evaluator's
            statements.append(statement)

    event.listen(engine, "before_cursor_execute", record)
    try:
        banner = client.get("/api/v1/alerts?kind=firing&since=now&limit=1").get_json()
        banner_statements, statements[:] = list(statements), []
        page = client.get("/api/v1/alerts?kind=firing&since=0&limit=1").get_json()
    finally:
        event.remove(engine, "before_cursor_execute", record)
    assert [(a["rule"], a["status"]) for a in banner["open"]] == [("busy", "firing")]
    assert banner["events"] == [] and [e["kind"] for e in page["events"]] == ["firing"]
    assert len(statements) == len(banner_statements) + 1  # the events query, and only it
    assert not any("ORDER BY monitor_alert_events.id DESC" in s for s in banner_statements)


def test_acknowledge_and_silence(client_and_monitor) -> None:
    client, monitor = client_and_monitor
    ack = {"rule": "busy", "host": "box", "series": "cpu.total", "note": "on it"}
    response = client.post("/api/v1/alerts/acknowledge", json=ack)
    assert response.status_code == 200
    monitor.alerts.refresh()  # what the service's thread does every few seconds
    alert = monitor.alerts.evaluator.alerts[("busy", "box", "cpu.total")]
    assert alert.acknowledged and alert.ack_note == "on it"
    response = client.post("/api/v1/alerts/silences", json={"host": "box", "for": "2h"})
    assert response.status_code == 201
    silences = client.get("/api/v1/alerts").get_json()["silences"]
    assert [(s["host"], s["rule"]) for s in silences] == [("box", "*")]


@pytest.mark.parametrize(
    ("path", "kwargs", "status", "message"),
    [
        ("/api/v1/alerts/acknowledge", {"data": "rule=busy"}, 400, "body: send JSON"),
        ("/api/v1/alerts/acknowledge", {"json": {"host": "box"}}, 400, "rule: missing"),
        ("/api/v1/alerts/acknowledge", {"json": {"rule": "nope", "host": "box"}}, 404, "nope"),
        ("/api/v1/alerts/silences", {"json": {"for": "soon"}}, 400, "for: not a duration"),
        ("/api/v1/alerts/silences", {"json": {"rule": 5}}, 400, "rule: must be a string"),
    ],
)
def test_bad_requests_are_4xx_naming_the_problem(
    client_and_monitor, path: str, kwargs: dict, status: int, message: str
) -> None:
    client, _monitor = client_and_monitor
    response = client.post(path, **kwargs)
    assert response.status_code == status
    assert message in response.get_json()["error"]


def test_bad_list_parameters(client_and_monitor) -> None:
    client, _monitor = client_and_monitor
    response = client.get("/api/v1/alerts?limit=0")
    assert response.status_code == 400 and "limit" in response.get_json()["error"]
    response = client.get("/api/v1/alerts?since=yesterday-ish")
    assert response.status_code == 400 and "since" in response.get_json()["error"]


def test_end_silence(client_and_monitor) -> None:
    client, _monitor = client_and_monitor
    created = client.post("/api/v1/alerts/silences", json={"host": "box", "for": "1h"})
    silence_id = created.get_json()["id"]
    response = client.post(f"/api/v1/alerts/silences/{silence_id}/end")
    assert response.status_code == 200 and response.get_json()["ended"] is True
    assert client.get("/api/v1/alerts").get_json()["silences"] == []
    again = client.post(f"/api/v1/alerts/silences/{silence_id}/end")
    assert again.status_code == 404 and f"#{silence_id}" in again.get_json()["error"]
