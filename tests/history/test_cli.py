"""``python -m app export``: CSV out, exit 2 with one line on stderr for bad input."""

from __future__ import annotations

import io
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest

from app.cli.export import ProgressBar
from app.cli.main import main
from storage.engine import make_engine
from storage.store import MetricStore
from tests.history.conftest import SERIES, T0, spiky_samples

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def filled(database_url: str) -> str:
    store = MetricStore(make_engine(database_url))
    store.write_batch(spiky_samples(600))
    store.write_batch(spiky_samples(120, host="recent", t0=time.time() - 120))
    store.engine.dispose()
    return database_url


def test_export_to_a_file(filled: str, tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    out = tmp_path / "cpu.csv"
    args = ["export", "--database-url", filled, "--host", "h1", "--from", str(T0)]
    args += ["--to", "2025-11-24T16:09:59Z", "--metrics", "cpu.total,memory.percent"]
    assert main([*args, "--out", str(out)]) == 0
    assert capsys.readouterr().err == ""  # no progress bar without a terminal
    got = pd.read_csv(out)
    want = MetricStore(make_engine(filled)).read_frame(
        "h1", T0, T0 + 599, ["cpu.total", "memory.percent"]
    )
    assert list(got.columns) == ["ts", "cpu.total", "memory.percent"] and len(got) == 600
    assert got["cpu.total"].tolist() == want["cpu.total"].tolist()
    assert got["ts"][0] == "2025-11-24T16:00:00.000Z"


def test_since_and_stdout(filled: str, capsys: pytest.CaptureFixture) -> None:
    code = main(["export", "--database-url", filled, "--host", "recent", "--since", "1h"])
    lines = capsys.readouterr().out.splitlines()
    assert code == 0 and len(lines) == 1 + 120
    assert set(SERIES) <= set(lines[0].split(","))  # no --metrics: every stored series


BAD = [
    (["--metrics", "cpu.total,nope"], "metrics"),
    (["--from", str(T0 + 100), "--to", str(T0)], "to"),
    (["--from", "last tuesday"], "from"),
    (["--since", "a while"], "since"),
    (["--from", str(T0 - 90 * 86400), "--to", str(T0), "--resolution", "raw"], "from"),
    (["--resolution", "10s"], "resolution"),
    (["--format", "json"], "format"),
    (["--time", "local"], "time"),
    (["--kind", "gpus"], "kind"),
    (["--host", "nowhere"], "host"),
    (["--out", "/nonexistent-dir/x.csv"], "out"),
    (["--frmo", "x"], "unrecognized arguments"),
]


@pytest.mark.parametrize(("extra", "mention"), BAD)
def test_bad_input_exits_2_with_one_line(
    filled: str, extra: list[str], mention: str, capsys: pytest.CaptureFixture
) -> None:
    base = ["export", "--database-url", filled, "--host", "h1", "--from", str(T0)]
    base += ["--to", str(T0 + 60)]
    with_extra = [*base, *extra]
    try:
        code = main(with_extra)
    except SystemExit as exit_:  # argparse's own errors
        code = exit_.code
    err = capsys.readouterr().err
    assert code == 2, err
    assert err.count("\n") == 1 and err.startswith("error: ") and mention in err, err


def test_missing_database_file(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    assert main(["export", "--database-url", f"sqlite:///{tmp_path / 'none.db'}"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: database-url: no database file") and err.count("\n") == 1


def test_as_a_process(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'm.db'}"
    store = MetricStore(make_engine(url))
    store.write_batch(spiky_samples(30))
    store.engine.dispose()
    out = tmp_path / "out.csv"
    command = [sys.executable, "-m", "app", "export", "--database-url", url]
    done = subprocess.run(
        [*command, "--from", str(T0), "--to", str(T0 + 29), "--metrics", "cpu.total", "--out", out],
        cwd=ROOT, capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert len(out.read_text().splitlines()) == 31


def test_progress_bar() -> None:
    stream = io.StringIO()
    bar = ProgressBar(stream, width=10)
    bar(0.5, 1000)
    bar(1.0, 2000)
    bar.close()
    text = stream.getvalue()
    assert "[#####-----]  50.0%  1,000 rows" in text and "100.0%  2,000 rows" in text
    assert text.endswith("\n")
