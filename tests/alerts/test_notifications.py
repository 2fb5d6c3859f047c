"""Notifications end to end: evaluator → storage → Apprise → a real HTTP receiver on loopback."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator

import pytest

from app.alerts.notify import Notifier
from app.alerts.rules import RuleSet, parse_rule_set
from app.alerts.service import AlertService
from storage.alert_events import AlertEventStore
from storage.engine import make_engine
from tests.alerts.synthetic import T0, sample
from tests.support.polling import wait_for
from tests.support.receiver import Receiver
from tests.support.servers import free_port

HOT = {"name": "cpu-hot", "series": "cpu.total", "warn": 80, "crit": 95, "for": "5s", "clear": 70}


def rule_set(url: str) -> RuleSet:
    return parse_rule_set({"rule": [HOT], "defaults": False}, (), notify_urls=url)


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    server = Receiver().start()
    yield server
    server.stop()


def service_for(store: AlertEventStore, rules: RuleSet, **notifier_options: object) -> AlertService:
    notifier = Notifier(
        rules.routes, record_attempt=store.record_attempt, mark_notified=store.mark_notified,
        group_wait=0.2, **notifier_options,
    )  # fmt: skip
    service = AlertService(rules, store, notifier=notifier, public_url="http://mon.test/base")
    service.start()
    return service


def settle(service: AlertService) -> None:
    """Waits until the service has handled everything queued before this call."""
    done = threading.Event()
    service.call(done.set)
    wait_for(done.is_set, message="the alert service to catch up")


def feed(service: AlertService, start: float, values: list[float], host: str = "h1") -> None:
    for i, value in enumerate(values):
        service.submit(sample(start + i, cpu=value, host=host))
    settle(service)


def test_one_notification_with_evidence_and_none_again_after_a_restart(
    database_url: str, receiver: Receiver
) -> None:
    store = AlertEventStore(make_engine(database_url))
    rules = rule_set(receiver.url())
    service = service_for(store, rules)
    feed(service, T0, [99.0] * 10)
    wait_for(lambda: receiver.received, message="the notification")
    service.stop()
    assert len(receiver.received) == 1
    message = receiver.received[0]
    assert message["title"] == "[FIRING] cpu-hot on h1 (critical)"
    assert "burner --all-cores" in message["message"] and "4242" in message["message"]
    assert "http://mon.test/base/history?host=h1&from=" in message["message"]
    attempts = store.deliveries()
    assert [(a["target"], a["ok"]) for a in attempts] == [("json #1", True)]
    assert str(receiver.port) not in str(attempts)

    restarted = service_for(AlertEventStore(make_engine(database_url)), rules)
    restarted.adopt(None)
    feed(restarted, T0 + 10, [99.0] * 20)
    restarted.stop()
    assert len(receiver.received) == 1  # still firing, already notified: nothing again
    kinds = [e["kind"] for e in store.events(newest_first=False)]
    assert kinds == ["pending", "firing"]

    again = service_for(AlertEventStore(make_engine(database_url)), rules)
    again.adopt(None)
    feed(again, T0 + 30, [10.0] * 2)
    wait_for(lambda: len(receiver.received) == 2, message="the resolve")
    again.stop()
    assert receiver.received[1]["title"] == "[RESOLVED] cpu-hot on h1 (critical)"


def test_a_receiver_down_for_30_s_gets_it_after_it_comes_back(tmp_path) -> None:
    receiver = Receiver(free_port())  # not listening yet: connections are refused
    fake = {"now": 0.0}

    def wait(seconds: float) -> bool:
        """The notifier's backoff on a fake clock; the receiver comes back at 30 s."""
        fake["now"] += seconds
        if fake["now"] >= 30 and not receiver.running:
            receiver.start()
        return False

    store = AlertEventStore(make_engine(f"sqlite:///{tmp_path / 'alerts.db'}"))
    service = service_for(store, rule_set(receiver.url()), wait=wait, clock=lambda: fake["now"])
    try:
        feed(service, T0, [99.0] * 6)
        wait_for(lambda: receiver.running and receiver.received, message="the late delivery")
        service.stop()
    finally:
        receiver.stop()
    assert len(receiver.received) == 1
    attempts = store.deliveries()[::-1]
    assert [a["ok"] for a in attempts] == [False] * (len(attempts) - 1) + [True]
    assert attempts[-1]["ts"] >= 30  # delivered once the receiver was back
    assert store.events(kinds=["firing"])[0]["notified_ts"] >= 30


def test_twelve_hosts_going_silent_at_once_make_one_message_each_way(
    tmp_path, receiver: Receiver
) -> None:
    rules = parse_rule_set(
        {"rule": [{"name": "silent", "absent": "60s", "crit": 1}], "defaults": False}, (),
        notify_urls=receiver.url(),
    )  # fmt: skip
    store = AlertEventStore(make_engine(f"sqlite:///{tmp_path / 'alerts.db'}"))
    service = service_for(store, rules)
    hosts = [f"node-{i:02d}" for i in range(12)]
    service.call(lambda: service.handle(service.evaluator.check_absent(
        dict.fromkeys(hosts, T0), T0 + 120)))  # fmt: skip
    wait_for(lambda: receiver.received, message="the grouped message")
    service.call(lambda: service.handle(service.evaluator.check_absent(
        dict.fromkeys(hosts, T0 + 200), T0 + 201)))  # fmt: skip
    wait_for(lambda: len(receiver.received) >= 2, message="the grouped resolve")
    service.stop()
    titles = [m["title"] for m in receiver.received]
    assert len(titles) == 2
    assert titles[0].startswith("[FIRING 12] silent on node-00, node-01")
    assert titles[1].startswith("[RESOLVED 12] silent on")


def test_a_dead_receiver_never_stops_evaluation(tmp_path) -> None:
    store = AlertEventStore(make_engine(f"sqlite:///{tmp_path / 'alerts.db'}"))
    dead = f"json://127.0.0.1:{free_port()}/hook"
    service = service_for(store, rule_set(dead), wait=lambda s: False, max_attempts=3)
    feed(service, T0, [99.0] * 10 + [10.0] * 5 + [99.0] * 10)
    service.stop()
    kinds = [e["kind"] for e in store.events(newest_first=False)]
    assert kinds == ["pending", "firing", "resolved", "pending", "firing"]
    assert service.notifier is not None and service.notifier.counts["failed"] >= 1


def test_a_silence_stored_while_all_is_quiet_mutes_the_next_alert(
    database_url: str, receiver: Receiver
) -> None:
    """An idle service reads no silences; the one stored meanwhile (by the page, the API or
    another process) is read before the next notification is decided, so it is not sent."""
    store = AlertEventStore(make_engine(database_url))
    rules = parse_rule_set(
        {"rule": [{**HOT, "for": "0s"}], "defaults": False}, (), notify_urls=receiver.url()
    )
    service = service_for(store, rules)
    feed(service, T0, [10.0] * 3)  # quiet: nothing open, so the service has read nothing
    silence = store.add_silence(
        rule="cpu-*", host="h1", series="*", until=time.time() + 3600, actor="ops", note="",
        now=time.time(),
    )  # fmt: skip
    feed(service, T0 + 3, [99.0] * 3)
    service.stop()
    assert receiver.received == []
    firing = [e for e in store.events(newest_first=False) if e["kind"] == "firing"]
    assert [e["muted"] for e in firing] == [f"silence #{silence}"]
