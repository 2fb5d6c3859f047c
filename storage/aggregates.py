"""Per-bucket aggregates (count, min, mean, max of each series) and how they combine.

The one representation behind rollups, history views and aggregated CSV export: raw samples
are aggregates of one sample each (count 1, or 0 where the value is missing), and buckets of any
width combine exactly: counts add, minima take the minimum, maxima the maximum, and means are
weighted by their counts. So a min-max band drawn from 1-hour buckets built from 1-minute
buckets shows every spike that a raw sample had.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from operator import itemgetter
from typing import TYPE_CHECKING, Any

import numpy as np

from storage.store import FLOAT

if TYPE_CHECKING:  # pandas is imported when a frame is first built, not at start
    import pandas as pd

STATS = ("min", "mean", "max", "count")


@dataclass
class Aggregates:
    """Rows of ``ts`` (int64 epoch ms: sample times, or bucket starts) by columns ``names``.

    ``count`` holds the number of values behind each cell (0 where there were none; min, mean
    and max are NaN there). ``width_ms`` is the bucket width, 0 for raw samples.
    """

    names: list[str]
    ts: np.ndarray
    count: np.ndarray
    min: np.ndarray
    mean: np.ndarray
    max: np.ndarray
    width_ms: int = 0

    def __len__(self) -> int:
        return int(self.ts.size)

    @classmethod
    def empty(cls, names: Sequence[str], width_ms: int = 0) -> Aggregates:
        shape = (0, len(names))
        return cls(
            list(names),
            np.empty(0, dtype=np.int64),
            np.empty(shape),
            np.empty(shape),
            np.empty(shape),
            np.empty(shape),
            width_ms,
        )

    @classmethod
    def from_values(cls, names: Sequence[str], ts: np.ndarray, values: np.ndarray) -> Aggregates:
        """Raw samples: every value is its own min, mean and max; NaN counts 0."""
        count = (~np.isnan(values)).astype(FLOAT)
        return cls(list(names), np.asarray(ts, dtype=np.int64), count, values, values, values, 0)

    def from_frame(cls, frame: pd.DataFrame) -> Aggregates:
        """Raw samples from a ``MetricStore.read_frame`` DataFrame (UTC index, one column each)."""
        ts = frame.index.as_unit("ms").asi8 if len(frame) else np.empty(0, dtype=np.int64)
        return cls.from_values(list(frame.columns), ts, frame.to_numpy(dtype=FLOAT))

    def select(self, names: Sequence[str]) -> Aggregates:
        """The columns ``names`` in that order; a name not held becomes an empty column."""
        if list(names) == self.names:
            return self
        index = {name: i for i, name in enumerate(self.names)}
        rows = len(self)

        def pick(matrix: np.ndarray, fill: float) -> np.ndarray:
            out = np.full((rows, len(names)), fill)
            for column, name in enumerate(names):
                if name in index:
                    out[:, column] = matrix[:, index[name]]
            return out

        return Aggregates(
            list(names),
            self.ts,
            pick(self.count, 0.0),
            pick(self.min, np.nan),
            pick(self.mean, np.nan),
            pick(self.max, np.nan),
            self.width_ms,
        )

    def rows(self, keep: np.ndarray) -> Aggregates:
        """The rows where the boolean mask ``keep`` is true (raw samples' one matrix of
        values stays one)."""
        if self.raw_values():
            values = self.mean[keep]
            return Aggregates(
                self.names, self.ts[keep], self.count[keep], values, values, values, self.width_ms
            )
        return Aggregates(
            self.names, self.ts[keep], self.count[keep], self.min[keep], self.mean[keep],
            self.max[keep], self.width_ms,
        )  # fmt: skip

    def raw_values(self) -> bool:
        """Whether min, mean and max are the one matrix of raw samples' values."""
        return self.min is self.mean and self.max is self.mean

    def bucket(self, width_ms: int) -> Aggregates:
        """Combines rows into epoch-aligned buckets of ``width_ms`` (rows must be time-sorted).

        Only buckets holding at least one row are returned. Exact for min, max and count; the
        mean is the count-weighted mean of the row means.
        """
        if width_ms <= 0:
            return self
        if len(self) == 0:
            return Aggregates.empty(self.names, width_ms)
        keys = self.ts - np.mod(self.ts, width_ms)
        starts = np.flatnonzero(np.concatenate(([True], keys[1:] != keys[:-1])))
        count = np.add.reduceat(self.count, starts, axis=0)
        weighted = np.where(self.count > 0, self.mean * self.count, 0.0)
        total = np.add.reduceat(weighted, starts, axis=0)
        with np.errstate(invalid="ignore", divide="ignore"):
            mean = np.where(count > 0, total / count, np.nan)
        with np.errstate(invalid="ignore"):
            low = np.fmin.reduceat(self.min, starts, axis=0)
            high = np.fmax.reduceat(self.max, starts, axis=0)
        return Aggregates(self.names, keys[starts], count, low, mean, high, width_ms)

    def to_frame(self) -> pd.DataFrame:
        """A DataFrame with a UTC index ``ts`` and columns (series, stat)."""
        import pandas as pd

        columns = pd.MultiIndex.from_product([self.names, STATS], names=["series", "stat"])
        stacked = np.stack([self.min, self.mean, self.max, self.count], axis=2)
        index = pd.DatetimeIndex(pd.to_datetime(self.ts, unit="ms", utc=True), name="ts")
        return pd.DataFrame(stacked.reshape(len(self), -1), index=index, columns=columns)


def concat(parts: Sequence[Aggregates], names: Sequence[str], width_ms: int) -> Aggregates:
    """Parts (time-ordered, not overlapping) as one Aggregates over ``names``."""
    chosen = [p.select(names) for p in parts if len(p)]
    if not chosen:
        return Aggregates.empty(names, width_ms)
    if all(p.raw_values() for p in chosen):  # one matrix to join, not three
        values = np.concatenate([p.mean for p in chosen])
        count = np.concatenate([p.count for p in chosen])
        stamps = np.concatenate([p.ts for p in chosen])
        return Aggregates(list(names), stamps, count, values, values, values, width_ms)
    return Aggregates(
        list(names),
        np.concatenate([p.ts for p in chosen]),
        np.concatenate([p.count for p in chosen]),
        np.concatenate([p.min for p in chosen]),
        np.concatenate([p.mean for p in chosen]),
        np.concatenate([p.max for p in chosen]),
        width_ms,
    )


def transpose(rows: Sequence[Sequence[Any]], width: int) -> list[list[Any]]:
    """Rows as ``width`` column lists (``itemgetter`` maps: the fastest way in CPython)."""
    return [list(map(itemgetter(i), rows)) for i in range(width)]


def unpack_matrix(
    blobs: Sequence[bytes],
    layout_of_row: np.ndarray,
    names_by_layout: dict[int, list[str]],
    wanted: Sequence[str],
    fill: float,
) -> np.ndarray:
    """Packed float64 blobs (one per row) as a (rows, wanted) matrix.

    One ``frombuffer`` per layout; names a layout lacks are ``fill``.
    """
    out = np.full((len(blobs), len(wanted)), fill)
    single = len(names_by_layout) == 1
    for layout_id, names in names_by_layout.items():
        if single:
            positions = np.arange(len(blobs))
            blob = b"".join(blobs)
        else:
            positions = np.flatnonzero(layout_of_row == layout_id)
            if positions.size == 0:
                continue
            blob = b"".join([blobs[p] for p in positions.tolist()])
        matrix = np.frombuffer(blob, dtype=FLOAT).reshape(positions.size, len(names))
        index_of = {name: i for i, name in enumerate(names)}
        for target, name in enumerate(wanted):
            source = index_of.get(name)
            if source is not None:
                out[positions, target] = matrix[:, source]
    return out
