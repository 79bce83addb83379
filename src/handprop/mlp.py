"""A network with one hidden layer, written out by hand in the same engine.

The model is ``linear -> activation -> linear -> softmax``, every step a call into
:mod:`handprop.functional` (no autograd, no formula re-derived here)::

    Z1 = X @ W1.T + b1           # (N, H)   F.linear
    Hd = act(Z1)                 # (N, H)   F.relu or F.tanh
    Z2 = Hd @ W2.T + b2          # (N, K)   F.linear
    A = softmax(Z2)              # (N, K)   F.softmax;  L = F.cross_entropy(Z2, y)

    delta2 = (A - Y) / N                  # (N, K)   F.delta
    dW2 = delta2.T @ Hd, db2 = sum delta2 # (K, H), (K,)   F.param_gradients
    dH = delta2 @ W2                      # (N, H)   F.input_gradient
    delta1 = dH * act'(Z1)                # (N, H)   F.relu_backward / F.tanh_backward
    dW1 = delta1.T @ X, db1 = sum delta1  # (H, D), (H,)   F.param_gradients

Shapes follow ``nn.Linear``: ``W1 : (H, D)``, ``b1 : (H,)``, ``W2 : (K, H)``, ``b2 : (K,)``, so
``nn.Sequential(nn.Linear(D, H), nn.ReLU(), nn.Linear(H, K))`` holds the same numbers.

* :class:`MLP` holds the parameters; :meth:`MLP.forward` / :meth:`MLP.backward` are the two
  passes, :func:`sgd_step` one update on a batch.
* :func:`init_mlp` initialises each layer with :func:`handprop.init.initialize`, each with its
  own fan_in / fan_out (D -> H, then H -> K).
* :func:`fit_mlp` is a small mini-batch loop on the settings of an
  :class:`~handprop.train.SGDConfig` (same data order as :func:`handprop.train.fit_sgd` for the
  same generator: one ``rng.permutation(N)`` per epoch) with per-epoch records.
* :func:`trace_mlp` records every intermediate of one step on one sample, with a numerical
  gradient check, as :func:`handprop.tracing.trace` does for softmax regression;
  :mod:`handprop.render` shows it.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import DTypeLike, NDArray

from handprop import functional as F
from handprop.errors import InputError, ShapeError, TrainingDivergedError
from handprop.messages import Msg
from handprop.tracing import Steps, plain
from handprop.train import EpochRecord, SGDConfig, Transform
from handprop.train.engines._feed import GatherFeed
from handprop.validation import as_float_array, describe, positive_float, positive_int

Array = NDArray[np.floating]

#: the hidden activations this network knows
ACTIVATIONS = ("relu", "tanh")


def _activation(name: Any, where: str) -> str:
    if isinstance(name, str) and name.lower() in ACTIVATIONS:
        return name.lower()
    raise InputError(
        "err.choice", name="activation", choices=", ".join(ACTIVATIONS), got=describe(name)
    )


def activate(Z: Array, activation: str, out: Array | None = None) -> Array:
    """``Hd = relu(Z)`` or ``tanh(Z)`` (see :func:`handprop.functional.relu`, ``tanh``)."""
    return F.relu(Z, out=out) if activation == "relu" else F.tanh(Z, out=out)


def activation_backward(
    dH: Array, Z: Array, Hd: Array, activation: str, out: Array | None = None
) -> Array:
    """``dL/dZ1`` from ``dL/dHd``: ``dH * 1[Z > 0]`` (relu) or ``dH * (1 - Hd^2)`` (tanh)."""
    if activation == "relu":
        return F.relu_backward(dH, Z, out=out)
    return F.tanh_backward(dH, Hd, out=out)


@dataclass
class Forward:
    """The forward pass of a batch: ``Z1 : (N, H)``, ``Hd : (N, H)``, ``Z2 : (N, K)``."""

    Z1: Array
    Hd: Array
    Z2: Array


@dataclass
class Gradients:
    """The backward pass of a batch.

    ``A : (N, K)`` probabilities, ``delta2 = dL/dZ2 : (N, K)``, ``dW2 : (K, H)``, ``db2 : (K,)``,
    ``dH = dL/dHd : (N, H)``, ``delta1 = dL/dZ1 : (N, H)``, ``dW1 : (H, D)``, ``db1 : (H,)``.
    """

    A: Array
    delta2: Array
    dW2: Array
    db2: Array
    dH: Array
    delta1: Array
    dW1: Array
    db1: Array

    def params(self) -> tuple[Array, Array, Array, Array]:
        """``(dW1, db1, dW2, db2)``, in the order of :meth:`MLP.params`."""
        return self.dW1, self.db1, self.dW2, self.db2


@dataclass
class MLP:
    """One hidden layer: ``softmax(act(X @ W1.T + b1) @ W2.T + b2)``.

    Attributes
    ----------
    W1 : ndarray of shape (n_hidden, n_features)
    b1 : ndarray of shape (n_hidden,)
    W2 : ndarray of shape (n_classes, n_hidden)
    b2 : ndarray of shape (n_classes,)
    activation : "relu" or "tanh"
    """

    W1: Array
    b1: Array
    W2: Array
    b2: Array
    activation: str = "relu"

    @property
    def n_features(self) -> int:
        return int(self.W1.shape[1])

    @property
    def n_hidden(self) -> int:
        return int(self.W1.shape[0])

    @property
    def n_classes(self) -> int:
        return int(self.W2.shape[0])

    @property
    def dtype(self) -> np.dtype[Any]:
        return self.W1.dtype

    def params(self) -> tuple[Array, Array, Array, Array]:
        """``(W1, b1, W2, b2)``."""
        return self.W1, self.b1, self.W2, self.b2

    def copy(self, dtype: DTypeLike | None = None) -> MLP:
        """An independent copy (optionally in another float dtype)."""
        dt = self.dtype if dtype is None else np.dtype(dtype)
        W1, b1, W2, b2 = (np.array(p, dtype=dt) for p in self.params())
        return MLP(W1, b1, W2, b2, self.activation)

    def forward(self, X: Array) -> Forward:
        """``Z1 = linear(X, W1, b1)``, ``Hd = act(Z1)``, ``Z2 = linear(Hd, W2, b2)``.

        X : (N, D) in the parameters' dtype -> Forward with Z1, Hd : (N, H), Z2 : (N, K).
        """
        Z1 = F.linear(X, self.W1, self.b1)  # (N, H)
        Hd = activate(Z1, self.activation)  # (N, H)
        Z2 = F.linear(Hd, self.W2, self.b2)  # (N, K)
        return Forward(Z1, Hd, Z2)

    def backward(self, X: Array, fwd: Forward, y: NDArray[Any]) -> Gradients:
        """Every gradient of the mean cross-entropy, layer by layer (see the module docstring).

        X : (N, D); fwd from :meth:`forward` on X; y : (N,) class indices or (N, K) one-hot.
        """
        A = F.softmax(fwd.Z2)  # (N, K)
        delta2 = F.delta(A, y)  # (N, K)   dL/dZ2
        dW2, db2 = F.param_gradients(fwd.Hd, delta2)  # (K, H), (K,)
        dH = F.input_gradient(delta2, self.W2)  # (N, H)   dL/dHd
        delta1 = activation_backward(dH, fwd.Z1, fwd.Hd, self.activation)  # (N, H)  dL/dZ1
        dW1, db1 = F.param_gradients(X, delta1)  # (H, D), (H,)
        return Gradients(A, delta2, dW2, db2, dH, delta1, dW1, db1)

    def loss(self, X: Array, y: NDArray[Any]) -> float:
        """``L = cross_entropy(Z2, y)``, the mean over the batch."""
        return F.cross_entropy(self.forward(X).Z2, y)

    def predict(self, X: Array) -> NDArray[np.intp]:
        """``argmax_k Z2[n, k]`` for each row. X : (N, D) -> (N,)."""
        return np.argmax(self.forward(X).Z2, axis=1)

    def hidden_units(self) -> Array:
        """Each hidden unit's weights as one row: ``[W1[i, :], b1[i], W2[:, i]]`` : (H, D + 1 + K).

        Two units with equal rows compute the same thing and receive the same gradient.
        """
        return np.concatenate([self.W1, self.b1[:, None], self.W2.T], axis=1)

    def hidden_spread(self) -> float:
        """``max_{i, j} max |u_i - u_j|`` over the rows u of :meth:`hidden_units`.

        0 when every hidden unit has exactly the same weights (the symmetry trap).
        Computed as the largest per-coordinate range ``max_c (max_i u[i, c] - min_i u[i, c])``.
        """
        U = self.hidden_units()
        if U.shape[0] < 2:
            return 0.0
        return float(np.max(np.ptp(U, axis=0)))


def mlp_from_arrays(
    W1: Any, b1: Any, W2: Any, b2: Any, activation: str = "relu", where: str = "mlp"
) -> MLP:
    """Validated float64 :class:`MLP` from array-likes: W1 (H, D), b1 (H,), W2 (K, H), b2 (K,)."""
    act = _activation(activation, where)
    W1 = as_float_array(W1, "W1", where, ndim=2)
    H = W1.shape[0]
    b1 = as_float_array(b1, "b1", where, shape=(H,))
    W2 = as_float_array(W2, "W2", where, ndim=2)
    if W2.shape[1] != H or W2.shape[0] < 2:
        raise ShapeError(
            "err.must",
            where=where,
            name="W2",
            expected=Msg("exp.shape", shape=f"(K >= 2, {H})"),
            got=Msg("got.shape", shape=W2.shape),
        )
    b2 = as_float_array(b2, "b2", where, shape=(W2.shape[0],))
    return MLP(W1, b1, W2, b2, act)


def init_mlp(
    n_features: int,
    n_hidden: int,
    n_classes: int,
    init: str = "kaiming",
    *,
    activation: str = "relu",
    rng: np.random.Generator | int | None = None,
    dtype: DTypeLike = np.float32,
    **options: Any,
) -> MLP:
    """A new :class:`MLP` with both layers from :func:`handprop.init.initialize`.

    Layer 1 is a (D -> H) layer: ``fan_in = D``, ``fan_out = H``; layer 2 is (H -> K):
    ``fan_in = H``, ``fan_out = K``. Both draw from the same generator, layer 1 first.
    ``options`` go to the scheme of both layers (e.g. ``value=0.01`` for ``constant``).
    """
    from handprop.init import initialize

    act = _activation(activation, "init_mlp")
    D = positive_int(n_features, "n_features", "init_mlp")
    H = positive_int(n_hidden, "n_hidden", "init_mlp")
    K = positive_int(n_classes, "n_classes", "init_mlp")
    gen = rng if isinstance(rng, np.random.Generator) else np.random.default_rng(rng)
    W1, b1 = initialize(init, H, D, rng=gen, dtype=dtype, **options)
    W2, b2 = initialize(init, K, H, rng=gen, dtype=dtype, **options)
    return MLP(W1, b1, W2, b2, act)


def sgd_step(
    model: MLP,
    X: Array,
    y: NDArray[Any],
    lr: float,
    *,
    momentum: float = 0.0,
    velocity: tuple[Array, Array, Array, Array] | None = None,
    weight_decay: float = 0.0,
) -> tuple[float, Gradients]:
    """One SGD step on the batch ``(X, y)``, in place: ``p <- p - lr * dL/dp`` for each parameter.

    Same semantics as ``torch.optim.SGD(model.parameters(), lr, momentum, weight_decay)`` (see
    :func:`handprop.functional.sgd_step`). Returns the loss *before* the update and the gradients.
    """
    fwd = model.forward(X)
    loss = F.cross_entropy(fwd.Z2, y)
    grads = model.backward(X, fwd, y)
    vel = velocity or (None, None, None, None)
    for p, g, v in zip(model.params(), grads.params(), vel, strict=True):
        F.sgd_step(p, g, lr, momentum=momentum, velocity=v, weight_decay=weight_decay, out=p)
    return loss, grads


# ------------------------------------------------------------------------------------ training


@dataclass
class MLPTrainResult:
    """What :func:`fit_mlp` did: the trained ``model`` (a copy), one record per epoch.

    ``EpochRecord.running_loss`` / ``running_accuracy`` are means over the epoch's batches
    before each update, as in :func:`handprop.train.fit_sgd`; ``metrics`` holds what
    ``evaluate`` gave.
    """

    model: MLP
    history: list[EpochRecord]
    steps: int


def loss_and_accuracy(
    model: MLP, X: NDArray[Any], y: NDArray[np.integer], transform: Transform | None = None
) -> tuple[float, float]:
    """Mean cross-entropy and accuracy of ``model`` on all of ``(X, y)``."""
    Xf = np.empty(X.shape, dtype=model.dtype)
    if transform is None:
        np.copyto(Xf, X, casting="unsafe")
    else:
        transform(X, Xf)
    with np.errstate(all="ignore"):
        Z2 = model.forward(Xf).Z2
        return F.cross_entropy(Z2, np.asarray(y)), float(np.mean(Z2.argmax(axis=1) == y))


def fit_mlp(
    X: NDArray[Any],
    y: NDArray[np.integer],
    model: MLP,
    config: SGDConfig | None = None,
    *,
    rng: np.random.Generator | int | None = None,
    transform: Transform | None = None,
    evaluate: Callable[[MLP], Mapping[str, float]] | None = None,
    clock: Callable[[], float] = time.perf_counter,
) -> MLPTrainResult:
    """Mini-batch SGD for :class:`MLP` on the mean cross-entropy.

    fit_mlp keeps its own short loop instead of being an engine of ``fit_sgd``, because
    TrainState, checkpoints, iterate averaging and the engines all hold one softmax layer
    (W, b), and the lab's two-layer runs need none of them.

    Parameters
    ----------
    X : ndarray of shape (N, D), any real dtype (uint8 images stay uint8; converted per batch)
    y : ndarray of shape (N,), class indices in [0, K)
    model : MLP, the initial parameters (copied, not modified); their dtype is the compute dtype
    config : SGDConfig (lr, batch_size, epochs, momentum, weight_decay, shuffle are used)
        Default: plain SGD, ``SGDConfig(momentum=0, average=None)``.
    rng : numpy Generator or seed; one ``rng.permutation(N)`` per epoch when shuffling
        (the same order :func:`handprop.train.fit_sgd` uses for the same generator)
    transform : ``transform(raw_batch, out)`` preprocessing into the float buffer ``out``
    evaluate : ``evaluate(model) -> {"name": value}`` after every epoch (must not modify it)
    clock : seconds, for ``EpochRecord.seconds``

    Raises
    ------
    TrainingDivergedError
        When a batch loss is NaN or infinite (``err.state`` is the run up to the last epoch).
    """
    config = config or SGDConfig(momentum=0.0, average=None)
    N, D = X.shape
    if model.n_features != D or np.shape(y) != (N,):
        raise ShapeError(
            "err.must",
            where="train",
            name="X, y",
            expected=Msg("exp.shape", shape=f"(N, {model.n_features}), (N,)"),
            got=f"{X.shape}, {np.shape(y)}",
        )
    gen = rng if isinstance(rng, np.random.Generator) else np.random.default_rng(rng)
    net = model.copy()
    momentum = config.momentum
    velocity = None
    if momentum:
        W1, b1, W2, b2 = net.params()
        velocity = (np.zeros_like(W1), np.zeros_like(b1), np.zeros_like(W2), np.zeros_like(b2))
    feed = GatherFeed(X, np.asarray(y, dtype=np.intp), config.batch_size, net.dtype, transform)
    result = MLPTrainResult(net, [], 0)
    with np.errstate(all="ignore"):
        for epoch in range(config.epochs):
            t0 = clock()
            loss_sum, correct = 0.0, 0
            rows = gen.permutation(N) if config.shuffle else np.arange(N)
            for j, batch in enumerate(feed.epoch(rows)):
                xb, yb = batch.x, batch.y
                loss, grads = sgd_step(
                    net, xb, yb, config.lr, momentum=momentum, velocity=velocity,
                    weight_decay=config.weight_decay,
                )  # fmt: skip
                if not math.isfinite(loss):
                    err = TrainingDivergedError(
                        "train.diverged", value=str(loss), epoch=epoch + 1, batch=j + 1,
                        cause=Msg("train.cause.lr", lr=f"{config.lr:g}"),
                    )  # fmt: skip
                    err.state = result
                    raise err
                correct += int(np.count_nonzero(grads.A.argmax(axis=1) == yb))
                loss_sum += loss * xb.shape[0]
                result.steps += 1
            record = EpochRecord(epoch + 1, loss_sum / N, correct / N, clock() - t0)
            if evaluate is not None:
                record.metrics = {k: float(v) for k, v in evaluate(net).items()}
            result.history.append(record)
    return result


# ------------------------------------------------------------------------------------ the trace


@dataclass
class MLPStepRecord:
    """Every number of one SGD step of the one-hidden-layer network on one sample (float64).

    Forward: ``Z1 = W1 x + b1`` (H,), ``H = act(Z1)`` (H,), ``Z2 = W2 H + b2`` (K,),
    ``A = softmax(Z2)``, ``loss = -log A[y]``.
    Backward: ``delta2 = A - y_onehot`` (K,), ``dW2 = delta2 H^T`` (K, H), ``db2 = delta2``,
    ``dH = W2^T delta2`` (H,), ``act_grad = act'(Z1)`` (1[Z1 > 0] or 1 - H^2),
    ``delta1 = dH * act_grad`` (H,), ``dW1 = delta1 x^T`` (H, D), ``db1 = delta1``, and the
    central-difference ``numerical_*`` of each. Update: ``p_new = p - lr dp``, then forward again.
    """

    step: int
    activation: str
    x: Array
    W1: Array
    b1: Array
    W2: Array
    b2: Array
    true_class: int
    y_onehot: Array
    lr: float
    Z1: Array
    H: Array
    Z2: Array
    A: Array
    predicted_class: int
    loss: float
    delta2: Array
    dW2: Array
    db2: Array
    dH: Array
    act_grad: Array
    delta1: Array
    dW1: Array
    db1: Array
    numerical_dW1: Array
    numerical_db1: Array
    numerical_dW2: Array
    numerical_db2: Array
    max_abs_gradcheck_error: float
    W1_new: Array
    b1_new: Array
    W2_new: Array
    b2_new: Array
    A_after: Array
    loss_after: float
    predicted_after: int

    @property
    def correct(self) -> bool:
        return self.predicted_class == self.true_class

    @property
    def dead_units(self) -> list[int]:
        """Hidden units whose gradient is cut by the activation (relu with Z1 <= 0)."""
        return [int(i) for i in np.flatnonzero(self.act_grad == 0)]

    def to_dict(self) -> dict[str, Any]:
        """Plain numbers and nested lists, full precision."""
        out = {name: plain(getattr(self, name)) for name in self.__dataclass_fields__}
        out["correct"] = self.correct
        return out


class MLPTrace(Steps[MLPStepRecord]):
    """Several :class:`MLPStepRecord` on one sample, optionally with class names."""


def mlp_one_step(net: MLP, x: Array, y: int, lr: float, step: int = 1) -> MLPStepRecord:
    """Record one SGD step of ``net`` (float64, validated) on sample ``x`` with class ``y``."""
    X = x[None, :]  # (1, D)
    Y = F.one_hot(np.array([y]), net.n_classes)  # (1, K)
    fwd = net.forward(X)
    loss = F.cross_entropy(fwd.Z2, Y)
    g = net.backward(X, fwd, Y)
    act_grad = activation_backward(np.ones_like(fwd.Z1), fwd.Z1, fwd.Hd, net.activation)

    def loss_with(index: int) -> Callable[[Array], float]:
        def f(p: Array) -> float:
            params = list(net.params())
            params[index] = p
            W1, b1, W2, b2 = params
            return MLP(W1, b1, W2, b2, activation=net.activation).loss(X, Y)

        return f

    numerical = [F.numerical_gradient(loss_with(i), p) for i, p in enumerate(net.params())]
    gradcheck = max(
        float(np.max(np.abs(n - a))) for n, a in zip(numerical, g.params(), strict=True)
    )
    new = net.copy()
    for p, grad in zip(new.params(), g.params(), strict=True):
        F.sgd_step(p, grad, lr, out=p)
    Z2_after = new.forward(X).Z2
    A_after = F.softmax(Z2_after)
    return MLPStepRecord(
        step=step,
        activation=net.activation,
        x=x.copy(),
        W1=net.W1.copy(),
        b1=net.b1.copy(),
        W2=net.W2.copy(),
        b2=net.b2.copy(),
        true_class=int(y),
        y_onehot=Y[0],
        lr=float(lr),
        Z1=fwd.Z1[0],
        H=fwd.Hd[0],
        Z2=fwd.Z2[0],
        A=g.A[0],
        predicted_class=int(np.argmax(g.A[0])),
        loss=loss,
        delta2=g.delta2[0],
        dW2=g.dW2,
        db2=g.db2,
        dH=g.dH[0],
        act_grad=act_grad[0],
        delta1=g.delta1[0],
        dW1=g.dW1,
        db1=g.db1,
        numerical_dW1=numerical[0],
        numerical_db1=numerical[1],
        numerical_dW2=numerical[2],
        numerical_db2=numerical[3],
        max_abs_gradcheck_error=gradcheck,
        W1_new=new.W1,
        b1_new=new.b1,
        W2_new=new.W2,
        b2_new=new.b2,
        A_after=A_after[0],
        loss_after=F.cross_entropy(Z2_after, Y),
        predicted_after=int(np.argmax(A_after[0])),
    )


def trace_mlp(
    x: Any,
    W1: Any,
    b1: Any,
    W2: Any,
    b2: Any,
    y: Any,
    lr: float = 0.1,
    activation: str = "relu",
    *,
    steps: int = 1,
    classes: list[str] | None = None,
) -> MLPTrace:
    """Run ``steps`` SGD steps of a one-hidden-layer network on one sample, recording everything.

    Parameters
    ----------
    x : array-like of shape (D,)
    W1 : (H, D), b1 : (H,), W2 : (K, H), b2 : (K,) array-likes
    y : int in [0, K) or one-hot of shape (K,)
    lr : float > 0
    activation : "relu" or "tanh"
    steps : int >= 1, each starting from the previous step's updated parameters
    classes : K names, optional

    Returns
    -------
    MLPTrace, float64 throughout.
    """
    from handprop.tracing import class_index

    where = "trace_mlp"
    net = mlp_from_arrays(W1, b1, W2, b2, activation, where)
    xv = as_float_array(x, "x", where, shape=(net.n_features,))
    yi = class_index(y, net.n_classes, where)
    lr = positive_float(lr, "lr", where)
    steps = positive_int(steps, "steps", where)
    if classes is not None and len(classes) != net.n_classes:
        raise ShapeError(
            "err.must",
            where=where,
            name="classes",
            expected=Msg("exp.shape", shape=f"({net.n_classes},)"),
            got=describe(list(classes)),
        )
    records = []
    for i in range(steps):
        record = mlp_one_step(net, xv, yi, lr, step=i + 1)
        records.append(record)
        net = MLP(record.W1_new, record.b1_new, record.W2_new, record.b2_new, net.activation)
    return MLPTrace(records, list(classes) if classes is not None else None)


#: a small built-in hidden-layer example: the notes' sample x and 3 classes, 4 hidden units
MLP_EXAMPLE: dict[str, Any] = {
    "x": [0.5, 0.6, 0.7],
    "W1": [[0.1, -0.2, 0.3], [0.4, 0.5, -0.6], [-0.7, 0.8, 0.9], [0.2, -0.3, -0.1]],
    "b1": [0.1, 0.1, 0.0, 0.05],
    "W2": [[0.3, -0.1, 0.2, 0.4], [-0.2, 0.5, 0.1, -0.3], [0.1, 0.2, -0.4, 0.2]],
    "b2": [0.3, 0.2, 0.1],
    "y": 1,
    "lr": 0.1,
    "classes": ["cat", "dog", "pig"],
}
