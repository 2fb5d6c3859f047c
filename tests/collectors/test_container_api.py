"""Container names from a Docker Engine API served by the test on a real Unix socket."""

from __future__ import annotations

import json
import logging
import socketserver
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler
from pathlib import Path

import pytest

from collectors.cgroups import CgroupsCollector
from tests.collectors.cgroupfs import FakeCgroups
from tests.collectors.fakes import FakeClock

DOCKER_ID = "3f2a9c1e0b7d" + "a" * 52
SCOPE = f"system.slice/docker-{DOCKER_ID}.scope"


class EngineApi(socketserver.ThreadingMixIn, socketserver.UnixStreamServer):
    """``GET /containers/json`` answering ``listed``; counts the requests."""

    daemon_threads = True

    def __init__(self, path: str, listed: list[dict]) -> None:
        self.listed, self.requests = listed, []
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                server.requests.append(self.path)
                body = json.dumps(server.listed).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def address_string(self) -> str:
                return "unix"

            def log_message(self, *args: object) -> None:
                pass

        super().__init__(path, Handler)


@pytest.fixture
def engine(tmp_path: Path) -> Iterator[EngineApi]:
    server = EngineApi(str(tmp_path / "docker.sock"), [{"Id": DOCKER_ID, "Names": ["/web"]}])
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


def docker_keys(collector: CgroupsCollector) -> list[str]:
    return [r["key"] for r in collector.collect()["workloads"] if r["kind"] == "docker"]


def test_names_come_from_the_socket_when_the_files_cannot_be_read(
    tmp_path: Path, engine: EngineApi
) -> None:
    FakeCgroups(tmp_path, "v2").set(SCOPE)  # no config.v2.json written
    collector = CgroupsCollector(FakeClock(), root=tmp_path, docker_socket=engine.server_address)
    assert docker_keys(collector) == ["docker/web"]
    assert engine.requests == ["/containers/json?all=1"]


def test_without_a_socket_named_nothing_is_asked(tmp_path: Path, engine: EngineApi) -> None:
    FakeCgroups(tmp_path, "v2").set(SCOPE)
    keys = docker_keys(CgroupsCollector(FakeClock(), root=tmp_path))
    assert keys == [f"docker/{DOCKER_ID[:12]}"] and engine.requests == []


def test_a_dead_socket_keeps_the_short_id_and_is_said_once(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    FakeCgroups(tmp_path, "v2").set(SCOPE)
    clock = FakeClock()
    dead = str(tmp_path / "gone.sock")
    collector = CgroupsCollector(clock, root=tmp_path, docker_socket=dead, rediscover_s=1.0)
    with caplog.at_level(logging.WARNING, "collectors.cgroups.container_api"):
        for _ in range(40):
            assert docker_keys(collector) == [f"docker/{DOCKER_ID[:12]}"]
            clock.advance(1)
    assert len(caplog.records) == 1 and "gone.sock" in caplog.records[0].getMessage()
