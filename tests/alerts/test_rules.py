"""The rule file: the issue's example as written, the defaults, and one-line refusals."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.alerts.rules import Rule, RuleError, load_rules

EXAMPLE = """
[[rule]]
name = "cpu-hot"
series = "cpu.total"       # any stored series name; wildcards like "disks.usage[*].percent"
stat = "avg"               # avg | max | min | last over the window
window = "30s"
warn = 80                  # fires when the statistic is above (or, with op = "<", below) this
crit = 95
for = "1m"
clear = 70                 # hysteresis: resolves only below this
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "alerts.toml"
    path.write_text(text)
    return path


def test_the_example_works_exactly_as_written(tmp_path: Path) -> None:
    rule_set = load_rules(write(tmp_path, EXAMPLE))
    rule = rule_set.by_name("cpu-hot")
    assert rule is not None
    assert (rule.series, rule.stat, rule.window, rule.warn, rule.crit, rule.for_, rule.clear) == (
        "cpu.total", "avg", 30.0, 80.0, 95.0, 60.0, 70.0,
    )  # fmt: skip
    assert rule_set.by_name("disk-space") is not None  # the defaults stay on beside it


def test_defaults_are_on_without_a_file_and_can_be_turned_off(tmp_path: Path) -> None:
    names = {r.name for r in load_rules(None).rules}
    assert {"cpu", "memory", "swap", "disk-space", "load", "temperature", "host-silent"} <= names
    off = load_rules(write(tmp_path, "defaults = false\n" + EXAMPLE))
    assert [r.name for r in off.rules] == ["cpu-hot"]
    one_off = load_rules(write(tmp_path, '[[rule]]\nname = "swap"\nenabled = false\n'))
    assert "swap" not in {r.name for r in one_off.rules}


def test_notify_routes_keep_urls_out_of_the_rules(tmp_path: Path) -> None:
    text = '[[notify]]\nurls = ["ntfy://secret-topic"]\nseverity = "critical"\n'
    rule_set = load_rules(write(tmp_path, text), notify_urls="json://127.0.0.1:9/x")
    assert [r.severity for r in rule_set.routes] == [None, "critical"]
    assert "secret" not in repr(rule_set.routes) and "secret" not in str(rule_set.rules)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (EXAMPLE.replace('"30s"', '"soon"'), "rule 'cpu-hot': key 'window': must be a duration"),
        (EXAMPLE.replace('"avg"', '"mean"'), "rule 'cpu-hot': key 'stat': must be one of avg"),
        (EXAMPLE.replace("crit = 95", "crit = 50"), "rule 'cpu-hot': key 'crit': must be past"),
        (EXAMPLE.replace("clear = 70", "clear = 90"), "rule 'cpu-hot': key 'clear'"),
        (EXAMPLE + "colour = 1\n", "rule 'cpu-hot': key 'colour': unknown key"),
        (EXAMPLE.replace("warn = 80", "warn = 'x'"), "rule 'cpu-hot': key 'warn': must be"),
        ('[[rule]]\nseries = "cpu.total"\nwarn = 1\n', "rule #1: key 'name': missing"),
        ('[[rule]]\nname = "x"\nwarn = 1\n', "rule 'x': key 'series': missing"),
        ("[[rule]\n", "not valid TOML"),
        ('[quiet_hours]\nstart = "25:00"\nend = "07:00"\n', "quiet_hours: key 'start'"),
        (EXAMPLE + EXAMPLE, "rule 'cpu-hot': key 'name': defined twice"),
    ],
)
def test_a_bad_file_is_refused_with_one_line(tmp_path: Path, text: str, message: str) -> None:
    with pytest.raises(RuleError) as caught:
        load_rules(write(tmp_path, text))
    assert message in str(caught.value)
    assert "\n" not in str(caught.value).strip()


@pytest.mark.parametrize("op", [">", "<"])
@pytest.mark.parametrize("warn, crit", [(80, 95), (None, 95), (80, None), (None, None), (90, 10)])
def test_the_quiet_limit_is_exactly_where_a_level_begins(op: str, warn, crit) -> None:
    """The evaluator skips a statistic with ``sign * v <= limit``: only when it has no level."""
    rule = Rule("r", "cpu.total", op=op, warn=warn, crit=crit)
    values = [-1e9, 0.0, 9.9, 10.0, 10.1, 79.9, 80.0, 80.1, 95.0, 95.1, 1e9, float("inf"),
              float("-inf"), float("nan")]  # fmt: skip
    for value in values:
        has_level = rule.level(value) is not None
        assert (rule.quiet_sign * value > rule.quiet_limit) == has_level, value
