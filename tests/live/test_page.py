"""The live page's Python side: its layout holds every element its callbacks and script use."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from app.config import Config
from app.pages import ids, live


def component_ids(component: Any) -> set[str]:
    found = {component.id} if isinstance(getattr(component, "id", None), str) else set()
    children = getattr(component, "children", None)
    for child in children if isinstance(children, list) else [children]:
        if hasattr(child, "to_plotly_json"):
            found |= component_ids(child)
    return found


def test_layout_has_every_output_and_element_the_script_uses(tmp_path: Path) -> None:
    config = Config(interval=0.5, database_url=f"sqlite:///{tmp_path / 'm.db'}", hostname="h")
    page = live.layout(config)
    present = component_ids(page) | {ids.HOSTNAME}  # the host name is in the shared header
    for _name, output in live.render_outputs():
        assert output.component_id in present, output
    client = live.client_config(config)
    assert client["outputs"] == [name for name, _ in live.render_outputs()]
    assert set(client["ids"]["graphs"].values()) <= present
    assert {client["ids"]["socket"], client["ids"]["inbox"], client["ids"]["procTable"]} <= present
    assert client["interval"] == 0.5 and client["host"] == "h" and client["path"] == "ws/metrics"
    assert live.client_config(config)["mount"] != client["mount"]  # a new page, a fresh start


def test_the_browser_gets_the_optional_panels_from_the_server(tmp_path: Path) -> None:
    config = Config(interval=0.5, database_url=f"sqlite:///{tmp_path / 'm.db'}", hostname="h")
    client = live.client_config(config)
    assert client["optionalPanels"] == list(live.OPTIONAL_PANELS) == ["temp", "gpu", "pressure"]
    outputs = set(client["outputs"])
    for key in client["optionalPanels"]:
        assert f"panel:{key}" in outputs and key in client["ids"]["graphs"]
    # the script names no panel output itself: it takes the optional ones from this list
    assets = Path(live.__file__).resolve().parents[2] / "assets"
    for script in sorted(assets.glob("live*.js")):
        assert not re.search(r"[\"']panel:\w", script.read_text()), script


def test_parts_of_optional_sections_start_hidden_and_the_browser_knows_their_outputs(
    tmp_path: Path,
) -> None:
    """The pressure card and the containers and services panel show only while the samples
    carry "pressure" and "cgroups" (assets/live-panels.js sets their class)."""
    config = Config(interval=0.5, database_url=f"sqlite:///{tmp_path / 'm.db'}", hostname="h")
    client = live.client_config(config)
    outputs = dict(live.render_outputs())
    assert [section for section, _name, _cls in client["sectionParts"]] == ["pressure", "cgroups"]
    for _section, name, cls in client["sectionParts"]:
        assert outputs[name].component_property == "className" and "hidden" not in cls
    hidden = {ids.CARD_PRESSURE, ids.PANEL_WORKLOADS}

    def classes(component: Any) -> dict[str, str]:
        found = {}
        if getattr(component, "id", None) in hidden:
            found[component.id] = component.className
        children = getattr(component, "children", None)
        for child in children if isinstance(children, list) else [children]:
            if hasattr(child, "to_plotly_json"):
                found |= classes(child)
        return found

    assert classes(live.layout(config)) == {
        ids.CARD_PRESSURE: "card card--pressure panel--hidden",
        ids.PANEL_WORKLOADS: "panel panel--wide panel--hidden",
    }
    kinds = client["workloadKinds"]
    assert kinds["docker"] == "Docker container" and kinds["service"] == "systemd service"
    assert kinds["pod"] == "Kubernetes pod"
    assert {client["ids"]["workloadTable"], client["ids"]["workloadFilter"]} <= component_ids(
        live.layout(config)
    )


def test_the_connection_clock_ticks_twice_an_interval_within_bounds() -> None:
    assert live.tick_ms(0.2) == 250
    assert live.tick_ms(0.8) == 400
    assert live.tick_ms(60) == 500
