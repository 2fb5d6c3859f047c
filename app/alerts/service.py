"""The alert service of one process: evaluator, event storage and notifier on one thread.

``submit`` (the sampler's sink) only appends the sample to a bounded queue, so evaluation can
never delay a tick; a full queue drops the sample (counted). The service's thread evaluates,
stores each event, queues its notification, and every ``refresh_every`` seconds reads the
silences and acknowledgements that any process stored, reads the alerts' revision (one row:
``health`` hands it to the sampler without I/O, so the live page sees any process's change
within ``refresh_every`` and a tick) and checks hosts that stopped reporting.
Which hosts this process evaluates is decided by the caller (the monitor: the host it
samples; the silent-host check in the process elected for it).
"""

from __future__ import annotations

import logging
import queue
import time
from collections.abc import Callable, Mapping
from dataclasses import asdict
from typing import Any

from sqlalchemy.exc import SQLAlchemyError

from app.alerts.evaluator import AlertEvent, Evaluator
from app.alerts.notify import Notifier, Outgoing
from app.alerts.quiet import Silence
from app.alerts.rules import RuleSet
from app.alerts.state import Alert, AlertKey
from lifecycle import BackgroundThread
from storage.alert_events import AlertEventStore
from storage.outage import DatabaseOutage, database_outage, first_line

log = logging.getLogger(__name__)
ACK_LOOKBACK_S = 3600.0
PART = "the alert service"


class AlertService:
    """Evaluates the samples it is handed, stores the events and sends the notifications."""

    def __init__(
        self,
        rule_set: RuleSet,
        store: AlertEventStore,
        *,
        notifier: Notifier | None = None,
        public_url: str = "",
        clock: Callable[[], float] = time.time,
        queue_size: int = 120,
        refresh_every: float = 5.0,
        outage: DatabaseOutage = database_outage,
    ) -> None:
        self.evaluator = Evaluator(rule_set, public_url=public_url)
        self._outage = outage
        self.store = store
        self.notifier = notifier
        self._clock = clock
        self._queue: queue.Queue[Any] = queue.Queue(queue_size)
        self.refresh_every = refresh_every
        self.dropped = 0
        self.watch_hosts: Callable[[], Mapping[str, float]] | None = None
        self._next_refresh = 0.0
        self._silences_read = float("-inf")
        self.evaluator.before_mute_check = self._fresh_silences
        self._thread = BackgroundThread("monitor-alerts", self.run)

    # -- called from other threads ----------------------------------------------------------

    def submit(self, sample: dict[str, Any]) -> None:
        """Queues a sample for evaluation without ever waiting (the sampler's sink)."""
        try:
            self._queue.put_nowait(sample)
        except queue.Full:
            self.dropped += 1

    def call(self, action: Callable[[], None]) -> None:
        """Runs ``action`` on the service's thread, in order with the samples."""
        self._queue.put(action)

    def adopt(self, hosts: list[str] | None) -> None:
        """Takes over the open alerts of ``hosts`` (None: every host) from storage."""
        self.call(lambda: self._adopt(hosts))

    def adopt_rules(self, rules: list[str]) -> None:
        """Takes over the open alerts of these rules on every host (the silent-host check)."""
        wanted = set(rules)
        self.call(lambda: self._adopt(None, lambda row: row["rule"] in wanted))

    def forget(self, host: str) -> None:
        """Drops the alerts of a host this process no longer evaluates."""
        self.call(lambda: self._forget(host))

    # -- the service's thread ---------------------------------------------------------------

    def run(self) -> None:
        stopping = self._thread.stopping
        failing: str | None = None  # the failure last reported, so each is logged once
        while not stopping.is_set() or not self._queue.empty():
            try:
                item = self._queue.get(timeout=min(0.5, self.refresh_every))
            except queue.Empty:
                item = None
            try:
                if callable(item):
                    item()
                elif item is not None:
                    self.handle(self.evaluator.observe(item))
                if self._clock() >= self._next_refresh:
                    self.refresh()
                failing = None
            except SQLAlchemyError as exc:  # the database: the process's one notice says it
                self._database(exc)
            except Exception as exc:  # a bad sample must not end evaluation
                failing = self._report_failure(exc, failing)

    @staticmethod
    def _report_failure(exc: Exception, reported: str | None) -> str:
        """Logs a failure of the evaluation loop once (one line, no traceback), however often
        it repeats; a different failure is logged again. Returns what was reported."""
        what = first_line(exc)[:200]
        if what != reported:
            log.error("alert evaluation failed (logged once until it recovers): %s", what)
        return what

    def _database(self, exc: Exception | None = None) -> None:
        """A read or write of the alert tables worked (``exc`` None) or failed."""
        if exc is None:
            self._outage.recovered(PART)
        else:
            self._outage.failed(PART, exc)

    def refresh(self) -> None:
        """Reads acknowledgements from storage while an alert could take one (one is firing,
        unacknowledged), the alerts' revision (one primary-key select) and checks silent
        hosts. Silences are read when a notification is decided (``_fresh_silences``)."""
        now = self._clock()
        self._next_refresh = now + self.refresh_every
        try:
            self.store.read_revision()
        except SQLAlchemyError as exc:  # the process's one outage notice says it, once
            self._database(exc)
        else:
            self._database()
        if any(a.status == "firing" and not a.acknowledged for a in self.evaluator.alerts.values()):
            try:
                acks = self.store.events(kinds=["acknowledged"], since=now - ACK_LOOKBACK_S)
            except SQLAlchemyError as exc:
                self._database(exc)
            except Exception as exc:
                log.warning("alerts: could not read acknowledgements: %s", first_line(exc))
            else:
                self._database()
                for ack in acks:
                    self._apply_ack(ack)
        if self.watch_hosts is not None:
            self.handle(self.evaluator.check_absent(self.watch_hosts(), now))

    def _fresh_silences(self) -> None:
        """Re-reads the silences when they are older than ``refresh_every`` (the evaluator
        calls it before deciding whether a notification is muted)."""
        now = self._clock()
        if now - self._silences_read < self.refresh_every:
            return
        self._silences_read = now
        try:
            rows = self.store.silences(now)
        except SQLAlchemyError as exc:  # keep the last known silences
            self._database(exc)
            return
        except Exception as exc:
            log.warning("alerts: could not read silences: %s", first_line(exc))
            return
        self._database()
        self.evaluator.silences = [_silence(row) for row in rows]

    def _apply_ack(self, ack: dict[str, Any]) -> None:
        alert = self.evaluator.alerts.get(AlertKey(ack["rule"], ack["host"], ack["series"]))
        if alert is None or alert.acknowledged or alert.status != "firing":
            return
        if ack["ts"] >= (alert.firing_since or 0.0):
            alert.acked_by, alert.acked_at, alert.ack_note = (
                ack["actor"],
                ack["ts"],
                ack["evidence"],
            )

    def handle(self, events: list[AlertEvent]) -> None:
        """Stores events, then queues the notifications they call for."""
        if not events:
            return
        rows = [_row(e) for e in events]
        try:
            for event, event_id in zip(events, self.store.record(rows), strict=True):
                event.id = event_id
            self._database()
        except SQLAlchemyError as exc:  # the events are still notified, without an id
            self._database(exc)
        except Exception as exc:
            log.warning("alerts: could not store %d events: %s", len(events), first_line(exc))
        for event in events:
            if event.notify and self.notifier is not None:
                self.notifier.submit(
                    Outgoing(event.id, event.kind, event.rule, event.host,
                             event.severity or "warning", event.labels, event.evidence)
                )  # fmt: skip

    def _adopt(
        self, hosts: list[str] | None, keep: Callable[[dict], bool] = lambda row: True
    ) -> None:
        rows = [row for row in self.store.open_alerts(hosts) if keep(row)]
        self.evaluator.restore([_alert(row) for row in rows])

    def _forget(self, host: str) -> None:
        for key in [k for k in self.evaluator.alerts if k.host == host]:
            del self.evaluator.alerts[key]

    def start(self) -> None:
        """Starts the service's thread (and the notifier's)."""
        if self.notifier is not None:
            self.notifier.start()
        self._thread.start()

    def stop(self, timeout: float = 5.0) -> None:
        """Evaluates what is queued, then stops; the notifier sends what it holds."""
        self._thread.stop(timeout)
        if self.notifier is not None:
            self.notifier.stop(timeout)

    def health(self) -> dict[str, int]:
        """The sampler's health provider: ``alerts_rev``, the alerts' revision this process
        knows (its own writes, and the row as last read by ``refresh``); never any I/O."""
        return {"alerts_rev": self.store.revision.known}

    @property
    def queued(self) -> int:
        return self._queue.qsize()


def _row(event: AlertEvent) -> dict[str, Any]:
    row = asdict(event)
    if event.kind == "acknowledged":
        row["actor"] = ""
    return row


def _silence(row: dict[str, Any]) -> Silence:
    return Silence(row["id"], row["rule"], row["host"], row["series"], row["until"],
                   row["actor"], row["note"])  # fmt: skip


def _alert(row: dict[str, Any]) -> Alert:
    """An alert taken over from storage (see ``AlertEventStore.open_alerts``)."""
    return Alert(
        AlertKey(row["rule"], row["host"], row["series"]), status=row["status"],
        severity=row["severity"], value=row["value"] if row["value"] is not None else float("nan"),
        threshold=row["threshold"], pending_since=row["since"], firing_since=row["firing_since"],
        last_true=row["firing_since"], notified_at=row["notified_at"], acked_by=row["acked_by"],
        acked_at=row["acked_at"], ack_note=row["ack_note"],
    )  # fmt: skip
