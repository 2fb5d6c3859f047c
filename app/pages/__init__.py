"""The dashboard's pages. Each page module exposes ``PATH``, ``TITLE``, ``layout(config)`` and
``register_callbacks(dash_app, context)`` (a ``PageContext``: the config and the store); the
factory routes between them with ``dcc.Location``.

Pages are listed here explicitly (instead of ``dash.register_page`` discovery) so that every
callback is registered on its own app: tests build many apps in one process.
"""

from __future__ import annotations

from types import ModuleType

from app.pages import alerts, history, live
from app.pages import hosts as overview

PAGES: list[ModuleType] = [live, overview, history, alerts]
