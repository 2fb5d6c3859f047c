"""SensorsCollector: temperatures, fans, battery; hosts without any of them."""

from __future__ import annotations

import pytest

from collectors.base import CollectorUnavailable
from collectors.sensors import SensorsCollector
from tests.collectors.fakes import (
    POWER_TIME_UNKNOWN,
    POWER_TIME_UNLIMITED,
    FakePsutil,
    sbattery,
    sfan,
    shwtemp,
)


def test_labels_readings_and_battery() -> None:
    fake = FakePsutil()
    fake.temperatures = {
        "coretemp": [shwtemp("Package id 0", 45.0, 80.0, 100.0), shwtemp("Core 0", 44.0, 80.0,
                     100.0)],
        "acpitz": [shwtemp("", 27.8, None, None), shwtemp("", 29.8, None, None)],
    }  # fmt: skip
    fake.fans = {"thinkpad": [sfan("fan1", 2100)]}
    fake.battery = sbattery(80.0, 5400, False)

    sample = SensorsCollector(fake).collect()

    assert sample["temperatures"] == [
        {"label": "coretemp/Package id 0", "current": 45.0, "high": 80.0, "critical": 100.0},
        {"label": "coretemp/Core 0", "current": 44.0, "high": 80.0, "critical": 100.0},
        {"label": "acpitz/acpitz 0", "current": 27.8, "high": None, "critical": None},
        {"label": "acpitz/acpitz 1", "current": 29.8, "high": None, "critical": None},
    ]
    assert sample["fans"] == [{"label": "thinkpad/fan1", "rpm": 2100}]
    assert sample["battery"] == {"percent": 80.0, "plugged": False, "secs_left": 5400}


def test_repeated_labels_are_made_unique() -> None:
    fake = FakePsutil()  # two NVMe drives both report "nvme"/"Composite"
    fake.temperatures = {"nvme": [shwtemp("Composite", 40.0, 80.0, 85.0)] * 2}
    labels = [row["label"] for row in SensorsCollector(fake).collect()["temperatures"]]
    assert labels == ["nvme/Composite", "nvme/Composite #2"]


@pytest.mark.parametrize("secsleft", [POWER_TIME_UNKNOWN, POWER_TIME_UNLIMITED, None])
def test_battery_without_estimate_has_null_secs_left(secsleft: int | None) -> None:
    fake = FakePsutil()
    fake.battery = sbattery(100.0, secsleft, True)
    assert SensorsCollector(fake).collect()["battery"] == {
        "percent": 100.0, "plugged": True, "secs_left": None,
    }  # fmt: skip


def test_host_without_sensors_gives_empty_lists_and_no_battery() -> None:
    fake = FakePsutil()  # Linux VM: functions exist, nothing to report
    assert SensorsCollector(fake).collect() == {"temperatures": [], "fans": [], "battery": None}


def test_missing_functions_give_empty_parts() -> None:
    fake = FakePsutil()
    fake.missing = {"sensors_temperatures", "sensors_fans"}  # e.g. Windows: battery only
    fake.battery = sbattery(50.0, 100, False)
    sample = SensorsCollector(fake).collect()
    assert sample["temperatures"] == [] and sample["fans"] == []
    assert sample["battery"]["percent"] == 50.0


def test_failing_functions_give_empty_parts_not_errors() -> None:
    fake = FakePsutil()
    fake.temperatures = OSError("hwmon went away")
    fake.fans = RuntimeError("weird sysfs")
    fake.battery = PermissionError("denied")
    assert SensorsCollector(fake).collect() == {"temperatures": [], "fans": [], "battery": None}


def test_none_answers_give_empty_parts() -> None:
    fake = FakePsutil()
    fake.temperatures = None
    fake.fans = None
    assert SensorsCollector(fake).collect() == {"temperatures": [], "fans": [], "battery": None}


def test_platform_without_any_sensor_function_is_unavailable() -> None:
    fake = FakePsutil()
    fake.missing = {"sensors_temperatures", "sensors_fans", "sensors_battery"}
    with pytest.raises(CollectorUnavailable, match="no sensor functions"):
        SensorsCollector(fake)
