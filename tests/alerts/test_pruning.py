"""Cutting a sample down to what the rules read never changes what the rules see."""

from __future__ import annotations

import pytest

from app.alerts.defaults import DEFAULT_RULES
from app.alerts.evaluator import Evaluator
from app.alerts.matching import Cut, SeriesMatcher, prune, sections_of
from app.alerts.rules import RuleSet
from bench.alerts import big_sample
from storage.series import flatten
from tests.support.samples import make_sample

PATTERN_SETS = [
    [r.series for r in DEFAULT_RULES if r.series],
    ["disks.usage[/data1].percent", "disks.usage[*].free", "sensors.temperatures[*]*"],
    ["processes.counts[*]", "health.collect_ms[cpu]", "memory.percent"],
    ["cpu.per_core[*]", "network.interfaces[*].rx_bps"],
    ["disks.io[*].read_bps", "gpus[*].util_percent", "cpu"],
    ["*.total"],
    ["cpu.t*", "sensors.fans[*].rpm"],
]


@pytest.mark.parametrize("patterns", PATTERN_SETS)
@pytest.mark.parametrize("sample", [make_sample(3), big_sample(1.0, loaded=True)])
def test_pruned_sample_matches_the_same_series_with_the_same_values(patterns, sample) -> None:
    full, pruned = flatten(sample), flatten(prune(sample, sections_of(patterns)))
    matcher = SeriesMatcher(patterns)
    wanted = matcher.expand("a", tuple(full))
    assert SeriesMatcher(patterns).expand("a", tuple(pruned)) == wanted
    for names in wanted.values():
        assert {n: pruned[n] for n in names} == {n: full[n] for n in names}
    cut = Cut(patterns).flatten(sample)  # the evaluator's: only the named fields of entities
    assert SeriesMatcher(patterns).expand("a", tuple(cut)) == wanted
    assert {n: cut[n] for names in wanted.values() for n in names} == {
        n: full[n] for names in wanted.values() for n in names
    }


def test_sections_name_only_what_the_default_rules_read() -> None:
    sections = sections_of(r.series for r in DEFAULT_RULES if r.series)
    assert sections is not None and "network" not in sections
    assert sections["cpu"] == frozenset({"total"})
    assert sections_of(["*.total"]) is None and sections_of(["cpu*"]) is None


def test_the_big_host_fires_the_same_with_pruning() -> None:
    evaluator = Evaluator(RuleSet(DEFAULT_RULES))
    fired = set()
    for i in range(400):
        for event in evaluator.observe(big_sample(1_764_000_000.0 + i, loaded=True)):
            fired.add((event.rule, event.series, event.kind))
    disks = {s for r, s, k in fired if r == "disk-space" and k == "firing"}
    assert disks == {f"disks.usage[/data{i}].percent" for i in range(8)}
    temps = {s for r, s, k in fired if r == "temperature" and k == "firing"}
    assert len(temps) == 12 and ("cpu", "cpu.total", "firing") in fired
