"""Trying rules against the past: what ``alerts test`` and ``POST /api/v1/alerts/test`` answer.

For each host the stored history of the range is read, finest first: raw samples as far back as
they are kept, before them (where retention has removed them) the 1-minute rollups, and before
those the 1-hour ones; the whole is replayed, oldest first, through a fresh evaluator
(``backtest.replay``). A rollup bucket is one value at its start: its mean, or its maximum for a
``max`` rule and its minimum for a ``min`` rule, so periods there are known to the bucket.
"""

from __future__ import annotations

import time
import tomllib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from app.alerts.backtest import Firing, matching_series, replay
from app.alerts.matching import host_matches
from app.alerts.rules import Rule, RuleError, parse_rule_set
from storage.aggregates import Aggregates, concat
from storage.history import CHUNK_ROWS, HistoryReader, UnknownHost
from storage.store import MetricStore, to_ms
from storage.tiers import HOUR, MINUTE, RAW, Tier, floor_to, oldest, stream_stored

MAX_RULES = 20  # rules in one trial text
SOURCE_ORDER = (RAW.name, MINUTE.name, HOUR.name)  # finest first
__all__ = ["Period", "Trial", "UnknownHost", "replayable", "rules_from_toml", "run_trial"]


@dataclass(frozen=True)
class Period:
    """One period a rule would have fired on one series of one host; ``peak`` is the most
    extreme stored value while it fired (per core for per-core rules), None when unknown."""

    rule: str
    host: str
    series: str
    start: float
    end: float | None  # None: still firing at the end of the range
    severity: str | None
    peak: float | None

    def seconds(self, until: float) -> float:
        """How long it fired (up to ``until`` when it still fires)."""
        return (self.end if self.end is not None else until) - self.start

    def public(self, until: float) -> dict[str, Any]:
        """The period as JSON for the API."""
        return {
            "rule": self.rule, "host": self.host, "series": self.series, "start": self.start,
            "end": self.end, "seconds": self.seconds(until), "severity": self.severity,
            "peak": self.peak, "still_firing": self.end is None,
        }  # fmt: skip


@dataclass
class Trial:
    """What a trial found over ``[start, end]``: periods sorted by start, the stored rows (or
    buckets) replayed per host and tier, and the seconds the trial took."""

    start: float
    end: float
    periods: list[Period] = field(default_factory=list)
    rows: dict[str, dict[str, int]] = field(default_factory=dict)  # host -> tier -> rows
    seconds_replayed: float = 0.0

    @property
    def samples(self) -> int:
        """Stored rows replayed: samples and rollup buckets."""
        return sum(self.rows_by_tier.values())

    @property
    def rows_by_tier(self) -> dict[str, int]:
        """Rows replayed per tier, finest first ({"raw": 604800}, {"1m": 1440, "raw": ...})."""
        totals = {name: 0 for name in SOURCE_ORDER}
        for by_tier in self.rows.values():
            for name, count in by_tier.items():
                totals[name] += count
        return {name: count for name, count in totals.items() if count}

    @property
    def sources(self) -> dict[str, str]:
        """Per host the coarsest tier read."""
        return {host: _coarsest(by_tier) for host, by_tier in self.rows.items()}

    @property
    def source(self) -> str:
        """The coarsest tier any host was read from ("raw", "1m", "1h"; "none": no data)."""
        return _coarsest(self.rows_by_tier) if self.rows else "none"

    def total_seconds(self) -> float:
        return sum(p.seconds(self.end) for p in self.periods)


def _coarsest(tiers: dict[str, int]) -> str:
    return max(tiers, key=SOURCE_ORDER.index)


def rules_from_toml(text: str, where: str) -> list[Rule]:
    """The enabled ``[[rule]]`` tables of a rule text (the defaults left out), checked as the
    rule file is; a problem raises RuleError starting with ``where``."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise RuleError(f"{where}: not valid TOML: {exc}") from None
    data["defaults"] = False
    rules = list(parse_rule_set(data, (), where=where).rules)
    if not rules:
        raise RuleError(f"{where}: no enabled [[rule]] table in it")
    if len(rules) > MAX_RULES:
        raise RuleError(f"{where}: {len(rules)} rules; at most {MAX_RULES} at a time")
    return rules


def replayable(rules: Sequence[Rule], where: str) -> list[Rule]:
    """``rules`` when each one compares a series with thresholds; silent-host rules cannot be
    replayed from stored values (RuleError naming the first)."""
    absent = [r.name for r in rules if r.absent]
    if absent:
        raise RuleError(f"{where}: {absent[0]!r} is a silent-host rule; only thresholds replay")
    return list(rules)


def run_trial(
    store: MetricStore, rules: Sequence[Rule], since: float, *, host: str | None = None,
    end: float | None = None, clock: Callable[[], float] = time.perf_counter,
) -> Trial:  # fmt: skip
    """Replays ``rules`` over the last ``since`` seconds before ``end`` (default now) on
    ``host`` (default every stored host a rule's ``hosts`` glob matches).

    Raises ``UnknownHost`` when ``host`` has no stored history."""
    end = time.time() if end is None else end
    started = clock()
    trial = Trial(end - since, end)
    names = store.host_names()
    if host is not None and host not in names:
        raise UnknownHost(host)
    reader = HistoryReader(store)
    info = store.host_info()
    for name in [host] if host is not None else names:
        watching = [r for r in rules if host_matches(r.hosts, name)]
        if watching:
            cores = ((info.get(name) or {}).get("system") or {}).get("cores_logical") or 1
            _replay_host(reader, trial, name, watching, int(cores))
    trial.periods.sort(key=lambda p: (p.start, p.host, p.series, p.rule))
    trial.seconds_replayed = clock() - started
    return trial


def _replay_host(
    reader: HistoryReader, trial: Trial, host: str, rules: list[Rule], cores: int
) -> None:
    """Reads what ``rules`` watch on ``host`` once and adds each rule's periods to ``trial``."""
    stored = reader.series_names(host)
    wanted = {rule.name: matching_series(rule, stored) for rule in rules}
    names = sorted({n for found in wanted.values() for n in found})
    segments = _read(reader, host, names, trial.start, trial.end) if names else []
    if not segments:
        return
    trial.rows[host] = {tier.name: len(data) for tier, data in segments}
    ts_ms = np.concatenate([data.ts for _tier, data in segments])
    times = (ts_ms / 1000.0).tolist()
    for rule in rules:
        columns, extremes = {}, {}
        for name in wanted[rule.name]:
            index = names.index(name)
            columns[name] = np.concatenate(
                [_values_for(rule, data)[:, index] for _tier, data in segments]
            ).tolist()
            extremes[name] = np.concatenate(
                [(data.max if rule.op == ">" else data.min)[:, index] for _tier, data in segments]
            )
        for firing in replay(rule, host, times, columns, cores):
            peak = _peak(firing, ts_ms, extremes[firing.series], rule.op)
            if peak is not None and rule.per_core:
                peak /= cores
            period = Period(rule.name, host, firing.series, firing.start, firing.end,
                            firing.severity, peak)  # fmt: skip
            trial.periods.append(period)


def _read(
    reader: HistoryReader, host: str, names: list[str], start: float, end: float
) -> list[tuple[Tier, Aggregates]]:
    """(tier, data) segments of ``names`` over ``[start, end]``, oldest first and not
    overlapping: raw samples from the oldest one kept, before them the 1-minute buckets (whole
    ones), and before those the 1-hour buckets. Retention deletes a tier only once it is rolled
    up into the next, so each older stretch is stored in the coarser tier."""
    start_ms, end_ms = to_ms(start), to_ms(end) + 1
    store = reader.store
    store.ensure_schema()
    segments: list[tuple[Tier, Aggregates]] = []
    with store.engine.connect() as conn:
        hid = reader.host_id(conn, host)
        hi = end_ms
        for tier in (RAW, MINUTE, HOUR):
            first = oldest(conn, hid, tier)
            hi = floor_to(hi, tier.width_ms)
            lo = start_ms if first is None else max(start_ms, first)
            if first is None or lo >= hi:
                continue
            chunks = stream_stored(conn, store, hid, tier, lo, hi, names, CHUNK_ROWS)
            data = concat(list(chunks), names, tier.width_ms)
            if len(data):
                segments.insert(0, (tier, data))
            hi = lo
            if hi <= start_ms:
                break
    return segments


def _values_for(rule: Rule, data: Aggregates) -> np.ndarray:
    """The value a rule sees per row: the sample, or the bucket statistic closest to its own."""
    if data.width_ms and rule.stat == "max":
        return data.max
    if data.width_ms and rule.stat == "min":
        return data.min
    return data.mean


def _peak(firing: Firing, ts_ms: np.ndarray, extremes: np.ndarray, op: str) -> float | None:
    """The most extreme stored value of the firing's series from its start to its end."""
    first = int(np.searchsorted(ts_ms, to_ms(firing.start), side="left"))
    last = len(ts_ms) if firing.end is None else int(
        np.searchsorted(ts_ms, to_ms(firing.end), side="right")
    )  # fmt: skip
    column = extremes[first:last]
    column = column[~np.isnan(column)]
    if not column.size:
        return None
    return float(column.max() if op == ">" else column.min())
