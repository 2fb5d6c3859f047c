"""Thin samples: the backlog keeps and sends only what the live graphs draw."""

from __future__ import annotations

import json
import math
import shutil
import subprocess
from pathlib import Path
from typing import Any

from app.config import Config
from app.hub import LiveHub
from app.hub.thin import thin_sample
from app.runtime.monitor import Monitor
from tests.support.samples import make_sample

ROOT = Path(__file__).resolve().parents[2]


def full_sample(seq: int) -> dict[str, Any]:
    """A sample with every section the live graphs draw, containers and pressure included."""
    sample = make_sample(seq)
    sample["health"] = {"interval_s": 1.0, "lag_ms": 0.4, "collect_ms": {"cpu": 0.1}}
    sample["pressure"] = {
        r: {"some_pct": 1.5 + seq, "full_pct": 0.5, "some_avg10": 2.0}
        for r in ("cpu", "memory", "io")
    }
    sample["cgroups"] = {
        "workloads": [
            {"key": f"docker/web-{i}", "name": f"web-{i}", "kind": "docker", "cpu_pct": 3.0 * i,
             "mem_bytes": 2**20 * i, "pids": 4, "oom_kills_now": 0, "restarted": False}
            for i in range(12)
        ],
        "count": 12,
    }  # fmt: skip
    return sample


def test_the_thin_form_keeps_the_identity_and_the_graphed_values_only() -> None:
    whole = full_sample(7)
    thin = thin_sample(whole)
    assert thin["thin"] is True
    assert (thin["host"], thin["ts"], thin["seq"]) == (whole["host"], whole["ts"], 7)
    assert thin["cpu"]["per_core"] == whole["cpu"]["per_core"]
    assert thin["cgroups"]["workloads"][3] == {"key": "docker/web-3", "cpu_pct": 9.0}
    assert thin["pressure"]["io"] == {"some_pct": 8.5}
    assert "processes" not in thin and "system" not in thin
    assert thin["health"] == {"interval_s": 1.0}
    assert len(json.dumps(thin)) * 3 < len(json.dumps(whole))  # a real one: about 1 to 13


def test_missing_sections_stay_missing() -> None:
    thin = thin_sample({"v": 1, "host": "h", "ts": 1.0, "seq": 1, "cpu": {"total": 3.0}})
    assert thin == {"v": 1, "host": "h", "ts": 1.0, "seq": 1, "thin": True, "cpu": {"total": 3.0}}


POINTS = """
const figures = require(process.argv[1] + "/assets/live-figures.js");
const [whole, thin] = [process.argv[2], process.argv[3]].map((t) => JSON.parse(t));
const a = figures.toPoint(whole), b = figures.toPoint(thin);
process.stdout.write(JSON.stringify([a, b]));
"""


def test_the_browser_draws_the_same_point_from_the_thin_form() -> None:
    """assets/live-figures.js's toPoint, run by Node on a whole sample and on its thin form."""
    node = shutil.which("node")
    assert node, "Node.js runs the browser's functions (make test needs it too)"
    whole = full_sample(3)
    args = [node, "-e", POINTS, str(ROOT), json.dumps(whole), json.dumps(thin_sample(whole))]
    a, b = json.loads(subprocess.run(args, capture_output=True, check=True, text=True).stdout)
    assert a == b
    assert a["workloads"]["docker/web-2"] == 6.0 and len(a["temps"]) and a["pressure"]


def test_the_backlog_keeps_old_samples_thin_and_the_newest_whole() -> None:
    hub = LiveHub(backlog_size=100, whole_seconds=10)
    for seq in range(30):
        hub.publish(full_sample(seq))  # one a second (make_sample's interval)
    ring = hub.backlog()
    assert [m.whole for m in ring] == [False] * 19 + [True] * 11  # the last 10 s and this one
    assert all(json.loads(m.payload)["thin"] for m in ring[:19])
    assert all(m.encodings == {} for m in ring[:19])  # their frames are let go too
    assert hub.latest("test-host").whole


def test_each_host_is_thinned_by_its_own_clock() -> None:
    """A host whose clock is five minutes ahead must not thin another host's recent samples
    (a sampler taking over re-stores its own host's last minute from them)."""
    hub = LiveHub(backlog_size=100, whole_seconds=10)
    for seq in range(20):
        hub.publish({**full_sample(seq), "host": "behind"})
        ahead = full_sample(seq)
        hub.publish({**ahead, "host": "ahead", "ts": ahead["ts"] + 300})
    behind = hub.backlog(host="behind")
    assert [m.whole for m in behind] == [False] * 9 + [True] * 11
    assert [m.whole for m in hub.backlog(host="ahead")] == [False] * 9 + [True] * 11


def test_nothing_outside_the_ring_keeps_a_whole_sample() -> None:
    """A ring shorter than the whole window (a fast interval): the samples it drops are let
    go, not kept whole until they would have been thinned."""
    hub = LiveHub(backlog_size=5, whole_seconds=1_000)
    for seq in range(50):
        hub.publish(full_sample(seq))
    kept = [slot.message.seq for queue in hub._whole.values() for slot in queue]
    assert kept == [45, 46, 47, 48, 49]


def test_on_sqlite_only_each_hosts_newest_sample_stays_whole(tmp_path: Path) -> None:
    """Nothing takes over a SQLite file's sampling, so nothing older is kept whole for it."""
    monitor = Monitor(Config(database_url=f"sqlite:///{tmp_path / 'm.db'}"))
    try:
        for seq in range(5):
            monitor.hub.publish(full_sample(seq))
        assert [m.whole for m in monitor.hub.backlog()] == [False] * 4 + [True]
    finally:
        monitor.store.engine.dispose()


def test_nan_in_a_graphed_value_is_null_in_the_thin_form() -> None:
    sample = full_sample(1)
    sample["cpu"]["total"] = math.nan
    message = LiveHub().publish(sample)
    assert json.loads(message.thin)["cpu"]["total"] is None
