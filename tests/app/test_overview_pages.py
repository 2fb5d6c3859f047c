"""The overview of a large fleet: one page at a time, a search of names, worst first, the
whole fleet's counts beside it, and a 400 naming a bad parameter."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from app.config import Config
from app.hub import LiveHub
from app.hub.reporting import HostReport
from app.hub.summary import Summary
from app.runtime.monitor import Monitor
from app.web.factory import create_app
from app.web.host_summaries import MAX_PER_PAGE, HostSummaries, OverviewQuery

HOSTS = 1000


def fleet() -> tuple[HostSummaries, dict[str, HostReport]]:
    """1,000 hosts ``web-0000`` ... with CPU ``i % 100``; every 100th one is not reporting."""
    hub = LiveHub()
    reports = {}
    for i in range(HOSTS):
        host = f"web-{i:04d}"
        for seq in range(3):
            hub.summaries.put(Summary(host, 100.0 + seq, seq, {"cpu": i % 100 + seq / 3}))
        reports[host] = HostReport(host, 102.0, 1.0, 1.0, i % 100 != 7, True)
    return HostSummaries(hub), reports


def test_a_page_of_a_thousand_hosts_holds_sixty_and_the_fleet_counts() -> None:
    summaries, reports = fleet()
    body = summaries.overview(reports, OverviewQuery())
    assert [e["host"] for e in body["hosts"]] == [f"web-{i:04d}" for i in range(60)]
    assert (body["page"], body["pages"], body["matched"], body["total"]) == (1, 17, 1000, 1000)
    assert body["down"] == 10
    assert body["hosts"][1]["spark"] == [1.0, 1.3, 1.7]  # rounded to one decimal
    last = summaries.overview(reports, OverviewQuery(page=99))  # past the end: the last page
    assert last["page"] == 17 and len(last["hosts"]) == 40
    assert len(json.dumps(body)) < 40_000  # a page, not the fleet


def test_a_search_and_worst_first() -> None:
    summaries, reports = fleet()
    found = summaries.overview(reports, OverviewQuery(search="WEB-099", per_page=5))
    assert [e["host"] for e in found["hosts"]] == [f"web-099{i}" for i in range(5)]
    assert (found["matched"], found["pages"], found["total"]) == (10, 2, 1000)
    worst = summaries.overview(reports, OverviewQuery(sort="worst", per_page=12))["hosts"]
    assert [e["host"] for e in worst[:10]] == [f"web-{i:04d}" for i in range(7, 1000, 100)]
    assert all(not e["reporting"] for e in worst[:10])
    assert [e["host"] for e in worst[10:]] == ["web-0099", "web-0199"]  # then the busiest


@pytest.mark.parametrize(
    ("query", "named"),
    [
        ("sort=cpu", "sort"),
        ("page=0", "page"),
        ("page=two", "page"),
        (f"per_page={MAX_PER_PAGE + 1}", "per_page"),
        ("q=" + "x" * 101, "q"),
    ],
)
def test_a_bad_parameter_is_a_400_naming_it(tmp_path: Path, query: str, named: str) -> None:
    config = Config(database_url=f"sqlite:///{tmp_path / 'm.db'}", hostname="overview-test")
    monitor = Monitor(config, collector_factory=lambda _config: [])
    client = create_app(monitor=monitor).server.test_client()
    response = client.get(f"/api/v1/overview?{query}")
    assert response.status_code == 400
    body = response.get_json()
    assert body["parameter"] == named and body["error"].startswith(named + ":")
    assert client.get("/api/v1/overview?sort=worst&page=1&per_page=10").status_code == 200
    monitor.stop()
