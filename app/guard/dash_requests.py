"""Dash callback requests: 400 with the reason for anything a callback cannot take, never a 500.

Dash's ``/_dash-update-component`` trusts the JSON body its own renderer sends: an unknown
``output``, inputs that are not the callback's, or a value of another type end in a KeyError,
a CallbackException or a TypeError inside Dash or the callback, and a traceback. Before Dash
sees a request (its size and nesting were measured by ``json_limits``), the guard checks it
against the callback's real definition in ``callback_map``: a server-side callback's output,
exactly its inputs and states (ids and properties, in order), its outputs, ``changedPropIds``
among its inputs, and each value against its component property's type (``dash_types``, from
the page layouts). A callback that still fails on what it was given (a stored value of the
right type but the wrong shape) answers 400 with the error, logged as one warning line.
"""

from __future__ import annotations

import functools
import json
import logging
import threading
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from dash import Dash
from dash._utils import stringify_id
from dash.exceptions import UnsupportedRelativePath
from flask import Response, request

from app.guard.dash_types import PropertyTypes, property_types, value_problem
from app.guard.json_limits import DISPATCH_SUFFIX
from app.http_errors import json_error

log = logging.getLogger(__name__)
LAYOUTS_KEY = "dash_layouts"  # server.extensions: () -> every layout, for the type table
# What a callback raises on an input of the right type it cannot use: a client's mistake.
INPUT_ERRORS = (
    LookupError,
    TypeError,
    ValueError,
    AttributeError,
    ArithmeticError,
    UnsupportedRelativePath,  # a pathname Dash cannot strip (one not under the app's prefix)
)
Dependency = Mapping[str, Any]


def callback_request_problem(
    body: Any, callbacks: Mapping[str, Mapping[str, Any]], types: PropertyTypes | None = None
) -> str | None:
    """What is wrong with a callback request ``body``, or None when its callback can take it."""
    problem = _shape_problem(body, callbacks)
    if problem is not None:
        return problem
    callback = callbacks[body["output"]]
    if "callback" not in callback:
        return "output is computed in the browser: no server callback answers it"
    for key in ("inputs", "state"):
        problem = _dependencies_problem(key, body.get(key, []), callback[key], types or {})
        if problem is not None:
            return problem
    if not callback.get("no_output") and _outputs(body.get("outputs", [])) != _defined_outputs(
        callback
    ):
        return "outputs do not match the callback's outputs"
    inputs = {f"{d['id']}.{d['property']}" for d in callback["inputs"] if not _pattern(d["id"])}
    inputs |= {
        f"{stringify_id(part['id'])}.{part['property']}"
        for item, definition in zip(body.get("inputs", []), callback["inputs"], strict=True)
        if _pattern(definition["id"])
        for part in (item if isinstance(item, list) else [item])
    }  # the components a pattern-matching input matched, as the renderer names them
    changed = body.get("changedPropIds", [])
    if inputs and not set(changed) <= inputs:
        return "changedPropIds names a property that is not an input of this callback"
    return None


def _shape_problem(body: Any, callbacks: Mapping[str, Any]) -> str | None:
    if not isinstance(body, dict):
        return "the body must be a JSON object"
    output = body.get("output")
    if not isinstance(output, str) or output not in callbacks:
        return "output names no callback of this dashboard"
    outputs = body.get("outputs", [])
    if not (_dependency(outputs) or outputs == []):
        return "outputs must be an {id, property} object or a list of them"
    for key in ("inputs", "state"):
        items = body.get(key, [])
        if not isinstance(items, list) or not all(_dependency(item) for item in items):
            return f"{key} must be a list of {{id, property}} objects"
    changed = body.get("changedPropIds", [])
    if not isinstance(changed, list) or not all(isinstance(c, str) for c in changed):
        return "changedPropIds must be a list of strings"
    return None


def _dependency(item: Any) -> bool:
    """An {id, property} object, or a list of them (pattern-matching ids), one level deep."""
    parts = item if isinstance(item, list) else [item]
    return all(
        isinstance(part, dict) and "id" in part and isinstance(part.get("property"), str)
        for part in parts
    )


def _dependencies_problem(
    key: str, items: list[Any], defined: list[Dependency], types: PropertyTypes
) -> str | None:
    """Whether ``items`` are exactly the callback's ``defined`` inputs (or states), in order,
    each with a value its property can hold."""
    if len(items) != len(defined):
        return f"{key} must be the callback's {len(defined)}, in order: got {len(items)}"
    for index, (item, definition) in enumerate(zip(items, defined, strict=True)):
        name = f"{definition['id']}.{definition['property']}"
        if _pattern(definition["id"]):
            if not _matches(item, definition):
                return f"{key}[{index}] must be components matching {name}"
            continue
        if isinstance(item, list) or (item["id"], item["property"]) != (
            definition["id"],
            definition["property"],
        ):
            return f"{key}[{index}] must be {name}"
        expected = value_problem(item.get("value"), types.get((item["id"], item["property"])))
        if expected is not None:
            return f"{key}[{index}] ({name}) must be {expected}"
    return None


def _pattern(component_id: Any) -> bool:
    """Whether a callback's id is a pattern (Dash keeps those as JSON text: '{"type":…}')."""
    return not isinstance(component_id, str) or component_id.startswith("{")


def _matches(item: Any, definition: Dependency) -> bool:
    """Whether ``item`` (a component, or a list of them for ALL) has the property and the
    fixed id parts (those not ALL, MATCH or ALLSMALLER) of the pattern ``definition``."""
    pattern = definition["id"]
    if isinstance(pattern, str):
        try:
            pattern = json.loads(pattern)
        except ValueError:
            return False
    fixed = {k: v for k, v in pattern.items() if not isinstance(v, list)}
    parts = item if isinstance(item, list) else [item]
    return all(
        isinstance(part["id"], dict)
        and part["property"] == definition["property"]
        and all(part["id"].get(k) == v for k, v in fixed.items())
        for part in parts
    )


def _outputs(outputs: Any) -> list[tuple[Any, str] | None]:
    items = outputs if isinstance(outputs, list) else [outputs]
    return [(o["id"], o["property"].split("@")[0]) if isinstance(o, dict) else None for o in items]


def _defined_outputs(callback: Mapping[str, Any]) -> list[tuple[Any, str] | None]:
    output = callback["output"]
    items = output if isinstance(output, list | tuple) else [output]
    return [(o.component_id, o.component_property.split("@")[0]) for o in items]


class TypeTable:
    """The property types of every layout, built on first use (page layouts cost a moment)."""

    def __init__(self, layouts: Callable[[], Iterable[Any]]) -> None:
        self._layouts = layouts
        self._table: PropertyTypes | None = None
        self._lock = threading.Lock()

    def get(self) -> PropertyTypes:
        with self._lock:
            if self._table is None:
                self._table = property_types(self._layouts())
            return self._table


def attach_dispatch_guard(dash_app: Dash) -> None:
    """Answers callback requests their callback cannot take with 400 and the reason."""
    server = dash_app.server
    provider = server.extensions.get(LAYOUTS_KEY) or (lambda: [dash_app.layout])
    table = TypeTable(provider)

    @server.before_request
    def _check_callback_request() -> Response | None:
        if request.method != "POST" or not request.path.endswith(DISPATCH_SUFFIX):
            return None
        body = request.get_json(silent=True)
        problem = callback_request_problem(body, dash_app.callback_map, table.get())
        return None if problem is None else json_error(400, problem)

    endpoint = dash_app.config.routes_pathname_prefix + DISPATCH_SUFFIX.lstrip("/")
    server.view_functions[endpoint] = _answering_input_errors(server.view_functions[endpoint])


def _answering_input_errors(dispatch: Callable[..., Any]) -> Callable[..., Any]:
    """Dash's dispatch view, with a callback's failure on its input answered 400."""

    @functools.wraps(dispatch)
    def guarded(*args: Any, **kwargs: Any) -> Any:
        try:
            return dispatch(*args, **kwargs)
        except INPUT_ERRORS as error:
            output = (request.get_json(silent=True) or {}).get("output")
            reason = f"{type(error).__name__}: {error}"[:300]
            log.warning("callback %s cannot handle its input: %s", str(output)[:200], reason)
            return json_error(400, "the callback cannot handle this input", reason=reason)

    return guarded
