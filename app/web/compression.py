"""Response compression (flask-compress): brotli or gzip for every compressible response.

The dashboard's first load is dominated by JavaScript bundles (Plotly alone is megabytes), which
compress about fivefold. Those bundles never change while the process runs (Dash fingerprints
their URLs), so their compressed bytes are kept in memory: a new browser costs no compression
work. Streamed responses (CSV export) pass through untouched.
"""

from __future__ import annotations

import threading

from flask import Flask, Request, has_request_context, request
from flask_compress import Compress

from app.config import Config
from app.runtime.monitor import Monitor

# URL prefixes whose bodies are fixed for the life of the process.
STATIC_PREFIXES = ("/_dash-component-suites/", "/assets/")
CACHE_MAX_BYTES = 32 * 2**20


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
