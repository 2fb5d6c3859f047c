"""The start checks that need the dashboard's settings: run in a child of gunicorn's master.

``app.guard.startup`` (the master's side) forks a child (``app.guard.child_check``) that reads
the settings (``python -m app serve`` hands them over in ``MONITOR_*`` variables), checks them,
the users and rules files and the exposure rule, and answers with ``StartFacts``: a refusal, or
what the master needs to go on, as plain text. The master then never imports ``app.config``.
"""

from __future__ import annotations

from app.config import Config, ConfigError
from app.guard.exposure import exposure_problem, trusted_exposure_note
from app.guard.file_checks import files_problem
from app.guard.startup import StartFacts
from storage.file_lock import lock_path


def start_facts(hosts: list[str], workers: int) -> StartFacts:
    """The checks of a gunicorn that will bind ``hosts`` with ``workers`` workers."""
    try:
        config = Config.from_env()
    except ConfigError as exc:
        return StartFacts(problem=str(exc))
    problem = exposure_problem(config, hosts)
    if not problem and workers > 1 and config.database_url.startswith("sqlite"):
        problem = (
            f"{workers} workers on SQLite would each sample the host and contend for one "
            "file; use MONITOR_WORKERS=1 with SQLite, or PostgreSQL for several workers"
        )
    problem = problem or files_problem(config)
    if problem:
        return StartFacts(problem=problem)
    lock = lock_path(config.database_url)
    return StartFacts(
        lock_file="" if lock is None else str(lock),
        read_timeout=config.request_read_timeout,
        # Behind a trusted proxy every connection comes from the proxy: it limits per client.
        per_client=0 if config.trust_proxy else config.connections_per_client,
        note=trusted_exposure_note(config, hosts) or "",
    )


def listening_problem(hosts: list[str]) -> str:
    """The exposure rule on the addresses gunicorn really listens on ("": none broken)."""
    return exposure_problem(Config.from_env(), hosts) or ""
