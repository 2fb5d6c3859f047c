"""WSGI entry point for gunicorn: ``gunicorn -c gunicorn.conf.py wsgi:app``.

Building the app starts nothing: sampling starts in each worker (gunicorn.conf.py's
``post_worker_init``), never at import and never before a fork.
"""

import logging
import os

from app import create_app

if not logging.getLogger().handlers:
    logging.basicConfig(
        level=os.environ.get("MONITOR_LOG_LEVEL", "INFO").upper(),
        format="%(asctime)s %(levelname)s [%(process)d] %(name)s: %(message)s",
    )

dash_app = create_app()
app = dash_app.server
