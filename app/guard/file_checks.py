"""The start checks that read files, run in a child process of gunicorn's master.

The users file, the installation key and the rules file are checked before gunicorn serves (a
bad one is one line and exit code 2), but the code that reads them (TOML, hashing, the rule
language) is needed only by the workers. The master forks a child that imports and runs these
checks and tells it what is wrong through a pipe, so the master never imports them: it stays
at gunicorn's own size (docs/benchmarks.md, "A lean gunicorn master").
"""

from __future__ import annotations

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
