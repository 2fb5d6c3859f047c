"""Response compression (flask-compress): brotli or gzip for every compressible response.

The dashboard's first load is dominated by JavaScript bundles (Plotly alone is megabytes), which
compress about fivefold. Those bundles never change while the process runs (Dash fingerprints
their URLs), so their compressed bytes are kept in memory: a new browser costs no compression
work. Streamed responses (CSV export) pass through untouched.

``/assets`` files (the pages' own scripts and styles) are sent by Flask as file streams, which
flask-compress leaves alone: they are read into memory first (they are a few KiB each), so they
are compressed and cached too. Dash links them with ``?m=<modification time>``, a fingerprint:
such a URL is cached by browsers for a year (``immutable``); without it, revalidated.
"""

from __future__ import annotations

import threading

from flask import Flask, Request, Response, has_request_context, request
from flask_compress import Compress

from app.config import Config
from app.runtime.monitor import Monitor

# URL prefixes whose bodies are fixed for the life of the process.
STATIC_PREFIXES = ("/_dash-component-suites/", "/assets/")
CACHE_MAX_BYTES = 32 * 2**20
ASSETS_PREFIX = "/assets/"
FINGERPRINTED_MAX_AGE_S = 365 * 86_400


def is_fixed_resource(request: Request) -> bool:
    """True for a GET of a resource whose body never changes while the process runs."""
    return request.method == "GET" and request.path.startswith(STATIC_PREFIXES)


def static_cache_key(request: Request) -> str:
    """The cache key flask-compress builds its own key from: the path and query."""
    return request.full_path


class StaticCache:
    """Compressed bodies of fixed resources, up to ``CACHE_MAX_BYTES`` in total.

    flask-compress asks the cache for every response it compresses, inside that request; the
    cache itself decides from the request whether the body may be kept (``is_fixed_resource``),
    so nothing depends on how flask-compress composes its keys. Outside a request nothing is
    kept or found.
    """

    def __init__(self) -> None:
        self._data: dict[str, bytes] = {}
        self._size = 0
        self._lock = threading.Lock()

    def get(self, key: str) -> bytes | None:
        if not _fixed_request():
            return None
        with self._lock:
            return self._data.get(key)

    def set(self, key: str, value: bytes) -> None:
        if not _fixed_request():
            return
        with self._lock:
            if key in self._data or self._size + len(value) > CACHE_MAX_BYTES:
                return
            self._data[key] = value
            self._size += len(value)


def _fixed_request() -> bool:
    return has_request_context() and is_fixed_resource(request)


def enable_compression(server: Flask, _monitor: Monitor, _config: Config) -> None:
    """Compresses responses of ``server`` with brotli (or gzip for older clients)."""
    server.config.setdefault("COMPRESS_ALGORITHM", ["br", "gzip"])
    server.config.setdefault("COMPRESS_BR_LEVEL", 6)  # Plotly: 1.27 MB in 0.2 s (level 4: 1.41)
    server.config.setdefault("COMPRESS_STREAMS", False)
    server.config.setdefault("COMPRESS_CACHE_KEY", static_cache_key)
    server.config.setdefault("COMPRESS_CACHE_BACKEND", StaticCache)
    Compress(server)
    server.after_request(compressible_assets)  # registered after: runs before flask-compress


def compressible_assets(response: Response) -> Response:
    """An ``/assets`` file read into memory (so flask-compress compresses it), cached for a
    year when its URL carries Dash's ``?m=`` fingerprint."""
    if not (request.method == "GET" and request.path.startswith(ASSETS_PREFIX)):
        return response
    if response.status_code == 200 and response.direct_passthrough:
        response.direct_passthrough = False
        stream = response.response
        response.set_data(response.get_data())
        if hasattr(stream, "close"):
            stream.close()  # the file it was read from
    if "m" in request.args and response.status_code in (200, 304):
        response.cache_control.public = True
        response.cache_control.max_age = FINGERPRINTED_MAX_AGE_S
        response.cache_control.immutable = True
        response.cache_control.no_cache = None
    return response
