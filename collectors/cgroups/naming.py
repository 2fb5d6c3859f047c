"""Human names for workloads, from what the host lets a process read without any daemon.

Docker: the container's ``config.v2.json`` (``Name``) under /var/lib/docker/containers;
Podman: ``containers.json`` of its storage (``names``); Kubernetes pods: the directory names
of /var/log/pods (``<namespace>_<name>_<uid>``); services, scopes and slices are their unit
names already. Where Docker's or Podman's files cannot be read and the user named an API
socket, the container runtime is asked (``container_api``). What cannot be read keeps the
first 12 characters of the id, as ``docker ps`` shows it. Answers are cached per id; a miss
is retried at most every ``retry_s`` seconds.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable
from pathlib import Path

from collectors.cgroups.container_api import ContainerApi

SHORT_ID = 12
DOCKER_CONTAINERS = "var/lib/docker/containers"
PODMAN_CONTAINERS = "var/lib/containers/storage/overlay-containers/containers.json"
KUBERNETES_PODS = "var/log/pods"


class Namer:
    """Names workloads by kind and id, looking under ``root`` (``/`` on a real host)."""

    def __init__(
        self,
        root: Path = Path("/"),
        clock: Callable[[], float] = time.monotonic,
        retry_s: float = 30.0,
        api: ContainerApi | None = None,
    ) -> None:
        self._root = root
        self._api = api
        self._clock = clock
        self._retry_s = retry_s
        self._known: dict[tuple[str, str], str] = {}
        self._missed: dict[tuple[str, str], float] = {}

    def name(self, kind: str, ident: str) -> str:
        """The name people know the workload ``ident`` of ``kind`` by."""
        key = (kind, ident)
        known = self._known.get(key)
        if known is not None:
            return known
        missed = self._missed.get(key)
        if missed is None or self._clock() - missed >= self._retry_s:
            found = self._lookup(kind, ident)
            if found:
                self._known[key] = found
                self._missed.pop(key, None)
                return found
            self._missed[key] = self._clock()
        return ident[:SHORT_ID] if kind in ("docker", "podman", "pod") else ident

    def forget(self, keep: set[tuple[str, str]]) -> None:
        """Drops cached names of workloads not in ``keep`` (they are gone)."""
        for cache in (self._known, self._missed):
            for key in cache.keys() - keep:
                del cache[key]

    def _lookup(self, kind: str, ident: str) -> str | None:
        found = self._from_files(kind, ident)
        if found is None and self._api is not None and kind in ("docker", "podman"):
            found = self._api.name(ident)
        return found

    def _from_files(self, kind: str, ident: str) -> str | None:
        try:
            if kind == "docker":
                return self._docker(ident)
            if kind == "podman":
                return self._podman(ident)
            if kind == "pod":
                return self._pod(ident)
        except (OSError, ValueError, TypeError, KeyError, AttributeError):
            return None
        return None

    def _docker(self, ident: str) -> str | None:
        config = self._root / DOCKER_CONTAINERS / ident / "config.v2.json"
        name = json.loads(config.read_text()).get("Name") or ""
        return name.lstrip("/") or None

    def _podman(self, ident: str) -> str | None:
        for container in json.loads((self._root / PODMAN_CONTAINERS).read_text()):
            if container.get("id") == ident and container.get("names"):
                return str(container["names"][0])
        return None

    def _pod(self, uid: str) -> str | None:
        for entry in os.listdir(self._root / KUBERNETES_PODS):
            namespace, _, rest = entry.partition("_")
            name, _, pod_uid = rest.rpartition("_")
            if pod_uid == uid and name:
                return f"{namespace}/{name}"
        return None
