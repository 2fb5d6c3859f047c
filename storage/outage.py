"""A database that fails, said once for the whole process.

Several parts of a process use the database on their own threads: the storage writer, the
history maintenance, the alert service and, on PostgreSQL, the live relay's LISTEN and NOTIFY
and the sampler election. When the database stops answering, each would say so. Instead they
report here: the first failure opens the outage with one line naming the problem (unreachable,
read-only, full, and the error's first line) and the part that met it; every later failure, of
any part, is a debug line; and the first success of a part that failed during the outage
closes it with one line, the count of failed attempts and how long it lasted. A part that never
failed does not close it: on a read-only database the relay still listens while the writer
keeps failing. Standard library only, so any room may report.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

log = logging.getLogger(__name__)
READ_ONLY_WORDS = ("readonly", "read-only", "read only", "during recovery")
FULL_WORDS = ("disk is full", "no space left", "could not extend file")


def first_line(error: BaseException) -> str:
    """``Type: first line`` of an error (psycopg2's messages run over several lines)."""
    lines = str(error).strip().splitlines()
    return f"{type(error).__name__}: {lines[0].strip()}" if lines else type(error).__name__


def problem_of(error: BaseException) -> str:
    """What ``error`` says of the database: "read-only", "full" or "unreachable"."""
    text = str(getattr(error, "orig", None) or error).lower()
    if any(word in text for word in READ_ONLY_WORDS):
        return "read-only"
    if any(word in text for word in FULL_WORDS):
        return "full"
    return "unreachable"


class DatabaseOutage:
    """The one record of this process's database trouble (``database_outage``)."""

    def __init__(
        self, logger: logging.Logger = log, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self._log = logger
        self._clock = clock
        self._lock = threading.Lock()
        self._failed: set[str] = set()  # the parts that failed during the open outage
        self._since = 0.0
        self.failures = 0
        self.problem: str | None = None  # what the open outage is, None while all works

    def failed(self, part: str, error: BaseException, problem: str | None = None) -> bool:
        """Notes that ``part`` (words: "the storage writer") failed on the database with
        ``error``; ``problem`` overrides what ``problem_of`` reads in it. True when this
        failure opened the outage (and was the one logged)."""
        with self._lock:
            self.failures += 1
            self._failed.add(part)
            opened = self.problem is None
            if opened:
                self.problem = problem or problem_of(error)
                self._since = self._clock()
            failures, problem = self.failures, self.problem
        error = getattr(error, "orig", None) or error  # the driver's own words, not SQLAlchemy's
        if opened:
            self._log.error(
                "database %s: %s (first met by %s; every part retries, samples are kept in "
                "memory, and this is said once until it works again)",
                problem,
                first_line(error),
                part,
            )
        else:
            self._log.debug("%s failed (%d so far): %s", part, failures, first_line(error))
        return opened

    def recovered(self, part: str) -> None:
        """Notes that ``part`` works; closes the outage when ``part`` failed during it."""
        if part not in self._failed:  # the common case, without the lock
            return
        with self._lock:
            if part not in self._failed:
                return
            failures, lasted, problem = self.failures, self._clock() - self._since, self.problem
            self._failed.clear()
            self.failures = 0
            self.problem = None
        self._log.warning(
            "database works again (%s after it was %s): %d failed attempts over %.1f s",
            part,
            problem,
            failures,
            lasted,
        )

    @property
    def failing(self) -> bool:
        return self.problem is not None


database_outage = DatabaseOutage()
