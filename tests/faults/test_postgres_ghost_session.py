"""A PostgreSQL outage that only one side notices: the server keeps the old session.

When the network between the dashboard and PostgreSQL fails, the dashboard's kernel may give
up on its connections (retransmission timeout, a firewall's reset) while PostgreSQL, which was
only waiting for the next query, still holds the idle sessions, and with them the session-level
advisory lock that elected this process to sample (until TCP keepalive ends them: two hours by
default). The proxy here does exactly that: it resets the dashboard's side of every connection
and keeps the PostgreSQL side open. Once the network is back, the one process that sampled this
host must go on sampling; its own stale session must not leave the host unwatched.
"""

from __future__ import annotations

import time

from tests.faults.figures import record
from tests.faults.support import (
    SCHEDULING_SLACK_S,
    TimedClient,
    alive,
    app_behind_proxy,
    stream_problems,
)
from tests.support.polling import wait_for
from tests.support.servers import get_json
from tests.support.tcp_proxy import TcpProxy

INTERVAL = 0.5
OUTAGE_S = 3.0
WATCH_S = 8.0  # after the network is back: longer than the election's retries (every 0.25 s)
HOST = "faults-ghost"


def test_the_sampler_survives_its_own_stale_session() -> None:
    proxy = TcpProxy(("127.0.0.1", 5432))
    with app_behind_proxy(proxy, interval=INTERVAL, hostname=HOST, batch_interval=1) as (app, _):
        port = app.port
        base = f"http://127.0.0.1:{port}"
        client = TimedClient(port)
        try:
            wait_for(lambda: len(client.arrivals) >= 4, message="live samples")
            proxy.cut(one_sided=True)
            cut_at = time.monotonic()
            client.closed.wait(OUTAGE_S)  # the outage lasts this long
            proxy.start()
            restored_at = time.monotonic()
            roles = []
            while time.monotonic() - restored_at < WATCH_S:
                assert alive(app), app.log()
                health = get_json(f"{base}/healthz")
                if health is not None:  # None: too slow to answer, try again
                    roles.append(health["role"])
                client.closed.wait(0.25)
            ended_at = time.monotonic()
            after = [a for a in client.arrivals if a.at > restored_at]
            silent_s = ended_at - client.arrivals[-1].at
            problems, longest = stream_problems(
                [a for a in client.arrivals if a.at > cut_at],
                INTERVAL,
                slack=SCHEDULING_SLACK_S,
            )
        finally:
            client.close()
        log = app.log()
    record(
        "PostgreSQL outage seen only by the dashboard (server keeps the stale session)",
        [
            ("samples received in the 8 s after the network came back", len(after)),
            ("longest wait between two frames from the cut on (s)", longest),
            ("no sample for, at the end (s)", silent_s),
            (
                "roles reported after the network came back",
                ", ".join(dict.fromkeys(map(str, roles))),
            ),
            (
                "log",
                " / ".join(
                    line.split(": ", 1)[-1].strip()
                    for line in log.splitlines()
                    if "another process samples" in line or "elected" in line
                ),
            ),
        ],
    )
    assert set(roles) == {"sampler"}, roles
    assert not problems, problems[:5]
    assert silent_s <= 2 * INTERVAL
    assert len(after) >= WATCH_S / INTERVAL - 2
