"""DisksCollector: real mounts only, whole disks only, I/O rates across wraps and resets."""

from __future__ import annotations

from collections import namedtuple

import pytest

from collectors.disks import DisksCollector, physical_disks, whole_disk_of
from tests.collectors.fakes import FakeClock, FakePsutil, disk, sdiskpart, sdiskusage


def usage(percent: float) -> sdiskusage:
    return sdiskusage(1000, int(percent * 10), 1000 - int(percent * 10), percent)


def test_usage_of_real_filesystems_only() -> None:
    fake = FakePsutil()
    fake.partitions = [
        sdiskpart("/dev/sda1", "/", "ext4", "rw"),
        sdiskpart("tmpfs", "/run", "tmpfs", "rw"),
        sdiskpart("overlay", "/var/lib/docker/overlay2/x/merged", "overlay", "rw"),
        sdiskpart("/dev/loop3", "/snap/core/1", "squashfs", "ro"),
        sdiskpart("/dev/loop4", "/mnt/image", "ext4", "ro"),  # loop device, real fstype
        sdiskpart("/dev/ram0", "/mnt/ram", "ext2", "rw"),
        sdiskpart("cgroup2", "/sys/fs/cgroup", "cgroup2", "rw"),
        sdiskpart("proc", "/proc", "proc", "rw"),
        sdiskpart("/dev/nvme0n1p2", "/home", "xfs", "rw"),
    ]
    fake.usage = {"/": usage(40.0), "/home": usage(75.5)}

    rows = DisksCollector(fake, FakeClock()).collect()["usage"]

    assert rows == [
        {"mount": "/", "device": "/dev/sda1", "fstype": "ext4",
         "total": 1000, "used": 400, "free": 600, "percent": 40.0},
        {"mount": "/home", "device": "/dev/nvme0n1p2", "fstype": "xfs",
         "total": 1000, "used": 755, "free": 245, "percent": 75.5},
    ]  # fmt: skip
    assert fake.calls_to("disk_partitions") == [{"all": False}]


def test_device_mounted_twice_is_listed_once_under_its_shortest_mount() -> None:
    fake = FakePsutil()
    fake.partitions = [
        sdiskpart("/dev/sda1", "/etc/hosts", "ext4", "rw"),  # container bind mount first
        sdiskpart("/dev/sda1", "/", "ext4", "rw"),
        sdiskpart("/dev/sda1", "/var/lib/kubelet", "ext4", "rw"),
    ]
    fake.usage = {"/": usage(10.0), "/etc/hosts": usage(10.0), "/var/lib/kubelet": usage(10.0)}
    rows = DisksCollector(fake, FakeClock()).collect()["usage"]
    assert [row["mount"] for row in rows] == ["/"]


@pytest.mark.parametrize(
    "error", [PermissionError("denied"), FileNotFoundError("gone"), OSError("stale")]
)
def test_mount_whose_usage_fails_is_skipped(error: OSError) -> None:
    fake = FakePsutil()
    fake.partitions = [
        sdiskpart("/dev/sda1", "/", "ext4", "rw"),
        sdiskpart("/dev/sdb1", "/secret", "ext4", "rw"),
    ]
    fake.usage = {"/": usage(1.0), "/secret": error}
    rows = DisksCollector(fake, FakeClock()).collect()["usage"]
    assert [row["mount"] for row in rows] == ["/"]


def test_partitions_fold_into_whole_disks_and_virtual_disks_are_skipped() -> None:
    names = [
        "sda", "sda1", "sda2", "nvme0n1", "nvme0n1p1", "mmcblk0", "mmcblk0p1",
        "loop0", "loop12", "ram0", "zram0", "vdb1", "dm-0", "sr0",
    ]  # fmt: skip
    # vdb1 stays: its whole disk is not listed (as in some containers)
    assert physical_disks(names) == ["dm-0", "mmcblk0", "nvme0n1", "sda", "sr0", "vdb1"]
    assert whole_disk_of("sda10", {"sda"}) == "sda"
    assert whole_disk_of("nvme0n1p12", {"nvme0n1"}) == "nvme0n1"
    assert whole_disk_of("nvme0n10", {"nvme0n1"}) is None  # another namespace, not a partition
    assert whole_disk_of("sdb1", {"sda"}) is None


def test_io_rates_over_the_real_elapsed_time_and_busy_share() -> None:
    fake, clock = FakePsutil(), FakeClock()
    fake.disk_counters = {"sda": disk(), "sda1": disk(), "loop0": disk()}
    collector = DisksCollector(fake, clock)
    fake.disk_counters = {
        "sda": disk(reads=20, writes=10, read_bytes=200, write_bytes=4000, busy_ms=500),
        "sda1": disk(reads=20, writes=10, read_bytes=200, write_bytes=4000, busy_ms=500),
        "loop0": disk(read_bytes=10**9),
    }
    clock.advance(2)

    sample = collector.collect()

    assert sample["io"] == [
        {"disk": "sda", "read_bps": 100.0, "write_bps": 2000.0, "read_iops": 10.0,
         "write_iops": 5.0, "busy_pct": 25.0},
    ]  # fmt: skip
    assert sample["total"] == {
        "read_bps": 100.0, "write_bps": 2000.0, "read_iops": 10.0, "write_iops": 5.0,
    }  # fmt: skip
    assert fake.calls_to("disk_io_counters")[-1] == {"perdisk": True}


def test_byte_counter_going_backwards_gives_null_then_a_rate_never_negative() -> None:
    fake, clock = FakePsutil(), FakeClock()
    fake.disk_counters = {"sda": disk(read_bytes=5000), "sdb": disk(read_bytes=100)}
    collector = DisksCollector(fake, clock)

    fake.disk_counters = {"sda": disk(read_bytes=1000), "sdb": disk(read_bytes=300)}
    clock.advance(1)
    sample = collector.collect()
    sda, sdb = sample["io"]
    assert sda["read_bps"] is None  # wrapped or reset
    assert sdb["read_bps"] == 200.0
    assert sample["total"]["read_bps"] == 200.0  # the reset disk adds nothing

    fake.disk_counters = {"sda": disk(read_bytes=1500), "sdb": disk(read_bytes=300)}
    clock.advance(1)
    sample = collector.collect()
    assert [row["read_bps"] for row in sample["io"]] == [500.0, 0.0]
    assert sample["total"]["read_bps"] == 500.0


def test_busy_share_is_capped_and_null_without_busy_time() -> None:
    fake, clock = FakePsutil(), FakeClock()
    bsd_sdiskio = namedtuple(
        "sdiskio", "read_count write_count read_bytes write_bytes read_time write_time"
    )
    fake.disk_counters = {"sda": disk(), "ada0": bsd_sdiskio(0, 0, 0, 0, 0, 0)}
    collector = DisksCollector(fake, clock)
    fake.disk_counters = {"sda": disk(busy_ms=1100), "ada0": bsd_sdiskio(1, 0, 0, 0, 0, 0)}
    clock.advance(1)
    rows = {row["disk"]: row for row in collector.collect()["io"]}
    assert rows["sda"]["busy_pct"] == 100.0  # 1100 ms in 1 s: timer granularity
    assert rows["ada0"]["busy_pct"] is None
    assert rows["ada0"]["read_iops"] == 1.0


def test_first_reading_has_null_rates_when_no_time_passed() -> None:
    sample = DisksCollector(FakePsutil(), FakeClock()).collect()
    assert sample["io"][0]["read_bps"] is None
    assert sample["total"] == dict.fromkeys(["read_bps", "write_bps", "read_iops", "write_iops"])


@pytest.mark.parametrize("answer", [None, {}, NotImplementedError("no diskstats")])
def test_no_disk_counters_gives_empty_io(answer: object) -> None:
    fake, clock = FakePsutil(), FakeClock()
    fake.disk_counters = answer
    collector = DisksCollector(fake, clock)
    clock.advance(1)
    sample = collector.collect()
    assert sample["io"] == []
    assert sample["total"]["read_bps"] is None
    assert [row["mount"] for row in sample["usage"]] == ["/"]


def test_stacked_devices_are_listed_but_not_added_to_the_total() -> None:
    fake, clock = FakePsutil(), FakeClock()
    fake.disk_counters = {"sda": disk(), "dm-0": disk(), "md0": disk()}
    collector = DisksCollector(fake, clock)
    fake.disk_counters = {name: disk(read_bytes=100) for name in ("sda", "dm-0", "md0")}
    clock.advance(1)
    sample = collector.collect()
    assert [row["disk"] for row in sample["io"]] == ["dm-0", "md0", "sda"]
    assert sample["total"]["read_bps"] == 100.0


def test_disk_that_disappears_is_forgotten() -> None:
    fake, clock = FakePsutil(), FakeClock()
    fake.disk_counters = {"sda": disk(read_bytes=100), "sdb": disk(read_bytes=100)}
    collector = DisksCollector(fake, clock)
    fake.disk_counters = {"sda": disk(read_bytes=100)}
    clock.advance(1)
    collector.collect()
    fake.disk_counters = {"sda": disk(read_bytes=100), "sdb": disk(read_bytes=900)}
    clock.advance(1)
    rows = {row["disk"]: row for row in collector.collect()["io"]}
    assert rows["sdb"]["read_bps"] is None  # a new disk: no previous reading
