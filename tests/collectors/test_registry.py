"""CollectorRegistry: failures logged once, other sections unaffected, recovery, duplicates."""

from __future__ import annotations

import logging
from typing import Any

import pytest

from collectors.load import LoadCollector
from collectors.registry import CollectorRegistry
from collectors.sensors import SensorsCollector
from tests.collectors.fakes import FakeClock, FakePsutil


def registry_with(fake: FakePsutil) -> CollectorRegistry:
    registry = CollectorRegistry(clock=FakeClock())
    registry.register(LoadCollector(fake, read_loadavg=lambda: "0.5 0.2 0.1 1/100 5"))
    registry.register(SensorsCollector(fake))
    return registry


def test_a_failing_collector_is_logged_once_across_ticks_and_recovery_once(
    caplog: pytest.LogCaptureFixture,
) -> None:
    fake = FakePsutil()
    registry = registry_with(fake)
    fake.loadavg = OSError("getloadavg failed")  # LoadCollector lets this through
    caplog.set_level(logging.INFO, logger="collectors.registry")

    results = [registry.collect_all() for _ in range(4)]

    for result in results:
        assert result.failed == ["load"]
        assert "load" not in result.sections
        assert result.sections["sensors"] == {"temperatures": [], "fans": [], "battery": None}
        assert set(result.durations_ms) == {"load", "sensors"}
    errors = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert len(errors) == 1
    assert "'load' failed" in errors[0].getMessage() and errors[0].exc_info is not None

    fake.loadavg = (1.0, 0.5, 0.25)
    caplog.clear()
    for _ in range(3):
        result = registry.collect_all()
        assert result.failed == [] and result.sections["load"]["load1"] == 1.0
    assert [r.getMessage() for r in caplog.records] == ["collector 'load' recovered"]


def test_failing_again_after_recovery_is_logged_again(caplog: pytest.LogCaptureFixture) -> None:
    fake = FakePsutil()
    registry = registry_with(fake)
    caplog.set_level(logging.INFO, logger="collectors.registry")
    answers: list[Any] = [OSError("1"), (1.0, 1.0, 1.0), OSError("2"), OSError("3")]
    for answer in answers:
        fake.loadavg = answer
        registry.collect_all()
    levels = [r.levelname for r in caplog.records]
    assert levels == ["ERROR", "INFO", "ERROR"]


def test_duplicate_name_is_rejected() -> None:
    fake = FakePsutil()
    registry = registry_with(fake)
    with pytest.raises(ValueError, match="duplicate collector name: 'load'"):
        registry.register(LoadCollector(fake))
    assert registry.names == ["load", "sensors"]
