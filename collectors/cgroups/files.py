"""Reading small kernel files cheaply, and parsing the shapes cgroup files come in.

``OpenFiles`` keeps up to ``limit`` files open (by default a share of the descriptor limit)
and re-reads them with ``pread`` (a cgroup file is generated on each read), so a steady tick
opens nothing; past the limit a file is opened and closed for each read. A file whose cgroup
went away raises ``OSError`` (ENOENT, ENODEV) and is closed: its workload is gone this tick.
"""

from __future__ import annotations

import os
import resource

READ_SIZE = 8192
MOST_OPEN = 4096  # files kept open at most, whatever the descriptor limit


def open_files_budget() -> int:
    """How many files to keep open: a quarter of the process's descriptor limit (the rest is
    for sockets and the database), at most ``MOST_OPEN``, at least 64."""
    soft, _hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft == resource.RLIM_INFINITY:
        return MOST_OPEN
    return max(64, min(MOST_OPEN, soft // 4))


class OpenFiles:
    """A bounded cache of open file descriptors, by path."""

    def __init__(self, limit: int | None = None) -> None:
        self._limit = open_files_budget() if limit is None else limit
        self._fds: dict[str, int] = {}

    def read(self, path: str) -> str:
        """The whole text of ``path`` (up to 8 KiB) as the kernel generates it now."""
        return self.read_bytes(path).decode("ascii", "replace")

    def read_bytes(self, path: str) -> bytes:
        """``read`` without decoding: numbers parse from bytes as they are."""
        fd = self._fds.get(path)
        if fd is None:
            fd = os.open(path, os.O_RDONLY | os.O_CLOEXEC)
            if len(self._fds) >= self._limit:
                try:
                    return os.read(fd, READ_SIZE)
                finally:
                    os.close(fd)
            self._fds[path] = fd
        try:
            return os.pread(fd, READ_SIZE, 0)
        except OSError:
            self.close_one(path)
            raise

    def keep(self, path: str | None) -> int:
        """A descriptor of ``path`` kept open, for the caller to ``pread``; -1 when there is
        no such file or the limit is reached (then ``read_bytes`` opens it for each read)."""
        if path is None:
            return -1
        fd = self._fds.get(path)
        if fd is not None:
            return fd
        if len(self._fds) >= self._limit:
            return -1
        try:
            fd = self._fds[path] = os.open(path, os.O_RDONLY | os.O_CLOEXEC)
        except OSError:
            return -1
        return fd

    def close_one(self, path: str) -> None:
        """Closes ``path`` if it is open."""
        fd = self._fds.pop(path, None)
        if fd is not None:
            os.close(fd)

    def close_cgroup(self, rel: str) -> None:
        """Closes every open file of the cgroup at ``rel``, in whichever hierarchy."""
        suffix = "/" + rel.strip("/")
        for path in [p for p in self._fds if os.path.dirname(p).endswith(suffix)]:
            self.close_one(path)

    def close(self) -> None:
        """Closes every file."""
        for path in list(self._fds):
            self.close_one(path)


def field(text: bytes, key: bytes) -> int | None:
    """The integer after ``key`` (its name and a space) at the start of a line of ``text``,
    as in cpu.stat, memory.stat and memory.events; None when no line has it."""
    if text.startswith(key):
        start = len(key)
    else:
        at = text.find(b"\n" + key)
        if at < 0:
            return None
        start = at + 1 + len(key)
    end = text.find(b"\n", start)
    try:
        return int(text[start : end if end >= 0 else len(text)])
    except ValueError:
        return None


def number(text: bytes) -> int | None:
    """A file holding one integer; None for "max" (no limit) or anything else."""
    try:
        return int(text.split(maxsplit=1)[0])
    except (ValueError, IndexError):
        return None


def pressure_totals(text: str) -> dict[str, int]:
    """``total=`` microseconds of each line of a PSI file: {"some": N, "full": M}."""
    out: dict[str, int] = {}
    for line in text.splitlines():
        kind, _, rest = line.partition(" ")
        for field in rest.split():
            if field.startswith("total="):
                out[kind] = int(field[6:])
    return out


def io_v2(text: str) -> tuple[int, int]:
    """Bytes read and written over every device of a v2 ``io.stat``."""
    read = written = 0
    for line in text.splitlines():
        for field in line.split()[1:]:
            key, _, value = field.partition("=")
            if key == "rbytes":
                read += int(value)
            elif key == "wbytes":
                written += int(value)
    return read, written


def io_v1(text: str) -> tuple[int, int]:
    """Bytes read and written over every device of a v1 ``blkio ... io_service_bytes`` file."""
    read = written = 0
    for line in text.splitlines():
        fields = line.split()
        if len(fields) == 3 and fields[1] == "Read":
            read += int(fields[2])
        elif len(fields) == 3 and fields[1] == "Write":
            written += int(fields[2])
    return read, written
