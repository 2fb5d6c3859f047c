"""Container names from the Docker Engine API over its Unix socket (opt-in, never required).

Only used when the user names a socket (``MONITOR_DOCKER_SOCKET``: Docker's
``/var/run/docker.sock``, or Podman's ``/run/podman/podman.sock``, which answers the same
``GET /containers/json``) and the names cannot be read from the container runtime's own files.
One request lists every container; an answer is asked at most every ``retry_s`` seconds, with a
short timeout, so a slow or dead daemon costs the sampler at most one timeout now and then.
"""

from __future__ import annotations

import http.client
import json
import logging
import socket
import time
from collections.abc import Callable

log = logging.getLogger(__name__)
TIMEOUT_S = 0.5
LIST_PATH = "/containers/json?all=1"


class _UnixConnection(http.client.HTTPConnection):
    def __init__(self, path: str, timeout: float) -> None:
        super().__init__("localhost", timeout=timeout)
        self._path = path

    def connect(self) -> None:
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.settimeout(self.timeout)
        self.sock.connect(self._path)


def list_containers(path: str, timeout: float = TIMEOUT_S) -> dict[str, str]:
    """Full container id -> name (without the leading "/"), from the API at socket ``path``."""
    connection = _UnixConnection(path, timeout)
    try:
        connection.request("GET", LIST_PATH)
        response = connection.getresponse()
        if response.status != 200:
            raise OSError(f"HTTP {response.status} from {path}")
        listed = json.loads(response.read())
    finally:
        connection.close()
    names: dict[str, str] = {}
    for container in listed:
        ident, given = container.get("Id"), container.get("Names") or []
        if isinstance(ident, str) and given:
            names[ident] = str(given[0]).lstrip("/")
    return names


class ContainerApi:
    """Names by id from the socket at ``path``, listed again when an id is not known and the
    last listing is ``retry_s`` old; a failure is logged once until it works again."""

    def __init__(
        self, path: str, clock: Callable[[], float] = time.monotonic, retry_s: float = 30.0
    ) -> None:
        self.path = path
        self._clock = clock
        self._retry_s = retry_s
        self._names: dict[str, str] = {}
        self._listed_at = float("-inf")
        self._failing = False

    def name(self, ident: str) -> str | None:
        """The name of container ``ident`` (a full id), or None."""
        if ident not in self._names and self._clock() - self._listed_at >= self._retry_s:
            self._listed_at = self._clock()
            try:
                self._names = list_containers(self.path)
            except (OSError, ValueError, http.client.HTTPException) as error:
                if not self._failing:
                    log.warning("container names: cannot ask %s: %s", self.path, error)
                self._failing = True
                return None
            if self._failing:
                log.warning("container names: %s answers again", self.path)
            self._failing = False
        return self._names.get(ident)
