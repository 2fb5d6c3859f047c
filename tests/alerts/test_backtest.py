"""``alerts test`` on a week of generated 1 Hz history, against a hand-computed answer."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

from storage.engine import make_engine
from storage.store import MetricStore
from tests.alerts.week_history import DAY, RULE, write_history
from tests.support.servers import ROOT


def test_a_week_of_1hz_history_fires_seven_times(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'week.db'}"
    store = MetricStore(make_engine(url))
    start = (int(time.time()) // DAY - 7) * DAY + 60  # the range ends inside "--since 8d"
    write_history(store, "w", start, 7)
    (tmp_path / "rule.toml").write_text(RULE)
    result = subprocess.run(
        [sys.executable, "-m", "app", "alerts", "test", "--rule", str(tmp_path / "rule.toml"),
         "--since", "8d", "--host", "w", "--database-url", url],
        cwd=ROOT, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == "hot on w: would have fired 7 times, 1680 s in all"
    assert all(line.split()[2] == "240" for line in lines[1:8])
    assert "rows replayed: " in lines[-1] and lines[-1].endswith(" raw)")  # no rollups here
    print(result.stdout.splitlines()[-1])


def test_bad_rule_arguments_exit_2_with_one_line(tmp_path: Path) -> None:
    for rule in ("no-such-rule", "host-silent"):
        result = subprocess.run(
            [sys.executable, "-m", "app", "alerts", "test", "--rule", rule,
             "--database-url", f"sqlite:///{tmp_path / 'x.db'}"],
            cwd=ROOT, capture_output=True, text=True, timeout=60,
        )  # fmt: skip
        assert result.returncode == 2
        assert len(result.stderr.strip().splitlines()) == 1 and "--rule" in result.stderr
