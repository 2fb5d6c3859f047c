"""``python -m app alerts test --rule FILE_OR_NAME --since 7d [--host H]``: a rule on the past."""

from __future__ import annotations

import argparse
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

from app.alerts.backtest import matching_series, replay
from app.alerts.rules import Rule, RuleError, load_rules, parse_rule_set
from app.cli.alerts_admin import add_admin_arguments, run_admin
from app.config import Config, ConfigError
from storage.timeparse import parse_duration


def add_alerts_arguments(parser: argparse.ArgumentParser) -> None:
    sub = parser.add_subparsers(
        dest="alerts_command", metavar="{test,events,silence,unsilence,list}", required=True
    )
    test = sub.add_parser("test", help="how often a rule would have fired on stored history")
    test.add_argument("--rule", required=True, help="a rule file, or the name of a rule in force")
    test.add_argument("--since", default="7d", help="how far back (default 7d)")
    test.add_argument("--host", help="one host (default: every stored host the rule matches)")
    test.add_argument("--database-url", help="MONITOR_DATABASE_URL")
    add_admin_arguments(sub)


def run_alerts(args: argparse.Namespace) -> int:
    """Replays the rule(s) over the stored raw samples (or runs an admin subcommand); bad
    input: one line, exit 2."""
    if args.alerts_command != "test":
        try:
            config = Config.from_env(database_url=args.database_url)
            return run_admin(args, config.database_url)
        except (ConfigError, ValueError) as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 2
    try:
        config = Config.from_env(database_url=args.database_url)
        rules = _rules(args.rule, config)
        since = parse_duration(args.since)
    except (ConfigError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    from storage.engine import make_engine
    from storage.history import HistoryReader
    from storage.store import MetricStore

    store = MetricStore(make_engine(config.database_url))
    hosts = store.host_names()
    if args.host and args.host not in hosts:
        print(f"error: --host: no stored history for {args.host!r}", file=sys.stderr)
        return 2
    end = time.time()
    started = time.perf_counter()
    for rule in rules:
        for host in [args.host] if args.host else hosts:
            names = matching_series(rule, HistoryReader(store).series_names(host))
            frame = store.read_frame(host, end - since, end, names) if names else None
            if frame is None or frame.empty:
                continue
            times = frame.index.as_unit("ns").asi8 / 1e9
            cores = (store.host_info().get(host) or {}).get("cores_logical") or 1
            columns = {n: frame[n].to_numpy() for n in names}
            _report(rule, host, replay(rule, host, times, columns, cores), end)
    print(f"({time.perf_counter() - started:.1f} s)")
    return 0


def _rules(spec: str, config: Config) -> list[Rule]:
    if Path(spec).is_file():
        import tomllib

        try:
            data = tomllib.loads(Path(spec).read_text(encoding="utf-8"))
        except tomllib.TOMLDecodeError as exc:
            raise RuleError(f"alerts file {spec}: not valid TOML: {exc}") from None
        data["defaults"] = False
        rules = [r for r in parse_rule_set(data, (), where=f"alerts file {spec}").rules]
    else:
        rule = load_rules(config.alerts_file or None).by_name(spec)
        if rule is None:
            raise RuleError(f"--rule: no rule file and no rule named {spec!r}")
        rules = [rule]
    absent = [r.name for r in rules if r.absent]
    if absent:
        raise RuleError(f"--rule: {absent[0]!r} is a silent-host rule; only thresholds replay")
    return rules


def _report(rule: Rule, host: str, firings: list, end: float) -> None:
    total = sum((f.end or end) - f.start for f in firings)
    print(f"{rule.name} on {host}: would have fired {len(firings)} times, {total:.0f} s in all")
    for f in firings:
        length = f"{(f.end or end) - f.start:.0f} s" + ("" if f.end else " (still firing)")
        print(f"  {_iso(f.start)}  {length:>12}  {f.severity}  {f.series}")


def _iso(ts: float) -> str:
    return datetime.fromtimestamp(ts, UTC).strftime("%Y-%m-%d %H:%M:%S")
