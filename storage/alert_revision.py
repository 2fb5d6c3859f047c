"""The alerts' revision: one counter that every change to what the alerts API answers bumps.

The row (``monitor_alert_revision``, id 1) is bumped with ``UPDATE ... SET value = value + 1``
inside the writing transaction, so concurrent writers of several processes never lose a bump;
a missing row is inserted first, race-safe (``ON CONFLICT DO NOTHING``). ``Revision`` is the
process's knowledge of it: raised by this process's own bumps and by reads of the row, never
lowered, and read without any I/O (the sampler's health carries it as ``alerts_rev``).
"""

from __future__ import annotations

import threading
import weakref

from sqlalchemy import Connection, Engine, select, update
from sqlalchemy.dialects import postgresql, sqlite

from storage.schema import alert_revision

ROW_ID = 1


class Revision:
    """The highest revision this process has written or read; thread-safe, never lowered."""

    def __init__(self) -> None:
        self._known = 0
        self._lock = threading.Lock()

    @property
    def known(self) -> int:
        """The revision known here (0 before any write or read); no I/O."""
        return self._known

    def saw(self, value: int) -> int:
        """Raises the known revision to ``value`` when it is higher; the known revision."""
        with self._lock:
            if value > self._known:
                self._known = value
            return self._known


_revisions: weakref.WeakKeyDictionary[Engine, Revision] = weakref.WeakKeyDictionary()
_revisions_lock = threading.Lock()


def revision_for(engine: Engine) -> Revision:
    """The one ``Revision`` of ``engine`` in this process (every store over it shares it)."""
    with _revisions_lock:
        found = _revisions.get(engine)
        if found is None:
            found = _revisions[engine] = Revision()
        return found


def bump(conn: Connection) -> int:
    """Adds one to the revision in the caller's transaction; the new value."""
    query = (
        update(alert_revision)
        .where(alert_revision.c.id == ROW_ID)
        .values(value=alert_revision.c.value + 1)
        .returning(alert_revision.c.value)
    )
    value = conn.execute(query).scalar()
    if value is None:  # no row yet: make it (one of several racing makers wins), bump again
        dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
        make = dialect.insert(alert_revision).values(id=ROW_ID, value=0)
        conn.execute(make.on_conflict_do_nothing(index_elements=["id"]))
        value = conn.execute(query).scalar_one()
    return int(value)


def read(conn: Connection) -> int:
    """The stored revision (0 when the row is not there yet): one primary-key select."""
    query = select(alert_revision.c.value).where(alert_revision.c.id == ROW_ID)
    return int(conn.execute(query).scalar() or 0)
