"""The compact JSON text of a sample, as the hub serializes it once for every reader."""

from __future__ import annotations

import json
from typing import Any


def json_text(value: dict[str, Any]) -> str:
    """Compact JSON of ``value``; NaN and infinities become null."""
    text = json.dumps(value, separators=(",", ":"), default=str, allow_nan=True)
    if "NaN" in text or "Infinity" in text:
        text = json.dumps(_finite(value), separators=(",", ":"), default=str)
    return text


def _finite(value: Any) -> Any:
    if isinstance(value, float) and (value != value or value in (float("inf"), float("-inf"))):
        return None
    if isinstance(value, dict):
        return {k: _finite(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_finite(v) for v in value]
    return value
