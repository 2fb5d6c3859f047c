"""The rules in force when no rule file says otherwise (each can be replaced or turned off)."""

from __future__ import annotations

from app.alerts.rules import Rule

DEFAULT_RULES: tuple[Rule, ...] = (
    Rule("cpu", "cpu.total", stat="avg", window=60, warn=90, crit=98, for_=300, clear=80,
         description="CPU busy"),
    Rule("memory", "memory.percent", stat="avg", window=30, warn=90, crit=97, for_=120,
         clear=85, description="memory used"),
    Rule("swap", "memory.swap_percent", stat="avg", window=60, warn=50, crit=80, for_=300,
         clear=40, description="swap used"),
    Rule("disk-space", "disks.usage[*].percent", warn=85, crit=95, for_=60, clear=83,
         description="file system full"),
    Rule("load", "load.load5", per_core=True, warn=2, crit=4, for_=300, clear=1.5,
         description="load per logical core"),
    Rule("temperature", "sensors.temperatures[*].current", stat="avg", window=30, warn=85,
         crit=95, for_=60, clear=80, description="temperature (°C)"),
    Rule("host-silent", absent=60, crit=1, description="host not reporting"),
)  # fmt: skip
