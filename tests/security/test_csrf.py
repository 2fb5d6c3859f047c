"""Cross-site request forgery: /login and /logout need the form token and the site's own
Origin; any cross-site POST is refused, with or without authentication."""

from __future__ import annotations

from urllib.parse import urlencode

import pytest

from tests.security.conftest import (
    FORM,
    PASSWORD,
    Serve,
    login,
    login_form,
    request,
    session_cookie,
)

CROSS_SITE = [
    {"Origin": "https://evil.example"},
    {"Origin": "http://127.0.0.1:1"},  # another port is another origin
    {"Origin": "null", "Sec-Fetch-Site": "cross-site"},  # a page with no-referrer, a sandbox
    {"Sec-Fetch-Site": "cross-site"},
    {"Sec-Fetch-Site": "same-site"},  # another name under the same domain is another origin
]
IDS = ["evil origin", "other port", "null, cross-site", "cross-site", "same-site"]


def test_our_own_form_as_chromium_posts_it_is_accepted(serve: Serve, users_file: str) -> None:
    """Under ``Referrer-Policy: no-referrer`` Chromium sends ``Origin: null`` with a form it
    posts to its own origin; ``Sec-Fetch-Site`` says that it is the same origin."""
    server = serve(users_file=users_file)
    headers = {"Origin": "null", "Sec-Fetch-Site": "same-origin"}
    assert login(server, "alice", PASSWORD, headers).status == 302


@pytest.mark.parametrize("headers", CROSS_SITE, ids=IDS)
def test_a_cross_site_login_is_refused_even_with_the_right_password(
    serve: Serve, users_file: str, headers: dict[str, str]
) -> None:
    server = serve(users_file=users_file)
    response = login(server, "alice", PASSWORD, headers)
    assert response.status == 403
    opened = request(server, "GET", "/api/v1/hosts", {"Cookie": session_cookie(response)})
    assert opened.status == 401
    assert (
        login(server, "alice", PASSWORD, {"Origin": server.origin}).status == 302
    )  # not throttled


def test_a_login_without_the_forms_token_is_refused(serve: Serve, users_file: str) -> None:
    server = serve(users_file=users_file)
    cookie, token = login_form(server)
    fields = {"username": "alice", "password": PASSWORD}
    cases = [
        ({**FORM}, urlencode(fields)),  # no cookie, no token: a form posted from elsewhere
        ({**FORM, "Cookie": cookie}, urlencode(fields)),  # no token
        ({**FORM, "Cookie": cookie}, urlencode({**fields, "csrf": token + "x"})),  # wrong token
        ({**FORM}, urlencode({**fields, "csrf": token})),  # a token without its session
    ]
    other_cookie, _ = login_form(server)
    cases.append(({**FORM, "Cookie": other_cookie}, urlencode({**fields, "csrf": token})))
    for headers, body in cases:
        response = request(server, "POST", "/login", headers, body)
        assert response.status == 403 and b"sign in again" in response.body, (headers, body)


def signed_in(serve: Serve, users_file: str):
    server = serve(users_file=users_file)
    cookie = {"Cookie": session_cookie(login(server, "alice", PASSWORD))}
    page = request(server, "GET", "/logout", cookie)
    token = page.body.split(b'name="csrf" value="')[1].split(b'"')[0].decode()
    return server, cookie, token


@pytest.mark.parametrize("headers", CROSS_SITE, ids=IDS)
def test_a_cross_site_logout_is_refused(
    serve: Serve, users_file: str, headers: dict[str, str]
) -> None:
    server, cookie, token = signed_in(serve, users_file)
    response = request(server, "POST", "/logout", {**FORM, **cookie, **headers}, f"csrf={token}")
    assert response.status == 403
    assert request(server, "GET", "/api/v1/hosts", cookie).status == 200  # still signed in


def test_a_logout_without_the_token_is_refused(serve: Serve, users_file: str) -> None:
    server, cookie, token = signed_in(serve, users_file)
    for body in ("", "csrf=", f"csrf={token}x"):
        assert request(server, "POST", "/logout", {**FORM, **cookie}, body).status == 403
    assert request(server, "GET", "/api/v1/hosts", cookie).status == 200
    same_site = {**FORM, **cookie, "Origin": server.origin}
    assert request(server, "POST", "/logout", same_site, f"csrf={token}").status == 302
    assert request(server, "GET", "/api/v1/hosts", cookie).status == 401


@pytest.mark.parametrize("auth", [False, True], ids=["no auth", "token"])
def test_any_cross_site_post_is_refused(serve: Serve, auth: bool) -> None:
    server = serve(**({"auth_token": "t" * 32} if auth else {}))
    headers = {"Content-Type": "application/json", "Origin": "https://evil.example"}
    if auth:
        headers["Authorization"] = "Bearer " + "t" * 32
    response = request(server, "POST", "/_dash-update-component", headers, "{}")
    assert response.status == 403 and b"cross-site" in response.body
    headers["Origin"] = server.origin  # the dashboard's own pages still post
    assert request(server, "POST", "/_dash-update-component", headers, "{}").status == 400
