"""The process-snapshot panel: what was running at a clicked moment, as HTML tables."""

from __future__ import annotations

from typing import Any

from dash import html

from app.pages.history.timezones import epoch_to_local
from collectors.units import format_value


def snapshot_panel(snapshot: dict[str, Any] | None, clicked: float, tz: str | None) -> Any:
    """Two tables (top by CPU, top by memory) of the snapshot nearest ``clicked``."""
    when = epoch_to_local(clicked, tz)
    if snapshot is None:
        return html.Div(f"No process snapshot stored near {when}.")
    title = (
        f"What was running at {epoch_to_local(snapshot['ts'], tz)} "
        f"(snapshot nearest {when}, {tz or 'UTC'})"
    )
    return html.Div(
        [
            html.H3(title),
            html.Div(
                [
                    _process_table("By CPU", snapshot.get("top_cpu") or []),
                    _process_table("By memory", snapshot.get("top_mem") or []),
                ],
                className="history-process-tables",
            ),
        ]
    )


def _process_table(title: str, processes: list[dict[str, Any]]) -> html.Div:
    head = html.Tr(
        [html.Th(h) for h in ("PID", "Name", "User", "CPU %", "Mem %", "RSS", "Command")]
    )
    rows = [
        html.Tr(
            [
                html.Td(p.get("pid")),
                html.Td(p.get("name")),
                html.Td(p.get("user")),
                html.Td(_number(p.get("cpu"))),
                html.Td(_number(p.get("mem"))),
                html.Td(format_value(p["rss"], "bytes") if _known(p.get("rss")) else ""),
                html.Td(p.get("cmdline"), className="cmdline"),
            ]
        )
        for p in processes
    ]
    return html.Div(
        [html.H4(title), html.Table([html.Thead(head), html.Tbody(rows)])],
        className="history-process-table",
    )


def _known(value: Any) -> bool:
    return isinstance(value, int | float)


def _number(value: Any) -> str:
    return f"{value:.1f}" if isinstance(value, int | float) else ""
