"""The fleet overview's entries: each host's current key values and a short CPU history.

Read from the hub's board of summaries (``app.hub.summary``): every host's newest summary and
its recent CPU values, which reach every process (on PostgreSQL through the relay's summary
channel) whether or not anyone here watches the host's whole samples. Whether a host still
reports is not judged here: ``overview`` is given every host's report
(``app.hub.reporting.HostReports``, the one rule), and a host known from the database alone
gets an entry without values.
"""

from __future__ import annotations

from typing import Any

from app.hub import LiveHub
from app.hub.reporting import HostReport
from app.hub.summary import VALUES


class HostSummaries:
    """The overview of every reported host, from ``hub.summaries``."""

    def __init__(self, hub: LiveHub) -> None:
        self._hub = hub

    def overview(self, reports: dict[str, HostReport]) -> list[dict[str, Any]]:
        """One entry per reported host, in name order: its values (None for a host known from
        the database alone), its CPU sparkline, its age and whether it still reports."""
        board = self._hub.summaries
        hosts = []
        for host, report in reports.items():
            summary = board.latest(host)
            values = summary.values if summary is not None else dict.fromkeys(VALUES)
            hosts.append(
                {
                    "host": host,
                    **values,
                    "ts": report.last_ts,
                    "interval_s": report.interval_s,
                    "age_s": report.age_s,
                    "reporting": report.reporting,
                    "live": report.live,
                    "spark": board.spark(host),
                }
            )
        return hosts
