"""An outage is logged twice, when it begins and when it ends (with a count), never per retry."""

from __future__ import annotations

import logging

import pytest

from app.cluster.pg import Outage, first_line


def test_an_outage_is_two_warnings_whatever_the_retries(caplog: pytest.LogCaptureFixture) -> None:
    clock = iter([10.0, 42.5])
    outage = Outage(logging.getLogger("test.relay"), "LISTEN", clock=lambda: next(clock))
    error = OSError("connection to server failed: refused\n\tIs the server running?")
    with caplog.at_level(logging.DEBUG, logger="test.relay"):
        for _ in range(7):
            outage.failed(error)
        outage.recovered()
        outage.recovered()  # nothing more once it works
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert warnings == [
        "LISTEN failed, retrying: OSError: connection to server failed: refused",
        "LISTEN works again after 7 failed attempts over 32.5 s",
    ]
    assert sum(r.levelno == logging.DEBUG for r in caplog.records) == 6


def test_first_line() -> None:
    assert first_line(ValueError("a\n  b")) == "ValueError: a"
    assert first_line(ValueError()) == "ValueError"
