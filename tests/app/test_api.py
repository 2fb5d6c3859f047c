"""REST routes through the Flask test client, with a sampler over fake collectors."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from app import create_app
from app.config import Config, ConfigError
from app.monitor import Monitor


class FixedCollector:
    name = "cpu"
    METRICS = {"total": ("%", "CPU busy")}

    def collect(self) -> dict[str, Any]:
        return {"total": 42.0, "per_core": [40.0, 44.0]}


@pytest.fixture
def monitor(tmp_path: Path) -> Monitor:
    config = Config(database_url=f"sqlite:///{tmp_path / 'm.db'}", hostname="box")
    monitor = Monitor(config, collector_factory=lambda _config: [FixedCollector()])
    yield monitor
    monitor.stop()


def test_latest_before_and_after_the_first_sample(monitor: Monitor) -> None:
    client = create_app(monitor=monitor).server.test_client()
    monitor.sampler = monitor.build_sampler()  # started by hand: no thread, no waiting
    response = client.get("/api/v1/latest")
    assert response.status_code == 503
    assert "no sample yet" in response.get_json()["error"]
    monitor.sampler.tick()
    response = client.get("/api/v1/latest")
    assert response.status_code == 200
    body = response.get_json()
    assert body["host"] == "box" and body["cpu"]["total"] == 42.0 and body["v"] == 1
    assert response.headers["Cache-Control"] == "no-store"
    assert client.get("/api/v1/latest?host=box").status_code == 200
    missing = client.get("/api/v1/latest?host=other")
    assert missing.status_code == 404 and missing.get_json()["parameter"] == "host"


def test_healthz_and_pages(monitor: Monitor) -> None:
    client = create_app(monitor=monitor).server.test_client()
    assert client.get("/healthz").get_json()["status"] == "ok"
    page = client.get("/")
    assert page.status_code == 200 and b"System monitor" in page.data


def test_config_from_environment_and_overrides() -> None:
    env = {
        "MONITOR_PORT": "9000",
        "MONITOR_INTERVAL": "0.5",
        "MONITOR_ALLOWED_ORIGINS": "a, b",
        "MONITOR_INCLUDE_VIRTUAL_NET": "yes",
    }
    config = Config.from_env(env, port=9100)
    assert config.port == 9100 and config.interval == 0.5
    assert config.allowed_origins == ("a", "b") and config.include_virtual_net is True
    assert config.host == "127.0.0.1"
    assert config.buffer_max == 7200


@pytest.mark.parametrize(
    ("env", "fragment"),
    [
        ({"MONITOR_PORT": "http"}, "MONITOR_PORT='http' is not a valid int"),
        ({"MONITOR_INTERVAL": "0"}, "interval must be between"),
        ({"MONITOR_INCLUDE_VIRTUAL_NET": "maybe"}, "MONITOR_INCLUDE_VIRTUAL_NET"),
    ],
)
def test_bad_configuration_is_a_clear_error(env: dict[str, str], fragment: str) -> None:
    with pytest.raises(ConfigError, match=fragment.replace("(", r"\(")):
        Config.from_env(env)
