"""Fuzzing what an auth-enabled server reads before it trusts a client: the login form body and
the Authorization, Cookie, Host and X-Forwarded-* headers.

The server (real sockets, token and users file both configured) runs once directly and once
with ``trust_proxy`` on. Whatever a client sends, the answer is never a 5xx, nothing is logged
at ERROR or with a traceback, and without valid credentials every protected route answers
401, 403, 429, 4xx or a redirect to the login page. Each input comes from its own loopback
address (127.x.y.z), so the failure throttle does not hide the answers; a pre-throttled
address must keep getting 429 whatever it sends. Afterwards, valid credentials still work and
the throttle still slows repeated failures (and X-Forwarded-For only moves it behind a proxy).
"""

from __future__ import annotations

import base64
import http.client
import itertools
import logging
import re
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode, urlsplit

import pytest
from flask.sessions import SecureCookieSessionInterface
from hypothesis import given, settings
from hypothesis import strategies as st
from werkzeug.security import generate_password_hash

from app.guard.auth import FailureThrottle
from tests.faults.figures import fuzz_tally
from tests.faults.test_fuzz import FUZZ, TIMEOUT_S, in_time
from tests.live.server import LiveServer, live_config

TOKEN = "s3cret-token-for-tests-0123456789"
USER, PASSWORD = "alice", "correct horse"
SECRETS = (TOKEN, PASSWORD)
AUTH_FUZZ = settings(FUZZ, max_examples=150, derandomize=True)

PROTECTED = [
    ("GET", "/api/v1/hosts"),
    ("GET", "/api/v1/latest"),
    ("GET", "/api/v1/export.csv?since=1h&metrics=cpu.total"),
    ("GET", "/metrics"),
    ("GET", "/readyz"),
    ("GET", "/_dash-layout"),
    ("POST", "/_dash-update-component"),
    ("GET", "/"),
    ("GET", "/history?x=1"),
    ("POST", "/logout"),
    ("GET", "/ws/metrics"),
    # spellings of a protected path that must not reach an open one
    ("GET", "/%61pi/v1/hosts"),
    ("GET", "/api/v1/hosts/"),
    ("GET", "//api/v1/hosts"),
    ("GET", "/healthz/../api/v1/hosts"),
    ("GET", "/login/../api/v1/hosts"),
    ("GET", "/healthz%2f..%2fapi/v1/hosts"),
    ("GET", "/login;/api/v1/hosts"),
]

# -- the servers, their logs and the tally --------------------------------------------------


@dataclass
class Target:
    """A server under test, where its errors go, and the addresses it has seen."""

    live: LiveServer
    trust_proxy: bool
    errors: list[str] = field(default_factory=list)
    _addresses: Iterator[int] = field(default_factory=lambda: itertools.count(1))

    def form_token(self) -> tuple[Header, bytes]:
        """A sign-in form's token: (its session cookie header, b"csrf=<token>")."""
        answer = send(self, "GET", "/login")
        found = re.search(rb'name="csrf" value="([^"]+)"', answer.body)
        cookie = answer.cookie()
        assert answer.status == 200 and found and cookie, answer.status
        return ("Cookie", cookie), b"csrf=" + found[1]

    def fresh_address(self) -> str:
        """A loopback address no earlier request of this module came from."""
        n = next(self._addresses)
        return f"127.{1 + (n >> 16) % 250}.{(n >> 8) & 255}.{n & 255}"


class ErrorLog(logging.Handler):
    """Keeps every record at ERROR or above and every record with a traceback, but for the
    HTTP server's own line about a request it refused with a 4xx (e.g. 431, header too long).
    """

    def __init__(self, into: list[str]) -> None:
        super().__init__(level=logging.DEBUG)
        self.into = into

    def emit(self, record: logging.LogRecord) -> None:
        message = record.getMessage()
        if record.exc_info is None and re.search(r"\bcode 4\d\d, message ", message):
            return
        if record.levelno >= logging.ERROR or record.exc_info:
            self.into.append(f"{record.name}: {message[:500]}")


@pytest.fixture(scope="module")
def tally() -> Iterator[dict[str, Counter]]:
    title = "Fuzzing login bodies and auth headers (token + users file)"
    with fuzz_tally(title, "Statuses seen") as counts:
        yield counts


@pytest.fixture(scope="module", params=[False, True], ids=["direct", "trust_proxy"])
def target(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator:
    directory: Path = tmp_path_factory.mktemp("fuzz-auth")
    users = directory / "users"
    users.write_text(f"# users\n{USER}:{generate_password_hash(PASSWORD)}\n", encoding="utf-8")
    users.chmod(0o600)
    config = live_config(
        directory, auth_token=TOKEN, users_file=str(users), trust_proxy=request.param
    )
    live = LiveServer(config).start()
    errors: list[str] = []
    handler = ErrorLog(errors)
    logging.getLogger().addHandler(handler)
    http_server = live._server
    assert http_server is not None
    original = http_server.handle_error

    def handle_error(req: Any, client_address: Any) -> None:  # a traceback on stderr
        errors.append(f"handle_error for {client_address}")
        original(req, client_address)

    http_server.handle_error = handle_error  # type: ignore[method-assign]
    try:
        yield Target(live, request.param, errors)
    finally:
        logging.getLogger().removeHandler(handler)
        live.close()


def count(tally: dict[str, Counter], kind: str, status: int) -> None:
    tally["inputs"][kind] += 1
    tally["statuses"][f"{kind} {status}"] += 1
    if status >= 500:
        tally["5xx"][kind] += 1


# -- raw requests -----------------------------------------------------------------------------

Header = tuple[str, str | bytes]


@dataclass
class Answer:
    status: int
    headers: http.client.HTTPMessage
    body: bytes

    def cookie(self) -> str | None:
        """``monitor_session=...`` when the answer sets a non-empty session cookie."""
        for raw in self.headers.get_all("Set-Cookie") or []:
            jar = SimpleCookie(raw)
            if "monitor_session" in jar and jar["monitor_session"].value:
                return f"monitor_session={jar['monitor_session'].value}"
        return None


def send(
    target: Target,
    method: str,
    path: str,
    headers: list[Header] = (),  # type: ignore[assignment]
    body: bytes | None = None,
    source: str | None = None,
) -> Answer:
    """One request over a real socket from ``source`` (a fresh loopback address by default)."""
    source = source or target.fresh_address()

    def run() -> Answer:
        connection = http.client.HTTPConnection(
            "127.0.0.1", target.live.port, timeout=TIMEOUT_S, source_address=(source, 0)
        )
        try:
            connection.putrequest(method, path, skip_host=True, skip_accept_encoding=True)
            if not any(name.lower() == "host" for name, _ in headers):
                connection.putheader("Host", f"127.0.0.1:{target.live.port}")
            for name, value in headers:  # non-Latin-1 text goes as its UTF-8 bytes
                connection.putheader(name, value.encode() if isinstance(value, str) else value)
            if body is not None:
                connection.putheader("Content-Length", str(len(body)))
            connection.endheaders(body)
            response = connection.getresponse()
            return Answer(response.status, response.headers, response.read())
        finally:
            connection.close()

    return in_time(run)


def websocket_headers(target: Target) -> list[Header]:
    key = base64.b64encode(b"0123456789abcdef").decode()
    return [
        ("Upgrade", "websocket"),
        ("Connection", "Upgrade"),
        ("Sec-WebSocket-Key", key),
        ("Sec-WebSocket-Version", "13"),
        ("Origin", target.live.origin),
    ]


def denied(answer: Answer) -> bool:
    """Refused, or sent to this site's login page: no protected content, no open redirect."""
    if answer.status == 302:
        location = urlsplit(answer.headers.get("Location", ""))
        return location.path.endswith("/login") and not location.netloc
    return 400 <= answer.status < 500 and answer.status != 404


def no_secret(value: str | bytes) -> bool:
    text = value if isinstance(value, str) else value.decode("latin-1")
    return not any(secret in text for secret in SECRETS)


# -- what a client may send -----------------------------------------------------------------

ANY_TEXT = st.text(max_size=40)
HEADER_TEXT = st.text(max_size=60).map(lambda t: t.replace("\r", "").replace("\n", ""))
HEADER_BYTES = st.binary(max_size=60).map(lambda b: b.replace(b"\r", b"").replace(b"\n", b""))
HUGE = st.builds(lambda n, c: c * n, st.integers(1_000, 70_000), st.sampled_from(["A", "=", "%"]))

FIELD_VALUES = st.one_of(
    ANY_TEXT,
    st.sampled_from(["", " ", "alice", "ALICE", "alice ", "alice\x00", "token", "admin", "%"]),
    HUGE,
)
FIELD_NAMES = st.one_of(
    st.sampled_from(["username", "password", "next"] * 3 + ["USERNAME", "pass word", "", "x"]),
    ANY_TEXT,
)
FORM_PAIRS = st.lists(st.tuples(FIELD_NAMES, FIELD_VALUES), max_size=6)


def urlencoded(pairs: list[tuple[str, str]], encoding: str) -> bytes:
    return urlencode(pairs, encoding=encoding, errors="replace").encode("ascii")


def multipart(pairs: list[tuple[str, str]], boundary: str = "fuzzb") -> bytes:
    parts = [
        f'--{boundary}\r\nContent-Disposition: form-data; name="{quote(name)}"\r\n\r\n{value}\r\n'
        for name, value in pairs
    ]
    return ("".join(parts) + f"--{boundary}--\r\n").encode("utf-8", "surrogatepass")


CONTENT_TYPES = st.sampled_from(
    [
        "application/x-www-form-urlencoded",
        "application/x-www-form-urlencoded; charset=latin-1",
        "application/x-www-form-urlencoded; charset=utf-16",
        "multipart/form-data; boundary=fuzzb",
        "multipart/form-data",  # no boundary
        "multipart/form-data; boundary=",
        "multipart/form-data; boundary=" + "b" * 300,
        "application/json",
        "text/plain",
        "",
        "x/\x7f",
        None,  # no Content-Type at all
    ]
)
BODIES = st.one_of(
    st.builds(urlencoded, FORM_PAIRS, st.sampled_from(["utf-8", "latin-1", "utf-16"])),
    st.builds(multipart, FORM_PAIRS),
    st.binary(max_size=300),  # any bytes, non-UTF-8 included
    st.sampled_from(
        [
            b"username=%ff%fe&password=%c3%28",
            b"username=alice&password=%00%00",
            b"password=%E2%82",
            b"password",
            b"=&=&==",
            b"&&&&",
            b"username=" + b"%" * 5000,
            b'{"username":"alice","password":"x"}',
            b"--fuzzb\r\nContent-Disposition: form-data; name=password\r\n\r\nx",  # unterminated
        ]
    ),
    st.builds(lambda n: b"password=" + b"A" * n, st.integers(100_000, 700_000)),  # huge
)


def login_body_strategy() -> st.SearchStrategy[tuple[str | None, bytes]]:
    return st.tuples(CONTENT_TYPES, BODIES).filter(lambda cb: no_secret(cb[1]))


# -- the login form body --------------------------------------------------------------------


@AUTH_FUZZ
@given(case=login_body_strategy(), throttled=st.booleans(), with_token=st.booleans())
def test_login_bodies(
    target: Target,
    tally: dict[str, Counter],
    case: tuple[str | None, bytes],
    throttled: bool,
    with_token: bool,
) -> None:
    """Half the bodies come with a valid form token first, so they reach the credential check
    (401); the others are refused for want of it (403)."""
    content_type, body = case
    headers: list[Header] = [] if content_type is None else [("Content-Type", content_type)]
    if with_token:
        cookie, token = target.form_token()
        headers.append(cookie)
        body = token + b"&" + body
    source = None
    if throttled:
        source, forwarded = throttled_client(target)
        headers += forwarded
    answer = send(target, "POST", "/login", headers, body, source=source)
    count(tally, "login body", answer.status)
    assert answer.status < 500, (content_type, body[:200], answer.status, answer.body[:300])
    if throttled:
        assert answer.status == 429 and int(answer.headers["Retry-After"]) >= 1
    else:  # no valid credentials in the body: never logged in
        assert answer.status in LOGIN_REFUSALS, (content_type, body[:200], answer.status)
    cookie = answer.cookie()
    if cookie:  # whatever cookie a failed login sets opens nothing
        assert denied(send(target, "GET", "/api/v1/hosts", [("Cookie", cookie)]))
    assert not target.errors, target.errors


LOGIN_REFUSALS = (400, 401, 403, 413, 415)


def server_throttle(target: Target) -> FailureThrottle:
    """The server's failure throttle."""
    throttle = target.live.dash_app.server.extensions["auth_throttle"]
    assert isinstance(throttle, FailureThrottle)
    return throttle


def throttled_client(target: Target) -> tuple[str, list[Header]]:
    """A client (source address and headers) that must wait minutes before its next try: 12
    failures recorded on the server's throttle (behind a trusted proxy it keys on
    X-Forwarded-For, else on the socket's address)."""
    address = target.fresh_address()
    throttle = server_throttle(target)
    for _ in range(12):
        throttle.failed(address)
    assert throttle.retry_after(address) > 60
    if target.trust_proxy:
        return target.fresh_address(), [("X-Forwarded-For", address)]
    return address, []


def test_valid_login_bodies_in_odd_encodings(target: Target) -> None:
    """Valid credentials however they are spelled log in; the first of repeated fields counts."""
    form = "application/x-www-form-urlencoded"
    session, token = target.form_token()
    field = token.decode().partition("=")[2]
    cases: list[tuple[str, bytes, int]] = [
        (form, urlencode({"username": USER, "password": PASSWORD}).encode(), 302),
        (form, b"username=%61lice&password=correct%20horse", 302),
        (form, b"password=" + TOKEN.encode(), 302),
        (form, b"username=&password=" + TOKEN.encode(), 302),  # empty name: the token
        (form, b"username=alice&password=wrong&password=correct+horse", 401),
        (form, b"username=alice&password=correct+horse&password=wrong", 302),
        (form, b"username=ALICE&password=correct+horse", 401),
        (form, b"username=alice&password=" + TOKEN.encode(), 401),  # a user's password only
        (form, b"password=" + TOKEN.encode() + b"%00", 401),
        (
            "multipart/form-data; boundary=fuzzb",
            multipart([("password", TOKEN), ("csrf", field)]),
            302,
        ),
        ("application/json", b'{"password":"' + TOKEN.encode() + b'"}', 403),  # no form token
        ("text/plain", b"password=" + TOKEN.encode(), 403),
    ]
    for content_type, body, status in cases:
        if content_type == form:
            body += b"&" + token
        answer = send(target, "POST", "/login", [("Content-Type", content_type), session], body)
        assert answer.status == status, (body, answer.status)
        valid = status == 302
        cookie = answer.cookie()
        if valid:
            assert cookie is not None
            opened = send(target, "GET", "/api/v1/hosts", [("Cookie", cookie)])
            assert opened.status == 200, body
        elif cookie:
            assert denied(send(target, "GET", "/api/v1/hosts", [("Cookie", cookie)]))
    assert not target.errors, target.errors


# -- headers --------------------------------------------------------------------------------


def sign(payload: dict[str, Any], key: str) -> str:
    app_like = type("App", (), {"secret_key": key, "config": {"SECRET_KEY_FALLBACKS": None}})
    serializer = SecureCookieSessionInterface().get_signing_serializer(app_like)  # type: ignore
    assert serializer is not None
    return serializer.dumps(payload)


def tamper(cookie: str, position: int, how: str) -> str:
    if not cookie:
        return cookie
    i = position % len(cookie)
    if how == "flip":
        return cookie[:i] + ("A" if cookie[i] != "A" else "B") + cookie[i + 1 :]
    if how == "cut":
        return cookie[:i]
    if how == "dup":
        return cookie + cookie[i:]
    return cookie[:i] + "." + cookie[i:]


AUTHORIZATION = st.one_of(
    st.sampled_from(
        [
            "Bearer",
            "Bearer ",
            "Bearer  ",
            "bearer x",
            "Bearer " + TOKEN[:-1],
            "Bearer " + TOKEN + "x",
            "Bearer " + TOKEN.upper(),
            "Bearer\t" + TOKEN,  # not a space: no bearer token
            "Token " + TOKEN,
            "Basic " + base64.b64encode(f"{USER}:{PASSWORD}".encode()).decode(),
            "Basic " + base64.b64encode(f":{TOKEN}".encode()).decode(),
            "Basic !!!",
            "Basic",
            "Digest username=alice",
            "Bearer " + "A" * 8000,
            "Bearer " + "A" * 70_000,  # past the server's line limit
            "Bearer é",
        ]
    ),
    st.builds(lambda s, t: f"{s} {t}", st.sampled_from(["Bearer", "Basic", "bearer"]), ANY_TEXT),
    HEADER_TEXT,
    st.builds(lambda b: b"Bearer " + b, HEADER_BYTES),
    HEADER_BYTES,
)
COOKIE = st.one_of(
    st.sampled_from(
        [
            "monitor_session=",
            "monitor_session=.",
            "monitor_session=eyJ1c2VyIjoiYWxpY2UifQ",  # {"user":"alice"}, unsigned
            "monitor_session=eyJ1c2VyIjoiYWxpY2UifQ.AAAAAA.AAAAAAAAAAAAAAAAAAAAAAAAAAA",
            'monitor_session="quoted"',
            "monitor_session=" + "A" * 5000,
            "session=x; monitor_session=y; monitor_session=z",
            ";;;===;",
        ]
    ),
    st.builds(lambda t: "monitor_session=" + t, HEADER_TEXT),
    st.builds(lambda b: b"monitor_session=" + b, HEADER_BYTES),
    HEADER_TEXT,
    st.builds(  # signed with a key that is not the server's
        lambda user, key: "monitor_session=" + sign({"user": user}, key),
        st.sampled_from([USER, "token", "admin", " "]),
        st.sampled_from(["monitor-session-key", "x", "guess", TOKEN]),
    ),
    # tampered copies of a genuinely signed cookie are drawn in test_headers (key known there)
)
HOST = st.one_of(
    st.sampled_from(
        ["", "evil.example", "localhost", "127.0.0.1", "[::1]", "127.0.0.1:0", "a" * 5000, ":"]
    ),
    HEADER_TEXT,
    HEADER_BYTES,
)
FORWARDED_VALUE = st.one_of(
    st.sampled_from(["127.0.0.1", "::1", "https", "http", "localhost", "/login", "/healthz", ""]),
    st.sampled_from(["//evil.example", "1.2.3.4, 127.0.0.1", "x" * 3000, "443", "-1"]),
    HEADER_TEXT,
    HEADER_BYTES,
)
FORWARDED = st.lists(
    st.tuples(
        st.sampled_from(
            [
                "X-Forwarded-For",
                "X-Forwarded-Proto",
                "X-Forwarded-Host",
                "X-Forwarded-Prefix",
                "X-Forwarded-Port",
                "X-Real-IP",
                "Forwarded",
            ]
        ),
        FORWARDED_VALUE,
    ),
    max_size=4,
)


@st.composite
def header_sets(draw: st.DrawFn) -> dict[str, Any]:
    headers: list[Header] = []
    if draw(st.booleans()):
        headers.append(("Authorization", draw(AUTHORIZATION)))
    if draw(st.booleans()):
        headers.append(("Cookie", draw(COOKIE)))
    if draw(st.integers(0, 3)) == 0:
        headers.append(("Host", draw(HOST)))
    headers += draw(FORWARDED)
    tampered = draw(
        st.one_of(
            st.none(),
            st.tuples(st.integers(0, 200), st.sampled_from(["flip", "cut", "dup", "dot"])),
        )
    )
    return {
        "route": draw(st.sampled_from(PROTECTED)),
        "headers": [h for h in headers if no_secret(h[1]) or h[0] == "Authorization"],
        "tampered": tampered,
    }


@pytest.fixture(scope="module")
def valid_cookie(target: Target) -> str:
    session, token = target.form_token()
    body = urlencode({"username": USER, "password": PASSWORD}).encode() + b"&" + token
    form: Header = ("Content-Type", "application/x-www-form-urlencoded")
    answer = send(target, "POST", "/login", [form, session], body)
    assert answer.status == 302
    cookie = answer.cookie()
    assert cookie is not None
    return cookie


@AUTH_FUZZ
@given(case=header_sets())
def test_headers_on_protected_routes(
    target: Target, tally: dict[str, Counter], valid_cookie: str, case: dict[str, Any]
) -> None:
    method, path = case["route"]
    headers: list[Header] = list(case["headers"])
    if case["tampered"] is not None:
        position, how = case["tampered"]
        forged = tamper(valid_cookie, position, how)
        if forged != valid_cookie:
            headers.append(("Cookie", forged))
    if path == "/ws/metrics":
        headers += websocket_headers(target)
    body = b"{}" if method == "POST" else None
    if body is not None:
        headers.append(("Content-Type", "application/json"))
    answer = send(target, method, path, headers, body)
    count(tally, "headers", answer.status)
    assert answer.status < 500, (method, path, headers, answer.status, answer.body[:300])
    assert denied(answer), (method, path, headers, answer.status, answer.body[:300])
    assert not target.errors, target.errors


EDGE_CASES: list[tuple[str, str, list[Header], bytes | None]] = [
    (
        "POST",
        "/login",
        [("Content-Type", "application/x-www-form-urlencoded")],
        b"password=" + b"A" * 600_000,
    ),
    ("POST", "/login", [("Content-Type", "multipart/form-data; boundary=b")], b"--b\r\n" * 20_000),
    (
        "POST",
        "/login",
        [("Content-Type", "application/x-www-form-urlencoded")],
        b"&".join([b"password=x"] * 5000),
    ),
    (
        "POST",
        "/login",
        [("Content-Type", "application/x-www-form-urlencoded; charset=utf-16")],
        "password=é".encode("utf-16"),
    ),
    (
        "POST",
        "/login",
        [("Content-Type", "application/x-www-form-urlencoded")],
        b"username=\xff\xfe&password=\xc3\x28",
    ),
    ("POST", "/login", [], None),
    ("POST", "/login", [("Content-Length", "10")], None),  # promised body never sent: twice
    ("GET", "/api/v1/hosts", [("Authorization", "Bearer " + "A" * 70_000)], None),
    ("GET", "/api/v1/hosts", [("Authorization", "Bearer " + "A" * 60_000)], None),
    ("GET", "/api/v1/hosts", [("Authorization", b"Bearer \xff\xfe\x00")], None),
    ("GET", "/api/v1/hosts", [("Cookie", "monitor_session=" + "A" * 60_000)], None),
    ("GET", "/api/v1/hosts", [("Cookie", "a=b")] * 150, None),  # past the header count limit
    ("GET", "/api/v1/hosts", [("Host", "h" * 60_000)], None),
    ("GET", "/api/v1/hosts", [("Host", b"\xe9vil")], None),
    ("GET", "/api/v1/hosts", [("X-Forwarded-For", "1.2.3.4, " * 5000)], None),
    ("GET", "/history", [("X-Forwarded-Prefix", "//evil.example")], None),
    ("GET", "/history", [("X-Forwarded-Host", "evil.example")], None),
]


@pytest.mark.parametrize("case", range(len(EDGE_CASES)))
def test_edge_inputs(target: Target, tally: dict[str, Counter], case: int) -> None:
    """Sizes past the server's limits, bodies it cannot decode, and forwarded headers."""
    method, path, headers, body = EDGE_CASES[case]
    try:
        answer = send(target, method, path, headers, body)
    except (ConnectionError, http.client.RemoteDisconnected):
        count(tally, "edge", 0)  # the server dropped an oversized request: no answer, no error
    else:
        count(tally, "edge", answer.status)
        assert answer.status < 500, (case, answer.status, answer.body[:300])
        if path != "/login":
            assert denied(answer), (case, answer.status, answer.headers.get("Location"))
        else:
            assert answer.status in LOGIN_REFUSALS, (case, answer.status)
    assert not target.errors, target.errors


# -- afterwards: credentials still work, the throttle still holds ------------------------------


def test_valid_credentials_still_work(target: Target, valid_cookie: str) -> None:
    bearer = send(target, "GET", "/api/v1/hosts", [("Authorization", f"Bearer {TOKEN}")])
    assert bearer.status == 200
    # surrounding spaces are stripped; the scheme is case-insensitive
    lower = send(target, "GET", "/api/v1/hosts", [("Authorization", f"bearer  {TOKEN} ")])
    assert lower.status == 200
    assert send(target, "GET", "/api/v1/hosts", [("Cookie", valid_cookie)]).status == 200
    for method, path in PROTECTED[:11]:
        headers = [("Authorization", f"Bearer {TOKEN}")]
        if path == "/ws/metrics":
            headers += websocket_headers(target)
        body = None
        if method == "POST":
            body, headers = b"{}", [*headers, ("Content-Type", "application/json")]
        answer = send(target, method, path, headers, body)
        assert answer.status not in (401, 403, 429), (method, path, answer.status)
        if path == "/_dash-update-component":  # "{}" is no callback request: said so, no 500
            assert answer.status == 400, (answer.status, answer.body[:300])
        assert answer.status < 500, (method, path, answer.status, answer.body[:300])
    assert not target.errors, target.errors


def test_throttle_still_holds(target: Target) -> None:
    session, token = target.form_token()
    bad = urlencode({"password": "wrong"}).encode() + b"&" + token
    form: list[Header] = [("Content-Type", "application/x-www-form-urlencoded"), session]
    source = target.fresh_address()
    spoofed = (f"10.9.8.{i}" for i in itertools.count(1))
    if target.trust_proxy:
        # the throttle keys on the forwarded address, whatever socket the request came over
        client = "10.1.2.3"
        statuses = [
            send(target, "POST", "/login", [*form, ("X-Forwarded-For", client)], bad).status
            for _ in range(6)
        ]
        extra: list[Header] = [("X-Forwarded-For", client)]
    else:
        # a direct client cannot escape it by claiming to be someone else
        statuses = [
            send(
                target, "POST", "/login", [*form, ("X-Forwarded-For", next(spoofed))], bad, source
            ).status
            for _ in range(6)
        ]
        extra = [("X-Forwarded-For", next(spoofed))]
    assert statuses == [401] * 5 + [429]
    good = urlencode({"password": TOKEN}).encode() + b"&" + token
    blocked = send(target, "POST", "/login", [*form, *extra], good, source)
    assert blocked.status == 429 and int(blocked.headers["Retry-After"]) >= 1
    bearer = [("Authorization", f"Bearer {TOKEN}"), *extra]
    assert send(target, "GET", "/api/v1/hosts", bearer, source=source).status == 429
    assert not target.errors, target.errors
