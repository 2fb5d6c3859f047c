"""ProcessTable: search over the whole last scan, details read once per process, on a budget."""

from __future__ import annotations

from pathlib import Path

import pytest

from collectors.process_table import ProcessTable
from collectors.processes import ProcessesCollector
from collectors.procfs import ProcfsReader
from tests.collectors.fakeproc import CLOCK_TICKS, PAGE_SIZE, FakeProc
from tests.collectors.fakes import FakeClock, FakeProcess, FakePsutil, process_info


@pytest.fixture
def proc(tmp_path: Path) -> FakeProc:
    proc = FakeProc(tmp_path / "proc")
    for pid in range(2, 35):
        proc.add(pid, f"kworker/{pid}:0-events", "I", cmdline=b"")
    proc.add(100, "python3", cmdline=b"python3\0serve.py\0--password\0hunter2\0")
    proc.add(101, "postgres", rss_pages=50, cmdline=b"postgres: checkpointer\0")
    return proc


def collector(proc: FakeProc, clock: FakeClock, **options) -> ProcessesCollector:
    reader = ProcfsReader(str(proc.root), clock, page_size=PAGE_SIZE, clock_ticks=CLOCK_TICKS)
    return ProcessesCollector(FakePsutil(), top_n=2, procfs=reader, clock=clock, **options)


def test_every_process_of_the_scan_is_searched_not_only_the_top_rows(proc: FakeProc) -> None:
    processes = collector(proc, FakeClock())
    sample = processes.collect()
    assert len(sample["top_cpu"]) == 2  # the sample carries two rows ...
    found = processes.table.search("KWORKER")  # ... the search sees all 35
    assert (found["total"], found["matched"], found["unread"]) == (35, 33, 0)
    assert {row["name"] for row in found["processes"]} >= {"kworker/2:0-events"}
    assert processes.table.search("")["matched"] == 35


def test_command_lines_are_searched_masked_and_whole(proc: FakeProc) -> None:
    processes = collector(proc, FakeClock(), cmdline_max=8)
    processes.collect()
    (row,) = processes.table.search("serve.py")["processes"]
    assert row["cmdline"] == "python3 serve.py --password ***"  # whole, not cut at 8
    assert row["pid"] == 100 and row["user"] == "root"
    assert processes.table.search("hunter2")["matched"] == 0  # a secret is not searchable
    assert [r["pid"] for r in processes.table.search("101")["processes"]] == [101]
    hidden = collector(proc, FakeClock(), hide_cmdline=True)
    hidden.collect()
    assert hidden.table.search("serve.py")["matched"] == 0


def test_limit_sort_and_memory_share(proc: FakeProc) -> None:
    processes = collector(proc, FakeClock())
    sample = processes.collect()
    top = processes.table.search("", limit=2, sort="rss")["processes"]
    assert [r["pid"] for r in top] == [101, 2]  # biggest first, then pid order
    assert top[0]["mem"] == sample["top_mem"][0]["mem"] > 0  # as the sample's rows have it
    by_name = processes.table.search("", limit=3, sort="name", descending=False)["processes"]
    assert [r["name"] for r in by_name] == ["kworker/10:0-events", "kworker/11:0-events",
                                            "kworker/12:0-events"]  # fmt: skip


def test_details_are_read_once_per_process_and_on_a_budget(proc: FakeProc) -> None:
    reads: list[int] = []
    spent = FakeClock(0.0)

    def read(process):
        reads.append(process.pid)
        spent.advance(0.01)  # each read takes 10 ms
        return {"name": process.comm, "user": "root", "cmdline": ""}

    table = ProcessTable(read, lambda: 1000, clock=FakeClock(), timer=spent, budget_s=0.05)
    processes = collector(proc, FakeClock())
    processes.collect()
    table.keep(ProcfsReader(str(proc.root), FakeClock()).scan())
    first = table.search("postgres")
    assert len(reads) == 5 and first["unread"] == 30  # five reads, then matched by name only
    assert first["matched"] == 1  # by its command name, though its details are unread
    while table.search("x")["unread"]:
        pass
    assert sorted(reads) == [*range(2, 35), 100, 101]  # each once
    table.search("x")
    assert len(reads) == 35  # kept: nothing read again


def test_a_process_that_left_the_scan_is_forgotten_and_a_new_one_found(proc: FakeProc) -> None:
    processes = collector(proc, FakeClock())
    processes.collect()
    assert processes.table.search("postgres")["matched"] == 1
    proc.remove(101)
    proc.add(200, "uniq-marker")
    processes.collect()
    assert processes.table.search("postgres")["matched"] == 0
    assert [r["pid"] for r in processes.table.search("uniq")["processes"]] == [200]


def test_no_scan_yet_and_unknown_values_sort_last(proc: FakeProc) -> None:
    table = ProcessTable(lambda p: {}, lambda: None)
    assert not table.scanned and table.search("x")["processes"] == []
    users = {100: "b", 101: "A"}
    table = ProcessTable(lambda p: {"user": users.get(p.pid)}, lambda: None)
    table.keep(ProcfsReader(str(proc.root), FakeClock()).scan())
    pids = [r["pid"] for r in table.search("", limit=3, sort="user", descending=False)["processes"]]
    assert pids == [101, 100, 2]  # A, b, then unknown in pid order
    pids = [r["pid"] for r in table.search("", limit=3, sort="user")["processes"]]
    assert pids == [100, 101, 2]


def test_the_psutil_path_keeps_its_scan_too() -> None:
    fake = FakePsutil()
    fake.processes = [
        FakeProcess(process_info(pid, "kworker/0:1", rss=10 * pid)) for pid in range(1, 6)
    ] + [FakeProcess(process_info(9, "uniq", cmdline=["uniq", "--token=abc123"], rss=1))]
    processes = ProcessesCollector(fake, top_n=1)
    processes.collect()
    assert processes.table.search("kworker")["matched"] == 5
    (row,) = processes.table.search("uniq")["processes"]
    assert row["pid"] == 9 and row["cmdline"] == "uniq --token=***" and row["rss"] == 1
