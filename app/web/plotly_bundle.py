"""The pages' plotly.js: a partial bundle served in place of the full one Dash ships.

Dash serves plotly.js from ``_dash-component-suites/plotly/package_data/plotly.min.js`` (the
renderer builds that URL itself, and dcc's Graph loads it when ``window.Plotly`` is missing).
That file is the full bundle (4.6 MiB, 1.2 MiB after brotli): every trace type plotly knows.
The pages draw scatter traces and one heatmap, so the same URL answers with plotly.js's
cartesian partial bundle (``app/web/plotlyjs``, 1.4 MiB, about 440 KiB after brotli) instead.
The body is read once. A browser that takes brotli gets the bundle's bytes as compressed once
at brotli's highest quality (``plotly-cartesian.min.js.br``, made by tools/update-plotly-bundle:
about 400 KiB, where compressing each answer at the level of every other response gives 440),
provided they decompress to the bundle (else that file is ignored); other browsers get it
compressed (and its compressed bytes kept) by ``app.web.compression`` like Dash's own bundles.
The answer carries an ETag, so a browser revalidates it with a 304 (also for the ETag of a
compressed body, "tag:br" or "tag:gzip").
"""

from __future__ import annotations

import functools
import hashlib
import logging
import re
from pathlib import Path

import brotli
from dash import Dash
from flask import Response, request

BUNDLE = Path(__file__).with_name("plotlyjs") / "plotly-cartesian.min.js"
BUNDLE_BR = BUNDLE.with_name(BUNDLE.name + ".br")
log = logging.getLogger(__name__)
DASH_PLOTLY_PATH = "_dash-component-suites/plotly/package_data/plotly.min.js"
ETAG_SUFFIXES = ("", ":br", ":gzip", ":deflate", ":zstd")
_VERSION = re.compile(rb"plotly\.js \(cartesian - minified\) v(\d+\.\d+\.\d+)")


@functools.cache
def bundle() -> tuple[bytes, str]:
    """The partial bundle's bytes and their ETag (a hash of the bytes)."""
    body = BUNDLE.read_bytes()
    return body, hashlib.sha256(body).hexdigest()[:32]


@functools.cache
def bundle_br() -> bytes | None:
    """The bundle compressed at brotli's highest quality, if that file holds exactly it."""
    try:
        compressed = BUNDLE_BR.read_bytes()
        if brotli.decompress(compressed) == bundle()[0]:
            return compressed
    except (OSError, brotli.error):
        pass
    log.warning("%s is missing or stale (tools/update-plotly-bundle); compressing per answer",
                BUNDLE_BR.name)  # fmt: skip
    return None


def bundle_version() -> str:
    """The plotly.js version written in the bundle's header comment ("" if none)."""
    match = _VERSION.search(bundle()[0][:400])
    return match.group(1).decode() if match else ""


def serve_partial_plotly(dash_app: Dash) -> None:
    """Answers Dash's plotly.js URL with the partial bundle (after the host and login checks,
    which run first as before-request hooks registered earlier)."""
    path = dash_app.config.routes_pathname_prefix + DASH_PLOTLY_PATH

    @dash_app.server.before_request
    def _partial_plotly() -> Response | None:
        if request.path != path or request.method not in ("GET", "HEAD"):
            return None
        body, etag = bundle()
        # flask-compress sends the ETag of a compressed body as "tag:br" (or :gzip)
        if any(request.if_none_match.contains(etag + suffix) for suffix in ETAG_SUFFIXES):
            response = Response(status=304)
        elif "br" in request.accept_encodings and bundle_br() is not None:
            response = Response(bundle_br(), mimetype="application/javascript")
            response.headers["Content-Encoding"] = "br"  # flask-compress leaves it as it is
            response.vary.add("Accept-Encoding")
            etag += ":br"
        else:
            response = Response(body, mimetype="application/javascript")
        response.set_etag(etag)
        response.cache_control.no_cache = True  # revalidate: the URL has no fingerprint
        return response
