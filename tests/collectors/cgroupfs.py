"""Fake cgroup hierarchies in a temporary folder: the kernel's accounting files, as files.

``FakeCgroups(root, "v2" | "v1" | "hybrid")`` writes ``proc/self/mountinfo`` and the mounts
under ``root/sys/fs/cgroup``; ``set`` writes (or rewrites, keeping the inode, as the kernel's
files do) one cgroup's counters in every controller that accounts them.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

V1_MOUNTS = ("cpu", "cpuacct", "memory", "blkio", "pids")
V1_UNLIMITED = 9223372036854771712


class FakeCgroups:
    """One host's cgroup hierarchies under ``root``."""

    def __init__(self, root: Path, layout: str = "v2") -> None:
        self.root, self.layout = root, layout
        lines = []
        if layout in ("v1", "hybrid"):
            for number, name in enumerate(V1_MOUNTS, start=32):
                point = f"/sys/fs/cgroup/{name}"
                options = f"rw,relatime - cgroup cgroup rw,{name}"
                lines.append(f"{number} 31 0:{number} / {point} {options}")
                (root / point.lstrip("/")).mkdir(parents=True, exist_ok=True)
        if layout in ("v2", "hybrid"):
            point = "/sys/fs/cgroup" if layout == "v2" else "/sys/fs/cgroup/unified"
            lines.append(f"41 31 0:41 / {point} rw,relatime - cgroup2 cgroup2 rw")
            unified = root / point.lstrip("/")
            unified.mkdir(parents=True, exist_ok=True)
            enabled = "cpuset cpu io memory pids" if layout == "v2" else ""
            (unified / "cgroup.controllers").write_text(enabled + "\n")
        (root / "proc/self").mkdir(parents=True, exist_ok=True)
        (root / "proc/self/mountinfo").write_text("\n".join(lines) + "\n")

    @property
    def mountinfo(self) -> Path:
        return self.root / "proc/self/mountinfo"

    def _unified(self) -> Path:
        return self.root / ("sys/fs/cgroup" if self.layout == "v2" else "sys/fs/cgroup/unified")

    def _v1(self, controller: str, rel: str) -> Path:
        return self.root / "sys/fs/cgroup" / controller / rel

    def set(self, rel: str, *, cpu_s: float = 0.0, mem: int = 0, inactive_file: int = 0,
            mem_limit: int | None = None, oom_kills: int = 0, io: tuple[int, int] = (0, 0),
            tasks: int = 1, quota: bool = False, periods: int = 0, throttled: int = 0,
            throttled_s: float = 0.0, psi_some_us: int = 0) -> None:  # fmt: skip
        """Writes the cgroup ``rel`` (a path below the root) with these counters."""
        if self.layout == "v2":
            self._write_v2(self._unified() / rel, locals())
        else:
            self._write_v1(rel, locals())
            (self._unified() / rel).mkdir(parents=True, exist_ok=True)

    @staticmethod
    def _write_v2(folder: Path, v: dict) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        files = {
            "cpu.stat": f"usage_usec {round(v['cpu_s'] * 1e6)}\nuser_usec 0\nsystem_usec 0\n"
            f"nr_periods {v['periods']}\nnr_throttled {v['throttled']}\n"
            f"throttled_usec {round(v['throttled_s'] * 1e6)}\n",
            "cpu.max": ("50000 100000" if v["quota"] else "max 100000") + "\n",
            "memory.current": f"{v['mem']}\n",
            "memory.stat": f"anon {v['mem']}\nfile 0\ninactive_file {v['inactive_file']}\n",
            "memory.max": f"{v['mem_limit'] if v['mem_limit'] else 'max'}\n",
            "memory.events": f"low 0\nhigh 0\nmax 0\noom 0\noom_kill {v['oom_kills']}\n",
            "io.stat": f"8:0 rbytes={v['io'][0]} wbytes={v['io'][1]} rios=1 wios=1\n",
            "pids.current": f"{v['tasks']}\n",
        }
        for resource in ("cpu", "memory", "io"):
            files[f"{resource}.pressure"] = (
                f"some avg10=0.00 avg60=0.00 avg300=0.00 total={v['psi_some_us']}\n"
                "full avg10=0.00 avg60=0.00 avg300=0.00 total=0\n"
            )
        for name, text in files.items():
            (folder / name).write_text(text)

    def _write_v1(self, rel: str, v: dict) -> None:
        files = {
            "cpuacct": {"cpuacct.usage": f"{round(v['cpu_s'] * 1e9)}\n"},
            "cpu": {
                "cpu.cfs_quota_us": ("50000" if v["quota"] else "-1") + "\n",
                "cpu.stat": f"nr_periods {v['periods']}\nnr_throttled {v['throttled']}\n"
                f"throttled_time {round(v['throttled_s'] * 1e9)}\n",
            },
            "memory": {
                "memory.usage_in_bytes": f"{v['mem']}\n",
                "memory.stat": f"cache 0\nrss {v['mem']}\n"
                f"total_inactive_file {v['inactive_file']}\n",
                "memory.limit_in_bytes": f"{v['mem_limit'] or V1_UNLIMITED}\n",
                "memory.oom_control": f"oom_kill_disable 0\nunder_oom 0\n"
                f"oom_kill {v['oom_kills']}\n",
            },
            "blkio": {
                "blkio.throttle.io_service_bytes_recursive": f"8:0 Read {v['io'][0]}\n"
                f"8:0 Write {v['io'][1]}\n8:0 Total {sum(v['io'])}\nTotal {sum(v['io'])}\n"
            },
            "pids": {"pids.current": f"{v['tasks']}\n"},
        }
        for controller, texts in files.items():
            folder = self._v1(controller, rel)
            folder.mkdir(parents=True, exist_ok=True)
            for name, text in texts.items():
                (folder / name).write_text(text)

    def remove(self, rel: str) -> None:
        """The cgroup ``rel`` is gone, in every hierarchy."""
        folders = [self._unified() / rel]
        if self.layout != "v2":
            folders += [self._v1(c, rel) for c in V1_MOUNTS]
        for folder in folders:
            shutil.rmtree(folder, ignore_errors=True)

    def docker_name(self, container_id: str, name: str) -> None:
        """What Docker keeps of a container: its config, with its name."""
        folder = self.root / "var/lib/docker/containers" / container_id
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "config.v2.json").write_text(json.dumps({"Name": "/" + name}))

    def podman_name(self, container_id: str, name: str) -> None:
        """Podman's container list, with this container in it."""
        path = self.root / "var/lib/containers/storage/overlay-containers/containers.json"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps([{"id": container_id, "names": [name]}]))

    def kubernetes_pod(self, namespace: str, name: str, uid: str) -> None:
        """The kubelet's log folder of a pod, named namespace_name_uid."""
        (self.root / "var/log/pods" / f"{namespace}_{name}_{uid}").mkdir(parents=True)
