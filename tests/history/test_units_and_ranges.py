"""The history page for people: series by label with their unit, one y-axis per unit (a small
chart each past two units), markers on sparse ranges, a message for a range that cannot be
shown, zooms shown in the range controls, and the view named by the page's URL."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import numpy as np
import pytest
from dash import no_update

from app.pages import ids
from app.pages.history import figures, reads
from app.pages.history.alert_marks import Threshold, threshold_shapes
from app.pages.history.axes import plan_axes
from app.pages.history.links import parse_link
from app.pages.history.ranges import CUSTOM, choose_range
from storage.engine import make_engine
from storage.history import HistoryReader
from storage.store import MetricStore
from tests.history.conftest import T0, spiky_samples

TZ = "UTC"
DISK = "disks.total.read_bps"
RATE = 3 * 1024**2  # about 3 MiB/s read


def with_disk(samples: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """``samples`` with a disk read rate around 3 MiB/s."""
    for i, sample in enumerate(samples):
        sample["disks"] = {"total": {"read_bps": float(RATE + 1000 * (i % 50))}}
    return samples


@pytest.fixture
def store(database_url: str) -> Iterator[MetricStore]:
    """Ten minutes of h1 with percentages, bytes, a byte rate and task counts."""
    metric_store = MetricStore(make_engine(database_url))
    metric_store.write_batch(with_disk(spiky_samples(600)))
    yield metric_store
    metric_store.engine.dispose()


def axis_of(figure: Any, name: str) -> str:
    return next(t.yaxis for t in figure.data if t.meta["name"] == name and t.name)


def test_a_percentage_and_a_byte_rate_get_separate_axes(store: MetricStore) -> None:
    view = HistoryReader(store).view("h1", ["cpu.total", DISK], T0, T0 + 599)
    figure = figures.build_figure(view, TZ)
    assert axis_of(figure, "cpu.total") == "y" and axis_of(figure, DISK) == "y2"
    layout = figure.layout
    assert layout.yaxis.title.text == "%" and layout.yaxis2.title.text == "MiB/s"
    assert layout.yaxis2.overlaying == "y" and layout.yaxis2.side == "right"
    disk = next(t for t in figure.data if t.meta["name"] == DISK)
    assert disk.name == "Disks · read" and disk.hovertemplate.startswith("%{y:,.4~r} MiB/s")
    assert 2.9 < max(disk.y) < 3.1  # drawn in MiB/s
    cpu = next(t for t in figure.data if t.meta["name"] == "cpu.total")
    assert cpu.name == "CPU · total" and cpu.hovertemplate.startswith("%{y:.1f} %")
    assert layout.meta["rows"] == 1 and layout.height is None


def test_more_than_two_units_draw_one_small_chart_each(store: MetricStore) -> None:
    names = ["cpu.total", DISK, "load.load1", "memory.percent"]
    view = HistoryReader(store).view("h1", names, T0, T0 + 599)
    figure = figures.build_figure(view, TZ)
    layout = figure.layout
    assert layout.meta["rows"] == 3 and layout.meta["units"] == ["%", "MiB/s", "tasks"]
    domains = [layout.yaxis.domain, layout.yaxis2.domain, layout.yaxis3.domain]
    assert all(top > bottom for bottom, top in domains)
    assert domains[0][0] > domains[1][1] and domains[1][0] > domains[2][1]  # no overlap
    assert layout.yaxis2.overlaying is None and layout.xaxis.anchor == "y3"
    assert axis_of(figure, "memory.percent") == "y"  # shares the percentage chart
    assert layout.height == 3 * 190 + 90


def test_a_sparse_range_draws_markers_and_a_lone_point_gets_one(store: MetricStore) -> None:
    sparse = HistoryReader(store).view("h1", ["cpu.total"], T0, T0 + 30)
    (line,) = figures.build_figure(sparse, TZ).data
    assert line.mode == "lines+markers" and line.marker.size == figures.MARKER_PX
    dense = HistoryReader(store).view("h1", ["cpu.total"], T0, T0 + 599)
    assert figures.build_figure(dense, TZ).data[0].mode == "lines"
    y = np.array([1.0] * 100 + [np.nan, 5.0, np.nan] + [1.0] * 100)
    markers = figures._markers(y)
    assert markers["mode"] == "lines+markers"
    assert list(np.flatnonzero(markers["marker"]["size"])) == [101]


def test_threshold_lines_sit_on_the_axis_of_their_series() -> None:
    plan = plan_axes(["cpu.total", DISK], {DISK: float(RATE)})
    found = [
        Threshold(DISK, "warning", 2 * 1024**2, "disk"),
        Threshold("cpu.total", "critical", 90, "c"),
    ]

    def place(series: str) -> tuple[str, float]:
        return plan.axis_of(series).ref, plan.axis_of(series).factor

    disk, cpu = threshold_shapes(found, place)
    assert (disk["yref"], disk["y0"]) == ("y2", 2.0) and (cpu["yref"], cpu["y0"]) == ("y", 90)


def test_the_picker_lists_labels_with_units_by_group(store: MetricStore) -> None:
    options, chosen = reads.metric_options(store, "h1", None)
    assert chosen == ["cpu.total", "memory.percent"]
    headers = [o for o in options if o.get("disabled")]
    assert [h["value"] for h in headers][:2] == ["group:CPU", "group:Memory"]
    disk = next(o for o in options if o["value"] == DISK)
    label, _space, unit = disk["label"].children
    assert (label.children, unit.children) == ("Disks · read", "B/s")
    assert "Disks" in disk["search"] and DISK in disk["search"]
    gpu = next(o for o in options if o["value"] == "gpus[0].util_pct")
    assert gpu["label"].children[0].children == "GPU 0 · busy"


@pytest.mark.parametrize(
    ("start", "end", "message"),
    [
        ("banana", "2025-11-24 17:00", "From: “banana” is not a time; use YYYY-MM-DD HH:MM"),
        ("2025-11-24 16:00", "", "To: nothing is not a time; use YYYY-MM-DD HH:MM"),
        ("2025-11-24 17:00", "2025-11-24 16:00", "From must be before To"),
        ("1990-01-01 00:00", "2025-11-24 16:00", "A range spans at most 3660 days"),
    ],
)
def test_a_range_that_cannot_be_shown_says_why(start: str, end: str, message: str) -> None:
    choice = choose_range(ids.HISTORY_TYPED, CUSTOM, None, start, end, TZ, None, T0)
    assert choice.message == message
    assert choice[:5] == (no_update,) * 5  # the view stays as it was


def test_a_typed_range_applies_and_clears_the_message() -> None:
    choice = choose_range(ids.HISTORY_TYPED, CUSTOM, None, "2025-11-24 15:00", "2025-11-24 16:00",
                          TZ, None, T0)  # fmt: skip
    assert choice.view == {"start": T0 - 3600, "end": T0} and choice.message == ""
    assert choice.preset == CUSTOM and choice.base["preset"] is None


def test_a_zoom_shows_in_the_controls_and_its_reset_returns_to_the_preset() -> None:
    base = choose_range(ids.HISTORY_PRESET, "6h", None, None, None, TZ, None, T0).base
    assert base["preset"] == "6h"
    zoom = {"xaxis.range[0]": "2025-11-24 14:00:00", "xaxis.range[1]": "2025-11-24 15:00:00"}
    zoomed = choose_range(ids.HISTORY_GRAPH, "6h", zoom, None, None, TZ, base, T0)
    assert zoomed.view == {"start": T0 - 7200, "end": T0 - 3600} and zoomed.base is no_update
    assert (zoomed.start_text, zoomed.end_text, zoomed.preset) == (
        "2025-11-24 14:00",
        "2025-11-24 15:00",
        CUSTOM,
    )
    reset = choose_range(ids.HISTORY_GRAPH, CUSTOM, {"xaxis.autorange": True}, None, None, TZ,
                         base, T0)  # fmt: skip
    assert reset.view == {"start": base["start"], "end": base["end"]} and reset.preset == "6h"
    assert reset.start_text == "2025-11-24 10:00" and reset.base is no_update


def test_the_url_names_a_preset_or_a_window_and_opens_on_it() -> None:
    # what assets/history.js writes (tests/js/history.test.js checks the same strings)
    link = parse_link("?host=h1&range=6h&metrics=cpu.total,disks.io[vda].read_bps")
    assert link is not None and link.preset == "6h" and link.end == 0.0
    assert link.metrics == ("cpu.total", "disks.io[vda].read_bps")
    first = choose_range(ids.HISTORY_TZ, "1h", None, None, None, TZ, None, T0, None, "6h")
    assert first.preset == "6h" and first.view == {"start": T0 - 6 * 3600, "end": T0}
    window = parse_link("?host=h1&from=2025-11-24T16:00:00Z&to=2025-11-24T16:30:00.500Z")
    assert window is not None and (window.start, window.end) == (T0, T0 + 1800.5)
    assert parse_link("?range=2w") is None  # not a preset
