"""Input checks that turn bad values into one-line errors (scikit-learn's check_array, smaller).

Every check raises :class:`handprop.errors.InputError` / :class:`ShapeError` with the message
``<where>: <name> must <expectation>; got <actual>.`` and never uses ``assert``.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from numpy.typing import NDArray

from handprop.errors import InputError, ShapeError
from handprop.messages import Msg


def describe(value: Any) -> str | Msg:
    """A short description of a value for the 'got ...' part of a message (translated)."""
    if isinstance(value, np.ndarray):
        return Msg("got.array", shape=value.shape, dtype=value.dtype)
    if isinstance(value, (list, tuple)):
        return Msg("got.sequence", kind=type(value).__name__, n=len(value))
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def as_float_array(
    value: Any,
    name: str,
    where: str,
    *,
    ndim: int | None = None,
    shape: tuple[int | None, ...] | None = None,
    finite: bool = True,
) -> NDArray[np.float64]:
    """``value`` as a float array of the given ``ndim``/``shape`` (``None`` = any size there).

    Raises InputError for non-numbers, NaN/inf (when ``finite``), ragged lists; ShapeError for a
    wrong number of dimensions or size.
    """
    try:
        arr = np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError):
        raise InputError(
            "err.must", where=where, name=name, expected=Msg("exp.numeric"), got=describe(value)
        ) from None
    if ndim is not None and arr.ndim != ndim:
        raise ShapeError(
            "err.must",
            where=where,
            name=name,
            expected=Msg("exp.ndim", ndim=ndim),
            got=Msg("got.ndim_shape", ndim=arr.ndim, shape=arr.shape),
        )
    if shape is not None and (
        arr.ndim != len(shape)
        or any(s is not None and s != a for s, a in zip(shape, arr.shape, strict=True))
    ):
        want = (
            "("
            + ", ".join("*" if s is None else str(s) for s in shape)
            + ("," if len(shape) == 1 else "")
            + ")"
        )
        raise ShapeError(
            "err.must",
            where=where,
            name=name,
            expected=Msg("exp.shape", shape=want),
            got=Msg("got.shape", shape=arr.shape),
        )
    if finite and not np.all(np.isfinite(arr)):
        raise InputError(
            "err.must", where=where, name=name, expected=Msg("exp.finite"), got=_first_bad(arr)
        )
    return arr


def _first_bad(arr: NDArray[np.floating]) -> str:
    bad = np.argwhere(~np.isfinite(arr))[0]
    index = ", ".join(str(i) for i in bad)
    return f"{arr[tuple(bad)]} at [{index}]"


def positive_float(value: Any, name: str, where: str) -> float:
    """A finite float > 0 (learning rates, tolerances)."""
    try:
        number = float(value)
    except (TypeError, ValueError):
        number = math.nan
    if isinstance(value, bool) or not (math.isfinite(number) and number > 0):
        raise InputError(
            "err.must", where=where, name=name, expected=Msg("exp.positive"), got=describe(value)
        )
    return number


def nonnegative_float(value: Any, name: str, where: str) -> float:
    """A finite float >= 0 (momentum, weight decay)."""
    try:
        number = float(value)
    except (TypeError, ValueError):
        number = math.nan
    if isinstance(value, bool) or not (math.isfinite(number) and number >= 0):
        raise InputError(
            "err.must", where=where, name=name, expected=Msg("exp.nonnegative"), got=describe(value)
        )
    return number


def positive_int(value: Any, name: str, where: str) -> int:
    """An integer >= 1 (batch sizes, epochs, steps)."""
    ok = isinstance(value, (int, np.integer)) and not isinstance(value, bool) and value >= 1
    if not ok:
        raise InputError(
            "err.must",
            where=where,
            name=name,
            expected=Msg("exp.positive_int"),
            got=describe(value),
        )
    return int(value)


def class_labels(
    value: Any, name: str, where: str, num_classes: int, n: int | None = None
) -> NDArray[np.intp]:
    """Integer class indices in ``[0, num_classes)``; ``n`` fixes their count."""
    arr = np.asarray(value)
    if arr.ndim != 1 or (n is not None and arr.shape[0] != n):
        expected = Msg("exp.shape", shape=f"({'*' if n is None else n},)")
        raise ShapeError("err.must", where=where, name=name, expected=expected, got=describe(arr))
    if arr.dtype.kind == "f" and np.all(np.isfinite(arr)) and np.all(arr == np.round(arr)):
        arr = arr.astype(np.intp)
    if arr.dtype.kind not in "iu" or (arr.size and (arr.min() < 0 or arr.max() >= num_classes)):
        bad = describe(arr) if arr.dtype.kind not in "iu" else _first_out_of_range(arr, num_classes)
        raise InputError(
            "err.must",
            where=where,
            name=name,
            expected=Msg("exp.class_index", max_index=num_classes - 1),
            got=bad,
        )
    return arr.astype(np.intp, copy=False)


def _first_out_of_range(arr: NDArray[np.integer], num_classes: int) -> str:
    i = int(np.argmax((arr < 0) | (arr >= num_classes)))
    return f"{arr[i]} at [{i}]"
