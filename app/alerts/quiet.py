"""Silences (a matcher and an end time) and quiet hours: they mute notifications, not events."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, time
from fnmatch import fnmatchcase
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from app.alerts.rules import QuietHours

_CLOCK = re.compile(r"^([01]?\d|2[0-3]):([0-5]\d)$")


@dataclass(frozen=True)
class Silence:
    """Mutes alerts whose rule, host and series match these glob patterns until ``until``."""

    id: int
    rule: str
    host: str
    series: str
    until: float
    by: str = ""
    note: str = ""

    def matches(self, rule: str, host: str, series: str, now: float) -> bool:
        return (
            now < self.until
            and fnmatchcase(rule, self.rule)
            and fnmatchcase(host, self.host)
            and fnmatchcase(series, self.series)
        )


def silenced_by(
    silences: list[Silence], rule: str, host: str, series: str, now: float
) -> Silence | None:
    """The first silence in force over this alert, if any."""
    return next((s for s in silences if s.matches(rule, host, series, now)), None)


def check_quiet_hours(hours: QuietHours) -> str | None:
    """What is wrong with ``hours`` (one phrase naming the key), or None."""
    for key in ("start", "end"):
        if not _CLOCK.match(getattr(hours, key)):
            return f"key {key!r}: must be a time like 22:00, got {getattr(hours, key)!r}"
    try:
        ZoneInfo(hours.timezone)
    except (ZoneInfoNotFoundError, ValueError):
        return f"key 'timezone': unknown time zone {hours.timezone!r}"
    return None


def in_quiet_hours(hours: QuietHours | None, now: float) -> bool:
    """Whether epoch second ``now`` falls in the daily quiet span (which may cross midnight)."""
    if hours is None:
        return False
    local = datetime.fromtimestamp(now, ZoneInfo(hours.timezone)).time()
    start, end = _clock(hours.start), _clock(hours.end)
    if start <= end:
        return start <= local < end
    return local >= start or local < end


def _clock(text: str) -> time:
    hour, minute = text.split(":")
    return time(int(hour), int(minute))
