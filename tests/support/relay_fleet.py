"""Workers' relay listeners and a remote sampler's notifier on one PostgreSQL deployment."""

from __future__ import annotations

import time

from sqlalchemy import Engine

from app.cluster.listener import PgListener
from app.cluster.pg import connector
from app.cluster.relay import PgNotifier
from app.hub import LiveHub, encode_sample
from tests.support.polling import wait_for
from tests.support.samples import make_sample

OWN = "web-1"  # the workers' own host


class Fleet:
    """Workers' listeners and one sampler's notifier on one deployment; stopped at the end."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.listeners: list[PgListener] = []
        self.sender = PgNotifier(connector(engine), origin="sampler")
        self.sender.start()
        self.seq = 0

    def worker(self, name: str, clock=time.monotonic) -> PgListener:
        """A started listener of a worker on ``OWN``, LISTENing already."""
        listener = PgListener(
            connector(self.engine), LiveHub(), own_host=OWN, origin=name, clock=clock
        )
        listener.start()
        self.listeners.append(listener)
        wait_for(listener.listening.is_set, message=f"{name} listening")
        return listener

    def send(self, host: str, count: int = 1) -> None:
        for _ in range(count):
            self.seq += 1
            self.sender.submit(encode_sample(make_sample(self.seq, host=host, ts0=1.7e9)))

    def mark(self, *listeners: PgListener) -> None:
        """Sends a sample of the own host and waits until every listener has it."""
        self.send(OWN)
        seq = self.seq
        for listener in listeners:
            wait_for(
                lambda listener=listener: (m := listener._hub.latest(OWN)) and m.seq == seq,
                message="the marker sample of the own host",
            )

    def close(self) -> None:
        self.sender.stop()
        for listener in self.listeners:
            listener.stop()
