"""The Python side of following hosts: what the live and overview pages hand the browser, and
the simulated remote agents the browser tests publish with."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

from app.config import Config
from app.hub import LiveHub
from app.pages import hosts as overview
from app.pages import ids, live
from tests.live.remote import RemoteAgents, RemoteHost
from tests.live.test_page import component_ids
from tests.support.polling import wait_for


def find(component: Any, component_id: str) -> Any:
    """The component with ``component_id`` in the tree under ``component``, or None."""
    if getattr(component, "id", None) == component_id:
        return component
    children = getattr(component, "children", None)
    for child in children if isinstance(children, list) else [children]:
        # a component's truth is its number of children: compare with None
        if hasattr(child, "to_plotly_json") and (found := find(child, component_id)) is not None:
            return found
    return None


def config(tmp_path: Path) -> Config:
    return Config(interval=0.5, database_url=f"sqlite:///{tmp_path / 'm.db'}", hostname="h")


def test_live_page_has_the_host_picker_and_a_placeholder_health_panel(tmp_path: Path) -> None:
    page = live.layout(config(tmp_path))
    client = live.client_config(config(tmp_path))
    assert client["ids"]["hostPicker"] == ids.LIVE_HOST_PICKER
    assert {client["ids"]["hostPicker"], client["ids"]["pause"]} <= component_ids(page)
    assert client["healthLabels"] == list(live.HEALTH_LABELS)
    assert client["waitingFigure"] == live.waiting_figure()
    assert client["hostsEveryMs"] >= 30_000  # and soon when looked at (live-hosts.js)

    # before the first sample: the storage line and every number, as live.js draws them
    panel = find(page, ids.LIVE_HEALTH).children
    storage, *stats = panel
    assert storage.className == "storage storage--unknown"
    assert [span.className for span in storage.children] == ["storage-text", "storage-buffer"]
    assert [stat.children[0].children for stat in stats] == list(live.HEALTH_LABELS)
    assert {stat.children[1].children for stat in stats} == {"–"}


def test_overview_names_this_server_for_its_tiles_and_the_header(tmp_path: Path) -> None:
    page = overview.layout(config(tmp_path))
    assert {ids.OVERVIEW_GRID, ids.OVERVIEW_SUMMARY, ids.OVERVIEW_POLL} <= component_ids(page)
    settings = find(page, ids.OVERVIEW_CONFIG).data
    assert (settings["host"], settings["hostnameId"]) == ("h", ids.HOSTNAME)
    assert settings["gridId"] == ids.OVERVIEW_GRID  # what overview.js draws into
    assert find(page, ids.OVERVIEW_POLL).interval == 500


def test_remote_agents_publish_aligned_samples_until_stopped() -> None:
    hub = LiveHub()
    fast = RemoteHost("fast", interval=0.05, cpu=4.5, backlog=3)
    slow = RemoteHost("slow", interval=0.1, cpu=7.0)
    with RemoteAgents(hub, [fast, slow]) as agents:
        assert len(hub.backlog(host="fast")) >= 3  # the backlog is there at once
        wait_for(lambda: len(hub.backlog(host="slow")) >= 3, message="three slow samples")
        agents.stop_host("fast")
        silent_from = fast.seq
        wait_for(lambda: len(hub.backlog(host="slow")) >= 6, message="three more slow samples")
        assert fast.seq == silent_from
    for host in (fast, slow):
        messages = hub.backlog(host=host.name)
        times = [m.ts for m in messages]
        assert times == sorted(set(times))
        assert all(math.isclose(t / host.interval, round(t / host.interval)) for t in times)
        assert all(f'"total":{host.cpu}' in m.payload for m in messages)
        assert f'"interval_s":{host.interval}' in messages[-1].payload
