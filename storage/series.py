"""Flattening a sample into named numeric series (see docs/sample-format.md, "Flattened series")."""

from __future__ import annotations

import math
from typing import Any

# Lists of records keyed by one of their fields: path -> the field that names the entity.
ENTITY_KEYS: dict[str, str] = {
    "disks.usage": "mount",
    "disks.io": "disk",
    "network.interfaces": "iface",
    "sensors.temperatures": "label",
    "sensors.fans": "label",
    "gpus": "index",
    "cgroups.workloads": "key",
}
# Sections that are identity or snapshots, not numeric series.
NOT_SERIES = {"v", "host", "ts", "seq", "system", "health.failed_collectors"}
SNAPSHOT_KEYS = ("top_cpu", "top_mem")


def flatten(sample: dict[str, Any]) -> dict[str, float]:
    """Every numeric value of ``sample`` by series name; None and NaN values are left out."""
    out: dict[str, float] = {}
    for key, value in sample.items():
        if key not in NOT_SERIES:
            _walk(key, value, out)
    return out


def flatten_part(path: str, value: Any, out: dict[str, float]) -> None:
    """Adds the series of ``value``, found at ``path`` inside a sample, to ``out``, named as
    ``flatten`` names them (for readers that walk only part of a sample)."""
    if path not in NOT_SERIES:
        _walk(path, value, out)


def _walk(path: str, value: Any, out: dict[str, float]) -> None:
    kind = type(value)
    if kind is float:  # the common cases first, by exact type (flattening is per sample)
        if value == value:  # not NaN
            out[path] = value
    elif kind is dict:
        counts = _is_counts(path)
        for key, inner in value.items():
            if key in SNAPSHOT_KEYS:
                continue
            child = f"{path}.{key}"
            if child not in NOT_SERIES:
                _walk(f"{path}[{key}]" if counts else child, inner, out)
    elif kind is list:
        _walk_list(path, value, out)
    elif isinstance(value, bool):
        out[path] = float(value)
    elif isinstance(value, int | float):
        if not (isinstance(value, float) and math.isnan(value)):
            out[path] = float(value)
    elif isinstance(value, dict):
        _walk(path, dict(value), out)
    elif isinstance(value, list):
        _walk_list(path, list(value), out)


def _walk_list(path: str, value: list[Any], out: dict[str, float]) -> None:
    entity_key = ENTITY_KEYS.get(path)
    for position, item in enumerate(value):
        if isinstance(item, dict):
            entity = item.get(entity_key, position) if entity_key else position
            prefix = f"{path}[{entity}]."
            for field, inner in item.items():
                if field != entity_key:
                    _walk(prefix + field, inner, out)
        else:
            _walk(f"{path}[{position}]", item, out)


def _is_counts(path: str) -> bool:
    """Dicts keyed by open-ended names (process states, collector names) are entities too."""
    return path in ("processes.counts", "health.collect_ms")
