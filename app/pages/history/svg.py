"""Small inline graphics of the analysis panels: a sparkline and a bar histogram.

Each is an SVG shape used as the CSS mask of an element whose colour comes from the page theme
(history.css paints ``.history-spark`` and ``.history-bars`` in ``--accent``), so the same
graphic reads in light and dark without the server knowing the theme. Dash's components cannot
write SVG elements, so the shape travels as a ``data:`` URL.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from urllib.parse import quote

from dash import html

WIDTH, HEIGHT = 120.0, 28.0


def _mask(svg_body: str, label: str, class_name: str) -> html.Div:
    """An element showing ``svg_body`` (in a WIDTH × HEIGHT view box) in the theme's colour."""
    svg = (
        f"<svg xmlns='http://www.w3.org/2000/svg' viewBox='0 0 {WIDTH:g} {HEIGHT:g}' "
        f"preserveAspectRatio='none'>{svg_body}</svg>"
    )
    url = f'url("data:image/svg+xml,{quote(svg)}")'
    return html.Div(
        role="img",
        title=label,
        className=class_name,
        style={"maskImage": url, "WebkitMaskImage": url},
        **{"aria-label": label},
    )


def spark_path(values: Sequence[float | None]) -> str:
    """The SVG path of ``values`` from left to right, scaled to the view box between their
    min and max (a flat series in the middle); a missing value (None, NaN) breaks the line."""
    known = [v for v in values if v is not None and math.isfinite(v)]
    if not known:
        return ""
    low, high = min(known), max(known)
    span = high - low
    step = WIDTH / max(len(values) - 1, 1)
    parts, pen_down = [], False
    for i, value in enumerate(values):
        if value is None or not math.isfinite(value):
            pen_down = False
            continue
        share = (value - low) / span if span else 0.5
        y = (HEIGHT - 2) * (1 - share) + 1
        parts.append(f"{'L' if pen_down else 'M'}{i * step:.1f} {y:.1f}")
        pen_down = True
    return " ".join(parts)


def sparkline(values: Sequence[float | None], label: str) -> html.Div:
    """A sparkline of ``values`` (``spark_path``), named ``label`` for screen readers."""
    body = (
        f"<path d='{spark_path(values)}' fill='none' stroke='black' stroke-width='1.6' "
        "stroke-linejoin='round' vector-effect='non-scaling-stroke'/>"
    )
    return _mask(body, label, "history-spark")


def bar_rects(counts: Sequence[float]) -> str:
    """SVG rectangles of ``counts``, one bar each, the largest full height (a bar of a
    non-zero count at least one unit high, so it shows)."""
    top = max(counts, default=0.0)
    if top <= 0:
        return ""
    width = WIDTH / len(counts)
    rects = []
    for i, count in enumerate(counts):
        if count <= 0:
            continue
        height = max(HEIGHT * count / top, 1.0)
        rects.append(
            f"<rect x='{i * width:.2f}' y='{HEIGHT - height:.2f}' "
            f"width='{max(width - 0.6, 0.4):.2f}' height='{height:.2f}'/>"
        )
    return "".join(rects)


def bars(counts: Sequence[float], label: str) -> html.Div:
    """A histogram of ``counts`` (``bar_rects``), named ``label`` for screen readers."""
    return _mask(bar_rects(counts), label, "history-bars")
