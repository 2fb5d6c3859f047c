"""``GET /api/v1/processes`` on a real server with the real collectors over real HTTP.

A process with a unique name (and a secret on its command line) runs beside the server; it is
not among the sample's top rows, and the search finds it from the sampler's last scan, masked.
"""

from __future__ import annotations

import json
import secrets
import subprocess
import sys
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.live.server import LiveServer, live_config
from tests.support.polling import wait_for
from tests.support.samples import make_sample

TOKEN = "t-" + secrets.token_hex(8)


@pytest.fixture
def marker() -> str:
    return "uniqproc" + secrets.token_hex(4)


@pytest.fixture
def sleeper(marker: str) -> Iterator[subprocess.Popen]:
    argv = [sys.executable, "-c", "import time; time.sleep(600)", marker, "--password", "s3cr3t"]
    process = subprocess.Popen(argv)
    yield process
    process.kill()
    process.wait()


@pytest.fixture
def server(tmp_path: Path) -> Iterator[LiveServer]:
    config = live_config(tmp_path, auth_token=TOKEN, data_dir=str(tmp_path), top_n=1)
    server = LiveServer(config, fake=False).start()
    yield server
    server.close()


def get(server: LiveServer, path: str, token: str | None = TOKEN) -> tuple[int, Any]:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    request = urllib.request.Request(server.base_url + path, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, json.load(response)
    except urllib.error.HTTPError as error:
        body = error.read()
        return error.code, json.loads(body) if body.startswith(b"{") else body


def test_a_process_outside_the_top_rows_is_found_masked(
    server: LiveServer, sleeper: subprocess.Popen, marker: str
) -> None:
    def found() -> dict[str, Any] | None:
        status, body = get(server, f"/api/v1/processes?q={marker}")
        return body if status == 200 and body["matched"] else None

    body = wait_for(found, timeout=30, message="the process in a search")
    (row,) = body["processes"]
    assert row["pid"] == sleeper.pid and row["user"]
    assert row["cmdline"].endswith(f"{marker} --password ***")
    assert body["total"] > 10 and body["host"] == "live-test"
    status, latest = get(server, "/api/v1/latest")
    top = latest["processes"]["top_cpu"] + latest["processes"]["top_mem"]
    assert status == 200 and sleeper.pid not in {r["pid"] for r in top}  # not a top row
    assert get(server, "/api/v1/processes?q=s3cr3t")[1]["matched"] == 0  # masked, unsearchable
    status, by_pid = get(server, f"/api/v1/processes?q={sleeper.pid}")
    assert sleeper.pid in {r["pid"] for r in by_pid["processes"]}


def test_refused_without_authentication(server: LiveServer) -> None:
    assert get(server, "/api/v1/processes?q=x", token=None)[0] == 401
    assert get(server, "/api/v1/processes?q=x", token="wrong")[0] == 401


@pytest.mark.parametrize(
    ("query", "parameter"),
    [
        ("limit=0", "limit"),
        ("limit=many", "limit"),
        ("limit=501", "limit"),
        ("sort=colour", "sort"),
        ("order=up", "order"),
        ("q=" + "x" * 201, "q"),
        ("q=%0a", "q"),
        ("host=nowhere", "host"),
    ],
)
def test_a_bad_parameter_is_400_naming_it(server: LiveServer, query: str, parameter: str) -> None:
    status, body = get(server, f"/api/v1/processes?{query}")
    assert (status, body["parameter"]) == (404 if parameter == "host" else 400, parameter)
    assert parameter in body["error"]


def test_another_hosts_full_list_is_on_its_own_server(server: LiveServer) -> None:
    server.monitor.store.write_batch([make_sample(1, host="agent-1")])
    status, body = get(server, "/api/v1/processes?host=agent-1&q=x")
    assert status == 409 and body["parameter"] == "host" and body["host"] == "agent-1"
    assert "only on the server that samples it" in body["error"]


def test_sorted_and_limited(server: LiveServer) -> None:
    wait_for(lambda: get(server, "/api/v1/processes")[0] == 200, message="a first scan")
    status, body = get(server, "/api/v1/processes?limit=3&sort=pid&order=asc")
    pids = [r["pid"] for r in body["processes"]]
    assert status == 200 and len(pids) == 3 and pids == sorted(pids)
    assert body["matched"] == body["total"] and (body["sort"], body["order"]) == ("pid", "asc")
