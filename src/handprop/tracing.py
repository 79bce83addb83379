"""One training step of softmax regression, recorded number by number.

:func:`trace` runs forward, backward and update for a single sample through
:mod:`handprop.functional` (the same functions the trainer uses) and keeps every intermediate in
a :class:`StepRecord`. Nothing here re-derives a formula; the long-way chain rule and the
numerical gradient are computed *beside* the shortcut so that a reader can see they agree.

All arrays are float64. A single sample is held as vectors: ``x : (D,)``, ``W : (K, D)``,
``b : (K,)``, ``logits : (K,)``; the functional calls see it as a batch of one, ``x[None, :]``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Generic, Protocol, TypeVar

import numpy as np
from numpy.typing import NDArray

from handprop import functional as F
from handprop.errors import InputError, ShapeError
from handprop.messages import Msg
from handprop.validation import as_float_array, describe, positive_float, positive_int

Vector = NDArray[np.floating]  # float64 in a trace
Matrix = NDArray[np.floating]

#: keys that every step's JSON object has (the stable, documented part of the format)
JSON_KEYS = (
    "logits",
    "exp_logits",
    "sum_exp",
    "probabilities",
    "predicted_class",
    "true_class",
    "loss",
    "delta",
    "grad_b",
    "grad_W",
    "b_new",
    "W_new",
    "loss_after",
    "probabilities_after",
    "max_abs_gradcheck_error",
)


@dataclass
class StepRecord:
    """Every number of one SGD step on one sample (float64).

    Forward: ``logit_products[k, j] = W[k, j] * x[j]``, ``logits = W x + b``, ``exp_logits``,
    ``sum_exp``, ``probabilities = softmax(logits)``, ``loss = -log probabilities[y]``.
    Backward: ``dL_dA = -y_onehot / A``, ``jacobian = diag(A) - A A^T``,
    ``delta_chain = jacobian^T dL_dA`` (long way), ``delta = A - y_onehot`` (shortcut),
    ``grad_b = delta``, ``grad_W = delta x^T``, and the central-difference ``numerical_grad_*``.
    Update: ``W_new = W - lr grad_W``, ``b_new = b - lr grad_b``, then the forward pass again.
    """

    step: int
    x: Vector
    W: Matrix
    b: Vector
    true_class: int
    y_onehot: Vector
    lr: float
    logit_products: Matrix
    logits: Vector
    exp_logits: Vector
    sum_exp: float
    probabilities: Vector
    predicted_class: int
    loss: float
    dL_dA: Vector
    jacobian: Matrix
    delta_chain: Vector
    delta: Vector
    grad_b: Vector
    grad_W: Matrix
    numerical_grad_W: Matrix
    numerical_grad_b: Vector
    max_abs_gradcheck_error: float
    W_new: Matrix
    b_new: Vector
    logits_after: Vector
    probabilities_after: Vector
    loss_after: float
    predicted_after: int

    @property
    def correct(self) -> bool:
        """Whether the prediction before the update was the true class."""
        return self.predicted_class == self.true_class

    @property
    def chain_rule_gap(self) -> float:
        """``max |delta_chain - delta|``: how far the long way and the shortcut differ."""
        return float(np.max(np.abs(self.delta_chain - self.delta)))

    def to_dict(self) -> dict[str, Any]:
        """Plain numbers and nested lists, full precision; JSON_KEYS first, then the rest."""
        out: dict[str, Any] = {}
        names = list(JSON_KEYS) + [f for f in self.__dataclass_fields__ if f not in JSON_KEYS]
        for name in names:
            out[name] = plain(getattr(self, name))
        out["correct"] = self.correct
        out["chain_rule_gap"] = self.chain_rule_gap
        return out


def plain(value: Any) -> Any:
    """``value`` as JSON-ready Python: arrays become nested lists, numpy scalars Python numbers."""
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, np.generic):
        return value.item()
    return value


class _Record(Protocol):
    def to_dict(self) -> dict[str, Any]: ...


RecordT = TypeVar("RecordT", bound=_Record)


@dataclass
class Steps(Generic[RecordT]):
    """A sequence of step records on one sample, optionally with class names.

    The container both models share: :class:`Trace` (softmax regression, :class:`StepRecord`)
    and :class:`handprop.mlp.MLPTrace` (the hidden-layer network); :mod:`handprop.render`
    shows either.
    """

    steps: list[RecordT]
    classes: list[str] | None = None
    meta: dict[str, Any] = field(default_factory=dict)

    def __len__(self) -> int:
        return len(self.steps)

    def __getitem__(self, i: int) -> RecordT:
        return self.steps[i]

    @property
    def first(self) -> RecordT:
        return self.steps[0]

    def to_json_data(self) -> dict[str, Any] | list[dict[str, Any]]:
        """One object for a single step, a list for several (as ``--format json`` prints)."""
        records = [s.to_dict() for s in self.steps]
        return records[0] if len(records) == 1 else records

    def _repr_markdown_(self) -> str:
        """The Markdown study note, as a notebook shows it."""
        from handprop.render.markdown import render_markdown

        return render_markdown(self, lang="en", decimals=3)


class Trace(Steps[StepRecord]):
    """A sequence of :class:`StepRecord` on one sample, optionally with class names."""


def one_step(x: Vector, W: Matrix, b: Vector, y: int, lr: float, step: int = 1) -> StepRecord:
    """Record one SGD step on sample ``x`` with true class ``y`` (inputs already validated)."""
    K = W.shape[0]
    X = x[None, :]  # (1, D)
    Y = F.one_hot(np.array([y]), K)  # (1, K)
    Z = F.linear(X, W, b)  # (1, K)
    exp_z, sum_exp, A = F.softmax_parts(Z)
    loss = F.cross_entropy(Z, Y)
    d_chain = F.delta_by_chain_rule(A, Y)  # (1, K)
    d, dW, db = F.backward(X, A, Y)
    num_W = F.numerical_gradient(lambda w: F.softmax_regression_loss(X, w, b, Y), W)
    num_b = F.numerical_gradient(lambda v: F.softmax_regression_loss(X, W, v, Y), b)
    gradcheck = max(float(np.max(np.abs(num_W - dW))), float(np.max(np.abs(num_b - db))))
    W_new, b_new = F.sgd_update(W, b, dW, db, lr)
    Z_after = F.linear(X, W_new, b_new)
    A_after = F.softmax(Z_after)
    return StepRecord(
        step=step,
        x=x.copy(),
        W=W.copy(),
        b=b.copy(),
        true_class=int(y),
        y_onehot=Y[0],
        lr=float(lr),
        logit_products=W * x,
        logits=Z[0],
        exp_logits=exp_z[0],
        sum_exp=float(sum_exp[0]),
        probabilities=A[0],
        predicted_class=int(np.argmax(A[0])),
        loss=loss,
        dL_dA=F.loss_gradient_wrt_probs(A, Y)[0],
        jacobian=F.softmax_jacobian(A[0]),
        delta_chain=d_chain[0],
        delta=d[0],
        grad_b=db,
        grad_W=dW,
        numerical_grad_W=num_W,
        numerical_grad_b=num_b,
        max_abs_gradcheck_error=gradcheck,
        W_new=W_new,
        b_new=b_new,
        logits_after=Z_after[0],
        probabilities_after=A_after[0],
        loss_after=F.cross_entropy(Z_after, Y),
        predicted_after=int(np.argmax(A_after[0])),
    )


def check_sample(
    X: Any, W: Any, b: Any, y: Any, where: str = "trace"
) -> tuple[NDArray[np.float64], NDArray[np.float64], NDArray[np.float64], int]:
    """Validate one sample's problem: x (D,), W (K, D), b (K,), y an index or one-hot (K,)."""
    W = as_float_array(W, "W", where, ndim=2)
    K, D = W.shape
    if K < 2 or D < 1:
        raise ShapeError(
            "err.must",
            where=where,
            name="W",
            expected=Msg("exp.shape", shape="(K >= 2, D >= 1)"),
            got=Msg("got.shape", shape=W.shape),
        )
    x = _one_per(X, "X", where, W.shape, "exp.per_column")
    b = _one_per(b, "b", where, W.shape, "exp.per_row")
    return x, W, b, class_index(y, K, where)


def _one_per(
    value: Any, name: str, where: str, shape: tuple[int, ...], what: str
) -> NDArray[np.float64]:
    """``value`` as a vector with one number per column (``exp.per_column``: X) or per row
    (``exp.per_row``: b) of a W of ``shape``; a list of another length is refused naming W."""
    K, D = shape
    n = D if what == "exp.per_column" else K
    arr = as_float_array(value, name, where)
    if arr.ndim == 1 and arr.shape[0] != n:
        raise ShapeError(
            "err.must",
            where=where,
            name=name,
            expected=Msg(what, n=n, K=K, D=D),
            got=Msg("core.got.count", n=arr.shape[0]) if arr.shape[0] != 1 else Msg("core.got.one"),
        )
    return as_float_array(arr, name, where, shape=(n,))


def class_index(y: Any, K: int, where: str) -> int:
    """The true class from an index (int) or a one-hot list of K entries."""
    if isinstance(y, (bool, np.bool_)):
        pass
    elif isinstance(y, (int, np.integer)):
        if 0 <= y < K:
            return int(y)
    elif isinstance(y, (list, tuple, np.ndarray)):
        arr = np.asarray(y, dtype=object)
        if arr.shape == (K,) and all(
            isinstance(v, (int, float, np.integer, np.floating)) and not isinstance(v, bool)
            for v in arr
        ):
            # entries outside [-1, 1] (an int of 400 digits too) cannot be one-hot: 2 marks them
            values = np.array([v if abs(v) <= 1 else 2 for v in arr], dtype=np.float64)
            if np.all((values == 0) | (values == 1)) and values.sum() == 1:
                return int(np.argmax(values))
    raise InputError(
        "err.must",
        where=where,
        name="y",
        expected=Msg("exp.y", max_index=K - 1, K=K),
        got=describe(y),
    )


def trace(
    X: Any,
    W: Any,
    b: Any,
    y: Any,
    lr: float = 0.1,
    *,
    steps: int = 1,
    classes: Sequence[str] | None = None,
) -> Trace:
    """Run ``steps`` SGD steps on one sample and record every intermediate.

    Parameters
    ----------
    X : array-like of shape (D,)
        The sample (a single column ``x`` in the notes' notation).
    W : array-like of shape (K, D)
    b : array-like of shape (K,)
    y : int in [0, K) or one-hot array-like of shape (K,)
    lr : float > 0
    steps : int >= 1
        Each step starts from the previous step's ``W_new``, ``b_new``.
    classes : K names, optional

    Returns
    -------
    Trace with ``steps`` records, float64 throughout.

    Examples
    --------
    The worked example of the notes (:data:`WORKED_EXAMPLE`), two steps:

    >>> t = trace([0.5, 0.6, 0.7], [[0.1, 0.2, 0.3], [0.4, 0.5, 0.6], [0.7, 0.8, 0.9]],
    ...           [0.1, 0.2, 0.3], y=1, lr=0.1, steps=2, classes=["cat", "dog", "pig"])
    >>> print(t[0].probabilities.round(3), round(t[0].loss, 4))
    [0.154 0.292 0.554] 1.2307
    >>> print(t[1].b.round(4))  # the second step starts from the first one's update
    [0.0846 0.2708 0.2446]
    """
    W_arr: Matrix  # then each step's W_new
    b_arr: Vector
    x, W_arr, b_arr, yi = check_sample(X, W, b, y)
    lr = positive_float(lr, "lr", "trace")
    steps = positive_int(steps, "steps", "trace")
    if classes is not None and len(classes) != W_arr.shape[0]:
        raise ShapeError(
            "err.must",
            where="trace",
            name="classes",
            expected=Msg("exp.shape", shape=f"({W_arr.shape[0]},)"),
            got=describe(list(classes)),
        )
    records = []
    for i in range(steps):
        record = one_step(x, W_arr, b_arr, yi, lr, step=i + 1)
        records.append(record)
        W_arr, b_arr = record.W_new, record.b_new
    return Trace(records, list(classes) if classes is not None else None)


#: the worked example of the study notes: 3 features, 3 classes, true class index 1, lr 0.1
WORKED_EXAMPLE: dict[str, Any] = {
    "X": [0.5, 0.6, 0.7],
    "W": [[0.1, 0.2, 0.3], [0.4, 0.5, 0.6], [0.7, 0.8, 0.9]],
    "b": [0.1, 0.2, 0.3],
    "y": 1,
    "lr": 0.1,
    "classes": ["cat", "dog", "pig"],
}


@dataclass
class BatchRecord:
    """The numbers of one SGD step on a mini-batch with the mean loss (float64): what an
    exercise's key shows (:func:`handprop.exercise.answer_key` fills it with the values of the
    sheet's rounding rule).

    ``X (N, D)``, ``y (N,)``, ``Y (N, K)``, ``logits = X Wᵀ + b (N, K)``, ``exp_logits``,
    ``sum_exp (N,)``, ``probabilities (N, K)``, ``loss = -(1/N) Σ_n ln A[n, y_n]``,
    ``delta = (A - Y) / N (N, K)``, ``grad_b = Σ_n delta_n (K,)``, ``grad_W = deltaᵀ X (K, D)``,
    ``W_new``, ``b_new``.
    """

    X: Matrix
    W: Matrix
    b: Vector
    y: NDArray[np.intp]
    Y: Matrix
    lr: float
    logits: Matrix
    exp_logits: Matrix
    sum_exp: Vector
    probabilities: Matrix
    loss: float
    delta: Matrix
    grad_b: Vector
    grad_W: Matrix
    b_new: Vector
    W_new: Matrix
    step: int = 1

    def to_dict(self) -> dict[str, Any]:
        """Plain numbers and nested lists, full precision."""
        return {name: plain(getattr(self, name)) for name in self.__dataclass_fields__}


def batch_step(X: Matrix, W: Matrix, b: Vector, y: NDArray[np.intp], lr: float) -> BatchRecord:
    """Record one SGD step on the mini-batch ``X (N, D)`` with true classes ``y (N,)``."""
    Y = F.one_hot(y, W.shape[0])  # (N, K)
    Z = F.linear(X, W, b)  # (N, K)
    exp_z, sum_exp, A = F.softmax_parts(Z)
    d, dW, db = F.backward(X, A, Y)
    W_new, b_new = F.sgd_update(W, b, dW, db, lr)
    loss = F.cross_entropy(Z, Y)
    y = np.asarray(y, np.intp)
    return BatchRecord(
        X.copy(), W.copy(), b.copy(), y, Y, float(lr), Z, exp_z, sum_exp, A, loss, d, db, dW,
        b_new, W_new,
    )  # fmt: skip
