"""A real dashboard server on a loopback port, in a thread, that a test can stop and restart."""

from __future__ import annotations

import socket
import threading
from pathlib import Path
from typing import Any

from dash import Dash
from werkzeug.serving import BaseWSGIServer, WSGIRequestHandler, make_server

from app.config import Config
from app.live.connections import LiveSockets
from app.live.route import EXTENSION_KEY
from app.runtime.monitor import Monitor
from app.web.factory import create_app
from tests.live.fakes import fake_collectors


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class QuietHandler(WSGIRequestHandler):
    """Werkzeug's handler without a log line per request."""

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        pass


def live_config(tmp_path: Path, **overrides: Any) -> Config:
    """A config for tests: 0.2 s ticks, SQLite in ``tmp_path``, a fixed host name."""
    values: dict[str, Any] = {
        "interval": 0.2,
        "database_url": f"sqlite:///{tmp_path / 'm.db'}",
        "hostname": "live-test",
        "batch_interval": 0.5,
    }
    values.update(overrides)
    return Config(**values)


class LiveServer:
    """Serves ``create_app`` with werkzeug's threaded server; the monitor outlives restarts."""

    def __init__(
        self,
        config: Config,
        *,
        fake: bool = True,
        collector_factory: Any = None,
        **monitor_options: Any,  # clocks, for a test that injects them
    ) -> None:
        self.config = config
        factory = collector_factory or (fake_collectors if fake else None)
        if factory is not None:
            monitor_options["collector_factory"] = factory
        self.monitor = Monitor(config, **monitor_options)
        self.dash_app: Dash = create_app(config, monitor=self.monitor)
        self.port = free_port()
        self._server: BaseWSGIServer | None = None
        self._thread: threading.Thread | None = None

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def origin(self) -> str:
        return self.base_url

    @property
    def sockets(self) -> LiveSockets:
        return self.dash_app.server.extensions[EXTENSION_KEY]

    def start(self) -> LiveServer:
        """Listens on ``port`` (the same one after a restart) and starts sampling."""
        self._server = make_server(
            "127.0.0.1",
            self.port,
            self.dash_app.server,
            threaded=True,
            request_handler=QuietHandler,
        )
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()
        self.monitor.start()
        return self

    def stop_http(self) -> None:
        """Closes every WebSocket (1001) and stops listening; sampling goes on."""
        if self._server is None:
            return
        self._server.shutdown()
        self._server.server_close()
        self.sockets.close_all()
        self._server = None

    def close(self) -> None:
        self.stop_http()
        self.monitor.stop()
