"""Alert events as CSV (API and CLI) and silences from the CLI, on a real SQLite store."""

from __future__ import annotations

import csv
import io
import subprocess
import sys
from pathlib import Path

import pytest

from app import create_app
from app.config import Config
from app.runtime.monitor import Monitor
from storage.alert_events import AlertEventStore
from storage.engine import make_engine
from tests.alerts.synthetic import T0
from tests.support.servers import ROOT

NOW = T0 + 10 * 86400  # "now" of the stored events is far past; the tests ask with since=0


def _store(url: str) -> AlertEventStore:
    store = AlertEventStore(make_engine(url))
    base = {"rule": "cpu", "series": "cpu.total", "severity": "warning", "threshold": 90.0}
    store.record([
        {**base, "ts": T0, "kind": "pending", "host": "web-1", "value": 91.5, "since": T0},
        {**base, "ts": T0 + 60, "kind": "firing", "host": "web-1", "value": 93.0, "since": T0,
         "evidence": "=HYPERLINK(\"http://evil\")\nline two"},
        {**base, "ts": T0 + 90, "kind": "firing", "host": "db-1", "value": 99.0, "since": T0},
    ])  # fmt: skip
    return store


def _rows(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


@pytest.fixture
def url(tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path / 'm.db'}"
    _store(url)
    return url


def test_api_streams_events_csv_with_filters_and_neutralised_cells(url: str) -> None:
    config = Config(database_url=url, hostname="box", alerts_enabled=False)
    client = create_app(monitor=Monitor(config)).server.test_client()
    response = client.get("/api/v1/alerts/events.csv?since=0&host=web-1")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    rows = _rows(response.get_data(as_text=True))
    assert [(r["kind"], r["host"], r["value"]) for r in rows] == [
        ("pending", "web-1", "91.5"), ("firing", "web-1", "93.0")
    ]  # fmt: skip
    assert rows[0]["ts"] == "2025-11-24T16:00:00.000Z"
    assert rows[1]["evidence"] == '\'=HYPERLINK("http://evil")\nline two'
    only_firing = _rows(client.get("/api/v1/alerts/events.csv?since=0&kind=firing").get_data(True))
    assert [r["host"] for r in only_firing] == ["web-1", "db-1"]
    for query, name in (("kind=burning", "kind"), ("since=whenever", "since")):
        bad = client.get(f"/api/v1/alerts/events.csv?{query}")
        assert bad.status_code == 400 and bad.get_json()["error"].startswith(name)


def cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "app", "alerts", *args], cwd=ROOT,
                          capture_output=True, text=True, timeout=60)  # fmt: skip


def test_cli_events_to_a_file(url: str, tmp_path: Path) -> None:
    out = tmp_path / "events.csv"
    result = cli("events", "--since", "100000d", "--host", "db-1", "--out", str(out),
                 "--database-url", url)  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert [(r["kind"], r["host"]) for r in _rows(out.read_text())] == [("firing", "db-1")]


def test_cli_silence_list_unsilence(url: str) -> None:
    made = cli("silence", "--matcher", "host=web-*", "--matcher", "rule=cpu", "--for", "2h",
               "--comment", "deploy", "--database-url", url)  # fmt: skip
    assert made.returncode == 0, made.stderr
    assert made.stdout.startswith("silence #1 until ")
    listed = cli("list", "--database-url", url).stdout
    assert "open alerts: 2" in listed and "silences in force: 1" in listed
    assert "#1 rule=cpu host=web-* series=* until" in listed and "by cli: deploy" in listed
    assert cli("unsilence", "1", "--database-url", url).stdout.strip() == "silence #1 ended"
    assert "silences in force: 0" in cli("list", "--database-url", url).stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("silence", "--matcher", "colour=red", "--for", "2h"), "--matcher"),
        (("silence", "--matcher", "host=a", "--for", "soon"), "--for: not a duration"),
        (("silence", "--matcher", "host=a", "--for", "400d"), "--for: must be"),
        (("unsilence", "seven"), "ID:"),
        (("unsilence", "99"), "ID: no silence #99"),
        (("events", "--since", "last week"), "--since"),
        (("events", "--out", "/nonexistent/dir/x.csv"), "--out"),
    ],
)
def test_cli_bad_input_exits_2_with_one_line(url: str, args: tuple[str, ...], message: str) -> None:
    result = cli(*args, "--database-url", url)
    assert result.returncode == 2
    assert len(result.stderr.strip().splitlines()) == 1 and message in result.stderr
