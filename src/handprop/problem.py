"""A problem file: one sample, the parameters, the answer and the learning rate.

A problem is written in TOML or JSON (the file suffix decides; anything else is read as JSON
when it starts with ``{`` and as TOML otherwise)::

    X = [0.5, 0.6, 0.7]                      # D numbers: the sample, shown as a column x
    W = [[0.1, 0.2, 0.3],                    # K rows of D numbers (classes x features)
         [0.4, 0.5, 0.6],
         [0.7, 0.8, 0.9]]
    b = [0.1, 0.2, 0.3]                      # K numbers
    y = 1                                    # class index in 0..K-1, or one-hot: [0, 1, 0]
    lr = 0.1                                 # learning rate > 0
    classes = ["cat", "dog", "pig"]          # optional: K different names

Every number must lie within +-1e50 (:data:`MAX_ABS`), so that no quantity of a step can
overflow. :func:`load_problem` checks every field and raises a one-line
:class:`~handprop.errors.InputError` or :class:`~handprop.errors.FileFormatError` naming the
file, the field and what was expected.
"""

from __future__ import annotations

import json
import math
import os
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import NDArray

from handprop.errors import FileFormatError, InputError, ShapeError
from handprop.fileio import read_user_text, write_atomic
from handprop.messages import Msg
from handprop.tracing import check_sample, class_index
from handprop.validation import describe, positive_float

if TYPE_CHECKING:
    from handprop.tracing import Trace

#: the keys of a problem file, required first
REQUIRED_KEYS = ("X", "W", "b", "y", "lr")
OPTIONAL_KEYS = ("classes",)
#: largest number of classes or features accepted (the trace is meant to be read by a person)
MAX_SIDE = 1000
#: largest K * D: the numerical gradient check costs about (K * D)^2 operations
MAX_PARAMETERS = 20_000
#: largest problem file read, in bytes
MAX_FILE_BYTES = 16 * 1024 * 1024
#: largest absolute value of X, W, b and lr: with D <= MAX_SIDE the logits stay below 1e104
#: and a thousand steps cannot overflow float64, so every number of a trace is finite
MAX_ABS = 1e50


@dataclass
class Problem:
    """One sample with its parameters: everything one SGD step needs (float64).

    Attributes
    ----------
    X : ndarray of shape (D,)
        The sample (a column ``x`` in the notes' notation).
    W : ndarray of shape (K, D)
        Weights, one row per class.
    b : ndarray of shape (K,)
    y : int
        The true class index in ``0..K-1``.
    lr : float
        Learning rate, > 0.
    classes : list of K str, optional
    source : Path, optional
        The file it was loaded from.
    """

    X: NDArray[np.float64]
    W: NDArray[np.float64]
    b: NDArray[np.float64]
    y: int
    lr: float
    classes: list[str] | None = None
    source: Path | None = None

    def __post_init__(self) -> None:
        where = str(self.source) if self.source is not None else "Problem"
        self.X, self.W, self.b, self.y = check_sample(self.X, self.W, self.b, self.y, where)
        self.lr = positive_float(self.lr, "lr", where)
        for name, values in (("X", self.X), ("W", self.W), ("b", self.b), ("lr", self.lr)):
            _check_magnitude(np.asarray(values), name, where)
        if self.classes is not None:
            self.classes = _check_classes(self.classes, self.W.shape[0], where)

    @property
    def num_classes(self) -> int:
        return int(self.W.shape[0])

    @property
    def num_features(self) -> int:
        return int(self.W.shape[1])

    @property
    def num_samples(self) -> int:
        """1: one sample (a :class:`BatchProblem` has several)."""
        return 1

    def trace(self, steps: int = 1) -> Trace:
        """``steps`` SGD steps on this sample, every intermediate recorded (handprop.tracing)."""
        from handprop.tracing import trace

        result = trace(self.X, self.W, self.b, self.y, self.lr, steps=steps, classes=self.classes)
        if self.source is not None:
            result.meta["source"] = str(self.source)
        return result

    def to_dict(self) -> dict[str, Any]:
        """Plain numbers and lists in file order: X, W, b, y, lr and classes when given."""
        data: dict[str, Any] = {
            "X": self.X.tolist(),
            "W": self.W.tolist(),
            "b": self.b.tolist(),
            "y": int(self.y),
            "lr": float(self.lr),
        }
        if self.classes is not None:
            data["classes"] = list(self.classes)
        return data

    def to_json(self) -> str:
        """The problem as JSON text; floats keep full precision."""
        return json.dumps(self.to_dict(), indent=2, ensure_ascii=False) + "\n"

    def to_toml(self) -> str:
        """The problem as TOML text that :func:`load_problem` reads back to equal arrays.

        Floats are written with ``repr`` (the shortest text that round-trips exactly).
        """
        lines = [
            f"X = {_toml_list(self.X.tolist())}",
            "W = [",
            *(f"    {_toml_list(row)}," for row in self.W.tolist()),
            "]",
            f"b = {_toml_list(self.b.tolist())}",
            f"y = {int(self.y)}",
            f"lr = {_toml_float(float(self.lr))}",
        ]
        if self.classes is not None:
            names = ", ".join(json.dumps(name, ensure_ascii=False) for name in self.classes)
            lines.append(f"classes = [{names}]")
        return "\n".join(lines) + "\n"

    def save(self, path: str | os.PathLike[str]) -> Path:
        """Write to ``path`` (JSON for ``.json``, else TOML), atomically. Returns the path."""
        return save_problem(self, path)


def _magnitude_error(name: str, where: str, got: Any) -> InputError:
    return InputError(
        "err.must",
        where=where,
        name=name,
        expected=Msg("input.exp.magnitude", limit=f"{MAX_ABS:g}"),
        got=got if isinstance(got, str) else describe(got),
    )


def _check_magnitude(values: NDArray[np.float64], name: str, where: str) -> None:
    """Refuse any entry with ``|v| > MAX_ABS``, naming the first one (``W[1][2]``)."""
    too_big = np.abs(values) > MAX_ABS
    if too_big.any():
        index = np.unravel_index(int(np.argmax(too_big)), values.shape)
        label = name + "".join(f"[{i}]" for i in index)
        raise _magnitude_error(label, where, f"{float(values[index]):g}")


def _toml_float(value: float) -> str:
    return repr(float(value))


def _toml_list(values: Sequence[float]) -> str:
    return "[" + ", ".join(_toml_float(v) for v in values) + "]"


def save_problem(problem: Problem, path: str | os.PathLike[str]) -> Path:
    """Write ``problem`` to ``path`` atomically (temporary file in the same folder, then rename).

    The format follows the suffix: ``.json`` gives JSON, anything else TOML.
    """
    path = Path(path)
    text = problem.to_json() if path.suffix.lower() == ".json" else problem.to_toml()
    return write_atomic(path, text)


def load_problem(path: str | os.PathLike[str]) -> Problem:
    """Read and check a TOML or JSON problem file.

    Raises
    ------
    InputError
        The file cannot be read, or a field is missing, unknown or has a wrong value.
    FileFormatError
        The file is not UTF-8 text, or not valid TOML / JSON.
    """
    path = Path(path)
    where = str(path)
    text = read_user_text(path, where, limit=MAX_FILE_BYTES)
    data = parse_problem_text(text, where, _kind(path, text))
    return problem_from_mapping(data, where=where, source=path)


def _kind(path: Path, text: str) -> str:
    suffix = path.suffix.lower()
    if suffix == ".json":
        return "JSON"
    if suffix == ".toml":
        return "TOML"
    return "JSON" if text.lstrip().startswith("{") else "TOML"


def parse_problem_text(text: str, where: str, kind: str) -> Any:
    """Parse ``text`` as ``kind`` ("TOML" or "JSON"); syntax errors become FileFormatError."""
    too_deep = Msg("input.detail.too_deep")
    if kind == "JSON":
        try:
            return json.loads(text, object_pairs_hook=_unique_keys)
        except json.JSONDecodeError as err:
            detail = f"{err.msg} (line {err.lineno}, column {err.colno})"
            raise FileFormatError(
                "core.err.syntax", where=where, kind=kind, detail=detail
            ) from None
        except _DuplicateKey as dup:
            raise FileFormatError(
                "core.err.syntax",
                where=where,
                kind=kind,
                detail=Msg("input.detail.duplicate_key", name=dup.key),
            ) from None
        except RecursionError:
            raise FileFormatError(
                "core.err.syntax", where=where, kind=kind, detail=too_deep
            ) from None
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # Python 3.10
        import tomli as tomllib
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as err:
        detail = str(err).rstrip(".")
        raise FileFormatError("core.err.syntax", where=where, kind=kind, detail=detail) from None
    except RecursionError:
        raise FileFormatError("core.err.syntax", where=where, kind=kind, detail=too_deep) from None


class _DuplicateKey(Exception):
    def __init__(self, key: str) -> None:
        super().__init__(key)
        self.key = key


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    """A JSON object as a dict, refusing a key given twice (TOML refuses it too; plain
    ``json.loads`` would silently keep the last value)."""
    out: dict[str, Any] = {}
    for key, value in pairs:
        if key in out:
            raise _DuplicateKey(repr(key))
        out[key] = value
    return out


def problem_from_mapping(data: Any, where: str = "problem", source: Path | None = None) -> Problem:
    """Check a parsed problem (a mapping of the file's keys) and build the :class:`Problem`."""
    if not isinstance(data, Mapping):
        raise FileFormatError("core.err.not_table", where=where, got=type(data).__name__)
    allowed = REQUIRED_KEYS + OPTIONAL_KEYS
    for key in data:
        if key not in allowed:
            raise InputError(
                "core.err.unknown_key", where=where, field=str(key), allowed=", ".join(allowed)
            )
    for key in REQUIRED_KEYS:
        if key not in data:
            raise InputError(
                "core.err.missing_key", where=where, field=key, what=Msg(f"core.field.{key}")
            )
    W = _matrix(data["W"], "W", where)
    x = _vector(data["X"], "X", where)
    b = _vector(data["b"], "b", where)
    X_arr, W_arr, b_arr, _ = check_sample(x, W, b, 0, where)
    yi = _label(data["y"], W_arr.shape[0], where)
    lr = _number(data["lr"], "lr", where)
    lr = positive_float(lr, "lr", where)
    for name, values in (("X", X_arr), ("W", W_arr), ("b", b_arr), ("lr", lr)):
        _check_magnitude(np.asarray(values), name, where)
    classes = data.get("classes")
    if classes is not None:
        classes = _check_classes(classes, W_arr.shape[0], where)
    return Problem(X_arr, W_arr, b_arr, yi, lr, classes, source)


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _number(value: Any, name: str, where: str) -> float:
    if not _is_number(value):
        raise InputError(
            "err.must", where=where, name=name, expected=Msg("core.exp.number"), got=_got(value)
        )
    try:
        return float(value)
    except OverflowError:  # an integer with hundreds of digits
        raise _magnitude_error(name, where, value) from None


def _got(value: Any) -> str | Msg:
    """What was found, for the 'got ...' part: a short list in full, else its description."""
    if isinstance(value, Mapping):
        return Msg("core.got.table")
    if isinstance(value, list) and len(value) <= 8:
        text = repr(value)
        return text if len(text) <= 60 else text[:57] + "..."
    return describe(value)


def _vector(value: Any, name: str, where: str) -> list[float]:
    """A non-empty list of numbers (ints and floats; not strings or booleans)."""
    if not isinstance(value, list) or not value:
        raise ShapeError(
            "err.must",
            where=where,
            name=name,
            expected=Msg("core.exp.list_of_numbers"),
            got=_got(value),
        )
    if len(value) > MAX_SIDE:
        raise ShapeError(
            "err.must",
            where=where,
            name=name,
            expected=Msg("core.exp.max_length", limit=MAX_SIDE),
            got=f"{len(value)}",
        )
    return [_number(item, f"{name}[{i}]", where) for i, item in enumerate(value)]


def _matrix(value: Any, name: str, where: str) -> list[list[float]]:
    """K lists of D numbers each, with the size limits checked before anything is allocated."""
    if not isinstance(value, list) or not value or not isinstance(value[0], list):
        raise ShapeError(
            "err.must", where=where, name=name, expected=Msg("core.exp.matrix"), got=_got(value)
        )
    K, D = len(value), len(value[0])
    if K > MAX_SIDE or D > MAX_SIDE or K * D > MAX_PARAMETERS:
        raise ShapeError(
            "err.must",
            where=where,
            name=name,
            expected=Msg("core.exp.max_size", side=MAX_SIDE, limit=MAX_PARAMETERS),
            got=f"{K} x {D}",
        )
    rows = []
    for i, row in enumerate(value):
        if not isinstance(row, list):
            raise ShapeError(
                "err.must",
                where=where,
                name=f"{name}[{i}]",
                expected=Msg("core.exp.row", D=D),
                got=_got(row),
            )
        if len(row) != D:
            raise ShapeError(
                "err.must",
                where=where,
                name=f"{name}[{i}]",
                expected=Msg("core.exp.row", D=D),
                got=Msg("core.got.count", n=len(row)),
            )
        rows.append(_vector(row, f"{name}[{i}]", where))
    return rows


def _label(value: Any, K: int, where: str) -> int:
    """``y`` as an int index in ``0..K-1`` or a one-hot list of K numbers (0 and 1)."""
    candidate = value
    if isinstance(value, list):
        candidate = [v if _is_number(v) else math.nan for v in value[: K + 1]]
    try:
        return class_index(candidate, K, where)
    except InputError:
        raise InputError(
            "err.must",
            where=where,
            name="y",
            expected=Msg("exp.y", max_index=K - 1, K=K),
            got=_got(value),
        ) from None


def _check_classes(value: Any, K: int, where: str) -> list[str]:
    ok = (
        isinstance(value, (list, tuple))
        and len(value) == K
        and all(isinstance(v, str) and v.strip() for v in value)
        and len(set(value)) == K
    )
    if not ok:
        raise InputError(
            "err.must",
            where=where,
            name="classes",
            expected=Msg("core.exp.classes", K=K),
            got=_got(list(value) if isinstance(value, tuple) else value),
        )
    return [str(v) for v in value]


# ------------------------------------------------------------------------------ mini-batches


@dataclass
class BatchProblem:
    """Several samples and the parameters: a mini-batch step with the mean loss (float64).

    The file holds ``X`` as N rows of D numbers and ``y`` as N class indices (each counted from
    0); the rest is a problem file's. The step is ``Z = X Wᵀ + b``, ``A = softmax(Z)``,
    ``L = -(1/N) Σ_n ln A[n, y_n]``, ``δ = (A - Y) / N``, ``∂L/∂W = δᵀ X``, ``∂L/∂b = Σ_n δ_n``.

    Attributes
    ----------
    X : ndarray of shape (N, D), N >= 2
    W : ndarray of shape (K, D)
    b : ndarray of shape (K,)
    y : ndarray of shape (N,), dtype intp
    lr : float > 0
    classes : list of K str, optional
    source : Path, optional
    """

    X: NDArray[np.float64]
    W: NDArray[np.float64]
    b: NDArray[np.float64]
    y: NDArray[np.intp]
    lr: float
    classes: list[str] | None = None
    source: Path | None = None

    def __post_init__(self) -> None:
        where = str(self.source) if self.source is not None else "BatchProblem"
        X = np.asarray(self.X, dtype=np.float64)
        rows = [check_sample(x, self.W, self.b, 0, where) for x in X]
        self.W, self.b = rows[0][1], rows[0][2]
        self.X = np.stack([r[0] for r in rows])
        K = self.W.shape[0]
        self.y = np.array([class_index(int(v), K, where) for v in np.asarray(self.y)], np.intp)
        if self.X.shape[0] < 2 or self.y.shape != (self.X.shape[0],):
            raise ShapeError(
                "err.must",
                where=where,
                name="y",
                expected=Msg("core.exp.batch_labels", N=self.X.shape[0], max_index=K - 1),
                got=describe(self.y.tolist()),
            )
        self.lr = positive_float(self.lr, "lr", where)
        for name, values in (("X", self.X), ("W", self.W), ("b", self.b), ("lr", self.lr)):
            _check_magnitude(np.asarray(values), name, where)
        if self.classes is not None:
            self.classes = _check_classes(self.classes, K, where)

    @property
    def num_classes(self) -> int:
        return int(self.W.shape[0])

    @property
    def num_features(self) -> int:
        return int(self.W.shape[1])

    @property
    def num_samples(self) -> int:
        return int(self.X.shape[0])

    def to_dict(self) -> dict[str, Any]:
        """Plain numbers and lists in file order: X, W, b, y, lr and classes when given."""
        data: dict[str, Any] = {
            "X": self.X.tolist(),
            "W": self.W.tolist(),
            "b": self.b.tolist(),
            "y": [int(v) for v in self.y],
            "lr": float(self.lr),
        }
        if self.classes is not None:
            data["classes"] = list(self.classes)
        return data

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=2, ensure_ascii=False) + "\n"

    def to_toml(self) -> str:
        """The problem as TOML text that :func:`load_any_problem` reads back to equal arrays."""
        lines = [
            "X = [",
            *(f"    {_toml_list(row)}," for row in self.X.tolist()),
            "]",
            "W = [",
            *(f"    {_toml_list(row)}," for row in self.W.tolist()),
            "]",
            f"b = {_toml_list(self.b.tolist())}",
            "y = [" + ", ".join(str(int(v)) for v in self.y) + "]",
            f"lr = {_toml_float(float(self.lr))}",
        ]
        if self.classes is not None:
            names = ", ".join(json.dumps(name, ensure_ascii=False) for name in self.classes)
            lines.append(f"classes = [{names}]")
        return "\n".join(lines) + "\n"


#: a problem of one sample or of a mini-batch
AnyProblem = Problem | BatchProblem


def load_any_problem(path: str | os.PathLike[str]) -> AnyProblem:
    """Read a problem file of one sample (:func:`load_problem`) or of a mini-batch (``X`` as N
    rows, ``y`` as N class indices), with the same one-line errors."""
    path = Path(path)
    where = str(path)
    text = read_user_text(path, where, limit=MAX_FILE_BYTES)
    data = parse_problem_text(text, where, _kind(path, text))
    return any_problem_from_mapping(data, where=where, source=path)


def any_problem_from_mapping(
    data: Any, where: str = "problem", source: Path | None = None
) -> AnyProblem:
    """:func:`problem_from_mapping`, or a :class:`BatchProblem` where ``X`` is a list of rows."""
    X = data.get("X") if isinstance(data, Mapping) else None
    if not (isinstance(X, list) and X and all(isinstance(row, list) for row in X)):
        return problem_from_mapping(data, where, source)
    batch = {**data, "X": X[0], "y": 0}
    first = problem_from_mapping(batch, where, source)  # every field but X and y checked
    if len(X) > MAX_SIDE or len(X) * first.num_features > MAX_PARAMETERS:
        raise ShapeError(
            "err.must",
            where=where,
            name="X",
            expected=Msg("core.exp.max_size", side=MAX_SIDE, limit=MAX_PARAMETERS),
            got=f"{len(X)} x {first.num_features}",
        )
    rows = [_vector(row, f"X[{n}]", where) for n, row in enumerate(X)]
    for n, row in enumerate(rows):
        if len(row) != first.num_features:
            raise ShapeError(
                "err.must",
                where=where,
                name=f"X[{n}]",
                expected=Msg("core.exp.row", D=first.num_features),
                got=Msg("core.got.count", n=len(row)),
            )
    labels, K = data["y"], first.num_classes
    ok = isinstance(labels, list) and len(labels) == len(rows) >= 2
    if not ok or not all(isinstance(v, int) and not isinstance(v, bool) for v in labels):
        ok = False
    if not ok or not all(0 <= v < K for v in labels):
        raise InputError(
            "err.must",
            where=where,
            name="y",
            expected=Msg("core.exp.batch_labels", N=len(rows), max_index=K - 1),
            got=_got(labels),
        )
    y = list(labels)
    _check_magnitude(np.asarray(rows), "X", where)
    return BatchProblem(np.asarray(rows), first.W, first.b, np.asarray(y), first.lr,
                        first.classes, source)  # fmt: skip
