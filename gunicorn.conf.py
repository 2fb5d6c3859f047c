"""gunicorn settings: ``gunicorn -c gunicorn.conf.py wsgi:app``.

Threaded workers (gthread, guarded against slow clients) are required: every open WebSocket
holds one thread for as long as the browser stays, so ``threads`` = expected WebSocket clients
per worker + threads for plain HTTP. Override with MONITOR_WORKERS, MONITOR_WS_CLIENTS,
MONITOR_HTTP_THREADS or MONITOR_THREADS.
"""

from __future__ import annotations

import os

_host = os.environ.get("MONITOR_HOST", "127.0.0.1")
_port = os.environ.get("MONITOR_PORT", "8050")
bind = [f"[{_host}]:{_port}" if ":" in _host else f"{_host}:{_port}"]

# gthread that reads each request in its main loop before a thread serves it, with a deadline
# and a limit on connections per client (app/guard/slow_clients.py).
worker_class = "app.guard.slow_clients.GuardedThreadWorker"
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


def nworkers_changed(server: object, new_value: int, old_value: int | None) -> None:
    """The start checks. gunicorn calls this first (``old_value`` None) once its settings are
    final, after ``-b``/``--bind``, the config file and ``GUNICORN_CMD_ARGS``, and before it logs,
    binds or forks: a refusal here is the one line on stderr, with exit code 2."""
    if old_value is None:
        from app.guard.startup import check_start

        check_start(server)


def when_ready(server: object) -> None:
    """The exposure rule again, on the sockets gunicorn really listens on (systemd, fd://)."""
    from app.guard.startup import listeners_problem, refuse

    problem = listeners_problem(server)
    if problem:
        refuse(problem)


def on_reload(server: object) -> None:
    """After a reload (SIGHUP), which may bind elsewhere: stop rather than serve exposed."""
    from gunicorn.errors import HaltServer

    from app.guard.startup import listeners_problem

    problem = listeners_problem(server)
    if problem:
        raise HaltServer(problem, 2)


def post_worker_init(worker: object) -> None:
    """Starts sampling in the worker as soon as it is ready (not at import, not before fork)."""
    worker.wsgi.extensions["monitor"].start()  # type: ignore[attr-defined]


def worker_exit(server: object, worker: object) -> None:
    """Flushes the worker's storage buffer when it stops (SIGTERM, reload, max-requests)."""
    monitor = worker.wsgi.extensions["monitor"]  # type: ignore[attr-defined]
    monitor.stop()
