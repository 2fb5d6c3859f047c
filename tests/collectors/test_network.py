"""NetworkCollector: per-interface and total rates, virtual interfaces, wraps and resets."""

from __future__ import annotations

import pytest

from collectors.network import NetworkCollector, is_virtual_interface
from tests.collectors.fakes import FakeClock, FakePsutil, nic

ZERO_RATES = {
    "rx_bps": 0.0, "tx_bps": 0.0, "rx_pps": 0.0, "tx_pps": 0.0,
    "errors_per_s": 0.0, "drops_per_s": 0.0,
}  # fmt: skip


def test_rates_over_the_real_elapsed_time() -> None:
    fake, clock = FakePsutil(), FakeClock()
    fake.net_counters = {"eth0": nic()}
    collector = NetworkCollector(fake, clock)
    fake.net_counters = {
        "eth0": nic(rx=200, tx=400, rx_packets=20, tx_packets=10, errin=1, errout=3,
                    dropin=2, dropout=6)
    }  # fmt: skip
    clock.advance(2)

    sample = collector.collect()

    expected = {"rx_bps": 100.0, "tx_bps": 200.0, "rx_pps": 10.0, "tx_pps": 5.0,
                "errors_per_s": 2.0, "drops_per_s": 4.0}  # fmt: skip
    assert sample == {"interfaces": [{"iface": "eth0", **expected}], "total": expected}
    assert fake.calls_to("net_io_counters")[-1] == {"pernic": True}


def test_loopback_and_virtual_interfaces_are_skipped_by_default() -> None:
    fake, clock = FakePsutil(), FakeClock()
    names = ["lo", "eth0", "wlan0", "veth1a2b", "docker0", "br-5f3a", "virbr0", "cni0",
             "flannel.1", "cali123", "vnet3", "ifb0"]  # fmt: skip
    fake.net_counters = dict.fromkeys(names, nic())
    collector = NetworkCollector(fake, clock)
    fake.net_counters = dict.fromkeys(names, nic(rx=100))
    clock.advance(1)

    sample = collector.collect()

    assert [row["iface"] for row in sample["interfaces"]] == ["eth0", "wlan0"]
    assert sample["total"]["rx_bps"] == 200.0  # skipped interfaces are not in the total


def test_include_virtual_keeps_virtual_interfaces_but_never_loopback() -> None:
    fake = FakePsutil()
    fake.net_counters = dict.fromkeys(["lo", "eth0", "docker0", "veth9"], nic())
    collector = NetworkCollector(fake, FakeClock(), include_virtual=True)
    names = [row["iface"] for row in collector.collect()["interfaces"]]
    assert names == ["docker0", "eth0", "veth9"]


@pytest.mark.parametrize("name", ["veth0", "docker0", "br-1", "virbr0", "cni0", "cali9", "vnet0"])
def test_virtual_names(name: str) -> None:
    assert is_virtual_interface(name)
    assert not is_virtual_interface("eth0") and not is_virtual_interface("enp3s0")


def test_byte_counter_going_backwards_gives_null_then_a_rate_never_negative() -> None:
    fake, clock = FakePsutil(), FakeClock()
    fake.net_counters = {"eth0": nic(rx=2**32 - 100, tx=50), "eth1": nic(rx=1000)}
    collector = NetworkCollector(fake, clock)

    fake.net_counters = {"eth0": nic(rx=100, tx=150), "eth1": nic(rx=1300)}  # eth0 rx wrapped
    clock.advance(1)
    sample = collector.collect()
    eth0, eth1 = sample["interfaces"]
    assert eth0["rx_bps"] is None and eth0["tx_bps"] == 100.0
    assert eth1["rx_bps"] == 300.0
    assert sample["total"]["rx_bps"] == 300.0  # the wrapped counter adds nothing

    fake.net_counters = {"eth0": nic(rx=400, tx=150), "eth1": nic(rx=1300)}
    clock.advance(1)
    sample = collector.collect()
    assert [row["rx_bps"] for row in sample["interfaces"]] == [300.0, 0.0]
    assert sample["total"]["rx_bps"] == 300.0
    for row in sample["interfaces"]:
        assert all(value is None or value >= 0 for key, value in row.items() if key != "iface")


def test_interface_reset_gives_null_for_all_its_rates_for_one_tick() -> None:
    fake, clock = FakePsutil(), FakeClock()
    fake.net_counters = {"eth0": nic(rx=10**6, tx=10**6, rx_packets=10**3, tx_packets=10**3)}
    collector = NetworkCollector(fake, clock)
    fake.net_counters = {"eth0": nic(rx=10, tx=10, rx_packets=1, tx_packets=1)}  # down and up
    clock.advance(1)
    sample = collector.collect()
    row = sample["interfaces"][0]
    assert [row[k] for k in ("rx_bps", "tx_bps", "rx_pps", "tx_pps")] == [None] * 4
    assert sample["total"]["rx_bps"] is None  # no interface knows its rate


def test_interface_that_disappears_is_forgotten() -> None:
    fake, clock = FakePsutil(), FakeClock()
    fake.net_counters = {"eth0": nic(), "wg0": nic(rx=5000)}
    collector = NetworkCollector(fake, clock)
    fake.net_counters = {"eth0": nic()}
    clock.advance(1)
    assert [row["iface"] for row in collector.collect()["interfaces"]] == ["eth0"]
    fake.net_counters = {"eth0": nic(), "wg0": nic(rx=9000)}  # back, with new counters
    clock.advance(1)
    rows = {row["iface"]: row for row in collector.collect()["interfaces"]}
    assert rows["wg0"]["rx_bps"] is None


def test_idle_host_reports_zero_rates() -> None:
    fake, clock = FakePsutil(), FakeClock()
    collector = NetworkCollector(fake, clock)
    clock.advance(1)
    sample = collector.collect()
    assert sample["interfaces"] == [{"iface": "eth0", **ZERO_RATES}]
    assert sample["total"] == ZERO_RATES


def test_no_interfaces_gives_empty_list_and_null_totals() -> None:
    fake = FakePsutil()
    fake.net_counters = {}
    sample = NetworkCollector(fake, FakeClock()).collect()
    assert sample == {"interfaces": [], "total": dict.fromkeys(ZERO_RATES)}
