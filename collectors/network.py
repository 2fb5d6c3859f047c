"""Network traffic rates per interface and in total."""

from __future__ import annotations

import time
from types import ModuleType
from typing import Any

import psutil

from collectors._common import sum_known
from collectors.base import Clock, MetricTable, RateTracker

LOOPBACK_NAMES = frozenset({"lo", "lo0"})
# Name prefixes of virtual interfaces (containers, bridges, VMs, CNI plugins, ifb shapers).
VIRTUAL_PREFIXES = ("veth", "docker", "br-", "virbr", "cni", "flannel", "cali", "vnet", "ifb")

# output key -> the snetio fields whose sum is the counter
_RATE_FIELDS: dict[str, tuple[str, ...]] = {
    "rx_bps": ("bytes_recv",),
    "tx_bps": ("bytes_sent",),
    "rx_pps": ("packets_recv",),
    "tx_pps": ("packets_sent",),
    "errors_per_s": ("errin", "errout"),
    "drops_per_s": ("dropin", "dropout"),
}


def is_virtual_interface(name: str) -> bool:
    """True for names of container/bridge/VM interfaces (veth*, docker*, br-*, virbr*, ...)."""
    return name.startswith(VIRTUAL_PREFIXES)


class NetworkCollector:
    """Rates of ``net_io_counters(pernic=True)`` per interface, and their total.

    The loopback is always skipped; virtual-looking interfaces are skipped unless
    ``include_virtual``. Skipped interfaces are not in the total either. Rates are per second over
    the real elapsed time; a counter that went backwards (wrap, reset) gives null for that tick
    and adds nothing to the total; a total is null when no interface has a rate for it.
    Interfaces that disappear are forgotten. Counters are first read in the constructor.
    """

    name = "network"
    METRICS: MetricTable = {
        "interfaces.iface": ("text", "interface name"),
        "interfaces.rx_bps": ("bytes/s", "bytes received"),
        "interfaces.tx_bps": ("bytes/s", "bytes sent"),
        "interfaces.rx_pps": ("1/s", "packets received"),
        "interfaces.tx_pps": ("1/s", "packets sent"),
        "interfaces.errors_per_s": ("1/s", "receive and send errors"),
        "interfaces.drops_per_s": ("1/s", "dropped incoming and outgoing packets"),
        "total.rx_bps": ("bytes/s", "bytes received, listed interfaces"),
        "total.tx_bps": ("bytes/s", "bytes sent, listed interfaces"),
        "total.rx_pps": ("1/s", "packets received, listed interfaces"),
        "total.tx_pps": ("1/s", "packets sent, listed interfaces"),
        "total.errors_per_s": ("1/s", "errors, listed interfaces"),
        "total.drops_per_s": ("1/s", "drops, listed interfaces"),
    }

    def __init__(
        self,
        psutil_module: ModuleType | Any = psutil,
        clock: Clock = time.monotonic,
        *,
        include_virtual: bool = False,
    ) -> None:
        self._psutil = psutil_module
        self._rates = RateTracker(clock)
        self._include_virtual = include_virtual
        self._interfaces()  # first sighting of the counters: the next collect has rates

    def collect(self) -> dict[str, Any]:
        """Per-interface and total rates since the previous call."""
        self._rates.tick()
        interfaces = self._interfaces()
        total = {key: sum_known(row[key] for row in interfaces) for key in _RATE_FIELDS}
        return {"interfaces": interfaces, "total": total}

    def _listed(self, name: str) -> bool:
        if name in LOOPBACK_NAMES:
            return False
        return self._include_virtual or not is_virtual_interface(name)

    def _interfaces(self) -> list[dict[str, Any]]:
        counters = self._psutil.net_io_counters(pernic=True) or {}
        rows = []
        seen: set[str] = set()
        for name in sorted(filter(self._listed, counters)):
            stats = counters[name]
            row: dict[str, Any] = {"iface": name}
            for key, fields in _RATE_FIELDS.items():
                rate_key = f"{name}:{key}"
                seen.add(rate_key)
                row[key] = self._rates.rate(rate_key, sum(getattr(stats, f) for f in fields))
            rows.append(row)
        self._rates.retain(seen)  # forget interfaces that went away
        return rows
