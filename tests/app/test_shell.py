"""The frame every page shares: navigation to each page, and sign-out only when signing in."""

from __future__ import annotations

from typing import Any

from app.pages.chrome import shell


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
