"""GpuCollector over a fake NVML; hosts without pynvml, driver or GPU."""

from __future__ import annotations

import sys

import pytest

from collectors.base import CollectorUnavailable
from collectors.gpu import GpuCollector
from tests.collectors.fakes import FakeNvml, NVMLError


def test_cheap_fields_per_gpu() -> None:
    nvml = FakeNvml(gpus=2)
    nvml.names[1] = b"NVIDIA H100 80GB HBM3"  # older pynvml returned bytes
    rows = GpuCollector(nvml).collect()
    assert rows == [
        {"index": 0, "name": "NVIDIA Fake 0", "util_pct": 50.0, "mem_used": 1_000,
         "mem_total": 8_000, "temp_c": 40.0, "power_w": 70.5},
        {"index": 1, "name": "NVIDIA H100 80GB HBM3", "util_pct": 50.0, "mem_used": 1_000,
         "mem_total": 8_000, "temp_c": 40.0, "power_w": 70.5},
    ]  # fmt: skip
    assert set(nvml.temperature_sensors) == {nvml.NVML_TEMPERATURE_GPU}


def test_field_that_fails_for_one_gpu_is_null() -> None:
    nvml = FakeNvml(gpus=2)
    nvml.power_mw[0] = NVMLError("Not Supported")
    nvml.temperature[1] = NVMLError("Not Supported")
    nvml.util[1] = NVMLError("GPU is lost")
    rows = GpuCollector(nvml).collect()
    assert rows[0]["power_w"] is None and rows[0]["temp_c"] == 40.0
    assert rows[1]["temp_c"] is None and rows[1]["util_pct"] is None
    assert rows[1]["power_w"] == 70.5


def test_handles_and_names_are_cached_at_construction() -> None:
    nvml = FakeNvml()
    collector = GpuCollector(nvml)
    nvml.names[0] = NVMLError("would fail now")
    assert collector.collect()[0]["name"] == "NVIDIA Fake 0"


def test_gpu_without_a_handle_is_left_out_and_unnamed_gpu_gets_a_name() -> None:
    nvml = FakeNvml(gpus=3)
    nvml.handle_errors = {1}
    nvml.names[2] = NVMLError("Not Supported")
    rows = GpuCollector(nvml).collect()
    assert [(row["index"], row["name"]) for row in rows] == [(0, "NVIDIA Fake 0"), (2, "GPU 2")]


def test_close_shuts_nvml_down() -> None:
    nvml = FakeNvml()
    GpuCollector(nvml).close()
    assert nvml.shutdowns == 1


def test_no_driver_is_unavailable() -> None:
    nvml = FakeNvml()
    nvml.init_error = NVMLError("NVML Shared Library Not Found")
    with pytest.raises(CollectorUnavailable, match="NVML could not start"):
        GpuCollector(nvml)


def test_no_gpu_is_unavailable_and_shuts_nvml_down() -> None:
    nvml = FakeNvml(gpus=0)
    with pytest.raises(CollectorUnavailable, match="no usable GPU"):
        GpuCollector(nvml)
    assert nvml.shutdowns == 1


def test_failing_count_is_unavailable() -> None:
    nvml = FakeNvml()
    nvml.count = NVMLError("Unknown Error")
    with pytest.raises(CollectorUnavailable, match="count"):
        GpuCollector(nvml)
    assert nvml.shutdowns == 1


def test_missing_pynvml_is_unavailable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "pynvml", None)  # makes `import pynvml` raise ImportError
    with pytest.raises(CollectorUnavailable, match="pynvml"):
        GpuCollector()
