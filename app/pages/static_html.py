"""Dash components rendered to HTML on the server, for a page served without Dash's renderer.

The live page is the Dash component tree ``app.pages.live.layout`` builds, inside the site's
chrome; ``render`` turns that same tree into markup and into what the browser's runtime
(``assets/page-runtime.js``) needs to run the page's clientside callbacks: the initial props of
every component a callback may read or write (a store's data, an interval's period, a graph's
figure and config, a radio group's options and value). Markup follows what Dash's React
components draw, so the page's CSS and the browser tests see the same elements and ids:

- ``html.*``: the tag, with ``id``, ``className``, ``style`` and the other attributes;
- ``dcc.Graph``: a ``div.dash-graph`` holding the empty plot div Plotly draws into;
- ``dcc.RadioItems``, ``dcc.Input``: their inputs; ``dcc.Link``: a plain anchor;
- ``dcc.Store``, ``dcc.Interval``, ``dcc.Location``: no markup, props only.

Every text and attribute value is escaped: a process name such as ``<script>`` stays text. A
component the renderer does not know is an error, not a silent gap in the page.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from html import escape
from typing import Any

from dash.development.base_component import Component

HTML_NAMESPACE = "dash_html_components"
DCC_NAMESPACE = "dash_core_components"
VOID_TAGS = frozenset({"br", "hr", "img", "input", "meta", "link", "wbr", "col", "area"})
SKIPPED_PROPS = frozenset(
    {"children", "id", "className", "style", "n_clicks", "n_clicks_timestamp",
     "disable_n_clicks", "key", "loading_state", "setProps"}
)  # fmt: skip
ATTRIBUTE_NAMES = {"className": "class", "htmlFor": "for"}
NAME = re.compile(r"^[A-Za-z_:][-A-Za-z0-9_:.]*$")
TAG = re.compile(r"^[a-z][a-z0-9]*$")
UNITLESS = frozenset({"opacity", "zIndex", "flex", "flexGrow", "flexShrink", "fontWeight",
                      "lineHeight", "order"})  # fmt: skip
JSON_ESCAPES = {"<": "\\u003c", ">": "\\u003e", "&": "\\u0026", "\u2028": "\\u2028",
                "\u2029": "\\u2029"}  # fmt: skip


@dataclass
class Rendered:
    """The markup of a tree, and the runtime's initial props by component id (each with its
    ``kind``: store, interval, location, graph, radio, input or element), and every id."""

    markup: str
    components: dict[str, dict[str, Any]] = field(default_factory=dict)
    ids: set[str] = field(default_factory=set)  # every id in the tree


def render(tree: Any) -> Rendered:
    """``tree`` (a component, a string, a number, a list of those, or None) as HTML."""
    out = Rendered("")
    out.markup = _node(tree, out)
    return out


def json_script(element_id: str, data: Any) -> str:
    """``data`` as a JSON ``<script>`` the browser never runs (no CSP hash needed); ``<``,
    ``>`` and ``&`` are escaped inside, so no string in it can close the element."""
    text = json.dumps(data, separators=(",", ":"), ensure_ascii=False)
    text = re.sub("[<>&\u2028\u2029]", lambda m: JSON_ESCAPES[m.group()], text)
    return f'<script type="application/json" id="{_attr(element_id)}">{text}</script>'


def _node(node: Any, out: Rendered) -> str:
    if node is None or isinstance(node, bool):
        return ""
    if isinstance(node, str | int | float):
        return escape(str(node), quote=False)
    if isinstance(node, list | tuple):
        return "".join(_node(child, out) for child in node)
    if not isinstance(node, Component):
        raise TypeError(f"cannot render {type(node).__name__} as HTML")
    props = node.to_plotly_json()["props"]
    if isinstance(props.get("id"), str):
        out.ids.add(props["id"])
    if node._namespace == HTML_NAMESPACE:
        if "id" in props and "n_clicks" in props:
            _track(out, props["id"], "element", {"n_clicks": props["n_clicks"]})
        return _element(node._type.lower(), props, _node(props.get("children"), out))
    if node._namespace == DCC_NAMESPACE and node._type in DCC:
        return DCC[node._type](props, out)
    raise TypeError(f"no HTML for {node._namespace}.{node._type}")


def _track(out: Rendered, component_id: Any, kind: str, props: dict[str, Any]) -> None:
    if not isinstance(component_id, str):
        raise TypeError(f"a served page's ids are strings, not {component_id!r}")
    out.components[component_id] = {"kind": kind, "props": props}


def _element(tag: str, props: dict[str, Any], inner: str, extra_class: str = "") -> str:
    if not TAG.match(tag):
        raise ValueError(f"not a tag name: {tag!r}")
    attrs: list[tuple[str, Any]] = [("id", props.get("id"))]
    classes = " ".join(c for c in (extra_class, props.get("className") or "") if c)
    attrs.append(("class", classes or None))
    attrs.append(("style", style_text(props.get("style"))))
    # by name: Dash keeps wildcard props (data-*, aria-*) in no fixed order
    attrs += [
        (ATTRIBUTE_NAMES.get(k, k), v) for k, v in sorted(props.items()) if k not in SKIPPED_PROPS
    ]
    start = f"<{tag}{attributes(attrs)}>"
    return start if tag in VOID_TAGS else f"{start}{inner}</{tag}>"


def attributes(pairs: list[tuple[str, Any]]) -> str:
    """`` name="value"`` for each pair; True is a bare attribute, None and False none."""
    parts = []
    for name, value in pairs:
        if value is None or value is False:
            continue
        if not NAME.match(name):
            raise ValueError(f"not an attribute name: {name!r}")
        if value is True:
            parts.append(f" {name}")
        elif isinstance(value, str | int | float):
            parts.append(f' {name}="{_attr(value)}"')
        else:
            raise TypeError(f"attribute {name} of {type(value).__name__}")
    return "".join(parts)


def _attr(value: Any) -> str:
    return escape(str(value), quote=True)


def style_text(style: dict[str, Any] | None) -> str | None:
    """React's style object as CSS: ``{"marginTop": 4}`` -> ``margin-top: 4px``."""
    if not style:
        return None
    rules = []
    for key, value in style.items():
        name = re.sub(r"[A-Z]", lambda m: "-" + m.group().lower(), key)
        if isinstance(value, int | float) and key not in UNITLESS and value != 0:
            value = f"{value}px"
        rules.append(f"{name}: {value}")
    return "; ".join(rules)


def _graph(props: dict[str, Any], out: Rendered) -> str:
    config = props.get("config") or {}
    _track(out, props["id"], "graph", {"figure": props.get("figure"), "config": config})
    plot = '<div class="graph-plot" style="height: 100%; width: 100%;"></div>'
    return _element("div", {**_only(props, "id", "className", "style")}, plot, "dash-graph")


def _options(options: Any) -> list[tuple[Any, Any]]:
    if isinstance(options, dict):
        return [(label, value) for value, label in options.items()]
    return [(o["label"], o["value"]) if isinstance(o, dict) else (o, o) for o in options or []]


def _radio(props: dict[str, Any], out: Rendered) -> str:
    options = _options(props.get("options"))
    value = props.get("value")
    _track(out, props["id"], "radio", {"value": value, "options": [v for _, v in options]})
    inline = " dash-radioitems-inline" if props.get("inline") else ""
    labels = []
    for index, (label, option) in enumerate(options):
        chosen = option == value
        radio = "<input" + attributes([
            ("type", "radio"), ("name", props["id"]), ("value", str(option)),
            ("class", "dash-options-list-option-checkbox"), ("checked", chosen),
        ]) + ">"  # fmt: skip
        labels.append(
            "<label" + attributes([
                ("class", "dash-options-list-option" + (" selected" if chosen else "") + inline),
                ("role", "option"), ("aria-selected", str(chosen).lower()),
                ("data-option-index", index),
            ]) + f'><span class="dash-options-list-option-wrapper">{radio}</span>'
            f'<span class="dash-options-list-option-text"><span>{_node(label, out)}</span>'
            "</span></label>"
        )  # fmt: skip
    own = {**_only(props, "id", "className", "style"), "role": "listbox"}
    return _element("div", own, "".join(labels), "dash-options-list dash-radioitems")


def _input(props: dict[str, Any], out: Rendered) -> str:
    _track(out, props["id"], "input", {"value": props.get("value")})
    own = _only(props, "id", "className", "style", "type", "placeholder", "value", "disabled")
    return _element("input", {**own, "autoComplete": "off"}, "")


def _store(props: dict[str, Any], out: Rendered) -> str:
    _track(out, props["id"], "store", {"data": props.get("data")})
    return ""


def _interval(props: dict[str, Any], out: Rendered) -> str:
    keep = {"interval": 1000, "n_intervals": 0, "disabled": False, "max_intervals": -1}
    _track(out, props["id"], "interval", {k: props.get(k, v) for k, v in keep.items()})
    return ""


def _location(props: dict[str, Any], out: Rendered) -> str:
    _track(out, props["id"], "location", {})
    return ""


def _link(props: dict[str, Any], out: Rendered) -> str:
    own = _only(props, "id", "className", "style", "href", "title", "target")
    return _element("a", own, _node(props.get("children"), out))


def _only(props: dict[str, Any], *names: str) -> dict[str, Any]:
    return {name: props[name] for name in names if name in props}


DCC = {
    "Graph": _graph,
    "RadioItems": _radio,
    "Input": _input,
    "Store": _store,
    "Interval": _interval,
    "Location": _location,
    "Link": _link,
}
