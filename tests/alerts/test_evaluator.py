"""The evaluator on synthetic samples with the sample time as clock: no sleeps."""

from __future__ import annotations

from app.alerts.defaults import DEFAULT_RULES
from app.alerts.evaluator import AlertEvent, Evaluator
from app.alerts.quiet import Silence
from app.alerts.rules import QuietHours, RuleSet, parse_rule_set
from tests.alerts.synthetic import T0, sample

CPU_HOT = {
    "name": "cpu-hot", "series": "cpu.total", "stat": "avg", "window": "30s",
    "warn": 80, "crit": 95, "for": "1m", "clear": 70,
}  # fmt: skip


def rules(*tables: dict, **extra: object) -> RuleSet:
    return parse_rule_set({"rule": list(tables), "defaults": False, **extra}, ())


def run(evaluator: Evaluator, values: list[float], start: float = T0, **kw: object) -> list:
    """Feeds one sample a second with these CPU values; every event."""
    events: list[AlertEvent] = []
    for i, value in enumerate(values):
        events += evaluator.observe(sample(start + i, cpu=value, **kw))
    return events


def kinds(events: list[AlertEvent]) -> list[str]:
    return [e.kind for e in events]


def test_for_holds_back_a_blip() -> None:
    evaluator = Evaluator(rules({**CPU_HOT, "stat": "last", "clear": 79}))
    events = run(evaluator, [10] * 5 + [99] * 30 + [10] * 5)
    assert kinds(events) == ["pending", "cancelled"]
    assert not any(e.notify for e in events)


def test_fires_after_for_and_resolves_below_clear_with_evidence() -> None:
    evaluator = Evaluator(rules(CPU_HOT), public_url="https://mon.example/p")
    events = run(evaluator, [99] * 200 + [10] * 60)
    assert kinds(events) == ["pending", "firing", "resolved"]
    pending, firing, resolved = events
    assert firing.ts - pending.ts == 60
    assert firing.notify and resolved.notify and firing.severity == "critical"
    assert "burner --all-cores" in firing.evidence and "4242" in firing.evidence
    assert "https://mon.example/p/history?host=h1&from=" in firing.evidence
    assert "held 60 s" in firing.evidence


def test_hysteresis_stops_flapping_at_the_threshold() -> None:
    evaluator = Evaluator(rules({**CPU_HOT, "stat": "last", "for": 0}))
    flapping = [81, 79] * 50  # around warn = 80, always above clear = 70
    events = run(evaluator, [*flapping, 60])
    assert kinds(events) == ["pending", "firing", "resolved"]
    assert events[-1].ts == T0 + len(flapping)


def test_without_clear_it_would_flap() -> None:
    evaluator = Evaluator(rules({**CPU_HOT, "stat": "last", "for": 0, "clear": 80}))
    events = run(evaluator, [81, 79] * 5)
    assert kinds(events).count("firing") == 5


def test_keep_firing_for() -> None:
    rule = {**CPU_HOT, "stat": "last", "for": 0, "keep_firing_for": "20s"}
    evaluator = Evaluator(rules(rule))
    events = run(evaluator, [99] * 5 + [10] * 15 + [99] * 5 + [10] * 30)
    assert kinds(events) == ["pending", "firing", "resolved"]
    assert events[-1].ts == T0 + 24 + 20  # 20 s after the last value past clear


def test_repeat_interval_and_acknowledge_stops_repeats() -> None:
    rule = {**CPU_HOT, "stat": "last", "for": 0, "repeat": "10s"}
    evaluator = Evaluator(rules(rule))
    events = run(evaluator, [99] * 35)
    assert kinds(events) == ["pending", "firing", "repeated", "repeated", "repeated"]
    assert all(e.notify for e in events[1:])
    key = events[1].key
    ack = evaluator.acknowledge(key, "alice", "looking", T0 + 35)
    assert ack is not None and ack.kind == "acknowledged"
    assert run(evaluator, [99] * 60, start=T0 + 35) == []


def test_wildcards_expand_to_each_disk_and_interface() -> None:
    disk = {"name": "disk", "series": "disks.usage[*].percent", "warn": 90}
    net = {"name": "net", "series": "network.interfaces[*].rx_bps", "warn": 1000}
    evaluator = Evaluator(rules(disk, net))
    events = evaluator.observe(
        sample(T0, disks={"/": 95.0, "/home": 50.0, "/var/lib": 99.0},
               ifaces={"eth0": 5000.0, "eth1": 1.0, "wlan0": 2000.0})
    )  # fmt: skip
    fired = sorted(e.series for e in events if e.kind == "firing")
    assert fired == [
        "disks.usage[/].percent", "disks.usage[/var/lib].percent",
        "network.interfaces[eth0].rx_bps", "network.interfaces[wlan0].rx_bps",
    ]  # fmt: skip


def test_host_wildcards_and_per_core() -> None:
    load = {"name": "load", "series": "load.load5", "per_core": True, "warn": 2, "hosts": "db-*"}
    evaluator = Evaluator(rules(load))
    assert evaluator.observe(sample(T0, host="web-1", load5=100.0)) == []
    assert evaluator.observe(sample(T0, host="db-1", load5=7.0, cores=4)) == []  # 1.75 a core
    events = evaluator.observe(sample(T0 + 1, host="db-1", load5=9.0, cores=4))
    assert kinds(events) == ["pending", "firing"] and events[1].value == 2.25


def test_a_host_that_stops_reporting_fires_and_resolves() -> None:
    evaluator = Evaluator(rules({"name": "silent", "absent": "60s", "crit": 1}))
    assert evaluator.check_absent({"h1": T0, "h2": T0}, T0 + 30) == []
    events = evaluator.check_absent({"h1": T0 + 80, "h2": T0}, T0 + 90)
    assert [(e.kind, e.host, e.severity) for e in events] == [
        ("pending", "h2", "critical"), ("firing", "h2", "critical")
    ]  # fmt: skip
    assert events[1].notify and events[1].threshold == 60
    assert evaluator.check_absent({"h1": T0 + 90, "h2": T0}, T0 + 95) == []
    events = evaluator.check_absent({"h1": T0 + 100, "h2": T0 + 100}, T0 + 101)
    assert kinds(events) == ["resolved"] and events[0].notify


def test_silences_mute_notifications_but_events_are_kept() -> None:
    evaluator = Evaluator(rules({**CPU_HOT, "for": 0, "stat": "last"}))
    evaluator.silences = [Silence(3, "cpu-*", "h1", "*", until=T0 + 100)]
    events = run(evaluator, [99] * 3 + [10] * 3)
    assert kinds(events) == ["pending", "firing", "resolved"]
    assert [e.muted for e in events[1:]] == ["silence #3", ""]
    assert not any(e.notify for e in events)  # the resolve of an unsent alert is not sent


def test_a_muted_alert_is_sent_once_the_silence_ends() -> None:
    evaluator = Evaluator(rules({**CPU_HOT, "for": 0, "stat": "last"}))
    evaluator.silences = [Silence(1, "*", "*", "*", until=T0 + 10)]
    events = run(evaluator, [99] * 15)
    sent = [e for e in events if e.notify]
    assert [(e.kind, e.ts) for e in sent] == [("repeated", T0 + 10)]


def test_quiet_hours_mute_notifications() -> None:
    quiet = {"start": "22:00", "end": "07:00", "timezone": "UTC"}
    evaluator = Evaluator(rules({**CPU_HOT, "for": 0, "stat": "last"}, quiet_hours=quiet))
    assert evaluator.rule_set.quiet_hours == QuietHours("22:00", "07:00", "UTC")
    night = 1_764_025_200.0  # 2025-11-24 23:00 UTC
    events = run(evaluator, [99] * 3, start=night)
    assert kinds(events) == ["pending", "firing"] and events[1].muted == "quiet hours"
    assert not any(e.notify for e in events)
    morning = night + 8 * 3600  # 07:00 UTC: the alert is sent then
    later = run(evaluator, [99], start=morning)
    assert [(e.kind, e.notify) for e in later] == [("repeated", True)]


def test_escalation_from_warning_to_critical() -> None:
    evaluator = Evaluator(rules({**CPU_HOT, "for": 0, "stat": "last"}))
    events = run(evaluator, [85, 85, 99, 85, 99])
    assert [(e.kind, e.severity) for e in events] == [
        ("pending", "warning"), ("firing", "warning"), ("escalated", "critical")
    ]  # fmt: skip


def test_an_alert_whose_series_goes_away_ends() -> None:
    disk = {"name": "disk", "series": "disks.usage[*].percent", "warn": 90, "for": "10s"}
    evaluator = Evaluator(rules(disk))
    both = {"/": 95.0, "/mnt/usb": 99.0}
    events = [e for t in range(12) for e in evaluator.observe(sample(T0 + t, disks=both))]
    assert kinds(events) == ["pending", "pending", "firing", "firing"]
    root_only = {"/": 95.0}
    blip = [e for t in range(12, 30) for e in evaluator.observe(sample(T0 + t, disks=root_only))]
    back = evaluator.observe(sample(T0 + 30, disks=both))  # a collector failed for a while
    assert blip == [] and back == []  # under the grace: nothing ended, nothing fired again
    gone = [e for t in range(31, 100) for e in evaluator.observe(sample(T0 + t, disks=root_only))]
    assert [(e.kind, e.series, e.ts) for e in gone] == [
        ("resolved", "disks.usage[/mnt/usb].percent", T0 + 91)  # the stick is pulled: 60 s on
    ]
    assert gone[0].notify  # its firing was sent: so is its end
    assert [key.series for key in evaluator.alerts] == ["disks.usage[/].percent"]
    evaluator.observe(sample(T0 + 100, disks=both))  # back: anew
    assert evaluator.alerts[next(k for k in evaluator.alerts if "usb" in k.series)].status == (
        "pending"
    )


def with_workload(ts: float, **row: float) -> dict:
    """A sample whose cgroups section has one workload, docker/web, with these fields."""
    values = {"oom_kills": 2, "oom_kills_now": 0, "restarts": 0, "restarted": 0,
              "mem_pct": 40.0} | row  # fmt: skip
    return sample(ts) | {"cgroups": {"workloads": [{"key": "docker/web", **values}]}}


def test_the_default_rules_raise_an_oom_kill_and_a_restart_at_once() -> None:
    evaluator = Evaluator(RuleSet(DEFAULT_RULES))
    oom = "cgroups.workloads[docker/web].oom_kills_now"
    events = evaluator.observe(with_workload(T0, oom_kills=3, oom_kills_now=1))
    fired = [(e.kind, e.rule, e.series, e.severity) for e in events if e.kind == "firing"]
    assert fired == [("firing", "oom-kill", oom, "critical")]
    later = [e for t in range(1, 200) for e in evaluator.observe(with_workload(T0 + t))]
    assert [(e.kind, e.rule) for e in later] == [("resolved", "oom-kill")]
    assert later[0].ts == T0 + 120  # the 2 min window has passed
    events = evaluator.observe(with_workload(T0 + 200, restarts=1, restarted=1))
    fired = [(e.rule, e.severity) for e in events if e.kind == "firing"]
    assert fired == [("workload-restarted", "warning")]


def test_the_default_memory_limit_rule_watches_each_workload() -> None:
    evaluator = Evaluator(RuleSet(DEFAULT_RULES))
    events = [e for t in range(100) for e in evaluator.observe(with_workload(T0 + t, mem_pct=99))]
    assert [(e.kind, e.rule, e.severity) for e in events if e.kind == "firing"] == [
        ("firing", "memory-limit", "critical")
    ]
