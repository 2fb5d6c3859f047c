"""A fake /proc tree in a temporary folder: the kernel's answers, written as files."""

from __future__ import annotations

import shutil
from pathlib import Path

PAGE_SIZE = 4096
CLOCK_TICKS = 100


def stat_line(pid: int, comm: str, state: str, *, utime: int, stime: int, threads: int,
              start: int, rss_pages: int) -> str:  # fmt: skip
    """A /proc/PID/stat line (fields 1 to 52, those not named are plausible constants)."""
    fields = [state, 1, pid, pid, 0, -1, 4194560, 10, 0, 0, 0, utime, stime, 0, 0, 20, 0,
              threads, 0, start, 10_000_000, rss_pages] + [0] * 30  # fmt: skip
    return f"{pid} ({comm}) " + " ".join(map(str, fields)) + "\n"


class FakeProc:
    """Processes under ``root``: ``add`` writes PID/stat, PID/status and PID/cmdline."""

    def __init__(self, root: Path) -> None:
        self.root = root
        root.mkdir(parents=True, exist_ok=True)
        (root / "self").mkdir(exist_ok=True)  # not a pid: the scan skips it
        (root / "meminfo").write_text("MemTotal: 1000 kB\n")

    def add(self, pid: int, comm: str = "proc", state: str = "S", *, utime: int = 0,
            stime: int = 0, threads: int = 1, start: int = 100, rss_pages: int = 1, uid: int = 0,
            cmdline: bytes | None = None) -> None:  # fmt: skip
        """Writes (or rewrites) one process; ``cmdline`` defaults to ``comm`` NUL-terminated."""
        folder = self.root / str(pid)
        folder.mkdir(exist_ok=True)
        line = stat_line(pid, comm, state, utime=utime, stime=stime, threads=threads,
                         start=start, rss_pages=rss_pages)  # fmt: skip
        (folder / "stat").write_text(line)
        (folder / "status").write_text(
            f"Name:\t{comm[:15]}\nUmask:\t0022\nState:\t{state}\n"
            f"Uid:\t{uid}\t{uid}\t{uid}\t{uid}\nGid:\t0\t0\t0\t0\nThreads:\t{threads}\n"
        )
        (folder / "cmdline").write_bytes(comm.encode() + b"\0" if cmdline is None else cmdline)

    def remove(self, pid: int) -> None:
        """The process exits: its folder goes."""
        shutil.rmtree(self.root / str(pid))
