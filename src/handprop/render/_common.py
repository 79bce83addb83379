"""What every rendering shares: number formats (for display only; the trace keeps float64)
and the limits of what is written out."""

from __future__ import annotations

import math
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import numpy as np

#: the step used by the numerical gradient check in handprop.tracing (functional's default)
GRADCHECK_EPS = 1e-6
#: a numerical and an analytic gradient closer than this count as agreeing (float64)
GRADCHECK_TOL = 1e-6
#: the long-way and shortcut delta closer than this count as equal
CHAIN_RULE_TOL = 1e-9
#: largest matrix shown in full; bigger ones are shown with their middle elided
MAX_ROWS = 12
MAX_COLS = 10
#: largest W (K * D entries) whose gradient is written out for every row, not just two
MAX_ROW_BY_ROW = 36
#: longest expanded sum written term by term; longer ones elide the middle terms
MAX_TERMS = 10


def half_up(value: float, decimals: int) -> str:
    """``value`` rounded to ``decimals`` decimals as taught, a 5 rounding away from zero
    (0.1735 -> 0.174, -0.1735 -> -0.174), as text.

    The number is read as the decimal it stands for (15 significant digits), so that a tie
    written with few digits is a tie: ``0.5 * 0.347`` is 0.1735 and rounds up, although the
    nearest float lies just below it.
    """
    if abs(value) >= 1e15:  # no digit after the point at 15 significant digits: nothing to round
        return f"{value:.{decimals}f}"
    exact = Decimal(format(float(value), ".15g"))
    return format(exact.quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP), "f")


def round_half_up(value: float, decimals: int) -> float:
    """``value`` rounded to ``decimals`` decimals as taught (see :func:`half_up`), a float."""
    return float(half_up(value, decimals)) if math.isfinite(value) else float(value)


def fixed(value: float, decimals: int) -> str:
    """``value`` with exactly ``decimals`` decimals, for aligned columns ("-0.000" becomes "0.000").

    Rounded as taught (:func:`half_up`). Non-finite values read ``inf``, ``-inf``, ``nan``;
    magnitudes of 1e7 and more use exponents.
    """
    value = float(value)
    if not math.isfinite(value):
        return "nan" if math.isnan(value) else ("inf" if value > 0 else "-inf")
    if abs(value) >= 1e7:
        return f"{value:.{decimals}e}"
    text = half_up(value, decimals)
    if text.startswith("-") and float(text) == 0:
        text = text[1:]
    return text


def compact(value: float, decimals: int) -> str:
    """``value`` rounded to ``decimals`` without trailing zeros, as written by hand: 0.1, 0.48.

    A value that is not 0 but rounds to 0 keeps two significant digits (``2.3e-05``), so a
    small number is never shown as a bare 0.
    """
    value = float(value)
    if not math.isfinite(value) or abs(value) >= 1e7:
        return fixed(value, decimals)
    text = half_up(value, decimals)
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    if text in ("0", "-0"):
        return "0" if value == 0 else f"{value:.1e}"
    return text


def percent(value: float, decimals: int) -> str:
    """A probability as a percentage with ``decimals - 2`` decimals (at least one): 15.4%."""
    return f"{100 * float(value):.{max(decimals - 2, 1)}f}%"


def fine(decimals: int) -> int:
    """Decimals for losses and updated parameters: one more, since their changes are small."""
    return decimals + 1


def elide(n: int, limit: int) -> list[int | None]:
    """Indices to show out of ``n``: all if ``n <= limit``, else the first ones, None, the last."""
    return list(range(n)) if n <= limit else [*range(limit - 2), None, n - 1]


def shown(n: int, limit: int) -> list[int]:
    """The indices :func:`elide` shows, without the gap."""
    return [i for i in elide(n, limit) if i is not None]


def direction(old: float, new: float) -> str:
    """``↑`` when a parameter grew, ``↓`` when it shrank, ``·`` when it stayed (exactly)."""
    return "↑" if new > old else "↓" if new < old else "·"


def matrix_cells(M: Any, max_cols: int = MAX_COLS, old: Any = None) -> list[list[Any]]:
    """What a 1-D (a column) or 2-D array shows: ``(value, arrow)`` for each entry (the arrow
    of how it moved from ``old``, or ""), and ``⋮``, ``⋱``, ``…`` where the middle rows and
    columns are left out."""
    M = np.asarray(M)
    M2 = M[:, None] if M.ndim == 1 else M
    old2 = None if old is None else np.asarray(old).reshape(M2.shape)
    rows = []
    for i in elide(M2.shape[0], MAX_ROWS):
        row: list[Any] = []
        for j in elide(M2.shape[1], max_cols):
            if i is None or j is None:
                row.append("…" if i is not None else "⋮" if j is not None else "⋱")
            else:
                row.append((M2[i, j], "" if old2 is None else direction(old2[i, j], M2[i, j])))
        rows.append(row)
    return rows
