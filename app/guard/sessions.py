"""Server-side sessions: a session lives exactly as long as its file.

The cookie carries only a random session id (signed with the installation's key). The session
itself, who signed in, when it ends and a proof of the credential used, is a 0600 file in
``<data folder>/sessions`` named by the SHA-256 of the id (a reader of the folder learns no
cookie). Logout deletes the file, so every worker forgets the session at once; a request whose
credential has changed since (a removed user, a new password hash, another token) ends it too.

Kept free of the web stack.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

SESSION_ID = re.compile(r"^[A-Za-z0-9_-]{43}$")  # secrets.token_urlsafe(32)
SWEEP_EVERY = 100  # creations between sweeps of expired sessions


@dataclass(frozen=True)
class Session:
    user: str
    proof: str
    expires: float


class SessionStore:
    """Sessions in ``folder``, each valid for ``lifetime`` seconds from sign-in."""

    def __init__(
        self, folder: Path, lifetime: float, clock: Callable[[], float] = time.time
    ) -> None:
        self.folder = folder
        self.lifetime = lifetime
        self.clock = clock
        self._created = 0
        folder.mkdir(parents=True, exist_ok=True, mode=0o700)

    def _path(self, session_id: str) -> Path:
        return self.folder / hashlib.sha256(session_id.encode()).hexdigest()

    def create(self, user: str, proof: str) -> str:
        """A new session's id (for the cookie)."""
        session_id = secrets.token_urlsafe(32)
        record = {"user": user, "proof": proof, "expires": self.clock() + self.lifetime}
        fd = os.open(self._path(session_id), os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as file:
            json.dump(record, file)
        self._created += 1
        if self._created % SWEEP_EVERY == 0:
            self.sweep()
        return session_id

    def get(self, session_id: object) -> Session | None:
        """The live session ``session_id`` names, or None (unknown, ended or expired)."""
        if not isinstance(session_id, str) or not SESSION_ID.match(session_id):
            return None
        path = self._path(session_id)
        try:
            record = json.loads(path.read_text(encoding="utf-8"))
            session = Session(str(record["user"]), str(record["proof"]), float(record["expires"]))
        except (OSError, ValueError, KeyError, TypeError):
            return None
        if session.expires <= self.clock():
            self.end(session_id)
            return None
        return session

    def end(self, session_id: object) -> None:
        if isinstance(session_id, str) and SESSION_ID.match(session_id):
            with contextlib.suppress(FileNotFoundError):
                self._path(session_id).unlink()

    def sweep(self) -> int:
        """Deletes expired sessions; returns how many."""
        removed = 0
        now = self.clock()
        for path in self.folder.iterdir():
            try:
                expired = float(json.loads(path.read_text(encoding="utf-8"))["expires"]) <= now
            except (OSError, ValueError, KeyError, TypeError):
                continue
            if expired:
                with contextlib.suppress(FileNotFoundError):
                    path.unlink()
                    removed += 1
        return removed

    def count(self) -> int:
        return sum(1 for _ in self.folder.iterdir())
