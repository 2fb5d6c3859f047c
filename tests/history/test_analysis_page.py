"""The history page's analysis panels without a browser: the pure builders (values in units,
differences, sparklines, histograms, the process ranking and its CSV link, one name's CPU and
memory from snapshots) and what the callbacks read from a real store, on SQLite and
PostgreSQL."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import numpy as np
import pytest

from analysis.changes import default_baseline_s
from app.pages.history import analysis_reads, reads
from app.pages.history.changes_list import changes_panel
from app.pages.history.process_series import slotted
from app.pages.history.process_table import cell_text, csv_href, duration_text, processes_panel
from app.pages.history.summary_table import delta_text, source_note, summary_panel, value_text
from app.pages.history.svg import bar_rects, spark_path
from storage.store import MetricStore
from tests.history.conftest import T0, spiky_samples

TZ = "America/New_York"
DAY = 86400.0


def test_values_carry_their_units_and_differences_their_sign() -> None:
    assert value_text(12.345, "cpu.total") == "12.3 %"
    assert value_text(3 * 2**20, "disks.total.read_bps") == "3.00 MiB/s"
    assert value_text(None, "cpu.total") == "–"
    assert delta_text(10.0, "cpu.total") == "+10.0 %"
    assert delta_text(-2 * 2**30, "memory.used") == "−2.00 GiB"
    assert delta_text(-0.01, "cpu.total") == "±0.0 %"  # too small to show: no sign
    assert delta_text(None, "cpu.total") == "–"


def test_the_note_says_whether_percentiles_are_exact() -> None:
    assert source_note({"exact": True, "source": "raw"}) == "exact (raw samples)"
    assert source_note({"exact": False, "source": "1m"}) == (
        "approximate percentiles (1-minute buckets)"
    )
    assert "1-hour buckets" in source_note({"exact": False, "source": "1h"})


def test_sparkline_breaks_at_missing_values_and_bars_scale_to_the_largest() -> None:
    path = spark_path([0.0, 1.0, None, 1.0, float("nan"), 0.5])
    assert path.count("M") == 3 and path.count("L") == 1  # a line, then two points alone
    assert path.startswith("M0.0 27.0") and "L24.0 1.0" in path
    assert spark_path([None, None]) == "" and "14.0" in spark_path([3.0, 3.0])  # flat: middle
    rects = bar_rects([0.0, 2.0, 4.0])
    assert rects.count("<rect") == 2 and "height='28.00'" in rects and "height='14.00'" in rects
    assert bar_rects([0.0, 0.0]) == "" and bar_rects([]) == ""


def test_process_cells_links_and_durations() -> None:
    assert duration_text(45) == "45 s" and duration_text(720) == "12 min"
    assert duration_text(12_600) == "3.5 h" and duration_text(None) == "–"
    assert cell_text("cpu_s", 2700.04) == "2,700.0" and cell_text("rss_peak", 3 * 2**30) == (
        "3.00 GiB"
    )
    href = csv_href("h1", T0, T0 + 60, "rss_peak")
    assert urlsplit(href).path == "api/v1/history/top-processes"  # relative: under a prefix too
    assert parse_qs(urlsplit(href).query) == {
        "host": ["h1"], "from": ["2025-11-24T16:00:00.000Z"], "to": ["2025-11-24T16:01:00.000Z"],
        "sort": ["rss_peak"], "format": ["csv"], "limit": ["1000"],
    }  # fmt: skip
    assert "No process snapshot" in str(processes_panel({"processes": [], "total": 0}, None))


def test_one_names_cpu_and_memory_come_from_the_snapshots_it_is_in() -> None:
    points = {"ts": [0.0, 1.0, 5.0, 9.5], "cpu": [150.0, 20.0, None, 100.0],
              "rss": [15, 5, None, 10]}  # at 5.0 not listed: a gap  # fmt: skip
    series = slotted(points, 0.0, 10.0, points=4)
    assert series.cpu == [150.0, None, None, 100.0] and series.rss == [15.0, None, None, 10.0]
    assert series.seen == 2
    nobody = {"ts": [0.0, 5.0], "cpu": [None, None], "rss": [None, None]}
    assert slotted(nobody, 0.0, 10.0, points=4).seen == 0


@pytest.fixture
def filled(store: MetricStore) -> MetricStore:
    """40 minutes of h1 today, memory 30 points up in the last 10, and the day before."""
    today = spiky_samples(2400)
    for sample in today[1800:]:
        sample["memory"]["percent"] += 30.0
    store.write_batch(spiky_samples(2400, t0=T0 - DAY, seed=2) + today)
    return store


def test_summary_with_the_day_before_has_delta_columns(filled: MetricStore) -> None:
    view = {"start": T0 + 1800, "end": T0 + 2399}
    plain = str(analysis_reads.summary(filled, view, ["cpu.total"], "h1", "none", TZ))
    stored = np.array([s["cpu"]["total"] for s in spiky_samples(2400)[1800:]])
    assert f"{np.percentile(stored, 95):.1f} %" in plain and "Δ mean" not in plain
    assert "exact (raw samples)" in plain and "CPU · total (%)" in plain
    compared = str(analysis_reads.summary(filled, view, ["memory.percent"], "h1", "1d", TZ))
    assert "Δ mean" in compared and "this range less the day before" in compared
    assert "+30." in compared or "+29." in compared  # the memory step against the day before
    assert "Pick one or more metrics" in str(summary_panel(None, TZ))


def test_compare_overlays_the_day_before_dashed_in_the_series_colour(filled: MetricStore) -> None:
    view = {"start": T0 + 1800, "end": T0 + 2399}
    metrics = ["cpu.total", "memory.percent"]
    figure, _, _ = analysis_reads.render_view(filled, view, metrics, "h1", "1d", TZ)
    shifted = [t for t in figure.data if t.line.dash == "dash"]
    assert [t.name for t in shifted] == ["CPU · total (day before)", "Memory · in use (day before)"]
    assert [t.meta["series"] for t in shifted] == [0, 1]  # each in its series' colour
    plain, _, _ = reads.render(filled, view, metrics, "h1", TZ)
    assert str(shifted[0].x[0]) == str(plain.data[0].x[0])  # moved onto the view's range
    assert len(figure.data) == len(plain.data) + 2


def test_changes_rank_the_step_and_mark_drawn_series(filled: MetricStore) -> None:
    view = {"start": T0 + 1800, "end": T0 + 2399}
    assert analysis_reads.changes(filled, None, view, "h1") is None  # not asked yet
    report = analysis_reads.changes(filled, 1, view, "h1")
    assert report is not None and report["changes"][0]["series"] == "memory.percent"
    assert report["baseline_from_s"] == T0 + 1800 - 4 * 599  # four windows before
    rendered = str(changes_panel(report, ["memory.percent"], TZ))
    assert "Memory · in use" in rendered and "On the chart" in rendered
    assert "Add to chart" in rendered and " → " in rendered
    assert default_baseline_s(60) == 600 and default_baseline_s(1e9) == 30 * DAY


def test_processes_ranked_with_a_csv_link(filled: MetricStore) -> None:
    view = {"start": T0, "end": T0 + 2399}
    report, href = analysis_reads.processes(filled, view, "h1", "top_s")
    assert report is not None and report["sort"] == "top_s" and report["processes"]
    assert "sort=top_s" in href and "format=csv" in href
    assert analysis_reads.processes(filled, view, "h1", "bogus")[0]["sort"] == "cpu_s"
    opened = report["processes"][0]["name"]
    rendered = str(analysis_reads.show_processes(filled, report, opened, view, "h1"))
    assert "history-proc-details" in rendered and "up to 1.0 %" in rendered
    assert analysis_reads.compare_shift("7d") == (7 * DAY, "week before")
    assert analysis_reads.compare_shift("sometimes") == (None, "")
