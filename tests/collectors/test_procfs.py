"""ProcfsReader: the Linux /proc scan (status, cpu from tick deltas, rss, threads) and details."""

from __future__ import annotations

import os
from pathlib import Path

import psutil
import pytest

from collectors.procfs import ProcfsReader, extended_name, linux_proc_root, split_cmdline
from tests.collectors.fakeproc import CLOCK_TICKS, PAGE_SIZE, FakeProc
from tests.collectors.fakes import FakeClock, FakePsutil


@pytest.fixture
def proc(tmp_path: Path) -> FakeProc:
    return FakeProc(tmp_path / "proc")


def reader(proc: FakeProc, clock: FakeClock) -> ProcfsReader:
    return ProcfsReader(str(proc.root), clock, page_size=PAGE_SIZE, clock_ticks=CLOCK_TICKS)


def test_scan_reads_status_rss_threads_and_command_name_in_pid_order(proc: FakeProc) -> None:
    proc.add(10, "a) (b", "R", threads=4, rss_pages=3)  # parentheses inside the name
    proc.add(2, "kworker/0:1", "I", rss_pages=0)
    proc.add(7, "zombie", "Z")
    proc.add(11, "future", "Q")  # a state letter this reader does not know
    (proc.root / "sys").mkdir()  # not a process
    scanned = reader(proc, FakeClock()).scan()
    assert [(p.pid, p.comm, p.status, p.rss, p.threads) for p in scanned] == [
        (2, "kworker/0:1", "idle", 0, 1),
        (7, "zombie", "zombie", PAGE_SIZE, 1),
        (10, "a) (b", "running", 3 * PAGE_SIZE, 4),
        (11, "future", "unknown", PAGE_SIZE, 1),
    ]


def test_cpu_is_ticks_since_the_previous_scan_over_elapsed_time(proc: FakeProc) -> None:
    clock = FakeClock()
    scan = reader(proc, clock).scan
    proc.add(1, utime=500, stime=500)
    assert scan()[0].cpu == 0.0  # first sighting
    clock.advance(2.0)
    proc.add(1, utime=550, stime=600)  # 150 ticks = 1.5 s of CPU in 2 s
    assert scan()[0].cpu == 75.0
    clock.advance(1.0)
    assert scan()[0].cpu == 0.0  # idle since


def test_a_reused_pid_starts_afresh(proc: FakeProc) -> None:
    clock = FakeClock()
    scan = reader(proc, clock).scan
    proc.add(5, utime=100, start=1000)
    scan()
    clock.advance(1.0)
    proc.add(5, utime=150, start=2000)  # another process with the same pid
    assert scan()[0].cpu == 0.0
    clock.advance(1.0)
    proc.add(5, utime=160, start=2000)
    assert scan()[0].cpu == 10.0


def test_no_elapsed_time_gives_zero(proc: FakeProc) -> None:
    scan = reader(proc, FakeClock()).scan
    proc.add(1, utime=1)
    scan()
    proc.add(1, utime=9)
    assert scan()[0].cpu == 0.0


def test_vanished_and_unparsable_processes_are_left_out(proc: FakeProc) -> None:
    proc.add(1)
    (proc.root / "2").mkdir()  # exited between the listing and the read: no stat
    proc.add(3)
    (proc.root / "3" / "stat").write_text("3 (x) S 1 2\n")  # truncated
    assert [p.pid for p in reader(proc, FakeClock()).scan()] == [1]


def test_details_name_user_and_command_line(proc: FakeProc) -> None:
    proc.add(1, "init", uid=0, cmdline=b"/sbin/init\0splash\0")
    proc.add(2, "gunicorn: maste", uid=3_999_999, cmdline=b"gunicorn: master [wsgi:app]")
    proc.add(3, "kthreadd", cmdline=b"")
    proc.add(4, "python3.11-worker", cmdline=b"/usr/bin/python3.11-worker-long\0-m\0x\0")
    scanned = {p.pid: p for p in reader(proc, FakeClock()).scan()}
    details = reader(proc, FakeClock()).details
    assert details(scanned[1]) == {
        "name": "init", "username": "root", "cmdline": ["/sbin/init", "splash"],
    }  # fmt: skip
    assert details(scanned[2]) == {  # rewritten with spaces (setproctitle); unknown uid as text
        "name": "gunicorn: maste", "username": "3999999",
        "cmdline": ["gunicorn:", "master", "[wsgi:app]"],
    }  # fmt: skip
    assert details(scanned[3])["cmdline"] == []
    assert details(scanned[4])["name"] == "python3.11-worker-long"  # comm truncated: extended


def test_details_of_a_gone_or_reused_pid_are_all_null(proc: FakeProc) -> None:
    proc.add(1, start=100)
    proc.add(2, start=100)
    first, second = reader(proc, FakeClock()).scan()
    proc.remove(1)
    proc.add(2, "other", start=900)  # the pid now belongs to another process
    details = reader(proc, FakeClock()).details
    unknown = {"name": None, "username": None, "cmdline": None}
    assert details(first) == unknown
    assert details(second) == unknown


def test_split_cmdline_and_extended_name_follow_psutil() -> None:
    assert split_cmdline("a\0b c\0") == ["a", "b c"]
    assert split_cmdline("a b c") == ["a", "b", "c"]
    assert split_cmdline("a b\0") == ["a", "b"]  # one NUL-terminated argument with spaces
    assert split_cmdline("") == []
    assert extended_name("short", ["/bin/shortened"]) == "short"
    assert extended_name("x" * 15, ["/bin/" + "x" * 20]) == "x" * 20
    assert extended_name("x" * 15, ["/bin/other"]) == "x" * 15
    assert extended_name("x" * 15, None) == "x" * 15


def test_linux_proc_root_only_for_the_real_psutil_on_linux(tmp_path: Path) -> None:
    assert linux_proc_root(FakePsutil()) is None
    assert linux_proc_root(psutil, str(tmp_path)) is None  # no readable self/stat
    if psutil.LINUX:
        assert linux_proc_root(psutil) == "/proc"


@pytest.mark.skipif(not psutil.LINUX, reason="reads the real /proc")
def test_the_real_proc_agrees_with_psutil_on_this_process() -> None:
    me = psutil.Process()
    mine = next(p for p in ProcfsReader().scan() if p.pid == os.getpid())
    assert mine.threads == me.num_threads() and mine.status == me.status()
    assert abs(mine.rss - me.memory_info().rss) < 16 * 2**20  # per-CPU counter drift at most
    details = ProcfsReader().details(mine)
    assert details == {"name": me.name(), "username": me.username(), "cmdline": me.cmdline()}


def test_a_changed_line_without_new_ticks_updates_the_row_with_zero_cpu(proc: FakeProc) -> None:
    clock = FakeClock()
    scan = reader(proc, clock).scan
    proc.add(1, utime=100)
    scan()
    clock.advance(1.0)
    proc.add(1, utime=110)
    assert scan()[0].cpu == 10.0
    clock.advance(1.0)
    assert scan()[0].cpu == 0.0  # the same line: no ticks used
    clock.advance(1.0)
    proc.add(1, "renamed", "R", utime=110, threads=3, rss_pages=5)
    assert scan()[0][1:] == ("running", 0.0, 5 * PAGE_SIZE, 3, 100, "renamed")
