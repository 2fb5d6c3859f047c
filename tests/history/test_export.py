"""CSV export: exactly the stored rows (raw) or their aggregates (1m, 1h), streamed in chunks."""

from __future__ import annotations

import csv
import io

import numpy as np
import pandas as pd
import pytest

from storage.export import PROCESS_FIELDS, export_csv, text_cell
from storage.params import ExportArgs, ExportRequest, resolve_export
from storage.rollups import RollupJob
from storage.store import MetricStore
from tests.history.conftest import SERIES, T0, spiky_samples

NOW = T0 + 86400.0


def run_export(store: MetricStore, chunk_rows: int = 1000, **args: object) -> str:
    request = resolve_export(ExportArgs(**args), store, NOW)  # type: ignore[arg-type]
    return "".join(export_csv(store, request, chunk_rows=chunk_rows))


def read_wide(text: str) -> pd.DataFrame:
    frame = pd.read_csv(io.StringIO(text), dtype={"ts": str})
    frame.index = pd.DatetimeIndex(pd.to_datetime(frame.pop("ts"), utc=True), name="ts")
    return frame


def stored_frame(store: MetricStore, start: float, end: float) -> pd.DataFrame:
    return store.read_frame("h1", start, end, SERIES)


def aggregates(frame: pd.DataFrame, width: str) -> dict[str, pd.DataFrame]:
    grouped = frame.groupby(frame.index.floor(width))
    return {stat: grouped.agg(stat) for stat in ("min", "mean", "max", "count")}


def test_raw_wide_export_equals_the_stored_rows(store: MetricStore) -> None:
    store.write_batch(spiky_samples(900))
    start, end = T0 + 10, T0 + 800
    text = run_export(
        store, chunk_rows=64, start=str(start), end=str(end), metrics=(",".join(SERIES),),
        resolution="raw",
    )  # fmt: skip
    assert text.splitlines()[0] == "ts," + ",".join(SERIES)
    assert text.splitlines()[1].startswith("2025-11-24T16:00:10.000Z,")
    got = read_wide(text)
    want = stored_frame(store, start, end)
    assert got.index.equals(want.index)
    np.testing.assert_array_equal(got.to_numpy(), want.to_numpy())  # exact, NaN where missing


def test_raw_long_export_and_epoch_times(store: MetricStore) -> None:
    store.write_batch(spiky_samples(300))
    text = run_export(
        store, start=str(T0), end=str(T0 + 299), metrics=("cpu.total,load.load1",),
        resolution="raw", format="long", time="epoch",
    )  # fmt: skip
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0] == ["ts", "host", "series", "value"]
    want = stored_frame(store, T0, T0 + 299)[["cpu.total", "load.load1"]]
    expected = [
        (f"{ts.timestamp():.3f}", name, float(value))
        for ts, row in want.iterrows()
        for name, value in row.items()
        if not np.isnan(value)
    ]
    assert [(r[0], r[2], float(r[3])) for r in rows[1:]] == expected
    assert {r[1] for r in rows[1:]} == {"h1"}


@pytest.mark.parametrize(("resolution", "width"), [("1m", "1min"), ("1h", "1h")])
@pytest.mark.parametrize("rolled_up", [True, False])
def test_aggregated_export_equals_aggregates_of_raw(
    store: MetricStore, resolution: str, width: str, rolled_up: bool
) -> None:
    batch = spiky_samples(3 * 720, interval=5.0, seed=9)  # 3 hours, one sample per 5 s
    store.write_batch(batch)
    if rolled_up:
        RollupJob(store).run(now=batch[-1]["ts"] + 1)
    end = T0 + 3 * 3600 - 1
    text = run_export(
        store, chunk_rows=50, start=str(T0), end=str(end), metrics=(",".join(SERIES),),
        resolution=resolution,
    )  # fmt: skip
    got = read_wide(text)
    want = aggregates(stored_frame(store, T0, end), width)
    assert got.index.equals(want["min"].index)
    for name in SERIES:
        for stat in ("min", "max", "count"):
            np.testing.assert_array_equal(
                got[f"{name}:{stat}"].to_numpy(dtype=float), want[stat][name].to_numpy(dtype=float)
            )
        np.testing.assert_allclose(
            got[f"{name}:mean"].to_numpy(), want["mean"][name].to_numpy(), rtol=1e-12
        )


def test_aggregated_long_export(store: MetricStore) -> None:
    store.write_batch(spiky_samples(600, seed=2))
    text = run_export(
        store, start=str(T0), end=str(T0 + 599), metrics=("gpus[0].util_pct",),
        resolution="1m", format="long",
    )  # fmt: skip
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0] == ["ts", "host", "series", "min", "mean", "max", "count"]
    want = aggregates(stored_frame(store, T0, T0 + 599), "1min")
    assert len(rows) == 1 + 10
    for row, (_, count) in zip(rows[1:], want["count"]["gpus[0].util_pct"].items(), strict=True):
        assert row[2] == "gpus[0].util_pct" and int(row[6]) == count


def test_the_header_is_fixed_however_the_rows_stream(store: MetricStore) -> None:
    batch = spiky_samples(200)
    for sample in batch[:100]:  # the first half lacks the GPU entirely
        sample.pop("gpus", None)
    store.write_batch(batch)
    text = run_export(
        store, chunk_rows=7, start=str(T0), end=str(T0 + 199),
        metrics=("gpus[0].util_pct,cpu.total",), resolution="raw",
    )  # fmt: skip
    lines = text.splitlines()
    assert lines[0] == "ts,gpus[0].util_pct,cpu.total"
    assert len(lines) == 201 and all(line.count(",") == 2 for line in lines)
    assert lines[1].split(",")[1] == "" and lines[-2].split(",")[1] == "97.0"  # 198 % 101


def test_export_streams_in_chunks(store: MetricStore) -> None:
    store.write_batch(spiky_samples(500))
    request = ExportRequest("h1", T0, T0 + 499, ("cpu.total",), "raw")
    chunks = list(export_csv(store, request, chunk_rows=100))
    assert len(chunks) == 1 + 5  # the header, then one chunk per 100 rows
    progress: list[tuple[float, int]] = []
    chunks = export_csv(store, request, chunk_rows=100, on_progress=lambda *a: progress.append(a))
    assert "".join(chunks).count("\n") == 501
    assert progress[-1] == (1.0, 500) and progress[0][1] == 100


@pytest.mark.parametrize(
    ("value", "cell"),
    [
        ("=1+1", "'=1+1"),
        ("+SUM(A1)", "'+SUM(A1)"),
        ("-2+3", "'-2+3"),
        ("@cmd", "'@cmd"),
        ("\tx", "'\tx"),
        ("\rx", '"\'\rx"'),
        ('=HYPERLINK("http://x","a,b")', '"\'=HYPERLINK(""http://x"",""a,b"")"'),
        ("plain", "plain"),
        ("a=b", "a=b"),
    ],
)
def test_text_cells_are_neutralised(value: str, cell: str) -> None:
    assert text_cell(value) == cell


def test_formula_injection_through_stored_text(store: MetricStore) -> None:
    evil = "=cmd|' /C calc'!A0"
    batch = spiky_samples(10, host=evil)
    for sample in batch:
        sample["disks"] = {"io": [{"disk": "@SUM(1)", "read_bps": 1.0}]}
        proc = {"pid": 1, "name": "-2+3", "user": "+x", "cpu": 1.0, "cmdline": "=HYPERLINK(1)"}
        sample["processes"] = {"top_cpu": [proc], "top_mem": []}
    store.write_batch(batch)
    text = run_export(store, host=evil, start=str(T0), end=str(T0 + 9), format="long")
    rows = list(csv.reader(io.StringIO(text)))
    assert {r[1] for r in rows[1:]} == {"'" + evil}
    assert "disks.io[@SUM(1)].read_bps" in {r[2] for r in rows[1:]}
    processes = run_export(store, host=evil, start=str(T0), end=str(T0 + 9), kind="processes")
    rows = list(csv.reader(io.StringIO(processes)))
    assert rows[0] == ["ts", "host", "list", "rank", *PROCESS_FIELDS]
    assert rows[1][1:] == [
        *("'" + evil, "top_cpu", "1", "1", "'-2+3", "'+x", "1.0", "", "", "", ""),
        "'=HYPERLINK(1)",
    ]
    for row in rows[1:]:
        assert not any(cell.startswith(("=", "+", "-", "@")) for cell in row)


def test_process_snapshots_export(store: MetricStore) -> None:
    store.write_batch(spiky_samples(60))
    text = run_export(store, start=str(T0), end=str(T0 + 59), kind="processes", time="epoch")
    rows = list(csv.reader(io.StringIO(text)))
    # One snapshot every 5 s (the store's setting): 12 snapshots, one process in each list.
    assert len(rows) == 1 + 12 * 2
    assert rows[1][:6] == [f"{T0:.3f}", "h1", "top_cpu", "1", "0", "p0"]
    assert rows[2][2] == "top_mem"


def test_a_restarted_container_continues_its_series_in_the_export(store: MetricStore) -> None:
    samples = spiky_samples(20)
    for i, sample in enumerate(samples):
        ident = "3f2a9c1e0b7d" if i < 10 else "9b8c7d6e5f4a"  # re-created at sample 10
        row = {"key": "docker/web", "name": "web", "kind": "docker", "id": ident,
               "path": f"/system.slice/docker-{ident}.scope", "cpu_pct": float(i),
               "mem": 2**20 * (i + 1), "restarts": int(i >= 10)}  # fmt: skip
        sample["cgroups"] = {"hierarchy": "v2", "total": 1, "workloads": [row]}
    store.write_batch(samples)
    name = "cgroups.workloads[docker/web].cpu_pct"
    text = run_export(
        store, start=str(T0), end=str(T0 + 19), metrics=(f"{name},cgroups.workloads[docker/web]"
        ".restarts",), resolution="raw",
    )  # fmt: skip
    frame = read_wide(text)
    assert list(frame[name]) == [float(i) for i in range(20)]
    assert list(frame["cgroups.workloads[docker/web].restarts"]) == [0.0] * 10 + [1.0] * 10
