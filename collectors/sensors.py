"""Hardware sensors: temperatures, fans and the battery."""

from __future__ import annotations

from types import ModuleType
from typing import Any

import psutil

from collectors._common import optional_call
from collectors.base import CollectorUnavailable, MetricTable

_SENSOR_FUNCTIONS = ("sensors_temperatures", "sensors_fans", "sensors_battery")


class SensorsCollector:
    """Temperatures, fans and battery, each optional.

    Each psutil function may be missing on this platform, raise, or return ``{}``/None: that part
    is then an empty list (battery: null), which is normal and never an error. Only when psutil
    has none of the three functions is the whole collector unavailable (CollectorUnavailable).
    Labels are ``"chip/label"``; an empty label falls back to ``"chip/chip N"`` (N = index within
    the chip) and a repeated one gets ``" #2"``, ``" #3"``... so every label is unique.
    """

    name = "sensors"
    METRICS: MetricTable = {
        "temperatures.label": ("text", "chip/sensor"),
        "temperatures.current": ("°C", "current temperature"),
        "temperatures.high": ("°C", "high threshold (null when unknown)"),
        "temperatures.critical": ("°C", "critical threshold (null when unknown)"),
        "fans.label": ("text", "chip/fan"),
        "fans.rpm": ("rpm", "fan speed"),
        "battery.percent": ("%", "charge left"),
        "battery.plugged": ("bool", "on AC power (null when unknown)"),
        "battery.secs_left": ("s", "time left on battery (null when unknown or plugged in)"),
    }

    def __init__(self, psutil_module: ModuleType | Any = psutil) -> None:
        functions = [getattr(psutil_module, name, None) for name in _SENSOR_FUNCTIONS]
        if not any(functions):
            raise CollectorUnavailable("psutil has no sensor functions on this platform")
        self._temperatures, self._fans, self._battery = functions

    def collect(self) -> dict[str, Any]:
        """Whatever sensors answer now; never raises for missing or failing sensors."""
        temperatures = [
            {"label": label, "current": entry.current, "high": entry.high,
             "critical": entry.critical}
            for label, entry in _labelled(optional_call(self._temperatures))
        ]  # fmt: skip
        fans = [
            {"label": label, "rpm": entry.current}
            for label, entry in _labelled(optional_call(self._fans))
        ]
        return {"temperatures": temperatures, "fans": fans, "battery": self._read_battery()}

    def _read_battery(self) -> dict[str, Any] | None:
        battery = optional_call(self._battery)
        if battery is None:
            return None
        secs_left = battery.secsleft
        # psutil's POWER_TIME_UNKNOWN (-1) and POWER_TIME_UNLIMITED (-2) mean "no estimate".
        return {
            "percent": float(battery.percent),
            "plugged": battery.power_plugged,
            "secs_left": None if secs_left is None or secs_left < 0 else int(secs_left),
        }


def _labelled(readings: Any) -> list[tuple[str, Any]]:
    """(unique "chip/label", entry) for each entry of a psutil ``{chip: [entries]}`` answer."""
    if not isinstance(readings, dict):
        return []
    labelled: list[tuple[str, Any]] = []
    used: dict[str, int] = {}
    for chip, entries in readings.items():
        for index, entry in enumerate(entries or ()):
            label = f"{chip}/{entry.label or f'{chip} {index}'}"
            used[label] = used.get(label, 0) + 1
            if used[label] > 1:
                label = f"{label} #{used[label]}"
            labelled.append((label, entry))
    return labelled
