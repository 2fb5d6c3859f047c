"""The page's own URL, which names its view: alert notifications link to it
(``app.alerts.evidence``) and the page writes it back as the view changes (assets/history.js),
so a view can be shared and reloaded.

``/history?host=H&from=2025-11-26T10:00:00Z&to=2025-11-26T10:30:00Z&metrics=cpu.total`` opens
the page on that host, zoomed on that window, showing those series (comma-separated; the
defaults when absent). Times are ISO-8601 (with ``Z`` or an offset) or epoch seconds.
``range=6h`` instead of ``from``/``to`` names a preset: the last six hours whenever it opens.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import parse_qs

from app.pages.history.ranges import PRESETS
from storage.params import MAX_VIEW_SPAN


@dataclass(frozen=True)
class Link:
    host: str | None
    start: float
    end: float
    metrics: tuple[str, ...] = ()
    preset: str | None = None  # a range preset ("6h") when the link names no window


def _instant(text: str) -> float | None:
    try:
        return float(text)
    except ValueError:
        pass
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    return (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).timestamp()


def parse_link(search: str | None) -> Link | None:
    """The host, window (else preset) and series a page URL's query names; None when it names
    none of them (a window is usable when it is at most ``MAX_VIEW_SPAN`` long)."""
    query = parse_qs((search or "").lstrip("?"))
    host = (query.get("host") or [None])[0]
    metrics = tuple(m for text in query.get("metrics", []) for m in text.split(",") if m)
    start, end = (_instant((query.get(k) or [""])[0]) for k in ("from", "to"))
    if start is None or end is None or not 0 < end - start <= MAX_VIEW_SPAN:
        preset = (query.get("range") or [None])[0]
        preset = preset if preset in PRESETS else None
        return Link(host, 0.0, 0.0, metrics, preset) if host or preset else None
    return Link(host, start, end, metrics)
