"""What the ``hosts`` table keeps of each host besides its name: its newest sample's "system"
section and, beside it, the interval its samples said they were taken at, so that a host known
from the database alone (an agent on the same SQLite file, a host whose relay is silent) is
judged "reporting" against its own interval, not the reader's (``app.hub.reporting``)."""

from __future__ import annotations

import json
from typing import Any

INTERVAL_KEY = "_interval_s"  # in the stored JSON, beside the system section's own keys


def info_text(sample: dict[str, Any]) -> str:
    """The ``hosts.info`` JSON of ``sample``: its system section and its interval."""
    system = dict(sample.get("system") or {})
    interval = (sample.get("health") or {}).get("interval_s")
    if isinstance(interval, int | float) and interval > 0:
        system[INTERVAL_KEY] = interval
    return json.dumps(system, separators=(",", ":"), sort_keys=True)


def record(info: str, last_ts_ms: int) -> dict[str, Any]:
    """``{"system", "last_ts" (s), "interval_s" (None when the samples did not say)}``."""
    system = json.loads(info)
    interval = system.pop(INTERVAL_KEY, None)
    return {"system": system, "last_ts": last_ts_ms / 1000, "interval_s": interval}
