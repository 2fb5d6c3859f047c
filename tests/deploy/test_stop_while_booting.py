"""A stop that comes while a gunicorn worker boots is not lost.

Until gunicorn installs a worker's own signal handlers, the worker still has its master's,
which only queue the signal for a master loop the worker never runs; a worker that starts its
monitor and imports the app in that time (``post_fork``) would ignore a SIGTERM and run until
the master killed it ``graceful_timeout`` (30 s) later. Here the master is stopped the moment
its worker exists: the whole process is gone within a few seconds, cleanly.
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from tests.deploy.test_graceful_exits import EXIT_WITHIN_S, worker_pids
from tests.support.polling import wait_for
from tests.support.servers import free_port, gunicorn


@pytest.mark.parametrize("attempt", range(3))
def test_a_stop_during_the_workers_boot_is_kept(attempt: int, tmp_path: Path) -> None:
    env = {"MONITOR_DATABASE_URL": f"sqlite:///{tmp_path / 'monitor.db'}"}
    with gunicorn(free_port(), env) as server:
        wait_for(lambda: worker_pids(server), timeout=60, interval=0.002, message=server.log())
        signalled = time.monotonic()
        code = server.terminate()  # SIGTERM, then SIGKILL (-9) after 30 s
        exited_after = time.monotonic() - signalled
        log = server.log()
    assert code == 0, (code, log)
    # The worker finishes its boot (about a second here), then stops as any stopped worker.
    assert exited_after <= EXIT_WITHIN_S + 3, (exited_after, log)
    assert "Traceback" not in log, log
