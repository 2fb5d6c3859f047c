"""What the live page reads to fill a window from the database (assets/live-fill.js): the
stored hosts (never a 400), then a host's series over a range that ends before the first
sample the page holds, at most 1000 points a series."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from flask.testing import FlaskClient

from app import create_app
from app.config import Config
from app.runtime.monitor import Monitor
from tests.history.conftest import T0, spiky_samples


@pytest.fixture
def client(database_url: str) -> Iterator[FlaskClient]:
    monitor = Monitor(Config(database_url=database_url, hostname="h1"))
    monitor.stop()  # never samples: the history is what the test wrote
    monitor.store.write_batch(spiky_samples(3600))
    yield create_app(monitor=monitor).server.test_client()
    monitor.store.engine.dispose()


def test_the_stored_hosts_are_listed(client: FlaskClient) -> None:
    answer = client.get("/api/v1/history/hosts")
    assert answer.status_code == 200 and answer.json == {"hosts": ["h1"]}


def test_the_range_before_the_buffer_excludes_its_first_sample(client: FlaskClient) -> None:
    first_live = T0 + 300  # the page holds this sample and the ones after it
    url = (
        f"/api/v1/history?host=h1&from={T0 + 100:.3f}&to={first_live - 0.001:.3f}"
        "&points=1000&metrics=cpu.total&metrics=memory.percent"
    )
    body = client.get(url).json
    assert body["source"] == "raw" and body["bucket_s"] is None
    assert body["ts"][0] == (T0 + 100) * 1000 and body["ts"][-1] == (first_live - 1) * 1000
    assert len(body["ts"]) == 200


def test_an_hour_comes_in_at_most_1000_points(client: FlaskClient) -> None:
    url = f"/api/v1/history?host=h1&from={T0:.3f}&to={T0 + 3599.999:.3f}&points=1000"
    body = client.get(url + "&metrics=cpu.total").json
    assert len(body["ts"]) <= 1000 and body["bucket_s"] == 5.0
    assert body["ts"][-1] < (T0 + 3600) * 1000
