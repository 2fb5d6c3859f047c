"""The live page served as HTML (app.web.live_document): the wiring taken from the Dash app's
callbacks, the document's scripts, and what every page answer keeps (headers, other pages)."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask.testing import FlaskClient

from app import create_app
from app.config import Config
from app.pages import ids, live
from app.runtime.monitor import Monitor
from app.web.live_document import (
    BUNDLE_PATH,
    CONFIG_ID,
    DATA_ID,
    output_specs,
    page_callbacks,
)
from app.web.plotly_bundle import DASH_PLOTLY_PATH

ASSETS = Path(__file__).resolve().parents[2] / "assets"


@pytest.fixture
def client(tmp_path: Path) -> Iterator[FlaskClient]:
    config = Config(database_url=f"sqlite:///{tmp_path / 'm.db'}", hostname='box"<1>')
    monitor = Monitor(config)
    yield create_app(monitor=monitor).server.test_client()
    monitor.stop()


def json_element(text: str, element_id: str) -> object:
    found = re.search(rf'<script type="application/json" id="{element_id}">(.*?)</script>', text)
    assert found, element_id
    return json.loads(found.group(1))


def test_output_strings_of_dash_as_id_and_prop() -> None:
    assert output_specs("nav.data-current") == ([["nav", "data-current"]], False)
    assert output_specs("..a.children...b-c.style..") == (
        [["a", "children"], ["b-c", "style"]],
        True,
    )
    assert output_specs("hostname.children@7b0e") == ([["hostname", "children"]], False)
    assert output_specs("d2d8ef86", no_output=True) == ([], False)


def test_the_wiring_is_the_clientside_callbacks_whose_components_are_on_the_page() -> None:
    callbacks = [
        {"output": "a.children", "inputs": [{"id": "x", "property": "data"}], "state": [],
         "clientside_function": {"namespace": "n", "function_name": "f"},
         "prevent_initial_call": True},
        {"output": "a.children", "inputs": [{"id": "elsewhere", "property": "data"}],
         "state": [], "clientside_function": {"namespace": "n", "function_name": "g"}},
        {"output": "a.children", "inputs": [{"id": "x", "property": "data"}], "state": [],
         "clientside_function": None},  # a server callback
    ]  # fmt: skip
    assert page_callbacks(callbacks, {"a", "x"}) == [{
        "namespace": "n", "function": "f", "inputs": [["x", "data"]], "state": [],
        "outputs": [["a", "children"]], "multi": False, "preventInitialCall": True,
    }]  # fmt: skip


def test_the_live_page_is_html_with_its_callbacks_and_no_dash_renderer(
    client: FlaskClient,
) -> None:
    response = client.get("/?host=other", headers={"Accept-Encoding": "identity"})
    assert response.status_code == 200 and response.mimetype == "text/html"
    assert "no-store" in response.headers["Cache-Control"]
    assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]
    text = response.get_data(as_text=True)
    assert "dash_renderer" not in text and "_dash-component-suites/dash/" not in text
    assert "react" not in text.lower()
    # theme-boot.js in the head; the page's scripts in one answer, then plotly.js
    scripts = re.findall(r'<script src="([^"]+)"></script>', text)
    assert [s.split("?")[0] for s in scripts] == [
        "/assets/theme-boot.js", "/" + BUNDLE_PATH, "/" + DASH_PLOTLY_PATH,
    ]  # fmt: skip
    assert all(re.search(r"\?m=\w+$", s) for s in scripts[:-1])  # fingerprinted
    bundle = client.get(scripts[1])
    assert bundle.mimetype == "text/javascript"
    assert "immutable" in bundle.headers["Cache-Control"]
    named = re.findall(r"^/\* assets/([\w.-]+) \*/$", bundle.get_data(as_text=True), re.M)
    lives = sorted(p.name for p in ASSETS.glob("live-*.js"))
    assert [n for n in named if n.startswith("live-")] == lives and len(lives) >= 10
    assert named[-3:] == ["live.js", "page-nodes.js", "page-runtime.js"]
    assert {"dashboard.js", "alerts.js", "alerts-firing.js"} <= set(named)
    assert f'<link rel="preload" as="script" href="/{DASH_PLOTLY_PATH}">' in text
    assert 'data-host="box&quot;&lt;1&gt;"' in text and '<span id="hostname"' in text
    assert json_element(text, CONFIG_ID) == {"requests_pathname_prefix": "/"}
    data = json_element(text, DATA_ID)
    wired = {c["function"]: c for c in data["callbacks"]}
    assert set(wired) == {"markCurrent", "connection", "render", "poll"}
    render = wired["render"]
    assert render["preventInitialCall"] and render["multi"]
    assert render["outputs"] == [
        [o.component_id, o.component_property] for _n, o in live.render_outputs()
    ]
    assert wired["poll"]["outputs"] == [] and not wired["poll"]["preventInitialCall"]
    assert data["components"][ids.LIVE_CONFIG]["props"]["data"]["host"] == 'box"<1>'
    assert client.head("/").status_code == 200


def test_each_rendering_is_a_new_page_mount(client: FlaskClient) -> None:
    mounts = set()
    for _ in range(2):
        data = json_element(client.get("/").get_data(as_text=True), DATA_ID)
        mounts.add(data["components"][ids.LIVE_CONFIG]["props"]["data"]["mount"])
    assert len(mounts) == 2


def test_dash_pages_stay_dash_pages_without_the_runtime(client: FlaskClient) -> None:
    text = client.get("/hosts").get_data(as_text=True)
    assert "dash_renderer" in text and "page-runtime.js" not in text
    assert "page-nodes.js" in text  # the hosts page draws its tiles with it
    # the navigation's link to the live page is a full load (the router cannot show it)
    links = list(nav_links(client.get("/_dash-layout").get_json()))
    assert {p["href"]: p.get("refresh", False) for p in links} == {
        "/": True, "/hosts": False, "/history": False, "/alerts": False,
    }  # fmt: skip


def nav_links(node: object) -> Iterator[dict]:
    if isinstance(node, list):
        for child in node:
            yield from nav_links(child)
    elif isinstance(node, dict):
        props = node.get("props", {})
        if node.get("type") == "Link":
            yield props
        yield from nav_links(props.get("children"))
