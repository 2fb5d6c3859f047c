"""Writing samples to the database and reading series back into pandas."""

from __future__ import annotations

import hashlib
import json
import threading
import zlib
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
from sqlalchemy import Connection, Engine, and_, select, update

from storage import host_records
from storage.collisions import BatchOutcome, insert_samples
from storage.engine import insert_for
from storage.schema import create_schema, hosts, layouts, process_snapshots
from storage.series import flatten
from storage.snapshot_keys import without_held

if TYPE_CHECKING:  # pandas is imported when a frame is first read, not at start
    import pandas as pd

FLOAT = np.dtype("<f8")


def to_ms(ts: float) -> int:
    """UTC epoch seconds -> integer milliseconds, the stored time unit."""
    return round(ts * 1000)


def pack(values: Sequence[float]) -> bytes:
    """Packs values as little-endian float64 (None becomes NaN)."""
    return np.asarray([np.nan if v is None else v for v in values], dtype=FLOAT).tobytes()


def layout_digest(names: Sequence[str]) -> str:
    return hashlib.sha256("\n".join(names).encode()).hexdigest()


class MetricStore:
    """The database side of the product: one engine, the schema, writes and reads.

    Host and layout ids are cached after their transaction commits, so a failed batch never
    leaves an id in the cache that the database does not have.
    """

    def __init__(self, engine: Engine, *, process_snapshot_every: float = 5.0) -> None:
        self.engine = engine
        self.process_snapshot_every_ms = to_ms(process_snapshot_every)
        self._host_ids: dict[str, int] = {}
        self._layout_ids: dict[str, int] = {}
        self._layout_names: dict[int, list[str]] = {}
        self._last_snapshot_ms: dict[str, int] = {}
        self._lock = threading.Lock()
        self._schema_ready = False
        self._schema_lock = threading.Lock()

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    def create_schema(self) -> None:
        """Creates the tables if needed (idempotent); writes call this until it has succeeded."""
        create_schema(self.engine)
        self._schema_ready = True

    def ensure_schema(self) -> None:
        """Creates the schema on first use (reads and writes both call this), once per store
        however many threads ask at the same moment."""
        if self._schema_ready:
            return
        with self._schema_lock:
            if not self._schema_ready:
                self.create_schema()

    def ping(self) -> None:
        """Raises unless the database answers a trivial query."""
        with self.engine.connect() as conn:
            conn.execute(select(1))

    # -- writing ----------------------------------------------------------------------------

    def write_batch(self, batch: Sequence[dict[str, Any]]) -> BatchOutcome:
        """Stores ``batch`` in one transaction; says how many samples were stored, were
        already stored, or collided with a stored one (``storage.collisions``).

        Idempotent: a sample already stored (same host and timestamp) is skipped, so a batch
        retried after an ambiguous failure is never stored twice.
        """
        if not batch:
            return BatchOutcome(0)
        self.ensure_schema()
        new_hosts: dict[str, int] = {}
        new_layouts: dict[str, tuple[int, list[str]]] = {}
        sample_rows: list[dict[str, Any]] = []
        snapshot_rows: list[dict[str, Any]] = []
        last_snapshot = dict(self._last_snapshot_ms)
        with self.engine.begin() as conn:
            for sample in batch:
                host = str(sample["host"])
                host_id = self._host_ids.get(host) or new_hosts.get(host)
                if host_id is None:
                    host_id = new_hosts[host] = self._ensure_host(conn, host)
                flat = flatten(sample)
                names = sorted(flat)
                digest = layout_digest(names)
                layout_id = self._layout_ids.get(digest)
                if layout_id is None:
                    if digest not in new_layouts:
                        new_layouts[digest] = (self._ensure_layout(conn, digest, names), names)
                    layout_id = new_layouts[digest][0]
                ts_ms = to_ms(sample["ts"])
                sample_rows.append(
                    {
                        "host_id": host_id,
                        "ts": ts_ms,
                        "layout_id": layout_id,
                        "data": pack([flat[n] for n in names]),
                    }
                )
                snapshot = self._snapshot_blob(sample, host, ts_ms, last_snapshot)
                if snapshot is not None:
                    snapshot_rows.append({"host_id": host_id, "ts": ts_ms, "data": snapshot})
            outcome = insert_samples(conn, sample_rows)
            if snapshot_rows := without_held(conn, snapshot_rows):
                self._insert_ignoring_duplicates(conn, process_snapshots, snapshot_rows)
            self._update_hosts(conn, batch, {**self._host_ids, **new_hosts})
        with self._lock:
            self._host_ids.update(new_hosts)
            for digest, (layout_id, names) in new_layouts.items():
                self._layout_ids[digest] = layout_id
                self._layout_names[layout_id] = names
            self._last_snapshot_ms = last_snapshot
        return outcome

    def _snapshot_blob(
        self, sample: dict[str, Any], host: str, ts_ms: int, last: dict[str, int]
    ) -> bytes | None:
        processes = sample.get("processes")
        if not processes:
            return None
        if 0 <= ts_ms - last.get(host, -(2**62)) < self.process_snapshot_every_ms:
            return None  # (a time before the last snapshot's: the clock went back, take one)
        last[host] = ts_ms
        top = {"top_cpu": processes.get("top_cpu", []), "top_mem": processes.get("top_mem", [])}
        return zlib.compress(json.dumps(top, separators=(",", ":")).encode(), 6)

    def _ensure_host(self, conn: Connection, name: str) -> int:
        found = conn.execute(select(hosts.c.id).where(hosts.c.name == name)).scalar()
        if found is not None:
            return found
        self._insert_ignoring_duplicates(conn, hosts, [{"name": name, "info": "{}", "last_ts": 0}])
        return conn.execute(select(hosts.c.id).where(hosts.c.name == name)).scalar_one()

    def ensure_layout(self, conn: Connection, names: Sequence[str]) -> int:
        """The id of the layout ``names`` (in that order), inserted in ``conn``'s transaction
        when new. Not cached here: the transaction may still roll back."""
        digest = layout_digest(names)
        cached = self._layout_ids.get(digest)
        return cached if cached is not None else self._ensure_layout(conn, digest, list(names))

    def _ensure_layout(self, conn: Connection, digest: str, names: list[str]) -> int:
        found = conn.execute(select(layouts.c.id).where(layouts.c.digest == digest)).scalar()
        if found is not None:
            return found
        row = {"digest": digest, "names": json.dumps(names)}
        self._insert_ignoring_duplicates(conn, layouts, [row])
        return conn.execute(select(layouts.c.id).where(layouts.c.digest == digest)).scalar_one()

    def _insert_ignoring_duplicates(self, conn: Connection, table: Any, rows: list[dict]) -> int:
        insert = insert_for(self.dialect)
        result = conn.execute(insert(table).on_conflict_do_nothing(), rows)
        return max(result.rowcount, 0)

    def _update_hosts(
        self, conn: Connection, batch: Sequence[dict[str, Any]], host_ids: dict[str, int]
    ) -> None:
        newest: dict[str, dict[str, Any]] = {}
        for sample in batch:
            newest[str(sample["host"])] = sample
        for host, sample in newest.items():
            info = host_records.info_text(sample)
            ts_ms = to_ms(sample["ts"])
            conn.execute(
                update(hosts)
                .where(and_(hosts.c.id == host_ids[host], hosts.c.last_ts < ts_ms))
                .values(info=info, last_ts=ts_ms)
            )

    # -- reading ----------------------------------------------------------------------------

    def host_names(self) -> list[str]:
        self.ensure_schema()
        with self.engine.connect() as conn:
            return list(conn.execute(select(hosts.c.name).order_by(hosts.c.name)).scalars())

    def host_info(self) -> dict[str, dict[str, Any]]:
        """Per host: its last "system" section, the time of its newest stored sample and its
        sampling interval (``storage.host_records``)."""
        self.ensure_schema()
        with self.engine.connect() as conn:
            rows = conn.execute(select(hosts.c.name, hosts.c.info, hosts.c.last_ts)).all()
        return {r.name: host_records.record(r.info, r.last_ts) for r in rows}

    def layout_names(self, conn: Connection, layout_ids: Iterable[int]) -> dict[int, list[str]]:
        """Names of each layout id, from the cache or the database."""
        missing = [i for i in set(layout_ids) if i not in self._layout_names]
        if missing:
            rows = conn.execute(
                select(layouts.c.id, layouts.c.names).where(layouts.c.id.in_(missing))
            )
            with self._lock:
                for row in rows:
                    self._layout_names[row.id] = json.loads(row.names)
        return {i: self._layout_names[i] for i in set(layout_ids)}

    def read_frame(
        self,
        host: str,
        start: float,
        end: float,
        series: Sequence[str] | None = None,
    ) -> pd.DataFrame:
        """Raw samples of ``host`` with ``start <= ts <= end`` (epoch seconds) as a DataFrame,
        from sample rows and history blocks alike (``storage.raw_reads``).

        The index is a UTC DatetimeIndex named ``ts``; one float column per requested series
        (every stored series when None), NaN where a sample lacks it.
        """
        import pandas as pd

        from storage.aggregates import Aggregates  # (both build on this module)
        from storage.raw_reads import read_raw

        self.ensure_schema()
        with self.engine.connect() as conn:
            found = conn.execute(select(hosts.c.id).where(hosts.c.name == host)).scalar()
            if found is None:
                data = Aggregates.empty(list(series or []))
            else:
                data = read_raw(conn, self, found, to_ms(start), to_ms(end) + 1, series)

        index = pd.DatetimeIndex(pd.to_datetime(data.ts, unit="ms", utc=True), name="ts")
        return pd.DataFrame(data.mean, index=index, columns=data.names, copy=False)  # ours alone
