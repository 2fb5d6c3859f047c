"""Retention settings, time parsing, and the background rollup + retention job."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from app.config import Config, ConfigError
from app.runtime.monitor import Monitor
from storage.maintenance import HistoryMaintainer, maintenance_lock_key
from storage.retention import RetentionPolicy
from storage.store import MetricStore
from storage.timeparse import iso_utc, parse_duration, parse_instant
from tests.history.conftest import T0, spiky_samples
from tests.support.polling import wait_for

DAY = 86400.0


def test_retention_settings_from_the_environment() -> None:
    config = Config.from_env(
        {
            "MONITOR_RETENTION_RAW": "3d",
            "MONITOR_RETENTION_1M": "2160h",
            "MONITOR_RETENTION_1H": "730",
            "MONITOR_ROLLUP_EVERY": "30s",
        }
    )
    assert (config.retention_raw, config.retention_1m) == (3 * DAY, 90 * DAY)
    assert (config.retention_1h, config.rollup_every) == (730.0, 30.0)
    assert Config().retention_raw == 7 * DAY and Config().retention_1h == 730 * DAY
    assert Config(retention_raw="1w").retention_raw == 7 * DAY  # type: ignore[arg-type]
    with pytest.raises(ConfigError, match="MONITOR_RETENTION_RAW"):
        Config.from_env({"MONITOR_RETENTION_RAW": "soon"})
    with pytest.raises(ConfigError, match="retention_1h"):
        Config(retention_1h=0)


def test_monitor_policy_follows_the_config(tmp_path: object) -> None:
    config = Config(database_url="sqlite://", retention_raw=DAY, rollup_every=5)
    monitor = Monitor(config)
    assert monitor.maintainer.policy == RetentionPolicy(DAY, 90 * DAY, 730 * DAY)
    assert monitor.maintainer.every == 5
    assert monitor.maintainer.compactor is not None  # history is compacted into blocks
    assert monitor.maintainer.compactor.horizon_ms >= 2 * 60_000  # past a takeover's re-store
    monitor.stop()
    monitor = Monitor(Config.from_env({"MONITOR_COMPACT_BLOCKS": "0"}, database_url="sqlite://"))
    assert monitor.maintainer.compactor is None  # unless told to keep rows
    monitor.stop()


@pytest.mark.parametrize(
    ("text", "seconds"),
    [
        *(("90", 90), ("90s", 90), ("15min", 900), ("15m", 900), ("1.5h", 5400)),
        *(("7d", 7 * DAY), ("2y", 730 * DAY), ("1 week", 7 * DAY), (" 24H ", DAY), (".5h", 1800)),
    ],
)
def test_durations(text: str, seconds: float) -> None:
    assert parse_duration(text) == seconds


@pytest.mark.parametrize("text", ["", "h", "-5", "5 fortnights", "1e400", "nan"])
def test_bad_durations(text: str) -> None:
    with pytest.raises(ValueError):
        parse_duration(text)


def test_instants() -> None:
    now = 1_800_000_000.0
    assert parse_instant("2025-11-24T16:00:00Z", now) == T0
    assert parse_instant("2025-11-24T17:00:00+01:00", now) == T0
    assert parse_instant("2025-11-24 16:00", now) == T0  # naive means UTC
    assert parse_instant(str(T0), now) == T0
    assert parse_instant("now", now) == now and parse_instant("now-1h", now) == now - 3600
    assert iso_utc(T0 + 0.25) == "2025-11-24T16:00:00.250Z"
    for bad in ("yesterday", "now+1h", "2025-02-30", "-1", "99999999999", "inf"):
        with pytest.raises(ValueError):
            parse_instant(bad, now)


def test_one_maintenance_pass(store: MetricStore) -> None:
    batch = spiky_samples(10 * 288, interval=300.0)
    store.write_batch(batch)
    clock = [T0 + 10 * DAY]
    maintainer = HistoryMaintainer(store, RetentionPolicy(raw=2 * DAY), clock=lambda: clock[0])
    result = maintainer.run_once()
    assert result is not None and result["rolled_up"]["1m"] > 0
    assert result["deleted"]["samples"] == 8 * 288  # older than 2 days (and rolled up)
    clock[0] += 300
    assert maintainer.run_once()["deleted"]["samples"] == 1  # type: ignore[index]
    if store.dialect == "postgresql":  # another process holds the job: this one skips
        with store.engine.connect() as other:
            key = maintenance_lock_key(str(other.execute(text("SELECT current_schema()")).scalar()))
            other.execute(text("SELECT pg_advisory_lock(:k)"), {"k": key})
            assert maintainer.run_once() is None
            other.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": key})
        assert maintainer.run_once() is not None


def test_the_thread_runs_and_stops(store: MetricStore) -> None:
    store.write_batch(spiky_samples(300))
    maintainer = HistoryMaintainer(store, RetentionPolicy(), every=3600, clock=lambda: T0 + 400)
    maintainer.start()
    wait_for(lambda: maintainer.runs >= 1, message="a maintenance pass")
    maintainer.stop()
    assert maintainer.errors == 0 and maintainer.last_result["rolled_up"]["1m"] == 4
