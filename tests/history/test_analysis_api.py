"""The analysis routes through the Flask test client, on SQLite and PostgreSQL."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator

import numpy as np
import pytest
from flask.testing import FlaskClient

from app import create_app
from app.config import Config
from app.runtime.monitor import Monitor
from tests.history.conftest import T0, spiky_samples

END = T0 + 1199
DAY = 86400


@pytest.fixture
def client(database_url: str) -> Iterator[FlaskClient]:
    monitor = Monitor(Config(database_url=database_url, hostname="h1"))
    monitor.stop()  # never samples: the history is what the test wrote
    samples = spiky_samples(1200)
    for sample in samples[900:]:  # a step in memory in the last 5 minutes
        sample["memory"]["percent"] += 30.0
    yesterday = spiky_samples(1200, t0=T0 - DAY, seed=2)
    monitor.store.write_batch(yesterday + samples)
    yield create_app(monitor=monitor).server.test_client()
    monitor.store.engine.dispose()


def test_summary_with_the_day_before(client: FlaskClient) -> None:
    body = client.get(
        f"/api/v1/history/summary?from={T0}&to={END}&metrics=cpu.total,memory.percent"
        "&compare=1d&bins=10"
    ).json
    assert body["source"] == "raw" and body["exact"] is True
    cpu = body["series"][0]
    stored = np.array([s["cpu"]["total"] for s in spiky_samples(1200)])
    assert cpu["series"] == "cpu.total" and cpu["count"] == 1200
    assert cpu["p95"] == pytest.approx(float(np.percentile(stored, 95)))
    assert cpu["max"] == 100.0 and sum(cpu["histogram"]["counts"]) == 1200
    compare = body["compare"]
    assert compare["from"].startswith("2025-11-23T16:00:00")
    memory_shift = compare["difference"]["memory.percent"]["max"]
    assert 25 < memory_shift < 40  # this period has the step, the day before not


def test_changes_rank_the_step_first(client: FlaskClient) -> None:
    body = client.get(f"/api/v1/history/changes?from={T0 + 900}&to={END}&baseline=15m").json
    assert body["changes"][0]["series"] == "memory.percent"
    assert body["changes"][0]["shift"] == pytest.approx(30.0, abs=2.0)
    assert body["baseline_from"].startswith("2025-11-24T16:00:00")


def test_top_processes_as_json_and_csv(client: FlaskClient) -> None:
    body = client.get(f"/api/v1/history/top-processes?from={T0}&to={END}&limit=3").json
    assert body["sort"] == "cpu_s" and body["total"] == 240  # a name each 5 s (p0 … p1195)
    assert len(body["processes"]) == 3 and body["processes"][0]["cpu_s"] == pytest.approx(0.05)
    response = client.get(f"/api/v1/history/top-processes?from={T0}&to={END}&format=csv&limit=5")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True))))
    assert rows[0][:3] == ["name", "cpu_s", "rss_peak"] and len(rows) == 6
    one = client.get(f"/api/v1/history/top-processes/series?from={T0}&to={T0 + 20}&name=p10").json
    assert one["resolution"] == "snapshot" and one["name"] == "p10"
    assert one["cpu"] == [None, None, 1.0, None]  # in the snapshot at T0 + 10 only


BAD = [
    (f"/api/v1/history/summary?from={T0}&to={END}", "metrics"),
    (f"/api/v1/history/summary?from={T0}&to={END}&metrics=nope", "metrics"),
    (f"/api/v1/history/summary?from={T0}&to={END}&metrics=cpu.total&compare=sometimes", "compare"),
    (f"/api/v1/history/summary?from={T0}&to={END}&metrics=cpu.total&bins=1", "bins"),
    (f"/api/v1/history/changes?from={T0}&to={END}&baseline=1s", "baseline"),
    (f"/api/v1/history/changes?from={END}&to={T0}", "to"),
    (f"/api/v1/history/top-processes?from={T0}&to={END}&sort=pid", "sort"),
    (f"/api/v1/history/top-processes?from={T0}&to={END}&format=xml", "format"),
    ("/api/v1/history/top-processes?host=nobody", "host"),
    (f"/api/v1/history/top-processes/series?from={T0}&to={END}", "name"),
]


@pytest.mark.parametrize(("url", "parameter"), BAD)
def test_bad_parameters_get_a_400_naming_them(
    client: FlaskClient, url: str, parameter: str
) -> None:
    response = client.get(url)
    assert response.status_code == 400, response.get_data(as_text=True)
    assert response.json["parameter"] == parameter and response.json["error"]
