"""Parts of the live page that the browser fills: the waiting figure, the health panel and the
"Containers and services" panel (assets/live-workloads.js draws its table)."""

from __future__ import annotations

from typing import Any

from dash import dcc, html

from app.pages import ids

# Labels of the health panel's numbers, in the order assets/live-panels.js fills them.
HEALTH_LABELS: tuple[str, ...] = (
    "Sampler lag",
    "Collect time",
    "Skipped ticks",
    "Dropped live",
    "Storage buffer",
    "Write errors",
    "Clients",
)


def waiting_figure() -> dict[str, Any]:
    """An empty, transparent figure shown until the first sample."""
    hidden = {"visible": False}
    return {
        "data": [],
        "layout": {
            "paper_bgcolor": "rgba(0,0,0,0)",
            "plot_bgcolor": "rgba(0,0,0,0)",
            "xaxis": hidden,
            "yaxis": hidden,
            "margin": {"l": 0, "r": 0, "t": 0, "b": 0},
            "annotations": [
                {
                    "text": "Waiting for data…",
                    "showarrow": False,
                    "font": {"color": "#8a94a3"},
                    "xref": "paper",
                    "yref": "paper",
                }
            ],
        },
    }


def health_placeholder() -> list[html.Div]:
    """The health panel before the first sample: the storage line and every number as "–".

    assets/live-panels.js replaces it with elements of the same classes and text lines, so the
    panel keeps its height when the values come (and when the storage line turns red).
    """
    storage = html.Div(
        [
            html.Span("Storage –", className="storage-text"),
            html.Span("", className="storage-buffer"),
        ],
        className="storage storage--unknown",
    )
    stats = [
        html.Div(
            [html.Span(label, className="stat-label"), html.Span("–", className="stat-value")],
            className="stat",
        )
        for label in HEALTH_LABELS
    ]
    return [storage, *stats]


def workloads_panel() -> html.Section:
    """The "Containers and services" panel: title, filter and the table's empty container.

    It starts hidden; assets/live-panels.js shows it while the samples carry "cgroups".
    """
    return table_panel(
        "Containers and services", ids.WORKLOAD_FILTER, "Filter by name, kind or id",
        ids.WORKLOAD_TABLE, "workload-table", id=ids.PANEL_WORKLOADS, hidden=True,
    )  # fmt: skip


def table_panel(
    title: str, filter_id: str, placeholder: str, table_id: str, table_class: str,
    id: str | None = None, hidden: bool = False,
) -> html.Section:  # fmt: skip
    """A wide panel: a title and a filter box above a table's empty container (the table's
    script fills it)."""
    head = html.Div(
        [
            html.H2(title, className="panel-title"),
            dcc.Input(
                id=filter_id,
                type="search",
                placeholder=placeholder,
                debounce=False,
                className="filter",
            ),
        ],
        className="panel-head",
    )
    table = html.Div(id=table_id, className=f"rows-box {table_class}")
    extra = {"id": id} if id else {}
    classes = "panel panel--wide" + (" panel--hidden" if hidden else "")
    return html.Section([head, table], className=classes, **extra)
