"""The web process: configuration, monitor wiring, routes and Dash pages."""

from app.factory import create_app

__all__ = ["create_app"]
