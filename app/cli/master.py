"""The gunicorn master of ``python -m app serve``: what that command becomes once its flags
are checked (``app.cli.serve`` replaces its process with ``python -m app.cli.master``).

gunicorn with the project's ``gunicorn.conf.py`` and one worker, the settings in ``MONITOR_*``
variables, as ``gunicorn -c gunicorn.conf.py wsgi:app`` has them. It imports gunicorn and the
config file's start checks only (neither the CLI nor ``app.config``): the master stays at
gunicorn's own size; each worker builds the app from the same variables.
"""

from __future__ import annotations

import os
from typing import Any

from gunicorn.app.base import Application

GUNICORN_CONF = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(__file__))),
                             "gunicorn.conf.py")  # fmt: skip


class DashboardServer(Application):
    """gunicorn with the project's config file and a single worker (no argv parsing)."""

    def __init__(self) -> None:
        super().__init__(usage=None, prog="python -m app serve")

    def load_config(self) -> None:
        """gunicorn.conf.py (its bind comes from ``MONITOR_HOST`` and ``MONITOR_PORT``), then
        one worker; the banner is printed by its ``when_ready`` once it listens."""
        self.load_config_from_file(GUNICORN_CONF)
        self.cfg.set("workers", 1)
        self.banner = f"Dashboard on http://{self.cfg.bind[0]}/ (Ctrl+C to stop)"

    def load(self) -> Any:
        """Builds the app in the worker (after the fork), from the environment."""
        from app.config import Config
        from app.web.factory import create_app

        return create_app(Config.from_env()).server


def main() -> None:
    """Serves until SIGINT/SIGTERM; the worker flushes the storage buffer before it exits."""
    DashboardServer().run()


if __name__ == "__main__":
    main()
