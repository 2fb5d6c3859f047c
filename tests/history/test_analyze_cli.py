"""``python -m app analyze``: tables of the analysis, exit 2 with one line for bad input."""

from __future__ import annotations

import json

import pytest

from app.cli.main import main
from storage.engine import make_engine
from storage.store import MetricStore
from tests.history.conftest import T0, spiky_samples

RANGE = ["--from", str(T0), "--to", str(T0 + 599)]


@pytest.fixture
def filled(database_url: str) -> str:
    store = MetricStore(make_engine(database_url))
    store.write_batch(spiky_samples(600))
    store.engine.dispose()
    return database_url


def run(capsys: pytest.CaptureFixture, *args: str) -> tuple[int, str, str]:
    code = main(["analyze", *args])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_summary_table(filled: str, capsys: pytest.CaptureFixture) -> None:
    code, out, err = run(capsys, "summary", "--database-url", filled, *RANGE, "--metrics",
                         "cpu.total,memory.percent")  # fmt: skip
    lines = out.splitlines()
    assert code == 0 and err == ""
    assert lines[0] == "h1: 2025-11-24T16:00:00.000Z to 2025-11-24T16:09:59.000Z"
    assert lines[1].split() == ["series", "count", "min", "mean", "p50", "p95", "p99", "max"]
    assert lines[2].split()[:2] == ["cpu.total", "600"] and lines[2].split()[-1] == "100.00"


def test_top_processes_table_and_json(filled: str, capsys: pytest.CaptureFixture) -> None:
    code, out, _ = run(capsys, "top", "--database-url", filled, *RANGE, "--limit", "2")
    assert code == 0
    assert out.splitlines()[1].startswith("process  CPU-seconds  peak memory")
    assert "KiB" in out.splitlines()[2] or " B " in out.splitlines()[2]
    assert out.splitlines()[-1] == "(2 of 120 process names)"
    code, out, _ = run(capsys, "top", "--database-url", filled, *RANGE, "--json")
    assert code == 0 and json.loads(out)["total"] == 120


def test_changes_table(filled: str, capsys: pytest.CaptureFixture) -> None:
    code, out, _ = run(capsys, "changes", "--database-url", filled, "--from", str(T0 + 480),
                       "--to", str(T0 + 599), "--baseline", "8m")  # fmt: skip
    assert code == 0 and out.splitlines()[1].split()[:2] == ["series", "score"]


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["summary", *RANGE], "error: metrics: --metrics is required"),
        (["summary", *RANGE, "--metrics", "nope"], "error: metrics: unknown metric 'nope'"),
        (["top", *RANGE, "--sort", "pid"], "error: sort: sort must be one of"),
        (["changes", *RANGE, "--baseline", "soon"], "error: baseline:"),
        (["top", "--from", "yesterday-ish"], "error: from:"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(
    filled: str, capsys: pytest.CaptureFixture, args: list[str], says: str
) -> None:
    code, out, err = run(capsys, *args, "--database-url", filled)
    assert code == 2 and out == "" and err.startswith(says) and err.count("\n") == 1
