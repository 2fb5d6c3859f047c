"""The range state machine: which stretch of time the page shows after a control changed.

Two ranges are kept in the browser: the base range (a preset ending now, or a typed custom
range; it remembers which preset, if any) and the view range (the base, or a zoom into it). A
preset or refresh sets both; "Apply" (or Enter in a field) sets both to the typed range, or
says next to the fields why it cannot; a zoom narrows only the view and shows it in the From
and To fields as a custom range; resetting the zoom returns the view, the fields and the
preset to the base.
"""

from __future__ import annotations

from typing import Any, NamedTuple

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
INPUT_HINT = "YYYY-MM-DD HH:MM"
APPLY_TRIGGERS = (ids.HISTORY_TYPED,)  # Apply or Enter: the fields' texts, read in the page


class RangeChoice(NamedTuple):
    """What the range callback outputs (``no_update`` where a value stays)."""

    base: Any
    view: Any
    start_text: Any
    end_text: Any
    preset: Any
    message: Any


UNCHANGED = RangeChoice(*(no_update,) * 6)


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


def typed_range(start_text: str | None, end_text: str | None, tz: str) -> tuple[float, float]:
    """The range typed in the From and To fields; ValueError with a message for people."""
    bounds = []
    for label, text in (("From", start_text), ("To", end_text)):
        text = (text or "").strip()
        try:
            bounds.append(local_to_epoch(text, tz))
        except (ValueError, TypeError, OverflowError):
            shown = f"“{text}”" if text else "nothing"
            raise ValueError(f"{label}: {shown} is not a time; use {INPUT_HINT}") from None
    start, end = bounds
    if end <= start:
        raise ValueError("From must be before To")
    if end - start > MAX_VIEW_SPAN:
        raise ValueError(f"A range spans at most {MAX_VIEW_SPAN / 86400:.0f} days")
    return start, end


def _texts(start: float, end: float, tz: str) -> tuple[str, str]:
    return epoch_to_local(start, tz, INPUT_FORMAT), epoch_to_local(end, tz, INPUT_FORMAT)


def _shown(chosen: dict[str, Any], tz: str, preset: Any = no_update) -> RangeChoice:
    """Base and view ``chosen``, the fields showing it, ``preset`` selected, no message."""
    view = {"start": chosen["start"], "end": chosen["end"]}
    return RangeChoice(chosen, view, *_texts(chosen["start"], chosen["end"], tz), preset, "")


def _after_zoom(relayout: dict[str, Any] | None, tz: str, base: dict | None) -> RangeChoice:
    """A zoom: the view and the fields show it, as a custom range; its reset: the base."""
    zoomed = zoom_range(relayout, tz)
    if zoomed is not None:
        view = {"start": zoomed[0], "end": zoomed[1]}
        return RangeChoice(no_update, view, *_texts(*zoomed, tz), CUSTOM, "")
    if relayout and relayout.get("xaxis.autorange") and base:
        return _shown(base, tz, base.get("preset") or CUSTOM)._replace(base=no_update)
    return UNCHANGED


def choose_range(
    trigger: str | None,
    preset: str | None,
    relayout: dict[str, Any] | None,
    start_text: str | None,
    end_text: str | None,
    tz: str | None,
    base: dict[str, Any] | None,
    now: float,
    linked: tuple[float, float] | None = None,
    linked_preset: str | None = None,
) -> RangeChoice:
    """The ranges, fields, preset and message after a control changed.

    ``trigger`` is the id of the control that changed (``ids.HISTORY_GRAPH`` for a zoom or its
    reset, ``ids.HISTORY_TYPED`` for a typed range (Apply or Enter), anything else for a
    preset or refresh). ``linked`` and ``linked_preset`` are the window or preset of the page's
    URL (``links.parse_link``): the first range shown.
    """
    tz = safe_tz(tz)
    if base is None and trigger == ids.HISTORY_TZ and (linked or linked_preset):
        if linked is not None:
            return _shown({"start": linked[0], "end": linked[1], "preset": None}, tz, CUSTOM)
        start, end = preset_range(linked_preset or DEFAULT_PRESET, now)
        return _shown({"start": start, "end": end, "preset": linked_preset}, tz, linked_preset)
    if trigger == ids.HISTORY_GRAPH:
        return _after_zoom(relayout, tz, base)
    if trigger in APPLY_TRIGGERS:
        try:
            start, end = typed_range(start_text, end_text, tz)
        except ValueError as error:
            return UNCHANGED._replace(message=str(error))
        return _shown({"start": start, "end": end, "preset": None}, tz, CUSTOM)
    if preset == CUSTOM and trigger == ids.HISTORY_PRESET:
        return UNCHANGED._replace(message="")
    if preset == CUSTOM and base:
        return _shown(base, tz)
    chosen = preset if preset in PRESETS else DEFAULT_PRESET
    start, end = preset_range(chosen, now)
    return _shown({"start": start, "end": end, "preset": chosen}, tz)
