"""Parsing durations ("15min", "24h", "7d") and instants (ISO-8601, epoch, "now-1h")."""

from __future__ import annotations

import math
import re
from datetime import UTC, datetime

UNIT_SECONDS: dict[str, float] = {
    "": 1.0,
    "s": 1.0,
    "sec": 1.0,
    "secs": 1.0,
    "second": 1.0,
    "seconds": 1.0,
    "m": 60.0,
    "min": 60.0,
    "mins": 60.0,
    "minute": 60.0,
    "minutes": 60.0,
    "h": 3600.0,
    "hr": 3600.0,
    "hrs": 3600.0,
    "hour": 3600.0,
    "hours": 3600.0,
    "d": 86400.0,
    "day": 86400.0,
    "days": 86400.0,
    "w": 7 * 86400.0,
    "week": 7 * 86400.0,
    "weeks": 7 * 86400.0,
    "y": 365 * 86400.0,
    "year": 365 * 86400.0,
    "years": 365 * 86400.0,
}
_DURATION = re.compile(r"^\s*(\d+(?:\.\d*)?|\.\d+)\s*([a-z]*)\s*$")
_RELATIVE = re.compile(r"^\s*now\s*(?:-\s*(.+))?$")
# Instants outside these bounds are rejected: 1970 .. 2200 in epoch seconds.
EARLIEST = 0.0
LATEST = 7_258_118_400.0


def parse_duration(text: str | float | int) -> float:
    """Seconds in ``text``: a number of seconds or a number with a unit ("90d", "1.5 h", "15min").

    ``m`` means minutes and ``y`` 365 days. Raises ValueError for anything else, negatives too.
    """
    if isinstance(text, int | float):
        seconds = float(text)
    else:
        match = _DURATION.match(text.lower())
        if match is None or match.group(2) not in UNIT_SECONDS:
            raise ValueError(f"not a duration: {text!r} (use e.g. 3600, 90s, 15min, 24h, 7d, 2y)")
        seconds = float(match.group(1)) * UNIT_SECONDS[match.group(2)]
    if not math.isfinite(seconds) or seconds < 0:
        raise ValueError(f"not a duration: {text!r}")
    return seconds


def parse_instant(text: str, now: float) -> float:
    """UTC epoch seconds of ``text``: ISO-8601 (naive means UTC), epoch seconds, ``now`` or
    ``now-<duration>``. Raises ValueError when unparseable or outside 1970..2200."""
    raw = text.strip()
    relative = _RELATIVE.match(raw.lower())
    if relative is not None:
        value = now - (parse_duration(relative.group(1)) if relative.group(1) else 0.0)
    else:
        try:
            value = float(raw)
        except ValueError:
            value = _parse_iso(raw)
    if not math.isfinite(value) or not EARLIEST <= value <= LATEST:
        raise ValueError(f"time out of range: {text!r}")
    return value


def _parse_iso(raw: str) -> float:
    candidate = raw[:-1] + "+00:00" if raw.endswith(("Z", "z")) else raw
    try:
        parsed = datetime.fromisoformat(candidate)
    except ValueError:
        raise ValueError(
            f"not a time: {raw!r} (use ISO-8601 like 2025-11-26T10:00:00Z, epoch seconds, "
            "or now-24h)"
        ) from None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.timestamp()


def iso_utc(ts: float) -> str:
    """``ts`` (epoch seconds) as ISO-8601 UTC with milliseconds and a ``Z``."""
    return datetime.fromtimestamp(ts, UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"
