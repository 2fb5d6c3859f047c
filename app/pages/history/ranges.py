"""The range state machine: which stretch of time the page shows after a control changed.

Two ranges are kept in the browser: the base range (a preset ending now, or a typed custom
range) and the view range (the base, or a zoom into it). A preset or refresh sets both; "Apply"
sets both to the typed range; a zoom narrows only the view; resetting the zoom returns the view
to the base.
"""

from __future__ import annotations

from typing import Any

from dash import no_update

from app.pages import ids
from app.pages.history.timezones import epoch_to_local, local_to_epoch, safe_tz
from storage.params import MAX_VIEW_SPAN

PRESETS: dict[str, float] = {
    "15m": 900.0,
    "1h": 3600.0,
    "6h": 6 * 3600.0,
    "24h": 86400.0,
    "7d": 7 * 86400.0,
    "30d": 30 * 86400.0,
}
DEFAULT_PRESET = "1h"
CUSTOM = "custom"
INPUT_FORMAT = "%Y-%m-%d %H:%M"  # what the from/to inputs show


def preset_range(preset: str, now: float) -> tuple[float, float]:
    """The range a preset names, ending ``now``."""
    return now - PRESETS.get(preset, PRESETS[DEFAULT_PRESET]), now


def zoom_range(relayout: dict[str, Any] | None, tz: str | None) -> tuple[float, float] | None:
    """The x range a Plotly relayout event zoomed to; None when it did not zoom."""
    if not relayout:
        return None
    if "xaxis.range[0]" in relayout and "xaxis.range[1]" in relayout:
        bounds = relayout["xaxis.range[0]"], relayout["xaxis.range[1]"]
    elif isinstance(relayout.get("xaxis.range"), list | tuple):
        bounds = tuple(relayout["xaxis.range"][:2])
    else:
        return None
    start, end = (local_to_epoch(b, tz) for b in bounds)
    return (start, end) if start < end else None


def choose_range(
    trigger: str | None,
    preset: str | None,
    relayout: dict[str, Any] | None,
    start_text: str | None,
    end_text: str | None,
    tz: str | None,
    base: dict[str, float] | None,
    now: float,
    linked: tuple[float, float] | None = None,
) -> tuple[Any, Any, Any, Any, Any]:
    """(base range, view range, from text, to text, preset) after a control changed.

    ``trigger`` is the id of the control that changed (``ids.HISTORY_GRAPH`` for a zoom or its
    reset, ``ids.HISTORY_APPLY`` for a typed range, anything else for a preset or refresh).
    ``linked`` is the window of the page's link (``links.parse_link``): the first range shown.
    """
    tz = safe_tz(tz)
    unchanged = (no_update,) * 5
    if linked is not None and base is None and trigger == ids.HISTORY_TZ:
        chosen = {"start": linked[0], "end": linked[1]}
        start_text, end_text = (epoch_to_local(t, tz, INPUT_FORMAT) for t in linked)
        return chosen, chosen, start_text, end_text, CUSTOM
    if trigger == ids.HISTORY_GRAPH:
        zoomed = zoom_range(relayout, tz)
        if zoomed is not None:
            return no_update, {"start": zoomed[0], "end": zoomed[1]}, *unchanged[:3]
        if relayout and relayout.get("xaxis.autorange") and base:
            return no_update, base, *unchanged[:3]
        return unchanged
    if trigger == ids.HISTORY_APPLY:
        try:
            start, end = local_to_epoch(start_text or "", tz), local_to_epoch(end_text or "", tz)
        except ValueError:
            return unchanged
        if not 0 < end - start <= MAX_VIEW_SPAN:
            return unchanged
        chosen = {"start": start, "end": end}
        return chosen, chosen, no_update, no_update, CUSTOM
    if preset == CUSTOM and trigger == ids.HISTORY_PRESET:
        return unchanged
    if preset == CUSTOM and base:
        chosen = base
    else:
        start, end = preset_range(preset or DEFAULT_PRESET, now)
        chosen = {"start": start, "end": end}
    return (
        chosen,
        chosen,
        epoch_to_local(chosen["start"], tz, INPUT_FORMAT),
        epoch_to_local(chosen["end"], tz, INPUT_FORMAT),
        no_update,
    )
