"""What gunicorn's master checks before it serves (the hooks in gunicorn.conf.py call these).

``check_start`` runs once gunicorn's settings are final, after ``-b``/``--bind``, the config
file and ``GUNICORN_CMD_ARGS``, and before it logs, binds or forks; a refusal is one line on
stderr and exit code 2. It checks the settings, the users and rules files (in a child
process: ``file_checks``), and binds the
listening sockets itself, once (gunicorn would retry an address in use five times a second
apart, logging each). ``check_ready`` then checks the sockets gunicorn really listens on
(which also covers systemd socket activation and ``fd://``) and prints the banner of
``python -m app serve``; ``listeners_problem`` checks them again after a reload.

Kept free of the web stack: gunicorn's master imports it.
"""

from __future__ import annotations

import os
import socket
import sys
from typing import Any, NoReturn

from gunicorn import sock as gunicorn_sock
from gunicorn import systemd

from app.config import Config, ConfigError
from app.guard.exposure import exposure_problem, trusted_exposure_note
from app.guard.file_checks import files_problem, in_child
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
    return in_child(lambda: files_problem(config))


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
    bind_now(server)


def shown_address(address: Any) -> str:
    if isinstance(address, tuple):
        host = f"[{address[0]}]" if ":" in str(address[0]) else address[0]
        return f"{host}:{address[1]}"
    return str(address)


def bind_now(server: Any) -> None:
    """Binds gunicorn's listening sockets, once: an address in use (or not of this host, or a
    port below 1024 without the right) is one line and exit code 2. Left to gunicorn where it
    does not bind the configured addresses itself: sockets inherited from systemd or from a
    re-executed master (USR2), ``fd://`` binds, and ``reuse_port`` (each worker binds)."""
    cfg = server.cfg
    inherited = systemd.listen_fds(unset_environment=False) or "GUNICORN_FD" in os.environ
    if inherited or server.LISTENERS or cfg.reuse_port:
        return
    if any(isinstance(address, int) for address in cfg.address):
        return
    for name in ("certfile", "keyfile"):  # gunicorn checks these as it binds
        path = getattr(cfg, name)
        if path and not os.path.exists(path):
            refuse(f"the {name} {path!r} does not exist")
    listeners = []
    for address in cfg.address:
        try:
            listeners.append(gunicorn_sock._sock_type(address)(address, cfg, server.log))
        except OSError as exc:
            refuse(f"cannot listen on {shown_address(address)}: {exc.strerror or exc}")
    server.LISTENERS = listeners


def listeners_problem(server: Any) -> str | None:
    return exposure_problem(monitor_config(server), listening_hosts(server.LISTENERS))


def check_ready(server: Any) -> None:
    """Once gunicorn listens: the exposure rule on its real sockets, then the banner of
    ``python -m app serve`` (its ``banner``; plain gunicorn has logged where it listens)."""
    problem = listeners_problem(server)
    if problem:
        refuse(problem)
    banner = getattr(server.app, "banner", None)
    if banner:  # one write, so that no worker's log line falls between line and newline
        sys.stdout.write(f"{banner}\n")
        sys.stdout.flush()
