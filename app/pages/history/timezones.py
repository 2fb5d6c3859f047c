"""Time-zone conversion: every time on the page is shown in the browser's zone.

Plotly and the range inputs speak naive wall-clock times in that zone; the store speaks epoch
seconds (and milliseconds in a view's data). pandas, which parses and converts, is imported on
first use: a process that never shows a history page never loads it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

import numpy as np

if TYPE_CHECKING:
    import pandas as pd

LOCAL_FORMAT = "%Y-%m-%d %H:%M:%S"


def safe_tz(tz: str | None) -> str:
    """``tz`` when it names a known time zone, else UTC."""
    try:
        ZoneInfo(tz or "UTC")
    except (ValueError, KeyError, OSError):
        return "UTC"
    return tz or "UTC"


def local_to_epoch(text: str, tz: str | None) -> float:
    """A naive local time (as Plotly and the inputs give it) in ``tz`` -> epoch seconds."""
    import pandas as pd

    stamp = pd.Timestamp(str(text).strip())
    if stamp.tzinfo is None:
        stamp = stamp.tz_localize(tz or "UTC", ambiguous=False, nonexistent="shift_forward")
    return stamp.timestamp()


def epoch_to_local(ts: float, tz: str | None, fmt: str = LOCAL_FORMAT) -> str:
    """Epoch seconds -> the wall-clock time in ``tz``, as ``fmt``."""
    import pandas as pd

    return pd.Timestamp(ts, unit="s", tz="UTC").tz_convert(tz or "UTC").strftime(fmt)


def local_times(ts_ms: np.ndarray, tz: str | None) -> pd.DatetimeIndex:
    """Epoch ms -> naive wall-clock times in ``tz`` (what Plotly draws)."""
    import pandas as pd

    utc = pd.DatetimeIndex(pd.to_datetime(ts_ms, unit="ms", utc=True))
    return utc.tz_convert(tz or "UTC").tz_localize(None)
