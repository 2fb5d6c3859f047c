"""The frame every page shares: navigation to each page, sign-out only when signing in, and the
live socket named in the head."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from app import create_app
from app.config import Config
from app.pages.chrome import shell
from app.runtime.monitor import Monitor


def links(layout: Any) -> list[tuple[str, str]]:
    """(text, href) of every link under ``layout``."""
    found = []
    stack = [layout]
    while stack:
        node = stack.pop()
        if hasattr(node, "href"):
            found.append((node.children, node.href))
        children = getattr(node, "children", None)
        stack.extend(children if isinstance(children, list) else [children] if children else [])
    return sorted(found)


def test_navigation_names_every_page_and_signs_out_only_with_authentication() -> None:
    plain = links(shell())
    assert ("History", "/history") in plain and ("Alerts", "/alerts") in plain
    assert not any(text == "Sign out" for text, _ in plain)
    assert ("Sign out", "logout") in links(shell(signed_in=True))


def test_the_page_head_names_the_live_socket_and_the_servers_host(tmp_path: Path) -> None:
    """assets/live-socket.js opens the socket from this before Dash renders the page."""
    config = Config(database_url=f"sqlite:///{tmp_path / 'm.db'}", hostname='web "1" <a>')
    page = create_app(monitor=Monitor(config)).server.test_client().get("/").get_data(True)
    host = 'data-host="web &quot;1&quot; &lt;a&gt;"'
    meta = f'<meta name="monitor-live-socket" content="ws/metrics" {host}>'
    assert meta in page
