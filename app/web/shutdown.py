"""Ending a serving process well: every live socket closed with 1001 at once, storage flushed.

``begin_shutdown`` runs the moment a gunicorn worker stops being alive (SIGTERM from its master
on stop or reload, ``max_requests``; see ``GuardedThreadWorker.on_stop``). In its own thread it
stops sampling for good (so a worker on its way out is never elected again), asks every live
connection to close with 1001 (each sends it from its own thread, so browsers reconnect to the
new worker at once; the tick in progress goes out first if it ends within half a second), and
stops the monitor, which flushes the storage buffer and releases the sampler lock.
``finish_shutdown`` (gunicorn's ``worker_exit``, also after SIGINT and SIGQUIT)
begins it if nothing did, aborts connections still open after a second, and waits for it.
"""

from __future__ import annotations

import logging
import threading
import time

from flask import Flask

from app.live.connections import LiveSockets
from app.live.route import EXTENSION_KEY
from app.runtime.monitor import Monitor

log = logging.getLogger(__name__)
SHUTDOWN_KEY = "shutdown"  # server.extensions: the thread that shuts this server down
SAMPLER_WAIT_S = 0.5  # how long the sockets' close waits for the tick in progress
CLOSE_WAIT_S = 1.0  # how long live connections get to close before they are aborted
STOP_WAIT_S = 2.0  # how long each part of the monitor gets to stop (the writer: to flush)
_begin_lock = threading.Lock()


def begin_shutdown(server: Flask) -> threading.Thread:
    """Starts shutting ``server`` down, once (later calls return the same thread)."""
    with _begin_lock:
        thread = server.extensions.get(SHUTDOWN_KEY)
        if thread is None:
            thread = threading.Thread(
                target=_shut_down, args=(server,), name="monitor-shutdown", daemon=True
            )
            server.extensions[SHUTDOWN_KEY] = thread
            thread.start()
    return thread


def _shut_down(server: Flask) -> None:
    started = time.monotonic()
    monitor: Monitor = server.extensions["monitor"]
    sockets: LiveSockets | None = server.extensions.get(EXTENSION_KEY)
    # First the sampler: the tick in progress is then one the sockets are sent, unless it
    # takes too long (a loaded machine): the sockets close in time whatever it does.
    quiet = threading.Thread(target=monitor.stop_sampling, name="monitor-quiet", daemon=True)
    quiet.start()
    quiet.join(SAMPLER_WAIT_S)
    if sockets is not None:
        log.info("shutting down: closing %d live connections (1001)", len(sockets))
        sockets.close_all(timeout=0, for_good=True)
    if monitor.stop(STOP_WAIT_S):
        log.info("shut down: storage flushed in %.2f s", time.monotonic() - started)
    else:
        log.error("shutdown: the storage buffer could not be flushed")


def finish_shutdown(server: Flask) -> bool:
    """Shuts ``server`` down and waits for it; True when every live connection was closed."""
    thread = begin_shutdown(server)
    sockets: LiveSockets | None = server.extensions.get(EXTENSION_KEY)
    closed = sockets is None or sockets.close_all(timeout=CLOSE_WAIT_S, for_good=True)
    thread.join(4 * STOP_WAIT_S)
    return closed
