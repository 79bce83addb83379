"""Answer files: read, parse and validate a hand-worked step, then mark it.

An answer file holds the problem (``problem = "problem.toml"``, a path relative to the answer
file, a ``[problem]`` table, or the fields ``X, W, b, y, lr`` at the top level), any subset of
the ten quantities of the step (:data:`~handprop.checker.marking.QUANTITIES`), vectors as lists
and matrices as lists of rows (``""`` or ``[]`` leaves a quantity blank), and an optional
``decimals``, the rounding the student used (default 3). Every refusal is a one-line
:class:`~handprop.errors.HandpropError` naming the file, the quantity and the entry.
"""

from __future__ import annotations

import math
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from handprop.checker.marking import (
    DEFAULT_DECIMALS,
    QUANTITIES,
    Marker,
    check_decimals,
    check_size,
    quantity_shape,
)
from handprop.checker.report import Report
from handprop.errors import FileFormatError, InputError, ShapeError
from handprop.fileio import read_user_text
from handprop.messages import Msg
from handprop.problem import (
    OPTIONAL_KEYS,
    REQUIRED_KEYS,
    AnyProblem,
    any_problem_from_mapping,
    load_any_problem,
    parse_problem_text,
)
from handprop.validation import describe

Array = NDArray[np.float64]

#: largest answer file read, in bytes
MAX_FILE_BYTES = 1024 * 1024


def check_answers(
    problem: AnyProblem, answers: Mapping[str, Any], decimals: int = DEFAULT_DECIMALS
) -> Report:
    """Mark ``answers`` (name -> value, missing names blank) for ``problem``; see :class:`Marker`.

    Values are validated first (shapes, numbers), as in an answer file.
    """
    parsed = parse_answers(answers, problem, "answers")
    return Marker(problem, decimals).check(parsed)


@dataclass
class AnswerSheet:
    """A loaded answer file: the problem, the given quantities (None when blank), the rounding."""

    problem: AnyProblem
    answers: dict[str, Array | None]
    decimals: int = DEFAULT_DECIMALS
    source: Path | None = None

    def check(self) -> Report:
        # absurd answers (1e308) may overflow in the tolerance: they are marked wrong, quietly
        with np.errstate(over="ignore", invalid="ignore"):
            report = Marker(self.problem, self.decimals).check(self.answers)
        report.source = self.source
        return report


def check_file(path: str | os.PathLike[str]) -> Report:
    """Load the answer file at ``path`` and mark it."""
    return load_answers(path).check()


def load_answers(path: str | os.PathLike[str]) -> AnswerSheet:
    """Read and validate an answer file (TOML, or JSON for ``.json``).

    Raises the same one-line errors as problem files (:class:`InputError`,
    :class:`ShapeError`, :class:`FileFormatError`): unreadable file, bad syntax, unknown keys,
    no problem, quantities of the wrong shape or not numbers, decimals out of range.
    """
    path = Path(path)
    where = str(path)
    text = read_user_text(path, where, limit=MAX_FILE_BYTES)
    kind = "JSON" if path.suffix.lower() == ".json" else "TOML"
    data = parse_problem_text(text, where, kind)
    return answers_from_mapping(data, where, base=path.parent, source=path)


PROBLEM_KEYS = REQUIRED_KEYS + OPTIONAL_KEYS
ANSWER_KEYS = ("problem", "decimals", *QUANTITIES)


def answers_from_mapping(
    data: Any, where: str = "answers", base: Path | None = None, source: Path | None = None
) -> AnswerSheet:
    """Check a parsed answer file and load its problem (a path is relative to ``base``)."""
    if not isinstance(data, Mapping):
        raise FileFormatError("core.err.not_table", where=where, got=type(data).__name__)
    allowed = ANSWER_KEYS + PROBLEM_KEYS
    for key in data:
        if key not in allowed:
            raise InputError(
                "core.err.unknown_key", where=where, field=str(key), allowed=", ".join(allowed)
            )
    problem = _answer_problem(data, where, base)
    decimals = check_decimals(data.get("decimals", DEFAULT_DECIMALS), where)
    answers = parse_answers({k: data[k] for k in QUANTITIES if k in data}, problem, where)
    return AnswerSheet(problem, answers, decimals, source)


def _answer_problem(data: Mapping[str, Any], where: str, base: Path | None) -> AnyProblem:
    inline = {k: data[k] for k in PROBLEM_KEYS if k in data}
    ref = data.get("problem")
    if ref is not None and inline:
        raise InputError("exercise.err.problem_twice", where=where, keys=", ".join(inline))
    if isinstance(ref, str):
        if not ref.strip():
            raise InputError("exercise.err.no_problem", where=where)
        path = Path(ref)
        if not path.is_absolute() and base is not None:
            path = base / path
        problem = load_any_problem(path)
    elif isinstance(ref, Mapping):
        problem = any_problem_from_mapping(ref, where=f"{where}: problem")
    elif ref is not None:
        raise InputError(
            "err.must",
            where=where,
            name="problem",
            expected=Msg("exercise.exp.problem"),
            got=describe(ref),
        )
    elif inline:
        problem = any_problem_from_mapping(inline, where=where)
    else:
        raise InputError("exercise.err.no_problem", where=where)
    check_size(problem, where)
    return problem


def is_blank(value: Any) -> bool:
    """Whether an answer file's ``value`` is left blank: missing, ``""`` or ``[]``."""
    return value is None or (isinstance(value, (str, list)) and len(value) == 0)


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(
        value, (bool, np.bool_)
    )


def parse_answers(
    values: Mapping[str, Any], problem: AnyProblem, where: str
) -> dict[str, Array | None]:
    """Each quantity as a float64 array of its shape, or None when blank (``""``, ``[]``).

    Raises a one-line InputError / ShapeError naming the quantity (and entry) that is wrong.
    """
    K, D, N = problem.num_classes, problem.num_features, problem.num_samples
    out: dict[str, Array | None] = {}
    for name in QUANTITIES:
        value = values.get(name)
        if isinstance(value, np.ndarray):
            value = value.tolist()
        shape = quantity_shape(name, K, D, N)
        out[name] = None if is_blank(value) else _parse(value, name, shape, where)
    for name in values:
        if name not in QUANTITIES:
            raise InputError(
                "core.err.unknown_key", where=where, field=str(name), allowed=", ".join(QUANTITIES)
            )
    return out


def _parse(value: Any, name: str, shape: tuple[int, ...], where: str) -> Array:
    if not shape:
        _number(value, name, where)
        return np.asarray(float(value))
    want = "(" + ", ".join(map(str, shape)) + ("," if len(shape) == 1 else "") + ")"
    if len(shape) == 1:
        _list(value, name, shape[0], want, where)
        for i, item in enumerate(value):
            _number(item, f"{name}[{i}]", where)
        return np.asarray(value, dtype=np.float64)
    _list(value, name, shape[0], want, where)
    for i, row in enumerate(value):
        _list(row, f"{name}[{i}]", shape[1], f"({shape[1]},)", where)
        for j, item in enumerate(row):
            _number(item, f"{name}[{i}][{j}]", where)
    return np.asarray(value, dtype=np.float64)


def _list(value: Any, name: str, n: int, want: str, where: str) -> None:
    if not isinstance(value, (list, tuple)) or len(value) != n:
        got = f"{len(value)} entries" if isinstance(value, (list, tuple)) else _got(value)
        raise ShapeError(
            "err.must", where=where, name=name, expected=Msg("exp.shape", shape=want), got=got
        )


def _number(value: Any, name: str, where: str) -> None:
    if not _is_number(value):
        raise InputError(
            "err.must", where=where, name=name, expected=Msg("exercise.exp.number"), got=_got(value)
        )
    try:
        number = float(value)
    except OverflowError:  # an integer with hundreds of digits
        raise InputError(
            "err.must",
            where=where,
            name=name,
            expected=Msg("input.exp.magnitude", limit=f"{np.finfo(np.float64).max:.4g}"),
            got=describe(value),
        ) from None
    if not math.isfinite(number):
        raise InputError(
            "err.must", where=where, name=name, expected=Msg("exp.finite"), got=repr(value)
        )


def _got(value: Any) -> str | Msg:
    return Msg("core.got.table") if isinstance(value, Mapping) else describe(value)
