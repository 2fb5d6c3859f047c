"""Numbers with units for people, one way everywhere: binary multiples for bytes (KiB, MiB/s)
and a space before every unit ("1.50 MiB/s", "12.5 %", "3 processes").

The units are those the collectors declare in their ``METRICS`` tables ("bytes", "bytes/s",
"%", "1/s", "°C", ...). The browser's ``monitorFormat`` (assets/dashboard.js) writes bytes the
same way.
"""

from __future__ import annotations

import math

BYTE_UNITS = ("bytes", "bytes/s")
BINARY_PREFIXES = ("", "Ki", "Mi", "Gi", "Ti", "Pi")
# How a declared unit is written after a number (bytes get their binary prefix in front).
SYMBOLS = {"bytes": "B", "bytes/s": "B/s", "1/s": "/s", "bool": "", "epoch s": "s"}


def symbol(unit: str) -> str:
    """The unit as written after a number: "bytes/s" -> "B/s", "1/s" -> "/s", "%" -> "%"."""
    return SYMBOLS.get(unit, unit)


def binary_scale(magnitude: float) -> tuple[float, str]:
    """(1024**k, prefix) of the largest binary multiple not above ``magnitude`` (at most Pi)."""
    power = 0
    if math.isfinite(magnitude):
        value = abs(magnitude)
        while value >= 1024 and power < len(BINARY_PREFIXES) - 1:
            value /= 1024
            power += 1
    return float(1024**power), BINARY_PREFIXES[power]


def scaled_unit(unit: str, magnitude: float) -> tuple[float, str]:
    """(divisor, symbol) to show values of ``unit`` near ``magnitude``: bytes in the binary
    multiple that keeps them readable ("MiB/s" for 3e6 bytes/s), anything else as it is."""
    if unit in BYTE_UNITS:
        factor, prefix = binary_scale(magnitude)
        return factor, prefix + symbol(unit)
    return 1.0, symbol(unit)


def _digits(value: float) -> str:
    """Three significant digits, without an exponent: 1.23, 12.3, 123, 12,345."""
    size = abs(value)
    if size >= 1000:
        return f"{value:,.0f}"
    return f"{value:.{0 if size >= 100 else 1 if size >= 10 else 2}f}"


def format_value(value: float | None, unit: str) -> str:
    """``value`` of ``unit`` for people; "–" when there is none (None or NaN)."""
    if value is None or not math.isfinite(value):
        return "–"
    if unit in BYTE_UNITS:
        factor, text = scaled_unit(unit, value)
        number = f"{value:.0f}" if factor == 1 else _digits(value / factor)
    elif unit == "bool":
        return "yes" if value else "no"
    elif unit == "%":
        number, text = f"{value:.1f}", "%"
    elif float(value).is_integer() and abs(value) < 1e6:
        number, text = f"{value:,.0f}", symbol(unit)
    else:
        number, text = _digits(value), symbol(unit)
    return f"{number} {text}" if text else number
