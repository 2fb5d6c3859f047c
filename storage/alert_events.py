"""Alert events, delivery attempts and silences in the database (SQLite and PostgreSQL).

Rows are plain dicts with times in epoch seconds (stored as milliseconds), so this module knows
nothing of the alerts room that writes them. Every write that changes what the alerts API
answers (events, acknowledgements among them, notified times, silences) bumps the alerts'
revision in its own transaction (``storage.alert_revision``) and raises ``revision``, the
process's one holder of it for this engine.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import Engine, and_, func, insert, select, update

from storage import alert_revision
from storage.alert_revision import Revision, revision_for
from storage.schema import alert_deliveries, alert_events, alert_silences, create_schema

STATE_KINDS = ("pending", "firing", "escalated", "resolved", "cancelled")
SENT_KINDS = ("firing", "escalated", "repeated")
EVENT_FIELDS = ("kind", "rule", "host", "series", "severity", "value", "threshold", "evidence")


def _ms(ts: float | None) -> int | None:
    return None if ts is None else round(ts * 1000)


def _s(ms: int | None) -> float | None:
    return None if ms is None else ms / 1000.0


class AlertEventStore:
    """Writes and reads alert events, delivery attempts and silences through one engine."""

    def __init__(self, engine: Engine, revision: Revision | None = None) -> None:
        self.engine = engine
        self.revision = revision if revision is not None else revision_for(engine)
        self._ready = False

    def ensure_schema(self) -> None:
        """Creates the tables once (idempotent, safe from many processes)."""
        if not self._ready:
            create_schema(self.engine)
            self._ready = True

    def record(self, events: Sequence[dict[str, Any]]) -> list[int]:
        """Stores events (dicts with ts, kind, rule, host, ...); their new ids, in order."""
        self.ensure_schema()
        ids = []
        with self.engine.begin() as conn:
            for event in events:
                row = {k: event.get(k) for k in EVENT_FIELDS}
                row.update(
                    ts=_ms(event["ts"]), since=_ms(event.get("since")),
                    labels=json.dumps(event.get("labels") or {}), muted=event.get("muted", ""),
                    actor=event.get("actor", ""), series=event.get("series") or "",
                    evidence=event.get("evidence") or "",
                )  # fmt: skip
                ids.append(conn.execute(insert(alert_events).values(**row)).inserted_primary_key[0])
            revision = alert_revision.bump(conn) if ids else None
        if revision is not None:
            self.revision.saw(revision)
        return ids

    def read_revision(self) -> int:
        """Reads the stored revision (one primary-key select) into ``revision``; the known one."""
        self.ensure_schema()
        with self.engine.connect() as conn:
            return self.revision.saw(alert_revision.read(conn))

    def mark_notified(self, event_ids: Iterable[int], ts: float) -> None:
        """Records that these events' notification was delivered at ``ts``."""
        ids = list(event_ids)
        if ids:
            self.ensure_schema()
            with self.engine.begin() as conn:
                query = update(alert_events).where(alert_events.c.id.in_(ids))
                conn.execute(query.values(notified_ts=_ms(ts)))
                revision = alert_revision.bump(conn)
            self.revision.saw(revision)

    def record_attempt(
        self, event_ids: Sequence[int], target: str, attempt: int, ok: bool, error: str, ts: float
    ) -> None:
        """Records one delivery attempt of one message to one target."""
        self.ensure_schema()
        with self.engine.begin() as conn:
            conn.execute(
                insert(alert_deliveries).values(
                    ts=_ms(ts),
                    event_ids=json.dumps(list(event_ids)),
                    target=target,
                    attempt=attempt,
                    ok=int(ok),
                    error=error[:500],
                )
            )

    def events(
        self,
        *,
        host: str | None = None,
        rule: str | None = None,
        kinds: Sequence[str] | None = None,
        since: float | None = None,
        until: float | None = None,
        limit: int = 500,
        newest_first: bool = True,
    ) -> list[dict[str, Any]]:
        """Stored events, filtered, newest first unless asked otherwise."""
        self.ensure_schema()
        c = alert_events.c
        conditions = []
        if host:
            conditions.append(c.host == host)
        if rule:
            conditions.append(c.rule == rule)
        if kinds:
            conditions.append(c.kind.in_(list(kinds)))
        if since is not None:
            conditions.append(c.ts >= _ms(since))
        if until is not None:
            conditions.append(c.ts <= _ms(until))
        order = c.id.desc() if newest_first else c.id.asc()
        query = select(alert_events).where(and_(True, *conditions)).order_by(order).limit(limit)
        with self.engine.connect() as conn:
            return [_event_row(row._mapping) for row in conn.execute(query)]

    def open_alerts(self, hosts: Iterable[str] | None = None) -> list[dict[str, Any]]:
        """The alerts whose last state event is pending, firing or escalated: each with status,
        severity, since, firing_since, notified_at (newest delivered notification) and the
        acknowledgement after it fired, if any. One query for the keys, one per open alert."""
        self.ensure_schema()
        c = alert_events.c
        latest = (
            select(func.max(c.id))
            .where(c.kind.in_(STATE_KINDS))
            .group_by(c.rule, c.host, c.series)
            .scalar_subquery()
        )
        query = select(c.rule, c.host, c.series, c.id).where(
            c.id.in_(latest), c.kind.in_(("pending", "firing", "escalated"))
        )
        if hosts is not None:
            query = query.where(c.host.in_(list(hosts)))
        found = []
        with self.engine.connect() as conn:
            for rule, host, series, last_id in conn.execute(query).all():
                start = conn.execute(
                    select(func.max(c.id)).where(
                        c.rule == rule,
                        c.host == host,
                        c.series == series,
                        c.kind == "pending",
                        c.id <= last_id,
                    )
                ).scalar()
                rows = conn.execute(
                    select(alert_events)
                    .where(c.rule == rule, c.host == host, c.series == series, c.id >= (start or 0))
                    .order_by(c.id)
                )
                alerts: dict[tuple[str, str, str], dict[str, Any]] = {}
                for row in rows:
                    _fold(alerts, (rule, host, series), _event_row(row._mapping))
                found += [a for a in alerts.values() if a["status"] in ("pending", "firing")]
        return found

    def deliveries(self, limit: int = 100) -> list[dict[str, Any]]:
        """The newest delivery attempts."""
        self.ensure_schema()
        query = select(alert_deliveries).order_by(alert_deliveries.c.id.desc()).limit(limit)
        with self.engine.connect() as conn:
            rows = [dict(row._mapping) for row in conn.execute(query)]
        for row in rows:
            row["ts"], row["ok"] = _s(row["ts"]), bool(row["ok"])
            row["event_ids"] = json.loads(row["event_ids"])
        return rows

    def add_silence(
        self, *, rule: str, host: str, series: str, until: float, actor: str, note: str, now: float
    ) -> int:
        """Stores a silence; its id."""
        self.ensure_schema()
        values = dict(rule=rule, host=host, series=series, until=_ms(until), created=_ms(now),
                      actor=actor, note=note)  # fmt: skip
        with self.engine.begin() as conn:
            silence_id = conn.execute(insert(alert_silences).values(**values)).inserted_primary_key
            revision = alert_revision.bump(conn)
        self.revision.saw(revision)
        return silence_id[0]

    def end_silence(self, silence_id: int, now: float) -> bool:
        """Ends a silence now; False when no such silence is still in force."""
        self.ensure_schema()
        c = alert_silences.c
        query = update(alert_silences).where(c.id == silence_id, c.until > _ms(now))
        with self.engine.begin() as conn:
            ended = conn.execute(query.values(until=_ms(now))).rowcount > 0
            revision = alert_revision.bump(conn) if ended else None
        if revision is not None:
            self.revision.saw(revision)
        return ended

    def silences(self, active_at: float | None = None) -> list[dict[str, Any]]:
        """Silences (only those still in force at ``active_at`` when given), newest first."""
        self.ensure_schema()
        query = select(alert_silences).order_by(alert_silences.c.id.desc())
        if active_at is not None:
            query = query.where(alert_silences.c.until > _ms(active_at))
        with self.engine.connect() as conn:
            rows = [dict(row._mapping) for row in conn.execute(query)]
        for row in rows:
            row["until"], row["created"] = _s(row["until"]), _s(row["created"])
        return rows


def _event_row(mapping: Any) -> dict[str, Any]:
    row = dict(mapping)
    row["ts"], row["since"] = _s(row["ts"]), _s(row["since"])
    row["notified_ts"] = _s(row["notified_ts"])
    row["labels"] = json.loads(row["labels"] or "{}")
    return row


def _fold(found: dict, key: tuple[str, str, str], row: dict[str, Any]) -> None:
    """Moves one alert's summary on by one of its events (in the order they happened)."""
    kind = row["kind"]
    if kind in STATE_KINDS:
        status = {"resolved": "inactive", "cancelled": "inactive", "escalated": "firing"}
        alert = found.setdefault(key, {"rule": key[0], "host": key[1], "series": key[2]})
        if kind == "pending" or alert.get("status") not in ("pending", "firing"):
            alert.update(notified_at=None, acked_by="", acked_at=None, ack_note="",
                         firing_since=None)  # fmt: skip
        alert.update(status=status.get(kind, kind), severity=row["severity"], since=row["since"])
        alert.update(value=row["value"], threshold=row["threshold"])
        if kind == "firing":
            alert["firing_since"] = row["ts"]
    alert = found.get(key)
    if alert is None or alert.get("status") != "firing":
        return
    if kind in SENT_KINDS and row["notified_ts"] is not None:
        alert["notified_at"] = max(alert["notified_at"] or 0.0, row["notified_ts"])
    if kind == "acknowledged":
        alert.update(acked_by=row["actor"], acked_at=row["ts"], ack_note=row["evidence"])
