"""The download link of a view: the export URL of exactly what the chart shows.

The query is written from storage.params (``ExportArgs``, ``export_query``), the same
definition of the export parameters that the API and the CLI read, so the link cannot drift
from what the export route parses.
"""

from __future__ import annotations

from collections.abc import Sequence
from urllib.parse import urlencode

from app.paths import EXPORT_PATH
from storage.history import HistoryView
from storage.params import ExportArgs, export_query
from storage.timeparse import iso_utc

# The export route (app/web/history_api.py), relative so that it works under a path prefix.
EXPORT_URL = EXPORT_PATH.lstrip("/")  # relative: works under a proxy's path prefix


def export_args(view: HistoryView, metrics: Sequence[str]) -> ExportArgs:
    """The export of ``view``: its host, range, these metrics and its source resolution."""
    return ExportArgs(
        host=view.host,
        start=iso_utc(view.start),
        end=iso_utc(view.end),
        metrics=tuple(metrics),
        resolution=view.source.name,
        format="wide",
    )


def download_href(view: HistoryView, metrics: Sequence[str]) -> str:
    """The export URL of exactly this view."""
    return f"{EXPORT_URL}?{urlencode(export_query(export_args(view, metrics)))}"
