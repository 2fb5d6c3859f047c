"""History and export routes through the Flask test client: data, and a 400 for bad input."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator

import pytest
from flask.testing import FlaskClient

from app import create_app
from app.config import Config
from app.runtime.monitor import Monitor
from tests.history.conftest import T0, spiky_samples

END = T0 + 1199


@pytest.fixture
def client(database_url: str) -> Iterator[FlaskClient]:
    monitor = Monitor(Config(database_url=database_url, hostname="h1"))
    monitor.stop()  # never samples: the history is what the test wrote
    monitor.store.write_batch(spiky_samples(1200))
    monitor.store.write_batch(spiky_samples(10, host="h2"))
    yield create_app(monitor=monitor).server.test_client()
    monitor.store.engine.dispose()


def test_history_and_export_routes(client: FlaskClient) -> None:
    body = client.get(f"/api/v1/history?from={T0}&to={END}&metrics=cpu.total&points=100").json
    assert body["source"] == "raw" and body["bucket_s"] == 15.0 and body["host"] == "h1"
    assert len(body["ts"]) == 80 and max(body["series"]["cpu.total"]["max"]) == 100.0
    series = client.get("/api/v1/history/series?host=h2").json
    assert series["hosts"] == ["h1", "h2"] and "cpu.total" in series["series"]
    snapshot = client.get(f"/api/v1/history/processes?at={T0 + 12}").json
    assert snapshot["ts"] == T0 + 10 and snapshot["top_cpu"][0]["name"] == "p10"
    assert client.get("/api/v1/history/usage").json["total"] > 0
    response = client.get(
        f"/api/v1/export.csv?from={T0}&to={T0 + 59}&metrics=cpu.total&metrics=memory.percent"
    )
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert response.headers["Content-Disposition"].startswith('attachment; filename="h1-raw-')
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True))))
    assert rows[0] == ["ts", "cpu.total", "memory.percent"] and len(rows) == 61


BAD_REQUESTS = [
    ("/api/v1/export.csv?metrics=cpu.total,nope", "metrics"),
    ("/api/v1/export.csv?from=yesterday-ish", "from"),
    ("/api/v1/export.csv?to=2025-13-01", "to"),
    (f"/api/v1/export.csv?from={END}&to={T0}", "to"),
    (f"/api/v1/export.csv?from={T0}&to={T0}", "to"),
    ("/api/v1/export.csv?since=forever", "since"),
    (f"/api/v1/export.csv?since=1h&from={T0}", "since"),
    ("/api/v1/export.csv?from=1e30", "from"),
    ("/api/v1/export.csv?from=-5", "from"),
    (f"/api/v1/export.csv?from={T0 - 60 * 86400}&to={T0}&resolution=raw", "from"),
    (f"/api/v1/export.csv?from={T0 - 9000 * 86400}&to={T0}&resolution=1m", "from"),
    ("/api/v1/export.csv?resolution=5m", "resolution"),
    ("/api/v1/export.csv?format=xlsx", "format"),
    ("/api/v1/export.csv?time=unix", "time"),
    ("/api/v1/export.csv?kind=sensors", "kind"),
    ("/api/v1/export.csv?host=nowhere", "host"),
    ("/api/v1/export.csv?host=", None),  # empty means the default host: fine
    ("/api/v1/history?metrics=nope", "metrics"),
    ("/api/v1/history?host=nowhere", "host"),
    (f"/api/v1/history?from={END}&to={T0}", "to"),
    ("/api/v1/history?from=0&to=2000000000", "from"),
    ("/api/v1/history?points=5", "points"),
    ("/api/v1/history?points=many", "points"),
    ("/api/v1/history/series?host=nowhere", "host"),
    ("/api/v1/history/processes", "at"),
    ("/api/v1/history/processes?at=noon", "at"),
    ("/api/v1/history/processes?at=now&host=nowhere", "host"),
]


def test_bad_input_is_a_400_naming_the_parameter(client: FlaskClient) -> None:
    for url, parameter in BAD_REQUESTS:
        response = client.get(url)
        if parameter is None:
            assert response.status_code == 200, url
            continue
        assert response.status_code == 400, (url, response.status_code, response.data[:200])
        body = response.get_json()
        assert body["parameter"] == parameter, (url, body)
        assert isinstance(body["error"], str) and body["error"], url


def test_several_hosts_and_no_default(database_url: str) -> None:
    monitor = Monitor(Config(database_url=database_url, hostname="elsewhere"))
    monitor.stop()
    monitor.store.write_batch(spiky_samples(5, host="a") + spiky_samples(5, host="b"))
    client = create_app(monitor=monitor).server.test_client()
    response = client.get("/api/v1/export.csv")
    assert response.status_code == 400 and response.json["parameter"] == "host"
    assert "several hosts" in response.json["error"]
    assert client.get(f"/api/v1/export.csv?host=b&from={T0}&to={T0 + 9}").status_code == 200
    monitor.store.engine.dispose()
