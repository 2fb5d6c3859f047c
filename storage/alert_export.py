"""Alert events as CSV, streamed in chunks of rows (oldest first), so memory stays flat.

Times are ISO-8601 UTC; text cells (rule, host and series names, evidence, notes) are
formula-neutralised and quoted by ``storage.export.text_cell``, as every CSV export is.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import UTC, datetime

from sqlalchemy import Engine, and_, select

from storage.export import text_cell
from storage.schema import alert_events

COLUMNS = ("ts", "kind", "rule", "host", "series", "severity", "value", "threshold", "since",
           "muted", "actor", "notified_ts", "evidence")  # fmt: skip
CHUNK_ROWS = 2000
TIME_COLUMNS = ("ts", "since", "notified_ts")


def _time(ms: int | None) -> str:
    if ms is None:
        return ""
    return datetime.fromtimestamp(ms / 1000, UTC).isoformat(timespec="milliseconds")[:-6] + "Z"


def _cell(name: str, value: object) -> str:
    if name in TIME_COLUMNS:
        return _time(value)  # type: ignore[arg-type]
    if value is None:
        return ""
    if isinstance(value, float):
        return repr(value)
    return text_cell(str(value))


def events_csv(
    engine: Engine,
    *,
    host: str | None = None,
    rule: str | None = None,
    kinds: Sequence[str] | None = None,
    since: float | None = None,
    until: float | None = None,
) -> Iterator[str]:
    """The header, then chunks of lines of the events matching the filters, oldest first."""
    c = alert_events.c
    conditions = [c.host == host] if host else []
    if rule:
        conditions.append(c.rule == rule)
    if kinds:
        conditions.append(c.kind.in_(list(kinds)))
    if since is not None:
        conditions.append(c.ts >= round(since * 1000))
    if until is not None:
        conditions.append(c.ts <= round(until * 1000))
    yield ",".join(COLUMNS) + "\r\n"
    columns = [c.id, *(getattr(c, name) for name in COLUMNS)]
    last = 0
    while True:
        query = (
            select(*columns).where(and_(c.id > last, *conditions)).order_by(c.id).limit(CHUNK_ROWS)
        )
        with engine.connect() as conn:
            rows = conn.execute(query).all()
        if not rows:
            return
        last = rows[-1][0]
        yield "".join(
            ",".join(_cell(n, v) for n, v in zip(COLUMNS, row[1:], strict=True)) + "\r\n"
            for row in rows
        )
