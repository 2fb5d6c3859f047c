"""Host summaries (what the overview shows of a sample), the board of them, and the watched set."""

from __future__ import annotations

import threading

from app.hub import LiveHub
from app.hub.summary import VALUES, HostBoard, Summary, summarize, summarize_text
from app.hub.watch import WatchedHosts
from tests.support.samples import make_sample


def test_a_summary_holds_the_values_of_a_host_tile() -> None:
    sample = make_sample(3, host="h1")
    sample["health"]["interval_s"] = 2.0
    sample["disks"]["usage"].append({"mount": "/data", "percent": 91.5})
    summary = summarize(sample)
    assert (summary.host, summary.ts, summary.seq) == ("h1", sample["ts"], 3)
    assert summary.values == {
        "interval_s": 2.0,
        "cpu": sample["cpu"]["total"],
        "memory": sample["memory"]["percent"],
        "disk_full": 91.5,  # the fullest disk
        "disk_bps": sample["disks"]["total"]["read_bps"] + sample["disks"]["total"]["write_bps"],
        "net_bps": sample["network"]["total"]["rx_bps"] + sample["network"]["total"]["tx_bps"],
        "uptime_s": sample["system"]["uptime_s"],
        "cores": sample["system"]["cores_logical"],
    }
    assert tuple(summary.values) == VALUES


def test_a_sample_without_sections_summarizes_to_none_values() -> None:
    bare = summarize({"host": "h", "ts": 5.0})
    assert bare.values["cpu"] is None and bare.values["disk_full"] is None
    assert bare.values["disk_bps"] == 0 and bare.seq == 0
    broken = summarize_text("h", 7.0, 2, "not json")
    assert (broken.host, broken.ts, broken.seq) == ("h", 7.0, 2)
    assert broken.values["cpu"] is None
    listed = summarize_text("h", 7.0, 2, "[1, 2]")
    assert listed.values["memory"] is None


def test_the_board_keeps_the_newest_summary_and_the_cpu_of_each_host() -> None:
    board = HostBoard(spark_points=3)
    heard: list[str] = []
    board.add_hook(lambda summary: 1 / 0)  # a broken hook is logged, and skipped
    board.add_hook(lambda summary: heard.append(summary.host))
    for seq in range(5):
        board.put(Summary("a", 10.0 + seq, seq, {"cpu": float(seq)}))
    board.put(Summary("a", 14.0, 4, {"cpu": 99.0}))  # the same sample again: ignored
    board.put(Summary("b", 1.0, 1, {"cpu": None}))
    assert board.latest("a").seq == 4 and board.latest("a").values["cpu"] == 4.0
    assert board.spark("a") == [2.0, 3.0, 4.0]
    assert board.spark("b") == [None] and board.spark("c") == []
    assert board.hosts() == ["a", "b"] and board.latest("c") is None
    assert heard == ["a"] * 5 + ["b"]


def test_the_hub_puts_the_summary_of_each_sample_it_publishes() -> None:
    hub = LiveHub()
    hub.publish(make_sample(1, host="local"))
    hub.summaries.put(summarize(make_sample(1, host="remote")))  # a relayed summary alone
    assert hub.summaries.latest("local").seq == 1
    assert hub.hosts() == ["local", "remote"]  # heard of by a whole sample or a summary
    assert hub.latest("remote") is None


def test_watchers_are_counted_and_listeners_told_of_first_and_last() -> None:
    watched = WatchedHosts()
    changes: list[frozenset[str]] = []
    watched.add_listener(lambda: changes.append(watched.hosts()))
    watched.add_listener(lambda: 1 / 0)  # a broken listener never stops a watcher
    with watched.watching("a"):
        with watched.watching("a"):
            assert watched.count("a") == 2
        assert watched.hosts() == {"a"}
        watched.watch("b")
    assert watched.hosts() == {"b"}
    watched.unwatch("b")
    watched.unwatch("b")  # one too many: ignored
    assert watched.count("b") == 0
    assert changes == [{"a"}, {"a", "b"}, {"b"}, frozenset()]


def test_watching_from_many_threads_keeps_the_count() -> None:
    watched = WatchedHosts()

    def churn() -> None:
        for _ in range(500):
            with watched.watching("h"):
                pass

    threads = [threading.Thread(target=churn) for _ in range(4)]
    with watched.watching("h"):
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert watched.hosts() == {"h"}
    assert watched.hosts() == frozenset()
