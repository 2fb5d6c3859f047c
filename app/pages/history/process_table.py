"""The "Who used the machine" table: process names ranked over the view, from
``analysis.reports``' top-processes report (``top_processes_report``), and its CSV link.

Each column header is a button (pattern id ``{"type": ids.HISTORY_PROC_SORT_BY, "key": k}``)
ranking by that column; each row (``{"type": ids.HISTORY_PROC_ROW, "name": n}``) opens, on a
click, a row below it with the command line, user and process count, and the name's CPU and
memory over the range as the stored snapshots have them (``process_series``: only the moments
it was in the top lists, which the row says).
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from dash import html

from app.pages import ids
from app.pages.history.process_series import ProcessSeries
from app.pages.history.svg import sparkline
from app.paths import TOP_PROCESSES_PATH
from collectors.units import format_value
from storage.timeparse import iso_utc

COLUMNS = (  # (report key, header, sortable by the API)
    ("name", "Name", False),
    ("cpu_s", "CPU-seconds", True),
    ("rss_peak", "Peak memory", True),
    ("rss_avg", "Avg memory", True),
    ("top_s", "In top lists", True),
    ("pids", "PIDs", False),
    ("user", "User", False),
)
CSV_LIMIT = 1000  # every name the API ranks
LIMIT = 20  # rows the table shows


def csv_href(host: str, start: float, end: float, sort: str) -> str:
    """The top-processes CSV of the range, relative (it works under a proxy's path prefix)."""
    query = {"host": host, "from": iso_utc(start), "to": iso_utc(end), "sort": sort,
             "format": "csv", "limit": CSV_LIMIT}  # fmt: skip
    return f"{TOP_PROCESSES_PATH.lstrip('/')}?{urlencode(query)}"


def duration_text(seconds: float | None) -> str:
    """Seconds for people: "45 s", "12 min", "3.5 h"; "–" without a value."""
    if seconds is None:
        return "–"
    if seconds < 90:
        return f"{seconds:.0f} s"
    if seconds < 5400:
        return f"{seconds / 60:.0f} min"
    return f"{seconds / 3600:.1f} h"


def cell_text(key: str, value: Any) -> str:
    """One cell of the table, in the unit of its column."""
    if key == "cpu_s":
        return "–" if value is None else f"{value:,.1f}"
    if key in ("rss_peak", "rss_avg"):
        return format_value(value, "bytes")
    if key == "top_s":
        return duration_text(value)
    return "" if value is None else str(value)


def _header(key: str, title: str, sortable: bool, sort: str) -> html.Th:
    if not sortable:
        return html.Th(title, scope="col")
    chosen = key == sort
    button = html.Button(
        title + (" ▼" if chosen else ""),
        id={"type": ids.HISTORY_PROC_SORT_BY, "key": key},
        className="history-sort" + (" history-sort--on" if chosen else ""),
        title=f"Rank by {title.lower()}, highest first",
    )
    return html.Th(button, scope="col", **{"aria-sort": "descending" if chosen else "none"})


def _usage_over_time(series: ProcessSeries | None) -> list[Any]:
    """The opened name's CPU and memory sparklines, or why there are none."""
    if series is None or not series.seen:
        return [html.Div("Not in any stored snapshot of this range.", className="history-note")]
    cpu_top = max(v for v in series.cpu if v is not None)
    rss_top = max(v for v in series.rss if v is not None)
    parts = []
    for title, values, top in (
        ("CPU", series.cpu, f"{cpu_top:.1f} %"),
        ("Memory", series.rss, format_value(rss_top, "bytes")),
    ):
        parts.append(
            html.Div(
                [html.Span(f"{title}, up to {top}", className="history-proc-series-label"),
                 sparkline(values, f"{title} of the process over the range, up to {top}")],
                className="history-proc-series",
            )
        )  # fmt: skip
    slots = len(series.cpu)
    parts.append(
        html.Div(
            "From the stored snapshots, which keep each moment's top lists only: gaps are "
            f"moments it was not among them ({series.seen} of {slots} slots have a value).",
            className="history-note",
        )
    )
    return parts


def _rows(process: dict[str, Any], is_open: bool, series: ProcessSeries | None) -> list[html.Tr]:
    name = process["name"]
    expanded = {"aria-expanded": "true" if is_open else "false"}
    name_button = html.Button(
        name, className="history-proc-name", title="Show its details", **expanded
    )
    cells = [html.Td(name_button)]
    cells += [html.Td(cell_text(k, process.get(k)), **{"data-col": k}) for k, _, _ in COLUMNS[1:]]
    row = html.Tr(cells, id={"type": ids.HISTORY_PROC_ROW, "name": name},
                  className="history-proc-row" + (" is-open" if is_open else ""))  # fmt: skip
    if not is_open:
        return [row]
    who = f"{process.get('pids', 0)} process(es) of user {process.get('user') or '?'}"
    details = html.Td(
        [
            html.Div(
                [
                    html.Span("Command ", className="history-note"),
                    html.Code(process.get("command") or "(not stored)"),
                ]
            ),
            html.Div(who, className="history-note"),
            *_usage_over_time(series),
        ],
        colSpan=len(COLUMNS),
        className="history-proc-details",
    )
    return [row, html.Tr(details)]


def processes_panel(
    report: dict[str, Any] | None, opened: str | None, series: ProcessSeries | None = None
) -> Any:
    """The ranking of ``report`` (a top-processes report) sorted by its ``sort``, the row of
    ``opened`` open with its ``series``; a line saying so when no snapshot is stored in the
    range."""
    if not report:
        return html.P("No range shown yet.", className="history-note")
    processes = report.get("processes") or []
    if not processes:
        return html.P("No process snapshot is stored in this range.", className="history-note")
    head = html.Tr([_header(k, title, s, report["sort"]) for k, title, s in COLUMNS])
    body = [tr for p in processes for tr in _rows(p, p["name"] == opened, series)]
    shown = f"{len(processes)} of {report['total']:,} names" if report["total"] > LIMIT else ""
    return [
        html.Div(
            html.Table(
                [html.Thead(head), html.Tbody(body)], className="history-table history-proc-ranking"
            ),
            className="history-table-scroll",
        ),
        html.P(
            "CPU-seconds count while a process is in a snapshot's top lists (a floor). "
            + (shown + "." if shown else ""),
            className="history-note",
        ),
    ]
