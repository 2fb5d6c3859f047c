"""Whether the mount table changed since the last look, without reading it.

Linux makes ``/proc/self/mounts`` pollable (proc(5), since 2.6.15): a mount or unmount in the
process's mount namespace shows as POLLPRI | POLLERR on an open descriptor, once per change
seen (the kernel notes the event at each poll). ``MountWatch.changed`` polls such a descriptor
with a zero timeout, so the disks collector re-lists the partitions only after a change.
Where that cannot work (another OS, no procfs, an ``/etc/mtab`` that psutil would read instead
and that is not the kernel's table, or any error), it says True: read every time.
"""

from __future__ import annotations

import os
import select
from collections.abc import Callable

MOUNTS = "/proc/self/mounts"
CHANGED = select.POLLPRI | select.POLLERR if hasattr(select, "POLLPRI") else 0


def psutil_reads_kernel_table(mtab: str = "/etc/mtab") -> bool:
    """Whether psutil's ``disk_partitions`` reads the kernel's table: it reads ``/etc/mtab``
    when that is a file (normally a link to /proc/self/mounts), else /proc/self/mounts."""
    if not os.path.isfile(mtab):
        return True
    target = os.path.realpath(mtab)
    return target.startswith("/proc/") and target.endswith("/mounts")


class MountWatch:
    """A descriptor of ``path`` registered for POLLPRI | POLLERR; ``changed`` is True on the
    first call, after each change of the mount table, and always once anything failed."""

    def __init__(self, path: str = MOUNTS) -> None:
        self._path = path
        self._open()

    def _open(self) -> None:
        """A descriptor of its own (a forked child shares its parent's open file, whose change
        flag the first to poll would take from the other), and ``changed`` True first."""
        self._fd: int | None = None
        self._poll: select.poll | None = None
        self._first = True
        self._pid = os.getpid()
        path = self._path
        try:
            self._fd = os.open(path, os.O_RDONLY | getattr(os, "O_CLOEXEC", 0))
            self._poll = select.poll()
            self._poll.register(self._fd, CHANGED)
        except (OSError, AttributeError, ValueError):
            self.close()

    @property
    def watching(self) -> bool:
        """Whether changes are seen (else ``changed`` is always True)."""
        return self._poll is not None

    def changed(self) -> bool:
        """True when the mount table may have changed since the previous call."""
        if self._pid != os.getpid():  # in a forked child: watch with a descriptor of its own
            self._drop_inherited()
        if self._poll is None:
            return True
        try:
            events = self._poll.poll(0)
        except OSError:
            self.close()
            return True
        first, self._first = self._first, False
        return first or any(mask & CHANGED for _, mask in events)

    def _drop_inherited(self) -> None:
        if self._fd is not None:
            os.close(self._fd)  # the child's copy only: the parent's stays open
        self._open()

    def close(self) -> None:
        """Stops watching: ``changed`` says True from now on."""
        self._poll = None
        if self._fd is not None:
            fd, self._fd = self._fd, None
            os.close(fd)

    def __del__(self) -> None:
        self.close()


def mounts_changed_check(real_psutil: bool) -> Callable[[], bool]:
    """The disks collector's "changed?" check: a ``MountWatch`` for the real psutil reading the
    kernel's table on a host where the watch works, else one that always says True."""
    if real_psutil and psutil_reads_kernel_table():
        watch = MountWatch()
        if watch.watching:
            return watch.changed
    return lambda: True
