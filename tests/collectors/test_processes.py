"""ProcessesCollector: one scan, counts, top N, cmdline truncation, vanishing processes."""

from __future__ import annotations

import pytest

from collectors.processes import ATTRS, ProcessesCollector, truncate_cmdline
from tests.collectors.fakes import (
    AccessDenied,
    FakeProcess,
    FakePsutil,
    NoSuchProcess,
    ZombieProcess,
    process_info,
)


def fake_with(*items: object) -> FakePsutil:
    fake = FakePsutil()
    fake.processes = [
        item if isinstance(item, BaseException) else FakeProcess(item)  # type: ignore[arg-type]
        for item in items
    ]
    return fake


def test_one_scan_with_the_cheap_attrs_only() -> None:
    fake = fake_with(process_info(1))
    ProcessesCollector(fake).collect()
    assert fake.calls_to("process_iter") == [{"attrs": ATTRS, "ad_value": None}]
    assert set(ATTRS) == {
        "pid", "name", "username", "cpu_percent", "memory_info", "memory_percent",
        "num_threads", "status", "cmdline",
    }  # fmt: skip


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
    denied = {key: None for key in ATTRS} | {"pid": 7}  # ad_value everywhere
    fake = fake_with(denied, process_info(8, cpu=0.0, rss=10))
    sample = ProcessesCollector(fake).collect()
    assert [row["pid"] for row in sample["top_cpu"]] == [8, 7]
    assert [row["pid"] for row in sample["top_mem"]] == [8, 7]
    assert sample["top_cpu"][1] == {
        "pid": 7, "name": None, "user": None, "cpu": None, "rss": None, "mem": None,
        "threads": None, "status": None, "cmdline": None,
    }  # fmt: skip
    assert sample["counts"]["unknown"] == 1


def test_empty_process_table() -> None:
    sample = ProcessesCollector(fake_with()).collect()
    assert sample["total"] == 0 and sample["top_cpu"] == [] and sample["top_mem"] == []


def test_invalid_options_are_rejected() -> None:
    with pytest.raises(ValueError, match="top_n"):
        ProcessesCollector(FakePsutil(), top_n=-1)
