"""Notifications through Apprise, from a queue on their own thread.

``submit`` never waits. The thread gathers what arrives within ``group_wait`` of the first
notification and sends one message per target for the alerts that fire (and one for those that
resolve), retrying a failed send with exponential backoff; each attempt is recorded. A target
is only ever named by its scheme and position ("json #1"): URLs carry tokens and stay out of
logs, records and pages.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Protocol

from sqlalchemy.exc import SQLAlchemyError

from app.alerts.rules import Route
from lifecycle import BackgroundThread
from storage.outage import database_outage

log = logging.getLogger(__name__)
logging.getLogger("apprise").setLevel(logging.CRITICAL)  # its messages may quote the URL
RESOLVED_KINDS = ("resolved",)


@dataclass
class Outgoing:
    """One alert event to notify about (its stored id, once stored)."""

    event_id: int | None
    kind: str
    rule: str
    host: str
    severity: str
    labels: dict[str, str]
    evidence: str


@dataclass
class Target:
    """One notification URL, known to others only by ``name``."""

    name: str
    route: Route
    url: str = field(repr=False)


class Sender(Protocol):
    def __call__(self, url: str, title: str, body: str) -> bool: ...


def apprise_send(url: str, title: str, body: str) -> bool:
    """Sends one message to one Apprise URL; True when it was accepted."""
    import apprise

    notifier = apprise.Apprise()
    if not notifier.add(url):
        return False
    return bool(notifier.notify(title=title, body=body))


def targets_of(routes: Sequence[Route]) -> list[Target]:
    """Every URL of every route as a named target."""
    out = []
    for route in routes:
        for url in route.urls:
            scheme = url.split("://", 1)[0].lower() if "://" in url else "url"
            out.append(Target(f"{scheme} #{len(out) + 1}", route, url))
    return out


class Notifier:
    """The notification queue and its sending thread."""

    def __init__(
        self,
        routes: Sequence[Route],
        *,
        record_attempt: Callable[[list[int], str, int, bool, str, float], None],
        mark_notified: Callable[[list[int], float], None],
        group_wait: float = 10.0,
        max_attempts: int = 10,
        backoff: float = 1.0,
        max_backoff: float = 60.0,
        send: Sender = apprise_send,
        clock: Callable[[], float] = time.time,
        wait: Callable[[float], bool] | None = None,
        queue_size: int = 1000,
    ) -> None:
        self.targets = targets_of(routes)
        self._record_attempt, self._mark_notified = record_attempt, mark_notified
        self.group_wait, self.max_attempts = group_wait, max_attempts
        self.backoff, self.max_backoff = backoff, max_backoff
        self._send, self._clock = send, clock
        self._queue: queue.Queue[Outgoing] = queue.Queue(queue_size)
        self._thread = BackgroundThread("monitor-alert-notifier", self.run)
        self._wait = wait or self._thread.stopping.wait
        self._lock = threading.Lock()
        self.counts = {"sent": 0, "failed": 0, "dropped": 0, "attempts": 0}

    def submit(self, item: Outgoing) -> bool:
        """Queues a notification without waiting; False (and counted) when the queue is full."""
        if not self.targets:
            return False
        try:
            self._queue.put_nowait(item)
            return True
        except queue.Full:
            with self._lock:
                self.counts["dropped"] += 1
            return False

    @property
    def pending(self) -> int:
        return self._queue.qsize()

    def run(self) -> None:
        stopping = self._thread.stopping
        while not stopping.is_set() or not self._queue.empty():
            try:
                first = self._queue.get(timeout=0.2)
            except queue.Empty:
                continue
            self.deliver(self._gather(first, stopping))

    def _gather(self, first: Outgoing, stopping: threading.Event) -> list[Outgoing]:
        """``first`` and whatever else arrives within ``group_wait`` (not past a stop)."""
        batch = [first]
        deadline = time.monotonic() + self.group_wait
        while not stopping.is_set():
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                break
            try:
                batch.append(self._queue.get(timeout=min(remaining, 0.2)))
            except queue.Empty:
                continue
        while True:
            try:
                batch.append(self._queue.get_nowait())
            except queue.Empty:
                return batch

    def deliver(self, batch: list[Outgoing]) -> None:
        """Sends one message per target and group (firing, resolved) of ``batch``."""
        for resolved in (False, True):
            group = [o for o in batch if (o.kind in RESOLVED_KINDS) == resolved]
            delivered: set[int] = set()
            for target in self.targets:
                items = [o for o in group if target.route.accepts(o.severity, o.labels)]
                if items and self._send_with_retry(target, items):
                    delivered.update(o.event_id for o in items if o.event_id is not None)
            if delivered:
                self._mark_notified(sorted(delivered), self._clock())

    def _send_with_retry(self, target: Target, items: list[Outgoing]) -> bool:
        title, body = message(items)
        ids = [o.event_id for o in items if o.event_id is not None]
        delay = self.backoff
        for attempt in range(1, self.max_attempts + 1):
            try:
                ok, error = self._send(target.url, title, body), ""
            except Exception as exc:  # a broken plugin must not end the thread
                ok, error = False, type(exc).__name__
            self._count("attempts")
            self._record(ids, target.name, attempt, ok, error or ("" if ok else "not accepted"))
            if ok:
                self._count("sent")
                return True
            if attempt == self.max_attempts or self._wait(delay):
                break
            delay = min(delay * 2, self.max_backoff)
        self._count("failed")
        log.warning("alert notification to %s failed after %d attempts", target.name, attempt)
        return False

    def _record(self, ids: list[int], name: str, attempt: int, ok: bool, error: str) -> None:
        try:
            self._record_attempt(ids, name, attempt, ok, error, self._clock())
        except SQLAlchemyError as exc:  # the database is down: sending matters more
            database_outage.failed("the alert notifier", exc)
        except Exception as exc:
            log.warning("could not record a delivery attempt: %s", type(exc).__name__)
        else:
            database_outage.recovered("the alert notifier")

    def _count(self, name: str) -> None:
        with self._lock:
            self.counts[name] += 1

    def start(self) -> None:
        """Starts the sending thread, unless there is nowhere to send (no thread then)."""
        if self.targets:
            self._thread.start()

    def stop(self, timeout: float = 5.0) -> None:
        """Stops after sending what is queued (no more retries once stopping)."""
        self._thread.stop(timeout)


def message(items: list[Outgoing]) -> tuple[str, str]:
    """The title and body of one message about ``items`` (one alert or a group)."""
    kind = "RESOLVED" if items[0].kind in RESOLVED_KINDS else "FIRING"
    if len(items) == 1:
        one = items[0]
        title = f"[{kind}] {one.rule} on {one.host} ({one.severity})"
    else:
        rules = sorted({o.rule for o in items})
        hosts = sorted({o.host for o in items})
        shown = ", ".join(hosts[:5]) + (f" and {len(hosts) - 5} more" if len(hosts) > 5 else "")
        title = f"[{kind} {len(items)}] {', '.join(rules)} on {shown}"
    body = "\n\n---\n\n".join(o.evidence for o in items)
    return title, body
