"""Filesystem usage per real mount and I/O rates per physical disk."""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Collection, Iterable
from types import ModuleType
from typing import Any

import psutil

from collectors._common import optional_call, sum_known
from collectors.base import Clock, MetricTable, RateTracker
from collectors.mounts import mounts_changed_check

# Filesystems with no disk behind them, or (network) ones whose statvfs may hang.
PSEUDO_FSTYPES = frozenset(
    {
        "autofs", "binfmt_misc", "bpf", "configfs", "debugfs", "devfs", "devpts", "devtmpfs",
        "efivarfs", "fusectl", "fuse.gvfsd-fuse", "fuse.lxcfs", "fuse.portal", "fuse.sshfs",
        "hugetlbfs", "mqueue", "nsfs", "nullfs", "overlay", "proc", "pstore", "ramfs",
        "rpc_pipefs", "securityfs", "selinuxfs", "squashfs", "sysfs", "tmpfs", "tracefs",
        "cifs", "nfs", "nfs4", "smb3", "smbfs", "9p",
    }
)  # fmt: skip
PSEUDO_FSTYPE_PREFIXES = ("cgroup",)
# Block devices that are not disks: loop-mounted images and RAM disks.
VIRTUAL_DEVICE_PREFIXES = ("/dev/loop", "/dev/ram", "/dev/zram")
VIRTUAL_DISK_PREFIXES = ("loop", "ram", "zram")
# Devices stacked on other disks (LVM, RAID): listed, but left out of the total (counted twice).
STACKED_DISK_PREFIXES = ("dm-", "md")

_PARTITION_OF_DIGIT_DISK = re.compile(r"(.*\d)p\d+")  # nvme0n1p1 -> nvme0n1, mmcblk0p2 -> mmcblk0
_PARTITION_OF_LETTER_DISK = re.compile(r"(.*\D)\d+")  # sda1 -> sda, vdb12 -> vdb

_IO_FIELDS = (
    ("read_bps", "read_bytes"),
    ("write_bps", "write_bytes"),
    ("read_iops", "read_count"),
    ("write_iops", "write_count"),
)


def is_pseudo_filesystem(fstype: str) -> bool:
    """True for filesystems without a disk of their own (tmpfs, overlay, cgroup2, ...)."""
    return not fstype or fstype in PSEUDO_FSTYPES or fstype.startswith(PSEUDO_FSTYPE_PREFIXES)


def whole_disk_of(name: str, known: Collection[str]) -> str | None:
    """The whole disk that partition ``name`` belongs to, if that disk is in ``known``."""
    for pattern in (_PARTITION_OF_DIGIT_DISK, _PARTITION_OF_LETTER_DISK):
        match = pattern.fullmatch(name)
        if match and match.group(1) in known:
            return match.group(1)
    return None


def physical_disks(names: Iterable[str]) -> list[str]:
    """Disk names without loop/RAM devices and without partitions whose whole disk is listed."""
    candidates = {name for name in names if not name.startswith(VIRTUAL_DISK_PREFIXES)}
    return sorted(name for name in candidates if whole_disk_of(name, candidates) is None)


class DisksCollector:
    """``usage`` of each real mounted filesystem, ``io`` rates of each disk and their ``total``.

    Usage: ``disk_partitions(all=False)`` without pseudo/network filesystems and loop/RAM devices;
    a device mounted several times (bind mounts, btrfs subvolumes) is listed once, under its
    shortest mount point; a mount whose ``disk_usage`` fails is skipped that tick.
    I/O: ``disk_io_counters(perdisk=True)`` without loop/RAM devices and without partitions of a
    listed whole disk. Rates are per second over the real elapsed time; a counter that went
    backwards gives null for that tick. ``busy_pct`` is the share of elapsed time the disk was
    busy (null where psutil has no ``busy_time``). The ``total`` sums the known rates of the
    non-stacked disks (not dm-*, md*); null when none is known. No counters (containers): no rows.

    The partitions are listed again only when ``mounts_changed()`` says the mount table changed
    (default: ``collectors.mounts``, a poll of /proc/self/mounts with the real psutil on Linux,
    else always True); ``disk_usage`` of each mount is read every tick.
    """

    name = "disks"
    METRICS: MetricTable = {
        "usage.mount": ("text", "mount point"),
        "usage.device": ("text", "block device"),
        "usage.fstype": ("text", "filesystem type"),
        "usage.total": ("bytes", "filesystem size"),
        "usage.used": ("bytes", "space in use"),
        "usage.free": ("bytes", "space available to unprivileged users"),
        "usage.percent": ("%", "share of space in use"),
        "io.disk": ("text", "disk name"),
        "io.read_bps": ("bytes/s", "bytes read"),
        "io.write_bps": ("bytes/s", "bytes written"),
        "io.read_iops": ("1/s", "read operations"),
        "io.write_iops": ("1/s", "write operations"),
        "io.busy_pct": ("%", "share of time the disk was busy"),
        "total.read_bps": ("bytes/s", "bytes read, all physical disks"),
        "total.write_bps": ("bytes/s", "bytes written, all physical disks"),
        "total.read_iops": ("1/s", "read operations, all physical disks"),
        "total.write_iops": ("1/s", "write operations, all physical disks"),
    }

    def __init__(
        self,
        psutil_module: ModuleType | Any = psutil,
        clock: Clock = time.monotonic,
        mounts_changed: Callable[[], bool] | None = None,
    ) -> None:
        self._psutil = psutil_module
        self._rates = RateTracker(clock)
        self._mounts_changed = mounts_changed or mounts_changed_check(psutil_module is psutil)
        self._partitions: list[Any] | None = None  # the last listing, kept until a change
        self._io()  # first sighting of the counters: the next collect has rates

    def collect(self) -> dict[str, Any]:
        """Usage now, I/O rates since the previous call."""
        self._rates.tick()
        io = self._io()
        summed = [row for row in io if not row["disk"].startswith(STACKED_DISK_PREFIXES)]
        total = {key: sum_known(row[key] for row in summed) for key, _ in _IO_FIELDS}
        return {"usage": self._usage(), "io": io, "total": total}

    def _usage(self) -> list[dict[str, Any]]:
        rows = []
        for part in self._real_partitions():
            try:
                usage = self._psutil.disk_usage(part.mountpoint)
            except OSError:  # PermissionError included; also a mount gone since listing
                continue
            rows.append(
                {
                    "mount": part.mountpoint,
                    "device": part.device,
                    "fstype": part.fstype,
                    "total": usage.total,
                    "used": usage.used,
                    "free": usage.free,
                    "percent": float(usage.percent),
                }
            )
        return rows

    def _real_partitions(self) -> list[Any]:
        """The last listing of ``_list_partitions``, listed again after a mount table change."""
        if self._mounts_changed():
            self._partitions = None  # stays None if listing raises: listed again next tick
        if self._partitions is None:
            self._partitions = self._list_partitions()
        return self._partitions

    def _list_partitions(self) -> list[Any]:
        """Real mounts, one per device (its shortest mount point), sorted by mount point."""
        kept: dict[str, Any] = {}
        for part in self._psutil.disk_partitions(all=False):
            if is_pseudo_filesystem(part.fstype) or part.device.startswith(VIRTUAL_DEVICE_PREFIXES):
                continue
            key = part.device or part.mountpoint
            previous = kept.get(key)
            if previous is None or len(part.mountpoint) < len(previous.mountpoint):
                kept[key] = part
        return sorted(kept.values(), key=lambda part: part.mountpoint)

    def _io(self) -> list[dict[str, Any]]:
        counters = optional_call(self._psutil.disk_io_counters, perdisk=True) or {}
        rows = []
        seen: set[str] = set()
        for disk in physical_disks(counters):
            stats = counters[disk]
            row: dict[str, Any] = {"disk": disk}
            for key, field in _IO_FIELDS:
                row[key] = self._rate(seen, f"{disk}:{field}", getattr(stats, field))
            busy_time = getattr(stats, "busy_time", None)
            busy = None if busy_time is None else self._rate(seen, f"{disk}:busy", busy_time)
            # busy_time counts milliseconds: ms per second / 10 = percent of the elapsed time
            row["busy_pct"] = None if busy is None else min(100.0, busy / 10.0)
            rows.append(row)
        self._rates.retain(seen)  # forget disks that went away
        return rows

    def _rate(self, seen: set[str], key: str, value: float) -> float | None:
        seen.add(key)
        return self._rates.rate(key, value)
