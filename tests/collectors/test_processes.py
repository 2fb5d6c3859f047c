"""ProcessesCollector: one cheap scan, details for the top rows only, counts, top N, cmdline
truncation, vanishing processes."""

from __future__ import annotations

import os
from pathlib import Path

import psutil
import pytest

from collectors.process_table import truncate_cmdline
from collectors.processes import ATTRS, DETAIL_ATTRS, ProcessesCollector
from collectors.procfs import ProcfsReader
from tests.collectors.fakeproc import CLOCK_TICKS, PAGE_SIZE, FakeProc
from tests.collectors.fakes import (
    AccessDenied,
    FakeClock,
    FakeProcess,
    FakePsutil,
    NoSuchProcess,
    ZombieProcess,
    process_info,
)

MEMORY_TOTAL = 1_000_000  # bytes: rss 4096 is 0.41 %


def fake_with(*items: object) -> FakePsutil:
    fake = FakePsutil()
    fake.memory = fake.memory._replace(total=MEMORY_TOTAL)
    fake.processes = [
        item if isinstance(item, BaseException) else FakeProcess(item)  # type: ignore[arg-type]
        for item in items
    ]
    return fake


def test_one_scan_with_the_cheap_attrs_only() -> None:
    fake = fake_with(process_info(1))
    ProcessesCollector(fake).collect()
    assert fake.calls_to("process_iter") == [{"attrs": ATTRS, "ad_value": None}]
    assert ATTRS == ["pid", "cpu_percent", "memory_info", "status"]  # /proc/PID/stat and statm
    assert DETAIL_ATTRS == ("name", "username", "num_threads", "cmdline")


def test_details_read_once_per_top_process_inside_its_oneshot() -> None:
    fake = fake_with(process_info(1, cpu=5.0, rss=9000), process_info(2, cpu=1.0, rss=10))
    sample = ProcessesCollector(fake, top_n=1).collect()
    assert [row["pid"] for row in sample["top_cpu"] + sample["top_mem"]] == [1, 1]
    top, other = fake.processes
    assert top.oneshots == 1  # in both lists, read once
    assert top.calls == [(attr, True) for attr in DETAIL_ATTRS]
    assert other.oneshots == 0 and other.calls == []


def test_details_only_for_the_top_rows() -> None:
    fake = fake_with(
        *(process_info(pid, cpu=float(pid % 10), rss=(pid * 37) % 101) for pid in range(1, 101))
    )
    sample = ProcessesCollector(fake, top_n=3).collect()
    detailed = [p for p in fake.processes if ("cmdline", True) in p.calls]
    top_pids = {row["pid"] for row in sample["top_cpu"] + sample["top_mem"]}
    assert {p.info["pid"] for p in detailed} == top_pids
    assert len(detailed) == len(top_pids) <= 6
    assert all(p.calls == [] for p in fake.processes if p not in detailed)
    assert sample["total"] == 100


def test_row_shape() -> None:
    fake = fake_with(process_info(1, "init", cpu=1.5, rss=4096, cmdline=["/sbin/init", "splash"]))
    sample = ProcessesCollector(fake).collect()
    assert sample["top_cpu"] == [
        {"pid": 1, "name": "init", "user": "root", "cpu": 1.5, "rss": 4096, "mem": 0.41,
         "threads": 1, "status": "sleeping", "cmdline": "/sbin/init splash"},
    ]  # fmt: skip
    assert sample["top_mem"] == sample["top_cpu"]


def test_counts_by_status_and_total() -> None:
    fake = fake_with(
        process_info(1, status="running"),
        process_info(2, status="sleeping"),
        process_info(3, status="sleeping"),
        process_info(4, status="zombie"),
        process_info(5, status="tracing-stop"),
        process_info(6, status=None),  # status unreadable
    )
    sample = ProcessesCollector(fake).collect()
    assert sample["total"] == 6
    assert sample["counts"] == {
        "running": 1, "sleeping": 2, "disk-sleep": 0, "idle": 0, "stopped": 0, "zombie": 1,
        "tracing-stop": 1, "unknown": 1,
    }  # fmt: skip


def test_top_n_by_cpu_and_by_rss() -> None:
    fake = fake_with(
        *(process_info(pid, f"p{pid}", cpu=float(pid % 7), rss=pid * 1000) for pid in range(1, 30))
    )
    sample = ProcessesCollector(fake, top_n=3).collect()
    assert [row["cpu"] for row in sample["top_cpu"]] == [6.0, 6.0, 6.0]
    assert {row["pid"] for row in sample["top_cpu"]} == {6, 13, 20}  # ties: first seen wins
    assert [row["pid"] for row in sample["top_mem"]] == [29, 28, 27]
    assert sample["total"] == 29


def test_top_n_larger_than_the_table_and_zero() -> None:
    fake = fake_with(process_info(1, cpu=1.0), process_info(2, cpu=2.0))
    assert [r["pid"] for r in ProcessesCollector(fake, top_n=15).collect()["top_cpu"]] == [2, 1]
    sample = ProcessesCollector(fake, top_n=0).collect()
    assert sample["top_cpu"] == [] and sample["top_mem"] == [] and sample["total"] == 2


def test_cmdline_truncated_with_an_ellipsis() -> None:
    long = ["/usr/bin/python3", "-m", "worker", "--queue", "x" * 300]
    fake = fake_with(process_info(1, cmdline=long))
    row = ProcessesCollector(fake, cmdline_max=20).collect()["top_cpu"][0]
    assert row["cmdline"] == "/usr/bin/python3 -m…"
    assert len(row["cmdline"]) == 20


def test_cmdline_default_limit_is_256() -> None:
    fake = fake_with(process_info(1, cmdline=["a" * 1000]))
    assert len(ProcessesCollector(fake).collect()["top_cpu"][0]["cmdline"]) == 256


def test_truncate_cmdline_edges() -> None:
    assert truncate_cmdline(["ab", "cd"], 5) == "ab cd"  # fits exactly: not cut
    assert truncate_cmdline(["ab", "cde"], 5) == "ab c…"
    assert truncate_cmdline([], 10) == ""  # kernel thread
    assert truncate_cmdline(None, 10) is None  # access denied


def test_vanished_denied_and_zombie_processes_raised_by_the_iteration_are_skipped() -> None:
    fake = fake_with(
        process_info(1),
        NoSuchProcess(2),
        AccessDenied(3),
        ZombieProcess(4),
        process_info(5),
    )
    sample = ProcessesCollector(fake).collect()
    assert sample["total"] == 2
    assert sorted(row["pid"] for row in sample["top_cpu"]) == [1, 5]


@pytest.mark.parametrize("error", [NoSuchProcess(2), AccessDenied(2), ZombieProcess(2)])
def test_processes_raising_on_info_access_are_skipped(error: Exception) -> None:
    fake = fake_with(process_info(1), error, process_info(3))
    fake.processes[1] = FakeProcess(error)  # the iteration succeeds, reading .info raises
    sample = ProcessesCollector(fake).collect()
    assert sample["total"] == 2
    assert sorted(row["pid"] for row in sample["top_mem"]) == [1, 3]


def test_unreadable_attributes_give_null_fields_and_sort_last() -> None:
    denied = {key: None for key in ATTRS} | {key: AccessDenied(7) for key in DETAIL_ATTRS}
    denied["pid"] = 7  # the scan's attrs are ad_value, every detail raises AccessDenied
    fake = fake_with(denied, process_info(8, cpu=0.0, rss=10))
    sample = ProcessesCollector(fake).collect()
    assert [row["pid"] for row in sample["top_cpu"]] == [8, 7]
    assert [row["pid"] for row in sample["top_mem"]] == [8, 7]
    assert sample["top_cpu"][1] == {
        "pid": 7, "name": None, "user": None, "cpu": None, "rss": None, "mem": None,
        "threads": None, "status": None, "cmdline": None,
    }  # fmt: skip
    assert sample["counts"]["unknown"] == 1


@pytest.mark.parametrize("error", [AccessDenied(1), ZombieProcess(1)])
def test_a_detail_that_raises_gives_a_null_field_and_the_others_are_still_read(
    error: Exception,
) -> None:
    fake = fake_with(process_info(1, "init", username=error, cmdline=["/sbin/init"], threads=3))
    row = ProcessesCollector(fake).collect()["top_cpu"][0]
    details = {key: row[key] for key in ("name", "user", "threads", "cmdline")}
    assert details == {"name": "init", "user": None, "threads": 3, "cmdline": "/sbin/init"}


def test_a_process_gone_between_the_scan_and_its_details_keeps_its_row_with_null_details() -> None:
    gone = NoSuchProcess(2)
    fake = fake_with(
        process_info(1, cpu=1.0, rss=100),
        process_info(2, cpu=9.0, rss=5000, status="running", name=gone, username=gone,
                     threads=gone, cmdline=gone),
    )  # fmt: skip
    sample = ProcessesCollector(fake).collect()
    assert sample["total"] == 2 and sample["counts"]["running"] == 1
    assert sample["top_cpu"][0] == {
        "pid": 2, "name": None, "user": None, "cpu": 9.0, "rss": 5000, "mem": 0.5,
        "threads": None, "status": "running", "cmdline": None,
    }  # fmt: skip
    assert sample["top_mem"][0] == sample["top_cpu"][0]
    assert fake.processes[1].calls == [("name", True)]  # the first NoSuchProcess ends its reads
    assert sample["top_cpu"][1]["name"] == "proc"


def test_mem_uses_the_total_read_at_construction() -> None:
    fake = fake_with(process_info(1, rss=250_000))
    collector = ProcessesCollector(fake)
    fake.memory = RuntimeError("virtual_memory read per tick")
    assert collector.collect()["top_mem"][0]["mem"] == 25.0


def test_mem_is_null_until_the_total_can_be_read() -> None:
    fake = fake_with(process_info(1, rss=250_000))
    fake.memory = OSError("/proc/meminfo unreadable")
    collector = ProcessesCollector(fake)
    assert collector.collect()["top_mem"][0]["mem"] is None
    fake.memory = FakePsutil().memory._replace(total=MEMORY_TOTAL)
    assert collector.collect()["top_mem"][0]["mem"] == 25.0


def test_real_psutil_gives_this_process_its_details() -> None:
    collector = ProcessesCollector(top_n=100_000)  # every process is a top row
    collector.collect()
    sample = collector.collect()
    me = psutil.Process()
    row = next(row for row in sample["top_mem"] if row["pid"] == os.getpid())
    assert row["name"] == me.name() and row["user"] == me.username()
    assert row["threads"] >= 1 and row["cmdline"] and row["rss"] > 0
    assert 0 < row["mem"] == round(row["rss"] / psutil.virtual_memory().total * 100, 2)
    assert sample["total"] == len(sample["top_cpu"]) == len(sample["top_mem"])


def test_empty_process_table() -> None:
    sample = ProcessesCollector(fake_with()).collect()
    assert sample["total"] == 0 and sample["top_cpu"] == [] and sample["top_mem"] == []


def test_invalid_options_are_rejected() -> None:
    with pytest.raises(ValueError, match="top_n"):
        ProcessesCollector(FakePsutil(), top_n=-1)


def test_secrets_in_command_lines_are_masked_before_truncation() -> None:
    cmdline = ["mysqldump", "--password", "hunter2", "postgres://u:pw@db/x", "token=abc"]
    fake = fake_with(process_info(1, cmdline=cmdline))
    row = ProcessesCollector(fake).collect()["top_cpu"][0]
    assert row["cmdline"] == "mysqldump --password *** postgres://u:***@db/x token=***"
    assert "hunter2" not in str(row) and "abc" not in row["cmdline"]


def test_masking_can_be_turned_off_and_command_lines_hidden() -> None:
    fake = fake_with(process_info(1, cmdline=["app", "--password=pw"]))
    assert ProcessesCollector(fake, mask_secrets=False).collect()["top_cpu"][0]["cmdline"] == (
        "app --password=pw"
    )
    hidden = ProcessesCollector(fake, hide_cmdline=True).collect()
    assert all(row["cmdline"] is None for row in hidden["top_cpu"] + hidden["top_mem"])


# -- the /proc path (Linux): a fake proc tree, the fake psutil only for the memory total ----------


def proc_collector(proc: FakeProc, clock: FakeClock, **options: object) -> ProcessesCollector:
    fake = FakePsutil()
    fake.memory = fake.memory._replace(total=MEMORY_TOTAL)
    reader = ProcfsReader(str(proc.root), clock, page_size=PAGE_SIZE, clock_ticks=CLOCK_TICKS)
    return ProcessesCollector(fake, procfs=reader, clock=clock, **options)  # type: ignore[arg-type]


@pytest.fixture
def proc(tmp_path: Path) -> FakeProc:
    return FakeProc(tmp_path / "proc")


def test_proc_path_row_shape_counts_and_no_psutil_scan(proc: FakeProc) -> None:
    proc.add(1, "init", threads=2, rss_pages=1, cmdline=b"/sbin/init\0splash\0")
    proc.add(2, "kthreadd", "I", rss_pages=0, cmdline=b"")
    proc.add(3, "sh", "Z")
    clock = FakeClock()
    collector = proc_collector(proc, clock)
    collector.collect()
    clock.advance(1.0)
    proc.add(1, "init", "R", utime=3, stime=2, threads=3, rss_pages=1,
             cmdline=b"/sbin/init\0splash\0")  # fmt: skip
    sample = collector.collect()
    assert sample["total"] == 3
    assert sample["counts"] == {
        "running": 1, "sleeping": 0, "disk-sleep": 0, "idle": 1, "stopped": 0, "zombie": 1,
    }  # fmt: skip
    assert sample["top_cpu"][0] == {
        "pid": 1, "name": "init", "user": "root", "cpu": 5.0, "rss": 4096, "mem": 0.41,
        "threads": 3, "status": "running", "cmdline": "/sbin/init splash",
    }  # fmt: skip
    assert [row["pid"] for row in sample["top_mem"]] == [1, 3, 2]
    assert sample["top_mem"][2]["cmdline"] == ""  # kernel thread


def test_proc_path_keeps_details_while_a_process_stays_top_and_rereads_after_the_ttl(
    proc: FakeProc,
) -> None:
    proc.add(1, "worker", cmdline=b"worker\0--old\0")
    clock = FakeClock()
    collector = proc_collector(proc, clock, details_ttl=30.0)
    assert collector.collect()["top_cpu"][0]["cmdline"] == "worker --old"
    proc.add(1, "worker", threads=9, rss_pages=2, cmdline=b"worker\0--new\0")
    clock.advance(29.0)
    row = collector.collect()["top_cpu"][0]
    assert row["cmdline"] == "worker --old"  # kept
    assert row["threads"] == 9 and row["rss"] == 2 * PAGE_SIZE  # fresh every tick
    clock.advance(1.0)
    assert collector.collect()["top_cpu"][0]["cmdline"] == "worker --new"


def test_proc_path_rereads_details_after_exec_or_pid_reuse(proc: FakeProc) -> None:
    proc.add(1, "sh", cmdline=b"sh\0-c\0x\0")
    clock = FakeClock()
    collector = proc_collector(proc, clock)
    collector.collect()
    proc.add(1, "python", cmdline=b"python\0app.py\0")  # exec: new command name
    assert collector.collect()["top_cpu"][0]["cmdline"] == "python app.py"
    proc.add(1, "python", start=999, cmdline=b"python\0other.py\0")  # another process
    assert collector.collect()["top_cpu"][0]["cmdline"] == "python other.py"


def test_proc_path_masks_secrets_and_hides_command_lines(proc: FakeProc) -> None:
    proc.add(1, "mysqldump", cmdline=b"mysqldump\0--password\0hunter2\0token=abc\0")
    row = proc_collector(proc, FakeClock()).collect()["top_cpu"][0]
    assert row["cmdline"] == "mysqldump --password *** token=***"
    hidden = proc_collector(proc, FakeClock(), hide_cmdline=True).collect()
    assert hidden["top_cpu"][0]["cmdline"] is None and hidden["top_cpu"][0]["name"] == "mysqldump"


def test_proc_path_top_n_and_cmdline_truncation(proc: FakeProc) -> None:
    for pid in range(1, 30):
        proc.add(pid, f"p{pid}", rss_pages=pid, cmdline=b"x" * 300 + b"\0")
    sample = proc_collector(proc, FakeClock(), top_n=3, cmdline_max=20).collect()
    assert [row["pid"] for row in sample["top_mem"]] == [29, 28, 27]
    assert [row["pid"] for row in sample["top_cpu"]] == [1, 2, 3]  # all 0.0: first seen wins
    assert sample["top_mem"][0]["cmdline"] == "x" * 19 + "…"


def test_proc_path_process_gone_before_its_details_keeps_its_row(proc: FakeProc) -> None:
    proc.add(1, "short-lived", rss_pages=5)
    collector = proc_collector(proc, FakeClock())
    original = collector._procfs.scan  # type: ignore[union-attr]

    def scan_then_exit() -> list:
        scanned = original()
        proc.remove(1)  # exits between the scan and the detail reads
        return scanned

    collector._procfs.scan = scan_then_exit  # type: ignore[union-attr,method-assign]
    row = collector.collect()["top_cpu"][0]
    assert row["pid"] == 1 and row["rss"] == 5 * PAGE_SIZE and row["status"] == "sleeping"
    assert row["name"] is None and row["user"] is None and row["cmdline"] is None


@pytest.mark.skipif(not psutil.LINUX, reason="reads the real /proc")
def test_real_proc_gives_this_process_its_details() -> None:
    collector = ProcessesCollector(top_n=100_000, procfs=ProcfsReader())
    collector.collect()
    sample = collector.collect()
    me = psutil.Process()
    row = next(row for row in sample["top_mem"] if row["pid"] == os.getpid())
    assert row["name"] == me.name() and row["user"] == me.username()
    assert row["threads"] == me.num_threads() and row["cmdline"] and row["rss"] > 0
    assert sample["total"] == len(sample["top_cpu"]) == len(sample["top_mem"])


def test_proc_path_rows_of_unchanged_processes_are_equal_dicts_of_their_own(
    proc: FakeProc,
) -> None:
    proc.add(1, "idle", rss_pages=2)
    clock = FakeClock()
    collector = proc_collector(proc, clock)
    first = collector.collect()
    clock.advance(1.0)
    second = collector.collect()  # the same stat line: the row is the previous tick's
    assert second["top_cpu"] == first["top_cpu"] and second["top_mem"] == first["top_mem"]
    rows = [first["top_cpu"][0], second["top_cpu"][0], second["top_mem"][0]]
    assert len({id(row) for row in rows}) == 3
    second["top_cpu"][0]["cpu"] = 99.0  # a consumer's change reaches no other row
    clock.advance(1.0)
    assert collector.collect()["top_cpu"][0]["cpu"] == 0.0


def test_proc_path_mem_follows_a_memory_total_read_late(proc: FakeProc) -> None:
    proc.add(1, "idle", rss_pages=2)
    fake = FakePsutil()
    fake.memory = RuntimeError("not yet")  # type: ignore[assignment]
    clock = FakeClock()
    reader = ProcfsReader(str(proc.root), clock, page_size=PAGE_SIZE, clock_ticks=CLOCK_TICKS)
    collector = ProcessesCollector(fake, procfs=reader, clock=clock)  # type: ignore[arg-type]
    assert collector.collect()["top_mem"][0]["mem"] is None
    fake.memory = FakePsutil().memory._replace(total=MEMORY_TOTAL)
    clock.advance(1.0)
    assert collector.collect()["top_mem"][0]["mem"] == round(2 * PAGE_SIZE / MEMORY_TOTAL * 100, 2)
