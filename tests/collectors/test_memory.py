"""MemoryCollector: sizes, optional fields, hosts without swap, swap traffic rates."""

from __future__ import annotations

from collections import namedtuple

from collectors.memory import MemoryCollector
from tests.collectors.fakes import FakeClock, FakePsutil, sswap


def test_memory_and_swap_fields() -> None:
    fake = FakePsutil()
    sample = MemoryCollector(fake, FakeClock()).collect()
    assert sample == {
        "total": 16_000, "used": 7_000, "available": 8_000, "percent": 50.0,
        "cached": 4_000, "buffers": 300,
        "swap_total": 4_000, "swap_used": 1_000, "swap_percent": 25.0,
        "swap_in_per_s": None, "swap_out_per_s": None,  # no time has passed
    }  # fmt: skip


def test_swap_rates_over_the_real_elapsed_time() -> None:
    fake, clock = FakePsutil(), FakeClock()
    collector = MemoryCollector(fake, clock)  # sin 0, sout 0
    fake.swap = fake.swap._replace(sin=8_192, sout=4_096)
    clock.advance(2)
    sample = collector.collect()
    assert (sample["swap_in_per_s"], sample["swap_out_per_s"]) == (4_096.0, 2_048.0)


def test_host_without_swap_gives_zeros() -> None:
    fake, clock = FakePsutil(), FakeClock()
    fake.swap = sswap(0, 0, 0, 0.0, 0, 0)
    collector = MemoryCollector(fake, clock)
    clock.advance(1)
    sample = collector.collect()
    assert sample["swap_total"] == 0 and sample["swap_used"] == 0
    assert sample["swap_percent"] == 0.0
    assert (sample["swap_in_per_s"], sample["swap_out_per_s"]) == (0.0, 0.0)


def test_failing_swap_memory_gives_zero_sizes_and_null_rates() -> None:
    fake = FakePsutil()
    fake.swap = OSError("no /proc/vmstat")
    sample = MemoryCollector(fake, FakeClock()).collect()
    assert (sample["swap_total"], sample["swap_used"], sample["swap_percent"]) == (0, 0, 0.0)
    assert sample["swap_in_per_s"] is None and sample["swap_out_per_s"] is None


def test_platform_without_cached_and_buffers_reports_null() -> None:
    fake = FakePsutil()
    windows_svmem = namedtuple("svmem", "total available percent used free")
    fake.memory = windows_svmem(16_000, 8_000, 50.0, 8_000, 8_000)
    sample = MemoryCollector(fake, FakeClock()).collect()
    assert sample["cached"] is None and sample["buffers"] is None
    assert sample["used"] == 8_000


def test_swap_counter_reset_gives_null_then_a_rate() -> None:
    fake, clock = FakePsutil(), FakeClock()
    fake.swap = fake.swap._replace(sin=10_000)
    collector = MemoryCollector(fake, clock)
    fake.swap = fake.swap._replace(sin=100)
    clock.advance(1)
    assert collector.collect()["swap_in_per_s"] is None
    fake.swap = fake.swap._replace(sin=300)
    clock.advance(1)
    assert collector.collect()["swap_in_per_s"] == 200.0
