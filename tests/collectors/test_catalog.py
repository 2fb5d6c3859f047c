"""The metric catalogue (labels, units, groups of stored series) and units written one way."""

from __future__ import annotations

import math

import pytest

from app.runtime.sampler import Sampler
from collectors import all_metric_units
from collectors.catalog import HEALTH_METRICS, LABELS, catalog, describe, split
from collectors.registry import CollectorRegistry
from collectors.units import format_value, scaled_unit
from storage.series import flatten
from storage.writer import StorageWriter
from tests.support.samples import make_sample

# Metrics that are not numeric series: identity, names, and the top-process snapshots.
NOT_SERIES_UNITS = {"text", "id", "index"}


def test_series_names_are_labelled_with_unit_and_group() -> None:
    disk = describe("disks.io[vda].read_bps")
    assert (disk.label, disk.unit, disk.symbol, disk.group) == (
        "Disk vda · read",
        "bytes/s",
        "B/s",
        "Disks",
    )
    assert describe("cpu.total").label == "CPU · total" and describe("cpu.total").symbol == "%"
    assert describe("cpu.per_core[3]").label == "CPU core 3"
    assert describe("health.collect_ms[cpu]").label == "Collect time · cpu"
    assert describe("health.collect_ms[cpu]").unit == "ms"
    mount = describe("disks.usage[/mnt/a.b].percent")  # an entity may hold dots
    assert mount.label == "Filesystem /mnt/a.b · in use" and mount.unit == "%"
    sensor = describe("sensors.temperatures[coretemp/Package id 0].current")
    assert sensor.label == "Temperature coretemp/Package id 0" and sensor.symbol == "°C"
    assert describe("gpus[0].util_pct").label == "GPU 0 · busy"
    assert split("network.interfaces[eth0].rx_bps") == ("network", "interfaces.rx_bps", "eth0")
    unknown = describe("plugin.thing[x]")
    assert (unknown.label, unknown.unit, unknown.group) == ("plugin.thing[x]", "", "Other")
    assert "Disks" in disk.search and "vda" in disk.search and "B/s" in disk.search


def test_every_numeric_metric_the_collectors_declare_has_a_label() -> None:
    declared = {
        f"{section}.{metric}"
        for section, table in {**all_metric_units(), "health": HEALTH_METRICS}.items()
        for metric, (unit, _description) in table.items()
        if unit not in NOT_SERIES_UNITS
        and section != "system"  # identity, not series (storage.series.NOT_SERIES)
        and not metric.startswith(("top_cpu.", "top_mem."))  # snapshots
    }
    assert declared - set(LABELS) == set()
    assert set(LABELS) - declared == set()


def test_every_series_of_a_sample_is_described() -> None:
    names = list(flatten(make_sample(1)))
    infos = catalog(names)
    assert sorted(i.name for i in infos) == sorted(names)
    unlabelled = [i.name for i in infos if i.label == i.name or not i.unit]
    assert unlabelled == []
    groups = [i.group for i in infos]
    assert groups.index("CPU") < groups.index("Memory") < groups.index("Monitor health")
    cores = catalog(["cpu.per_core[10]", "cpu.per_core[2]", "cpu.total"])
    assert [i.label for i in cores] == ["CPU · total", "CPU core 2", "CPU core 10"]


@pytest.mark.parametrize(
    ("value", "unit", "text"),
    [
        (512, "bytes", "512 B"),
        (1536, "bytes", "1.50 KiB"),
        (3_000_000, "bytes/s", "2.86 MiB/s"),
        (300 * 1024**2, "bytes/s", "300 MiB/s"),
        (12.345, "%", "12.3 %"),
        (3, "processes", "3 processes"),
        (15000.0, "1/s", "15,000 /s"),
        (0.4, "ms", "0.40 ms"),
        (45.25, "°C", "45.2 °C"),
        (1.0, "bool", "yes"),
        (None, "%", "–"),
        (math.nan, "bytes", "–"),
    ],
)
def test_units_are_written_one_way(value: float | None, unit: str, text: str) -> None:
    assert format_value(value, unit) == text


def test_scaled_units_pick_the_binary_multiple() -> None:
    assert scaled_unit("bytes/s", 5 * 1024**2) == (1024.0**2, "MiB/s")
    assert scaled_unit("bytes", 100) == (1.0, "B")
    assert scaled_unit("%", 1e9) == (1.0, "%")
    assert scaled_unit("1/s", 10) == (1.0, "/s")


def test_every_number_the_sampler_and_the_writer_report_in_health_is_declared() -> None:
    health = Sampler(CollectorRegistry(), host="h", interval=1).tick()["health"]
    health.update(StorageWriter(object(), batch_interval=3600).health())  # type: ignore[arg-type]
    health["alerts_rev"] = 0  # the alert service's provider (tests/alerts/test_revision_health)
    numbers = {k for k, v in health.items() if isinstance(v, int | float | dict)}
    assert numbers - set(HEALTH_METRICS) == set()
