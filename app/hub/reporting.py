"""When a host counts as still reporting: the one rule the API, readiness and the overview share."""

from __future__ import annotations

SILENT_INTERVALS = 3  # intervals without a sample before a host counts as not reporting
GRACE_S = 1.0  # on top: a sample a little late (a slow tick, the relay's delay) is not silence


def still_reporting(age_s: float, interval_s: float) -> bool:
    """True while the newest sample, ``age_s`` old, is within three of the host's intervals."""
    return age_s <= SILENT_INTERVALS * interval_s + GRACE_S
