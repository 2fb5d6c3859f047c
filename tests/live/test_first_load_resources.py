"""What a first load fetches: the partial plotly.js in place of the full one, and the pages'
own scripts and styles compressed and, when fingerprinted, cached for good."""

from __future__ import annotations

import re
from pathlib import Path

import brotli
from plotly.offline import get_plotlyjs_version
from pytest import MonkeyPatch

from app.web import plotly_bundle
from app.web.plotly_bundle import DASH_PLOTLY_PATH, bundle_version
from tests.live.server import LiveServer

BR = {"Accept-Encoding": "gzip, deflate, br"}


def asset_paths(html: str) -> list[str]:
    return re.findall(r'(?:src|href)="(/assets/[^"]+\?m=[^"]+)"', html)


def test_the_vendored_bundle_is_the_plotly_js_that_dash_ships() -> None:
    # after a Dash upgrade, tools/update-plotly-bundle brings the bundle to the same version
    assert bundle_version() == get_plotlyjs_version()


def test_dash_plotly_url_answers_with_the_partial_bundle(server: LiveServer) -> None:
    client = server.dash_app.server.test_client()
    answer = client.get("/" + DASH_PLOTLY_PATH, headers=BR)
    assert answer.status_code == 200
    assert answer.headers["Content-Encoding"] == "br"
    body = brotli.decompress(answer.data)
    assert b"plotly.js (cartesian - minified)" in body[:400]
    assert len(answer.data) < 480 * 1024  # the full bundle is about 1.2 MiB after brotli
    again = client.get("/" + DASH_PLOTLY_PATH, headers={"If-None-Match": answer.headers["ETag"]})
    assert again.status_code == 304 and again.data == b""


def test_assets_are_compressed_and_fingerprinted_ones_cached_for_a_year(
    server: LiveServer,
) -> None:
    client = server.dash_app.server.test_client()
    html = brotli.decompress(client.get("/", headers=BR).data).decode()
    paths = asset_paths(html)
    assert any(p.startswith("/assets/page-bundle/live.js?") for p in paths)  # the live page's
    assert any(".css?" in p for p in paths)
    for path in paths:
        answer = client.get(path, headers=BR)
        assert answer.status_code == 200, path
        assert answer.headers.get("Content-Encoding") == "br", path
        assert "immutable" in answer.headers["Cache-Control"], path
        assert "max-age=31536000" in answer.headers["Cache-Control"], path
        plain = client.get(path)
        assert brotli.decompress(answer.data) == plain.data, path
    unversioned = client.get("/assets/live.js", headers=BR)
    assert "immutable" not in unversioned.headers.get("Cache-Control", "")


def test_plotly_js_goes_out_as_compressed_once_at_brotlis_highest_quality(
    server: LiveServer,
) -> None:
    client = server.dash_app.server.test_client()
    answer = client.get("/" + DASH_PLOTLY_PATH, headers=BR)
    assert answer.data == plotly_bundle.BUNDLE_BR.read_bytes()
    assert len(answer.data) < 405 * 1024 and "Accept-Encoding" in answer.headers["Vary"]
    gzip = client.get("/" + DASH_PLOTLY_PATH, headers={"Accept-Encoding": "gzip"})
    assert gzip.headers["Content-Encoding"] == "gzip"  # compressed per answer, as before
    assert gzip.headers["ETag"] != answer.headers["ETag"]


def test_a_stale_brotli_file_is_not_served(tmp_path: Path, monkeypatch: MonkeyPatch) -> None:
    stale = tmp_path / "plotly.min.js.br"
    stale.write_bytes(brotli.compress(b"an older bundle"))
    monkeypatch.setattr(plotly_bundle, "BUNDLE_BR", stale)
    plotly_bundle.bundle_br.cache_clear()
    try:
        assert plotly_bundle.bundle_br() is None
    finally:
        plotly_bundle.bundle_br.cache_clear()
