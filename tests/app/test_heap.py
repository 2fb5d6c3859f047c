"""The worker's C heap: fewer arenas, a fixed mmap threshold, and a trim once a period."""

from __future__ import annotations

import ctypes

from app.runtime.heap import HeapTrim, _glibc, limit_arenas


class CountingLibc:
    """Stands in for glibc's answers: counts the calls it gets."""

    def __init__(self) -> None:
        self.trims = 0
        self.options: list[tuple[int, int]] = []

    def malloc_trim(self, pad: int) -> int:
        self.trims += 1
        return 1

    def mallopt(self, param: int, value: int) -> int:
        self.options.append((param, value))
        return 1


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_this_machines_libc_is_glibc_and_takes_both_settings() -> None:
    libc = _glibc()
    assert isinstance(libc, ctypes.CDLL)
    assert limit_arenas(libc) is True


def test_the_arena_limit_and_the_mmap_threshold_are_what_is_asked() -> None:
    libc = CountingLibc()
    assert limit_arenas(libc) is True  # type: ignore[arg-type]
    assert libc.options == [(-8, 2), (-3, 256 * 1024)]


def test_a_trim_comes_once_a_period_and_not_before() -> None:
    libc, clock = CountingLibc(), Clock()
    trim = HeapTrim(period_s=60, clock=clock, libc=libc)  # type: ignore[arg-type]
    for _ in range(59):
        clock.now += 1
        trim({"ts": clock.now})
    assert libc.trims == 0
    clock.now += 1
    trim({})
    assert libc.trims == 1
    clock.now += 30
    assert trim.maybe_trim() is False
    clock.now += 30
    assert trim.maybe_trim() is True
    assert libc.trims == trim.trims == 2


def test_a_real_trim_runs_on_this_machine() -> None:
    clock = Clock()
    trim = HeapTrim(period_s=1, clock=clock)
    blocks = [bytearray(64 * 1024) for _ in range(200)]  # heap chunks, then freed
    del blocks
    clock.now += 1
    assert trim.maybe_trim() is True
