"""WSGI entry point for gunicorn: ``gunicorn -c gunicorn.conf.py wsgi:app``.

The sampler is not started here (import time): it starts in the worker on its first request.
"""

from app import create_app

dash_app = create_app()
app = dash_app.server
