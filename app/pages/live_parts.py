"""Parts of the live page that the browser replaces: the waiting figure and the health panel."""

from __future__ import annotations

from typing import Any

from dash import html

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
