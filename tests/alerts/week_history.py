"""Generated 1 Hz-style CPU history whose firings are known by hand (``alerts test``, the trial
API and the trial panel's browser test share it)."""

from __future__ import annotations

from storage.store import MetricStore

DAY = 86400
RULE = """
[[rule]]
name = "hot"
series = "cpu.total"
warn = 80
for = "1m"
clear = 70
"""


def cpu_at(offset: int) -> float:
    """10 % with, each day, a 300 s burst at 90 % from 03:00 (fires after 60 s, resolves when it
    ends: 240 s) and, every 6 h, a 30 s blip at 95 % (shorter than ``for``: never fires)."""
    in_day = offset % DAY
    if 3 * 3600 <= in_day < 3 * 3600 + 300:
        return 90.0
    if in_day % (6 * 3600) < 30:
        return 95.0
    return 10.0


def write_history(
    store: MetricStore, host: str, start: int, days: float, *, step: int = 1,
    cores: int | None = None,
) -> int:  # fmt: skip
    """Writes ``cpu_at`` for ``host`` from ``start`` (epoch seconds, offsets relative to it)
    every ``step`` seconds for ``days``; returns the number of samples. ``step`` must divide
    60 for the firings to stay 240 s each. ``cores``: a system section saying so."""
    system = {} if cores is None else {"system": {"hostname": host, "cores_logical": cores}}
    batch: list[dict] = []
    offsets = range(0, round(days * DAY), step)
    for offset in offsets:
        ts = float(start + offset)
        batch.append({"host": host, "ts": ts, "cpu": {"total": cpu_at(offset)}, **system})
        if len(batch) == 20_000:
            store.write_batch(batch)
            batch = []
    store.write_batch(batch)
    return len(offsets)
