"""Configuration: defaults, overridden by ``MONITOR_*`` environment variables, then by CLI flags."""

from __future__ import annotations

import os
import socket
from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from typing import Any

from storage.engine import DEFAULT_DATABASE_URL
from storage.timeparse import parse_duration

ENV_PREFIX = "MONITOR_"
# Fields given in seconds or as duration strings ("90s", "15min", "24h", "7d", "2y").
DURATION_FIELDS = ("retention_raw", "retention_1m", "retention_1h", "rollup_every")


class ConfigError(ValueError):
    """A configuration value that cannot be used; the message names the setting."""


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
    # History: how long raw samples, 1-minute and 1-hour rollups are kept, and how often the
    # rollup and retention job runs.
    retention_raw: float = 7 * 86400.0
    retention_1m: float = 90 * 86400.0
    retention_1h: float = 2 * 365 * 86400.0
    rollup_every: float = 60.0
    # Alerts (docs/alerts.md): the rule file ("": the default rules), Apprise notification URLs
    # (secrets: never shown), the dashboard's public URL for links in messages, and a switch.
    alerts_file: str = ""
    notify_urls: str = field(default="", repr=False)
    public_url: str = ""
    alerts_enabled: bool = True

    def __post_init__(self) -> None:
        for name in DURATION_FIELDS:
            object.__setattr__(self, name, _duration(name, getattr(self, name)))
        if self.interval <= 0 or self.interval > 3600:
            raise ConfigError(f"interval must be between 0 and 3600 seconds, got {self.interval}")
        if not 0 < self.port < 65536:
            raise ConfigError(f"port must be between 1 and 65535, got {self.port}")
        if self.top_n < 0:
            raise ConfigError(f"top_n must be 0 or more, got {self.top_n}")
        if self.ws_ping_interval < 0:
            raise ConfigError(f"ws_ping_interval must be 0 (off) or more: {self.ws_ping_interval}")
        if self.connections_per_client < 0:
            raise ConfigError(
                f"connections_per_client must be 0 or more: {self.connections_per_client}"
            )
        for name in ("batch_interval", "buffer_seconds", "backlog_seconds", "request_read_timeout"):
            if getattr(self, name) <= 0:
                raise ConfigError(f"{name} must be positive, got {getattr(self, name)}")

    @property
    def buffer_max(self) -> int:
        """Samples the storage buffer holds: ``buffer_seconds`` of samples at ``interval``."""
        return max(1, int(self.buffer_seconds / self.interval))

    @property
    def backlog_size(self) -> int:
        return max(1, int(self.backlog_seconds / self.interval))

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None, **overrides: Any) -> Config:
        """Defaults, then ``MONITOR_*`` variables, then ``overrides`` (None values ignored)."""
        environ = os.environ if environ is None else environ
        values: dict[str, Any] = {}
        for f in fields(cls):
            raw = environ.get(ENV_PREFIX + f.name.upper())
            if raw is not None and raw != "":
                values[f.name] = _parse(f.name, str(f.type), raw)
        values.update({k: v for k, v in overrides.items() if v is not None})
        return cls(**values)

    def with_overrides(self, **overrides: Any) -> Config:
        return replace(self, **{k: v for k, v in overrides.items() if v is not None})


def _duration(name: str, value: Any) -> float:
    """A duration field as positive seconds (strings like "7d" are parsed)."""
    try:
        seconds = parse_duration(value)
    except (TypeError, ValueError):
        raise ConfigError(f"{name} must be a duration like 3600, 7d or 2y, got {value!r}") from None
    if seconds <= 0:
        raise ConfigError(f"{name} must be positive, got {value!r}")
    return seconds


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
