"""A PostgreSQL outage under a running `python -m app`: live goes on, nothing is lost.

The dashboard process reaches PostgreSQL through a TCP proxy that the test cuts for
``MONITOR_TEST_OUTAGE_S`` seconds (default 60). A real WebSocket client watches the whole time.
"""

from __future__ import annotations

import itertools
import os
import time

from storage.engine import make_engine
from storage.store import MetricStore, to_ms
from tests.faults.figures import record
from tests.faults.support import (
    SCHEDULING_SLACK_S,
    Arrival,
    TimedClient,
    alive,
    app_behind_proxy,
    stream_problems,
)
from tests.support.polling import wait_for
from tests.support.servers import Process, get_json
from tests.support.tcp_proxy import TcpProxy

OUTAGE_S = float(os.environ.get("MONITOR_TEST_OUTAGE_S", "60"))
INTERVAL = 0.5
BATCH_INTERVAL = 1.0
HOST = "faults-pg"
# StorageWriter's default backoff ceiling is 30 s: the first retry after the database is back
# may come that late, then one batch interval.
DRAIN_TIMEOUT = 30 + 3 * BATCH_INTERVAL + 15


def stored_ms(store: MetricStore, stamps: list[float]) -> set[int]:
    frame = store.read_frame(HOST, min(stamps) - 1, max(stamps) + 1, ["cpu.total"])
    return {int(t.value // 1_000_000) for t in frame.index}


def test_live_stream_survives_an_outage_and_every_sample_is_stored() -> None:
    proxy = TcpProxy(("127.0.0.1", 5432))
    with app_behind_proxy(
        proxy, interval=INTERVAL, hostname=HOST, batch_interval=BATCH_INTERVAL
    ) as (app, url):
        run_outage(app, app.port, url, proxy)


def run_outage(app: Process, port: int, direct_url: str, proxy: TcpProxy) -> None:
    base = f"http://127.0.0.1:{port}"
    client = TimedClient(port)
    try:
        wait_for(lambda: len(client.arrivals) >= 4, timeout=10, message="first live samples")
        wait_for(
            lambda: client.arrivals[-1].health.get("stored_samples", 0) > 0,
            timeout=10,
            message="samples stored before the outage",
        )
        cut_at = time.monotonic()
        proxy.cut()
        roles = []
        while time.monotonic() - cut_at < OUTAGE_S:  # the outage lasts this long: watch it
            assert alive(app), app.log()
            assert not client.closed.is_set(), "the WebSocket closed during the outage"
            if (health := get_json(f"{base}/healthz")) is not None:  # None: slow to answer
                roles.append(health["role"])
            client.closed.wait(min(0.5, max(0.0, OUTAGE_S - (time.monotonic() - cut_at))))
        restored_at = time.monotonic()
        proxy.start()
        recovered = wait_for(
            lambda: next(
                (a for a in client.arrivals if a.at > restored_at and a.health["storage_ok"]),
                None,
            ),
            timeout=DRAIN_TIMEOUT,
            message="health reporting storage back",
        )
        seen = list(client.arrivals)
        stamps = [a.ts for a in seen]
        store = MetricStore(make_engine(direct_url))
        try:
            wanted = {to_ms(t) for t in stamps}
            wait_for(
                lambda: wanted <= stored_ms(store, stamps),
                timeout=DRAIN_TIMEOUT,
                message="every sample the client saw stored",
            )
            drained_at = time.monotonic()
            stored = wanted & stored_ms(store, stamps)
        finally:
            store.engine.dispose()
    finally:
        client.close()

    log = list(app.output)
    relay_lines = [line for line in log if "(the live relay)" in line]
    outage_lines = [line for line in log if "storage.outage" in line]
    said = [line for line in log if " WARNING " in line or " ERROR " in line]
    continued = [  # lines that continue a multi-line message, and whose message that is
        f"{log[i - 1].split(': ', 1)[0][-40:]}: {line.strip()}"
        for i, line in enumerate(log)
        if line.startswith(("\t", "  Is the server"))
    ]
    continued_relay = [line for line in continued if "app.cluster" in line]
    during = [a for a in seen if cut_at <= a.at <= restored_at]
    failing = [a for a in during if not a.health["storage_ok"]]
    problems, longest = stream_problems(seen, INTERVAL, slack=SCHEDULING_SLACK_S)
    first_failing = failing[0] if failing else None
    record(
        f"PostgreSQL outage of {OUTAGE_S:g} s under `python -m app` (interval {INTERVAL} s)",
        [
            ("samples the WebSocket client received during the outage", len(during)),
            ("of those, stored after recovery", len({to_ms(a.ts) for a in during} & stored)),
            ("samples received in the whole test / stored", f"{len(seen)} / {len(stored)}"),
            ("longest wait between two frames (s)", longest),
            ("allowed between neighbours (s)", 2 * INTERVAL + SCHEDULING_SLACK_S),
            ("ticks the sampler skipped during the outage", skipped_between(during)),
            (
                "health reported the outage after (s)",
                first_failing.at - cut_at if first_failing else "never",
            ),
            (
                "largest buffer_depth reported",
                max(a.health["buffer_depth"] for a in seen if not a.thin),
            ),
            ("write_errors when the database came back", during[-1].health["write_errors"]),
            ("storage_ok again after restore (s)", recovered.at - restored_at),
            ("every sample stored after restore (s)", drained_at - restored_at),
            ("role during the outage", ", ".join(sorted({str(r) for r in roles}))),
            ("warning and error lines over the outage", len(said)),
            (
                "the outage's (one for the process)",
                " | ".join(line.split(": ", 1)[-1].strip()[:110] for line in outage_lines),
            ),
            ("continuation lines of multi-line log messages", "; ".join(continued) or 0),
        ],
    )
    assert not problems, problems[:10]
    assert len(during) >= OUTAGE_S / INTERVAL * 0.9, "the live stream thinned out"
    assert first_failing is not None and first_failing.at - cut_at <= BATCH_INTERVAL + 3
    reported = during[during.index(first_failing) :]
    for before, after in itertools.pairwise(reported):
        assert not after.health["storage_ok"], after
        assert after.health["storage_error"], after
        assert after.health["buffer_depth"] == before.health["buffer_depth"] + 1, (before, after)
    assert isinstance(first_failing.health["storage_error"], str)
    assert reported[-1].health["buffer_depth"] >= len(reported) - 1
    assert set(roles) == {"sampler"}
    # The writer, maintenance, LISTEN, NOTIFY, the elections and the alert service all lose
    # the database: one line for the process when the first one does, one with the count when
    # one of them works again, nothing else.
    assert len(outage_lines) == 2 and said == outage_lines, said
    assert "database unreachable: " in outage_lines[0], outage_lines
    assert "database works again (" in outage_lines[1] and "failed attempts" in outage_lines[1]
    assert len(relay_lines) <= 1 and continued_relay == [], (relay_lines, continued)


def skipped_between(arrivals: list[Arrival]) -> int:
    if len(arrivals) < 2:
        return 0
    return arrivals[-1].health["skipped_ticks"] - arrivals[0].health["skipped_ticks"]
