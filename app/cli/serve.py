"""``python -m app serve`` runs the dashboard under gunicorn, as production does.

One master and one threaded worker, configured by ``gunicorn.conf.py`` (the same hooks: start
sampling in the worker, flush storage on exit) with the bind address from the CLI's config.
Werkzeug's development server is not used: besides its warning, it writes an HTTP response
after a WebSocket closes, which browsers report as an invalid frame.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from gunicorn.app.base import Application

from app.config import Config

GUNICORN_CONF = Path(__file__).resolve().parents[2] / "gunicorn.conf.py"


def bind_address(config: Config) -> str:
    host = f"[{config.host}]" if ":" in config.host else config.host
    return f"{host}:{config.port}"


class DashboardServer(Application):
    """gunicorn with the project's config file and this process's settings."""

    def __init__(self, config: Config) -> None:
        self.monitor_config = config
        # Printed by gunicorn.conf.py's when_ready, once it listens (after every start check).
        self.banner = f"Dashboard on http://{bind_address(config)}/ (Ctrl+C to stop)"
        super().__init__(usage=None, prog="python -m app serve")

    def load_config(self) -> None:
        """gunicorn.conf.py, then the bind address and a single worker (no argv parsing)."""
        self.load_config_from_file(str(GUNICORN_CONF))
        self.cfg.set("bind", [bind_address(self.monitor_config)])
        self.cfg.set("workers", 1)

    def load(self) -> Any:
        """Builds the app in the worker (after the fork), from the CLI's config."""
        from app.web.factory import create_app

        return create_app(self.monitor_config).server


def serve_with_gunicorn(config: Config) -> int:
    """Serves until SIGINT/SIGTERM; the worker flushes the storage buffer before it exits."""
    os.environ.setdefault("MONITOR_LOG_LEVEL", config.log_level)
    DashboardServer(config).run()
    return 0
