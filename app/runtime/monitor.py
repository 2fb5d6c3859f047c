"""The monitor: wires collectors -> sampler -> (live hub, storage writer) for one process."""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from app.config import Config
from app.hub import LiveHub
from app.hub.reporting import LastHeard
from app.runtime.alerting import alert_service_for, last_seen
from app.runtime.heap import HeapTrim
from app.runtime.process_scans import FollowerScans
from app.runtime.sampler import Sampler
from collectors import default_collectors
from collectors.base import Collector
from collectors.process_table import ProcessTable
from collectors.registry import CollectorRegistry
from storage.compaction import DEFAULT_HORIZON_S
from storage.engine import agent_pool, make_engine
from storage.file_lock import hold_writer_lock, release_writer_lock
from storage.maintenance import HistoryMaintainer
from storage.retention import RetentionPolicy
from storage.store import MetricStore
from storage.writer import StorageWriter

if TYPE_CHECKING:  # app.runtime.coordination (psycopg2) is imported on PostgreSQL only
    from app.runtime.coordination import PgListener, PgNotifier, SamplerElection

log = logging.getLogger(__name__)

CollectorFactory = Callable[[Config], list[Collector]]


def collectors_for(config: Config) -> list[Collector]:
    """The real host collectors, with the configured options."""
    return default_collectors(
        top_n=config.top_n,
        include_virtual_net=config.include_virtual_net,
        cmdline_max=config.cmdline_max,
        hide_cmdline=config.hide_cmdline,
        mask_secrets=config.mask_secrets,
        cgroup_roots=config.cgroup_roots,
        docker_socket=config.docker_socket,
    )


class Monitor:
    """Owns the hub, the store, the writer and the sampler of this process.

    Nothing starts in the constructor: ``start`` builds the collectors and starts the threads,
    exactly once, in the process that serves (never at import, never before a fork). On SQLite
    this process samples. On PostgreSQL the processes of one host elect one sampler with an
    advisory lock (``app.cluster``); the sampler NOTIFYs each sample and its summary, and every
    web process LISTENs: each one's hub hears every host's summaries, and the whole samples of
    its own host and of the hosts its connections watch. An ``agent`` listens to nothing, shares
    one pooled connection between writing and relaying, and on PostgreSQL joins the election
    only with ``shared_hostname`` and runs the history job only with ``agent_maintenance``
    (``app.runtime.coordination``).
    """

    def __init__(
        self,
        config: Config,
        *,
        collector_factory: CollectorFactory = collectors_for,
        store: MetricStore | None = None,
        listen: bool = True,
        agent: bool = False,
        clock: Callable[[], float] = time.monotonic,
        wall_clock: Callable[[], float] = time.time,
    ) -> None:
        self.config = config
        self.clock = clock  # the sampler's cadence and every freshness check
        self.wall_clock = wall_clock  # the samples' timestamps
        self.agent = agent
        pool = agent_pool(config.database_url, maintenance=config.agent_maintenance)
        self.store = store or MetricStore(
            make_engine(config.database_url, **(pool if agent else {})),
            process_snapshot_every=config.process_snapshot_every,
        )
        # A sampler taking over (PostgreSQL) re-stores what the last one relayed, so the hub
        # keeps it whole that long; on SQLite nothing takes over: only the newest stays whole.
        whole = config.takeover_seconds + 30 if self.coordinated else 0.0
        self.hub = LiveHub(config.backlog_size, config.subscriber_queue, whole_seconds=whole)
        self.heard = LastHeard(clock)  # when each host's newest sample arrived, on ``clock``
        self.hub.add_publish_hook(self.heard)  # whole samples, local or relayed
        self.hub.summaries.add_hook(self.heard)  # and summaries: every host's, relayed
        self.writer = StorageWriter(
            self.store, batch_interval=config.batch_interval, buffer_max=config.buffer_max
        )
        self.maintainer = HistoryMaintainer(
            self.store,
            RetentionPolicy(config.retention_raw, config.retention_1m, config.retention_1h),
            every=config.rollup_every,
            compact_blocks=config.compact_blocks,
            compact_horizon=max(DEFAULT_HORIZON_S, 2 * config.takeover_seconds),
        )
        # Raises RuleError (a ConfigError) on a bad rule file, before any thread starts.
        self.alerts = alert_service_for(config, self.store.engine)
        self.watchdog: SamplerElection | None = None
        self._collector_factory = collector_factory
        self._listen = listen and not agent
        self.sampler: Sampler | None = None
        self.election: SamplerElection | None = None
        self.notifier: PgNotifier | None = None
        self.listener: PgListener | None = None
        self._lock = threading.Lock()
        self._started = False
        self._stopped = False
        self._writer_lock: Path | None = None  # the SQLite writer lock this monitor holds
        self._follower_scans = FollowerScans(
            config.interval, hide_cmdline=config.hide_cmdline, mask_secrets=config.mask_secrets
        )

    @property
    def coordinated(self) -> bool:
        """True when processes coordinate through the database (PostgreSQL)."""
        return self.store.dialect == "postgresql"

    def build_sampler(self) -> Sampler:
        """A sampler over fresh collectors, publishing to the hub (and relay) and the writer."""
        registry = CollectorRegistry()
        for collector in self._collector_factory(self.config):
            registry.register(collector)
        # The alert service's ``submit`` is a non-blocking queue put; the heap trim comes last.
        # Its ``health`` (alerts_rev) reads a number in memory, never the database.
        alerts = [self.alerts.submit] if self.alerts is not None else []
        revision = [self.alerts.health] if self.alerts is not None else []
        return Sampler(
            registry,
            host=self.config.hostname,
            interval=self.config.interval,
            sinks=[self._publish, self.writer.submit, *alerts, HeapTrim()],
            health_providers=[self.writer.health, self.hub.health, *revision],
            clock=self.clock,
            wall_clock=self.wall_clock,
        )

    def _start_alerts(self) -> None:
        """Starts evaluation; silent hosts are watched here on SQLite, and on PostgreSQL by
        the one web process that wins the watchdog election (``app.runtime.alerting``)."""
        if self.alerts is None:
            return
        self.alerts.start()
        if not self.coordinated:
            self._watch_silent_hosts(True)
        elif self._listen:
            from app.runtime.coordination import start_watchdog

            self.watchdog = start_watchdog(self, self._watch_silent_hosts)

    def _watch_silent_hosts(self, watch: bool) -> None:
        alerts = self.alerts
        if alerts is None:
            return
        if watch:
            alerts.adopt_rules([r.name for r in alerts.evaluator.rule_set.rules if r.absent])
        alerts.watch_hosts = last_seen(self.hub, self.heard) if watch else None

    def _publish(self, sample: dict) -> None:
        message = self.hub.publish(sample)
        if self.notifier is not None:
            self.notifier.submit(message)

    def start(self) -> None:
        """Starts the threads once; later calls (and calls after ``stop``) do nothing.

        On a SQLite file, first takes the file's writer lock (``storage.file_lock``; a gunicorn
        worker finds it held for it by its master): ``DatabaseInUse`` when another process
        holds it, and then nothing has started."""
        with self._lock:
            if self._started or self._stopped:
                return
            if not self.coordinated:
                self._writer_lock = hold_writer_lock(self.config.database_url)
            self._started = True
            self.writer.start()
            if not (self.agent and self.coordinated) or self.config.agent_maintenance:
                self.maintainer.start()
            self._start_alerts()
            if not self.coordinated:
                self._start_sampling()
                return
            from app.runtime.coordination import start_relay

            start_relay(
                self,
                listen=self._listen,
                agent=self.agent,
                on_elected=self._start_sampling,
                on_demoted=self._stop_sampling,
            )

    @property
    def stopping(self) -> bool:
        """True once ``stop`` or ``stop_sampling`` was called: never to sample again."""
        return self._stopped

    def _start_sampling(self) -> None:
        if self.sampler is not None or self._stopped:
            return
        if self.coordinated:
            self._store_relayed_backlog()
        if self.alerts is not None:
            self.alerts.adopt([self.config.hostname])
        self.sampler = self.build_sampler()
        self.sampler.start()
        log.info(
            "sampling %s every %.3g s into %s",
            self.config.hostname,
            self.config.interval,
            self.store.engine.url.render_as_string(hide_password=True),
        )

    def _store_relayed_backlog(self) -> None:
        """On taking over from a sampler that died, stores what it relayed but may not have
        written yet (its buffer died with it). Rows already stored are skipped by the store."""
        horizon = self.wall_clock() - self.config.takeover_seconds
        relayed = [  # the hub keeps them whole for longer than that
            m for m in self.hub.backlog(since_ts=horizon, host=self.config.hostname) if m.whole
        ]
        for message in relayed:
            self.writer.submit(json.loads(message.payload))
        if relayed:
            log.info("took over sampling: re-storing %d relayed samples", len(relayed))

    def _stop_sampling(self) -> None:
        sampler, self.sampler = self.sampler, None
        if sampler is not None:
            sampler.stop()
            if self.alerts is not None:  # the next sampler of this host evaluates it
                self.alerts.forget(self.config.hostname)

    def stop_sampling(self) -> None:
        """Stops sampling now and for good, without the rest of ``stop``: a process on its way
        out (SIGTERM, a reload) takes no more samples and is never elected again, while its
        connections close; ``stop`` then flushes the buffer and releases the sampler lock."""
        with self._lock:
            self._stopped = True
            self._stop_sampling()

    def process_table(self) -> ProcessTable | None:
        """This host's whole last process scan (``app.runtime.process_scans``): the sampler's,
        a follower's own; None before sampling starts and after stopping."""
        sampler = self.sampler
        if sampler is not None:
            return getattr(sampler.registry.get("processes"), "table", None)
        return self._follower_scans.table() if self.role == "follower" else None

    @property
    def running(self) -> bool:
        """True while this process samples its host."""
        return self.sampler is not None and self.sampler.running

    @property
    def role(self) -> str:
        """ "sampler", "follower" (another process samples this host) or "stopped"."""
        if self.running:
            return "sampler"
        return "follower" if self._started and not self._stopped else "stopped"

    def stop(self, timeout: float = 10.0) -> bool:
        """Stops sampling and flushes the storage buffer; True when every sample was written."""
        with self._lock:
            self._stopped = True
            self._stop_sampling()
            for part in (self.election, self.watchdog, self.listener, self.notifier):
                if part is not None:
                    part.stop()
        self.maintainer.stop(timeout)
        if self.alerts is not None:
            self.alerts.stop(timeout)
        flushed = self.writer.stop(timeout)
        self.store.engine.dispose()
        release_writer_lock(self._writer_lock)
        self._writer_lock = None
        return flushed
