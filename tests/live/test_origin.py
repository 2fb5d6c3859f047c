"""The origin rule and the query parameters of /ws/metrics, as pure functions."""

from __future__ import annotations

import pytest

from app.guard.origin import normalize_origin, origin_allowed
from app.live.stream import StreamQuery, parse_query

OWN = "http://monitor.example:8050"


@pytest.mark.parametrize(
    ("origin", "expected"),
    [
        ("http://Monitor.Example:8050", "http://monitor.example:8050"),
        ("https://monitor.example:443", "https://monitor.example"),
        ("http://monitor.example:80/", "http://monitor.example"),
        ("http://[::1]:8050", "http://[::1]:8050"),
        ("null", None),
        ("monitor.example", None),
        ("http://monitor.example/path", None),
        ("http://monitor.example:99999", None),
    ],
)
def test_normalize_origin(origin: str, expected: str | None) -> None:
    assert normalize_origin(origin) == expected


@pytest.mark.parametrize(
    ("origin", "allowed", "allow_none", "expected"),
    [
        ("http://monitor.example:8050", (), False, True),
        ("HTTP://MONITOR.EXAMPLE:8050", (), False, True),
        ("https://monitor.example:8050", (), False, False),  # another scheme is another origin
        ("http://monitor.example:8051", (), False, False),
        ("http://evil.example", (), False, False),
        ("http://evil.example", ("http://evil.example:80",), False, True),
        ("https://grafana.example", ("https://grafana.example", "http://x"), False, True),
        ("null", ("null",), False, False),
        (None, (), False, False),
        (None, (), True, True),
    ],
)
def test_origin_allowed(
    origin: str | None, allowed: tuple[str, ...], allow_none: bool, expected: bool
) -> None:
    assert origin_allowed(origin, OWN, allowed, allow_none) is expected


def test_parse_query() -> None:
    assert parse_query({}) == StreamQuery(None, None)
    assert parse_query({"since": "1764118800.5", "host": "web-1"}) == StreamQuery(
        1764118800.5, "web-1"
    )
    assert parse_query({"since": "", "host": ""}) == StreamQuery(None, None)
    for bad in ("yesterday", "nan", "inf"):
        with pytest.raises(ValueError):
            parse_query({"since": bad})
