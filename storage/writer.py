"""The storage writer: a thread that batches samples into the database and survives outages.

``submit`` only appends to a bounded in-memory buffer, so the sampler (and with it the live
stream) never waits for the database. Every ``batch_interval`` seconds the thread writes what is
buffered in one transaction. While the database fails, samples stay buffered (up to
``buffer_max``; beyond that the oldest are dropped and counted) and writes are retried with
exponential backoff; once the database is back nothing is lost. ``stop`` flushes the buffer.

``stored_samples`` counts the rows really stored. A sample whose host and time were stored
already is either the same sample again (``duplicate_samples``: a retried batch, a re-stored
relayed backlog) or a different one stamped with a time already taken, after the wall clock
went back (``sample_collisions``): the stored row is kept, the collision counted and logged
(``storage.collisions``).
"""

from __future__ import annotations

import itertools
import logging
import threading
import time
from collections import deque
from collections.abc import Callable
from typing import Any, Protocol

from lifecycle import BackgroundThread
from storage.collisions import BatchOutcome
from storage.health import failure_kind, fold_wal
from storage.outage import DatabaseOutage, database_outage, first_line

log = logging.getLogger(__name__)
PART = "the storage writer"
FOLD_TRIES = 5  # attempts to fold SQLite's WAL after an outage (storage.health.fold_wal)


class BatchStore(Protocol):
    def write_batch(self, batch: list[dict[str, Any]]) -> BatchOutcome: ...


class StorageWriter:
    """Buffers samples and writes them in batches from its own thread."""

    def __init__(
        self,
        store: BatchStore,
        *,
        batch_interval: float = 5.0,
        buffer_max: int = 3600,
        max_batch: int = 1000,
        backoff_initial: float = 0.5,
        backoff_max: float = 30.0,
        clock: Callable[[], float] = time.monotonic,
        outage: DatabaseOutage = database_outage,
    ) -> None:
        self.store = store
        self._outage = outage
        self.batch_interval = batch_interval
        self.buffer_max = buffer_max
        self.max_batch = max_batch
        self.backoff_initial = backoff_initial
        self.backoff_max = backoff_max
        self._clock = clock
        self._buffer: deque[dict[str, Any]] = deque()
        self._cond = threading.Lock()
        self._write_lock = threading.Lock()
        self._thread = BackgroundThread("monitor-writer", self.run)
        self._stopping = self._thread.stopping
        self._backoff = 0.0
        self._failing_since: float | None = None
        self._folds_left = 0  # after an outage: tries left to fold the WAL once all is stored
        self.write_errors = 0
        self.stored_samples = 0
        self.duplicate_samples = 0
        self.sample_collisions = 0
        self._colliding_since: int | None = None  # collisions when the current run of them began
        self.dropped_samples = 0
        self.last_error: str | None = None

    def submit(self, sample: dict[str, Any]) -> None:
        """Buffers ``sample`` for the next batch; never blocks on the database."""
        with self._cond:
            if len(self._buffer) >= self.buffer_max:
                self._buffer.popleft()
                self.dropped_samples += 1
                if self.dropped_samples == 1 or self.dropped_samples % 600 == 0:
                    log.error(
                        "storage buffer full (%d samples): dropped %d oldest samples so far",
                        self.buffer_max,
                        self.dropped_samples,
                    )
            self._buffer.append(sample)

    def __call__(self, sample: dict[str, Any]) -> None:
        self.submit(sample)

    @property
    def depth(self) -> int:
        return len(self._buffer)

    def health(self) -> dict[str, Any]:
        """Buffer depth, write errors, stored, duplicate, colliding and dropped counts, and the
        current outage."""
        return {
            "buffer_depth": len(self._buffer),
            "write_errors": self.write_errors,
            "stored_samples": self.stored_samples,
            "duplicate_samples": self.duplicate_samples,
            "sample_collisions": self.sample_collisions,
            "dropped_samples": self.dropped_samples,
            "storage_ok": self._failing_since is None,
            "storage_error": self.last_error if self._failing_since is not None else None,
        }

    def write_pending(self) -> bool:
        """Writes everything buffered, batch by batch; False (and still buffered) on failure."""
        with self._write_lock:
            while True:
                with self._cond:
                    batch = list(itertools.islice(self._buffer, self.max_batch))
                if not batch:
                    self._fold_wal_after_outage()
                    return True
                try:
                    outcome = self.store.write_batch(batch)
                except Exception as exc:
                    self._record_failure(exc)
                    return False
                written = {id(sample) for sample in batch}
                with self._cond:
                    # The written samples are a prefix of the buffer, less any dropped meanwhile.
                    while self._buffer and id(self._buffer[0]) in written:
                        self._buffer.popleft()
                self._count(outcome)
                self._record_success()

    def _count(self, outcome: BatchOutcome) -> None:
        """Adds a written batch's outcome; logs when collisions begin and when they end."""
        self.stored_samples += outcome.stored
        self.duplicate_samples += outcome.duplicates
        if outcome.collisions and self._colliding_since is None:
            self._colliding_since = self.sample_collisions
            log.warning(
                "samples collide with stored ones (same host and time: the wall clock went "
                "back?): the stored rows are kept, the new ones counted in sample_collisions"
            )
        self.sample_collisions += outcome.collisions
        if not outcome.collisions and self._colliding_since is not None:
            log.warning(
                "samples no longer collide: %d were not stored",
                self.sample_collisions - self._colliding_since,
            )
            self._colliding_since = None

    def _fold_wal_after_outage(self) -> None:
        """Once an outage's backlog is stored: it went into SQLite's WAL at once, fold it (tried
        again after the next batches while readers hold it, ``FOLD_TRIES`` times at most)."""
        engine = getattr(self.store, "engine", None)
        if self._folds_left and engine is not None:
            self._folds_left = 0 if fold_wal(engine) else self._folds_left - 1

    def _record_failure(self, exc: Exception) -> None:
        """Counts a failed write; the process's one outage notice says it (storage.outage)."""
        self.write_errors += 1
        self.last_error = first_line(exc)
        if self._failing_since is None:
            self._failing_since = self._clock()
        engine = getattr(self.store, "engine", None)  # a SQLite file may be read-only as such
        read_only = engine is not None and failure_kind(engine, exc) == "read-only"
        self._outage.failed(PART, exc, "read-only" if read_only else None)
        self._backoff = min(self.backoff_max, max(self.backoff_initial, self._backoff * 2))

    def _record_success(self) -> None:
        if self._failing_since is not None:
            self._folds_left = FOLD_TRIES
        self._outage.recovered(PART)
        self._failing_since = None
        self._backoff = 0.0

    def run(self) -> None:
        """The thread body: write every ``batch_interval`` (or after the backoff) until stopped."""
        while not self._stopping.is_set():
            wait = self._backoff if self._backoff else self.batch_interval
            if self._stopping.wait(wait):
                break
            self.write_pending()

    def start(self) -> None:
        """Starts the writer thread once."""
        self._thread.start()

    def stop(self, timeout: float = 10.0) -> bool:
        """Stops the thread and flushes the buffer; True when nothing is left unwritten."""
        self._thread.stop(timeout)
        deadline = self._clock() + timeout
        while not self.write_pending():
            if self._clock() >= deadline:
                log.error("shutdown: %d samples could not be written", len(self._buffer))
                return False
            time.sleep(min(self._backoff or 0.1, max(0.0, deadline - self._clock())))
        return True
