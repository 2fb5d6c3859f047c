"""Counting what the code under test produced: stored samples, queued hub messages."""

from __future__ import annotations

from sqlalchemy import func, select

from app.hub import Message, Subscription
from storage.schema import hosts, samples
from storage.store import MetricStore


def count_samples(store: MetricStore, host: str | None = None) -> int:
    """Rows in the samples table (of ``host`` when given)."""
    query = select(func.count()).select_from(samples)
    if host is not None:
        query = query.join(hosts, hosts.c.id == samples.c.host_id).where(hosts.c.name == host)
    store.ensure_schema()
    with store.engine.connect() as conn:
        return int(conn.execute(query).scalar_one())


def drain(subscription: Subscription) -> list[Message]:
    """Every message queued on ``subscription``, oldest first, without waiting."""
    messages = []
    while (message := subscription.get(timeout=0)) is not None:
        messages.append(message)
    return messages
