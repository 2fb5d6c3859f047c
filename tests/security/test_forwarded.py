"""Forwarded headers that cannot lie, behind the nginx block of docs/operations.md.

The block is read from the document and its ``proxy_set_header`` rules are applied to each
request as nginx applies them (a rule replaces the client's header of that name, an empty value
drops it, every other header passes through), before the request goes to a real server with
``MONITOR_TRUST_PROXY``. A page that DNS rebinding made same-origin can add any header to its
requests; none of them gets it past the Host check or moves the login throttle.
"""

from __future__ import annotations

import re
from urllib.parse import urlencode

import pytest

from app.guard.hosts import host_name
from tests.security.conftest import FORM, Serve, login_form, request
from tests.support.servers import ROOT

PUBLIC = "monitor.example.org"


def nginx_block(document: str = "operations.md") -> str:
    text = (ROOT / "docs" / document).read_text(encoding="utf-8")
    match = re.search(r"```nginx\n(.*?)```", text, re.S)
    assert match, f"the nginx block of docs/{document}"
    return match[1]


def header_rules() -> dict[str, str]:
    """``proxy_set_header`` name -> value, as written in the block."""
    rules = re.findall(r"^\s*proxy_set_header\s+(\S+)\s+(\"[^\"]*\"|\S+);", nginx_block(), re.M)
    return {name.lower(): value.strip('"') for name, value in rules}


def through_nginx(headers: dict[str, str], client: str, scheme: str = "https") -> dict[str, str]:
    """The headers nginx sends upstream for a client request with ``headers``."""
    variables = {
        "$host": host_name(headers.get("Host", PUBLIC)),
        "$remote_addr": client,
        "$scheme": scheme,
        "$http_upgrade": headers.get("Upgrade", ""),
    }
    upstream = {k: v for k, v in headers.items() if k.lower() not in header_rules()}
    for name, value in header_rules().items():
        for variable, replacement in variables.items():
            value = value.replace(variable, replacement)
        if value:
            upstream[name] = value
    return upstream


def test_the_block_sets_or_drops_every_forwarded_header_and_adds_hsts() -> None:
    rules = header_rules()
    assert rules["host"] == rules["x-forwarded-host"] == "$host"
    assert rules["x-forwarded-for"] == "$remote_addr" and rules["x-forwarded-proto"] == "$scheme"
    for dropped in ("x-forwarded-prefix", "x-forwarded-port", "x-real-ip", "forwarded"):
        assert rules[dropped] == "", dropped
    block = nginx_block()
    assert re.search(r'add_header Strict-Transport-Security "max-age=\d+" always;', block)
    assert "listen 443 ssl;" in block and "limit_conn monitor_conn" in block


REBOUND = [  # what a page on evil.example, rebound to the proxy, can make its browser send
    {"Host": "evil.example"},
    {"Host": "evil.example", "X-Forwarded-Host": "localhost"},
    {"Host": "evil.example", "X-Forwarded-Host": PUBLIC},
    {"Host": "evil.example", "X-Forwarded-Host": f"evil.example, {PUBLIC}"},
    {"Host": "evil.example:443", "X-Forwarded-Host": "127.0.0.1", "Forwarded": f"host={PUBLIC}"},
]


@pytest.mark.parametrize("headers", REBOUND, ids=lambda h: "; ".join(h.values()))
def test_a_rebound_page_cannot_vouch_for_its_host(serve: Serve, headers: dict[str, str]) -> None:
    server = serve(trust_proxy=True, allowed_hosts=(PUBLIC,))
    forwarded = through_nginx(headers, "198.51.100.7")
    assert request(server, "GET", "/api/v1/latest", forwarded).status == 403
    # and straight to the loopback port, past the proxy, the app checks every name it is given
    assert request(server, "GET", "/api/v1/latest", headers).status == 403


def test_the_public_name_is_served_through_the_proxy(serve: Serve) -> None:
    server = serve(trust_proxy=True, allowed_hosts=(PUBLIC,))
    forwarded = through_nginx({"Host": PUBLIC}, "198.51.100.7")
    assert request(server, "GET", "/api/v1/hosts", forwarded).status == 200
    assert request(server, "GET", "/healthz", forwarded).status == 200


def test_a_client_cannot_pick_its_address_or_prefix(serve: Serve, users_file: str) -> None:
    server = serve(users_file=users_file, trust_proxy=True, allowed_hosts=(PUBLIC,))
    client = "198.51.100.8"
    spoofed = {"Host": PUBLIC, "X-Forwarded-Prefix": "//evil.example"}
    page = request(server, "GET", "/history", through_nginx(spoofed, client))
    assert page.status == 302 and page.getheader("Location").startswith("/login?")
    cookie, token = login_form(server)
    statuses = []
    for n in range(6):  # each guess claims another address; the throttle sees the real one
        headers = {**FORM, "Cookie": cookie, "Host": PUBLIC, "X-Forwarded-For": f"10.0.0.{n}"}
        body = urlencode({"password": "wrong", "csrf": token})
        statuses.append(
            request(server, "POST", "/login", through_nginx(headers, client), body).status
        )
    assert statuses == [401] * 5 + [429]


def test_what_the_docs_say_is_trusted_is_what_the_block_sets() -> None:
    assert nginx_block("security.md") == nginx_block("operations.md")
    security = (ROOT / "docs" / "security.md").read_text(encoding="utf-8")
    trusted = (
        "Host",
        "X-Forwarded-Host",
        "X-Forwarded-For",
        "X-Forwarded-Proto",
        "X-Forwarded-Prefix",
    )
    for header in trusted:
        assert f"`{header}`" in security, header
    assert {h.lower() for h in trusted} <= set(header_rules())
