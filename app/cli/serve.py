"""``python -m app serve`` runs the dashboard under gunicorn, as production does.

Once its flags are checked (``app.cli.main``), the command hands them over as ``MONITOR_*``
variables and replaces its process (same pid, same standard streams) with a fresh interpreter
running ``app.cli.master``: a gunicorn master with ``gunicorn.conf.py`` and one worker that
imports neither the CLI nor the settings code, and so stays at gunicorn's own size. Werkzeug's
development server is not used: besides its warning, it writes an HTTP response after a
WebSocket closes, which browsers report as an invalid frame.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping, MutableMapping
from typing import Any

from app.config import ENV_PREFIX, Config

# The settings ``python -m app`` has flags for: what ``handed_over`` writes.
SERVE_FLAGS = (
    "host",
    "port",
    "insecure_no_auth",
    "trusted_network",
    "database_url",
    "interval",
    "hostname",
    "top_n",
    "log_level",
)
MASTER_MODULE = "app.cli.master"


def master_argv(orig_argv: list[str]) -> list[str]:
    """The master's command line: this interpreter with its own options (``-X``, ``-W``...,
    those before ``-m app``) running ``app.cli.master``."""
    options = orig_argv[1 : orig_argv.index("-m")] if "-m" in orig_argv else []
    return [sys.executable, *options, "-m", MASTER_MODULE]


def env_text(value: Any) -> str:
    """A setting as its ``MONITOR_*`` variable spells it, read back to the same value."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return repr(value) if isinstance(value, float) else str(value)


def handed_over(config: Config, environ: Mapping[str, str]) -> dict[str, str]:
    """``environ`` with the flags' settings of ``config`` as ``MONITOR_*`` variables, so that
    ``Config.from_env`` in the master's checks and in the worker reads ``config`` back."""
    env = dict(environ)
    for name in SERVE_FLAGS:
        env[ENV_PREFIX + name.upper()] = env_text(getattr(config, name))
    return env


def serve_with_gunicorn(config: Config, environ: MutableMapping[str, str] = os.environ) -> int:
    """Becomes the gunicorn master (``os.execve``: it does not return); SIGINT or SIGTERM then
    stops it, and the worker flushes the storage buffer before it exits."""
    env = handed_over(config, environ)
    sys.stdout.flush()
    sys.stderr.flush()
    os.execve(sys.executable, master_argv(sys.orig_argv), env)
    return 0  # not reached
