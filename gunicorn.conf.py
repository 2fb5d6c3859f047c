"""gunicorn settings: ``gunicorn -c gunicorn.conf.py wsgi:app``.

Threaded workers (gthread, guarded against slow clients) are required: every open WebSocket
holds one thread for as long as the browser stays, so ``threads`` = expected WebSocket clients
per worker + threads for plain HTTP. Override with MONITOR_WORKERS, MONITOR_WS_CLIENTS,
MONITOR_HTTP_THREADS or MONITOR_THREADS.
"""

from __future__ import annotations

import gc
import os
import signal
import sys

_host = os.environ.get("MONITOR_HOST", "127.0.0.1")
_port = os.environ.get("MONITOR_PORT", "8050")
if not _port.isdigit():  # not a port: the start checks refuse it in one line (MONITOR_PORT=...)
    _port = "8050"
bind = [f"[{_host}]:{_port}" if ":" in _host else f"{_host}:{_port}"]

# gthread that reads each request in its main loop before a thread serves it, with a deadline
# and a limit on connections per client (app/guard/slow_clients.py).
worker_class = "app.guard.slow_clients.GuardedThreadWorker"


def _count(name: str, default: int, least: int) -> int:
    """A whole number from the environment; a bad one is one line and exit code 2 (gunicorn
    turns other errors of this file into a traceback)."""
    raw = os.environ.get(name) or str(default)
    try:
        value = int(raw)
    except ValueError:
        value = least - 1
    if value < least:
        message = f"error: {name} must be a whole number, {least} or more, got {raw!r}"
        print(message, file=sys.stderr)
        raise SystemExit(2)
    return value


workers = _count("MONITOR_WORKERS", 1, 1)
_ws_clients = _count("MONITOR_WS_CLIENTS", 64, 0)
_http_threads = _count("MONITOR_HTTP_THREADS", 8, 1)
threads = _count("MONITOR_THREADS", _ws_clients + _http_threads, 1)
timeout = 60
keepalive = 5
accesslog = os.environ.get("MONITOR_ACCESS_LOG") or None
errorlog = "-"
loglevel = os.environ.get("MONITOR_LOG_LEVEL", "info").lower()
# gunicorn's control socket has one default path per user: several dashboards (or tests) on one
# machine would fight over it, and nothing here uses it.
control_socket_disable = True
# A worker that is stopped (SIGTERM, reload) closes its WebSockets with 1001 at once and flushes
# storage (app/web/shutdown.py); only plain HTTP requests still under way get this long.
graceful_timeout = 30
# The master imports gunicorn and the start checks only (neither Dash nor Flask nor the storage
# code: docs/benchmarks.md); each worker imports the app itself, so a reload serves changed code
# and upgraded libraries alike. A reload is fast because the worker boots fast (post_fork).


def nworkers_changed(server: object, new_value: int, old_value: int | None) -> None:
    """The start checks, and the bind. gunicorn calls this first (``old_value`` None) once its
    settings are final, after ``-b``/``--bind``, the config file and ``GUNICORN_CMD_ARGS``, and
    before it logs, binds or forks: a refusal here is the one line on stderr, exit code 2."""
    if old_value is None:
        from app.guard.startup import check_start

        check_start(server)


def when_ready(server: object) -> None:
    """The exposure rule again, on the sockets gunicorn really listens on (systemd, fd://),
    then the banner of ``python -m app serve``."""
    from app.guard.startup import check_ready

    check_ready(server)


def on_reload(server: object) -> None:
    """After a reload (SIGHUP), which may bind elsewhere: stop rather than serve exposed."""
    from gunicorn.errors import HaltServer

    from app.guard.startup import listeners_problem

    problem = listeners_problem(server)
    if problem:
        raise HaltServer(problem, 2)


def post_fork(server: object, worker: object) -> None:
    """In the new worker, before it imports the web app: the garbage collector off until it
    is ready (its imports make some hundred thousand objects and almost no garbage, and
    collecting them again and again is about a quarter of the boot), and its monitor started
    (``app.runtime.early``: it samples while Dash and the pages are imported, so a page that
    reconnects after a reload finds the first samples waiting). With ``--preload`` the app,
    and its monitor, come from the master: ``post_worker_init`` starts that one."""

    # Until gunicorn installs the worker's own signal handlers (after this hook), the master's
    # are in place and would swallow a stop (the worker then ran until the master killed it,
    # graceful_timeout later): a stop during the boot is kept, and acted on once it is booted.
    def stop_when_booted(_signum: int, _frame: object) -> None:
        worker.alive = False  # type: ignore[attr-defined]

    for signum in (signal.SIGTERM, signal.SIGINT, signal.SIGQUIT):
        signal.signal(signum, stop_when_booted)
    gc.disable()
    from app.runtime.heap import limit_arenas

    limit_arenas()  # before the worker's threads start: fewer malloc arenas to hold freed memory
    if not server.cfg.preload_app:  # type: ignore[attr-defined]
        from app.config import Config
        from app.runtime.early import start_early

        start_early(Config.from_env())  # checked in the master's start checks


def post_worker_init(worker: object) -> None:
    """Starts sampling in the worker as soon as it is ready (not at import, not before fork),
    and has the worker shut the app down the moment it stops being alive (``on_stop``)."""
    from app.web.shutdown import begin_shutdown

    app = worker.wsgi  # type: ignore[attr-defined]
    app.extensions["monitor"].start()
    worker.on_stop = lambda: begin_shutdown(app)  # type: ignore[attr-defined]
    if not worker.alive:  # type: ignore[attr-defined]  # told to stop while it booted
        begin_shutdown(app)
    # The app lives as long as the worker: out of the collector's sight (not collected, not
    # even on exit), and only what is made from now on is collected.
    gc.freeze()
    gc.enable()


def worker_exit(server: object, worker: object) -> None:
    """When a worker stops for any reason (SIGTERM, reload, SIGINT, SIGQUIT, max-requests):
    its live sockets are closed (1001) and its storage buffer is flushed. gunicorn also calls
    this in the master for a worker that was already gone: nothing to do there. A worker that
    failed to build its app stops the monitor ``post_fork`` started (its buffer flushed)."""
    if getattr(worker, "pid", None) != os.getpid():
        return
    app = getattr(worker, "wsgi", None)
    if app is None:
        from app.runtime.early import stop_early

        stop_early()
        return
    from app.web.shutdown import finish_shutdown

    finish_shutdown(app)
