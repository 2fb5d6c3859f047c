"""Fixtures: a real dashboard server (fake collectors at 0.2 s) on a free loopback port."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.live.server import LiveServer, live_config
from tests.support.polling import wait_for

ServerFactory = Callable[..., LiveServer]


@pytest.fixture
def make_server(tmp_path: Path) -> Iterator[ServerFactory]:
    """Starts servers with config overrides; stops them (and their monitors) afterwards."""
    started: list[LiveServer] = []

    def make(**overrides: Any) -> LiveServer:
        directory = tmp_path / f"server{len(started)}"
        directory.mkdir()
        server = LiveServer(live_config(directory, **overrides))
        started.append(server)
        return server.start()

    yield make
    for server in started:
        server.close()


@pytest.fixture
def server(make_server: ServerFactory) -> LiveServer:
    """A server whose hub already holds a few samples."""
    live = make_server()
    wait_for(lambda: len(live.monitor.hub.backlog()) >= 3, message="three samples")
    return live
