"""A failing database is said once for the whole process: one line when the first part meets
it, one with the count when a part that failed works again, debug lines in between."""

from __future__ import annotations

import logging

import pytest

from storage.outage import DatabaseOutage, first_line, problem_of

REFUSED = OSError("connection to server failed: Connection refused\n\tIs the server running?")


def said(caplog: pytest.LogCaptureFixture, level: int) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.levelno == level]


def test_six_parts_failing_are_one_line_and_one_when_it_works_again(
    caplog: pytest.LogCaptureFixture,
) -> None:
    clock = iter([10.0, 42.5])
    outage = DatabaseOutage(logging.getLogger("test.outage"), clock=lambda: next(clock))
    parts = ["the storage writer", "history maintenance", "LISTEN", "NOTIFY", "the election"]
    parts.append("the alert service")
    with caplog.at_level(logging.DEBUG, logger="test.outage"):
        for _ in range(3):
            for part in parts:
                outage.failed(part, REFUSED)
        assert outage.failing and outage.problem == "unreachable"
        outage.recovered("a part that never failed")  # does not end it
        assert outage.failing
        outage.recovered("NOTIFY")
        outage.recovered("the storage writer")  # nothing more once it works
    assert said(caplog, logging.ERROR) == [
        "database unreachable: OSError: connection to server failed: Connection refused "
        "(first met by the storage writer; every part retries, samples are kept in memory, "
        "and this is said once until it works again)"
    ]
    assert said(caplog, logging.WARNING) == [
        "database works again (NOTIFY after it was unreachable): 18 failed attempts over 32.5 s"
    ]
    assert len(said(caplog, logging.DEBUG)) == 17
    assert not outage.failing


def test_a_new_failure_after_the_recovery_is_a_new_notice(caplog: pytest.LogCaptureFixture) -> None:
    outage = DatabaseOutage(logging.getLogger("test.outage"), clock=lambda: 0.0)
    with caplog.at_level(logging.DEBUG, logger="test.outage"):
        assert outage.failed("the storage writer", REFUSED)
        assert not outage.failed("the storage writer", REFUSED)
        outage.recovered("the storage writer")
        assert outage.failed("the storage writer", OSError("database or disk is full"), None)
    errors = said(caplog, logging.ERROR)
    assert len(errors) == 2 and errors[1].startswith("database full: OSError: database or disk")


def test_what_the_error_says() -> None:
    assert problem_of(OSError("attempt to write a readonly database")) == "read-only"
    assert problem_of(OSError("cannot execute INSERT in a read-only transaction")) == "read-only"
    assert problem_of(OSError("could not extend file: No space left on device")) == "full"
    assert problem_of(REFUSED) == "unreachable"


def test_first_line() -> None:
    assert first_line(ValueError("a\n  b")) == "ValueError: a"
    assert first_line(ValueError()) == "ValueError"
