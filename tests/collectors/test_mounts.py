"""Partitions listed again only after the mount table changed; usage read every tick."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from collectors.disks import DisksCollector
from collectors.mounts import MountWatch, mounts_changed_check, psutil_reads_kernel_table
from tests.collectors.fakes import FakeClock, FakePsutil, sdiskpart, sdiskusage

ROOT = Path(__file__).resolve().parents[2]
USAGE = sdiskusage(1000, 400, 600, 40.0)


class Changes:
    """The injected "changed?" check: says what ``pending`` holds, once."""

    def __init__(self) -> None:
        self.pending = False

    def __call__(self) -> bool:
        pending, self.pending = self.pending, False
        return pending


def mounts(collector: DisksCollector) -> list[str]:
    return [row["mount"] for row in collector.collect()["usage"]]


def test_partitions_are_listed_again_after_a_change_and_not_otherwise() -> None:
    fake = FakePsutil()
    fake.usage = {"/": USAGE, "/data": sdiskusage(1000, 100, 900, 10.0)}
    changes = Changes()
    collector = DisksCollector(fake, FakeClock(), mounts_changed=changes)
    assert [mounts(collector) for _ in range(3)] == [["/"]] * 3
    assert len(fake.calls_to("disk_partitions")) == 1  # the first tick only
    fake.partitions = [*fake.partitions, sdiskpart("/dev/sdb1", "/data", "ext4", "rw")]
    assert mounts(collector) == ["/"]  # not told of a change: the kept listing
    changes.pending = True
    assert mounts(collector) == ["/", "/data"]
    assert mounts(collector) == ["/", "/data"]
    assert len(fake.calls_to("disk_partitions")) == 2
    fake.usage["/data"] = sdiskusage(1000, 500, 500, 50.0)  # usage is fresh every tick
    assert collector.collect()["usage"][1]["percent"] == 50.0


def test_a_listing_that_fails_after_a_change_is_tried_again_next_tick() -> None:
    fake = FakePsutil()
    changes = Changes()
    collector = DisksCollector(fake, FakeClock(), mounts_changed=changes)
    mounts(collector)
    changes.pending, fake.partitions = True, OSError("mounts unreadable")
    with pytest.raises(OSError):
        collector.collect()
    fake.partitions = [sdiskpart("/dev/sda1", "/", "ext4", "rw")]
    assert mounts(collector) == ["/"]
    assert len(fake.calls_to("disk_partitions")) == 3


def test_a_fake_psutil_lists_every_tick() -> None:
    fake = FakePsutil()
    collector = DisksCollector(fake, FakeClock())
    for _ in range(3):
        collector.collect()
    assert len(fake.calls_to("disk_partitions")) == 3
    assert mounts_changed_check(real_psutil=False)() is True


def test_a_real_mounts_fd_where_nothing_changes_lists_once() -> None:
    watch = MountWatch()
    assert watch.watching, "/proc/self/mounts is not pollable here (Linux 2.6.15+ is)"
    fake = FakePsutil()
    collector = DisksCollector(fake, FakeClock(), mounts_changed=watch.changed)
    for _ in range(5):
        assert mounts(collector) == ["/"]
    assert len(fake.calls_to("disk_partitions")) == 1
    watch.close()
    assert watch.changed() is True  # closed: every tick again


def test_without_a_pollable_table_every_tick_is_a_change(tmp_path: Path) -> None:
    watch = MountWatch(str(tmp_path / "missing"))
    assert not watch.watching
    assert [watch.changed() for _ in range(3)] == [True, True, True]


def test_psutil_reads_the_kernel_table_unless_etc_mtab_is_a_file_of_its_own(
    tmp_path: Path,
) -> None:
    assert psutil_reads_kernel_table(str(tmp_path / "absent"))
    (tmp_path / "link").symlink_to("/proc/self/mounts")
    assert psutil_reads_kernel_table(str(tmp_path / "link")) == os.path.isfile("/proc/self/mounts")
    (tmp_path / "mtab").write_text("/dev/sda1 / ext4 rw 0 0\n")
    assert not psutil_reads_kernel_table(str(tmp_path / "mtab"))


SCRIPT = """
import subprocess, sys
from collectors.mounts import MountWatch
watch = MountWatch()
seen = [watch.changed(), watch.changed()]
subprocess.run(["mount", "-t", "tmpfs", "none", sys.argv[1]], check=True)
seen += [watch.changed(), watch.changed()]
subprocess.run(["umount", sys.argv[1]], check=True)
seen += [watch.changed(), watch.changed()]
print(seen)
"""


def test_a_real_mount_in_a_private_namespace_is_seen_once(tmp_path: Path) -> None:
    """Mounts a tmpfs inside ``unshare --mount`` (root only): nothing outside it changes."""
    # CI runs as root with util-linux: this must run there, never skip (a failure says why).
    assert os.geteuid() == 0, "this test needs root (as CI runs) for a private mount namespace"
    assert shutil.which("unshare") and shutil.which("mount"), "util-linux's unshare and mount"
    command = ["unshare", "--mount", "--propagation", "private", sys.executable, "-c", SCRIPT]
    done = subprocess.run(
        [*command, str(tmp_path)], cwd=ROOT, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, f"no private mount namespace: {done.stderr.strip()[-200:]}"
    assert done.stdout.strip() == str([True, False, True, False, True, False])


def test_a_forked_child_watches_with_a_descriptor_of_its_own() -> None:
    """A watch made before a fork (``--preload``): the child's first look says True (it lists
    once) and its polls never take a change from the parent's descriptor."""
    watch = MountWatch()
    assert watch.changed() is True and watch.changed() is False
    parent_fd = watch._fd
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:
        answer = f"{watch.changed()} {watch.changed()} {watch._fd is not None}"
        os.write(write_end, answer.encode())
        os._exit(0)
    os.close(write_end)
    with os.fdopen(read_end) as pipe:
        answer = pipe.read()
    os.waitpid(pid, 0)
    assert answer.split() == ["True", "False", "True"], answer
    assert watch.changed() is False and watch._fd == parent_fd
