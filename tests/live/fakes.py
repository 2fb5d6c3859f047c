"""Cheap, deterministic collectors for live tests: every section of a sample, no psutil.

Values depend on the tick number only, so a sampler at 0.2 s never overruns on a loaded machine
and a test can predict what each frame carries.
"""

from __future__ import annotations

from typing import Any

from app.config import Config
from tests.support.samples import make_sample

SECTIONS = (
    "cpu",
    "memory",
    "load",
    "system",
    "disks",
    "network",
    "sensors",
    "processes",
    "gpus",
)

PROCESSES = [
    # pid, name, user, command
    (101, "postgres", "postgres", "/usr/lib/postgresql/16/bin/postgres -D /var/lib/postgresql"),
    (202, "nginx", "www-data", "nginx: worker process"),
    (303, "python3", "alice", "/usr/bin/python3 -m app serve --port 8050 " + "--verbose " * 30),
    (404, "chromium", "bob", "/usr/lib/chromium/chromium --headless --no-sandbox"),
    (505, "sshd", "root", "sshd: /usr/sbin/sshd -D [listener] 0 of 10-100 startups"),
    (606, "zsh", "alice", "-zsh"),
]


def process_rows(tick: int) -> list[dict[str, Any]]:
    """Six processes whose CPU share rotates with ``tick`` (so a CPU sort changes order)."""
    rows = []
    for i, (pid, name, user, cmdline) in enumerate(PROCESSES):
        rows.append(
            {
                "pid": pid,
                "name": name,
                "user": user,
                "cpu": float((i * 7 + tick) % 40),
                "rss": (i + 1) * 50 * 2**20,
                "mem": round((i + 1) * 0.8, 1),
                "threads": i + 1,
                "status": "running" if i % 2 else "sleeping",
                "cmdline": cmdline,
            }
        )
    return rows


class FakeHost:
    """Builds one tick's sections; the ``cpu`` collector (called first) advances the tick."""

    def __init__(self, cores: int = 8) -> None:
        self.cores = cores
        self.tick = -1
        self._sample: dict[str, Any] = {}

    def section(self, name: str) -> Any:
        if name == "cpu":
            self.tick += 1
            self._sample = self._build(self.tick)
        return self._sample[name]

    def _build(self, tick: int) -> dict[str, Any]:
        sample = make_sample(tick)
        sample["cpu"]["per_core"] = [float((tick * 3 + c * 11) % 100) for c in range(self.cores)]
        sample["processes"]["top_cpu"] = process_rows(tick)
        sample["processes"]["top_mem"] = list(reversed(process_rows(tick)))
        return sample


class SectionCollector:
    """A collector that answers one section of the fake host."""

    METRICS: dict[str, tuple[str, str]] = {}

    def __init__(self, name: str, host: FakeHost) -> None:
        self.name = name
        self._host = host

    def collect(self) -> Any:
        return self._host.section(self.name)


def fake_collectors(_config: Config, cores: int = 8) -> list[SectionCollector]:
    """A ``collector_factory`` for ``Monitor``: one collector per section of one fake host."""
    host = FakeHost(cores)
    return [SectionCollector(name, host) for name in SECTIONS]
