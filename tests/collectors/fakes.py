"""A fake psutil (its answers only, shaped like psutil 7 on Linux), a fake clock and a fake NVML.

Tests set the answers as attributes. An answer that is an exception instance is raised instead of
returned; a name in ``missing`` makes the function absent (AttributeError), as on platforms where
psutil does not define it.
"""

from __future__ import annotations

from collections import namedtuple
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

# The namedtuples psutil returns on Linux (psutil/_ntuples.py), same names and fields.
scputimes = namedtuple(
    "scputimes", "user nice system idle iowait irq softirq steal guest guest_nice"
)
scpustats = namedtuple("scpustats", "ctx_switches interrupts soft_interrupts syscalls")
scpufreq = namedtuple("scpufreq", "current min max")
svmem = namedtuple(
    "svmem", "total available percent used free active inactive buffers cached shared slab"
)
sswap = namedtuple("sswap", "total used free percent sin sout")
sdiskpart = namedtuple("sdiskpart", "device mountpoint fstype opts")
sdiskusage = namedtuple("sdiskusage", "total used free percent")
sdiskio = namedtuple(
    "sdiskio",
    "read_count write_count read_bytes write_bytes read_time write_time "
    "read_merged_count write_merged_count busy_time",
)
snetio = namedtuple(
    "snetio", "bytes_sent bytes_recv packets_sent packets_recv errin errout dropin dropout"
)
shwtemp = namedtuple("shwtemp", "label current high critical")
sfan = namedtuple("sfan", "label current")
sbattery = namedtuple("sbattery", "percent secsleft power_plugged")
pmem = namedtuple("pmem", "rss vms shared text lib data dirty")

POWER_TIME_UNKNOWN = -1
POWER_TIME_UNLIMITED = -2


class Error(Exception):
    """psutil.Error."""


class NoSuchProcess(Error):
    """psutil.NoSuchProcess."""


class ZombieProcess(NoSuchProcess):
    """psutil.ZombieProcess (a NoSuchProcess, as in psutil)."""


class AccessDenied(Error):
    """psutil.AccessDenied."""


def _answer(value: Any) -> Any:
    if isinstance(value, BaseException):
        raise value
    return value


def disk(reads: int = 0, writes: int = 0, read_bytes: int = 0, write_bytes: int = 0,
         busy_ms: int = 0) -> sdiskio:  # fmt: skip
    """An sdiskio with the fields the disks collector reads."""
    return sdiskio(reads, writes, read_bytes, write_bytes, 0, 0, 0, 0, busy_ms)


def nic(rx: int = 0, tx: int = 0, rx_packets: int = 0, tx_packets: int = 0, errin: int = 0,
        errout: int = 0, dropin: int = 0, dropout: int = 0) -> snetio:  # fmt: skip
    """An snetio, named by direction."""
    return snetio(tx, rx, tx_packets, rx_packets, errin, errout, dropin, dropout)


def times(user: float = 0.0, system: float = 0.0, idle: float = 0.0, iowait: float = 0.0,
          steal: float = 0.0, guest: float = 0.0) -> scputimes:  # fmt: skip
    """An scputimes in seconds; the fields not named are 0."""
    return scputimes(user, 0.0, system, idle, iowait, 0.0, 0.0, steal, guest, 0.0)


def process_info(pid: int, name: Any = "proc", *, cpu: Any = 0.0, rss: int | None = 1000,
                 status: Any = "sleeping", cmdline: Any = None, username: Any = "root",
                 threads: Any = 1) -> dict[str, Any]:  # fmt: skip
    """A FakeProcess's answers, by psutil attribute name (an exception instance is raised)."""
    return {
        "pid": pid,
        "name": name,
        "username": username,
        "cpu_percent": cpu,
        "memory_info": None if rss is None else pmem(rss, 2 * rss, 0, 0, 0, 0, 0),
        "num_threads": threads,
        "status": status,
        "cmdline": [name] if cmdline is None else cmdline,
    }


class FakeProcess:
    """A psutil.Process as process_iter yields it, answering from a dict (see process_info).

    ``info`` holds the answers for the attrs process_iter was asked for (AccessDenied and
    ZombieProcess give its ad_value, NoSuchProcess is raised); when the answers are one exception
    instead of a dict, reading ``info`` (or calling anything) raises it. ``name()``,
    ``username()``, ``num_threads()`` and ``cmdline()`` answer from the dict, raising an exception
    answer; each call is recorded in ``calls`` as (method, inside oneshot()).
    """

    def __init__(self, answers: dict[str, Any] | BaseException) -> None:
        self._answers = answers
        self.attrs: Any = None  # set by FakePsutil.process_iter
        self.ad_value: Any = None
        self.calls: list[tuple[str, bool]] = []
        self.oneshots = 0
        self._in_oneshot = False

    @property
    def info(self) -> dict[str, Any]:
        answers = _answer(self._answers)
        info = {}
        for attr in self.attrs or answers:
            value = answers[attr]
            if isinstance(value, AccessDenied | ZombieProcess):
                value = self.ad_value
            info[attr] = _answer(value)
        return info

    @contextmanager
    def oneshot(self) -> Iterator[None]:
        self.oneshots += 1
        outer = self._in_oneshot
        self._in_oneshot = True
        try:
            yield
        finally:
            self._in_oneshot = outer

    def _method(self, attr: str) -> Any:
        self.calls.append((attr, self._in_oneshot))
        return _answer(_answer(self._answers)[attr])

    def name(self) -> Any:
        return self._method("name")

    def username(self) -> Any:
        return self._method("username")

    def num_threads(self) -> Any:
        return self._method("num_threads")

    def cmdline(self) -> Any:
        return self._method("cmdline")


class _RaisingIterator:
    """Yields the processes; an exception in the list is raised by that ``next`` only."""

    def __init__(self, items: list[Any]) -> None:
        self._items = iter(items)

    def __iter__(self) -> Iterator[Any]:
        return self

    def __next__(self) -> Any:
        return _answer(next(self._items))


class FakeClock:
    """A monotonic clock that moves only when told."""

    def __init__(self, now: float = 1000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


class FakePsutil:
    """psutil's module-level functions, answering from attributes."""

    NoSuchProcess = NoSuchProcess
    ZombieProcess = ZombieProcess
    AccessDenied = AccessDenied
    Error = Error
    POWER_TIME_UNKNOWN = POWER_TIME_UNKNOWN
    POWER_TIME_UNLIMITED = POWER_TIME_UNLIMITED

    def __init__(self) -> None:
        self.missing: set[str] = set()
        self.calls: list[tuple[str, dict[str, Any]]] = []
        self.total_times: Any = times(user=10, system=5, idle=85)
        self.core_times: Any = [times(user=5, idle=45), times(user=5, system=5, idle=40)]
        self.stats: Any = scpustats(1000, 500, 0, 0)
        self.freq: Any = scpufreq(2400.0, 800.0, 3600.0)
        self.memory: Any = svmem(16_000, 8_000, 50.0, 7_000, 1_000, 0, 0, 300, 4_000, 0, 0)
        self.swap: Any = sswap(4_000, 1_000, 3_000, 25.0, 0, 0)
        self.loadavg: Any = (0.5, 0.25, 0.125)
        self.logical_cores: Any = 8
        self.physical_cores: Any = 4
        self.boot: Any = 1_700_000_000.0
        self.partitions: Any = [sdiskpart("/dev/sda1", "/", "ext4", "rw")]
        self.usage: dict[str, Any] = {"/": sdiskusage(1000, 400, 600, 40.0)}
        self.disk_counters: Any = {"sda": disk()}
        self.net_counters: Any = {"eth0": nic()}
        self.temperatures: Any = {}
        self.fans: Any = {}
        self.battery: Any = None
        self.processes: list[Any] = []

    def __getattribute__(self, name: str) -> Any:
        if not name.startswith("_") and name in object.__getattribute__(self, "missing"):
            raise AttributeError(f"module 'psutil' has no attribute {name!r}")
        return object.__getattribute__(self, name)

    def _call(self, name: str, **kwargs: Any) -> None:
        self.calls.append((name, kwargs))

    def calls_to(self, name: str) -> list[dict[str, Any]]:
        """The keyword arguments of each call to ``name``."""
        return [kwargs for called, kwargs in self.calls if called == name]

    def cpu_times(self, percpu: bool = False) -> Any:
        self._call("cpu_times", percpu=percpu)
        return list(_answer(self.core_times)) if percpu else _answer(self.total_times)

    def cpu_stats(self) -> Any:
        return _answer(self.stats)

    def cpu_freq(self, percpu: bool = False) -> Any:
        return _answer(self.freq)

    def cpu_count(self, logical: bool = True) -> Any:
        return _answer(self.logical_cores if logical else self.physical_cores)

    def virtual_memory(self) -> Any:
        return _answer(self.memory)

    def swap_memory(self) -> Any:
        return _answer(self.swap)

    def getloadavg(self) -> Any:
        return _answer(self.loadavg)

    def boot_time(self) -> Any:
        return _answer(self.boot)

    def disk_partitions(self, all: bool = False) -> Any:
        self._call("disk_partitions", all=all)
        return _answer(self.partitions)

    def disk_usage(self, path: str) -> Any:
        return _answer(self.usage[path])

    def disk_io_counters(self, perdisk: bool = False, nowrap: bool = True) -> Any:
        self._call("disk_io_counters", perdisk=perdisk)
        return _answer(self.disk_counters)

    def net_io_counters(self, pernic: bool = False, nowrap: bool = True) -> Any:
        self._call("net_io_counters", pernic=pernic)
        return _answer(self.net_counters)

    def sensors_temperatures(self, fahrenheit: bool = False) -> Any:
        return _answer(self.temperatures)

    def sensors_fans(self) -> Any:
        return _answer(self.fans)

    def sensors_battery(self) -> Any:
        return _answer(self.battery)

    def process_iter(self, attrs: Any = None, ad_value: Any = None) -> Iterator[Any]:
        self._call("process_iter", attrs=attrs, ad_value=ad_value)
        for process in self.processes:
            if isinstance(process, FakeProcess):
                process.attrs, process.ad_value = attrs, ad_value
        return _RaisingIterator(self.processes)


class NVMLError(Exception):
    """pynvml.NVMLError."""


class FakeNvml:
    """The few pynvml functions the GPU collector uses; answers per GPU index."""

    NVMLError = NVMLError
    NVML_TEMPERATURE_GPU = 0

    def __init__(self, gpus: int = 1) -> None:
        self.init_error: BaseException | None = None
        self.count: Any = gpus
        self.names: dict[int, Any] = {i: f"NVIDIA Fake {i}" for i in range(gpus)}
        self.util: dict[int, Any] = dict.fromkeys(range(gpus), 50)
        self.memory: dict[int, Any] = dict.fromkeys(range(gpus), (1_000, 8_000))
        self.temperature: dict[int, Any] = dict.fromkeys(range(gpus), 40)
        self.power_mw: dict[int, Any] = dict.fromkeys(range(gpus), 70_500)
        self.handle_errors: set[int] = set()
        self.initialized = False
        self.shutdowns = 0
        self.temperature_sensors: list[int] = []

    def nvmlInit(self) -> None:
        if self.init_error is not None:
            raise self.init_error
        self.initialized = True

    def nvmlShutdown(self) -> None:
        self.shutdowns += 1
        self.initialized = False

    def nvmlDeviceGetCount(self) -> int:
        return _answer(self.count)

    def nvmlDeviceGetHandleByIndex(self, index: int) -> int:
        if index in self.handle_errors:
            raise NVMLError("GPU is lost")
        return index  # the handle is the index

    def nvmlDeviceGetName(self, handle: int) -> Any:
        return _answer(self.names[handle])

    def nvmlDeviceGetUtilizationRates(self, handle: int) -> Any:
        gpu = _answer(self.util[handle])
        return namedtuple("c_nvmlUtilization_t", "gpu memory")(gpu, 0)

    def nvmlDeviceGetMemoryInfo(self, handle: int) -> Any:
        used, total = _answer(self.memory[handle])
        return namedtuple("c_nvmlMemory_t", "total free used")(total, total - used, used)

    def nvmlDeviceGetTemperature(self, handle: int, sensor: int) -> Any:
        self.temperature_sensors.append(sensor)
        return _answer(self.temperature[handle])

    def nvmlDeviceGetPowerUsage(self, handle: int) -> Any:
        return _answer(self.power_mw[handle])
