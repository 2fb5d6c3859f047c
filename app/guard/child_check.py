"""Work that gunicorn's master hands to a forked child, so that it never imports that work.

The master checks the dashboard's settings and files before it serves, but the code that reads
them (``app.config`` with ``dataclasses``, TOML, hashing, the rule language) is needed only by
the workers. ``run_in_child`` forks, runs a function there, and hands its text back through a
pipe; the master stays at gunicorn's own size (docs/benchmarks.md, "A lean gunicorn master").
"""

from __future__ import annotations

import os
from collections.abc import Callable

OK, FAILED = b"0", b"1"  # the first byte of the child's answer


class ChildCheckFailed(RuntimeError):
    """The child raised or died: the message is one line saying so."""


def run_in_child(compute: Callable[[], str]) -> str:
    """``compute()`` run in a forked child; its text, or ``ChildCheckFailed`` (one line) when
    it raised or its process ended without answering. The parent imports nothing of it."""
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: answer through the pipe, never return into gunicorn
        os.close(read_end)
        try:
            answer = OK + compute().encode()
        except BaseException as exc:  # a traceback would break the one line
            answer = FAILED + f"start check failed: {type(exc).__name__}: {exc}".encode()
        os.write(write_end, answer)
        os._exit(0)
    os.close(write_end)
    with os.fdopen(read_end, "rb") as pipe:
        answer = pipe.read()
    os.waitpid(pid, 0)
    if answer[:1] == OK:
        return answer[1:].decode()
    if answer[:1] == FAILED:
        raise ChildCheckFailed(answer[1:].decode().replace("\n", " "))
    raise ChildCheckFailed("start check failed: its process ended abnormally")


def in_child(check: Callable[[], str | None]) -> str | None:
    """Runs ``check`` in a forked child and returns its answer (a one-line problem or None);
    an exception in the child, or its death, is a problem too, in one line."""
    try:
        return run_in_child(lambda: check() or "") or None
    except ChildCheckFailed as exc:
        return str(exc)
