"""Validating what a user asks of history: ranges, hosts, metrics, resolutions, formats.

Shared by the REST API (errors become HTTP 400 ``{"error", "parameter"}``) and the CLI (exit
code 2). Every check raises ``BadParameter`` naming the offending parameter; nothing a user
typed reaches SQL except as a bound parameter.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, fields

from storage.history import HistoryReader
from storage.store import MetricStore
from storage.timeparse import parse_duration, parse_instant

DAY = 86400.0
RESOLUTIONS = ("auto", "raw", "1m", "1h")
FORMATS = ("wide", "long")
TIME_FORMATS = ("iso", "epoch")
KINDS = ("samples", "processes")
# The longest range one request may cover, per resolution (auto is checked once resolved).
MAX_SPAN = {"raw": 31 * DAY, "1m": 400 * DAY, "1h": 10 * 366 * DAY, "processes": 31 * DAY}
MAX_VIEW_SPAN = 10 * 366 * DAY
MAX_METRICS = 500
DEFAULT_SPAN = 3600.0


class BadParameter(ValueError):
    """A request parameter that cannot be served; ``parameter`` names it."""

    def __init__(self, parameter: str, message: str) -> None:
        super().__init__(message)
        self.parameter = parameter
        self.message = message


@dataclass(frozen=True)
class ExportRequest:
    """A validated export: one host, a range in epoch seconds (inclusive), concrete choices."""

    host: str
    start: float
    end: float
    metrics: tuple[str, ...]
    resolution: str  # raw, 1m or 1h
    format: str = "wide"
    time: str = "iso"
    kind: str = "samples"


def parse_range(
    start_text: str | None,
    end_text: str | None,
    now: float,
    *,
    since_text: str | None = None,
    default_span: float = DEFAULT_SPAN,
) -> tuple[float, float]:
    """``(start, end)`` in epoch seconds from ``from``/``to`` (or ``since``, a duration back
    from ``to``). ``to`` defaults to now and ``from`` to ``default_span`` before ``to``."""
    end = _instant("to", end_text, now) if end_text else now
    if since_text and start_text:
        raise BadParameter("since", "give either since or from, not both")
    if since_text:
        try:
            start = end - parse_duration(since_text)
        except ValueError as exc:
            raise BadParameter("since", str(exc)) from None
    elif start_text:
        start = _instant("from", start_text, now)
    else:
        start = end - default_span
    if start >= end:
        raise BadParameter("to", "the range is empty or reversed: to must be after from")
    return start, end


def _instant(parameter: str, text: str, now: float) -> float:
    try:
        return parse_instant(text, now)
    except ValueError as exc:
        raise BadParameter(parameter, str(exc)) from None


def check_span(start: float, end: float, limit: float, what: str) -> None:
    """Rejects ranges longer than ``limit`` seconds."""
    if end - start > limit:
        raise BadParameter(
            "from",
            f"range of {(end - start) / DAY:.1f} days exceeds the {limit / DAY:.0f}-day limit "
            f"for {what}",
        )


def parse_choice(parameter: str, text: str | None, allowed: Sequence[str], default: str) -> str:
    """``text`` if it is one of ``allowed`` (``default`` when empty)."""
    if not text:
        return default
    value = text.strip().lower()
    if value not in allowed:
        raise BadParameter(parameter, f"{parameter} must be one of {', '.join(allowed)}")
    return value


def parse_host(text: str | None, known: Sequence[str], preferred: str | None = None) -> str:
    """The host asked for; when none is, ``preferred`` if stored, else the only stored host."""
    if text:
        if text not in known:
            raise BadParameter("host", f"unknown host {text!r}")
        return text
    if preferred is not None and preferred in known:
        return preferred
    if len(known) == 1:
        return known[0]
    if not known:
        raise BadParameter("host", "no host has stored history yet")
    raise BadParameter("host", f"several hosts are stored ({', '.join(known)}): pass host")


def parse_metrics(values: Iterable[str], available: Sequence[str]) -> tuple[str, ...]:
    """Metric names from one or more comma-separated lists (a value that is exactly a stored
    series name is taken whole, commas and all); none given means every stored series."""
    known = set(available)
    chosen: list[str] = []
    for value in values:
        if not value or not value.strip():
            continue
        parts = [value.strip()] if value.strip() in known else value.split(",")
        for part in (p.strip() for p in parts):
            if not part:
                continue
            if part not in known:
                raise BadParameter("metrics", f"unknown metric {part!r}")
            if part not in chosen:
                chosen.append(part)
    if not chosen:
        chosen = list(available)
    if len(chosen) > MAX_METRICS:
        raise BadParameter("metrics", f"at most {MAX_METRICS} metrics per request")
    return tuple(chosen)


def parse_int(parameter: str, text: str | None, default: int, low: int, high: int) -> int:
    """An integer within ``[low, high]``."""
    if not text:
        return default
    try:
        value = int(text)
    except ValueError:
        raise BadParameter(parameter, f"{parameter} must be an integer") from None
    if not low <= value <= high:
        raise BadParameter(parameter, f"{parameter} must be between {low} and {high}")
    return value


@dataclass(frozen=True)
class ExportArgs:
    """The raw text of an export request, as the URL or the command line gave it."""

    start: str | None = None
    end: str | None = None
    since: str | None = None
    metrics: tuple[str, ...] = ()
    resolution: str | None = None
    format: str | None = None
    time: str | None = None
    host: str | None = None
    kind: str | None = None


# The URL query parameter of each ExportArgs field, in the order a link lists them. The export
# route reads these names and the history page writes its download link with them.
EXPORT_QUERY = {
    "host": "host",
    "start": "from",
    "end": "to",
    "since": "since",
    "metrics": "metrics",
    "resolution": "resolution",
    "format": "format",
    "time": "time",
    "kind": "kind",
}


def export_query(args: ExportArgs) -> list[tuple[str, str]]:
    """The query pairs of ``args`` (a ``metrics`` pair per metric; unset fields left out)."""
    pairs: list[tuple[str, str]] = []
    for field, name in EXPORT_QUERY.items():
        value = getattr(args, field)
        values = value if isinstance(value, tuple) else (value,)
        pairs.extend((name, v) for v in values if v is not None)
    return pairs


def export_args_from_query(getlist: Callable[[str], Sequence[str]]) -> ExportArgs:
    """The ExportArgs of a query; ``getlist(name)`` gives every value of ``name`` (Werkzeug's
    ``request.args.getlist``, or ``parse_qs(...).get(name, [])``); single ones take the first."""
    values = {field: list(getlist(name)) for field, name in EXPORT_QUERY.items()}
    single = {f: (v[0] if v else None) for f, v in values.items() if f != "metrics"}
    return ExportArgs(metrics=tuple(values["metrics"]), **single)


def export_args_from_options(options: object) -> ExportArgs:
    """The ExportArgs of an object with an attribute per field (the CLI's parsed arguments)."""
    values = {f.name: getattr(options, f.name, None) for f in fields(ExportArgs)}
    values["metrics"] = tuple(values["metrics"] or ())
    return ExportArgs(**values)


def resolve_export(
    args: ExportArgs, store: MetricStore, now: float, preferred_host: str | None = None
) -> ExportRequest:
    """Validates ``args`` against what ``store`` holds; ``auto`` resolution becomes the tier a
    history view of the same range reads."""
    kind = parse_choice("kind", args.kind, KINDS, "samples")
    resolution = parse_choice("resolution", args.resolution, RESOLUTIONS, "auto")
    fmt = parse_choice("format", args.format, FORMATS, "wide")
    time_format = parse_choice("time", args.time, TIME_FORMATS, "iso")
    start, end = parse_range(args.start, args.end, now, since_text=args.since)
    host = parse_host(args.host, store.host_names(), preferred_host)
    reader = HistoryReader(store)
    if kind == "processes":
        check_span(start, end, MAX_SPAN["processes"], "process snapshots")
        return ExportRequest(host, start, end, (), "raw", "long", time_format, kind)
    metrics = parse_metrics(args.metrics, reader.series_names(host))
    if resolution == "auto":
        resolution = reader.auto_tier(host, start, end).name
    check_span(start, end, MAX_SPAN[resolution], f"resolution {resolution}")
    return ExportRequest(host, start, end, metrics, resolution, fmt, time_format, kind)
