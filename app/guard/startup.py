"""What gunicorn's master checks before it serves (the hooks in gunicorn.conf.py call these).

``check_start`` runs once gunicorn's settings are final, after ``-b``/``--bind``, the config
file and ``GUNICORN_CMD_ARGS``, and before it logs, binds or forks; a refusal is one line on
stderr and exit code 2. The checks that need the dashboard's settings (the ``MONITOR_*``
variables: the exposure rule, SQLite with several workers, the users and rules files) run in a
forked child (``app.guard.start_checks``), which hands back what the master needs: the SQLite
file to lock, the workers' client limits, a line to log. The master binds the listening sockets
itself, once (gunicorn would retry an address in use five times a second apart, logging each).
``check_ready`` then checks the sockets gunicorn really listens on (which also covers systemd
socket activation and ``fd://``) and prints the banner of ``python -m app serve``;
``listeners_problem`` checks them again after a reload.

Imports neither the web stack nor ``app.config``: gunicorn's master imports it, and stays at
gunicorn's own size.
"""

from __future__ import annotations

import os
import socket
import sys
from typing import Any, NoReturn

from gunicorn import sock as gunicorn_sock
from gunicorn import systemd

from app.guard.child_check import ChildCheckFailed, run_in_child
from app.guard.slow_clients import ClientLimits, GuardedThreadWorker
from storage.file_lock import DatabaseInUse, hold_lock_file

WORKER = "app.guard.slow_clients.GuardedThreadWorker"


class StartFacts:
    """What the checks in the child found: a ``problem`` (one line), else the SQLite lock file
    to hold (``""``: none), the workers' client limits and the line to log for a trusted
    exposure (``""``: none). ``text`` and ``parse`` carry it through the child's pipe."""

    def __init__(
        self,
        problem: str = "",
        lock_file: str = "",
        read_timeout: float = 10.0,
        per_client: int = 32,
        note: str = "",
    ) -> None:
        self.problem = problem
        self.lock_file = lock_file
        self.read_timeout = read_timeout
        self.per_client = per_client
        self.note = note

    def text(self) -> str:
        values = (self.problem, self.lock_file, repr(self.read_timeout), self.per_client, self.note)
        return "\n".join(str(value).replace("\n", " ") for value in values)

    @classmethod
    def parse(cls, text: str) -> StartFacts:
        problem, lock_file, read_timeout, per_client, note = text.split("\n")
        return cls(problem, lock_file, float(read_timeout), int(per_client), note)


def refuse(message: str) -> NoReturn:
    """One line on stderr, exit code 2 (as for any bad setting of ``python -m app``)."""
    print(f"error: {message}", file=sys.stderr, flush=True)
    raise SystemExit(2)


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


def _facts_in_child(hosts: list[str], workers: int) -> str:
    from app.guard.start_checks import start_facts

    return start_facts(hosts, workers).text()


def _listening_in_child(hosts: list[str]) -> str:
    from app.guard.start_checks import listening_problem

    return listening_problem(hosts)


def check_start(server: Any) -> None:
    """Refuses (one line, exit 2) or takes the SQLite writer lock, sets the workers' limits,
    logs a trusted exposure and binds."""
    cfg = server.cfg
    if not issubclass(server.worker_class, GuardedThreadWorker):
        refuse(
            f"worker class {cfg.worker_class_str!r} cannot hold WebSockets or bound slow "
            f"clients; use the default from gunicorn.conf.py ({WORKER})"
        )
    hosts, workers = bind_hosts(cfg.address), cfg.workers
    try:
        facts = StartFacts.parse(run_in_child(lambda: _facts_in_child(hosts, workers)))
    except ChildCheckFailed as exc:
        refuse(str(exc))
    if facts.problem:
        refuse(facts.problem)
    if facts.lock_file:  # one writer per SQLite file, for the deployment: workers inherit it
        try:
            hold_lock_file(facts.lock_file)
        except DatabaseInUse as exc:
            refuse(str(exc))
    server.worker_class.limits = ClientLimits(facts.read_timeout, facts.per_client)
    if facts.note:
        server.log.warning(facts.note)
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
    """The exposure rule (in a child, like the start checks) on the sockets gunicorn listens
    on, or None."""
    hosts = listening_hosts(server.LISTENERS)
    try:
        return run_in_child(lambda: _listening_in_child(hosts)) or None
    except ChildCheckFailed as exc:
        return str(exc)


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
