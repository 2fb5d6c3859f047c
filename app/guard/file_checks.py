"""The start checks that read files, run in a child process of gunicorn's master.

The users file, the installation key and the rules file are checked before gunicorn serves (a
bad one is one line and exit code 2), but the code that reads them (TOML, hashing, the rule
language) is needed only by the workers. The master forks a child that imports and runs these
checks and tells it what is wrong through a pipe, so the master never imports them: it stays
at gunicorn's own size (docs/benchmarks.md, "A lean gunicorn master").
"""

from __future__ import annotations

import os
from collections.abc import Callable

from app.config import Config


def files_problem(config: Config) -> str | None:
    """What is wrong with the users and rules files, or None; the installation key is made
    here (before the workers fork and race for it). Imports the loaders: call it in a child."""
    from app.alerts.rules import load_rules
    from app.config import ConfigError
    from app.guard.credentials import installation_key, load_users

    try:
        if config.users_file:
            load_users(config.users_file)
        if config.users_file or config.auth_token:
            installation_key(config)
        if config.alerts_enabled:  # each worker loads it again; a bad one must stop us here
            load_rules(config.alerts_file or None, config.notify_urls)
    except ConfigError as exc:  # RuleError is one
        return str(exc)
    return None


def in_child(check: Callable[[], str | None]) -> str | None:
    """Runs ``check`` in a forked child and returns its answer (a one-line problem or None);
    an exception in the child is a problem too, in one line. The parent imports nothing."""
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: answer through the pipe, never return into gunicorn
        os.close(read_end)
        try:
            answer = check() or ""
        except BaseException as exc:  # a traceback would break the one line
            answer = f"start check failed: {type(exc).__name__}: {exc}"
        os.write(write_end, answer.encode())
        os._exit(0)
    os.close(write_end)
    with os.fdopen(read_end, "rb") as pipe:
        answer = pipe.read().decode()
    _, status = os.waitpid(pid, 0)
    if not answer and os.waitstatus_to_exitcode(status) != 0:
        return "start check failed: its process ended abnormally"
    return answer or None
