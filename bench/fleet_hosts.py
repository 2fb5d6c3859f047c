"""Simulated agents for the fleet benchmark and the fleet test: the storage and relay side of
``python -m app agent`` for many host names in one process, without collectors.

Each simulated host is what a real agent builds on PostgreSQL: its own engine with the agent's
pool of one connection (``storage.engine.agent_pool``), its own ``StorageWriter`` and its own
notifier over that pooled connection (``app.runtime.coordination.agent_notifier``), and no
election. The load generator is cheap: each tick encodes the template once, with a placeholder
for the host name, and each host's message is a string replacement of it (no JSON round trip
per host); the writer gets a shallow copy of the template with the host's name and time.
"""

from __future__ import annotations

import contextlib
import json
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import psycopg2

from app.cluster.relay import PgNotifier
from app.hub import Message, encode_sample
from app.runtime.coordination import agent_notifier
from storage.collisions import BatchOutcome
from storage.engine import agent_pool, make_engine
from storage.store import MetricStore
from storage.writer import StorageWriter

PLACEHOLDER = "\x00host\x00"  # no host name holds it
MARKER = json.dumps(PLACEHOLDER)[1:-1]  # how it reads in the encoded JSON


class TimedStore(MetricStore):
    """A ``MetricStore`` that adds up the time spent in ``write_batch`` and the samples."""

    write_seconds = 0.0
    written = 0

    def write_batch(self, batch: Sequence[dict[str, Any]]) -> BatchOutcome:
        started = time.perf_counter()
        outcome = super().write_batch(batch)
        self.write_seconds += time.perf_counter() - started
        self.written += len(batch)
        return outcome


@dataclass
class SimulatedHost:
    """One agent's storage and relay: an engine, a writer and a notifier of its own."""

    name: str
    store: TimedStore
    writer: StorageWriter
    notifier: PgNotifier

    def stop(self, timeout: float) -> bool:
        """Stops relaying, flushes the writer; True when every sample was stored."""
        self.notifier.stop()
        flushed = self.writer.stop(timeout)
        self.store.engine.dispose()
        return flushed


@dataclass
class Fleet:
    """``count`` simulated hosts named ``prefix-0000``… writing into ``url``."""

    url: str
    count: int
    template: dict[str, Any]
    batch_interval: float = 5.0
    prefix: str = "sim"
    hosts: list[SimulatedHost] = field(default_factory=list)
    _stopping: threading.Event = field(default_factory=threading.Event)
    _starter: threading.Thread = field(init=False)

    def __post_init__(self) -> None:
        self._starter = threading.Thread(target=self._start_writers, name="fleet-writers")

    def start(self) -> None:
        """Builds and starts every host (no connection is opened before its first use). The
        writers start spread over one batch interval, from a thread, as agents started at
        different times write at different moments (all at once would be a burst every batch
        interval that no real fleet makes); until then their samples wait in their buffers."""
        for i in range(self.count):
            name = f"{self.prefix}-{i:04d}"
            store = TimedStore(make_engine(self.url, **agent_pool(self.url)))
            writer = StorageWriter(store, batch_interval=self.batch_interval)
            notifier = agent_notifier(store.engine, queue_size=120, origin=f"{name}-agent")
            notifier.start()
            self.hosts.append(SimulatedHost(name, store, writer, notifier))
        self._starter.start()

    def _start_writers(self) -> None:
        began = time.monotonic()
        for i, host in enumerate(self.hosts):
            delay = began + i * self.batch_interval / self.count - time.monotonic()
            if self._stopping.wait(max(0.0, delay)):
                return
            host.writer.start()

    def tick(self, seq: int, ts: float) -> None:
        """Every host publishes and stores one sample stamped ``ts``: one encoding in all."""
        sample = {**self.template, "host": PLACEHOLDER, "ts": ts, "seq": seq}
        encoded = encode_sample(sample)
        for host in self.hosts:
            payload = encoded.payload.replace(MARKER, host.name)
            host.notifier.submit(Message(host.name, ts, seq, payload, whole=True))
            host.writer.submit({**sample, "host": host.name})

    def stop(self, timeout: float = 30.0) -> bool:
        """Stops every host; True when every sample of every host was stored (a writer not
        started yet flushes its buffer in ``stop`` all the same)."""
        self._stopping.set()
        if self._starter.ident is not None:
            self._starter.join()
        return all([host.stop(timeout) for host in self.hosts])

    def write_cost(self) -> tuple[int, float]:
        """Samples written and seconds spent in ``write_batch``, over every host."""
        written = sum(h.store.written for h in self.hosts)
        return written, sum(h.store.write_seconds for h in self.hosts)


@dataclass
class InlineHost:
    """One agent's store and notifier, driven from the fleet's tick loop (no threads)."""

    name: str
    store: TimedStore
    notifier: PgNotifier
    buffer: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class InlineFleet:
    """The same agents as ``Fleet``, on the same code paths (each host's engine with the
    agent's one pooled connection, the notifier's own transaction of whole sample and summary,
    ``write_batch`` every batch interval, a fifth of the hosts each second), but run one after
    the other from the tick loop's thread: a thousand agents in one process cost their work,
    not two thousand threads taking turns at the GIL (what ``Fleet`` measures at 1000 hosts).
    A real fleet's agents each run on a host of their own."""

    url: str
    count: int
    template: dict[str, Any]
    batch_interval: float = 5.0
    prefix: str = "sim"
    hosts: list[InlineHost] = field(default_factory=list)

    def start(self) -> None:
        """Builds every host (no connection is opened before its first transaction)."""
        for i in range(self.count):
            name = f"{self.prefix}-{i:04d}"
            store = TimedStore(make_engine(self.url, **agent_pool(self.url)))
            notifier = agent_notifier(store.engine, queue_size=120, origin=f"{name}-agent")
            self.hosts.append(InlineHost(name, store, notifier))

    def tick(self, seq: int, ts: float) -> None:
        """Every host relays one sample stamped ``ts`` in its own transaction, and the hosts
        whose batch is due write theirs (host ``i`` on the ticks where ``seq + i`` is a whole
        number of batches)."""
        sample = {**self.template, "host": PLACEHOLDER, "ts": ts, "seq": seq}
        encoded = encode_sample(sample)
        every = max(1, round(self.batch_interval))
        for i, host in enumerate(self.hosts):
            payload = encoded.payload.replace(MARKER, host.name)
            # a failed send shows as not received; the next tick's send connects again
            with contextlib.suppress(psycopg2.Error, OSError):
                host.notifier.send(Message(host.name, ts, seq, payload, whole=True))
            host.buffer.append({**sample, "host": host.name})
            if (seq + i) % every == 0:
                self._flush(host)

    def _flush(self, host: InlineHost) -> None:
        if host.buffer:
            host.store.write_batch(host.buffer)
            host.buffer = []

    def stop(self, timeout: float = 30.0) -> bool:
        """Writes what every host still holds; True (a failed write raises)."""
        for host in self.hosts:
            self._flush(host)
            host.notifier.stop()
            host.store.engine.dispose()
        return True

    def write_cost(self) -> tuple[int, float]:
        """Samples written and seconds spent in ``write_batch``, over every host."""
        written = sum(h.store.written for h in self.hosts)
        return written, sum(h.store.write_seconds for h in self.hosts)
