"""The exposure rule: no listening beyond loopback without authentication.

One rule wherever the address comes from. ``python -m app`` checks the address it hands to
gunicorn; gunicorn's master checks the addresses it will really bind (after ``-b``/``--bind``,
the config file and ``GUNICORN_CMD_ARGS``) and then the sockets it listens on
(``app.guard.startup``); a server started some other way still serves nothing to a non-loopback
connection without authentication (``app.guard.auth``). The operator may lift the rule only by
saying that the network is trusted (``MONITOR_TRUSTED_NETWORK=true``), which is logged at start.

Kept free of the web stack, so gunicorn's master can check it without importing the app.
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Iterable

from app.config import Config

# Host names that always mean this machine (also the names the Host allow-list always accepts).
LOOPBACK_NAMES = ("localhost", "127.0.0.1", "::1")


def _address(host: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    text = host.strip().strip("[]").split("%", 1)[0]  # fe80::1%eth0: the scope is no part of it
    try:
        return ipaddress.ip_address(text)
    except ValueError:
        return None


def is_loopback(host: str) -> bool:
    """True for ``localhost`` and loopback addresses (127.0.0.0/8, ::1, ::ffff:127.x.y.z)."""
    if host.strip().strip("[]").lower() == "localhost":
        return True
    address = _address(host)
    if address is None:
        return False
    mapped = getattr(address, "ipv4_mapped", None)
    return (mapped or address).is_loopback


def resolves_to_loopback(host: str) -> bool:
    """``is_loopback``, or a name every address of which is a loopback one."""
    if is_loopback(host):
        return True
    if not host.strip() or _address(host) is not None:
        return False  # "" and 0.0.0.0 / :: are every interface; other literals are not loopback
    try:
        infos = socket.getaddrinfo(host, None, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError):
        return False
    return bool(infos) and all(is_loopback(str(info[4][0])) for info in infos)


def authenticated(config: Config) -> bool:
    return bool(config.auth_token or config.users_file)


def network_trusted(config: Config) -> bool:
    """The operator said so (``MONITOR_TRUSTED_NETWORK``; ``--insecure-no-auth`` is the older
    spelling)."""
    return config.trusted_network or config.insecure_no_auth


def exposed_hosts(hosts: Iterable[str]) -> list[str]:
    return [host for host in hosts if not resolves_to_loopback(host)]


def exposure_problem(config: Config, hosts: Iterable[str] | None = None) -> str | None:
    """Why listening on ``hosts`` (default: ``config.host``) would expose the dashboard without
    authentication, or None."""
    exposed = exposed_hosts([config.host] if hosts is None else hosts)
    if not exposed or authenticated(config) or network_trusted(config):
        return None
    return (
        f"refusing to listen on {exposed[0] or '*'} without authentication: set "
        "MONITOR_AUTH_TOKEN or MONITOR_USERS_FILE, or MONITOR_TRUSTED_NETWORK=true if everyone "
        "who can reach that address may see every process (see docs/security.md)"
    )


def trusted_exposure_note(config: Config, hosts: Iterable[str]) -> str | None:
    """The line logged at start when the trusted-network setting lets an exposed bind through."""
    exposed = exposed_hosts(hosts)
    if not exposed or authenticated(config) or not network_trusted(config):
        return None
    return (
        f"serving {', '.join(h or '*' for h in exposed)} WITHOUT authentication: "
        "MONITOR_TRUSTED_NETWORK says everyone who can reach it may see every process"
    )
