"""Redirects never leave the site, however ``next=`` or the forwarded prefix is spelled, and
never give a 5xx: the target is normalised as the browser will read it (tabs and newlines
removed, backslashes as slashes, leading controls and spaces stripped), then must be a path."""

from __future__ import annotations

import html
import re
from urllib.parse import quote, urljoin, urlsplit

import pytest

from app.guard.redirects import browser_view, safe_next, safe_root
from tests.security.conftest import PASSWORD, Serve, login, request

SITE = "http://monitor.example"
ESCAPES = [
    "//evil.example", "///evil.example", "/\t/evil.example", "/\\evil.example", "\\\\evil.example",
    "/\\/evil.example", " //evil.example", "\t//evil.example", "\x00//evil.example",
    "/\n/evil.example", "/\r\n/evil.example", "/\r/evil.example", "\x0c//evil.example",
    "https://evil.example", "http:evil.example", "HTTPS://evil.example/x", "javascript:alert(1)",
    "%2F%2Fevil.example", "%252F%252Fevil.example", "%09//evil.example", "%5C%5Cevil.example",
    "evil.example", "", "/\t\t/\t/evil.example", "/ok\r\nSet-Cookie: x=1", "/\x7f/evil",
    "\u3000//evil.example", "/\u202e/evil.example", "/%0d%0aSet-Cookie:x=1",
]  # fmt: skip


def stays_here(location: str) -> bool:
    """The browser's reading of ``location``, relative to this site, is on this site."""
    if any(c in location for c in "\t\r\n\\") or any(ord(c) < 0x20 for c in location):
        return False
    return urlsplit(urljoin(SITE + "/login", browser_view(location))).netloc == "monitor.example"


@pytest.mark.parametrize("target", ESCAPES, ids=repr)
def test_next_never_leaves_the_site(target: str) -> None:
    assert stays_here(safe_next(target)), safe_next(target)


@pytest.mark.parametrize(
    ("target", "expected"),
    [
        ("/history", "/history"),
        ("/history?x=1&y=2#top", "/history?x=1&y=2#top"),
        ("/hi story/é", "/hi%20story/%C3%A9"),
        ("/%2F/evil.example", "/%2F/evil.example"),  # a path on this site, encoded as it came
        ("/\t/history", "/"),  # a browser reads //history: another site, so home instead
        ("history", "/"),
        (None, "/"),
    ],
)
def test_what_next_becomes(target: str | None, expected: str) -> None:
    assert safe_next(target) == expected


@pytest.mark.parametrize(
    ("prefix", "expected"),
    [("/monitor", "/monitor"), ("/monitor/", "/monitor"), ("/", ""), ("", ""),
     ("//evil.example", ""), ("/\t/evil.example", ""), ("\\\\evil", ""), ("/a\r\nb", "/ab")],
)  # fmt: skip
def test_what_a_forwarded_prefix_becomes(prefix: str, expected: str) -> None:
    assert safe_root(prefix) == expected


@pytest.mark.parametrize("target", ESCAPES, ids=repr)
def test_a_login_with_any_next_lands_on_this_site(
    serve: Serve, users_file: str, target: str
) -> None:
    server = serve(users_file=users_file)
    page = request(server, "GET", "/login?next=" + quote(target, safe=""))
    hidden = re.search(rb'name="next" value="([^"]*)"', page.body)
    assert page.status == 200 and hidden is not None
    assert stays_here(html.unescape(hidden[1].decode())), hidden[1]
    response = login(server, "alice", PASSWORD, target=target)
    assert response.status == 302, response.body
    assert stays_here(response.getheader("Location")), response.getheader("Location")


@pytest.mark.parametrize(
    "prefix", ["//evil.example", "/\t/evil.example", "/", "\\\\evil.example", "/%2F%2Fevil"]
)
def test_a_forwarded_prefix_cannot_send_anyone_elsewhere(
    serve: Serve, users_file: str, prefix: str
) -> None:
    server = serve(users_file=users_file, trust_proxy=True)
    page = request(server, "GET", "/history", {"X-Forwarded-Prefix": prefix})
    assert page.status == 302 and stays_here(page.getheader("Location"))
    response = login(server, "alice", PASSWORD, {"X-Forwarded-Prefix": prefix})
    assert response.status == 302 and stays_here(response.getheader("Location"))
