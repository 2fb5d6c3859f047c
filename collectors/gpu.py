"""NVIDIA GPUs through NVML (the optional ``nvidia-ml-py`` package, imported as ``pynvml``)."""

from __future__ import annotations

import contextlib
import importlib
from collections.abc import Callable
from types import ModuleType
from typing import Any

from collectors.base import CollectorUnavailable, MetricTable


def _import_pynvml() -> ModuleType:
    try:
        return importlib.import_module("pynvml")
    except ImportError as error:
        raise CollectorUnavailable(f"nvidia-ml-py (pynvml) is not installed: {error}") from error


class GpuCollector:
    """Utilisation, memory, temperature and power of each NVIDIA GPU.

    ``collect()`` returns the list that goes under the sample's ``gpus`` key. Only NVML's cheap
    queries are made (about 15 µs per GPU together); a query that fails for one GPU gives null
    for that field. Handles and names are cached by the constructor, which raises
    CollectorUnavailable when pynvml is missing, NVML cannot start (no driver), or there is no GPU.
    ``nvml`` is the pynvml module (injected by tests); None imports the real one.
    """

    name = "gpus"
    METRICS: MetricTable = {
        "index": ("index", "NVML device index"),
        "name": ("text", "product name"),
        "util_pct": ("%", "share of time a kernel was running"),
        "mem_used": ("bytes", "device memory in use"),
        "mem_total": ("bytes", "device memory"),
        "temp_c": ("°C", "GPU die temperature"),
        "power_w": ("W", "power draw"),
    }

    def __init__(self, nvml: ModuleType | Any = None) -> None:
        self._nvml = nvml if nvml is not None else _import_pynvml()
        try:
            self._nvml.nvmlInit()
        except Exception as error:
            message = f"NVML could not start (no NVIDIA driver?): {error}"
            raise CollectorUnavailable(message) from error
        try:
            self._devices = self._open_devices()
        except Exception:
            self.close()
            raise

    def _open_devices(self) -> list[tuple[int, str, Any]]:
        """(index, name, handle) of each GPU whose handle NVML gives out."""
        nvml = self._nvml
        try:
            count = nvml.nvmlDeviceGetCount()
        except Exception as error:
            raise CollectorUnavailable(f"NVML could not count GPUs: {error}") from error
        devices = []
        for index in range(count):
            try:
                handle = nvml.nvmlDeviceGetHandleByIndex(index)
            except nvml.NVMLError:
                continue  # e.g. a GPU that fell off the bus; the others still count
            name = self._query(nvml.nvmlDeviceGetName, handle)
            if isinstance(name, bytes):  # older pynvml returned bytes
                name = name.decode(errors="replace")
            devices.append((index, name or f"GPU {index}", handle))
        if not devices:
            raise CollectorUnavailable("NVML reports no usable GPU")
        return devices

    def collect(self) -> list[dict[str, Any]]:
        """One row per GPU, in NVML index order."""
        nvml = self._nvml
        rows = []
        for index, name, handle in self._devices:
            utilization = self._query(nvml.nvmlDeviceGetUtilizationRates, handle)
            memory = self._query(nvml.nvmlDeviceGetMemoryInfo, handle)
            temperature = self._query(
                nvml.nvmlDeviceGetTemperature, handle, nvml.NVML_TEMPERATURE_GPU
            )
            power_mw = self._query(nvml.nvmlDeviceGetPowerUsage, handle)
            rows.append(
                {
                    "index": index,
                    "name": name,
                    "util_pct": None if utilization is None else float(utilization.gpu),
                    "mem_used": None if memory is None else memory.used,
                    "mem_total": None if memory is None else memory.total,
                    "temp_c": None if temperature is None else float(temperature),
                    "power_w": None if power_mw is None else power_mw / 1000.0,
                }
            )
        return rows

    def close(self) -> None:
        """Shuts NVML down; errors are ignored (the process is usually ending)."""
        with contextlib.suppress(Exception):
            self._nvml.nvmlShutdown()

    def _query(self, function: Callable[..., Any], *args: Any) -> Any:
        """``function(*args)``, or None when NVML answers with an error for this device."""
        try:
            return function(*args)
        except self._nvml.NVMLError:
            return None
