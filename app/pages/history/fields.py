"""Form fields the history page's controls share."""

from __future__ import annotations

from dash import dcc, html


def segmented_field(
    label: str, radio_id: str, options: list[dict[str, str]], value: str, class_name: str
) -> html.Div:
    """A labelled row of segmented buttons (a radio group for the keyboard)."""
    label_id = f"{radio_id}-label"
    return html.Div(
        [
            html.Span(label, id=label_id, className="field-label"),
            html.Div(
                dcc.RadioItems(
                    id=radio_id,
                    options=options,
                    value=value,
                    inline=True,
                    className=f"segmented {class_name}",
                ),
                role="group",
                **{"aria-labelledby": label_id},
            ),
        ],
        className="field",
    )
