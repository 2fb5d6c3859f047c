"""The history page: any stored series over a chosen range, zoomable down to raw samples.

The server queries and resamples (storage/history.py) and builds the figure, each series by its
label from the metric catalogue (collectors/catalog.py) on the y-axis of its unit; the browser
(assets/history.js) reports its time zone, in which every time on the page is shown, gives the
figure the page theme's colours and writes the view (host, range, series) into the page's URL,
from which the page opens again. Clicking a point shows the stored top-process snapshot
nearest that moment; the download link exports exactly the current view as CSV.

Its rooms, each with one job:

- ``controls``: the layout (host, range and metric controls, chart, snapshot panel);
- ``ranges``: the range state machine (presets, custom range and why it cannot be shown, zoom
  shown in the range controls, and its reset);
- ``timezones``: conversion between epoch seconds and the browser's wall-clock times;
- ``figures``: pure figure builders and the line labelling a view;
- ``axes``: one y-axis per unit (a small chart each past two units), bytes in binary multiples;
- ``snapshots``: the process-snapshot panel's HTML;
- ``export_link``: the download link, written from storage.params' export parameters;
- ``links``: the view the page's URL names (alert links, shared and reloaded views);
- ``reads``: what the callbacks read from the store they are handed;
- ``callbacks``: the Dash wiring, over the store of the page's PageContext;
- the analysis under the chart (``analysis.reports``, as the analysis API answers it):
  ``analysis_layout`` (the "Compare with" control and the panels), ``analysis_reads`` (what
  they read), ``analysis_callbacks`` (their wiring), ``summary_table`` (the summary of each
  series, Δ columns when comparing), ``changes_list`` ("What changed", with "Add to chart"),
  ``process_table`` ("Who used the machine", sortable, with its CSV link) and ``svg`` (their
  sparklines and histograms).

It may import storage, analysis, collectors (the catalogue and units), app.config, app.paths and
app.pages (its ids and PageContext), never the server's internals (app.web, app.live,
app.guard, app.runtime, app.cluster) nor Flask.
"""

from __future__ import annotations

from app.pages.history.callbacks import register_callbacks
from app.pages.history.controls import layout

PATH = "/history"
TITLE = "History"

__all__ = ["PATH", "TITLE", "layout", "register_callbacks"]
