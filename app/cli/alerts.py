"""``python -m app alerts test --rule FILE_OR_NAME --since 7d [--host H]``: a rule on the past."""

from __future__ import annotations

import argparse
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from app.cli.alerts_admin import add_admin_arguments, run_admin
from app.config import Config, ConfigError
from storage.timeparse import parse_duration

if TYPE_CHECKING:  # the trial reads history through pandas: imported when a test runs
    from app.alerts.rules import Rule
    from app.alerts.trial import Period


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
    """Replays the rule(s) over the stored history (or runs an admin subcommand); bad
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
    from app.alerts.matching import host_matches
    from app.alerts.trial import UnknownHost, run_trial
    from storage.engine import make_engine
    from storage.store import MetricStore

    try:
        trial = run_trial(MetricStore(make_engine(config.database_url)), rules, since,
                          host=args.host)  # fmt: skip
    except UnknownHost:
        print(f"error: --host: no stored history for {args.host!r}", file=sys.stderr)
        return 2
    for rule in rules:
        for host in [h for h in trial.sources if host_matches(rule.hosts, h)]:
            periods = [p for p in trial.periods if p.rule == rule.name and p.host == host]
            _report(rule, host, periods, trial.end)
    rows = ", ".join(f"{count:,} {tier}" for tier, count in trial.rows_by_tier.items())
    print(f"({trial.seconds_replayed:.1f} s; rows replayed: {rows or 'none'})")
    return 0


def _rules(spec: str, config: Config) -> list[Rule]:
    # Imported here, not at the top: gunicorn's master imports this module (for --help) and
    # needs none of the rule language (docs/benchmarks.md, "A lean gunicorn master").
    from app.alerts.rules import RuleError, load_rules
    from app.alerts.trial import replayable, rules_from_toml

    if Path(spec).is_file():
        rules = rules_from_toml(Path(spec).read_text(encoding="utf-8"), f"alerts file {spec}")
    else:
        rule = load_rules(config.alerts_file or None).by_name(spec)
        if rule is None:
            raise RuleError(f"--rule: no rule file and no rule named {spec!r}")
        rules = [rule]
    return replayable(rules, "--rule")


def _report(rule: Rule, host: str, periods: list[Period], end: float) -> None:
    total = sum(p.seconds(end) for p in periods)
    print(f"{rule.name} on {host}: would have fired {len(periods)} times, {total:.0f} s in all")
    for p in periods:
        length = f"{p.seconds(end):.0f} s" + ("" if p.end else " (still firing)")
        print(f"  {_iso(p.start)}  {length:>12}  {p.severity}  {p.series}")


def _iso(ts: float) -> str:
    return datetime.fromtimestamp(ts, UTC).strftime("%Y-%m-%d %H:%M:%S")
