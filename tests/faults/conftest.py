"""Fault-injection tests: the figures they measure go to ``artifacts/faults.md``."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest

from tests.faults.figures import start_report


@pytest.fixture(scope="session", autouse=True)
def faults_report() -> Iterator[None]:
    """Starts ``artifacts/faults.md`` afresh once per test session; each test appends to it."""
    start_report(time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime()))
    yield
