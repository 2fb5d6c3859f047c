"""The monitor: wires collectors -> sampler -> (live hub, storage writer) for one process."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

from app.config import Config
from app.hub import LiveHub
from app.sampler import Sampler
from collectors import default_collectors
from collectors.base import Collector
from collectors.registry import CollectorRegistry
from storage.engine import make_engine
from storage.store import MetricStore
from storage.writer import StorageWriter

log = logging.getLogger(__name__)

CollectorFactory = Callable[[Config], list[Collector]]


def collectors_for(config: Config) -> list[Collector]:
    """The real host collectors, with the configured options."""
    return default_collectors(
        top_n=config.top_n,
        include_virtual_net=config.include_virtual_net,
        cmdline_max=config.cmdline_max,
    )


class Monitor:
    """Owns the hub, the store, the writer and (once started) the sampler of this process.

    Nothing starts in the constructor: ``start`` builds the collectors and starts the writer and
    sampler threads, exactly once, in the process that serves (never at import, never before a
    fork).
    """

    def __init__(
        self,
        config: Config,
        *,
        collector_factory: CollectorFactory = collectors_for,
        store: MetricStore | None = None,
    ) -> None:
        self.config = config
        self.hub = LiveHub(backlog_size=config.backlog_size, queue_size=config.subscriber_queue)
        self.store = store or MetricStore(
            make_engine(config.database_url),
            process_snapshot_every=config.process_snapshot_every,
        )
        self.writer = StorageWriter(
            self.store, batch_interval=config.batch_interval, buffer_max=config.buffer_max
        )
        self._collector_factory = collector_factory
        self.sampler: Sampler | None = None
        self._lock = threading.Lock()
        self._stopped = False

    def build_sampler(self) -> Sampler:
        """A sampler over fresh collectors, publishing to the hub and the writer."""
        registry = CollectorRegistry()
        for collector in self._collector_factory(self.config):
            registry.register(collector)
        return Sampler(
            registry,
            host=self.config.hostname,
            interval=self.config.interval,
            sinks=[self.hub.publish, self.writer.submit],
            health_providers=[self.writer.health, self.hub.health],
        )

    def start(self) -> None:
        """Starts the writer and the sampler threads once; later calls do nothing."""
        with self._lock:
            if self.sampler is not None or self._stopped:
                return
            self.writer.start()
            self.sampler = self.build_sampler()
            self.sampler.start()
            log.info(
                "sampling %s every %.3g s into %s",
                self.config.hostname,
                self.config.interval,
                self.store.engine.url.render_as_string(hide_password=True),
            )

    @property
    def running(self) -> bool:
        return self.sampler is not None and self.sampler.running

    def stop(self, timeout: float = 10.0) -> bool:
        """Stops sampling and flushes the storage buffer; True when every sample was written."""
        with self._lock:
            self._stopped = True
            if self.sampler is not None:
                self.sampler.stop(timeout)
        flushed = self.writer.stop(timeout)
        self.store.engine.dispose()
        return flushed
