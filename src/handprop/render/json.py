"""The JSON rendering of a trace: every intermediate at full precision (``repr``, so it reads
back as the same float64), one object per step (a list for several); JSON has no infinity or
NaN, so a value that overflowed is written as ``null``.
"""

from __future__ import annotations

import json
import math
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from handprop.tracing import Steps


def _finite(value: Any) -> Any:
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, list):
        return [_finite(v) for v in value]
    if isinstance(value, dict):
        return {k: _finite(v) for k, v in value.items()}
    return value


def render_json(trace: Steps[Any], indent: int | None = 2) -> str:
    """``trace`` as JSON text (UTF-8, valid JSON: non-finite numbers become ``null``)."""
    data = _finite(trace.to_json_data())
    return json.dumps(data, indent=indent, ensure_ascii=False, allow_nan=False)
