"""WSGI entry point for gunicorn: ``gunicorn -c gunicorn.conf.py wsgi:app``.

Building the app starts nothing: sampling starts in each worker (gunicorn.conf.py's
``post_fork``, before this is imported, or ``post_worker_init`` with ``--preload``), never at
import and never before a fork.
"""

from app import create_app
from app.runtime.early import configure_logging

configure_logging()
dash_app = create_app()
app = dash_app.server
