"""Dash's callback endpoint: malformed requests get 400 with the reason; real ones still run."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask.testing import FlaskClient

from app import create_app
from app.config import Config
from app.guard.dash_types import property_types, value_problem
from app.guard.json_limits import nesting_depth
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


@pytest.mark.parametrize(
    ("changes", "problem"),
    [
        ({"inputs": []}, "inputs must be the callback's 1, in order: got 0"),
        (
            {"inputs": [{"id": "nope", "property": "pathname", "value": "/"}]},
            f"inputs[0] must be {ids.LOCATION}.pathname",
        ),
        (
            {"inputs": [{"id": ids.LOCATION, "property": "pathname", "value": 7}]},
            f"inputs[0] ({ids.LOCATION}.pathname) must be string or null",
        ),
        (
            {"inputs": [{"id": ids.LOCATION, "property": "pathname", "value": ["/"]}]},
            "must be string or null",
        ),
        ({"state": [{"id": ids.LOCATION, "property": "search"}]}, "state must be the callback's 0"),
        ({"outputs": {"id": "nope", "property": "children"}}, "outputs do not match"),
        ({"outputs": []}, "outputs do not match"),
        ({"changedPropIds": ["nope.value"]}, "changedPropIds names a property"),
    ],
)
def test_a_request_that_is_not_its_callbacks_definition_is_400(
    client: FlaskClient, changes: dict[str, Any], problem: str
) -> None:
    response = client.post("/_dash-update-component", json=route_request(**changes))
    assert response.status_code == 400
    assert problem in response.get_json()["error"]


def test_a_missing_value_is_null_which_the_router_takes(client: FlaskClient) -> None:
    body = route_request(inputs=[{"id": ids.LOCATION, "property": "pathname"}])
    assert client.post("/_dash-update-component", json=body).status_code == 200


def test_a_callback_computed_in_the_browser_is_400(tmp_path: Path) -> None:
    monitor = Monitor(Config(database_url=f"sqlite:///{tmp_path / 'm.db'}", hostname="box"))
    dash_app = create_app(monitor=monitor)
    output = next(o for o, c in dash_app.callback_map.items() if "callback" not in c)
    callback = dash_app.callback_map[output]
    body = {
        "output": output,
        "outputs": [
            {"id": o.component_id, "property": o.component_property}
            for o in (
                callback["output"] if isinstance(callback["output"], list) else [callback["output"]]
            )
        ],
        "inputs": [dict(d, value=None) for d in callback["inputs"]],
        "state": [dict(d, value=None) for d in callback["state"]],
    }
    response = dash_app.server.test_client().post("/_dash-update-component", json=body)
    monitor.stop()
    assert response.status_code == 400
    assert "computed in the browser" in response.get_json()["error"]


def test_a_value_the_callback_cannot_use_is_400_with_its_error(
    client: FlaskClient, caplog: pytest.LogCaptureFixture
) -> None:
    """Right type, wrong content: a pathname Dash cannot strip (not under the app's prefix)."""
    body = route_request(inputs=[{"id": ids.LOCATION, "property": "pathname", "value": "x"}])
    response = client.post("/_dash-update-component", json=body)
    assert response.status_code == 400
    answer = response.get_json()
    assert answer["error"] == "the callback cannot handle this input"
    assert answer["reason"].startswith("UnsupportedRelativePath")
    assert [r.levelname for r in caplog.records if "cannot handle" in r.getMessage()] == ["WARNING"]


@pytest.mark.parametrize(
    ("body", "status", "problem"),
    [
        ("[" * 65 + "]" * 65, 400, "nested deeper than 64"),
        ('{"a":' * 100_000 + "1" + "}" * 100_000, 400, "nested deeper than 64"),
        (" " * (1024 * 1024 + 1), 413, "at most 1048576 bytes"),
    ],
    ids=["65 deep", "100000 deep", "over a MiB"],
)
def test_json_limits_apply_before_parsing(
    client: FlaskClient, body: str, status: int, problem: str
) -> None:
    for path in ("/_dash-update-component", "/api/v1/alerts/acknowledge"):
        response = client.post(path, data=body, content_type="application/json")
        assert response.status_code == status
        assert problem in response.get_json()["error"]


@pytest.mark.parametrize(
    ("data", "depth"),
    [
        (b"[]", 1),
        (b'{"a": [1, {"b": [[]]}]}', 5),
        (b'["[[[[", "]]]]]]]", "\\"[[["]', 1),  # brackets inside strings, escaped quotes
        (b'[["\\\\"], [[[]]]]', 4),  # an escaped backslash ends its string
        (b'[[[ "unterminated [[[[[[[', 3),  # after a string that does not end nothing counts
        (b"[" * 1000, 1000),  # a run of openers counts whole, in one step
        (b"", 0),
    ],
)
def test_nesting_depth(data: bytes, depth: int) -> None:
    assert nesting_depth(data, limit=64) == depth


def test_property_types_come_from_the_component_classes() -> None:
    from dash import dcc, html

    table = property_types([html.Div([dcc.Location(id="loc"), html.Div(dcc.Input(id="in"))])])
    assert value_problem("/x", table[("loc", "pathname")]) is None
    assert value_problem(None, table[("loc", "pathname")]) is None
    assert value_problem(3, table[("loc", "pathname")]) == "string or null"
    assert value_problem(2, table[("in", "n_submit")]) is None
    assert value_problem(True, table[("in", "n_submit")]) == "number or null"
    assert value_problem("3", table[("in", "value")]) is None
    assert value_problem({}, table[("in", "value")]) is not None


def sort_request(*keys: str, kind: str = ids.HISTORY_PROC_SORT_BY) -> dict[str, Any]:
    """The renderer's request for the history page's pattern-matching sort callback (its
    column buttons, ALL of them, as Dash names them), the first one clicked."""
    items = [
        {"id": {"key": k, "type": kind}, "property": "n_clicks", "value": 1 if i == 0 else None}
        for i, k in enumerate(keys)
    ]
    changed = [f'{{"key":"{k}","type":"{kind}"}}.n_clicks' for k in keys[:1]]
    return {
        "output": f"{ids.HISTORY_PROC_SORT}.data",
        "outputs": {"id": ids.HISTORY_PROC_SORT, "property": "data"},
        "inputs": [items],
        "changedPropIds": changed,
    }


def test_a_pattern_matching_callback_runs_and_a_stranger_is_400(client: FlaskClient) -> None:
    response = client.post("/_dash-update-component", json=sort_request("rss_peak", "cpu_s"))
    assert response.status_code == 200, response.get_data(as_text=True)
    assert "rss_peak" in response.get_data(as_text=True)
    stranger = client.post("/_dash-update-component", json=sort_request("x", kind="nope"))
    assert stranger.status_code == 400
    assert "must be components matching" in stranger.get_json()["error"]
    body = sort_request("cpu_s")
    body["changedPropIds"] = ['{"key":"other","type":"history-proc-sort-by"}.n_clicks']
    assert client.post("/_dash-update-component", json=body).status_code == 400
