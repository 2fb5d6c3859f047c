"""What gunicorn's master checks before it serves (the hooks in gunicorn.conf.py call these).

``check_start`` runs once gunicorn's settings are final, after ``-b``/``--bind``, the config
file and ``GUNICORN_CMD_ARGS``, and before it logs, binds or forks; a refusal is one line on
stderr and exit code 2. ``check_listeners`` then checks the sockets gunicorn really listens on
(which also covers systemd socket activation and ``fd://``), at start and after a reload.

Kept free of the web stack: gunicorn's master imports it.
"""

from __future__ import annotations

import socket
import sys
from typing import Any, NoReturn

from app.config import Config, ConfigError
from app.guard.credentials import installation_key, load_users
from app.guard.exposure import exposure_problem, trusted_exposure_note
from app.guard.slow_clients import ClientLimits, GuardedThreadWorker
from storage.file_lock import DatabaseInUse, hold_writer_lock

WORKER = "app.guard.slow_clients.GuardedThreadWorker"


def refuse(message: str) -> NoReturn:
    """One line on stderr, exit code 2 (as for any bad setting of ``python -m app``)."""
    print(f"error: {message}", file=sys.stderr, flush=True)
    raise SystemExit(2)


def monitor_config(server: Any) -> Config:
    """The dashboard's settings: those ``python -m app serve`` hands over, else the
    environment's (``gunicorn ... wsgi:app`` builds the app from it too)."""
    config = getattr(server.app, "monitor_config", None)
    if isinstance(config, Config):
        return config
    try:
        return Config.from_env()
    except ConfigError as exc:
        refuse(str(exc))


def bind_hosts(addresses: list[Any]) -> list[str]:
    """The hosts of gunicorn's parsed ``bind`` addresses that are network ones (a Unix socket
    path is local; an ``fd://`` socket is judged once it is open, by ``check_listeners``)."""
    return [str(address[0]) for address in addresses if isinstance(address, tuple)]


def listening_hosts(listeners: list[Any]) -> list[str]:
    """The local addresses of gunicorn's listening sockets that are network ones."""
    hosts = []
    for listener in listeners:
        if listener.family in (socket.AF_INET, socket.AF_INET6):
            hosts.append(str(listener.getsockname()[0]))
    return hosts


def start_problem(server: Any, config: Config) -> str | None:
    """Why this gunicorn set-up must not start, or None."""
    cfg = server.cfg
    if not issubclass(server.worker_class, GuardedThreadWorker):
        return (
            f"worker class {cfg.worker_class_str!r} cannot hold WebSockets or bound slow "
            f"clients; use the default from gunicorn.conf.py ({WORKER})"
        )
    problem = exposure_problem(config, bind_hosts(cfg.address))
    if problem:
        return problem
    if cfg.workers > 1 and config.database_url.startswith("sqlite"):
        return (
            f"{cfg.workers} workers on SQLite would each sample the host and contend for one "
            "file; use MONITOR_WORKERS=1 with SQLite, or PostgreSQL for several workers"
        )
    try:
        if config.users_file:
            load_users(config.users_file)
        if config.users_file or config.auth_token:
            installation_key(config)  # made now, before the workers fork and race for it
    except ConfigError as exc:
        return str(exc)
    return None


def check_start(server: Any) -> None:
    """Refuses (one line, exit 2) or prepares the workers' limits and logs a trusted exposure."""
    config = monitor_config(server)
    problem = start_problem(server, config)
    if problem:
        refuse(problem)
    try:  # one writer per SQLite file, for the whole deployment: the workers inherit the lock
        hold_writer_lock(config.database_url)
    except DatabaseInUse as exc:
        refuse(str(exc))
    server.worker_class.limits = ClientLimits(
        read_timeout=config.request_read_timeout,
        # Behind a trusted proxy every connection comes from the proxy: it limits per client.
        per_client=0 if config.trust_proxy else config.connections_per_client,
    )
    note = trusted_exposure_note(config, bind_hosts(server.cfg.address))
    if note:
        server.log.warning(note)


def listeners_problem(server: Any) -> str | None:
    return exposure_problem(monitor_config(server), listening_hosts(server.LISTENERS))
