"""The exposure rule, however the server is started: no listening beyond loopback without
authentication, on the addresses gunicorn really binds.

Non-loopback addresses come from a network namespace each command gets to itself (``unshare``):
10.254.0.1 is an address of its loopback device there, so gunicorn could really bind it, yet it
is no loopback address (not 127.0.0.0/8) and reaches nothing outside the namespace. Every
refusal is one line on stderr and exit code 2; the same commands with authentication or with
the trusted-network setting start, and a server started without our start checks still serves
a non-loopback connection nothing.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import psutil
import pytest

from app.config import Config
from app.guard import exposure, hosts
from app.guard.exposure import exposure_problem, is_loopback, resolves_to_loopback
from tests.security.conftest import TOKEN, exits_2_with_one_line
from tests.support.polling import wait_for
from tests.support.servers import GUNICORN, ROOT, Process, agent

NON_LOOPBACK = "10.254.0.1"
PYTHON = sys.executable
REFUSAL = "error: refusing to listen on {host} without authentication: set MONITOR_AUTH_TOKEN"


def private_network(*command: str) -> list[str]:
    """``command`` in a network namespace of its own where ``NON_LOOPBACK`` is bound to lo."""
    setup = f'ip link set lo up && ip addr add {NON_LOOPBACK}/32 dev lo && exec "$@"'
    return ["unshare", "--user", "--map-root-user", "--net", "sh", "-c", setup, "sh", *command]


def in_namespace_of(process: Process, *command: str) -> list[str]:
    """``command`` run in the network namespace of ``process`` (started by private_network)."""
    target = str(process.popen.pid)
    return ["nsenter", "--target", target, "--user", "--net", "--preserve-credentials", *command]


def clean_env(tmp_path: Path, **extra: str) -> dict[str, str]:
    """The environment without any authentication setting, SQLite in ``tmp_path``."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("MONITOR_", "GUNICORN_"))}
    return {**env, "MONITOR_DATABASE_URL": f"sqlite:///{tmp_path / 'm.db'}", **extra}


def site_config(tmp_path: Path, bind: str) -> str:
    """An operator's own gunicorn config file: ours, with its own bind."""
    path = tmp_path / "site.conf.py"
    ours = ROOT / "gunicorn.conf.py"
    path.write_text(f"exec(compile(open({str(ours)!r}).read(), 'gunicorn.conf.py', 'exec'))\n"
                    f"bind = [{bind!r}]\n")  # fmt: skip
    return str(path)


PORT = "18650"
STARTS = {
    "python -m app --host": ([PYTHON, "-m", "app", "--host", NON_LOOPBACK, "--port", PORT], {}),
    "MONITOR_HOST": ([PYTHON, "-m", "app", "--port", PORT], {"MONITOR_HOST": NON_LOOPBACK}),
    "gunicorn -b": (
        [GUNICORN, "-c", "gunicorn.conf.py", "-b", f"{NON_LOOPBACK}:{PORT}", "wsgi:app"], {}
    ),
    "gunicorn --bind=": (
        [GUNICORN, "-c", "gunicorn.conf.py", f"--bind={NON_LOOPBACK}:{PORT}", "wsgi:app"], {}
    ),
    "gunicorn, a second -b": (
        [GUNICORN, "-c", "gunicorn.conf.py", "-b", f"127.0.0.1:{PORT}", "-b",
         f"{NON_LOOPBACK}:{PORT}", "wsgi:app"], {},
    ),
    "GUNICORN_CMD_ARGS": (
        [GUNICORN, "-c", "gunicorn.conf.py", "wsgi:app"],
        {"GUNICORN_CMD_ARGS": f"--bind {NON_LOOPBACK}:{PORT}"},
    ),
    "config file bind (MONITOR_HOST)": (
        [GUNICORN, "-c", "gunicorn.conf.py", "wsgi:app"], {"MONITOR_HOST": NON_LOOPBACK}
    ),
}  # fmt: skip


@pytest.mark.parametrize("way", list(STARTS))
def test_a_non_loopback_bind_without_authentication_refuses_to_start(
    tmp_path: Path, way: str
) -> None:
    command, env = STARTS[way]
    line = exits_2_with_one_line(private_network(*command), clean_env(tmp_path, **env))
    assert line.startswith(REFUSAL.format(host=NON_LOOPBACK)), line


def test_a_site_config_file_with_its_own_bind_refuses_too(tmp_path: Path) -> None:
    config = site_config(tmp_path, f"{NON_LOOPBACK}:{PORT}")
    line = exits_2_with_one_line(
        private_network(GUNICORN, "-c", config, "wsgi:app"), clean_env(tmp_path)
    )
    assert line.startswith(REFUSAL.format(host=NON_LOOPBACK)), line


@pytest.mark.parametrize(
    ("bind", "shown"), [("0.0.0.0:{port}", "0.0.0.0"), ("[::]:{port}", "::"), (":{port}", "*")]
)
def test_every_interface_without_authentication_refuses_to_start(
    tmp_path: Path, bind: str, shown: str
) -> None:
    command = [GUNICORN, "-c", "gunicorn.conf.py", "-b", bind.format(port=PORT), "wsgi:app"]
    assert exits_2_with_one_line(command, clean_env(tmp_path)).startswith(
        REFUSAL.format(host=shown)
    )
    if shown != "*":
        cli = [PYTHON, "-m", "app", "--host", shown, "--port", PORT]
        assert exits_2_with_one_line(cli, clean_env(tmp_path)).startswith(
            REFUSAL.format(host=shown)
        )


def test_inherited_sockets_are_checked_once_open(tmp_path: Path) -> None:
    """systemd socket activation: gunicorn's bind says loopback, the socket it is given is not.
    The check on the listening sockets refuses (after gunicorn's own start lines), exit 2."""
    script = (
        "import os, socket, sys\n"
        f"s = socket.create_server(({NON_LOOPBACK!r}, {PORT}))\n"
        "os.dup2(s.fileno(), 3); os.set_inheritable(3, True)\n"
        "os.environ.update(LISTEN_FDS='1', LISTEN_PID=str(os.getpid()))\n"
        f"os.execv({GUNICORN!r}, [{GUNICORN!r}, '-c', 'gunicorn.conf.py', 'wsgi:app'])\n"
    )
    result = subprocess.run(
        private_network(PYTHON, "-c", script),
        cwd=ROOT,
        env=clean_env(tmp_path),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2, result.stderr
    assert result.stderr.strip().splitlines()[-1].startswith(REFUSAL.format(host=NON_LOOPBACK))


def probe(server: Process, url: str, headers: dict[str, str] | None = None) -> tuple[int, str]:
    """(status, body) of a GET of ``url`` from inside ``server``'s namespace; (0, "") when it
    does not answer (yet)."""
    script = (
        "import json, sys, urllib.error, urllib.request\n"
        "request = urllib.request.Request(sys.argv[1], headers=json.loads(sys.argv[2]))\n"
        "try:\n    r = urllib.request.urlopen(request, timeout=3)\n"
        "except urllib.error.HTTPError as e:\n    r = e\n"
        "except OSError:\n    print(0); sys.exit()\n"
        "print(r.status); print(r.read().decode()[:300])\n"
    )
    command = in_namespace_of(server, PYTHON, "-c", script, url, json.dumps(headers or {}))
    output = subprocess.run(command, capture_output=True, text=True, timeout=30).stdout
    status, _, body = output.partition("\n")
    return int(status or 0), body


def answered(
    server: Process, url: str, headers: dict[str, str] | None = None, status: int = 200
) -> tuple[int, str]:
    """The first answer from ``url`` with ``status`` (a database still being created at start
    may answer 503 first)."""
    return wait_for(
        lambda: (a := probe(server, url, headers))[0] == status and a,
        timeout=60,
        interval=0.2,
        message=f"{status} from {url}\n{server.log()}",
    )


def test_with_authentication_it_starts_there(tmp_path: Path) -> None:
    command = [GUNICORN, "-c", "gunicorn.conf.py", "-b", f"{NON_LOOPBACK}:{PORT}", "wsgi:app"]
    env = clean_env(tmp_path, MONITOR_AUTH_TOKEN=TOKEN, MONITOR_ALLOWED_HOSTS=NON_LOOPBACK)
    with Process(private_network(*command), env) as server:
        url = f"http://{NON_LOOPBACK}:{PORT}"
        answered(server, f"{url}/healthz")
        assert probe(server, f"{url}/api/v1/latest")[0] == 401
        answered(server, f"{url}/api/v1/hosts", {"Authorization": f"Bearer {TOKEN}"})
    assert TOKEN not in server.log()


def test_a_trusted_network_is_said_in_so_many_words_and_logged(tmp_path: Path) -> None:
    command = [PYTHON, "-m", "app", "--host", NON_LOOPBACK, "--port", PORT, "--trusted-network"]
    with Process(private_network(*command), clean_env(tmp_path)) as server:
        answered(server, f"http://{NON_LOOPBACK}:{PORT}/api/v1/hosts")
        wait_for(
            lambda: any("WITHOUT authentication" in line for line in server.output),
            message=f"the warning\n{server.log()}",
        )
    warning = next(line for line in server.output if "WITHOUT authentication" in line)
    assert f"serving {NON_LOOPBACK} WITHOUT authentication: MONITOR_TRUSTED_NETWORK" in warning


def test_without_our_start_checks_a_non_loopback_connection_still_gets_nothing(
    tmp_path: Path,
) -> None:
    """gunicorn without gunicorn.conf.py (so without its checks): the app itself refuses every
    request that reached it on a non-loopback address while no authentication is set."""
    command = [
        GUNICORN, "-c", "/dev/null", "-k", "gthread", "--threads", "4",
        "-b", f"{NON_LOOPBACK}:{PORT}", "-b", f"127.0.0.1:{PORT}", "wsgi:app",
    ]  # fmt: skip
    with Process(private_network(*command), clean_env(tmp_path)) as server:
        local = {"Host": "localhost"}
        url = f"http://{NON_LOOPBACK}:{PORT}/api/v1/latest"
        _, body = answered(server, url, local, status=403)
        assert "only loopback connections are served" in body, body
        answered(server, f"http://127.0.0.1:{PORT}/healthz")


def test_an_agent_listens_on_nothing_so_the_rule_does_not_apply(tmp_path: Path) -> None:
    with agent(f"sqlite:///{tmp_path / 'a.db'}", "agent-x", 0.2) as running:
        wait_for(lambda: "Agent sampling" in running.log(), timeout=30, message="the agent")
        process = psutil.Process(running.popen.pid)
        sockets = process.net_connections(kind="all")
        assert [s for s in sockets if s.status == psutil.CONN_LISTEN] == []


def test_the_rule() -> None:
    assert exposure_problem(Config(host="127.0.0.1")) is None
    assert exposure_problem(Config(host="::1")) is None
    assert exposure_problem(Config(), ["127.0.0.2", "localhost", "::ffff:127.0.0.1"]) is None
    assert "refusing to listen on 0.0.0.0" in exposure_problem(Config(host="0.0.0.0"))
    assert "on 10.1.2.3" in exposure_problem(Config(), ["127.0.0.1", "10.1.2.3"])
    assert exposure_problem(Config(host="0.0.0.0", auth_token="t" * 32)) is None
    assert exposure_problem(Config(host="0.0.0.0", trusted_network=True)) is None
    assert exposure_problem(Config(host="0.0.0.0", insecure_no_auth=True)) is None  # older name


@pytest.mark.parametrize(
    ("host", "loopback"),
    [
        ("127.0.0.1", True), ("127.0.0.2", True), ("127.255.0.9", True), ("::1", True),
        ("[::1]", True), ("::ffff:127.0.0.1", True), ("localhost", True), ("LocalHost", True),
        ("0.0.0.0", False), ("::", False), ("", False), ("10.254.0.1", False),
        ("192.168.1.5", False), ("::ffff:10.0.0.1", False), ("fe80::1%lo", False),
    ],
)  # fmt: skip
def test_what_loopback_means(host: str, loopback: bool) -> None:
    assert resolves_to_loopback(host) is loopback
    assert is_loopback(host) is loopback


def test_one_list_of_loopback_names() -> None:
    assert hosts.LOOPBACK_NAMES is exposure.LOOPBACK_NAMES
    assert all(is_loopback(name) for name in exposure.LOOPBACK_NAMES)
