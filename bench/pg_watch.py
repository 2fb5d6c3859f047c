"""Watching one database's sessions on the PostgreSQL server while a fleet runs.

``SessionWatch`` polls ``pg_stat_activity`` from a connection to another database (so it does not
count itself) and keeps the peak number of sessions on the watched database, and the CPU time
its backends used (``/proc`` of each backend pid, when the server runs on this
machine: a backend already there at ``start`` counts from its reading then, a new one from
zero; a backend that exits between two polls loses what it used since the last one).
"""

from __future__ import annotations

import threading
from pathlib import Path

import psycopg2

from bench.common import TICKS_PER_SECOND


def backend_cpu(pid: int) -> float | None:
    """CPU seconds process ``pid`` has run: from ``/proc/PID/schedstat`` (nanoseconds: a
    backend that lived a few milliseconds counts too), else user + system time from
    ``/proc/PID/stat`` (clock ticks, 10 ms); None when neither can be read."""
    try:
        return int(Path(f"/proc/{pid}/schedstat").read_text().split()[0]) / 1e9
    except (OSError, ValueError, IndexError):
        pass
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / TICKS_PER_SECOND


class SessionWatch:
    """Peak sessions and backend CPU of database ``name`` on the server at ``admin_url``."""

    def __init__(self, admin_url: str, name: str, every: float = 0.05) -> None:
        self._connection = psycopg2.connect(admin_url)
        self._connection.autocommit = True
        self.name = name
        self.every = every
        self.peak = 0
        self.peak_server = 0  # every session of the server (other databases too)
        self._first: dict[int, float] = {}
        self._last: dict[int, float] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="session-watch", daemon=True)
        self.cpu_readable = True
        self._baseline = True  # the first look: backends already there count from now

    def show(self, setting: str) -> str:
        """A server setting (``SHOW``), such as ``max_connections``."""
        with self._connection.cursor() as cursor:
            cursor.execute(f"SHOW {setting}")  # a setting name of ours, not user input
            return str(cursor.fetchone()[0])

    def poll(self) -> int:
        """One look: sessions on the database now (the peak is kept)."""
        with self._connection.cursor() as cursor:
            cursor.execute(
                "SELECT pid, datname = %s FROM pg_stat_activity WHERE backend_type = "
                "'client backend'",
                (self.name,),
            )
            rows = cursor.fetchall()
        pids = [pid for pid, ours in rows if ours]
        self.peak = max(self.peak, len(pids))
        self.peak_server = max(self.peak_server, len(rows))
        for pid in pids:
            used = backend_cpu(pid)
            if used is None:
                self.cpu_readable = False
                continue
            self._first.setdefault(pid, used if self._baseline else 0.0)
            self._last[pid] = used
        return len(pids)

    def _run(self) -> None:
        while not self._stop.wait(self.every):
            self.poll()

    def start(self) -> None:
        """Takes the backends' first readings, then polls from a thread."""
        self.poll()
        self._baseline = False
        self._thread.start()

    def stop(self) -> None:
        """Stops polling (after a last look) and closes the connection."""
        self._stop.set()
        self._thread.join(5)
        self.poll()
        self._connection.close()

    def server_cpu(self) -> float | None:
        """CPU seconds the database's backends used while watched (None: not readable)."""
        if not self.cpu_readable:
            return None
        return sum(self._last[pid] - self._first[pid] for pid in self._last)
