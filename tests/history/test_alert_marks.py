"""The history chart's alert marks and the alert link, as pure functions."""

from __future__ import annotations

from app.alerts.defaults import DEFAULT_RULES
from app.alerts.evidence import history_link
from app.pages import ids
from app.pages.history import alert_marks
from app.pages.history.links import parse_link
from app.pages.history.ranges import CUSTOM, choose_range

T0 = 1_764_000_000.0


def _event(ts: float, kind: str, series: str = "cpu.total", severity: str = "warning") -> dict:
    return {"ts": ts, "kind": kind, "rule": "cpu", "series": series, "severity": severity}


def test_thresholds_of_the_series_that_have_rules_only() -> None:
    names = ["cpu.total", "disks.usage[/].percent", "load.load5", "network.rx_bps"]
    found = {(t.series, t.severity, t.value) for t in alert_marks.thresholds(DEFAULT_RULES, names)}
    assert found == {
        ("cpu.total", "warning", 90.0),
        ("cpu.total", "critical", 98.0),
        ("disks.usage[/].percent", "warning", 85.0),
        ("disks.usage[/].percent", "critical", 95.0),
    }  # fmt: skip  (load5 is per core: not on the drawn scale; the network has no rule)
    shapes = alert_marks.threshold_shapes(alert_marks.thresholds(DEFAULT_RULES, ["cpu.total"]))
    assert [(s["type"], s["y0"], s["line"]["dash"]) for s in shapes] == [
        ("line", 90.0, "dash"), ("line", 98.0, "dash")
    ]  # fmt: skip


def test_periods_from_events_escalation_and_still_open() -> None:
    events = [
        _event(T0, "firing"), _event(T0 + 60, "escalated", severity="critical"),
        _event(T0 + 120, "resolved"), _event(T0 + 500, "firing"),
        _event(T0 + 10, "firing", series="memory.percent"),
    ]  # fmt: skip
    found = alert_marks.periods(events, ["cpu.total"])
    assert found == [
        alert_marks.Period("cpu.total", T0, T0 + 120, "critical"),
        alert_marks.Period("cpu.total", T0 + 500, None, "warning"),
    ]
    bands = alert_marks.band_shapes(found, T0 + 900, "UTC")
    assert [(b["x0"], b["x1"]) for b in bands] == [
        ("2025-11-24 16:00:00", "2025-11-24 16:02:00"),
        ("2025-11-24 16:08:20", "2025-11-24 16:15:00"),
    ]
    assert bands[0]["fillcolor"].startswith("rgba(220,38,38") and bands[0]["layer"] == "below"


def test_the_link_the_evidence_writes_is_the_link_the_page_reads() -> None:
    link = history_link("https://mon.example/sub", "web 1", T0, T0 + 1800)
    parsed = parse_link("?" + link.split("?", 1)[1])
    assert parsed == parse_link(f"?host=web+1&from={T0:.0f}&to={T0 + 1800:.0f}")
    assert parsed is not None and (parsed.host, parsed.start, parsed.end) == (
        "web 1",
        T0,
        T0 + 1800,
    )
    with_series = history_link("", "h", T0, T0 + 60, "disks.usage[/].percent")
    assert parse_link("?" + with_series.split("?", 1)[1]).metrics == ("disks.usage[/].percent",)
    assert parse_link("?host=a&from=soon&to=later") == parse_link("?host=a")
    assert parse_link("?from=2025-01-02T00:00:00Z&to=2025-01-01T00:00:00Z") is None
    assert parse_link("") is None


def test_a_linked_window_is_the_first_range_and_only_the_first() -> None:
    linked = (T0, T0 + 1800)
    first = choose_range(ids.HISTORY_TZ, "1h", None, None, None, "UTC", None, T0 + 9999, linked)
    assert first.view == {"start": T0, "end": T0 + 1800}
    assert first.base == {"start": T0, "end": T0 + 1800, "preset": None}
    assert first[2:] == ("2025-11-24 16:00", "2025-11-24 16:30", CUSTOM, "")
    later = choose_range(ids.HISTORY_PRESET, "6h", None, None, None, "UTC", first[0], T0, linked)
    assert later.view == {"start": T0 - 6 * 3600, "end": T0}
