"""Rendering samples in the Prometheus text exposition format (version 0.0.4)."""

from __future__ import annotations

import json
import re
from collections import defaultdict
from collections.abc import Iterable, Mapping

from app.hub import Message
from storage.series import flatten

PREFIX = "monitor_"
_INVALID = re.compile(r"[^a-zA-Z0-9_]")
_ENTITY = re.compile(r"\[([^\]]*)\]")


def metric_name(series: str) -> tuple[str, str | None]:
    """``disks.io[sda].read_bps`` -> (``monitor_disks_io_read_bps``, ``sda``)."""
    entity = _ENTITY.search(series)
    bare = _ENTITY.sub("", series)
    return PREFIX + _INVALID.sub("_", bare), entity.group(1) if entity else None


def _label(value: str) -> str:
    return value.replace("\\", "\\\\").replace("\n", "\\n").replace('"', '\\"')


def render(latest: Iterable[Message], local: Mapping[str, float]) -> str:
    """Gauges of every host's newest sample (labelled ``host`` and, per entity, ``entity``),
    ``monitor_sample_timestamp_seconds`` per host, and this process's own ``local`` figures."""
    families: dict[str, list[str]] = defaultdict(list)
    for message in latest:
        host = _label(message.host)
        families[PREFIX + "sample_timestamp_seconds"].append(
            f'{PREFIX}sample_timestamp_seconds{{host="{host}"}} {message.ts}'
        )
        for series, value in flatten(json.loads(message.payload)).items():
            name, entity = metric_name(series)
            labels = f'host="{host}"' + (f',entity="{_label(entity)}"' if entity else "")
            families[name].append(f"{name}{{{labels}}} {value!r}")
    for key, value in local.items():
        name = PREFIX + "process_" + _INVALID.sub("_", key)
        families[name].append(f"{name} {float(value)!r}")
    lines: list[str] = []
    for name in sorted(families):
        lines.append(f"# TYPE {name} gauge")
        lines.extend(families[name])
    return "\n".join(lines) + "\n"
