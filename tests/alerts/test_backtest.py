"""``alerts test`` on a week of generated 1 Hz history, against a hand-computed answer."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

from storage.engine import make_engine
from storage.store import MetricStore
from tests.support.servers import ROOT

DAY = 86400
RULE = """
[[rule]]
name = "hot"
series = "cpu.total"
warn = 80
for = "1m"
clear = 70
"""


def cpu_at(offset: int) -> float:
    """10 % with, each day, a 300 s burst at 90 % from 03:00 (fires after 60 s, resolves when it
    ends: 240 s) and, every 6 h, a 30 s blip at 95 % (shorter than ``for``: never fires)."""
    in_day = offset % DAY
    if 3 * 3600 <= in_day < 3 * 3600 + 300:
        return 90.0
    if in_day % (6 * 3600) < 30:
        return 95.0
    return 10.0


def test_a_week_of_1hz_history_fires_seven_times(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'week.db'}"
    store = MetricStore(make_engine(url))
    start = (int(time.time()) // DAY - 7) * DAY + 60  # the range ends inside "--since 8d"
    batch = []
    for offset in range(7 * DAY):
        batch.append({"host": "w", "ts": float(start + offset), "cpu": {"total": cpu_at(offset)}})
        if len(batch) == 20_000:
            store.write_batch(batch)
            batch = []
    store.write_batch(batch)
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
