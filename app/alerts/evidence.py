"""What a message and an event say: value, threshold, how long, top processes, the other
firing rules of the host, and a link to the history page around the moment."""

from __future__ import annotations

from datetime import UTC, datetime
from urllib.parse import urlencode

TOP_PROCESSES = 5


def history_link(public_url: str, host: str, start: float, end: float, series: str = "") -> str:
    """The history page of ``host`` zoomed on ``start``..``end`` (epoch s), showing ``series``
    when given, under the public URL (scheme, host and path prefix) when one is configured,
    else a path from the root."""
    fields = {"host": host, "from": _iso(start), "to": _iso(end)}
    query = urlencode({**fields, "metrics": series} if series else fields)
    return f"{public_url.rstrip('/')}/history?{query}"


def process_table(sample: dict | None, limit: int = TOP_PROCESSES) -> str:
    """A small fixed-width text table of the top processes by CPU in ``sample``."""
    rows = ((sample or {}).get("processes") or {}).get("top_cpu") or []
    if not rows:
        return "(no process snapshot)"
    lines = [f"{'PID':>7} {'CPU%':>6} {'MEM%':>5} {'USER':<10} COMMAND"]
    for row in rows[:limit]:
        command = (row.get("cmdline") or row.get("name") or "?")[:60]
        lines.append(
            f"{row.get('pid', 0):>7} {row.get('cpu') or 0:>6.1f} {row.get('mem') or 0:>5.1f}"
            f" {str(row.get('user') or '')[:10]:<10} {command}"
        )
    return "\n".join(lines)


def describe(
    *,
    kind: str,
    rule: str,
    host: str,
    series: str,
    severity: str | None,
    value: float,
    threshold: float | None,
    since: float | None,
    now: float,
    sample: dict | None,
    others: list[str],
    link: str,
) -> str:
    """The evidence text of one alert event."""
    held = f"{now - since:.0f} s" if since is not None else "-"
    shown = f"{value:.4g}" if value == value else "-"
    lines = [
        f"{kind.upper()} {severity or ''} {rule} on {host}: {series or 'host'}",
        f"value {shown} (threshold {threshold if threshold is not None else '-'}), held {held}",
        f"other firing rules on {host}: {', '.join(others) if others else 'none'}",
        "top processes:",
        process_table(sample),
        f"history: {link}",
    ]
    return "\n".join(lines)


def _iso(ts: float) -> str:
    return datetime.fromtimestamp(ts, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
