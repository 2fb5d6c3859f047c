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
# Sections whose second part is a label, not part of the name: ``pressure.cpu.some_pct`` is
# ``monitor_pressure_some_pct{resource="cpu"}``.
LABEL_PARTS = {"pressure": "resource"}
# Entity lists whose rows lend string fields as labels: a workload's kind and name.
ENTITY_LABELS = {"cgroups.workloads": ("key", ("kind", "name"))}


def metric_name(series: str) -> tuple[str, str | None]:
    """``disks.io[sda].read_bps`` -> (``monitor_disks_io_read_bps``, ``sda``)."""
    entity = _ENTITY.search(series)
    bare = _ENTITY.sub("", series)
    return PREFIX + _INVALID.sub("_", bare), entity.group(1) if entity else None


def _label(value: str) -> str:
    return value.replace("\\", "\\\\").replace("\n", "\\n").replace('"', '\\"')


def _entity_labels(sample: Mapping[str, object]) -> dict[str, str]:
    """``{"cgroups.workloads[docker/web]": ',kind="docker",name="web"'}`` for the rows of
    ``ENTITY_LABELS`` lists in ``sample``."""
    out: dict[str, str] = {}
    for path, (key, fields) in ENTITY_LABELS.items():
        section, _, part = path.partition(".")
        rows = sample.get(section)
        rows = rows.get(part) if isinstance(rows, dict) else None
        for row in rows if isinstance(rows, list) else ():
            if isinstance(row, dict) and row.get(key) is not None:
                labels = (f',{f}="{_label(str(row[f]))}"' for f in fields if row.get(f) is not None)
                out[f"{path}[{row[key]}]"] = "".join(labels)
    return out


def _labelled(series: str, host: str, extra: Mapping[str, str]) -> tuple[str, str]:
    """A series' metric name and its labels (host, entity, and what the section adds)."""
    section, _, rest = series.partition(".")
    if section in LABEL_PARTS and "." in rest:
        part, _, tail = rest.partition(".")
        name, _ = metric_name(f"{section}.{tail}")
        return name, f'host="{host}",{LABEL_PARTS[section]}="{_label(part)}"'
    name, entity = metric_name(series)
    labels = f'host="{host}"'
    if entity is not None:
        labels += f',entity="{_label(entity)}"' + extra.get(series[: series.rindex("]") + 1], "")
    return name, labels


def render(latest: Iterable[Message], local: Mapping[str, float]) -> str:
    """Gauges of every host's newest sample (labelled ``host`` and, per entity, ``entity``;
    workloads also ``kind`` and ``name``, pressure ``resource``),
    ``monitor_sample_timestamp_seconds`` per host, and this process's own ``local`` figures."""
    families: dict[str, list[str]] = defaultdict(list)
    for message in latest:
        host = _label(message.host)
        families[PREFIX + "sample_timestamp_seconds"].append(
            f'{PREFIX}sample_timestamp_seconds{{host="{host}"}} {message.ts}'
        )
        sample = json.loads(message.payload)
        extra = _entity_labels(sample)
        for series, value in flatten(sample).items():
            name, labels = _labelled(series, host, extra)
            families[name].append(f"{name}{{{labels}}} {value!r}")
    for key, value in local.items():
        name = PREFIX + "process_" + _INVALID.sub("_", key)
        families[name].append(f"{name} {float(value)!r}")
    lines: list[str] = []
    for name in sorted(families):
        lines.append(f"# TYPE {name} gauge")
        lines.extend(families[name])
    return "\n".join(lines) + "\n"
