"""The Dash wiring of the analysis panels: thin, to the functions of ``analysis_reads``.

Those that read are bound (``partial``) to the store of the page's PageContext. The summary
follows the view, its series and the comparison; the changes are computed once "What changed
in this range?" is pressed, then again as the view's window (a zoom) changes; the process
ranking follows the view and the chosen column.
"""

from __future__ import annotations

from functools import partial

from dash import ALL, Dash, Input, Output, State

from app.pages import ids
from app.pages.history import analysis_reads as reads
from storage.store import MetricStore


def register_analysis(dash_app: Dash, store: MetricStore) -> None:
    """Registers the callbacks of the summary, changes and process panels on ``dash_app``."""
    dash_app.callback(
        Output(ids.HISTORY_SUMMARY, "children"),
        Input(ids.HISTORY_VIEW, "data"),
        Input(ids.HISTORY_METRICS, "value"),
        Input(ids.HISTORY_HOST, "value"),
        Input(ids.HISTORY_COMPARE, "value"),
        State(ids.HISTORY_TZ, "data"),
    )(partial(reads.summary, store))
    _register_changes(dash_app, store)
    _register_processes(dash_app, store)


def _register_changes(dash_app: Dash, store: MetricStore) -> None:
    dash_app.callback(
        Output(ids.HISTORY_CHANGES_DATA, "data"),
        Input(ids.HISTORY_CHANGES_RUN, "n_clicks"),
        Input(ids.HISTORY_VIEW, "data"),
        Input(ids.HISTORY_HOST, "value"),
    )(partial(reads.changes, store))
    dash_app.callback(
        Output(ids.HISTORY_CHANGES, "children"),
        Input(ids.HISTORY_CHANGES_DATA, "data"),
        Input(ids.HISTORY_METRICS, "value"),
        State(ids.HISTORY_TZ, "data"),
    )(reads.show_changes)
    dash_app.callback(
        Output(ids.HISTORY_METRICS, "value", allow_duplicate=True),
        Input({"type": ids.HISTORY_CHANGE_ADD, "series": ALL}, "n_clicks"),
        State(ids.HISTORY_METRICS, "value"),
        prevent_initial_call=True,
    )(reads.add_series)


def _register_processes(dash_app: Dash, store: MetricStore) -> None:
    dash_app.callback(
        Output(ids.HISTORY_PROCS_DATA, "data"),
        Output(ids.HISTORY_PROCS_CSV, "href"),
        Input(ids.HISTORY_VIEW, "data"),
        Input(ids.HISTORY_HOST, "value"),
        Input(ids.HISTORY_PROC_SORT, "data"),
    )(partial(reads.processes, store))
    dash_app.callback(
        Output(ids.HISTORY_PROCS, "children"),
        Input(ids.HISTORY_PROCS_DATA, "data"),
        Input(ids.HISTORY_PROC_OPEN, "data"),
        State(ids.HISTORY_VIEW, "data"),
        State(ids.HISTORY_HOST, "value"),
    )(partial(reads.show_processes, store))
    dash_app.callback(
        Output(ids.HISTORY_PROC_SORT, "data"),
        Input({"type": ids.HISTORY_PROC_SORT_BY, "key": ALL}, "n_clicks"),
        prevent_initial_call=True,
    )(reads.choose_sort)
    dash_app.callback(
        Output(ids.HISTORY_PROC_OPEN, "data"),
        Input({"type": ids.HISTORY_PROC_ROW, "name": ALL}, "n_clicks"),
        State(ids.HISTORY_PROC_OPEN, "data"),
        prevent_initial_call=True,
    )(reads.toggle_row)
