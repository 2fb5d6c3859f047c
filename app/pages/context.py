"""What the factory hands each page when it registers the page's callbacks.

Pages never reach into the running server (``current_app``, the monitor): what a callback reads
comes through this context, so a page can be built and its callbacks called with any store.
"""

from __future__ import annotations

from dataclasses import dataclass

from app.config import Config
from storage.store import MetricStore


@dataclass(frozen=True)
class PageContext:
    """The settings the pages show and the store the history page reads."""

    config: Config
    store: MetricStore
