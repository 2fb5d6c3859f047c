"""Response compression: pages, bundles and JSON compressed; streams and WebSockets untouched."""

from __future__ import annotations

import gzip
import json
import re

import brotli
from flask import Flask, Response, request

from app.web.compression import StaticCache, enable_compression, static_cache_key
from tests.live.server import LiveServer


def bundle_paths(html: str) -> list[str]:
    return re.findall(r'src="(/_dash-component-suites/[^"]+\.js[^"]*)"', html)


def test_page_and_bundles_are_brotli_or_gzip_compressed(server: LiveServer) -> None:
    """A Dash page (the history; the live page has no Dash bundles) and its bundles."""
    client = server.dash_app.server.test_client()
    page = client.get("/history", headers={"Accept-Encoding": "gzip, deflate, br, zstd"})
    assert page.headers["Content-Encoding"] == "br"
    html = brotli.decompress(page.data).decode()
    assert "<title>System monitor</title>" in html
    path = next(p for p in bundle_paths(html) if "dash_core_components" in p)
    plain = client.get(path)
    assert "Content-Encoding" not in plain.headers
    zipped = client.get(path, headers={"Accept-Encoding": "gzip"})
    assert zipped.headers["Content-Encoding"] == "gzip"
    assert gzip.decompress(zipped.data) == plain.data
    assert len(zipped.data) < len(plain.data) / 3
    again = client.get(path, headers={"Accept-Encoding": "gzip"})
    assert again.data == zipped.data  # served from the cache of fixed resources


def test_latest_sample_is_compressed_and_never_cached(server: LiveServer) -> None:
    client = server.dash_app.server.test_client()
    first = client.get("/api/v1/latest", headers={"Accept-Encoding": "br"})
    assert first.headers["Content-Encoding"] == "br"
    sample = json.loads(brotli.decompress(first.data))
    server.monitor.hub.publish({**sample, "seq": 10_000, "ts": sample["ts"] + 3600})
    second = client.get("/api/v1/latest", headers={"Accept-Encoding": "br"})
    assert json.loads(brotli.decompress(second.data))["seq"] == 10_000


def test_streamed_responses_pass_through_uncompressed() -> None:
    app = Flask(__name__)
    enable_compression(app, None, None)  # type: ignore[arg-type]

    @app.get("/stream")
    def streamed() -> Response:
        return Response((f"<p>{i}</p>" * 100 for i in range(10)), mimetype="text/html")

    response = app.test_client().get("/stream", headers={"Accept-Encoding": "br, gzip"})
    assert "Content-Encoding" not in response.headers
    assert response.data.startswith(b"<p>0</p>")


def test_static_cache_keeps_only_fixed_resources() -> None:
    cache = StaticCache()
    app = Flask(__name__)
    with app.test_request_context("/api/v1/latest"):
        key = "br;" + static_cache_key(request)
        cache.set(key, b"dynamic")
        assert cache.get(key) is None
    with app.test_request_context("/assets/live.js?m=1"):
        key = "br;" + static_cache_key(request)
        cache.set(key, b"fixed")
        assert cache.get(key) == b"fixed"
    with app.test_request_context("/assets/live.js?m=1", method="POST"):
        assert cache.get(key) is None
    assert cache.get(key) is None  # outside a request nothing is found
