"""The fleet overview's entries: each host's current key values and a short CPU history.

Read from the hub's board of summaries (``app.hub.summary``): every host's newest summary and
its recent CPU values, which reach every process (on PostgreSQL through the relay's summary
channel) whether or not anyone here watches the host's whole samples. Whether a host still
reports is not judged here: ``overview`` is given every host's report
(``app.hub.reporting.HostReports``, the one rule), and a host known from the database alone
gets an entry without values.

A fleet of a thousand hosts is not sent whole each interval: the overview answers one page
(``OverviewQuery``: a search of host names, name or worst-first order, a page of at most
``MAX_PER_PAGE``), with the counts of the whole fleet beside it.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any, NamedTuple

from app.hub import LiveHub
from app.hub.reporting import HostReport
from app.hub.summary import VALUES

PER_PAGE = 60
MAX_PER_PAGE = 500
MAX_SEARCH = 100
SORTS = ("name", "worst")


class OverviewQuery(NamedTuple):
    """Which page of the overview to answer: hosts whose name contains ``search`` (any case),
    in ``sort`` order (``worst``: not reporting first, then by the highest of CPU, memory and
    fullest disk), page ``page`` (from 1) of ``per_page``."""

    search: str = ""
    sort: str = "name"
    page: int = 1
    per_page: int = PER_PAGE

    @classmethod
    def parse(cls, args: Mapping[str, str]) -> OverviewQuery:
        """The query in ``args`` (a request's parameters); ValueError naming a bad one."""
        search = args.get("q", "").strip()
        if len(search) > MAX_SEARCH:
            raise ValueError(f"q: at most {MAX_SEARCH} characters")
        sort = args.get("sort", "name")
        if sort not in SORTS:
            raise ValueError(f"sort: one of {', '.join(SORTS)}, not {sort[:20]!r}")
        page = _whole(args, "page", 1, 1, 1_000_000)
        per_page = _whole(args, "per_page", PER_PAGE, 1, MAX_PER_PAGE)
        return cls(search, sort, page, per_page)


class HostSummaries:
    """The overview of the reported hosts, from ``hub.summaries``."""

    def __init__(self, hub: LiveHub) -> None:
        self._hub = hub

    def overview(
        self, reports: dict[str, HostReport], query: OverviewQuery | None = None
    ) -> dict[str, Any]:
        """The page of ``query``: one entry per host on it (its values, None for a host known
        from the database alone; its CPU sparkline; its age; whether it still reports), the
        page's place (``page``, ``pages``, ``per_page``, ``matched``) and the whole fleet's
        ``total`` and ``down`` (not reporting)."""
        query = query or OverviewQuery()
        board = self._hub.summaries
        needle = query.search.casefold()
        entries = [
            self._entry(host, report)
            for host, report in reports.items()
            if needle in host.casefold()
        ]
        entries.sort(key=_worst_first if query.sort == "worst" else _by_name)
        pages = max(1, math.ceil(len(entries) / query.per_page))
        page = min(query.page, pages)
        shown = entries[(page - 1) * query.per_page : page * query.per_page]
        for entry in shown:  # only the page's sparklines are sent
            entry["spark"] = [
                None if v is None else round(v, 1) for v in board.spark(entry["host"])
            ]
        return {
            "hosts": shown,
            "page": page,
            "pages": pages,
            "per_page": query.per_page,
            "matched": len(entries),
            "total": len(reports),
            "down": sum(1 for report in reports.values() if not report.reporting),
        }

    def _entry(self, host: str, report: HostReport) -> dict[str, Any]:
        summary = self._hub.summaries.latest(host)
        values = summary.values if summary is not None else dict.fromkeys(VALUES)
        return {
            "host": host,
            **values,
            "ts": report.last_ts,
            "interval_s": report.interval_s,
            "age_s": report.age_s,
            "reporting": report.reporting,
            "live": report.live,
        }


def _by_name(entry: dict[str, Any]) -> tuple:
    return (entry["host"].casefold(), entry["host"])


def _worst_first(entry: dict[str, Any]) -> tuple:
    """Not reporting first, then the highest of CPU, memory and fullest disk first."""
    levels = [entry.get(key) for key in ("cpu", "memory", "disk_full")]
    worst = max((v for v in levels if isinstance(v, int | float)), default=-1.0)
    return (entry["reporting"], -worst, *_by_name(entry))


def _whole(args: Mapping[str, str], name: str, default: int, low: int, high: int) -> int:
    text = args.get(name)
    if text is None or text == "":
        return default
    try:
        value = int(text)
    except ValueError:
        raise ValueError(f"{name}: a whole number, not {text[:20]!r}") from None
    if not low <= value <= high:
        raise ValueError(f"{name}: from {low} to {high}, not {value}")
    return value
