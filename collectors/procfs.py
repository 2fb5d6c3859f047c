"""Linux fast path for the process table: one ``/proc/PID/stat`` read per process per tick.

psutil's ``process_iter`` costs two /proc reads per process (stat, statm) plus its per-Process
Python machinery; this reader opens each ``/proc/PID/stat`` once with ``os.open``/``os.read`` and
takes status, CPU ticks, thread count, start time and RSS from that one line. CPU use is computed
here from tick deltas, keyed by (pid, start time) so a reused pid starts afresh. The details of a
few processes (name, owner, command line) are read on request, with psutil's rules.
"""

from __future__ import annotations

import contextlib
import os
import pwd
import sys
import time
from types import ModuleType
from typing import Any, NamedTuple

import psutil

from collectors.base import Clock

# /proc/PID/stat state letters, named as psutil names them (psutil.STATUS_*).
STATUSES = {
    "R": "running",
    "S": "sleeping",
    "D": "disk-sleep",
    "T": "stopped",
    "t": "tracing-stop",
    "Z": "zombie",
    "X": "dead",
    "x": "dead",
    "K": "wake-kill",
    "W": "waking",
    "I": "idle",
    "P": "parked",
}
_STATUS_OF = {letter.encode(): status for letter, status in STATUSES.items()}
# psutil extends a command name of this length or more (the kernel truncates it at 15 bytes)
# with the base name of the command line's first argument when that starts with it.
COMM_TRUNCATED = 15
GONE = (FileNotFoundError, ProcessLookupError)  # the process exited (ENOENT, ESRCH)


class ProcStat(NamedTuple):
    """One process as its ``/proc/PID/stat`` line gives it."""

    pid: int
    status: str
    cpu: float  # % of one core since the previous scan; 0.0 on the first sighting
    rss: int  # bytes
    threads: int
    start: int  # start time in clock ticks after boot: with pid, identifies the process
    comm: str  # the kernel's command name (at most 15 bytes for user processes)


# One process as the previous scan saw it: its stat line, utime + stime, and its row with cpu 0.0.
_Seen = tuple[bytes, int, ProcStat]


def linux_proc_root(psutil_module: ModuleType | Any, root: str = "/proc") -> str | None:
    """``root`` when the real psutil runs on Linux with a readable procfs, else None.

    A fake psutil module (tests) or another OS keeps the psutil path.
    """
    if psutil_module is not psutil or not sys.platform.startswith("linux"):
        return None
    return root if os.access(f"{root}/self/stat", os.R_OK) else None


def username_of(uid: int) -> str:
    """The user name of ``uid``; the uid as text when it has no passwd entry (as psutil)."""
    try:
        return pwd.getpwuid(uid).pw_name
    except KeyError:
        return str(uid)


def _read(path: str) -> bytes:
    fd = os.open(path, os.O_RDONLY)
    try:
        return os.read(fd, 4096)
    finally:
        os.close(fd)


def split_cmdline(data: str) -> list[str]:
    """``/proc/PID/cmdline`` as argument list, with psutil's rules.

    NUL-separated; a process that rewrote its command line with spaces (setproctitle) is split on
    spaces; empty (kernel thread, zombie) gives [].
    """
    if not data:
        return []
    sep = "\x00" if data.endswith("\x00") else " "
    if data.endswith(sep):
        data = data[:-1]
    arguments = data.split(sep)
    if sep == "\x00" and len(arguments) == 1 and " " in data:
        arguments = data.split(" ")
    return arguments


class ProcfsReader:
    """Scans ``root`` (normally /proc): every process, its status, CPU %, RSS and threads.

    ``scan`` reads each ``root/PID/stat`` once; processes that exit during the scan (or whose
    stat cannot be read or parsed) are left out. ``cpu`` is (utime + stime) ticks since the
    previous scan over the clock's elapsed seconds, * 100, rounded to 0.1 like psutil's
    ``cpu_percent``: 100 = one core, 0.0 on a process's first sighting.
    """

    def __init__(
        self,
        root: str = "/proc",
        clock: Clock = time.monotonic,
        *,
        page_size: int | None = None,
        clock_ticks: int | None = None,
    ) -> None:
        self.root = root
        self._clock = clock
        self._page_size = page_size or os.sysconf("SC_PAGE_SIZE")
        self._clock_ticks = clock_ticks or os.sysconf("SC_CLK_TCK")
        self._seen: dict[int, _Seen] = {}  # pid -> the previous scan's stat line, ticks, row
        self._then: float | None = None

    def pids(self) -> list[int]:
        """The process ids under ``root``, ascending."""
        return sorted(map(int, filter(str.isdigit, os.listdir(self.root))))

    def scan(self) -> list[ProcStat]:
        """Every readable process, in pid order; updates the CPU baseline.

        A stat line byte-for-byte equal to the previous scan's (an idle process: most of them)
        is not parsed again: same fields, no CPU ticks used, so the same ProcStat with cpu 0.0.
        """
        now = self._clock()
        elapsed = now - self._then if self._then is not None else 0.0
        self._then = now
        # percent per tick of CPU time: ticks / clock_ticks / elapsed * 100
        scale = 100.0 / (self._clock_ticks * elapsed) if elapsed > 0 else 0.0
        page_size = self._page_size
        previous = self._seen
        current: dict[int, _Seen] = {}
        status_of = _STATUS_OF
        new_stat = tuple.__new__  # ProcStat(...) without its Python-level __new__
        open_, read, close_, rdonly = os.open, os.read, os.close, os.O_RDONLY
        out: list[ProcStat] = []
        prefix = f"{self.root}/"
        for pid in self.pids():
            try:
                fd = open_(f"{prefix}{pid}/stat", rdonly)
                try:
                    data = read(fd, 4096)
                finally:
                    close_(fd)
            except OSError:
                continue
            seen = previous.get(pid)
            if seen is not None and seen[0] == data:  # unchanged: no ticks used since
                current[pid] = seen
                out.append(seen[2])
                continue
            try:
                close = data.rindex(b")")
                # fields 3.. (state first), split up to rss (field 24); the rest stays joined
                fields = data[close + 2 :].split(b" ", 22)
                ticks = int(fields[11]) + int(fields[12])
                start = int(fields[19])
                rss = int(fields[21]) * page_size
                threads = int(fields[17])
            except (ValueError, IndexError):
                continue
            comm = data[data.find(b"(") + 1 : close].decode("utf-8", "replace")
            status = status_of.get(fields[0], "unknown")
            idle = new_stat(ProcStat, (pid, status, 0.0, rss, threads, start, comm))
            current[pid] = (data, ticks, idle)
            cpu = 0.0
            if seen is not None and seen[2].start == start and ticks > seen[1]:
                cpu = round((ticks - seen[1]) * scale, 1)
            out.append(idle if not cpu else new_stat(ProcStat, (pid, status, cpu, *idle[3:])))
        self._seen = current
        return out

    def details(self, process: ProcStat) -> dict[str, Any]:
        """``name``, ``username`` and ``cmdline`` (argument list) of one scanned process.

        Each one is None when unreadable (permission); all are None when the process has gone or
        its pid now belongs to another process (start time changed). ``name`` is the kernel's
        command name, extended from the command line when truncated (psutil's rule).
        """
        unknown: dict[str, Any] = dict.fromkeys(("name", "username", "cmdline"))
        base = f"{self.root}/{process.pid}"
        cmdline: list[str] | None = None
        username: str | None = None
        try:
            with contextlib.suppress(PermissionError):
                cmdline = split_cmdline(_read_all(f"{base}/cmdline").decode("utf-8", "replace"))
            with contextlib.suppress(PermissionError):
                username = self._username(_read(f"{base}/status"))
            if not self._same_process(base, process.start):
                return unknown
        except GONE:
            return unknown
        name = extended_name(process.comm, cmdline)
        return {"name": name, "username": username, "cmdline": cmdline}

    @staticmethod
    def _username(status: bytes) -> str | None:
        for line in status.splitlines():
            if line.startswith(b"Uid:"):
                return username_of(int(line.split()[1]))  # the real uid, as psutil
        return None

    @staticmethod
    def _same_process(base: str, start: int) -> bool:
        """Whether ``base``/stat still shows the start time of the scan (no pid reuse); raises
        FileNotFoundError or ProcessLookupError when the process has gone."""
        try:
            data = _read(f"{base}/stat")
            return int(data[data.rindex(b")") + 2 :].split()[19]) == start
        except PermissionError:
            return True  # cannot tell: keep what was read
        except (ValueError, IndexError):
            return False


def _read_all(path: str) -> bytes:
    """The whole file (a command line may be longer than one read)."""
    fd = os.open(path, os.O_RDONLY)
    try:
        chunks = []
        while chunk := os.read(fd, 65536):
            chunks.append(chunk)
        return b"".join(chunks)
    finally:
        os.close(fd)


def extended_name(comm: str, cmdline: list[str] | None) -> str:
    """``comm``, or the base name of the first argument when ``comm`` is its truncation."""
    if len(comm) >= COMM_TRUNCATED and cmdline:
        extended = os.path.basename(cmdline[0])
        if extended.startswith(comm):
            return extended
    return comm
