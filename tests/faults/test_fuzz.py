"""Fuzzing every parameter of the product's HTTP routes and the live WebSocket.

Whatever a client sends, the answer is 2xx or 4xx (never 5xx) and comes in time. The HTTP
parameters are fuzzed through Flask's test client (fast), then again over real sockets; the
WebSocket query and the frames a connected client may send go over real sockets only. The
server holds three hours of stored history of two hosts (raw, 1m and 1h rollups) besides its
own live host, so the history and export routes do real work.
"""

from __future__ import annotations

import http.client
import os
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import quote, urlencode

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.configuration import set_hypothesis_home_dir
from wsproto.events import BytesMessage, CloseConnection, Ping, Pong, TextMessage

from app.live.route import MAX_MESSAGE_SIZE
from app.live.stream import CLOSE_POLICY, CLOSE_TOO_BIG
from tests.faults.figures import fuzz_tally
from tests.faults.support import tolerating_simple_websocket_races
from tests.live.server import LiveServer, live_config
from tests.live.wsclient import WsClient
from tests.support.polling import wait_for
from tests.support.samples import make_sample

T = TypeVar("T")
if not os.environ.get("HYPOTHESIS_STORAGE_DIRECTORY"):  # no .hypothesis folder in the tree
    set_hypothesis_home_dir(Path(tempfile.gettempdir()) / "monitor-faults-hypothesis")
HOSTS = ("faults-a", "faults-b")
LIVE_HOST = "live-test"
HOURS = 3
TIMEOUT_S = 20.0  # a request that takes longer counts as hung

FUZZ = settings(
    max_examples=80,
    deadline=None,
    database=None,  # nothing to replay between runs: the figures count fresh inputs
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

# -- what a client may send ---------------------------------------------------------------

ANY_TEXT = st.text(max_size=40)
INSTANTS = st.one_of(
    st.sampled_from(
        [
            "now",
            "now-1h",
            "now - 30min",
            "now-99999999y",
            "now-",
            "2025-11-26T10:00:00Z",
            "2025-11-26T10:00:00.123+05:30",
            "2025-13-01",
            "0001-01-01T00:00:00-23:59",
            "9999-12-31T23:59:59+23:59",
            "0",
            "-1",
            "7258118400",
            "7258118401",
            "1e400",
            "nan",
            "inf",
            "-inf",
            "",
            " ",
        ]
    ),
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
    st.integers(min_value=-(2**70), max_value=2**70).map(str),
    st.floats(min_value=time.time() - 4 * 3600, max_value=time.time() + 60).map(str),
    ANY_TEXT,
)
DURATIONS = st.one_of(
    st.sampled_from(
        [
            *("1h", "15min", "90", "0", "0s", "1.5 h", ".5d", "2y", "11y", "9" * 30 + "y"),
            *("-1h", "1e3", "h", "", " ", "nan", "1 fortnight"),
        ]
    ),
    st.integers(min_value=-10, max_value=10**12).map(str),
    ANY_TEXT,
)
METRIC_NAMES = [
    "cpu.total",
    "memory.percent",
    "cpu.per_core[0]",
    "disks.io[sda].read_bps",
    "network.interfaces[eth0].rx_bps",
    "health.lag_ms",
]
METRICS = st.lists(
    st.one_of(
        st.sampled_from(METRIC_NAMES),
        st.sampled_from(["cpu.total,memory.percent", ",,", "cpu.total,nope", "nope", "", " "]),
        st.just(",".join(f"m{i}" for i in range(600))),
        st.just(",".join(METRIC_NAMES * 100)),
        ANY_TEXT,
    ),
    max_size=4,
)
HOST = st.one_of(st.sampled_from([*HOSTS, LIVE_HOST, "", "nope", "x" * 2000, "a\x00b"]), ANY_TEXT)


def choice(*words: str) -> st.SearchStrategy[str]:
    return st.one_of(st.sampled_from([*words, *(w.upper() for w in words), "", "x"]), ANY_TEXT)


def optional(strategy: st.SearchStrategy[T]) -> st.SearchStrategy[T | None]:
    return st.one_of(st.none(), strategy)


def query(**parameters: st.SearchStrategy[Any]) -> st.SearchStrategy[list[tuple[str, str]]]:
    """Query pairs: each parameter absent or drawn, ``metrics`` repeated, plus junk ones."""

    def build(drawn: dict[str, Any], extra: dict[str, str]) -> list[tuple[str, str]]:
        pairs: list[tuple[str, str]] = []
        for name, value in drawn.items():
            if value is None:
                continue
            values = value if isinstance(value, list) else [value]
            pairs += [(name, v) for v in values]
        return pairs + list(extra.items())

    drawn = st.fixed_dictionaries({k: optional(v) for k, v in parameters.items()})
    extra = st.dictionaries(ANY_TEXT, ANY_TEXT, max_size=2)
    return st.builds(build, drawn, extra)


RANGE = {"from": INSTANTS, "to": INSTANTS, "since": DURATIONS}
ROUTES: dict[str, st.SearchStrategy[list[tuple[str, str]]]] = {
    "/api/v1/latest": query(host=HOST),
    "/api/v1/hosts": query(),
    "/api/v1/overview": query(),
    "/readyz": query(),
    "/metrics": query(),
    "/healthz": query(),
    "/api/v1/history": query(
        host=HOST,
        metrics=METRICS,
        points=st.one_of(
            st.sampled_from(["10", "10000", "9", "10001", "-1", "1e3", "abc", "9" * 40]),
            st.integers(min_value=-100, max_value=20_000).map(str),
        ),
        **RANGE,
    ),
    "/api/v1/history/series": query(host=HOST),
    "/api/v1/history/processes": query(host=HOST, at=INSTANTS),
    "/api/v1/history/usage": query(),
    "/api/v1/history/hosts": query(),
    "/api/v1/history/summary": query(
        host=HOST,
        metrics=METRICS,
        compare=choice("1d", "7d", "none", "30s", "2h"),
        bins=st.one_of(st.sampled_from(["5", "200", "4", "201", "abc"]), ANY_TEXT),
        **RANGE,
    ),
    "/api/v1/history/changes": query(
        host=HOST,
        metrics=METRICS,
        baseline=DURATIONS,
        limit=st.sampled_from(["1", "100", "0", "101", "x"]),
        **RANGE,
    ),
    "/api/v1/history/top-processes": query(
        host=HOST,
        sort=choice("cpu_s", "rss_peak", "rss_avg", "top_s"),
        limit=st.sampled_from(["1", "1000", "0", "1001", "x"]),
        format=choice("json", "csv"),
        **RANGE,
    ),
    "/api/v1/history/top-processes/series": query(host=HOST, name=ANY_TEXT, **RANGE),
    "/api/v1/processes": query(
        host=HOST,
        q=ANY_TEXT,
        limit=st.one_of(
            st.sampled_from(["1", "500", "0", "501", "-1", "1e3", "abc", "9" * 40]),
            st.integers(min_value=-10, max_value=1000).map(str),
        ),
        sort=choice("cpu", "mem", "rss", "pid", "name", "user", "threads", "status", "x"),
        order=choice("asc", "desc", "up"),
    ),
    "/api/v1/export.csv": query(
        host=HOST,
        metrics=METRICS,
        resolution=choice("auto", "raw", "1m", "1h"),
        format=choice("wide", "long"),
        time=choice("iso", "epoch"),
        kind=choice("samples", "processes"),
        **RANGE,
    ),
    "/api/v1/alerts": query(host=HOST, state=choice("firing", "pending", "resolved")),
    "/api/v1/alerts/rules": query(),
    "/api/v1/alerts/events.csv": query(host=HOST, **RANGE),
    "/": query(),
    "/history": query(),
    "/hosts": query(),
    "/alerts": query(),
    "/_dash-layout": query(),
    "/_dash-dependencies": query(),
    # paths no route serves: 404 (JSON under the machine prefixes), never the page with 200
    "/api/v1/nope": query(),
    "/api/v2/latest": query(host=HOST),
    "/ws/nope": query(),
    "/nope": query(),
}
UNSERVED = ("/api/v1/nope", "/api/v2/latest", "/ws/nope", "/nope")
WS_QUERY = query(
    since=st.one_of(INSTANTS, st.sampled_from(["1_000", "0x10", "1e308", "-1e308", " 1 "])),
    host=HOST,
)

# -- the server and the tally --------------------------------------------------------------


@pytest.fixture(scope="module")
def server(
    tmp_path_factory: pytest.TempPathFactory, tally: dict[str, Counter]
) -> Iterator[LiveServer]:
    """A live server (fake collectors, 0.2 s) whose database holds two hosts' history.

    Exceptions in its threads fail the test as usual, except two known simple-websocket races
    (tests/faults/support.py), which are counted in the figures instead.
    """
    with tolerating_simple_websocket_races(tally["thread errors"]):
        yield from serve_history(tmp_path_factory)


def serve_history(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    directory: Path = tmp_path_factory.mktemp("fuzz")
    live = LiveServer(live_config(directory)).start()
    store = live.monitor.store
    # The schema is made by the monitor's own threads first (see test_schema_race.py).
    wait_for(lambda: live.monitor.writer.health()["stored_samples"] > 0, message="a write")
    now = time.time()
    start = now - HOURS * 3600
    for host in HOSTS:
        batch = [
            make_sample(i, host=host, ts0=start, interval=10.0, extra_iface=i % 7 == 0)
            for i in range(HOURS * 360)
        ]
        store.write_batch(batch)
    live.monitor.maintainer.run_once()  # 1m and 1h rollups of what is stored
    wait_for(lambda: live.monitor.hub.latest(LIVE_HOST), message="a live sample")
    yield live
    live.close()


@pytest.fixture(scope="module")
def tally() -> Iterator[dict[str, Counter]]:
    seen = "Statuses and close codes seen (WebSocket 0: still open after a ping)"
    with fuzz_tally(
        "Fuzzing HTTP parameters and WebSocket input", seen, "inputs / 5xx (or wrong close)"
    ) as counts:
        yield counts


def in_time(call: Callable[[], T], timeout: float = TIMEOUT_S) -> T:
    """``call()``, failing the test when it has not returned after ``timeout`` seconds."""
    outcome: dict[str, Any] = {}

    def run() -> None:
        try:
            outcome["value"] = call()
        except BaseException as exc:
            outcome["error"] = exc

    worker = threading.Thread(target=run, daemon=True)
    worker.start()
    worker.join(timeout)
    assert not worker.is_alive(), f"no answer in {timeout} s"
    if "error" in outcome:
        raise outcome["error"]
    return outcome["value"]


def count(tally: dict[str, Counter], kind: str, status: int, *, failed: bool = False) -> None:
    """Counts one input; ``failed`` (or an HTTP status of 500 and more) counts as a 5xx."""
    tally["inputs"][kind] += 1
    tally["statuses"][f"{kind.split(' ')[0]} {status}"] += 1
    if failed or (kind.startswith("HTTP") and status >= 500):
        tally["5xx"][kind] += 1


# -- HTTP parameters ------------------------------------------------------------------------


@pytest.mark.parametrize("path", list(ROUTES))
def test_http_parameters_through_the_test_client(
    server: LiveServer, tally: dict[str, Counter], path: str
) -> None:
    client = server.dash_app.server.test_client()

    @FUZZ
    @given(pairs=ROUTES[path])
    def check(pairs: list[tuple[str, str]]) -> None:
        def get() -> tuple[int, bytes]:
            response = client.get(path, query_string=pairs)
            return response.status_code, response.get_data()  # streams the whole body

        status, body = in_time(get)
        count(tally, "HTTP (test client)", status)
        assert status < 500, (path, pairs, status, body[:300])
        assert 200 <= status < 500
        if path in UNSERVED:
            assert status == 404, (path, status)

    check()


def test_every_route_is_fuzzed(server: LiveServer) -> None:
    """Every GET route without variables is in ROUTES (the WebSocket has its own tests, POST
    bodies are fuzzed in test_fuzz_auth.py and test_fuzz_dash.py)."""
    rules = server.dash_app.server.url_map.iter_rules()
    served = {r.rule for r in rules if "GET" in r.methods and "<" not in r.rule}
    assert served - set(ROUTES) == {"/ws/metrics", "/_reload-hash", "/_favicon.ico"}


def http_request(port: int, method: str, target: str) -> tuple[int, bytes]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=TIMEOUT_S)
    try:
        connection.request(method, target, headers={"Host": f"127.0.0.1:{port}"})
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()


RAW_QUERY = st.one_of(
    st.builds(lambda pairs: urlencode(pairs), st.one_of(*ROUTES.values())),
    st.binary(max_size=60).map(lambda b: quote(b, safe="=&")),  # any bytes, percent-encoded
)


@FUZZ
@given(
    path=st.sampled_from(list(ROUTES)),
    raw=RAW_QUERY,
    method=st.sampled_from(["GET"] * 6 + ["HEAD", "POST", "PUT", "DELETE", "OPTIONS"]),
)
def test_http_parameters_over_a_real_socket(
    server: LiveServer, tally: dict[str, Counter], path: str, raw: str, method: str
) -> None:
    status, body = in_time(lambda: http_request(server.port, method, f"{path}?{raw}"))
    count(tally, "HTTP (real socket)", status)
    assert 200 <= status < 500, (method, path, raw, status, body[:300])


# -- the WebSocket --------------------------------------------------------------------------


@FUZZ
@given(pairs=WS_QUERY)
def test_websocket_query(server: LiveServer, tally: dict[str, Counter], pairs: list) -> None:
    path = "/ws/metrics?" + urlencode(pairs)
    client = in_time(lambda: WsClient(server.port, path, origin=server.origin))
    client.abort()
    count(tally, "WebSocket query", client.status)
    assert client.status == 101 or 400 <= client.status < 500, (pairs, client.status, client.body)


CONTROL_LOOKING = st.sampled_from(
    [
        '{"type":"ping"}',
        '{"op":"close"}',
        '{"since":0}',
        '{"subscribe":"*","host":"faults-a"}',
        '{"action":"pause"}',
        '{"v":1,"host":"evil","ts":1e18,"seq":-1}',
        "ping",
        "",
        "null",
    ]
)


@dataclass(frozen=True)
class Huge:
    """A frame of ``size`` times ``unit`` (text, or bytes when ``unit`` is bytes), drawn as
    this recipe so that Hypothesis never builds (or prints) a 70 kB repr of it."""

    size: int
    unit: str | bytes

    def frame(self) -> TextMessage | BytesMessage:
        if isinstance(self.unit, bytes):
            return BytesMessage(data=self.unit * self.size)
        return TextMessage(data=self.unit * self.size)


FRAMES = st.one_of(
    st.builds(lambda t: TextMessage(data=t), st.one_of(CONTROL_LOOKING, st.text(max_size=300))),
    st.builds(lambda b: BytesMessage(data=b), st.binary(max_size=300)),
    st.builds(  # huge, up to well past the 4 KiB limit
        Huge,
        st.integers(min_value=MAX_MESSAGE_SIZE - 2, max_value=70_000),
        st.sampled_from(["x", "é", "{"]),
    ),
    st.builds(Huge, st.integers(min_value=4000, max_value=70_000), st.just(b"\x00")),
    st.builds(lambda b: Ping(payload=b), st.binary(max_size=125)),
    st.builds(
        lambda code: CloseConnection(code=code),
        st.sampled_from([1000, 1001, 1003, 1008, 1011, 3000, 4999]),
    ),
)


def expected_close(frame: Any) -> set[int]:
    if isinstance(frame, CloseConnection):
        return {frame.code}  # the server echoes the client's close
    return {CLOSE_TOO_BIG if len(frame.data) > MAX_MESSAGE_SIZE else CLOSE_POLICY}


@FUZZ
@given(frame=FRAMES)
def test_websocket_frames_from_the_client(
    server: LiveServer, tally: dict[str, Counter], frame: Any
) -> None:
    frame = frame.frame() if isinstance(frame, Huge) else frame
    # since an hour ahead: the server sends no sample, so every frame we read is its answer
    path = f"/ws/metrics?since={time.time() + 3600:.0f}"
    client = in_time(lambda: WsClient(server.port, path, origin=server.origin))
    assert client.status == 101
    outcome: int | None = None
    try:
        client.sock.sendall(client.conn.send(frame))
        if isinstance(frame, Ping):
            client.pump(lambda: any(isinstance(e, Pong) for e in client.events), timeout=5)
            outcome = client.close_code or 0  # 0: still open, as a ping must leave it
        else:
            outcome = client.wait_closed(timeout=10)
    finally:
        client.abort()
        # an internal error (1011) the client did not send itself, a hang, or a wrong code
        expected = {0} if isinstance(frame, Ping) else expected_close(frame)
        count(tally, "WebSocket frames", outcome or 0, failed=outcome not in expected)
    assert outcome in expected, (type(frame).__name__, outcome)


def test_no_live_client_is_left_behind(server: LiveServer) -> None:
    """After all of that, every connection has freed its subscription and thread."""
    wait_for(
        lambda: server.monitor.hub.health()["subscribers"] == 0 and len(server.sockets) == 0,
        timeout=5,
        message="no subscription left",
    )
