"""The history page: any stored series over a chosen range, zoomable down to raw samples.

The server queries and resamples (storage/history.py) and builds the figure; the browser only
reports its time zone (assets/history.js), in which every time on the page is shown. Clicking a
point shows the stored top-process snapshot nearest that moment; the download link exports
exactly the current view as CSV.

Its rooms, each with one job:

- ``controls``: the layout (host, range and metric controls, chart, snapshot panel);
- ``ranges``: the range state machine (presets, custom range, zoom and its reset);
- ``timezones``: conversion between epoch seconds and the browser's wall-clock times;
- ``figures``: pure figure builders and the line labelling a view;
- ``snapshots``: the process-snapshot panel's HTML;
- ``export_link``: the download link, written from storage.params' export parameters;
- ``reads``: what the callbacks read from the store they are handed;
- ``callbacks``: the Dash wiring, over the store of the page's PageContext.

It may import storage, app.config, app.paths and app.pages (its ids and PageContext), never
the server's internals (app.web, app.live, app.guard, app.runtime, app.cluster) nor Flask.
"""

from __future__ import annotations

from app.pages.history.callbacks import register_callbacks
from app.pages.history.controls import layout

PATH = "/history"
TITLE = "History"

__all__ = ["PATH", "TITLE", "layout", "register_callbacks"]
