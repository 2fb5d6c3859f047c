"""A gunicorn worker starts its monitor before it builds the web app, and the app takes it."""

from __future__ import annotations

from pathlib import Path

from app.config import Config
from app.runtime.early import early_monitor, start_early, stop_early
from app.web.factory import create_app
from tests.support.polling import wait_for


def test_the_app_takes_the_monitor_started_before_it(tmp_path: Path) -> None:
    config = Config(database_url=f"sqlite:///{tmp_path / 'early.db'}", interval=0.2)
    monitor = start_early(config)
    try:
        assert monitor.running and start_early(config) is monitor  # once
        wait_for(lambda: monitor.hub.backlog(), timeout=30, message="a first sample")
        other = Config(database_url=f"sqlite:///{tmp_path / 'other.db'}")
        assert early_monitor(other) is None
        server = create_app(config).server
        assert server.extensions["monitor"] is monitor
        assert create_app(other).server.extensions["monitor"] is not monitor
    finally:
        stop_early()
    assert early_monitor(config) is None and not monitor.running
