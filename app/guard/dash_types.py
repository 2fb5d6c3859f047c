"""What value each property of the dashboard's Dash components may hold.

Dash generates every component class from its React component's prop types, with an annotated
``__init__`` (``value: Optional[Union[str, NumberType]]``, ``n_clicks: Optional[NumberType]``).
``property_types`` reads those annotations for every component with an id in the given layouts;
``value_problem`` says whether a JSON value a browser sent fits one. What the annotations do not
pin down (``Any``, a forward reference) is left to the callback.
"""

from __future__ import annotations

import collections.abc
import functools
import inspect
import types
import typing
from collections.abc import Iterable, Iterator
from typing import Any

from dash.development.base_component import Component

PropertyTypes = dict[tuple[str, str], Any]  # (component id, property) -> annotation
NUMBERS = (typing.SupportsFloat, typing.SupportsInt, typing.SupportsComplex, int, float)
SEQUENCES = (list, tuple, collections.abc.Sequence, typing.Sequence)
MAPPINGS = (dict, collections.abc.Mapping, typing.Mapping)
MAX_DEPTH = 32  # nesting this checker follows inside one value; deeper parts are not checked


def property_types(layouts: Iterable[Any]) -> PropertyTypes:
    """The annotation of every property of every component with a string id in ``layouts``."""
    table: PropertyTypes = {}
    for layout in layouts:
        for component in _components(layout):
            component_id = getattr(component, "id", None)
            if isinstance(component_id, str):
                for name, annotation in _annotations(type(component)).items():
                    table[(component_id, name)] = annotation
    return table


def _components(layout: Any) -> Iterator[Component]:
    """Every component in ``layout``, without recursion (children lists, nested components)."""
    todo = [layout]
    while todo:
        item = todo.pop()
        if isinstance(item, Component):
            yield item
            todo += [getattr(item, name, None) for name in ("children", *item._children_props)]
        elif isinstance(item, list | tuple):
            todo += item


@functools.cache
def _annotations(cls: type) -> dict[str, Any]:
    try:
        parameters = inspect.signature(cls.__init__).parameters
    except (TypeError, ValueError):
        return {}
    return {
        name: parameter.annotation
        for name, parameter in parameters.items()
        if name != "self" and parameter.kind is not inspect.Parameter.VAR_KEYWORD
    }


def value_problem(value: Any, annotation: Any) -> str | None:
    """None when ``value`` fits ``annotation``, else what was expected."""
    return None if _fits(value, annotation, 0) else describe(annotation)


def _fits(value: Any, annotation: Any, depth: int) -> bool:
    """Whether ``value`` fits ``annotation``, for the JSON types and what Dash annotates with."""
    if depth > MAX_DEPTH or annotation in (inspect.Parameter.empty, Any, object):
        return True
    origin, args = typing.get_origin(annotation), typing.get_args(annotation)
    if origin is typing.Annotated:
        return _fits(value, args[0], depth)
    if origin in (typing.Union, types.UnionType):
        return any(_fits(value, arg, depth) for arg in args)
    if origin is typing.Literal:
        return any(value == arg and type(value) is type(arg) for arg in args)
    if annotation is type(None):
        return value is None
    if annotation is str:
        return isinstance(value, str)
    if annotation is bool:
        return isinstance(value, bool)
    if annotation in NUMBERS:
        return isinstance(value, int | float) and not isinstance(value, bool)
    if annotation in SEQUENCES or origin in SEQUENCES:
        return isinstance(value, list) and (
            not args or all(_fits(item, args[0], depth + 1) for item in value)
        )
    if annotation in MAPPINGS or origin in MAPPINGS or typing.is_typeddict(annotation):
        return isinstance(value, dict)
    if isinstance(annotation, type) and issubclass(annotation, Component):
        return isinstance(value, dict)  # a component as the renderer serializes it
    return True  # a forward reference or a type this checker does not know: the callback judges


def describe(annotation: Any) -> str:
    """A short name of what ``annotation`` accepts (``string or number or null``)."""
    origin, args = typing.get_origin(annotation), typing.get_args(annotation)
    if origin is typing.Annotated:
        return describe(args[0])
    if origin in (typing.Union, types.UnionType):
        if set(args) >= {typing.SupportsFloat, typing.SupportsInt}:
            return "number"
        return " or ".join(dict.fromkeys(describe(arg) for arg in args))
    if origin is typing.Literal:
        return " or ".join(repr(arg) for arg in args)
    names = {type(None): "null", str: "string", bool: "boolean"}
    if annotation in names:
        return names[annotation]
    if annotation in NUMBERS:
        return "number"
    if annotation in SEQUENCES or origin in SEQUENCES:
        return "list"
    return "object"
