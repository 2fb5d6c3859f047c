"""The rules in force when no rule file says otherwise (each can be replaced or turned off).

The workload rules read what the cgroups collector says happened since the previous sample
(``oom_kills_now``, ``restarted``): a workload whose OOM counter moves or that restarts is held
in the sample's rows for 5 minutes, longer than the rules' 2 minute windows, so they resolve
before its row can leave.
"""

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
    Rule("oom-kill", "cgroups.workloads[*].oom_kills_now", stat="max", window=120, crit=0,
         description="a process of the workload killed for want of memory (OOM kill)"),
    Rule("workload-restarted", "cgroups.workloads[*].restarted", stat="max", window=120,
         warn=0, description="container or service restarted"),
    Rule("memory-limit", "cgroups.workloads[*].mem_pct", stat="avg", window=30, warn=90,
         crit=98, for_=60, clear=85, description="workload memory near its limit"),
    Rule("host-silent", absent=60, crit=1, description="host not reporting"),
)  # fmt: skip
