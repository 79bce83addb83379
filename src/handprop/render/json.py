"""The JSON rendering of a :class:`~handprop.tracing.Trace`: every intermediate, full precision.

One object for a single step, a list of objects for several (``Trace.to_json_data``); the keys
of :data:`handprop.tracing.JSON_KEYS` come first. Numbers are written with ``repr`` precision, so
they read back as the same float64 values. JSON has no infinity or NaN: a value that overflowed
(``exp_logits`` for huge logits, say) is written as ``null``.
"""

from __future__ import annotations

import json
import math
from typing import Any

from handprop.tracing import Trace


def _finite(value: Any) -> Any:
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, list):
        return [_finite(v) for v in value]
    if isinstance(value, dict):
        return {k: _finite(v) for k, v in value.items()}
    return value


def render_json(trace: Trace, indent: int | None = 2) -> str:
    """``trace`` as JSON text (UTF-8, valid JSON: non-finite numbers become ``null``)."""
    data = _finite(trace.to_json_data())
    return json.dumps(data, indent=indent, ensure_ascii=False, allow_nan=False)
