"""What the pages send, turned into what the engine checks, and errors turned into JSON.

Input boxes hold text, so the pages send what was typed: :func:`number_or_text` turns text
that reads as a number into a float and leaves anything else as it is, so that the engine's own
validation (:func:`handprop.problem.problem_from_mapping`, :mod:`handprop.validation`) rejects
it with the very message the command line prints (``step: X[0] must be a number; got 'abc'.``).
An error is sent back as ``{"error": message, "field": "X", "path": "X[0]", "key": ...}`` so
the page can show it next to the field.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

from handprop.errors import HandpropError, InputError, ShapeError
from handprop.messages import Msg
from handprop.problem import Problem, problem_from_mapping
from handprop.render._common import compact
from handprop.validation import describe

#: sizes of the step page's editor: classes K and features D
MIN_CLASSES, MAX_CLASSES = 2, 10
MIN_FEATURES, MAX_FEATURES = 1, 10
#: the rounding the step page offers
MIN_DECIMALS, MAX_DECIMALS = 1, 8

_INT = re.compile(r"^[+-]?\d+$")
_FIELD = re.compile(r"^-*([A-Za-z_][A-Za-z0-9_]*)")


def number_or_text(value: Any) -> Any:
    """``" 0.5 "`` -> ``0.5``; ``"abc"``, ``""`` and non-strings are returned unchanged."""
    if not isinstance(value, str):
        return value
    text = value.strip()
    if not text:
        return value
    try:
        return float(text)
    except ValueError:
        return value


def int_or_text(value: Any) -> Any:
    """``"7"`` -> ``7``; anything else unchanged (validation then names it)."""
    if isinstance(value, str) and _INT.match(value.strip()):
        return int(value.strip())
    return value


def _numbers(value: Any) -> Any:
    """Nested lists with every string that reads as a number turned into a float."""
    if isinstance(value, list):
        return [_numbers(v) for v in value]
    return number_or_text(value)


def coerce_problem(data: Any) -> Any:
    """The problem fields as sent by a page: numbers typed as text become numbers.

    ``y`` may be an index typed as text; ``classes`` left all blank means "no names".
    """
    if not isinstance(data, Mapping):
        return data
    out = dict(data)
    for key in ("X", "W", "b", "lr"):
        if key in out:
            out[key] = _numbers(out[key])
    if "y" in out:
        out["y"] = int_or_text(out["y"]) if not isinstance(out["y"], list) else _numbers(out["y"])
    names = out.get("classes")
    if isinstance(names, list) and all(isinstance(n, str) and not n.strip() for n in names):
        del out["classes"]
    elif isinstance(names, list):
        out["classes"] = [n.strip() if isinstance(n, str) else n for n in names]
    return out


def json_kind(value: Any) -> Msg:
    """What kind of JSON value ``value`` is (``an array (a list)``), for the 'got' of a message."""
    if value is None:
        kind = "null"
    elif isinstance(value, bool):
        kind = "boolean"
    elif isinstance(value, (int, float)):
        kind = "number"
    elif isinstance(value, str):
        kind = "string"
    elif isinstance(value, list):
        kind = "array"
    else:
        kind = "object"
    return Msg(f"web.json.{kind}")


def require_object(value: Any, name: Any, where: str, expected: Msg) -> dict[str, Any]:
    """``value`` if it is a JSON object; InputError ``err.must`` naming ``name`` otherwise."""
    if not isinstance(value, dict):
        raise InputError(
            "err.must", where=where, name=name, expected=expected, got=json_kind(value)
        )
    return value


def check_fields(data: Mapping[str, Any], allowed: Sequence[str], where: str) -> None:
    """Every key of ``data`` is one of ``allowed``; InputError naming the first that is not."""
    for key in data:
        if key not in allowed:
            raise InputError(
                "core.err.unknown_key", where=where, field=key, allowed=", ".join(allowed)
            )


def page_problem(data: Any, where: str = "step") -> Problem:
    """A problem from the step page: checked as a problem file, then against the page's sizes.

    Raises InputError when ``data`` is not an object, the same InputError / ShapeError as
    ``handprop step`` for a bad field, and a ShapeError when W is outside
    ``MIN..MAX_CLASSES`` x ``MIN..MAX_FEATURES``.
    """
    require_object(data, "problem", where, Msg("web.exp.problem"))
    problem = problem_from_mapping(coerce_problem(data), where=where)
    check_page_size(problem, where)
    return problem


def check_page_size(problem: Problem, where: str) -> None:
    K, D = problem.W.shape
    if not (MIN_CLASSES <= K <= MAX_CLASSES and MIN_FEATURES <= D <= MAX_FEATURES):
        raise ShapeError(
            "err.must",
            where=where,
            name="W",
            expected=Msg(
                "web.exp.page_size",
                kmin=MIN_CLASSES,
                kmax=MAX_CLASSES,
                dmin=MIN_FEATURES,
                dmax=MAX_FEATURES,
            ),
            got=f"{K} x {D}",
        )


def int_in_range(value: Any, name: str, where: str, low: int, high: int) -> int:
    """An integer (or its text) in ``low..high``; InputError ``err.must`` otherwise."""
    value = int_or_text(value)
    ok = isinstance(value, int) and not isinstance(value, bool) and low <= value <= high
    if not ok:
        raise InputError(
            "err.must",
            where=where,
            name=name,
            expected=Msg("exp.range", low=low, high=high),
            got=describe(value),
        )
    return int(value)


def error_data(err: HandpropError, lang: str) -> dict[str, Any]:
    """``{"error": message, "field": "W", "path": "W[1][2]", "key": message key}``.

    ``field`` is the top-level name the message is about (``X``, ``W``, ``b``, ``y``, ``lr``,
    ``classes``, ``lr``, ``batch_size``, ...), None when the message names no field.
    """
    path = err.params.get("name", err.params.get("field"))
    path = str(path) if path is not None and not isinstance(path, Msg) else None
    match = _FIELD.match(path) if path else None
    return {
        "error": err.message(lang),
        "field": match.group(1) if match else None,
        "path": path,
        "key": err.key,
    }


def problem_text(problem: Problem, decimals: int = 12) -> dict[str, Any]:
    """The problem's numbers as the inputs show them (shortest text, up to ``decimals``)."""
    return {
        "X": [compact(v, decimals) for v in problem.X.tolist()],
        "W": [[compact(v, decimals) for v in row] for row in problem.W.tolist()],
        "b": [compact(v, decimals) for v in problem.b.tolist()],
        "lr": compact(problem.lr, decimals),
    }
