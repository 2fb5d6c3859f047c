"""One y-axis per unit: which axis each drawn series goes on, and how its values are shown.

Series of one unit share an axis; a second unit gets a second axis on the right; more than two
units get one small chart each, stacked over the shared time axis, so a percentage and a
byte rate never share a scale. Byte axes show the binary multiple that fits their largest
value (values divided by 1024^k, "MiB/s" on the axis and in the hover).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from collectors.catalog import describe
from collectors.units import scaled_unit

ROW_GAP = 0.07  # between stacked charts, as a share of the plot height
ROW_HEIGHT_PX = 190  # of each stacked chart (the page's graph grows with them)
STACK_MARGIN_PX = 90  # the time axis and legend below the stack


@dataclass(frozen=True)
class Axis:
    """One y-axis: its unit, how values are scaled for it, where it is drawn."""

    unit: str  # as the collectors declare it ("bytes/s")
    symbol: str  # as shown ("MiB/s")
    factor: float  # drawn value = stored value / factor
    ref: str  # Plotly's axis reference: "y", "y2", ...
    row: int  # 1 = top; every axis is in row 1 unless the plan stacks them
    series: tuple[str, ...]

    @property
    def layout_key(self) -> str:
        """The layout attribute of this axis: "yaxis", "yaxis2", ..."""
        return "yaxis" + self.ref[1:]

    @property
    def hover_format(self) -> str:
        """d3 format of a value on this axis: one decimal for percentages, else four
        significant digits, never an exponent."""
        return ".1f" if self.unit == "%" else ",.4~r"


@dataclass(frozen=True)
class AxisPlan:
    axes: tuple[Axis, ...]
    stacked: bool  # one small chart per unit (more than two units)

    @property
    def rows(self) -> int:
        return len(self.axes) if self.stacked else 1

    def axis_of(self, series: str) -> Axis:
        """The axis ``series`` is drawn on (the first axis for a series not drawn)."""
        return next((a for a in self.axes if series in a.series), self.axes[0])

    def height_px(self) -> int | None:
        """The figure's height when stacked; None lets the page size a single chart."""
        return self.rows * ROW_HEIGHT_PX + STACK_MARGIN_PX if self.stacked else None

    def layouts(self) -> dict[str, dict]:
        """The layout of every y-axis, by layout attribute ("yaxis", "yaxis2", ...)."""
        out = {}
        for axis in self.axes:
            layout: dict = {"title": {"text": axis.symbol}, "rangemode": "tozero"}
            if self.stacked:
                layout.update(anchor="x", domain=list(row_domain(axis.row, self.rows)))
            elif axis.ref != "y":
                layout.update(
                    overlaying="y", side="right", showgrid=False, anchor="x", tickmode="auto"
                )
            out[axis.layout_key] = layout
        return out


def row_domain(row: int, rows: int) -> tuple[float, float]:
    """The vertical share (bottom, top) of stacked chart ``row`` (1 = top) of ``rows``."""
    height = (1 - ROW_GAP * (rows - 1)) / rows
    top = 1 - (row - 1) * (height + ROW_GAP)
    return round(max(0.0, top - height), 4), round(top, 4)


def plan_axes(names: Sequence[str], magnitudes: Mapping[str, float] | None = None) -> AxisPlan:
    """The axes of ``names``, one per unit in the order the units first appear.

    ``magnitudes`` (largest absolute value of each series) picks the binary multiple of byte
    axes; without them bytes are shown as plain bytes.
    """
    by_unit: dict[str, list[str]] = {}
    for name in names:
        by_unit.setdefault(describe(name).unit, []).append(name)
    stacked = len(by_unit) > 2
    axes = []
    for i, (unit, members) in enumerate(by_unit.items()):
        sizes = [abs(v) for m in members if math.isfinite(v := (magnitudes or {}).get(m, 0.0))]
        factor, symbol = scaled_unit(unit, max(sizes, default=0.0))
        ref = "y" if i == 0 else f"y{i + 1}"
        axes.append(Axis(unit, symbol, factor, ref, i + 1 if stacked else 1, tuple(members)))
    if not axes:
        axes.append(Axis("", "", 1.0, "y", 1, ()))
    return AxisPlan(tuple(axes), stacked)
