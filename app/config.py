"""Configuration: defaults, overridden by ``MONITOR_*`` environment variables, then by CLI flags."""

from __future__ import annotations

import os
import socket
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field, fields, replace
from typing import Any

from storage.timeparse import parse_duration
from storage.urls import DEFAULT_DATABASE_URL, SUPPORTED_URLS, parse_url, url_problem

ENV_PREFIX = "MONITOR_"
# Fields given in seconds or as duration strings ("90s", "15min", "24h", "7d", "2y").
DURATION_FIELDS = ("retention_raw", "retention_1m", "retention_1h", "rollup_every")
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")


class ConfigError(ValueError):
    """A configuration value that cannot be used; the message names the setting.

    ``setting`` is the field whose value is wrong (when one is), and ``problem`` what follows
    its name in the message, so that ``from_env`` can name it as the operator gave it."""

    def __init__(self, message: str, setting: str = "", problem: str = "") -> None:
        super().__init__(message)
        self.setting = setting
        self.problem = problem

    def named(self, label: str) -> ConfigError:
        """The same error, naming the setting as ``label`` (``--interval``, ``MONITOR_PORT``)."""
        return ConfigError(f"{label} {self.problem}", self.setting, self.problem)


def invalid(setting: str, requirement: str, shown: str) -> ConfigError:
    problem = f"{requirement}, got {shown}"
    return ConfigError(f"{setting} {problem}", setting, problem)


@dataclass(frozen=True)
class Config:
    """Every setting of the dashboard process. Field ``x`` is read from ``MONITOR_X``."""

    host: str = "127.0.0.1"
    port: int = 8050
    database_url: str = DEFAULT_DATABASE_URL
    interval: float = 1.0
    hostname: str = field(default_factory=socket.gethostname)
    top_n: int = 15
    cmdline_max: int = 256
    include_virtual_net: bool = False
    backlog_seconds: float = 900.0
    subscriber_queue: int = 120
    batch_interval: float = 5.0
    buffer_seconds: float = 3600.0
    process_snapshot_every: float = 5.0
    allowed_origins: tuple[str, ...] = ()
    allow_no_origin: bool = False
    ws_ping_interval: float = 25.0
    log_level: str = "INFO"
    # Security (docs/security.md).
    auth_token: str = field(default="", repr=False)
    users_file: str = ""
    secret_key: str = field(default="", repr=False)
    allowed_hosts: tuple[str, ...] = ()
    insecure_no_auth: bool = False  # the older spelling of trusted_network
    # Serve beyond loopback without authentication: everyone who can reach it is trusted.
    trusted_network: bool = False
    trust_proxy: bool = False
    # Seconds a client may take to send one request (headers and body), and connections one
    # client address may hold open at once (0: no limit; not applied behind a trusted proxy).
    request_read_timeout: float = 10.0
    connections_per_client: int = 32
    # Where the session key and sessions are kept ("": the SQLite database's folder, or data/).
    data_dir: str = ""
    hide_cmdline: bool = False
    mask_secrets: bool = True
    # Extra cgroups to list as workloads, relative to the hierarchy root (comma separated).
    cgroup_roots: tuple[str, ...] = ()
    # A Docker Engine API socket (Docker's or Podman's) to ask container names of, when the
    # runtime's own files cannot be read; empty: never asked.
    docker_socket: str = ""
    # History: how long raw samples, 1-minute and 1-hour rollups are kept, and how often the
    # rollup and retention job runs.
    retention_raw: float = 7 * 86400.0
    retention_1m: float = 90 * 86400.0
    retention_1h: float = 2 * 365 * 86400.0
    rollup_every: float = 60.0
    # Compact raw samples older than the writer's batches and rolled up into history blocks
    # (storage/compaction.py: about 0.4 B a point against 16 B a point in rows); 0 keeps rows.
    compact_blocks: bool = True
    # Alerts (docs/alerts.md): the rule file ("": the default rules), Apprise notification URLs
    # (secrets: never shown), the dashboard's public URL for links in messages, and a switch.
    alerts_file: str = ""
    notify_urls: str = field(default="", repr=False)
    public_url: str = ""
    alerts_enabled: bool = True
    # Agents (docs/operations.md, "A fleet through PgBouncer"): an agent's host name is its own,
    # so it takes part in the sampler election only when told that another process may sample
    # under the same name; and it leaves the history job (rollups, retention) to the dashboard
    # unless told to run it. Both hold a session advisory lock, which needs a direct connection
    # (or session pooling), never PgBouncer's transaction pooling.
    shared_hostname: bool = False
    agent_maintenance: bool = False

    def __post_init__(self) -> None:
        for name in DURATION_FIELDS:
            object.__setattr__(self, name, _duration(name, getattr(self, name)))
        for name, ok, requirement in self._rules():
            if not ok:
                raise invalid(name, requirement, _shown(name, getattr(self, name)))

    def _rules(self) -> Iterator[tuple[str, bool, str]]:
        """(field, whether its value is good, what it must be), in the order they are checked;
        written so that NaN fails them."""
        yield "database_url", url_problem(self.database_url) is None, f"must be {SUPPORTED_URLS}"
        yield "interval", 0 < self.interval <= 3600, "must be greater than 0 and at most 3600"
        yield "port", 0 < self.port < 65536, "must be between 1 and 65535"
        yield "hostname", bool(self.hostname.strip()), "must not be empty"
        yield "top_n", self.top_n >= 0, "must be 0 or more"
        yield "cmdline_max", self.cmdline_max >= 1, "must be 1 or more"
        yield "subscriber_queue", self.subscriber_queue >= 1, "must be 1 or more"
        yield "log_level", self.log_level.upper() in LOG_LEVELS, "must be " + _words(LOG_LEVELS)
        yield "ws_ping_interval", self.ws_ping_interval >= 0, "must be 0 (off) or more"
        yield "connections_per_client", self.connections_per_client >= 0, "must be 0 or more"
        for name in ("batch_interval", "buffer_seconds", "backlog_seconds", "request_read_timeout"):
            yield name, getattr(self, name) > 0, "must be greater than 0"
        yield "process_snapshot_every", self.process_snapshot_every > 0, "must be greater than 0"

    @property
    def buffer_max(self) -> int:
        """Samples the storage buffer holds: ``buffer_seconds`` of samples at ``interval``."""
        return max(1, int(self.buffer_seconds / self.interval))

    @property
    def backlog_size(self) -> int:
        return max(1, int(self.backlog_seconds / self.interval))

    @property
    def takeover_seconds(self) -> float:
        """How far back a sampler that takes over re-stores what its predecessor relayed (its
        unwritten buffer); the hub keeps samples whole for 30 s more (``app.hub.thin``)."""
        return max(60.0, 3 * self.batch_interval)

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None, **overrides: Any) -> Config:
        """Defaults, then ``MONITOR_*`` variables, then ``overrides`` (None values ignored)."""
        environ = os.environ if environ is None else environ
        values: dict[str, Any] = {}
        for f in fields(cls):
            raw = environ.get(ENV_PREFIX + f.name.upper())
            if raw is not None and raw != "":
                values[f.name] = _parse(f.name, str(f.type), raw)
        flags = {k: v for k, v in overrides.items() if v is not None}
        try:
            return cls(**{**values, **flags})
        except ConfigError as exc:  # named as given: a flag, else the environment variable
            if exc.setting in flags:
                raise exc.named("--" + exc.setting.replace("_", "-")) from None
            if exc.setting in values:
                raise exc.named(ENV_PREFIX + exc.setting.upper()) from None
            raise

    def with_overrides(self, **overrides: Any) -> Config:
        return replace(self, **{k: v for k, v in overrides.items() if v is not None})


def _duration(name: str, value: Any) -> float:
    """A duration field as positive seconds (strings like "7d" are parsed)."""
    try:
        seconds = parse_duration(value)
    except (TypeError, ValueError):
        raise invalid(name, "must be a duration like 3600, 7d or 2y", _shown(name, value)) from None
    if not seconds > 0:
        raise invalid(name, "must be greater than 0", _shown(name, value))
    return seconds


def _shown(name: str, value: Any) -> str:
    """A value as an error message shows it: numbers plainly, a URL without its password (and
    a value that does not parse as a URL not at all: it may hold one)."""
    if isinstance(value, float):
        return f"{value:g}"
    if name == "database_url":
        if url_problem(value) == "is not a database URL":
            return "a value that is not a URL"
        return repr(parse_url(value).shown())
    return repr(value) if isinstance(value, str) else str(value)


def _words(choices: tuple[str, ...]) -> str:
    return ", ".join(choices[:-1]) + " or " + choices[-1]


def _parse(name: str, kind: str, raw: str) -> Any:
    variable = ENV_PREFIX + name.upper()
    try:
        if name in DURATION_FIELDS:
            return parse_duration(raw)
        if kind == "int":
            return int(raw)
        if kind == "float":
            return float(raw)
        if kind == "bool":
            lowered = raw.strip().lower()
            if lowered in ("1", "true", "yes", "on"):
                return True
            if lowered in ("0", "false", "no", "off"):
                return False
            raise ValueError(raw)
        if kind.startswith("tuple"):
            return tuple(part.strip() for part in raw.split(",") if part.strip())
    except ValueError:
        raise ConfigError(f"{variable}={raw!r} is not a valid {kind}") from None
    return raw
