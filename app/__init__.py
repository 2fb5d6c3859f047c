"""The web process: configuration, monitor wiring, routes and Dash pages.

``create_app`` is imported on first use, so that importing ``app.config`` (as gunicorn's master
does to check its settings) does not load Dash, pandas and the rest into the master.
"""

from typing import Any

__all__ = ["create_app"]


def __getattr__(name: str) -> Any:
    if name == "create_app":
        from app.web.factory import create_app

        return create_app
    raise AttributeError(name)
