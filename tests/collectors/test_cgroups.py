"""The cgroups collector on fake hierarchies: v2, v1 and hybrid; the layouts of Docker (both
drivers), Podman, systemd, Kubernetes (both drivers) and LXC; resets, restarts and workloads
that vanish mid-read."""

from __future__ import annotations

from pathlib import Path

import pytest

from collectors.base import CollectorUnavailable
from collectors.cgroups import CgroupsCollector
from collectors.cgroups import collector as collector_module
from collectors.cgroups.discovery import discover
from storage.series import flatten
from tests.collectors.cgroupfs import FakeCgroups
from tests.collectors.contract import assert_section_shape
from tests.collectors.fakes import FakeClock

DOCKER_ID = "3f2a9c1e0b7d" + "a" * 52
OTHER_ID = "9b8c7d6e5f4a" + "b" * 52
POD_UID = "0f5c3d1e-7a2b-4c9d-8e1f-2a3b4c5d6e7f"
LAYOUTS = ["v2", "v1", "hybrid"]


def make(tmp_path: Path, layout: str, clock: FakeClock, **options: object) -> CgroupsCollector:
    return CgroupsCollector(clock, root=tmp_path, cores=4, **options)  # type: ignore[arg-type]


def rows(section: dict) -> dict[str, dict]:
    return {row["key"]: row for row in section["workloads"]}


@pytest.mark.parametrize("layout", LAYOUTS)
def test_rates_memory_limits_and_io_over_the_real_elapsed_time(tmp_path: Path, layout: str) -> None:
    fs, clock = FakeCgroups(tmp_path, layout), FakeClock()
    rel = f"system.slice/docker-{DOCKER_ID}.scope"
    fs.docker_name(DOCKER_ID, "web")
    fs.set(rel, cpu_s=10.0, mem=300 << 20, inactive_file=100 << 20, mem_limit=512 << 20,
           io=(1000, 2000), tasks=12, quota=True, periods=100, throttled=10)  # fmt: skip
    collector = make(tmp_path, layout, clock)
    first = collector.collect()
    assert_section_shape("cgroups", first)
    assert first["hierarchy"] == layout
    row = rows(first)["docker/web"]
    assert row["cpu_pct"] is None and row["io_read_bps"] is None  # no previous reading
    assert (row["mem"], row["mem_limit"], row["mem_pct"]) == (200 << 20, 512 << 20, 39.06)
    clock.advance(2.0)
    fs.set(rel, cpu_s=11.0, mem=300 << 20, inactive_file=100 << 20, mem_limit=512 << 20,
           io=(5000, 2000), tasks=12, quota=True, periods=120, throttled=15,
           throttled_s=0.5, psi_some_us=200_000)  # fmt: skip
    row = rows(collector.collect())["docker/web"]
    assert row["cpu_pct"] == 50.0  # 1 s of CPU over 2 s: half a core
    assert row["cpu_host_pct"] == 12.5  # of 4 cores
    assert row["io_read_bps"] == 2000.0 and row["io_write_bps"] == 0.0
    assert row["throttled_pct"] == 25.0  # 5 of 20 periods
    assert (row["tasks"], row["name"], row["kind"]) == (12, "web", "docker")
    assert row["id"] == DOCKER_ID[:12]
    # Per-cgroup pressure exists on the unified hierarchy only.
    assert row["psi_cpu_some_pct"] == (10.0 if layout == "v2" else None)


@pytest.mark.parametrize("layout", LAYOUTS)
def test_unlimited_memory_and_no_quota_are_null_not_zero(tmp_path: Path, layout: str) -> None:
    fs = FakeCgroups(tmp_path, layout)
    fs.set("system.slice/nginx.service", cpu_s=1.0, mem=10 << 20)
    row = rows(make(tmp_path, layout, FakeClock()).collect())["service/nginx.service"]
    assert row["mem_limit"] is None and row["mem_pct"] is None
    assert row["throttled_pct"] is None and row["throttled_s_per_s"] is None


def test_discovery_names_every_layout_people_run(tmp_path: Path) -> None:
    fs = FakeCgroups(tmp_path, "v2")
    fs.docker_name(DOCKER_ID, "web")
    fs.docker_name(OTHER_ID, "worker")
    fs.podman_name(OTHER_ID, "db")
    fs.kubernetes_pod("shop", "cart-7d9f", POD_UID)
    pod_slice = f"kubepods-burstable-pod{POD_UID.replace('-', '_')}.slice"
    for rel in (
        "system.slice/nginx.service",
        f"system.slice/docker-{DOCKER_ID}.scope",  # Docker, systemd driver
        f"docker/{OTHER_ID}",  # Docker, cgroupfs driver
        f"machine.slice/libpod-{OTHER_ID}.scope",  # Podman
        f"machine.slice/libpod-conmon-{OTHER_ID}.scope",  # Podman's monitor: not a workload
        f"kubepods.slice/kubepods-burstable.slice/{pod_slice}/cri-containerd-{DOCKER_ID}.scope",
        f"kubepods/besteffort/pod{POD_UID}/{OTHER_ID}",  # Kubernetes, cgroupfs driver
        "lxc.payload.build1",
        "lxc/legacy",
        "user.slice/user-1000.slice/session-3.scope",
        "init.scope",
    ):
        fs.set(rel)
    found = {(f.kind, f.id) for f in discover(tmp_path / "sys/fs/cgroup")}
    assert ("service", "nginx.service") in found
    assert ("docker", DOCKER_ID) in found and ("docker", OTHER_ID) in found
    assert ("podman", OTHER_ID) in found
    assert ("pod", POD_UID) in found  # the pod, not its containers, under both drivers
    assert ("lxc", "build1") in found and ("lxc", "legacy") in found
    assert {("slice", "system.slice"), ("user", "user-1000.slice")} <= found
    assert ("scope", "session-3.scope") in found
    assert all("conmon" not in ident and ident != "init.scope" for _, ident in found)
    keys = set(rows(make(tmp_path, "v2", FakeClock(), top_n=50).collect()))
    assert {"docker/web", "docker/worker", "podman/db", "pod/shop/cart-7d9f", "lxc/build1",
            "service/nginx.service", "slice/system.slice"} <= keys  # fmt: skip


def test_names_that_cannot_be_read_keep_the_short_id(tmp_path: Path) -> None:
    FakeCgroups(tmp_path, "v2").set(f"system.slice/docker-{DOCKER_ID}.scope")
    assert f"docker/{DOCKER_ID[:12]}" in rows(make(tmp_path, "v2", FakeClock()).collect())


@pytest.mark.parametrize("layout", LAYOUTS)
def test_a_restarted_container_continues_its_key_and_counts_a_restart(
    tmp_path: Path, layout: str
) -> None:
    fs, clock = FakeCgroups(tmp_path, layout), FakeClock()
    fs.docker_name(DOCKER_ID, "web")
    fs.docker_name(OTHER_ID, "web")  # the same name, a new container
    fs.set(f"system.slice/docker-{DOCKER_ID}.scope", cpu_s=100.0)
    collector = make(tmp_path, layout, clock, rediscover_s=1.0)
    collector.collect()
    clock.advance(1)
    fs.remove(f"system.slice/docker-{DOCKER_ID}.scope")
    fs.set(f"system.slice/docker-{OTHER_ID}.scope", cpu_s=0.5)
    row = rows(collector.collect())["docker/web"]
    assert row["id"] == OTHER_ID[:12]
    assert row["restarts"] == 1
    assert row["cpu_pct"] is None  # a new counter: no rate, never a negative one


@pytest.mark.parametrize("layout", LAYOUTS)
def test_a_service_recreated_at_the_same_path_counts_a_restart(tmp_path: Path, layout: str) -> None:
    fs, clock = FakeCgroups(tmp_path, layout), FakeClock()
    fs.set("system.slice/app.service", cpu_s=50.0)
    collector = make(tmp_path, layout, clock, rediscover_s=1.0)
    collector.collect()
    clock.advance(1)
    fs.remove("system.slice/app.service")
    fs.set("system.slice/app.service", cpu_s=0.1)
    row = rows(collector.collect())["service/app.service"]
    assert (row["restarts"], row["cpu_pct"]) == (1, None)


def test_a_counter_that_goes_back_gives_no_rate(tmp_path: Path) -> None:
    fs, clock = FakeCgroups(tmp_path, "v2"), FakeClock()
    fs.set("system.slice/app.service", cpu_s=50.0, io=(10_000, 0))
    collector = make(tmp_path, "v2", clock)
    collector.collect()
    clock.advance(1)
    fs.set("system.slice/app.service", cpu_s=40.0, io=(5_000, 0))
    row = rows(collector.collect())["service/app.service"]
    assert row["cpu_pct"] is None and row["io_read_bps"] is None


def test_a_workload_that_vanishes_mid_read_is_left_out_quietly(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    fs = FakeCgroups(tmp_path, "v1")
    fs.set("system.slice/a.service", cpu_s=1.0)
    fs.set("system.slice/b.service", cpu_s=1.0)
    real_discover = collector_module.discover

    def discover_then_lose_b(*args: object) -> list:
        found = real_discover(*args)  # type: ignore[arg-type]
        fs.remove("system.slice/b.service")  # gone between the walk and the reads
        return found

    monkeypatch.setattr(collector_module, "discover", discover_then_lose_b)
    section = make(tmp_path, "v1", FakeClock()).collect()
    assert set(rows(section)) == {"service/a.service", "slice/system.slice"}
    assert section["total"] == 2


def test_top_lists_and_the_hold_keep_the_sample_small_and_its_series_steady(tmp_path: Path) -> None:
    fs, clock = FakeCgroups(tmp_path, "v2"), FakeClock()
    for i in range(10):
        fs.set(f"system.slice/s{i}.service", cpu_s=0.0, mem=(i + 1) << 20)
    collector = make(tmp_path, "v2", clock, top_n=2, hold_s=60.0)
    collector.collect()
    clock.advance(1)
    for i in range(10):  # s0 busiest now; s9 and s8 have the most memory
        fs.set(f"system.slice/s{i}.service", cpu_s=1.0 if i == 0 else 0.0, mem=(i + 1) << 20)
    section = collector.collect()
    assert section["total"] == 11  # ten services and their slice
    keys = list(rows(section))
    assert keys[0] == "service/s0.service"  # sorted by CPU
    assert {"service/s9.service", "service/s8.service"} <= set(keys)
    assert len(collector.workloads()) == 11  # the whole list, on demand
    fs.set("system.slice/s1.service", cpu_s=30.0, mem=2 << 20)  # s1 busiest now
    clock.advance(30)
    assert "service/s0.service" in rows(collector.collect())  # held after leaving the top
    fs.set("system.slice/s1.service", cpu_s=90.0, mem=2 << 20)
    clock.advance(61)
    assert "service/s0.service" not in rows(collector.collect())


def test_extra_roots_the_user_names_are_workloads(tmp_path: Path) -> None:
    fs = FakeCgroups(tmp_path, "v1")
    fs.set("batch/nightly", cpu_s=1.0)
    section = make(tmp_path, "v1", FakeClock(), extra_roots=("batch/nightly", "missing")).collect()
    assert rows(section)["cgroup/nightly"]["path"] == "/batch/nightly"


def test_series_are_named_by_workload_key(tmp_path: Path) -> None:
    fs = FakeCgroups(tmp_path, "v2")
    fs.docker_name(DOCKER_ID, "web")
    fs.set(f"system.slice/docker-{DOCKER_ID}.scope", mem=1 << 20)
    series = flatten({"cgroups": make(tmp_path, "v2", FakeClock()).collect()})
    assert series["cgroups.workloads[docker/web].mem"] == float(1 << 20)
    assert series["cgroups.total"] == 2.0
    assert not any(name.endswith((".name", ".kind", ".path", ".id")) for name in series)


def test_no_cgroup_hierarchy_means_the_collector_is_unavailable(tmp_path: Path) -> None:
    (tmp_path / "proc/self").mkdir(parents=True)
    (tmp_path / "proc/self/mountinfo").write_text("22 1 0:21 / /proc rw - proc proc rw\n")
    with pytest.raises(CollectorUnavailable):
        CgroupsCollector(FakeClock(), root=tmp_path)


@pytest.mark.parametrize("layout", LAYOUTS)
def test_an_oom_kill_outside_the_top_rows_brings_its_workload_into_them(
    tmp_path: Path, layout: str
) -> None:
    fs, clock = FakeCgroups(tmp_path, layout), FakeClock()
    for i in range(6):
        fs.set(f"system.slice/busy{i}.service", cpu_s=10.0 * i, mem=(100 + i) << 20)
    fs.set("system.slice/quiet.service", mem=1 << 20, oom_kills=3)  # kills from before
    collector = make(tmp_path, layout, clock, top_n=2, hold_s=30.0)
    assert "service/quiet.service" not in rows(collector.collect())
    clock.advance(1)
    fs.set("system.slice/quiet.service", mem=1 << 20, oom_kills=4)
    row = rows(collector.collect())["service/quiet.service"]
    assert (row["oom_kills"], row["oom_kills_now"]) == (4, 1)
    clock.advance(1)
    row = rows(collector.collect())["service/quiet.service"]  # held in the rows, said once
    assert (row["oom_kills"], row["oom_kills_now"]) == (4, 0)
    clock.advance(31)
    assert "service/quiet.service" not in rows(collector.collect())


@pytest.mark.parametrize("layout", LAYOUTS)
def test_a_restart_is_said_once_in_the_rows(tmp_path: Path, layout: str) -> None:
    fs, clock = FakeCgroups(tmp_path, layout), FakeClock()
    for i in range(4):
        fs.set(f"system.slice/busy{i}.service", cpu_s=10.0 * i, mem=(100 + i) << 20)
    fs.set("system.slice/app.service", mem=1 << 20)
    collector = make(tmp_path, layout, clock, top_n=1, rediscover_s=1.0)
    assert "service/app.service" not in rows(collector.collect())
    clock.advance(1)
    fs.remove("system.slice/app.service")
    fs.set("system.slice/app.service", mem=1 << 20)
    row = rows(collector.collect())["service/app.service"]
    assert (row["restarts"], row["restarted"]) == (1, 1)
    clock.advance(1)
    row = rows(collector.collect())["service/app.service"]
    assert (row["restarts"], row["restarted"]) == (1, 0)


@pytest.mark.parametrize("layout", LAYOUTS)
def test_a_workload_near_its_memory_limit_is_always_a_row(tmp_path: Path, layout: str) -> None:
    fs, clock = FakeCgroups(tmp_path, layout), FakeClock()
    for i in range(6):
        fs.set(f"system.slice/busy{i}.service", cpu_s=10.0 * i, mem=(100 + i) << 20)
    fs.set("system.slice/small.service", mem=60 << 20, mem_limit=64 << 20)
    fs.set("system.slice/roomy.service", mem=10 << 20, mem_limit=64 << 20)
    section = rows(make(tmp_path, layout, clock, top_n=2).collect())
    assert section["service/small.service"]["mem_pct"] == 93.75
    assert "service/roomy.service" not in section
