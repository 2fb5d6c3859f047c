"""The "What changed" list: the series that shifted most in the window, from
``analysis.reports``' changes report (``changes_report``), ranked by score.

Each entry names the series by its label, says its baseline and window medians in its unit,
draws a sparkline over both, and has a button adding the series to the chart (its pattern id,
``{"type": ids.HISTORY_CHANGE_ADD, "series": name}``, says which); a series already drawn says
so instead.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from dash import html

from app.pages import ids
from app.pages.history.summary_table import value_text
from app.pages.history.svg import sparkline
from app.pages.history.timezones import epoch_to_local
from collectors.catalog import describe

TIME_FORMAT = "%Y-%m-%d %H:%M"


def _entry(rank: int, change: dict[str, Any], drawn: bool) -> html.Li:
    series = change["series"]
    label = describe(series).label
    before, after = (
        value_text(change[k], series).replace(" ", "\u00a0")  # a number and its unit stay
        for k in ("baseline_median", "window_median")
    )
    medians = f"{before} → {after}"
    spark = sparkline(
        [point[1] for point in change.get("spark") or []],
        f"{label} over the baseline and the window",
    )
    button = html.Button(
        "On the chart" if drawn else "Add to chart",
        id={"type": ids.HISTORY_CHANGE_ADD, "series": series},
        disabled=drawn,
        className="button history-add",
        title=series,
    )
    return html.Li(
        [
            html.Span(f"{rank}.", className="history-change-rank"),
            html.Div(
                [
                    html.Span(label, className="history-change-label", title=series),
                    html.Span(
                        f"score {change['score']:.1f} · median {medians}",
                        className="history-change-figures",
                    ),
                ],
                className="history-change-text",
            ),
            spark,
            button,
        ],
        className="history-change",
        **{"data-series": series},
    )


def changes_panel(report: dict[str, Any] | None, drawn: Sequence[str], tz: str) -> Any:
    """The ranked list of ``report`` (a changes report; the series in ``drawn`` are already
    on the chart), under a line naming the window and the baseline; a hint before any ask."""
    if not report:
        return html.P(
            "Ranks the series that shifted most in the chart's range (or the zoomed window) "
            "against the time before it.",
            className="history-note",
        )
    start, end = (report[k] for k in ("from_s", "to_s"))
    window = f"{epoch_to_local(start, tz, TIME_FORMAT)} – {epoch_to_local(end, tz, TIME_FORMAT)}"
    since = epoch_to_local(report["baseline_from_s"], tz, TIME_FORMAT)
    head = html.P(f"Window {window} against the baseline from {since} ({tz}).",
                  className="history-note")  # fmt: skip
    changes = report.get("changes") or []
    if not changes:
        return [head, html.P("No series has enough values in both parts to compare.")]
    entries = [_entry(i + 1, c, c["series"] in drawn) for i, c in enumerate(changes)]
    return [head, html.Ol(entries, className="history-changes-list")]
