"""Fuzzing Dash's callback endpoint for every callback, and deeply nested JSON on every route.

For each callback in the app's callback map, request bodies are built from its definition (its
output, inputs, states and outputs as the renderer sends them) and then broken: wrong or
missing keys, other ids and properties, inputs added, dropped or reordered, values of every
JSON type, deep values, junk ``changedPropIds``. The answer is 200, 204 (nothing to update) or
400 with a reason, never a 5xx. Then every route of the server, with each of its methods, gets
JSON bodies nested 500 to 100,000 levels deep (arrays, objects, and a callback request whose
value is the deep part): a 4xx, never a RecursionError. The server holds stored history, so
the history callbacks do real work.
"""

from __future__ import annotations

import http.client
import itertools
import json
import re
from collections import Counter
from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.config import Config
from app.runtime.monitor import Monitor
from app.web.factory import create_app
from tests.faults.figures import fuzz_tally
from tests.faults.support import tolerating_simple_websocket_races
from tests.faults.test_fuzz import FUZZ, HOSTS, TIMEOUT_S, in_time, serve_history
from tests.live.server import LiveServer

DISPATCH = "/_dash-update-component"
DEPTHS = (500, 1_000, 10_000, 100_000)
VARIABLE = re.compile(r"<(?:(\w+)(?:\([^)]*\))?:)?\w+>")  # a rule's <converter:name>
ANSWERS = {200, 204, 400}  # a callback's answer, nothing to update, or the reason it cannot


def callback_map() -> dict[str, dict[str, Any]]:
    """The callback map of the app as ``create_app`` builds it (nothing started)."""
    monitor = Monitor(Config(database_url="sqlite:///:memory:", hostname="collect"))
    try:
        return dict(create_app(monitor=monitor).callback_map)
    finally:
        monitor.store.engine.dispose()


CALLBACKS = callback_map()


def short(output: str) -> str:
    """A test id for a callback's output key (multi-output keys are long)."""
    names = [part for part in output.replace("...", "|").strip(".").split("|") if part]
    return f"{names[0].split('@')[0]}+{len(names) - 1}" if len(names) > 1 else names[0][:40]


# -- request bodies from a callback's definition ---------------------------------------------

JSON_VALUES = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**63), max_value=2**63)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=30),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner, max_size=4)
    ),
    max_leaves=12,
)
PLAUSIBLE = st.sampled_from(
    [
        "/",
        "/history",
        "/history?host=faults-a&from=now-1h&metrics=cpu.total",
        "?host=faults-b&metrics=cpu.total,memory.percent",
        "?from=2025-13-01&to=nope",
        *HOSTS,
        "nope",
        "",
        ["cpu.total", "memory.percent"],
        ["nope", 7],
        0,
        3,
        -1,
        1e308,
        "1h",
        "custom",
        "UTC",
        "Asia/Kolkata",
        "Not/AZone",
        {"points": [{"x": "2025-11-26 10:00:00", "y": 1.0, "curveNumber": 0}]},
        {"points": []},
        {"points": [{}]},
        {"xaxis.range[0]": "2025-11-26 10:00", "xaxis.range[1]": "2025-11-26 11:00"},
        {"xaxis.range": ["nope", None]},
        {"xaxis.autorange": True},
        {"from": 0, "to": 1e12, "host": "faults-a"},
        {"from": "x", "to": None},
        {"start": -1e300, "end": 1e300},
    ]
)
VALUES = st.one_of(PLAUSIBLE, JSON_VALUES)
MUTATIONS = (
    "as defined",
    "without output",
    "without outputs",
    "without inputs",
    "without state",
    "inputs of another id",
    "inputs of another property",
    "an input more",
    "an input less",
    "inputs reversed",
    "outputs of another callback",
    "junk changedPropIds",
    "values nested 60 deep",
    "no values",
)


def dependency(definition: dict[str, Any], value: Any) -> dict[str, Any]:
    return {"id": definition["id"], "property": definition["property"], "value": value}


def outputs_of(callback: dict[str, Any]) -> Any:
    output = callback["output"]
    items = output if isinstance(output, list | tuple) else [output]
    specs = [{"id": o.component_id, "property": o.component_property} for o in items]
    return specs if isinstance(output, list | tuple) else specs[0]


def body_for(output: str, mutation: str, values: list[Any]) -> dict[str, Any]:
    """A request for ``output``'s callback as the renderer builds it, then ``mutation``."""
    callback = CALLBACKS[output]
    given_values = itertools.cycle(values)
    inputs = [dependency(d, next(given_values)) for d in callback["inputs"]]
    state = [dependency(d, next(given_values)) for d in callback["state"]]
    body: dict[str, Any] = {
        "output": output,
        "outputs": outputs_of(callback),
        "inputs": inputs,
        "state": state,
        "changedPropIds": [f"{d['id']}.{d['property']}" for d in callback["inputs"][:1]],
    }
    if mutation.startswith("without "):
        body.pop(mutation.removeprefix("without "))
    elif mutation == "inputs of another id" and inputs:
        inputs[0]["id"] = "nope"
    elif mutation == "inputs of another property" and inputs:
        inputs[0]["property"] = "nope"
    elif mutation == "an input more":
        inputs.append({"id": "location", "property": "pathname", "value": "/"})
    elif mutation == "an input less" and inputs:
        inputs.pop()
    elif mutation == "inputs reversed":
        inputs.reverse()
    elif mutation == "outputs of another callback":
        other = next(o for o in CALLBACKS if o != output)
        body["outputs"] = outputs_of(CALLBACKS[other])
    elif mutation == "junk changedPropIds":
        body["changedPropIds"] = ["nope.nope", *body["changedPropIds"], "x"]
    elif mutation == "values nested 60 deep":
        for item in inputs + state:
            item["value"] = json.loads("[" * 60 + "1" + "]" * 60)
    elif mutation == "no values":
        for item in inputs + state:
            item.pop("value")
    return body


# -- the server and the tally --------------------------------------------------------------


@pytest.fixture(scope="module")
def tally() -> Iterator[dict[str, Counter]]:
    title = f"Fuzzing the Dash callback endpoint ({len(CALLBACKS)} callbacks) and deep JSON"
    with fuzz_tally(title, "Answers by status") as counts:
        yield counts


@pytest.fixture(scope="module")
def server(
    tmp_path_factory: pytest.TempPathFactory, tally: dict[str, Counter]
) -> Iterator[LiveServer]:
    with tolerating_simple_websocket_races(tally["thread errors"]):
        yield from serve_history(tmp_path_factory)


def count(tally: dict[str, Counter], kind: str, status: int) -> None:
    tally["inputs"][kind] += 1
    tally["statuses"][f"{kind.split(':')[0]} {status}"] += 1
    tally["5xx"][kind] += status >= 500


# -- the callback endpoint -------------------------------------------------------------------


@pytest.mark.parametrize("output", sorted(CALLBACKS), ids=short)
def test_every_callback_answers_what_it_is_sent_without_a_5xx(
    server: LiveServer, tally: dict[str, Counter], output: str
) -> None:
    client = server.dash_app.server.test_client()

    @FUZZ
    @given(mutation=st.sampled_from(MUTATIONS), values=st.lists(VALUES, min_size=1, max_size=4))
    def check(mutation: str, values: list[Any]) -> None:
        body = body_for(output, mutation, values)
        response = in_time(lambda: client.post(DISPATCH, json=body))
        kind = "Dash callbacks: bodies from their definitions"
        count(tally, kind, response.status_code)
        assert response.status_code in ANSWERS, (mutation, body, response.get_data()[:300])
        if response.status_code == 400:
            reason = response.get_json()["error"]  # there is one
            failed = reason == "the callback cannot handle this input"
            tally["statuses"][
                f"Dash callbacks 400 {'from the callback' if failed else 'by the guard'}"
            ] += 1

    check()


def test_a_request_as_the_renderer_sends_it_still_runs(server: LiveServer) -> None:
    route = next(o for o in CALLBACKS if o.startswith("page-content.children"))
    body = body_for(route, "as defined", ["/history"])
    response = server.dash_app.server.test_client().post(DISPATCH, json=body)
    assert response.status_code == 200, response.get_data()[:300]


# -- deep nesting on every route -------------------------------------------------------------


def deep(depth: int, shape: str) -> str:
    if shape == "array":
        return "[" * depth + "]" * depth
    if shape == "object":
        return '{"a":' * depth + "1" + "}" * depth
    inner = '[{"x":' * (depth // 2) + "0" + "}]" * (depth // 2)
    first = next(iter(CALLBACKS))
    return json.dumps(body_for(first, "as defined", ["VALUE"])).replace('"VALUE"', inner, 1)


def every_route(server: LiveServer) -> list[tuple[str, str]]:
    """(method, path) of every route of the server, its variables filled in."""
    routes = []
    for rule in server.dash_app.server.url_map.iter_rules():
        path = VARIABLE.sub(lambda m: "1" if m.group(1) == "int" else "x", rule.rule)
        routes += [(method, path) for method in sorted(rule.methods - {"HEAD", "OPTIONS"})]
    return routes


@pytest.mark.parametrize("depth", DEPTHS)
def test_json_nested_deep_on_every_route_is_refused_before_parsing(
    server: LiveServer, tally: dict[str, Counter], depth: int
) -> None:
    client = server.dash_app.server.test_client()
    routes = every_route(server)
    assert len(routes) >= 25 and ("POST", DISPATCH) in routes
    failures = []
    for method, path in routes:
        for shape in ("array", "object", "callback value"):
            body = deep(depth, shape)
            response = in_time(
                lambda m=method, p=path, b=body: client.open(
                    p, method=m, data=b, content_type="application/json"
                )
            )
            count(tally, "deep JSON on every route: test client", response.status_code)
            if not 400 <= response.status_code < 500 and not (
                method == "GET" and response.status_code < 400
            ):
                failures.append((method, path, shape, response.status_code))
    assert failures == []


def post_over_a_socket(port: int, path: str, body: str) -> tuple[int, bytes]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=TIMEOUT_S)
    try:
        headers = {"Host": f"127.0.0.1:{port}", "Content-Type": "application/json"}
        connection.request("POST", path, body=body.encode(), headers=headers)
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()


@pytest.mark.parametrize("shape", ["array", "object", "callback value"])
def test_json_nested_100000_deep_over_a_real_socket(
    server: LiveServer, tally: dict[str, Counter], shape: str
) -> None:
    for path in (DISPATCH, "/api/v1/alerts/acknowledge", "/api/v1/alerts/silences"):
        status, answer = in_time(
            lambda p=path: post_over_a_socket(server.port, p, deep(100_000, shape))
        )
        count(tally, "deep JSON: real socket", status)
        assert status == 400 and b"nested deeper" in answer, (path, status, answer[:200])


def test_the_reasons_say_what_is_wrong(server: LiveServer) -> None:
    client = server.dash_app.server.test_client()
    route = next(o for o in CALLBACKS if o.startswith("page-content.children"))
    wrong_type = body_for(route, "as defined", [7])
    answer = client.post(DISPATCH, json=wrong_type).get_json()
    assert answer["error"] == "inputs[0] (location.pathname) must be string or null"
    clientside = next(o for o, c in CALLBACKS.items() if "callback" not in c)
    answer = client.post(DISPATCH, json=body_for(clientside, "as defined", [None])).get_json()
    assert "computed in the browser" in answer["error"]
    answer = client.post(DISPATCH, data=deep(1000, "array"), content_type="application/json")
    assert answer.status_code == 400 and "nested deeper than 64" in answer.get_json()["error"]
