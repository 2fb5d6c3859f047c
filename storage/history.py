"""History queries: any range of a host's series at a resolution a screen can show.

A view picks its source tier (raw, 1m or 1h rollups), reads it, and resamples it into at most
``max_points`` buckets of a "nice" width, keeping each bucket's min, mean and max (see
storage/aggregates.py). Rollups are only complete up to their ``done_until``; the rest of a
range (the last minutes, or everything before the rollup job first ran) is aggregated from the
next finer tier on the fly, so a view is always current.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from sqlalchemy import Connection, select

from storage.aggregates import Aggregates, concat
from storage.raw_reads import raw_layout_ids
from storage.schema import rollups
from storage.store import MetricStore, to_ms
from storage.tiers import (
    FINER,
    HOUR,
    MINUTE,
    RAW,
    Tier,
    ceil_to,
    done_until,
    floor_to,
    host_id,
    next_time,
    oldest,
    stream_stored,
)

MAX_POINTS = 2000
MIN_POINTS = 600  # a rollup tier is used when it still gives this many buckets for the range
TAIL_WINDOW_MS = 6 * 3_600_000  # unrolled tails are aggregated 6 hours at a time
CHUNK_ROWS = 20_000
NICE_STEPS_S = (
    *(1, 2, 5, 10, 15, 30),
    *(60, 120, 300, 600, 900, 1800),
    *(3600, 7200, 10800, 21600, 43200),
    *(86400 * d for d in (1, 2, 7, 14, 28, 56, 91, 182, 364)),
)


class UnknownHost(LookupError):
    """The host has no stored samples."""


@dataclass
class HistoryView:
    """What a history chart draws: ``data`` over ``[start, end]`` (epoch seconds).

    ``source`` is the tier read; ``width_ms`` the bucket width the data was resampled to (0 when
    the points are raw samples, drawn without a band).
    """

    host: str
    start: float
    end: float
    source: Tier
    width_ms: int
    data: Aggregates


def nice_width_ms(span_ms: int, max_points: int, minimum_ms: int) -> int:
    """The smallest nice bucket width (>= ``minimum_ms``) giving at most ``max_points``."""
    needed = max(minimum_ms, math.ceil(span_ms / max_points))
    for step in NICE_STEPS_S:
        if step * 1000 >= needed:
            return step * 1000
    return ceil_to(needed, 86_400_000)


def choose_tier(
    span_ms: int, start_ms: int, coverage: dict[str, int | None], min_points: int = MIN_POINTS
) -> Tier:
    """The coarsest tier that still gives ``min_points`` for the span (raw when none does);
    coarser when the chosen tier's data (``coverage``: oldest time per tier) starts after
    ``start_ms`` and a coarser one reaches further back."""
    order = [HOUR, MINUTE, RAW]
    chosen = next((t for t in order[:-1] if span_ms / t.width_ms >= min_points), RAW)
    position = order.index(chosen)
    while position > 0:
        here, coarser = coverage.get(order[position].name), coverage.get(order[position - 1].name)
        if here is not None and here <= start_ms:
            break
        # Coarser only when it holds data at least one of its buckets further back (a bucket
        # start is floored: an hour bucket "starts" before the first sample in it).
        if coarser is None or (here is not None and coarser + order[position - 1].width_ms > here):
            break
        position -= 1
    return order[position]


class HistoryReader:
    """Reads views and aggregated ranges of one store."""

    def __init__(self, store: MetricStore) -> None:
        self.store = store

    def host_id(self, conn: Connection, host: str) -> int:
        found = host_id(conn, host)
        if found is None:
            raise UnknownHost(host)
        return found

    def coverage(self, conn: Connection, host: int) -> dict[str, int | None]:
        """Per tier, the oldest time it can answer for (finer tiers fill in unrolled ranges)."""
        result: dict[str, int | None] = {}
        finer: int | None = None
        for tier in (RAW, MINUTE, HOUR):
            own = oldest(conn, host, tier)
            candidates = [t for t in (own, finer) if t is not None]
            result[tier.name] = finer = min(candidates) if candidates else None
        return result

    def view(
        self,
        host: str,
        series: Sequence[str],
        start: float,
        end: float,
        *,
        max_points: int = MAX_POINTS,
        min_points: int = MIN_POINTS,
    ) -> HistoryView:
        """``series`` of ``host`` over ``[start, end]`` (epoch seconds), at most ``max_points``
        per series: raw samples when few enough, else min/mean/max buckets."""
        start_ms, end_ms = to_ms(start), to_ms(end) + 1
        span_ms = end_ms - start_ms
        tier, data = self.tier_data(host, series, start, end, min_points)
        points = len(data) if tier is RAW else span_ms / tier.width_ms
        if points <= max_points:
            return HistoryView(host, start, end, tier, tier.width_ms, data)
        width = nice_width_ms(span_ms, max_points, tier.width_ms or 1)
        return HistoryView(host, start, end, tier, width, data.bucket(width))

    def tier_data(
        self,
        host: str,
        series: Sequence[str],
        start: float,
        end: float,
        min_points: int = MIN_POINTS,
    ) -> tuple[Tier, Aggregates]:
        """``series`` of ``host`` over ``[start, end]`` as the tier a view of that range reads
        holds them (raw samples, or every 1-minute or 1-hour bucket overlapping the range), not
        resampled."""
        start_ms, end_ms = to_ms(start), to_ms(end) + 1
        self.store.ensure_schema()
        with self.store.engine.connect() as conn:
            hid = self.host_id(conn, host)
            tier = choose_tier(end_ms - start_ms, start_ms, self.coverage(conn, hid), min_points)
            parts = list(self.iter_tier(conn, hid, tier, start_ms, end_ms, series))
        return tier, concat(parts, series, tier.width_ms)

    def auto_tier(self, host: str, start: float, end: float) -> Tier:
        """The tier ``view`` would read for this range."""
        self.store.ensure_schema()
        with self.store.engine.connect() as conn:
            hid = self.host_id(conn, host)
            return choose_tier(
                to_ms(end) + 1 - to_ms(start), to_ms(start), self.coverage(conn, hid)
            )

    def iter_tier(
        self,
        conn: Connection,
        host: int,
        tier: Tier,
        start_ms: int,
        end_ms: int,
        wanted: Sequence[str] | None,
        chunk_rows: int = CHUNK_ROWS,
    ) -> Iterator[Aggregates]:
        """Time-ordered chunks of ``tier`` for ``[start_ms, end_ms)``; for rollup tiers, every
        bucket overlapping the range, stored ones first, then the rest built from finer tiers."""
        if tier is RAW:
            yield from stream_stored(
                conn, self.store, host, RAW, start_ms, end_ms, wanted, chunk_rows
            )
            return
        width = tier.width_ms
        first, last = floor_to(start_ms, width), ceil_to(end_ms, width)
        done = done_until(conn, host, tier)
        stored_end = min(last, done) if done is not None else first
        if stored_end > first:
            yield from stream_stored(
                conn, self.store, host, tier, first, stored_end, wanted, chunk_rows
            )
        lo = max(first, stored_end)
        while lo < last:
            nxt = self.next_data(conn, host, FINER[tier.name], lo)  # skip empty stretches
            if nxt is None or nxt >= last:
                return
            lo = max(lo, floor_to(nxt, width))
            hi = min(last, floor_to(lo, TAIL_WINDOW_MS) + TAIL_WINDOW_MS)
            parts = list(self.iter_tier(conn, host, FINER[tier.name], lo, hi, wanted, chunk_rows))
            names = wanted if wanted is not None else sorted({n for p in parts for n in p.names})
            chunk = concat(parts, names, 0).bucket(width)
            if len(chunk):
                yield chunk
            lo = hi

    def next_data(self, conn: Connection, host: int, tier: Tier, at_or_after: int) -> int | None:
        """The first time at or after ``at_or_after`` that ``tier`` or a finer one holds data."""
        found = [next_time(conn, host, tier, at_or_after)]
        while tier.name in FINER:
            tier = FINER[tier.name]
            found.append(next_time(conn, host, tier, at_or_after))
        times = [t for t in found if t is not None]
        return min(times) if times else None

    def series_names(self, host: str) -> list[str]:
        """Every series stored for ``host``: layouts of its 1h rollups, of the 1m rollups not
        yet in 1h, and of the raw samples (rows and blocks) not yet in 1m."""
        self.store.ensure_schema()
        with self.store.engine.connect() as conn:
            hid = self.host_id(conn, host)
            done_minute = done_until(conn, hid, MINUTE)
            done_hour = done_until(conn, hid, HOUR)
            layout_ids: set[int] = set()
            for tier, since in ((HOUR, None), (MINUTE, done_hour)):
                query = (
                    select(rollups.c.layout_id)
                    .distinct()
                    .where(rollups.c.host_id == hid, rollups.c.tier == tier.code)
                )
                if since is not None:
                    query = query.where(rollups.c.bucket >= since)
                layout_ids.update(conn.execute(query).scalars())
            layout_ids.update(raw_layout_ids(conn, hid, done_minute))
            by_layout = self.store.layout_names(conn, layout_ids)
        return sorted({n for names in by_layout.values() for n in names})
