"""Signing in and out in headless Chromium, and a login form posted from another site.

The real browser sends the Origin header and the form token the checks rely on: a sign-in
through the dashboard's own form works under the strict CSP, the sign-out page ends the
session, and a page on another origin that posts the right password to ``/login`` is refused.
"""

from __future__ import annotations

import http.server
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page

from tests.browser.conftest import open_page
from tests.live.server import LiveServer, live_config
from tests.security.conftest import PASSWORD, users_file  # noqa: F401 (the users_file fixture)

pytestmark = pytest.mark.browser


@pytest.fixture
def server(tmp_path: Path, users_file: str) -> Iterator[LiveServer]:  # noqa: F811
    live = LiveServer(live_config(tmp_path, users_file=users_file)).start()
    yield live
    live.close()


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    context, page, errors = open_page(browser)
    yield page
    context.close()
    assert errors == [], errors


def test_sign_in_and_out_in_a_browser(server: LiveServer, page: Page) -> None:
    page.goto(server.base_url + "/history")
    assert page.url.startswith(server.base_url + "/login?next=")
    page.fill("input[name=username]", "alice")
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(server.base_url + "/history")
    assert page.context.request.get(server.base_url + "/api/v1/hosts").status == 200
    page.goto(server.base_url + "/logout")
    page.click("button[type=submit]")
    page.wait_for_url(server.base_url + "/login")
    assert page.context.request.get(server.base_url + "/api/v1/hosts").status == 401
    page.goto(server.base_url + "/history")
    assert page.url.startswith(server.base_url + "/login?next=")


@pytest.fixture
def other_site(server: LiveServer) -> Iterator[str]:
    """A page on another origin whose form posts the right password to the dashboard."""
    form = f"""<!doctype html><form method="post" action="{server.base_url}/login">
<input name="username" value="alice"><input name="password" value="{PASSWORD}">
<input name="csrf" value="guessed"><button type="submit">go</button></form>"""

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            body = form.encode()
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://localhost:{httpd.server_address[1]}/"
    httpd.shutdown()
    httpd.server_close()


def test_a_login_form_on_another_site_is_refused(
    server: LiveServer, page: Page, other_site: str
) -> None:
    page.goto(other_site)
    with page.expect_response(server.base_url + "/login") as answer:
        page.click("button[type=submit]")
    assert answer.value.status == 403
    assert page.context.request.get(server.base_url + "/api/v1/hosts").status == 401
