"""REST routes through the Flask test client, with a sampler over fake collectors."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from app import create_app
from app.config import Config, ConfigError
from app.runtime.monitor import Monitor
from tests.live.fake_workloads import cgroups_section, pressure_section


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
        ({"MONITOR_INTERVAL": "0"}, "MONITOR_INTERVAL must be greater than 0 and at most 3600"),
        ({"MONITOR_INCLUDE_VIRTUAL_NET": "maybe"}, "MONITOR_INCLUDE_VIRTUAL_NET"),
    ],
)
def test_bad_configuration_is_a_clear_error(env: dict[str, str], fragment: str) -> None:
    with pytest.raises(ConfigError, match=fragment.replace("(", r"\(")):
        Config.from_env(env)


def test_readyz_reports_database_and_freshness(monitor: Monitor) -> None:
    client = create_app(monitor=monitor).server.test_client()
    monitor.sampler = monitor.build_sampler()
    not_ready = client.get("/readyz")
    assert not_ready.status_code == 503 and not_ready.get_json()["error"] == "no sample yet"
    monitor.sampler.align()
    monitor.sampler.tick()  # stamped with the next whole second: fresh
    ready = client.get("/readyz")
    assert ready.status_code == 200 and ready.get_json()["ready"] is True


def test_readyz_is_503_when_the_database_cannot_be_opened(tmp_path: Path) -> None:
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("")
    config = Config(database_url=f"sqlite:///{blocker / 'm.db'}", hostname="box")
    monitor = Monitor(config, collector_factory=lambda _config: [FixedCollector()])
    client = create_app(monitor=monitor).server.test_client()
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.get_json()["error"] == (
        "database unreachable: OperationalError: unable to open database file"
    )
    monitor.stop(timeout=0.5)


def test_metrics_in_prometheus_text_format(monitor: Monitor) -> None:
    client = create_app(monitor=monitor).server.test_client()
    monitor.sampler = monitor.build_sampler()
    monitor.sampler.tick()
    response = client.get("/metrics")
    assert response.status_code == 200
    assert response.mimetype == "text/plain"
    body = response.get_data(as_text=True)
    assert "# TYPE monitor_cpu_total gauge" in body
    assert 'monitor_cpu_total{host="box"} 42.0' in body
    assert 'monitor_cpu_per_core{host="box",entity="1"} 44.0' in body
    assert "monitor_process_subscribers 0.0" in body
    assert "monitor_process_buffer_depth 1.0" in body


class WorkloadCollectors:
    """The ``cgroups`` and ``pressure`` sections of one tick, a workload name with a quote."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.METRICS: dict[str, tuple[str, str]] = {}

    def collect(self) -> dict[str, Any]:
        if self.name == "pressure":
            return pressure_section(3)
        section = cgroups_section(3)
        section["workloads"][0]["name"] = 'we"b'
        return section


def test_metrics_label_workloads_and_pressure(tmp_path: Path) -> None:
    config = Config(database_url=f"sqlite:///{tmp_path / 'm.db'}", hostname="box")
    collectors = [FixedCollector(), WorkloadCollectors("pressure"), WorkloadCollectors("cgroups")]
    monitor = Monitor(config, collector_factory=lambda _config: collectors)
    client = create_app(monitor=monitor).server.test_client()
    monitor.sampler = monitor.build_sampler()
    monitor.sampler.tick()
    body = client.get("/metrics").get_data(as_text=True)
    monitor.stop()
    top = cgroups_section(3)["workloads"][0]
    labels = f'host="box",entity="{top["key"]}",kind="{top["kind"]}",name="we\\"b"'
    assert f"monitor_cgroups_workloads_cpu_pct{{{labels}}} {top['cpu_pct']!r}" in body
    assert (
        'monitor_cgroups_workloads_mem_limit{host="box",entity="docker/web",kind="docker",' in body
    )
    assert 'monitor_cgroups_workloads_oom_kills{host="box",entity="docker/web"' in body
    assert 'monitor_cgroups_total{host="box"} 37' in body
    some = pressure_section(3)
    assert (
        f'monitor_pressure_some_pct{{host="box",resource="cpu"}} {some["cpu"]["some_pct"]!r}'
        in body
    )
    assert (
        f'monitor_pressure_full_avg10{{host="box",resource="io"}} {some["io"]["full_avg10"]!r}'
        in body
    )
    assert (
        'resource="cpu"'
        not in body.split("# TYPE monitor_pressure_full_avg10 gauge")[1].split("#")[0]
    )
