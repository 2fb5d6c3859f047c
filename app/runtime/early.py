"""A gunicorn worker's monitor, started before the worker builds its web app.

A worker imports Dash, Flask and the pages for most of its boot (gunicorn's master holds none
of them). ``start_early`` (gunicorn.conf.py's ``post_fork``) builds and starts this process's
monitor first, so that it samples while the rest is imported; ``create_app`` then takes it
(``early_monitor``) instead of building its own. A page that reconnects after a reload then
finds the new worker's first samples waiting, instead of the next slot of the interval.
"""

from __future__ import annotations

import logging
import os

from app.config import Config
from app.runtime.monitor import Monitor

_started: dict[int, Monitor] = {}  # pid -> its monitor (a fork never inherits its parent's)


def configure_logging() -> None:
    """Logging of a process that gunicorn started (``wsgi.py``), unless it is configured."""
    if not logging.getLogger().handlers:
        logging.basicConfig(
            level=os.environ.get("MONITOR_LOG_LEVEL", "INFO").upper(),
            format="%(asctime)s %(levelname)s [%(process)d] %(name)s: %(message)s",
        )


def start_early(config: Config) -> Monitor:
    """Builds and starts this process's monitor for ``config`` (once), logging as the app
    will (its first lines come before ``wsgi.py`` is imported)."""
    configure_logging()
    monitor = _started.get(os.getpid())
    if monitor is None or monitor.config != config:
        monitor = Monitor(config)
        _started[os.getpid()] = monitor
    monitor.start()
    return monitor


def early_monitor(config: Config) -> Monitor | None:
    """The monitor ``start_early`` started in this process for ``config``, or None."""
    monitor = _started.get(os.getpid())
    return monitor if monitor is not None and monitor.config == config else None


def stop_early() -> None:
    """Stops the monitor ``start_early`` started here, if any (a worker whose app failed)."""
    monitor = _started.pop(os.getpid(), None)
    if monitor is not None:
        monitor.stop()
