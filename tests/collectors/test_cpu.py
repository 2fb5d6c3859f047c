"""CpuCollector: percentages from cpu_times deltas, frequency, scheduler rates."""

from __future__ import annotations

from collections import namedtuple

import pytest

from collectors.cpu import CpuCollector
from tests.collectors.fakes import FakeClock, FakePsutil, scpustats, times


@pytest.fixture
def fake() -> FakePsutil:
    return FakePsutil()


def test_first_collect_is_already_a_real_delta(fake: FakePsutil) -> None:
    clock = FakeClock()
    collector = CpuCollector(fake, clock)  # reads cpu_times: user 10, system 5, idle 85
    fake.total_times = times(user=40, system=15, idle=125, iowait=10, steal=10)
    fake.core_times = [times(user=5, idle=95), times(user=35, system=5, idle=60)]
    clock.advance(1)

    sample = collector.collect()

    # deltas: user 30, system 10, idle 40, iowait 10, steal 10 -> total 100
    assert sample["total"] == 50.0  # 100 - idle 40 - iowait 10
    assert (sample["user"], sample["system"], sample["iowait"], sample["steal"]) == (
        30.0, 10.0, 10.0, 10.0,
    )  # fmt: skip
    # core 0: user 0, idle 50 -> 0 %; core 1: user 30, idle 20 -> 60 %
    assert sample["per_core"] == [0.0, 60.0]


def test_guest_time_is_not_counted_twice(fake: FakePsutil) -> None:
    collector = CpuCollector(fake, FakeClock())
    # guest time is already inside user time on Linux: 40 user (20 of it guest), 60 idle
    fake.total_times = times(user=50, system=5, idle=145, guest=20)
    assert collector.collect()["total"] == 40.0


def test_absent_time_fields_are_null(fake: FakePsutil) -> None:
    macos_times = namedtuple("scputimes", "user nice system idle")
    fake.total_times = macos_times(1, 0, 1, 8)
    fake.core_times = [macos_times(1, 0, 1, 8)]
    collector = CpuCollector(fake, FakeClock())
    fake.total_times = macos_times(11, 0, 6, 93)
    fake.core_times = [macos_times(11, 0, 6, 93)]

    sample = collector.collect()

    assert sample["iowait"] is None and sample["steal"] is None
    assert sample["user"] == 10.0 and sample["total"] == 15.0


def test_no_elapsed_cpu_time_gives_null_not_zero_division(fake: FakePsutil) -> None:
    collector = CpuCollector(fake, FakeClock())
    sample = collector.collect()  # cpu_times unchanged since the constructor
    assert sample["total"] is None and sample["user"] is None
    assert sample["per_core"] == [None, None]


def test_core_count_change_gives_null_cores_for_one_tick(fake: FakePsutil) -> None:
    collector = CpuCollector(fake, FakeClock())
    fake.core_times = [*fake.core_times, times(user=1, idle=1)]
    assert collector.collect()["per_core"] == [None, None, None]
    fake.core_times = [times(user=t.user + 1, idle=t.idle + 1) for t in fake.core_times]
    assert collector.collect()["per_core"] == [50.0, 50.0, 50.0]


def test_never_uses_blocking_or_thread_bound_cpu_percent(fake: FakePsutil) -> None:
    fake.missing = {"cpu_percent", "cpu_times_percent"}
    collector = CpuCollector(fake, FakeClock())
    collector.collect()
    assert fake.calls_to("cpu_times")  # it works from cpu_times alone


@pytest.mark.parametrize(
    "answer",
    [None, OSError("no cpufreq"), NotImplementedError(), "missing", "zero"],
    ids=["returns-none", "raises-oserror", "not-implemented", "absent", "reports-zero"],
)
def test_unknown_frequency_is_null(fake: FakePsutil, answer: object) -> None:
    if answer == "missing":
        fake.missing = {"cpu_freq"}
    elif answer == "zero":
        fake.freq = fake.freq._replace(current=0.0)
    else:
        fake.freq = answer
    assert CpuCollector(fake, FakeClock()).collect()["freq_mhz"] is None


def test_frequency_in_mhz(fake: FakePsutil) -> None:
    assert CpuCollector(fake, FakeClock()).collect()["freq_mhz"] == 2400.0


def test_rates_use_the_real_elapsed_time(fake: FakePsutil) -> None:
    clock = FakeClock()
    collector = CpuCollector(fake, clock)  # ctx 1000, interrupts 500
    fake.stats = scpustats(1200, 600, 0, 0)
    clock.advance(2)

    sample = collector.collect()

    assert sample["ctx_switches_per_s"] == 100.0
    assert sample["interrupts_per_s"] == 50.0


def test_ctx_switch_counter_reset_gives_null_then_a_rate(fake: FakePsutil) -> None:
    clock = FakeClock()
    collector = CpuCollector(fake, clock)
    fake.stats = scpustats(10, 500, 0, 0)  # went backwards: wrap or reset
    clock.advance(1)
    assert collector.collect()["ctx_switches_per_s"] is None
    fake.stats = scpustats(110, 600, 0, 0)
    clock.advance(1)
    sample = collector.collect()
    assert sample["ctx_switches_per_s"] == 100.0
    assert sample["interrupts_per_s"] == 100.0  # 500 -> 500 -> 600, last second


def test_failing_cpu_stats_gives_null_rates(fake: FakePsutil) -> None:
    fake.stats = OSError("no /proc/stat")
    sample = CpuCollector(fake, FakeClock()).collect()
    assert sample["ctx_switches_per_s"] is None and sample["interrupts_per_s"] is None
