"""Small helpers shared by several collectors (not part of the public API)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any


def optional_call(function: Callable[..., Any] | None, *args: Any, **kwargs: Any) -> Any:
    """Calls ``function``; None when it is missing (None) or raises anything.

    For psutil functions that do not exist on every platform or may fail on some hosts
    (``cpu_freq``, ``sensors_*``, ``disk_io_counters`` in containers).
    """
    if function is None:
        return None
    try:
        return function(*args, **kwargs)
    except Exception:
        return None


def sum_known(values: Iterable[float | None]) -> float | None:
    """Sum of the values that are not None; None when every value is None (or there are none)."""
    known = [value for value in values if value is not None]
    return sum(known) if known else None
