"""The history page's pure functions (range state machine, figures, export link, what it reads
from the store), called directly (no browser)."""

from __future__ import annotations

from collections.abc import Iterator
from urllib.parse import parse_qs, urlsplit

import numpy as np
import pandas as pd
import pytest
from dash import no_update
from flask.testing import FlaskClient

from app import create_app
from app.config import Config
from app.pages import ids
from app.pages.history import figures, ranges, reads, timezones
from app.pages.history.export_link import export_args
from app.runtime.monitor import Monitor
from storage.history import HistoryReader
from storage.params import export_args_from_query
from storage.store import MetricStore
from tests.history.conftest import T0, spiky_samples

TZ = "America/New_York"  # UTC-5 in November


@pytest.fixture
def filled(tmp_path: object) -> Iterator[tuple[MetricStore, FlaskClient]]:
    """An hour of samples of h1, and a client of a server over the same store. No app context
    is pushed: the page reads only the store it is handed."""
    monitor = Monitor(Config(database_url=f"sqlite:///{tmp_path}/h.db", hostname="h1"))
    monitor.stop()
    monitor.store.write_batch(spiky_samples(3600))
    yield monitor.store, create_app(monitor=monitor).server.test_client()
    monitor.store.engine.dispose()


def test_presets_zoom_reset_and_custom_ranges() -> None:
    choose, graph, apply = ranges.choose_range, ids.HISTORY_GRAPH, ids.HISTORY_TYPED
    base, view, start_text, end_text, preset, message = choose(
        ids.HISTORY_PRESET, "6h", None, None, None, TZ, None, T0
    )
    assert base == {"start": T0 - 6 * 3600, "end": T0, "preset": "6h"}
    assert view == {"start": T0 - 6 * 3600, "end": T0}
    assert (start_text, end_text, preset, message) == (
        "2025-11-24 05:00",
        "2025-11-24 11:00",
        no_update,
        "",
    )
    zoom = {"xaxis.range[0]": "2025-11-24 10:00:00", "xaxis.range[1]": "2025-11-24 10:30:00.5"}
    result = choose(graph, "6h", zoom, None, None, TZ, base, T0)
    assert result[0] is no_update and result[1] == {"start": T0 - 3600, "end": T0 - 1799.5}
    reset = choose(graph, "6h", {"xaxis.autorange": True}, None, None, TZ, base, T0)
    assert reset[1] == view
    assert choose(graph, "6h", {"autosize": True}, None, None, TZ, base, T0) == (no_update,) * 6
    custom = choose(apply, "1h", None, "2025-11-24 09:00", "2025-11-24 10:00", TZ, base, T0)
    assert custom[1] == {"start": T0 - 7200, "end": T0 - 3600} and custom[4] == "custom"
    bad = choose(apply, "1h", None, "10:00 yesterday", "x", TZ, base, T0)
    assert bad[:5] == (no_update,) * 5 and bad.message.startswith("From: “10:00 yesterday”")
    assert timezones.safe_tz("Not/AZone") == "UTC" and timezones.safe_tz(None) == "UTC"


def test_figure_with_bands_in_the_browser_time_zone(
    filled: tuple[MetricStore, FlaskClient],
) -> None:
    store, _ = filled
    view = HistoryReader(store).view(
        "h1", ["cpu.total", "memory.percent"], T0, T0 + 3599, max_points=100
    )
    figure = figures.build_figure(view, TZ)
    assert len(figure.data) == 6  # max, min (filled to max), mean for each series
    upper, lower, mean = figure.data[:3]
    assert lower.fill == "tonexty" and upper.hoverinfo == "skip" and mean.name == "CPU · total"
    assert pd.Timestamp(mean.x[0]) == pd.Timestamp("2025-11-24 11:00")  # 16:00 UTC in New York
    assert max(upper.y) == 100.0 and min(lower.y) == 0.0
    assert figure.layout.xaxis.range == ("2025-11-24 11:00:00", "2025-11-24 11:59:59")
    text = figures.describe(view, TZ)
    assert "raw samples, resampled to 1 min min/mean/max buckets" in text and "60 points" in text
    raw_view = HistoryReader(store).view("h1", ["cpu.total"], T0, T0 + 600)
    assert len(figures.build_figure(raw_view, TZ).data) == 1


def test_gaps_break_the_line() -> None:
    ts = np.array([0, 1000, 2000, 60_000, 61_000], dtype=np.int64)
    values = np.arange(5, dtype=float)
    with_gaps = figures._with_gaps(ts, 1000.0, values)
    assert np.isnan(with_gaps[1][3]) and with_gaps[0].size == 6


def test_render_download_and_snapshot(filled: tuple[MetricStore, FlaskClient]) -> None:
    store, _ = filled
    figure, info, href = reads.render(
        store, {"start": T0, "end": T0 + 1800}, ["cpu.total"], "h1", TZ
    )
    assert len(figure.data) == 1 and "raw samples · 1,801 points" in info
    query = parse_qs(urlsplit(href).query)
    assert urlsplit(href).path == "api/v1/export.csv"
    assert query == {
        "host": ["h1"],
        "from": ["2025-11-24T16:00:00.000Z"],
        "to": ["2025-11-24T16:30:00.000Z"],
        "metrics": ["cpu.total"],
        "resolution": ["raw"],
        "format": ["wide"],
    }
    empty, _, _ = reads.render(store, {"start": T0, "end": T0 + 60}, [], "h1", TZ)
    assert empty["layout"]["annotations"][0]["text"] == "Pick one or more metrics"
    panel = reads.show_snapshot(store, {"points": [{"x": "2025-11-24 11:00:12"}]}, "h1", TZ)
    rendered = str(panel)
    assert "p10" in rendered and "2025-11-24 11:00:10" in rendered and "By memory" in rendered
    assert reads.show_snapshot(store, None, "h1", TZ) is no_update


def test_download_link_speaks_the_export_parameters(
    filled: tuple[MetricStore, FlaskClient],
) -> None:
    """The link parses back to the export it was written from, and the export route serves it."""
    store, client = filled
    metrics = ["cpu.total", "memory.percent"]
    view = HistoryReader(store).view("h1", metrics, T0, T0 + 600)
    _, _, href = reads.render(store, {"start": T0, "end": T0 + 600}, metrics, "h1", TZ)
    query = parse_qs(urlsplit(href).query)
    assert export_args_from_query(lambda name: query.get(name, [])) == export_args(view, metrics)
    response = client.get("/" + href)
    assert response.status_code == 200 and response.mimetype == "text/csv"
    lines = response.get_data(as_text=True).splitlines()
    assert lines[0] == "ts,cpu.total,memory.percent" and len(lines) == 1 + 601


def test_init_and_metric_options(filled: tuple[MetricStore, FlaskClient]) -> None:
    store, _ = filled
    hosts, host, style, usage = reads.init_page(store, "h1")
    assert hosts == ["h1"] and host == "h1" and style == {"display": "none"}
    assert usage.startswith("History storage: ") and "samples" in usage
    options, chosen = reads.metric_options(store, "h1", None)
    values = [o["value"] for o in options if not o.get("disabled")]
    assert "gpus[0].util_pct" in values and chosen == ["cpu.total", "memory.percent"]
    assert reads.metric_options(store, "h1", ["load.load1", "gone"])[1] == ["load.load1"]
    assert reads.metric_options(store, "nobody", None) == ([], [])
    # A link's series are the first chosen (those stored), never after a person's choice
    linked = "?host=h1&from=1&to=2&metrics=load.load1,gone"
    assert reads.metric_options(store, "h1", None, linked)[1] == ["load.load1"]
    assert reads.metric_options(store, "h1", ["cpu.total"], linked)[1] == ["cpu.total"]
