"""The summary panel: one row per drawn series over the view, from ``analysis.reports``'
summary report (``summary_report``), with its distribution and, when comparing, how much this
range differs from the earlier one.

Values carry the series' unit as the page writes units everywhere (``collectors.units``:
binary multiples for bytes, "%", "/s"); series are named by their catalogue label; the time of
each max is in the page's time zone.
"""

from __future__ import annotations

from typing import Any

from dash import html

from app.pages.history.svg import bars
from app.pages.history.timezones import epoch_to_local
from collectors.catalog import describe
from collectors.units import format_value

STATS = ("min", "mean", "p50", "p95", "p99", "max")
DELTAS = ("mean", "p95", "max")  # the differences shown when comparing (the API has all six)
BUCKETS = {"1m": "1-minute buckets", "1h": "1-hour buckets"}


def value_text(value: float | None, series: str) -> str:
    """``value`` of ``series`` with the series' unit ("12.5 %", "3.20 MiB/s", "–")."""
    return format_value(value, describe(series).unit)


def delta_text(value: float | None, series: str) -> str:
    """A difference of ``series``, signed ("+2.5 %", "−1.20 MiB"); "–" when there is none."""
    if value is None:
        return "–"
    text = value_text(abs(value), series)
    if text == value_text(0.0, series):  # too small to show: no sign ("±0.0 %")
        return "±" + text
    return ("+" if value > 0 else "−") + text


def source_note(report: dict[str, Any]) -> str:
    """Says whether the percentiles are exact (raw samples) or approximate (rollup buckets)."""
    if report.get("exact"):
        return "exact (raw samples)"
    buckets = BUCKETS.get(str(report.get("source")), "rollup buckets")
    return f"approximate percentiles ({buckets})"


def _headers(compared: bool) -> list[Any]:
    names = ["Series", *STATS, "max at", "count"]
    names += [f"Δ {key}" for key in DELTAS] if compared else []
    cells = [html.Th(name, scope="col", **{"data-col": name}) for name in names]
    return [*cells, html.Th("distribution", scope="col", className="history-hist-col")]


def _row(row: dict[str, Any], tz: str, difference: dict[str, Any] | None) -> html.Tr:
    """One series: its figures, the time of its max, its count, its differences, its bars."""
    series = row["series"]
    info = describe(series)
    label = f"{info.label} ({info.symbol})" if info.symbol else info.label
    when = epoch_to_local(row["max_at"], tz) if row.get("max_at") is not None else "–"
    cells = [html.Th(label, scope="row", title=series, className="history-summary-series")]
    cells += [html.Td(value_text(row.get(k), series), **{"data-col": k}) for k in STATS]
    cells += [html.Td(when, className="history-when"), html.Td(f"{row['count']:,}")]
    if difference is not None:
        cells += [
            html.Td(delta_text(difference.get(k), series), className="history-delta",
                    **{"data-col": f"Δ {k}"})
            for k in DELTAS
        ]  # fmt: skip
    counts = (row.get("histogram") or {}).get("counts") or []
    low, high = value_text(row.get("min"), series), value_text(row.get("max"), series)
    cells.append(html.Td(bars(counts, f"distribution of {info.label}, {low} to {high}")))
    return html.Tr(cells, **{"data-series": series})


def summary_panel(report: dict[str, Any] | None, tz: str, compare_label: str = "") -> Any:
    """The table of ``report`` (a summary report), its note on exactness and, with a
    ``compare`` part, the Δ columns (this range less the one ``compare_label``)."""
    if not report or not report.get("series"):
        return html.P("Pick one or more metrics to summarise them.", className="history-note")
    compare = report.get("compare")
    differences = (compare or {}).get("difference") or {}
    rows = [
        _row(row, tz, differences.get(row["series"]) if compare else None)
        for row in report["series"]
    ]
    note = source_note(report)
    if compare:
        note += f" · Δ: this range less the {compare_label or 'earlier one'}"
    return html.Div(
        [
            html.Div(
                html.Table(
                    [html.Thead(html.Tr(_headers(bool(compare)))), html.Tbody(rows)],
                    className="history-table history-summary-table",
                ),
                className="history-table-scroll",
            ),
            html.P(note, className="history-note"),
        ]
    )
