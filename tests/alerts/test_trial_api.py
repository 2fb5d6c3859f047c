"""``POST /api/v1/alerts/test`` through the Flask test client, on SQLite and PostgreSQL, over
generated history whose firings are known by hand (tests/alerts/week_history.py)."""

from __future__ import annotations

import itertools
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask.testing import FlaskClient

from app import create_app
from app.config import Config
from app.runtime.monitor import Monitor
from app.web import alerts_trial_api
from storage.engine import make_engine
from storage.retention import RetentionPolicy, enforce_retention
from storage.rollups import RollupJob
from storage.store import MetricStore
from tests.alerts.week_history import DAY, RULE, write_history
from tests.support.postgres import temporary_schema

STEP = 30  # one sample every 30 s: the same firings as at 1 Hz (see write_history)
MARGIN = 600  # the history starts this long after the range and ends this long before now
TOKEN = "trial-token-0123456789abcdef0123"
BAD_WARN = '[[rule]]\nname = "x"\nseries = "cpu.total"\nwarn = "high"\n'


def client_for(url: str, tmp: Path, **config: Any) -> FlaskClient:
    """A test client of an app whose rules in force are the defaults plus ``RULE`` ("hot").

    Its monitor is stopped at once, so no request starts sampling: the history is the test's."""
    (tmp / "alerts.toml").write_text(RULE)
    monitor = Monitor(
        Config(database_url=url, hostname="box", alerts_file=str(tmp / "alerts.toml"), **config),
        collector_factory=lambda _config: [],
    )
    monitor.stop()
    return create_app(monitor=monitor).server.test_client()


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def week(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory):
    """A client over a week of "w" (the hot rule fires 7 times, 240 s each) and a calm host."""
    tmp = tmp_path_factory.mktemp("trial")

    def fill(url: str) -> FlaskClient:
        store = MetricStore(make_engine(url))
        start = int(time.time() - 7 * DAY + MARGIN) // 60 * 60
        write_history(store, "w", start, 7 - 2 * MARGIN / DAY, step=STEP)
        store.write_batch([{"host": "calm", "ts": float(start + i * 600), "cpu": {"total": 5.0}}
                           for i in range(100)])  # fmt: skip
        store.engine.dispose()
        return client_for(url, tmp)

    if request.param == "sqlite":
        yield fill(f"sqlite:///{tmp / 'week.db'}")
    else:
        with temporary_schema() as url:
            yield fill(url)


def trial(client: FlaskClient, **body: Any) -> dict[str, Any]:
    response = client.post("/api/v1/alerts/test", json=body)
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def test_a_rule_in_force_by_name_fires_seven_times_on_the_week(week: FlaskClient) -> None:
    answer = trial(week, rule="hot", since="7d", host="w")
    assert answer["firings"] == 7 and answer["total_seconds"] == 7 * 240
    facts = {(p["host"], p["series"], p["seconds"], p["severity"], p["peak"], p["still_firing"])
             for p in answer["periods"]}  # fmt: skip
    assert facts == {("w", "cpu.total", 240, "warning", 90.0, False)}
    starts = [p["start"] for p in answer["periods"]]
    assert [b - a for a, b in itertools.pairwise(starts)] == [DAY] * 6
    assert answer["source"] == "raw" and answer["sources"] == {"w": "raw"}
    assert answer["samples"] == (7 * DAY - 2 * MARGIN) // STEP
    assert answer["rows"] == {"raw": answer["samples"]}
    assert answer["end"] - answer["start"] == 7 * DAY and answer["truncated"] is False
    assert [r["name"] for r in answer["rules"]] == ["hot"]
    assert 0 < answer["seconds_replayed"] < 60


def test_a_pasted_rule_over_every_host_with_a_critical_level(week: FlaskClient) -> None:
    text = RULE + 'crit = 85\n[[rule]]\nname = "idle"\nseries = "cpu.total"\nop = "<"\nwarn = 1\n'
    answer = trial(week, toml=text, since="7d")
    assert answer["firings"] == 7
    assert {(p["rule"], p["host"], p["severity"]) for p in answer["periods"]} == {
        ("hot", "w", "critical")
    }
    assert answer["sources"] == {"w": "raw", "calm": "raw"}
    one_day = trial(week, toml=RULE, since="1d", host="w")
    assert one_day["firings"] == 1 and 0.9 * DAY / STEP < one_day["samples"] < DAY / STEP


def test_every_blip_of_a_rule_without_for_counts_the_list_stops_at_its_limit(
    week: FlaskClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    """warn 50 with no ``for``: each day one 300 s burst and four 30 s blips (at 0, 6, 12 and
    18 h from the start): 35 firings, 7 * 300 + 28 * 30 s in all."""
    monkeypatch.setattr(alerts_trial_api, "MAX_PERIODS", 10)
    text = '[[rule]]\nname = "any"\nseries = "cpu.total"\nwarn = 50\n'
    answer = trial(week, toml=text, since="7d", host="w")
    assert answer["firings"] == 35 and answer["total_seconds"] == 7 * 300 + 28 * 30
    assert len(answer["periods"]) == 10 and answer["truncated"] is True
    assert [p["seconds"] for p in answer["periods"][:3]] == [30, 300, 30]


def test_where_raw_samples_are_gone_the_minute_rollups_answer(
    database_url: str, tmp_path: Path
) -> None:
    store = MetricStore(make_engine(database_url))
    now = time.time()
    start = int(now - 2 * DAY + MARGIN) // 60 * 60
    write_history(store, "old", start, 2 - 2 * MARGIN / DAY, step=STEP)
    RollupJob(store).run(now)
    assert enforce_retention(store, RetentionPolicy(raw=DAY), now)["samples"] > 0
    store.engine.dispose()
    answer = trial(client_for(database_url, tmp_path), rule="hot", since="3d")
    assert answer["source"] == "1m" and answer["sources"] == {"old": "1m"}
    assert [p["seconds"] for p in answer["periods"]] == [240, 240]
    assert answer["periods"][0]["peak"] == 90.0
    rows = answer["rows"]  # a minute each before the raw samples kept, which cover a day
    assert set(rows) == {"1m", "raw"} and answer["samples"] == rows["1m"] + rows["raw"]
    assert (DAY - 2 * MARGIN) / 60 <= rows["1m"] <= DAY / 60
    assert (DAY - 2 * MARGIN) / STEP <= rows["raw"] <= DAY / STEP


def test_a_per_core_rule_divides_by_the_hosts_cores(database_url: str, tmp_path: Path) -> None:
    """On 4 cores the 90 % burst is 22.5 per core (past 20), the 95 % blips 23.75 for 30 s
    (shorter than ``for``) and the rest 2.5: one firing a day, peaking at 22.5."""
    store = MetricStore(make_engine(database_url))
    start = int(time.time() - DAY + MARGIN) // 60 * 60
    write_history(store, "quad", start, 1 - 2 * MARGIN / DAY, step=STEP, cores=4)
    store.engine.dispose()
    text = RULE.replace("warn = 80", "warn = 20\nper_core = true").replace("70", "15")
    answer = trial(client_for(database_url, tmp_path), toml=text, since="1d")
    assert [(p["seconds"], p["peak"]) for p in answer["periods"]] == [(240, 22.5)]


@pytest.mark.parametrize(
    ("kwargs", "parameter", "message"),
    [
        ({"json": {"rule": "nope"}}, "rule", "rule: no rule in force is named 'nope'"),
        ({"json": {"rule": "host-silent"}}, "rule", "'host-silent' is a silent-host rule"),
        ({"json": {"toml": BAD_WARN}}, "toml",
         "toml: rule 'x': key 'warn': must be a number, got 'high'"),
        ({"json": {"toml": "[[rule]\n"}}, "toml", "toml: not valid TOML"),
        ({"json": {"toml": RULE + "colour = 'red'\n"}}, "toml",
         "toml: rule 'hot': key 'colour': unknown key"),
        ({"json": {"toml": "defaults = true\n"}}, "toml", "toml: no enabled [[rule]]"),
        ({"json": {"rule": "hot", "since": "fortnight"}}, "since", "since: not a duration"),
        ({"json": {"rule": "hot", "since": "32d"}}, "since", "since: at most 31d"),
        ({"json": {"rule": "hot", "since": 0}}, "since", "since: must be more than 0"),
        ({"json": {"rule": "hot", "host": "nowhere"}}, "host",
         "host: no stored history for 'nowhere'"),
        ({"json": {}}, "rule", "rule: give either rule"),
        ({"json": {"rule": "hot", "toml": RULE}}, "rule", "rule: give either rule"),
        ({"json": {"rule": 5}}, "rule", "rule: must be a string"),
        ({"data": "rule=hot"}, "body", "body: send JSON"),
        ({"json": [1]}, "body", "body: must be a JSON object"),
    ],
)  # fmt: skip
def test_bad_input_is_400_naming_the_parameter(
    week: FlaskClient, kwargs: dict, parameter: str, message: str
) -> None:
    response = week.post("/api/v1/alerts/test", **kwargs)
    assert response.status_code == 400
    body = response.get_json()
    assert body["parameter"] == parameter and message in body["error"], body


def test_one_trial_at_a_time(week: FlaskClient) -> None:
    lock = week.application.extensions[alerts_trial_api.LOCK_KEY]
    with lock:  # a trial running in another thread
        busy = week.post("/api/v1/alerts/test", json={"rule": "hot", "host": "calm"})
    assert busy.status_code == 429 and busy.headers["Retry-After"] == "5"
    assert "another rule trial" in busy.get_json()["error"]
    assert trial(week, rule="hot", host="calm")["firings"] == 0


@pytest.fixture
def guarded(tmp_path: Path) -> Iterator[FlaskClient]:
    yield client_for(f"sqlite:///{tmp_path / 'm.db'}", tmp_path, auth_token=TOKEN)


def test_with_authentication_on_a_trial_needs_credentials(guarded: FlaskClient) -> None:
    body = {"rule": "hot"}
    assert guarded.post("/api/v1/alerts/test", json=body).status_code == 401
    bearer = {"Authorization": f"Bearer {TOKEN}"}
    answer = guarded.post("/api/v1/alerts/test", json=body, headers=bearer)
    assert answer.status_code == 200 and answer.get_json()["source"] == "none"
    cross_site = {**bearer, "Origin": "https://evil.example"}
    refused = guarded.post("/api/v1/alerts/test", json=body, headers=cross_site)
    assert refused.status_code == 403 and "cross-site" in refused.get_json()["error"]
