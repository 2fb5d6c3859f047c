"""Paths no route serves: 404 with JSON under the machine prefixes, the page with 404 elsewhere."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from flask.testing import FlaskClient

from app import create_app
from app.config import Config
from app.runtime.monitor import Monitor
from app.web.unknown_paths import machine_path


@pytest.fixture
def client(tmp_path: Path) -> Iterator[FlaskClient]:
    monitor = Monitor(Config(database_url=f"sqlite:///{tmp_path / 'm.db'}", hostname="box"))
    yield create_app(monitor=monitor).server.test_client()
    monitor.stop()


UNSERVED = ("/api/v1/nope", "/api/v2/latest", "/api/", "/ws/nope", "/ws/metrics/x", "/metrics/x")
UNSERVED += ("/healthz/", "/_dash-nope", "/_dash-layout/x")


@pytest.mark.parametrize("path", UNSERVED)
@pytest.mark.parametrize("method", ["GET", "POST", "DELETE"])
def test_an_unserved_machine_path_is_404_json(client: FlaskClient, path: str, method: str) -> None:
    response = client.open(path, method=method)
    assert response.status_code == 404
    assert response.get_json() == {"error": "no such endpoint", "path": path}


def test_a_served_path_with_another_method_is_405_json(client: FlaskClient) -> None:
    response = client.post("/api/v1/latest")
    assert response.status_code == 405
    assert response.get_json()["allowed"] == ["GET"]
    response = client.get("/api/v1/alerts/acknowledge")
    assert (response.status_code, response.get_json()["allowed"]) == (405, ["POST"])


def test_a_missing_asset_is_404_json(client: FlaskClient) -> None:
    response = client.get("/assets/nope.js")
    assert response.status_code == 404 and response.get_json()["error"] == "not found"


@pytest.mark.parametrize("path", ["/", "/hosts", "/history", "/history/", "/alerts"])
def test_the_pages_are_200(client: FlaskClient, path: str) -> None:
    response = client.get(path)
    assert response.status_code == 200 and response.mimetype == "text/html"


@pytest.mark.parametrize("path", ["/nope", "/history/x", "/apis", "/hosts/1"])
def test_an_unknown_page_is_the_page_with_404(client: FlaskClient, path: str) -> None:
    response = client.get(path)
    assert response.status_code == 404
    assert response.mimetype == "text/html"  # the page, whose router says there is no such page


def test_served_machine_paths_still_answer(client: FlaskClient) -> None:
    assert client.get("/healthz").status_code == 200
    assert client.get("/api/v1/hosts").status_code == 200
    assert client.get("/_dash-layout").status_code == 200


def test_machine_paths() -> None:
    assert machine_path("api/v1/x") and machine_path("/ws") and machine_path("_dash-x")
    assert not machine_path("apis") and not machine_path("history") and not machine_path("")
