"""What the page reads from the store, as functions of the store it is handed.

The callbacks pass the store of their PageContext; tests pass any store. Each returns what
one callback outputs.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import plotly.graph_objects as go
from dash import html, no_update

from app.alerts.rules import Rule
from app.pages.history import alert_marks
from app.pages.history.axes import AxisPlan, plan_axes
from app.pages.history.export_link import download_href
from app.pages.history.figures import (
    build_figure,
    describe,
    empty_figure,
    magnitudes,
    shifted_traces,
)
from app.pages.history.links import parse_link
from app.pages.history.snapshots import snapshot_panel
from app.pages.history.timezones import local_to_epoch, safe_tz
from collectors.catalog import catalog
from collectors.units import format_value
from storage.alert_events import AlertEventStore
from storage.history import HistoryReader, UnknownHost
from storage.snapshot_reads import snapshot_near
from storage.store import MetricStore
from storage.usage import storage_bytes

DEFAULT_METRICS = ("cpu.total", "memory.percent")
MAX_EVENTS = 5000
LOOKBACK_S = 7 * 86400.0  # a period that began this long before the view still shows


def init_page(
    store: MetricStore, preferred: str | None, search: str | None = None
) -> tuple[list[str], str | None, dict[str, str], str]:
    """Host options and choice (the link's host, else ``preferred``; the picker only shows
    with several hosts), storage use."""
    linked = parse_link(search)
    preferred = linked.host if linked is not None and linked.host else preferred
    hosts = store.host_names()
    host = preferred if preferred in hosts else (hosts[0] if hosts else None)
    style = {} if len(hosts) > 1 else {"display": "none"}
    sizes = storage_bytes(store.engine)
    parts = ", ".join(
        f"{k.removeprefix('monitor_')} {format_value(v, 'bytes')}" for k, v in sizes.items()
    )
    total = format_value(sum(sizes.values()), "bytes")
    return hosts, host, style, f"History storage: {total} ({parts})"


def picker_options(names: Sequence[str]) -> list[dict[str, Any]]:
    """The metric picker's options: per group (a header that cannot be chosen), each series
    by its label with its unit; a search matches group, label, unit and the series name."""
    options: list[dict[str, Any]] = []
    infos = catalog(names)
    for group in dict.fromkeys(i.group for i in infos):
        members = [i for i in infos if i.group == group]
        options.append(
            {"label": html.Span(group, className="metric-group"), "value": f"group:{group}",
             "disabled": True, "search": " ".join(i.search for i in members)}
        )  # fmt: skip
        options += [
            {"label": html.Span([html.Span(i.label, className="metric-label"), " ",
                                 html.Span(i.symbol, className="metric-unit")]),
             "value": i.name, "search": i.search, "title": i.description or i.name}
            for i in members
        ]  # fmt: skip
    return options


def metric_options(
    store: MetricStore, host: str | None, chosen: list[str] | None, search: str | None = None
) -> tuple[list[dict[str, Any]], list[str]]:
    """The picker's options (``picker_options``) of every stored series of ``host``; keeps
    the chosen ones that exist, else those the page's link names (on first load), else the
    defaults."""
    if not host:
        return [], []
    try:
        names = HistoryReader(store).series_names(host)
    except UnknownHost:
        return [], []
    link = parse_link(search) if chosen is None else None
    wanted = chosen or (list(link.metrics) if link is not None else [])
    kept = [m for m in wanted if m in names]
    if not kept:
        kept = [m for m in DEFAULT_METRICS if m in names] or names[:1]
    return picker_options(names), kept


def render(
    store: MetricStore,
    view_range: dict[str, float] | None,
    metrics: list[str] | None,
    host: str | None,
    tz: str | None,
    rules: Sequence[Rule] = (),
    compare_s: float | None = None,
    compare_label: str = "",
) -> tuple[go.Figure | dict[str, Any], str, str]:
    """(figure, info line, download URL) of the view, with the thresholds of ``rules`` and
    the stored alert periods of the drawn series; with ``compare_s``, also the same series
    that many seconds earlier, dashed over the view and named "… (``compare_label``)"."""
    tz = safe_tz(tz)
    if not view_range or not host:
        return empty_figure("No history stored yet"), "", ""
    if not metrics:
        return empty_figure("Pick one or more metrics"), "", ""
    reader, start, end = HistoryReader(store), view_range["start"], view_range["end"]
    try:
        view = reader.view(host, metrics, start, end)
    except UnknownHost:
        return empty_figure(f"No history stored for {host}"), "", ""
    plan = plan_axes(view.data.names, magnitudes(view))
    shapes = alert_shapes(store, rules, host, metrics, view_range, tz, plan)
    figure = build_figure(view, tz, shapes, plan)
    if compare_s and len(view.data):
        earlier = reader.view(host, metrics, start - compare_s, end - compare_s)
        names = view.data.names
        figure.add_traces(shifted_traces(earlier, names, plan, tz, compare_s, compare_label))
    return figure, describe(view, tz), download_href(view, metrics)


def alert_shapes(
    store: MetricStore, rules: Sequence[Rule], host: str, metrics: list[str],
    view_range: dict[str, float], tz: str | None, plan: AxisPlan | None = None,
) -> list[dict[str, Any]]:  # fmt: skip
    """Threshold lines (on their series' axis of ``plan``) and alert-period bands of the
    drawn series that have rules."""
    lines = alert_marks.thresholds(rules, metrics)
    if not lines:
        return []
    watched = sorted({t.series for t in lines})
    start, end = view_range["start"], view_range["end"]
    events = AlertEventStore(store.engine).events(
        host=host, until=end, limit=MAX_EVENTS, newest_first=False,
        kinds=["firing", "escalated", "resolved", "cancelled"], since=start - LOOKBACK_S,
    )  # fmt: skip
    bands = [p for p in alert_marks.periods(events, watched) if (p.end or end) >= start]
    plan = plan or plan_axes(metrics)

    def place(series: str) -> tuple[str, float]:
        axis = plan.axis_of(series)
        return axis.ref, axis.factor

    return alert_marks.band_shapes(bands, end, tz) + alert_marks.threshold_shapes(lines, place)


def show_snapshot(
    store: MetricStore, click: dict[str, Any] | None, host: str | None, tz: str | None
) -> Any:
    """The snapshot panel for a clicked point."""
    if not click or not click.get("points") or not host:
        return no_update
    tz = safe_tz(tz)
    clicked = local_to_epoch(click["points"][0]["x"], tz)
    return snapshot_panel(snapshot_near(store, host, clicked), clicked, tz)
