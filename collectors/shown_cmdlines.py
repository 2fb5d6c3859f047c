"""Command lines as the processes collector shows them, masked once per process and argv.

Masking (``collectors.privacy``) is the dearest part of a top row; the same processes keep the
same command lines tick after tick. ``ShownCmdlines`` keeps each process's masked, joined
command line by identity (pid and start time: on the psutil path ``id(Process)``), valid while
the argument list is equal to the one masked; a changed one (setproctitle) is masked again.
Every ``PRUNE_EVERY`` scans the entries of processes gone from that scan are dropped, so the
cache holds about one entry per live process whose details were read. The masked text is a
function of the argument list alone, and an entry serves only an equal one: never stale.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable
from typing import Any

from collectors.privacy import mask_arguments
from collectors.process_table import truncate_cmdline
from collectors.procfs import ProcStat

Identity = tuple[Any, Any]  # (pid, start time or id(Process))
# Scans between prunes: a prune builds a set of every scanned process (about 20 us for 90
# processes on a slow 2-core host, like the masking it saves there), so not every tick.
PRUNE_EVERY = 10


class ShownCmdlines:
    """``shown`` gives what ``truncate_cmdline(mask_arguments(arguments), limit)`` gives (or the
    unmasked text without ``mask_secrets``; None with ``hide_cmdline``), masking each distinct
    argument list of a process once. Thread-safe: the sampler and searches share it."""

    def __init__(
        self, *, hide_cmdline: bool, mask_secrets: bool, prune_every: int = PRUNE_EVERY
    ) -> None:
        self.hide_cmdline = hide_cmdline
        self.mask_secrets = mask_secrets
        self._prune_every = prune_every
        self._scans = 0  # since the last prune
        self._kept: dict[Identity, tuple[tuple[str, ...], str]] = {}  # argv masked, joined text
        self._lock = threading.Lock()

    def shown(self, identity: Identity, arguments: Any, limit: int) -> str | None:
        """Masked (secrets), then truncated to ``limit``; None when hidden or unknown."""
        if self.hide_cmdline:
            return None
        if not self.mask_secrets or not isinstance(arguments, list | tuple):
            return truncate_cmdline(arguments, limit)
        argv = tuple(arguments)
        kept = self._kept.get(identity)
        if kept is None or kept[0] != argv:
            kept = (argv, " ".join(mask_arguments(argv)))
            with self._lock:
                self._kept[identity] = kept
        return truncate_cmdline(kept[1], limit)

    def retain(self, scanned: Iterable[ProcStat]) -> None:
        """Every ``prune_every``-th call, forgets the processes not in ``scanned`` (one whole
        scan)."""
        self._scans += 1
        if self._scans < self._prune_every or not self._kept:
            return
        self._scans = 0
        alive = {(process.pid, process.start) for process in scanned}
        with self._lock:
            for identity in [i for i in self._kept if i not in alive]:
                del self._kept[identity]

    def __len__(self) -> int:
        return len(self._kept)
