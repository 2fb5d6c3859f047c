"""default_collectors, all_metric_units, the METRICS tables and a smoke test on the real host."""

from __future__ import annotations

import logging
import sys

import psutil
import pytest

from collectors import COLLECTOR_CLASSES, all_metric_units, default_collectors
from collectors.base import Collector
from collectors.registry import CollectorRegistry
from tests.collectors.contract import assert_section_shape, emitted_paths
from tests.collectors.fakes import (
    FakeClock,
    FakeNvml,
    FakeProcess,
    FakePsutil,
    NVMLError,
    disk,
    nic,
    process_info,
    sbattery,
    sfan,
    shwtemp,
)

KERNEL_SECTIONS = {"pressure", "cgroups"}  # read from the kernel: with the real psutil only
ALL_SECTIONS = ["cpu", "memory", "load", "system", "disks", "network", "sensors", "processes"]


def populated_fake() -> FakePsutil:
    """A fake host where every optional part has something to report."""
    fake = FakePsutil()
    fake.temperatures = {"coretemp": [shwtemp("Package id 0", 45.0, 80.0, 100.0)]}
    fake.fans = {"thinkpad": [sfan("fan1", 2100)]}
    fake.battery = sbattery(80.0, 3600, False)
    fake.disk_counters = {"sda": disk(reads=1)}
    fake.net_counters = {"eth0": nic(rx=1)}
    fake.processes = [FakeProcess(process_info(1, "init", cmdline=["/sbin/init"]))]
    return fake


@pytest.fixture
def no_pynvml(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "pynvml", None)  # `import pynvml` raises ImportError


@pytest.mark.usefixtures("no_pynvml")
def test_builds_every_section_in_order_and_leaves_the_gpu_out_with_one_info_line(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG, logger="collectors")
    collectors = default_collectors(populated_fake(), FakeClock())
    assert [c.name for c in collectors] == ALL_SECTIONS
    assert all(isinstance(c, Collector) for c in collectors)
    assert len(caplog.records) == 1
    assert caplog.records[0].levelname == "INFO"
    message = caplog.records[0].getMessage()
    assert message.startswith("gpu collector unavailable: nvidia-ml-py (pynvml) is not installed")


def test_gpu_left_out_when_nvml_cannot_start(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    nvml = FakeNvml()
    nvml.init_error = NVMLError("Driver Not Loaded")
    monkeypatch.setitem(sys.modules, "pynvml", nvml)
    caplog.set_level(logging.INFO, logger="collectors")
    collectors = default_collectors(populated_fake(), FakeClock())
    assert "gpus" not in [c.name for c in collectors]
    messages = [r.getMessage() for r in caplog.records]
    assert messages == ["gpu collector unavailable: NVML could not start (no NVIDIA driver?): "
                        "Driver Not Loaded"]  # fmt: skip
    assert all(r.levelno == logging.INFO for r in caplog.records)


def test_gpu_included_when_nvml_works(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "pynvml", FakeNvml(gpus=1))
    collectors = default_collectors(populated_fake(), FakeClock())
    assert [c.name for c in collectors] == [*ALL_SECTIONS, "gpus"]


@pytest.mark.usefixtures("no_pynvml")
def test_unexpected_constructor_error_leaves_that_collector_out(
    caplog: pytest.LogCaptureFixture,
) -> None:
    fake = populated_fake()
    fake.missing = {"sensors_temperatures", "sensors_fans", "sensors_battery"}
    fake.boot = RuntimeError("boom")  # only read in collect(): system stays
    fake.logical_cores = OSError("sysfs unreadable")  # read in the constructor: system goes
    caplog.set_level(logging.INFO, logger="collectors")
    names = [c.name for c in default_collectors(fake, FakeClock())]
    assert names == ["cpu", "memory", "load", "disks", "network", "processes"]
    messages = [r.getMessage() for r in caplog.records]
    assert "system collector unavailable: OSError: sysfs unreadable" in messages
    assert "sensors collector unavailable: psutil has no sensor functions on this platform" in (
        messages
    )
    assert len(messages) == 3  # system, sensors, gpu: one line each


@pytest.mark.usefixtures("no_pynvml")
def test_options_reach_the_collectors() -> None:
    fake = populated_fake()
    fake.net_counters = {"eth0": nic(), "docker0": nic()}
    fake.processes = [FakeProcess(process_info(pid, cmdline=["x" * 50])) for pid in range(1, 6)]
    collectors = {
        c.name: c
        for c in default_collectors(
            fake, FakeClock(), top_n=2, include_virtual_net=True, cmdline_max=10
        )
    }
    processes = collectors["processes"].collect()
    assert len(processes["top_cpu"]) == 2
    assert processes["top_cpu"][0]["cmdline"] == "x" * 9 + "…"
    interfaces = collectors["network"].collect()["interfaces"]
    assert [row["iface"] for row in interfaces] == ["docker0", "eth0"]


def test_every_section_has_the_documented_shape_and_declares_what_it_emits(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setitem(sys.modules, "pynvml", FakeNvml(gpus=1))
    clock = FakeClock()
    collectors = default_collectors(populated_fake(), clock)
    clock.advance(1)
    for collector in collectors:
        value = collector.collect()
        assert_section_shape(collector.name, value)
        emitted = emitted_paths(value, leaves=frozenset({"counts"}))
        assert emitted == set(collector.METRICS), collector.name


def test_all_metric_units() -> None:
    units = all_metric_units()
    assert list(units) == [*ALL_SECTIONS, "gpus", "pressure", "cgroups"]
    assert units["cpu"]["total"] == ("%", "busy time of all logical cores together")
    assert units["network"]["interfaces.rx_bps"][0] == "bytes/s"
    assert units["gpus"]["power_w"][0] == "W"
    for section, table in units.items():
        for metric, (unit, description) in table.items():
            assert unit and description, (section, metric)
    units["cpu"].clear()  # a copy: the classes' tables are untouched
    assert all_metric_units()["cpu"]


def test_collector_classes_have_unique_section_names() -> None:
    names = [cls.name for cls in COLLECTOR_CLASSES]
    assert len(names) == len(set(names))


def test_smoke_with_the_real_psutil() -> None:
    """This host: no GPU, maybe no sensors; every present section has the documented keys."""
    collectors = default_collectors()
    names = {c.name for c in collectors}
    assert set(ALL_SECTIONS) - {"sensors"} <= names <= {*ALL_SECTIONS, "gpus", *KERNEL_SECTIONS}
    registry = CollectorRegistry()
    for collector in collectors:
        registry.register(collector)
    for _ in range(2):
        result = registry.collect_all()
        assert result.failed == []
        for name, value in result.sections.items():
            assert_section_shape(name, value)
    sections = result.sections
    assert sections["system"]["cores_logical"] == psutil.cpu_count()
    assert len(sections["cpu"]["per_core"]) == psutil.cpu_count()
    assert sections["memory"]["total"] == psutil.virtual_memory().total
    assert sections["processes"]["total"] > 0
