"""A process started with secrets on its command line leaves no trace of them anywhere.

A real process (a sleeping Python whose argv carries one random secret in many of the shapes the
masking knows) runs beside a real ``python -m app`` with its real collectors. The process shows
up, masked, in the live sample (REST and WebSocket), in the stored process snapshot and in the
CSV export, and the secret appears in none of them, nor in the server's own output.
"""

from __future__ import annotations

import json
import secrets
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.support.polling import wait_for
from tests.support.servers import LiveClient, Process, free_port, get_json

HOST = "secret-test"


@pytest.fixture
def secret() -> str:
    return "Zq8-" + secrets.token_hex(8)


@pytest.fixture
def secret_process(secret: str) -> Iterator[subprocess.Popen]:
    argv = [
        sys.executable, "-c", "import time; time.sleep(600)",
        "mysql", f"-p{secret}", "--password", secret, "-u", f"bob:{secret}",
        f"postgres://app:{secret}@db:5432/x", f"Authorization: Bearer {secret}",
        f"API_TOKEN={secret}", f"sh -c 'redis-cli -a {secret} ping'",
        f'{{"user": "a", "password": "{secret}"}}',
    ]  # fmt: skip
    process = subprocess.Popen(argv)
    yield process
    process.kill()
    process.wait()


def text(url: str) -> str:
    with urllib.request.urlopen(url, timeout=10) as response:
        return response.read().decode()


def rows_of(pid: int, sample: dict[str, Any]) -> list[dict[str, Any]]:
    lists = [v for k, v in sample.items() if k.startswith("top_") and isinstance(v, list)]
    return [row for rows in lists for row in rows if row.get("pid") == pid]


def test_a_secret_on_a_command_line_is_nowhere(
    tmp_path: Path, secret: str, secret_process: subprocess.Popen
) -> None:
    port = free_port()
    env = {
        "MONITOR_DATABASE_URL": f"sqlite:///{tmp_path / 'm.db'}",
        "MONITOR_HOSTNAME": HOST,
        "MONITOR_INTERVAL": "0.25",
        "MONITOR_BATCH_INTERVAL": "0.5",
        "MONITOR_PROCESS_SNAPSHOT_EVERY": "0.5",
        "MONITOR_TOP_N": "100000",  # every process is a top row: ours is surely there
        "MONITOR_CMDLINE_MAX": "4096",  # nothing cut off: what is hidden is masked
    }
    base = f"http://127.0.0.1:{port}"
    with Process([sys.executable, "-m", "app", "--port", str(port)], env) as server:

        def ours() -> dict[str, Any] | None:
            sample = get_json(f"{base}/api/v1/latest") or {}
            return sample if rows_of(secret_process.pid, sample.get("processes", {})) else None

        sample = wait_for(
            ours,
            timeout=60,
            message=f"our process in a live sample\n{server.log()}",
        )
        row = rows_of(secret_process.pid, sample["processes"])[0]
        assert "mysql -p*** --password *** -u bob:***" in row["cmdline"], row["cmdline"]
        assert "postgres://app:***@db:5432/x" in row["cmdline"]
        assert secret not in text(f"{base}/api/v1/latest")
        client = LiveClient(port)
        try:
            wait_for(lambda: client.samples, message="a WebSocket frame")
            assert all(secret not in json.dumps(frame) for frame in client.samples)
        finally:
            client.close()

        def stored() -> str | None:
            answer = get_json(f"{base}/api/v1/history/processes?host={HOST}&at={time.time()}")
            body = json.dumps(answer or {})
            return body if f'"pid": {secret_process.pid},' in body else None

        snapshot = wait_for(stored, timeout=60, message=f"a stored snapshot\n{server.log()}")
        assert secret not in snapshot and "bob:***" in snapshot
        export = text(f"{base}/api/v1/export.csv?kind=processes&since=10m&host={HOST}")
        assert f",{secret_process.pid}," in export and "bob:***" in export
        assert secret not in export
    assert secret not in "".join(server.output)
