"""URL paths that the server's routes and the pages both need, in one place.

Pages import these instead of the modules that serve them, so a page never pulls in flask-sock,
the monitor or the cluster code for a constant.
"""

from __future__ import annotations

WS_PATH = "/ws/metrics"  # the live WebSocket (app/live/route.py)
EXPORT_PATH = "/api/v1/export.csv"  # CSV export of stored history (app/web/history_api.py)
# who used the machine over a range, as JSON or CSV (app/web/analysis_api.py)
TOP_PROCESSES_PATH = "/api/v1/history/top-processes"
