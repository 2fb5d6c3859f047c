"""Containers, services and pods from the kernel's own accounting (control groups).

``hierarchy`` reads which cgroup hierarchies are mounted (v2, v1 or both: "hybrid");
``discovery`` walks them for workload cgroups and names their kind (Docker, Podman, a
systemd service ...); ``naming`` makes names human from what is readable without a daemon;
``readers`` turns a workload's accounting files into counters; ``collector`` turns counters
into the sample's ``cgroups`` section (docs/sample-format.md). Standard library only.
"""

from collectors.cgroups.collector import CgroupsCollector

__all__ = ["CgroupsCollector"]
