"""The server-side renderer of Dash components (app.pages.static_html): markup, escaping, and
the props the browser's runtime gets."""

from __future__ import annotations

import json
import re

import pytest
from dash import dcc, html

from app.config import Config
from app.pages import chrome, ids, live
from app.pages.static_html import attributes, json_script, render, style_text

HOSTILE = '<script>alert("x")</script>&'


def test_html_components_become_their_tags_with_id_class_style_and_attributes() -> None:
    tree = html.Div(
        [html.H2("Title", className="panel-title"), html.Span(7), None, "text"],
        id="box",
        className="panel wide",
        style={"height": "100%", "marginTop": 4, "opacity": 0.5},
        title="a box",
        **{"aria-label": "Box", "data-key": "k"},
    )
    assert render(tree).markup == (
        '<div id="box" class="panel wide" style="height: 100%; margin-top: 4px; opacity: 0.5"'
        ' aria-label="Box" data-key="k" title="a box"><h2 class="panel-title">Title</h2>'
        "<span>7</span>text</div>"
    )


def test_text_and_attributes_are_escaped_so_a_process_name_never_becomes_markup() -> None:
    tree = html.Div(
        [html.Span(HOSTILE, title=HOSTILE), dcc.Input(id="f", value=HOSTILE, placeholder='"')],
        id='x" onclick="alert(1)',
        className="<b>",
    )
    markup = render(tree).markup
    assert "<script" not in markup and "<b>" not in markup
    assert 'onclick="' not in markup  # the quote of the id did not end the attribute
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&amp;" in markup
    assert 'id="x&quot; onclick=&quot;alert(1)"' in markup
    assert [m.group(1) for m in re.finditer(r"<(\w+)", markup)] == ["div", "span", "input"]


def test_attribute_names_and_values_are_checked() -> None:
    with pytest.raises(ValueError, match="attribute name"):
        attributes([('x onload="y"', "1")])
    with pytest.raises(TypeError):
        attributes([("title", {"not": "text"})])
    assert attributes([("hidden", True), ("disabled", False), ("id", None)]) == " hidden"
    assert style_text({"fontWeight": 600, "padding": 0, "--accent": "red"}) == (
        "font-weight: 600; padding: 0; --accent: red"
    )


def test_json_script_cannot_be_closed_by_its_data() -> None:
    data = {"name": "</script><script>alert(1)</script>", "n": [1, 2.5, None], "u": "\u2028é"}
    element = json_script("page-data", data)
    body = element.removeprefix('<script type="application/json" id="page-data">')
    body = body.removesuffix("</script>")
    assert "<" not in body and ">" not in body
    assert json.loads(body) == data


def test_dcc_components_give_their_markup_and_runtime_props() -> None:
    tree = html.Div(
        [
            dcc.Graph(id="g", figure={"data": []}, config={"responsive": True}, style={"a": 1}),
            dcc.RadioItems(id="r", options=[{"label": "5 min", "value": 5}, 15], value=15),
            dcc.Store(id="s", data={"k": [1]}),
            dcc.Interval(id="i", interval=250),
            dcc.Location(id="loc"),
            html.Button("Go", id="b", n_clicks=0),
            dcc.Link("Home", href="/", className="nav-link", refresh=True),
        ]
    )
    page = render(tree)
    assert page.components == {
        "g": {"kind": "graph", "props": {"figure": {"data": []}, "config": {"responsive": True}}},
        "r": {"kind": "radio", "props": {"value": 15, "options": [5, 15]}},
        "s": {"kind": "store", "props": {"data": {"k": [1]}}},
        "i": {"kind": "interval", "props": {
            "interval": 250, "n_intervals": 0, "disabled": False, "max_intervals": -1}},
        "loc": {"kind": "location", "props": {}},
        "b": {"kind": "element", "props": {"n_clicks": 0}},
    }  # fmt: skip
    assert page.ids == {"g", "r", "s", "i", "loc", "b"}
    markup = page.markup
    assert '<div id="g" class="dash-graph" style="a: 1px"><div class="graph-plot"' in markup
    assert 'data-option-index="1"><span class="dash-options-list-option-wrapper"><input' in markup
    assert markup.count(" checked") == 1 and 'value="15" class' in markup
    assert '<button id="b">Go</button>' in markup
    assert '<a class="nav-link" href="/">Home</a>' in markup


def test_a_component_without_markup_here_is_an_error_not_a_gap() -> None:
    with pytest.raises(TypeError, match="Dropdown"):
        render(html.Div(dcc.Dropdown(id="d", options=[])))
    with pytest.raises(TypeError, match="ids are strings"):
        render(dcc.Store(id={"type": "x", "index": 1}))


def test_the_live_page_renders_with_every_id_its_callbacks_use() -> None:
    config = Config(hostname="box<1>")
    tree = chrome.shell(hostname=config.hostname, content=live.layout(config))
    page = render(tree)
    for _name, output in live.render_outputs():
        assert output.component_id in page.ids
    for component_id in (ids.LIVE_CONFIG, ids.LIVE_TICK, ids.LIVE_SOCKET, ids.LIVE_INBOX):
        assert component_id in page.components
    assert page.components[ids.LIVE_CONFIG]["props"]["data"]["host"] == "box<1>"
    assert ">box&lt;1&gt;</span>" in page.markup
    assert page.markup.count('class="dash-graph"') == len(live.GRAPHS)
