"""Reading a range of stored top-process snapshots, in time order, a chunk at a time."""

from __future__ import annotations

import json
import zlib
from collections.abc import Iterator
from typing import Any

from sqlalchemy import select

from storage.schema import hosts, process_snapshots
from storage.store import MetricStore, to_ms

CHUNK = 2000


def iter_snapshots(
    store: MetricStore, host: str, start: float, end: float, *, previous: bool = False
) -> Iterator[tuple[float, dict[str, Any]]]:
    """``(ts, {"top_cpu": [...], "top_mem": [...]})`` of ``host`` in ``[start, end)``, oldest
    first (epoch seconds), and with ``previous`` the last one before ``start`` first (what
    was running as the range began); nothing for an unknown host."""
    c = process_snapshots.c
    store.ensure_schema()
    with store.engine.connect() as conn:
        host_id = conn.execute(select(hosts.c.id).where(hosts.c.name == host)).scalar()
        if host_id is None:
            return
        after, last = to_ms(start) - 1, to_ms(end)
        if previous:
            before = conn.execute(
                select(c.ts, c.data)
                .where(c.host_id == host_id, c.ts <= after)
                .order_by(c.ts.desc())
                .limit(1)
            ).first()
            if before is not None:
                yield before.ts / 1000, json.loads(zlib.decompress(before.data))
        while True:
            rows = conn.execute(
                select(c.ts, c.data)
                .where(c.host_id == host_id, c.ts > after, c.ts < last)
                .order_by(c.ts)
                .limit(CHUNK)
            ).all()
            for ts, data in rows:
                yield ts / 1000, json.loads(zlib.decompress(data))
            if len(rows) < CHUNK:
                return
            after = rows[-1].ts
