"""Synthetic samples shaped like docs/sample-format.md, with every section filled in."""

from __future__ import annotations

from typing import Any


def make_sample(
    seq: int,
    *,
    host: str = "test-host",
    ts0: float = 1_764_000_000.0,
    interval: float = 1.0,
    extra_iface: bool = False,
) -> dict[str, Any]:
    """A full sample whose values depend on ``seq`` (so round trips can be checked exactly)."""
    s = float(seq)
    eth0 = {
        "rx_bps": 1000 + s,
        "tx_bps": 500 + s,
        "rx_pps": 10.0,
        "tx_pps": 5.0,
        "errors_per_s": 0.0,
        "drops_per_s": 0.0,
    }
    interfaces = [{"iface": "eth0", **eth0}]
    if extra_iface:
        interfaces.append(
            {
                "iface": "wlan0",
                "rx_bps": 7 * s,
                "tx_bps": None,
                "rx_pps": 1.0,
                "tx_pps": 1.0,
                "errors_per_s": 0.0,
                "drops_per_s": 0.0,
            }
        )
    proc = {
        "pid": 100 + seq,
        "name": f"proc{seq}",
        "user": "root",
        "cpu": 50.0 + s,
        "rss": 1_000_000 + seq,
        "mem": 1.5,
        "threads": 4,
        "status": "running",
        "cmdline": f"/usr/bin/proc{seq} --serve",
    }
    return {
        "v": 1,
        "host": host,
        "ts": ts0 + seq * interval,
        "seq": seq,
        "cpu": {
            "total": 10 + s % 90,
            "per_core": [s % 100, (2 * s) % 100],
            "user": 5.0,
            "system": 2.0,
            "iowait": None,
            "steal": 0.0,
            "freq_mhz": 2400.0,
            "ctx_switches_per_s": 1500.0 + s,
            "interrupts_per_s": 900.0,
        },
        "memory": {
            "total": 16 * 2**30,
            "used": 8 * 2**30 + seq,
            "available": 8 * 2**30,
            "percent": 50.0,
            "cached": 2**30,
            "buffers": 2**20,
            "swap_total": 0,
            "swap_used": 0,
            "swap_percent": 0.0,
            "swap_in_per_s": 0.0,
            "swap_out_per_s": 0.0,
        },
        "load": {"load1": 0.5 + s / 100, "load5": 0.4, "load15": 0.3, "run_queue": 2},
        "system": {
            "hostname": host,
            "os": "Linux 6.1",
            "boot_time": ts0 - 3600,
            "uptime_s": 3600 + s,
            "cores_logical": 2,
            "cores_physical": 1,
        },
        "disks": {
            "usage": [
                {
                    "mount": "/",
                    "device": "/dev/sda1",
                    "fstype": "ext4",
                    "total": 100e9,
                    "used": 40e9 + s,
                    "free": 60e9,
                    "percent": 40.0,
                }
            ],
            "io": [
                {
                    "disk": "sda",
                    "read_bps": 4096 * s,
                    "write_bps": 8192.0,
                    "read_iops": 1.0,
                    "write_iops": 2.0,
                    "busy_pct": 3.0,
                }
            ],
            "total": {
                "read_bps": 4096 * s,
                "write_bps": 8192.0,
                "read_iops": 1.0,
                "write_iops": 2.0,
            },
        },
        "network": {
            "interfaces": interfaces,
            "total": dict(eth0),  # eth0 alone: the extra interface is not counted
        },
        "sensors": {
            "temperatures": [
                {
                    "label": "coretemp/Package id 0",
                    "current": 40 + s % 10,
                    "high": 80.0,
                    "critical": 100.0,
                }
            ],
            "fans": [{"label": "fan1", "rpm": 2000}],
            "battery": None,
        },
        "processes": {
            "total": 200 + seq,
            "counts": {"running": 2, "sleeping": 198 + seq},
            "top_cpu": [proc],
            "top_mem": [proc],
        },
        "gpus": [
            {
                "index": 0,
                "name": "Fake GPU",
                "util_pct": s % 100,
                "mem_used": 2**30,
                "mem_total": 2**34,
                "temp_c": 50.0,
                "power_w": 100.0,
            }
        ],
        "health": {
            "collect_ms": {"cpu": 0.1},
            "collect_total_ms": 1.0,
            "lag_ms": 0.2,
            "skipped_ticks": 0,
            "cpu_time_s": 0.5,
            "failed_collectors": [],
            "buffer_depth": 0,
            "write_errors": 0,
        },
    }
