"""The analysis components of the page: the "Compare with" control beside the range, and
below the chart the summary, "What changed" and "Who used the machine" panels.

Layout only, in the page's shared controls (segmented buttons, panels, buttons); the callbacks
(analysis_callbacks.py) fill the panels.
"""

from __future__ import annotations

from typing import Any

from dash import dcc, html

from app.pages import ids
from app.pages.history.fields import segmented_field
from app.pages.history.process_table import COLUMNS

COMPARE_OPTIONS = [
    {"label": "none", "value": "none"},
    {"label": "previous day", "value": "1d"},
    {"label": "previous week", "value": "7d"},
]


def compare_control() -> html.Div:
    """Compare with: none, the previous day or the previous week (segmented, a radio group)."""
    return segmented_field(
        "Compare with", ids.HISTORY_COMPARE, COMPARE_OPTIONS, "none", "history-compare"
    )


def _panel(title: str, body_id: str, class_name: str, *actions: Any) -> html.Section:
    """A titled panel (its actions beside the title) whose body the callbacks fill."""
    return html.Section(
        [
            html.Div(
                [html.H2(title, className="history-panel-title"), *actions],
                className="history-panel-head",
            ),
            html.Div(
                html.P("Loading…", className="history-note"), id=body_id, **{"aria-live": "polite"}
            ),
        ],
        className=f"panel history-panel {class_name}",
    )


def analysis_section() -> html.Div:
    """The three panels under the chart, and the stores of what they were last given."""
    ask = html.Button("What changed in this range?", id=ids.HISTORY_CHANGES_RUN, className="button")
    csv = html.A(
        "Download CSV", id=ids.HISTORY_PROCS_CSV, href="", download="top-processes.csv",
        className="button history-download",
    )  # fmt: skip
    return html.Div(
        [
            dcc.Store(id=ids.HISTORY_CHANGES_DATA),
            dcc.Store(id=ids.HISTORY_PROCS_DATA),
            dcc.Store(id=ids.HISTORY_PROC_SORT, data=COLUMNS[1][0]),
            dcc.Store(id=ids.HISTORY_PROC_OPEN),
            _panel("Summary of the range", ids.HISTORY_SUMMARY, "history-summary"),
            _panel("What changed", ids.HISTORY_CHANGES, "history-changes", ask),
            _panel("Who used the machine", ids.HISTORY_PROCS, "history-procs", csv),
        ],
        className="history-analysis",
    )
