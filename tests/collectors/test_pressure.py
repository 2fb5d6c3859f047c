"""Host pressure (PSI) from fake /proc/pressure files."""

from __future__ import annotations

from pathlib import Path

import pytest

from collectors.base import CollectorUnavailable
from collectors.pressure import PressureCollector
from tests.collectors.contract import assert_section_shape
from tests.collectors.fakes import FakeClock


def write(root: Path, resource: str, some_total: int, full: int | None = 0) -> None:
    text = f"some avg10=1.50 avg60=0.75 avg300=0.25 total={some_total}\n"
    if full is not None:
        text += f"full avg10=0.00 avg60=0.00 avg300=0.00 total={full}\n"
    (root / resource).write_text(text)


def test_averages_and_the_share_of_time_stalled_since_the_last_sample(tmp_path: Path) -> None:
    clock = FakeClock()
    for resource in ("cpu", "memory", "io"):
        write(tmp_path, resource, 1_000_000)
    collector = PressureCollector(clock, root=tmp_path)
    first = collector.collect()
    assert_section_shape("pressure", first)
    assert first["cpu"]["some_avg10"] == 1.5 and first["cpu"]["some_pct"] is None
    clock.advance(2.0)
    write(tmp_path, "memory", 1_500_000, full=400_000)  # 0.5 s stalled over 2 s
    section = collector.collect()
    assert section["memory"]["some_pct"] == 25.0
    assert section["memory"]["full_pct"] == 20.0
    assert section["cpu"]["some_pct"] == 0.0


def test_a_line_the_kernel_does_not_give_is_null(tmp_path: Path) -> None:
    write(tmp_path, "cpu", 10, full=None)  # kernels before 5.13: no "full" line for cpu
    write(tmp_path, "memory", 10)
    write(tmp_path, "io", 10)
    cpu = PressureCollector(FakeClock(), root=tmp_path).collect()["cpu"]
    assert cpu["full_avg10"] is None and cpu["full_pct"] is None and cpu["some_avg60"] == 0.75


def test_a_counter_that_goes_back_gives_no_rate(tmp_path: Path) -> None:
    clock = FakeClock()
    for resource in ("cpu", "memory", "io"):
        write(tmp_path, resource, 5_000_000)
    collector = PressureCollector(clock, root=tmp_path)
    collector.collect()
    clock.advance(1)
    write(tmp_path, "io", 1_000)
    assert collector.collect()["io"]["some_pct"] is None


def test_no_pressure_files_means_unavailable(tmp_path: Path) -> None:
    with pytest.raises(CollectorUnavailable):
        PressureCollector(FakeClock(), root=tmp_path / "missing")
