"""What the analysis panels read, as functions of the store the page is handed: the summary
of the view (and the comparison with the day or week before), the series that changed in the
view's window, and who used the machine over it.

Each calls ``analysis.reports``, as the analysis API does, with the store of the page's
PageContext; each returns what one callback outputs. The reports that the page shows in more
than one way (the changes and the process ranking) go to a store first (``dcc.Store``), and
are drawn from it with what the page chose (the drawn series, the opened row).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import plotly.graph_objects as go
from dash import ctx, no_update

from analysis.changes import default_baseline_s
from analysis.reports import changes_report, summary_report, top_processes_report
from analysis.usage import SORTS
from app.alerts.rules import Rule
from app.pages.history import reads
from app.pages.history.changes_list import changes_panel
from app.pages.history.process_series import slotted
from app.pages.history.process_table import LIMIT, csv_href, processes_panel
from app.pages.history.summary_table import summary_panel
from app.pages.history.timezones import safe_tz
from storage.history import HistoryReader, UnknownHost
from storage.process_series import process_series as process_points
from storage.store import MetricStore

# The "Compare with" choices: (shift in seconds, how the earlier period is named).
COMPARE: dict[str, tuple[float | None, str]] = {
    "none": (None, ""),
    "1d": (86400.0, "day before"),
    "7d": (7 * 86400.0, "week before"),
}
BINS = 24
CHANGES_LIMIT = 10


def compare_shift(choice: str | None) -> tuple[float | None, str]:
    """(seconds, name) of a "Compare with" choice; (None, "") for none or an unknown one."""
    return COMPARE.get(choice or "none", COMPARE["none"])


def render_view(
    store: MetricStore, view_range: dict[str, float] | None, metrics: list[str] | None,
    host: str | None, compare: str | None, tz: str | None, rules: Sequence[Rule] = (),
) -> tuple[go.Figure | dict[str, Any], str, str]:  # fmt: skip
    """The chart callback's outputs (``reads.render``), with the compared period overlaid."""
    shift, name = compare_shift(compare)
    return reads.render(store, view_range, metrics, host, tz, rules, shift, name)


def summary(
    store: MetricStore, view_range: dict[str, float] | None, metrics: list[str] | None,
    host: str | None, compare: str | None, tz: str | None,
) -> Any:  # fmt: skip
    """The summary panel of the drawn series over the view (and the compared period)."""
    tz = safe_tz(tz)
    if not view_range or not host or not metrics:
        return summary_panel(None, tz)
    shift, name = compare_shift(compare)
    try:
        report = summary_report(
            store, host, metrics, view_range["start"], view_range["end"], compare_s=shift,
            bins=BINS,
        )  # fmt: skip
    except UnknownHost:
        return summary_panel(None, tz)
    return summary_panel(report, tz, name)


def changes(
    store: MetricStore, asked: int | None, view_range: dict[str, float] | None, host: str | None
) -> dict[str, Any] | None:
    """Once asked (``asked`` clicks), the changes report of every stored series of ``host``
    in the view's window (the zoom, when zoomed), with the window's bounds in epoch seconds
    beside its ISO ones; asked again as the window changes."""
    if not asked or not view_range or not host:
        return None
    start, end = view_range["start"], view_range["end"]
    baseline = default_baseline_s(end - start)
    try:
        names = HistoryReader(store).series_names(host)
    except UnknownHost:
        return None
    report = changes_report(
        store, host, names, start, end, baseline_s=baseline, limit=CHANGES_LIMIT
    )
    return report | {"from_s": start, "to_s": end, "baseline_from_s": start - baseline}


def show_changes(report: dict[str, Any] | None, metrics: list[str] | None, tz: str | None) -> Any:
    """The changes list of ``report``, the series already drawn marked so."""
    return changes_panel(report, metrics or [], safe_tz(tz))


def clicked() -> dict[str, str] | None:
    """The pattern id of the button or row whose click called the callback; None when the
    callback ran because such components appeared (drawn afresh, never clicked)."""
    trigger = ctx.triggered_id
    value = ctx.triggered[0].get("value") if ctx.triggered else None
    return trigger if isinstance(trigger, dict) and value else None


def add_series(_clicks: list[int | None], metrics: list[str] | None) -> Any:
    """The chart's series after an "Add to chart" click: the clicked one added at the end."""
    if (clicked_id := clicked()) is None:
        return no_update
    chosen = list(metrics or [])
    series = clicked_id["series"]
    return chosen if series in chosen else [*chosen, series]


def processes(
    store: MetricStore, view_range: dict[str, float] | None, host: str | None, sort: str | None
) -> tuple[dict[str, Any] | None, str]:
    """The top-processes report of the view ranked by ``sort``, and its CSV link."""
    if not view_range or not host:
        return None, ""
    sort = sort if sort in SORTS else SORTS[0]
    start, end = view_range["start"], view_range["end"]
    report = top_processes_report(store, host, start, end, sort=sort, limit=LIMIT)
    return report, csv_href(host, start, end, sort)


def show_processes(
    store: MetricStore, report: dict[str, Any] | None, opened: str | None,
    view_range: dict[str, float] | None, host: str | None,
) -> Any:  # fmt: skip
    """The process ranking of ``report``, the row of ``opened`` open with its CPU and memory
    over the view from the stored snapshots."""
    if not opened or not view_range or not host:
        return processes_panel(report, None)
    start, end = view_range["start"], view_range["end"]
    series = slotted(process_points(store, host, opened, start, end), start, end)
    return processes_panel(report, opened, series)


def choose_sort(_clicks: list[int | None]) -> Any:
    """The column a header click ranks by."""
    clicked_id = clicked()
    return no_update if clicked_id is None else clicked_id["key"]


def toggle_row(_clicks: list[int | None], opened: str | None) -> Any:
    """The open row after a row click: the clicked one, or none when it was open."""
    clicked_id = clicked()
    if clicked_id is None:
        return no_update
    return None if clicked_id["name"] == opened else clicked_id["name"]
