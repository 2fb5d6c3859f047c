"""Masked command lines kept across ticks: each distinct argv of a process is masked once,
a changed one again, and the entries of processes gone from the scan are dropped."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

import pytest

from collectors import privacy, shown_cmdlines
from collectors.process_table import CMDLINE_SHOWN_MAX
from collectors.processes import ProcessesCollector
from collectors.procfs import ProcfsReader
from collectors.shown_cmdlines import PRUNE_EVERY, ShownCmdlines
from tests.collectors.fakeproc import CLOCK_TICKS, PAGE_SIZE, FakeProc
from tests.collectors.fakes import FakeClock, FakeProcess, FakePsutil, process_info

SECRET_ARGV = b"mysql\0--password=hunter2\0-h\0db\0"


@pytest.fixture
def masked(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, ...]]:
    """Each argument list the real ``mask_arguments`` is called with, in order."""
    calls: list[tuple[str, ...]] = []
    real: Callable[[Sequence[str]], list[str]] = privacy.mask_arguments

    def counting(arguments: Sequence[str]) -> list[str]:
        calls.append(tuple(arguments))
        return real(arguments)

    monkeypatch.setattr(shown_cmdlines, "mask_arguments", counting)
    return calls


def proc_collector(root: Path, clock: FakeClock, **options: object) -> ProcessesCollector:
    """The /proc path, its top rows' details read again every tick (``details_ttl`` 0)."""
    reader = ProcfsReader(str(root), clock, page_size=PAGE_SIZE, clock_ticks=CLOCK_TICKS)
    options.setdefault("details_ttl", 0.0)
    return ProcessesCollector(FakePsutil(), procfs=reader, clock=clock, **options)  # type: ignore[arg-type]


def cmdlines(sample: dict[str, object]) -> dict[int, str]:
    return {row["pid"]: row["cmdline"] for row in sample["top_cpu"]}  # type: ignore[attr-defined, index]


def test_the_same_argv_is_masked_once_across_ticks(
    tmp_path: Path, masked: list[tuple[str, ...]]
) -> None:
    proc = FakeProc(tmp_path / "proc")
    proc.add(1, "mysql", cmdline=SECRET_ARGV)
    proc.add(2, "sh", cmdline=b"sh\0-c\0echo hi\0")
    clock = FakeClock()
    collector = proc_collector(proc.root, clock)
    samples = []
    for _ in range(4):
        samples.append(cmdlines(collector.collect()))
        clock.advance(1.0)
    assert samples[0] == {1: "mysql --password=*** -h db", 2: "sh -c echo hi"}
    assert all(sample == samples[0] for sample in samples)  # the same output every tick
    assert sorted(masked) == [("mysql", "--password=hunter2", "-h", "db"), ("sh", "-c", "echo hi")]


def test_a_changed_argv_of_the_same_process_is_masked_again(
    tmp_path: Path, masked: list[tuple[str, ...]]
) -> None:
    proc = FakeProc(tmp_path / "proc")
    proc.add(1, "worker", cmdline=b"worker\0--token=a1\0")
    clock = FakeClock()
    collector = proc_collector(proc.root, clock)
    assert cmdlines(collector.collect()) == {1: "worker --token=***"}
    proc.add(1, "worker", cmdline=b"worker: idle\0")  # setproctitle, same pid and start
    clock.advance(1.0)
    assert cmdlines(collector.collect()) == {1: "worker: idle"}
    assert masked == [("worker", "--token=a1"), ("worker:", "idle")]


def test_vanished_and_reused_pids_drop_their_entries(
    tmp_path: Path, masked: list[tuple[str, ...]]
) -> None:
    proc = FakeProc(tmp_path / "proc")
    for pid in (1, 2, 3):
        proc.add(pid, "app", cmdline=b"app\0-v\0")
    clock = FakeClock()
    collector = proc_collector(proc.root, clock)
    collector.collect()
    assert len(collector._cmdlines) == 3
    proc.remove(2)
    proc.add(3, "app", start=500, cmdline=b"app\0-v\0")  # pid 3 reused by another process
    for _ in range(PRUNE_EVERY):
        clock.advance(1.0)
        collector.collect()
    assert len(collector._cmdlines) == 2  # pid 2 and the old pid 3 forgotten
    assert len(masked) == 4  # the new process under pid 3 was masked afresh


def test_psutil_path_masks_once_and_forgets_processes_gone_from_the_scan(
    masked: list[tuple[str, ...]],
) -> None:
    fake = FakePsutil()
    first = FakeProcess(process_info(1, cmdline=["app", "--password=pw"]))
    second = FakeProcess(process_info(2, cmdline=["db", "--secret", "s"]))
    fake.processes = [first, second]
    collector = ProcessesCollector(fake)  # type: ignore[arg-type]
    for _ in range(3):
        rows = collector.collect()["top_cpu"]
        assert [row["cmdline"] for row in rows] == ["app --password=***", "db --secret ***"]
    assert len(masked) == 2
    fake.processes = [first]
    for _ in range(PRUNE_EVERY):
        collector.collect()
    assert len(collector._cmdlines) == 1


def test_settings_and_limits_never_get_a_stale_answer(masked: list[tuple[str, ...]]) -> None:
    shown = ShownCmdlines(hide_cmdline=False, mask_secrets=True)
    argv = ["app", "--password=pw", "x" * 40]
    assert shown.shown((1, 10), argv, 256) == "app --password=*** " + "x" * 40
    assert shown.shown((1, 10), argv, 10) == "app --pas…"  # the kept text, cut to this limit
    assert shown.shown((1, 10), argv, CMDLINE_SHOWN_MAX) == "app --password=*** " + "x" * 40
    assert len(masked) == 1
    shown.mask_secrets = False
    assert shown.shown((1, 10), argv, 256) == "app --password=pw " + "x" * 40
    shown.hide_cmdline = True
    assert shown.shown((1, 10), argv, 256) is None
    assert shown.shown((1, 10), None, 256) is None
    shown.hide_cmdline, shown.mask_secrets = False, True
    assert shown.shown((1, 10), None, 256) is None  # unknown (access denied)
    assert shown.shown((1, 10), argv, 256) == "app --password=*** " + "x" * 40
    assert len(masked) == 1


def test_prunes_every_few_scans_only() -> None:
    shown = ShownCmdlines(hide_cmdline=False, mask_secrets=True, prune_every=3)
    shown.shown((7, 70), ["gone"], 256)
    shown.retain([])
    shown.retain([])
    assert len(shown) == 1  # not yet: a prune costs a set of the whole scan
    shown.retain([])
    assert len(shown) == 0
