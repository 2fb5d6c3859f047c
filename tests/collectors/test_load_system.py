"""LoadCollector and SystemCollector."""

from __future__ import annotations

import pytest

from collectors.base import CollectorUnavailable
from collectors.load import LoadCollector
from collectors.system import SystemCollector, platform_name
from tests.collectors.fakes import FakePsutil


def test_load_averages_and_run_queue() -> None:
    collector = LoadCollector(FakePsutil(), read_loadavg=lambda: "0.50 0.25 0.12 3/139 8966\n")
    assert collector.collect() == {"load1": 0.5, "load5": 0.25, "load15": 0.12, "run_queue": 3}


def unreadable() -> str:
    raise FileNotFoundError("/proc/loadavg")


@pytest.mark.parametrize(
    "reader", [unreadable, lambda: "", lambda: "0.1 0.2 0.3 x/139"], ids=["missing", "empty", "bad"]
)
def test_run_queue_is_null_when_unavailable(reader: object) -> None:
    sample = LoadCollector(FakePsutil(), read_loadavg=reader).collect()  # type: ignore[arg-type]
    assert sample["run_queue"] is None
    assert sample["load1"] == 0.5


def test_platform_without_getloadavg_is_unavailable() -> None:
    fake = FakePsutil()
    fake.missing = {"getloadavg"}
    with pytest.raises(CollectorUnavailable):
        LoadCollector(fake)


def test_system_identity_and_uptime() -> None:
    fake = FakePsutil()
    now = [fake.boot + 3600.0]
    collector = SystemCollector(
        fake, hostname=lambda: "web-1", wall_clock=lambda: now[0], os_name=lambda: "Linux 6.1.0"
    )
    assert collector.collect() == {
        "hostname": "web-1",
        "os": "Linux 6.1.0",
        "boot_time": 1_700_000_000.0,
        "uptime_s": 3600.0,
        "cores_logical": 8,
        "cores_physical": 4,
    }
    now[0] += 1.5
    assert collector.collect()["uptime_s"] == 3601.5


def test_uptime_never_negative_and_unknown_physical_cores_null() -> None:
    fake = FakePsutil()
    fake.physical_cores = None  # psutil cannot tell on some hosts
    collector = SystemCollector(fake, wall_clock=lambda: fake.boot - 5.0)
    sample = collector.collect()
    assert sample["uptime_s"] == 0.0
    assert sample["cores_physical"] is None


def test_default_os_name_is_system_and_release() -> None:
    import platform

    assert platform_name() == f"{platform.system()} {platform.release()}"
