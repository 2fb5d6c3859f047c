"""gunicorn settings: ``gunicorn -c gunicorn.conf.py wsgi:app``.

Threaded workers (gthread) are required: every open WebSocket holds one thread for as long as
the browser stays, so ``threads`` = expected WebSocket clients per worker + threads for plain
HTTP. Override with MONITOR_WORKERS, MONITOR_WS_CLIENTS, MONITOR_HTTP_THREADS or MONITOR_THREADS.
"""

from __future__ import annotations

import os
import sys

_host = os.environ.get("MONITOR_HOST", "127.0.0.1")
_port = os.environ.get("MONITOR_PORT", "8050")
bind = [f"[{_host}]:{_port}" if ":" in _host else f"{_host}:{_port}"]

worker_class = "gthread"
workers = int(os.environ.get("MONITOR_WORKERS", "1"))
_ws_clients = int(os.environ.get("MONITOR_WS_CLIENTS", "64"))
_http_threads = int(os.environ.get("MONITOR_HTTP_THREADS", "8"))
threads = int(os.environ.get("MONITOR_THREADS", str(_ws_clients + _http_threads)))
timeout = 60
graceful_timeout = 30
keepalive = 5
accesslog = os.environ.get("MONITOR_ACCESS_LOG") or None
errorlog = "-"
loglevel = os.environ.get("MONITOR_LOG_LEVEL", "info").lower()
# gunicorn's control socket has one default path per user: several dashboards (or tests) on one
# machine would fight over it, and nothing here uses it.
control_socket_disable = True


def on_starting(server: object) -> None:
    """Refuses set-ups that cannot work, with one line saying what to do instead."""
    cfg = server.cfg  # type: ignore[attr-defined]
    if cfg.worker_class_str != "gthread":
        sys.exit(
            f"error: worker class {cfg.worker_class_str!r} cannot hold WebSockets; "
            "use the default from gunicorn.conf.py (-k gthread)"
        )
    from app.config import Config, ConfigError
    from app.guard.exposure import exposure_problem

    try:
        config = Config.from_env()
    except ConfigError as exc:
        sys.exit(f"error: {exc}")
    problem = exposure_problem(config.with_overrides(host=_host))
    if problem:
        sys.exit(f"error: {problem}")
    url = config.database_url
    if cfg.workers > 1 and url.startswith("sqlite"):
        sys.exit(
            f"error: {cfg.workers} workers on SQLite would each sample the host and contend for "
            "one file; use MONITOR_WORKERS=1 with SQLite, or PostgreSQL for several workers"
        )


def post_worker_init(worker: object) -> None:
    """Starts sampling in the worker as soon as it is ready (not at import, not before fork)."""
    worker.wsgi.extensions["monitor"].start()  # type: ignore[attr-defined]


def worker_exit(server: object, worker: object) -> None:
    """Flushes the worker's storage buffer when it stops (SIGTERM, reload, max-requests)."""
    monitor = worker.wsgi.extensions["monitor"]  # type: ignore[attr-defined]
    monitor.stop()
