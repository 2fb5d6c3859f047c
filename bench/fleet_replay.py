"""A cheap fleet for the benchmark: many agents' SQL, replayed from one thread, pre-encoded.

``python -m app agent`` sends its database two kinds of transaction: a relay transaction a
second (``PgNotifier``: the whole sample's parts on its host's channel, its summary on the
summary channel, commit) and a write every batch interval (``MetricStore.write_batch``: the
block checks, the rows, the process snapshot, the host's newest time). ``ReplayFleet`` sends
the server exactly those statements for each simulated host, over a connection of its own
(through PgBouncer, as an agent's one pooled connection is), but encodes nothing per host: at
the start one real ``write_batch`` is recorded as the DBAPI statements and parameters it sent
(``before_cursor_execute``), and the relay payloads are encoded once; each tick then only puts
each host's id, times and sequence numbers in. So the server and PgBouncer do a real fleet's
work while the generator costs a little Python per statement: what the issue asks of a load
generator ("samples pre-encoded"). The agents' own cost is measured by ``Fleet`` and
``InlineFleet`` (``bench.fleet_hosts``) on the real code paths.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

import psycopg2
from sqlalchemy import event

from app.cluster.codec import SEPARATOR, encode, encode_summary
from app.cluster.pg import deployment_scope, host_channel, summary_channel
from app.hub import Message, encode_sample
from app.hub.summary import Summary, summarize
from bench.fleet_hosts import MARKER, PLACEHOLDER
from storage.engine import make_engine
from storage.store import MetricStore, to_ms

HOST_KEYS = ("host", "id_")  # parameter names that hold the host's id (write_batch's SQL)
TIME_KEYS = ("ts", "low", "high", "last_ts")  # ... and those that hold a sample's time


@dataclass
class Recorded:
    """One ``write_batch`` as its DBAPI calls: (statement, parameters), the host id and the
    first sample's time (ms) they were recorded with."""

    calls: list[tuple[str, Any]]
    host_id: int
    first_ms: int

    def for_host(self, host_id: int, first_ms: int) -> list[tuple[str, Any]]:
        """The same calls for ``host_id`` with every time moved to start at ``first_ms``."""
        shift = first_ms - self.first_ms
        return [(sql, _moved(params, self.host_id, host_id, shift)) for sql, params in self.calls]


def _moved(params: Any, old_host: int, new_host: int, shift: int) -> Any:
    if isinstance(params, list | tuple):  # an executemany: each row's parameters
        return [_moved(row, old_host, new_host, shift) for row in params]
    if not isinstance(params, dict):
        raise ValueError("write_batch's DBAPI parameters are expected as dicts (pyformat)")
    out = {}
    for key, value in params.items():
        if key.startswith(HOST_KEYS) and value == old_host:
            value = new_host
        elif key.startswith(TIME_KEYS) and isinstance(value, int):
            value += shift
        out[key] = value
    return out


def record_batch(url: str, batch: list[dict[str, Any]]) -> Recorded:
    """Writes ``batch`` (one host's samples) through a real ``MetricStore`` and records the
    statements and parameters it sent; ValueError when they are not all dict-parameterised."""
    store = MetricStore(make_engine(url))
    store.write_batch(batch[:1])  # the host and layout rows exist: later batches send less
    calls: list[tuple[str, Any]] = []

    def keep(_conn: Any, _cursor: Any, statement: str, params: Any, *_: Any) -> None:
        calls.append((statement, params))

    event.listen(store.engine, "before_cursor_execute", keep)
    store.write_batch(batch[1:])
    event.remove(store.engine, "before_cursor_execute", keep)
    with store.engine.connect() as conn:
        host_id = conn.exec_driver_sql(
            "SELECT id FROM monitor_hosts WHERE name = %(n)s", {"n": batch[0]["host"]}
        ).scalar_one()
    store.engine.dispose()
    recorded = Recorded(calls, host_id, to_ms(batch[1]["ts"]))
    if recorded.for_host(host_id, recorded.first_ms) != calls:
        raise ValueError("replaying the recorded batch for its own host changed it")
    return recorded


@dataclass
class ReplayHost:
    """One simulated agent: its connection, its id, its channel and its relay payload parts."""

    name: str
    host_id: int
    connection: Any
    channel: str
    parts: list[list[str]]  # each part's fields, ts and seq and message id put in per tick
    pending: list[float] = field(default_factory=list)  # sample times not written yet


@dataclass
class ReplayFleet:
    """``count`` agents named ``prefix-0000``… whose SQL goes to ``url`` (see the module)."""

    url: str
    count: int
    template: dict[str, Any]
    batch_interval: float = 5.0
    prefix: str = "sim"
    hosts: list[ReplayHost] = field(default_factory=list)
    written: int = 0
    write_seconds: float = 0.0
    _recorded: dict[int, Recorded] = field(default_factory=dict)  # by the samples a batch holds
    _summary_channel: str = ""
    _values: dict[str, Any] = field(default_factory=dict)
    _message_id: int = 0

    def start(self) -> None:
        """Registers every host (one real sample each, an hour ago), records a batch, encodes
        the relay payloads and opens one connection a host."""
        batch_size = max(1, round(self.batch_interval))
        began = time.time() - 3600
        first = [
            {**self.template, "host": f"{self.prefix}-{i:04d}", "ts": began, "seq": 0}
            for i in range(self.count)
        ]
        store = MetricStore(make_engine(self.url))
        store.write_batch(first)
        store.engine.dispose()
        for size in range(1, batch_size + 1):  # the first batch of a host may be short
            own = [{**self.template, "host": f"replay-recorder-{size}", "ts": began + s, "seq": s}
                   for s in range(size + 1)]  # fmt: skip
            self._recorded[size] = record_batch(self.url, own)
        sample = {**self.template, "host": PLACEHOLDER, "ts": began, "seq": 0}
        encoded = encode_sample(sample)
        for entry in first:
            name = entry["host"]
            connection = psycopg2.connect(self.url.replace("postgresql+psycopg2", "postgresql"))
            scope = deployment_scope(connection)
            self._summary_channel = summary_channel(scope)
            with connection.cursor() as cursor:
                cursor.execute("SELECT id FROM monitor_hosts WHERE name = %s", (name,))
                (host_id,) = cursor.fetchone()
            connection.commit()
            message = Message(name, began, 0, encoded.payload.replace(MARKER, name), whole=True)
            parts = [p.split(SEPARATOR, 7) for p in encode(message, f"{name}-agent", 0)]
            self.hosts.append(ReplayHost(name, host_id, connection, host_channel(scope, name),
                                         parts))  # fmt: skip
        self._values = summarize({**self.template, "ts": began}).values

    def tick(self, seq: int, ts: float) -> None:
        """Every host's relay transaction for its sample of tick ``seq`` (due at ``ts``, the
        relayed one stamped when it is sent); the hosts whose batch is due (host ``i`` when
        ``seq + i`` is a whole number of batches) write theirs, stamped on the ticks."""
        every = max(1, round(self.batch_interval))
        self._message_id += 1
        number, mid = str(seq), str(self._message_id)
        for i, host in enumerate(self.hosts):
            # Stamped as it is sent, as an agent stamps its own sample: the listener's delays
            # are the relay's, not the wait for this host's turn in the loop.
            sent = time.time()
            stamp = repr(sent)
            summary = summary_payload(host.name, sent, seq, self._values)
            with host.connection.cursor() as cursor:
                for fields in host.parts:
                    payload = SEPARATOR.join((fields[0], mid, *fields[2:5], stamp, number,
                                              fields[7]))  # fmt: skip
                    cursor.execute("SELECT pg_notify(%s, %s)", (host.channel, payload))
                cursor.execute("SELECT pg_notify(%s, %s)", (self._summary_channel, summary))
            host.connection.commit()
            host.pending.append(ts)
            if (seq + i) % every == 0 or len(host.pending) == every:
                self._write(host)

    def _write(self, host: ReplayHost) -> None:
        """``host``'s pending samples as the recorded batch's statements, one transaction."""
        started = time.perf_counter()
        recorded = self._recorded[len(host.pending)]
        calls = recorded.for_host(host.host_id, to_ms(host.pending[0]))
        with host.connection.cursor() as cursor:
            for statement, params in calls:
                cursor.execute(statement, params)
        host.connection.commit()
        self.write_seconds += time.perf_counter() - started
        self.written += len(host.pending)
        host.pending = []

    def stop(self, timeout: float = 30.0) -> bool:
        """Writes what every host still holds and closes its connection; True."""
        del timeout
        for host in self.hosts:
            if host.pending:
                self._write(host)
            host.connection.close()
        return True

    def write_cost(self) -> tuple[int, float]:
        return self.written, self.write_seconds


def summary_payload(host: str, ts: float, seq: int, values: dict[str, Any]) -> str:
    """The summary payload a host's notifier sends for a sample (``codec.encode_summary``)."""
    payload = encode_summary(Summary(host, ts, seq, values), f"{host}-agent")
    assert payload is not None
    return payload
