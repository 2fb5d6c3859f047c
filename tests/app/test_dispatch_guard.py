"""Dash's callback endpoint: malformed requests get 400 with the reason; real ones still run."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask.testing import FlaskClient

from app import create_app
from app.config import Config
from app.pages import ids
from app.runtime.monitor import Monitor

ROUTE_OUTPUT = f"{ids.PAGE_CONTENT}.children"


def route_request(**changes: Any) -> dict[str, Any]:
    """The request the renderer sends for the page router on a first load of /history."""
    body: dict[str, Any] = {
        "output": ROUTE_OUTPUT,
        "outputs": {"id": ids.PAGE_CONTENT, "property": "children"},
        "inputs": [{"id": ids.LOCATION, "property": "pathname", "value": "/history"}],
        "changedPropIds": [f"{ids.LOCATION}.pathname"],
    }
    body.update(changes)
    return body


@pytest.fixture
def client(tmp_path: Path) -> Iterator[FlaskClient]:
    monitor = Monitor(Config(database_url=f"sqlite:///{tmp_path / 'm.db'}", hostname="box"))
    yield create_app(monitor=monitor).server.test_client()
    monitor.stop()


def test_a_real_callback_request_still_runs(client: FlaskClient) -> None:
    response = client.post("/_dash-update-component", json=route_request())
    assert response.status_code == 200
    assert ids.PAGE_CONTENT in response.get_data(as_text=True)


@pytest.mark.parametrize(
    ("body", "problem"),
    [
        ({}, "output names no callback"),
        ([], "the body must be a JSON object"),
        ("x", "the body must be a JSON object"),
        (route_request(output="nope.children"), "output names no callback"),
        (route_request(output=7), "output names no callback"),
        (route_request(outputs="x"), "outputs must be"),
        (route_request(inputs={"id": "a"}), "inputs must be a list"),
        (route_request(inputs=[{"id": "a"}]), "inputs must be a list"),
        (route_request(state=[3]), "state must be a list"),
        (route_request(changedPropIds="a.b"), "changedPropIds must be"),
    ],
)
def test_a_malformed_callback_request_is_400_with_the_reason(
    client: FlaskClient, body: Any, problem: str
) -> None:
    response = client.post("/_dash-update-component", json=body)
    assert response.status_code == 400
    assert problem in response.get_json()["error"]


def test_a_body_that_is_not_json_is_400(client: FlaskClient) -> None:
    response = client.post(
        "/_dash-update-component", data=b"\xff{", content_type="application/json"
    )
    assert response.status_code == 400
