"""The math of softmax regression. Each formula lives here once.

Notation (rows are samples, as in PyTorch and scikit-learn)::

    X : (N, D)  inputs            W : (K, D)  weights (classes x features, as nn.Linear.weight)
    b : (K,)    bias              Z = X @ W.T + b : (N, K) logits
    A = softmax(Z) : (N, K)       Y : (N, K) one-hot targets, or y : (N,) class indices
    L = -(1/N) sum_n sum_k Y[n, k] log A[n, k]          (cross-entropy, mean over the batch)
    delta = dL/dZ = (A - Y) / N   dW = delta.T @ X      db = delta.sum(0)

For N = 1 these are the column-vector formulas of a hand calculation, ``z = W x + b``,
``delta = a - y``, ``dW = delta x^T``. The step-by-step trace, the trainer, the exercises and the
web page all call these functions; none of them re-derives a formula.

Functions accept an ``out=`` buffer where the trainer needs to avoid allocations; the result is
the same array either way. The dtype follows the inputs (float64 for traces, float32 for training).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
from numpy.typing import NDArray

Array = NDArray[np.floating]
#: targets: (N, K) one-hot rows (or any class probabilities), or (N,) integer class indices
Targets = NDArray[Any]


def linear(X: Array, W: Array, b: Array, out: Array | None = None) -> Array:
    """Logits ``Z = X @ W.T + b``.

    Parameters
    ----------
    X : ndarray of shape (N, D)
    W : ndarray of shape (K, D)
    b : ndarray of shape (K,)
    out : ndarray of shape (N, K), optional

    Returns
    -------
    Z : ndarray of shape (N, K)
    """
    Z = np.matmul(X, W.T, out=out)  # (N, K)
    Z += b
    return Z


def softmax(Z: Array, out: Array | None = None) -> Array:
    """Row-wise ``A[n, k] = exp(Z[n, k] - m_n) / sum_j exp(Z[n, j] - m_n)``, ``m_n = max_j Z[n]``.

    Subtracting the row maximum leaves the result unchanged (softmax is shift-invariant) and keeps
    every exponent <= 0, so nothing overflows even for logits of +-1e4. ``out`` may be ``Z``.

    Z : (N, K) or (K,) -> A : same shape, rows sum to 1.

    Examples
    --------
    >>> import numpy as np
    >>> print(softmax(np.array([[0.48, 1.12, 1.76], [1e4, 0.0, -1e4]])).round(3))
    [[0.154 0.292 0.554]
     [1.    0.    0.   ]]
    """
    A = np.subtract(Z, Z.max(axis=-1, keepdims=True), out=out)
    np.exp(A, out=A)
    A /= A.sum(axis=-1, keepdims=True)
    return A


def softmax_parts(z: Array) -> tuple[Array, Array, Array]:
    """The three hand-calculation stages of ``softmax`` for display: ``exp(z)``, its sum, ``A``.

    ``exp(z)`` is taken without the max shift, as written on paper; it is shown only, and
    ``A`` comes from :func:`softmax`. z : (K,) or (N, K) -> exp_z : same, sum : (N,) or (), A.
    """
    with np.errstate(over="ignore"):
        exp_z = np.exp(z)
    return exp_z, exp_z.sum(axis=-1), softmax(z)


def log_softmax(Z: Array) -> Array:
    """``log A = (Z - m) - log sum_j exp(Z_j - m)`` row-wise, finite wherever Z is.

    Z : (N, K) -> log A : (N, K)
    """
    shifted = Z - Z.max(axis=-1, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=-1, keepdims=True))


def one_hot(y: NDArray[np.integer], num_classes: int, dtype: type = np.float64) -> Array:
    """``Y[n, k] = 1 if y[n] == k else 0``.  y : (N,) ints in [0, K) -> Y : (N, K)."""
    y = np.asarray(y)
    Y: Array = np.zeros((y.shape[0], num_classes), dtype=dtype)
    Y[np.arange(y.shape[0]), y] = 1
    return Y


def cross_entropy(Z: Array, Y: Targets) -> float:
    """Mean cross-entropy from logits: ``L = -(1/N) sum_n sum_k Y[n, k] log softmax(Z)[n, k]``.

    Computed through :func:`log_softmax`, so it is finite even when a probability underflows to 0.

    Z : (N, K) logits.
    Y : (N, K) one-hot (or any rows of class probabilities), or (N,) integer class indices.
    Returns L >= 0 as a Python float.

    Examples
    --------
    >>> import numpy as np
    >>> round(cross_entropy(np.array([[0.48, 1.12, 1.76]]), np.array([1])), 4)
    1.2307
    """
    return nll_loss(log_softmax(Z), Y)


def loss_gradient_wrt_probs(A: Array, Y: Array) -> Array:
    """``dL/dA = -Y / (N A)``, the first factor of the long chain rule.

    A, Y : (N, K) -> dL/dA : (N, K). Exactly 0 where Y is 0 (the loss does not depend on that A,
    even if it underflowed to 0); infinite where A is 0 and Y is not. Used for the trace only.
    """
    dL_dA = np.zeros(A.shape, dtype=np.result_type(A, Y))
    with np.errstate(divide="ignore"):
        return np.divide(-Y, A.shape[0] * A, out=dL_dA, where=Y != 0)


def softmax_jacobian(a: Array) -> Array:
    """``dA/dZ = diag(a) - a a^T``: entry (i, j) is ``a_i (1[i == j] - a_j)``.

    a : (K,) -> J : (K, K);  A : (N, K) -> J : (N, K, K), one Jacobian per sample.
    """
    outer = a[..., :, None] * a[..., None, :]
    diag = np.zeros_like(outer)
    idx = np.arange(a.shape[-1])
    diag[..., idx, idx] = a
    return diag - outer


def delta_by_chain_rule(A: Array, Y: Array) -> Array:
    """``dL/dZ`` the long way: ``dL/dZ_n = J_n^T dL/dA_n`` with ``J_n = softmax_jacobian(A_n)``.

    Equal to :func:`delta` whenever each row of Y sums to 1; kept to show why the shortcut holds.
    A, Y : (N, K) -> (N, K).
    """
    dL_dA = loss_gradient_wrt_probs(A, Y)  # (N, K)
    J = softmax_jacobian(A)  # (N, K, K)
    return np.einsum("nij,ni->nj", J, dL_dA)


def delta(A: Array, Y: Targets, out: Array | None = None) -> Array:
    """``delta = dL/dZ = (A - Y) / N``, the softmax-cross-entropy shortcut.

    A : (N, K) probabilities; Y : (N, K) one-hot or (N,) class indices. ``out`` may be ``A``.
    Returns delta : (N, K).
    """
    N = A.shape[0]
    if Y.ndim == 1:
        if out is None:
            d = A.copy()
        else:
            if out is not A:
                np.copyto(out, A)
            d = out
        d[np.arange(N), Y] -= 1
    else:
        d = np.subtract(A, Y, out=out)
    d /= N
    return d


def param_gradients(X: Array, d: Array, out_W: Array | None = None) -> tuple[Array, Array]:
    """``dW = delta.T @ X`` and ``db = delta.sum(0)`` from ``delta = dL/dZ``.

    X : (N, D), d : (N, K) -> dW : (K, D), db : (K,)
    """
    dW = np.matmul(d.T, X, out=out_W)  # (K, D)
    db = d.sum(axis=0)  # (K,)
    return dW, db


def backward(X: Array, A: Array, Y: Targets) -> tuple[Array, Array, Array]:
    """The backward pass of softmax regression: ``(delta, dW, db)``.

    ``delta = (A - Y) / N``, ``dW = delta.T @ X``, ``db = delta.sum(0)``.
    X : (N, D), A : (N, K), Y : (N, K) or (N,) -> (N, K), (K, D), (K,)

    Examples
    --------
    The worked example (one sample, true class index 1):

    >>> import numpy as np
    >>> X = np.array([[0.5, 0.6, 0.7]])
    >>> W = np.array([[0.1, 0.2, 0.3], [0.4, 0.5, 0.6], [0.7, 0.8, 0.9]])
    >>> A = softmax(linear(X, W, np.array([0.1, 0.2, 0.3])))
    >>> d, dW, db = backward(X, A, np.array([1]))
    >>> print(d.round(3))
    [[ 0.154 -0.708  0.554]]
    >>> print(dW.round(3))
    [[ 0.077  0.092  0.108]
     [-0.354 -0.425 -0.496]
     [ 0.277  0.332  0.388]]
    """
    d = delta(A, Y)
    dW, db = param_gradients(X, d)
    return d, dW, db


def sgd_step(
    param: Array,
    grad: Array,
    lr: float,
    *,
    momentum: float = 0.0,
    velocity: Array | None = None,
    weight_decay: float = 0.0,
    out: Array | None = None,
) -> Array:
    """One SGD update, as ``torch.optim.SGD``: ``param_new = param - lr * g``.

    With weight decay ``g = grad + weight_decay * param``; with momentum ``mu`` the velocity buffer
    is updated in place, ``v = mu * v + g`` (``v = g`` on the first step: pass a zero buffer and
    it is filled), and the step uses ``v``. ``out`` may be ``param`` for an in-place update.
    param, grad, velocity : same shape. Returns the updated parameter.
    """
    if momentum and velocity is None:
        raise ValueError("momentum needs a velocity buffer")
    # A separate ``out`` holds the intermediate products, so the trainer's step allocates
    # nothing; the arithmetic (and so every rounding) is the same on either path.
    scratch = (
        out
        if out is not None
        and not np.may_share_memory(out, param)
        and not np.may_share_memory(out, grad)
        and (velocity is None or not np.may_share_memory(out, velocity))
        else None
    )
    g = grad
    if weight_decay:
        if scratch is None:
            g = grad + weight_decay * param
        else:
            g = np.add(grad, np.multiply(param, weight_decay, out=scratch), out=scratch)
    if momentum and velocity is not None:
        velocity *= momentum
        velocity += g
        g = velocity
    if out is None:
        return param - lr * g
    if scratch is None:
        np.subtract(param, lr * g, out=out)  # out is (or overlaps) param: lr * g is a temporary
        return out
    return np.subtract(param, np.multiply(g, lr, out=scratch), out=scratch)


def sgd_update(W: Array, b: Array, dW: Array, db: Array, lr: float) -> tuple[Array, Array]:
    """Plain SGD on both parameters: ``W_new = W - lr dW``, ``b_new = b - lr db`` (new arrays)."""
    return sgd_step(W, dW, lr), sgd_step(b, db, lr)


def predict(X: Array, W: Array, b: Array) -> NDArray[np.intp]:
    """The predicted class index ``argmax_k Z[n, k]`` (same as argmax of A). X : (N, D) -> (N,)."""
    return np.argmax(linear(X, W, b), axis=1)


def numerical_gradient(f: Callable[[Array], float], x: Array, eps: float = 1e-6) -> Array:
    """Central differences: ``g_i = (f(x + eps e_i) - f(x - eps e_i)) / (2 eps)`` for every entry.

    ``x`` (any shape, float64) is perturbed in a copy; ``f`` maps such an array to a float.
    Error is O(eps^2) from truncation plus O(ulp(f) / eps) from rounding: about 1e-10 at eps=1e-6.
    """
    x = np.array(x, dtype=np.float64, order="C")  # C order: the flat views below alias x
    grad = np.empty_like(x)
    flat, gflat = x.reshape(-1), grad.reshape(-1)
    for i in range(flat.size):
        orig = flat[i]
        flat[i] = orig + eps
        f_plus = f(x)
        flat[i] = orig - eps
        f_minus = f(x)
        flat[i] = orig
        gflat[i] = (f_plus - f_minus) / (2 * eps)
    return grad


def softmax_regression_loss(X: Array, W: Array, b: Array, Y: Array) -> float:
    """``L(W, b) = cross_entropy(linear(X, W, b), Y)``: the function the gradients are of."""
    return cross_entropy(linear(X, W, b), Y)


# --- hand-calculation stages, for checking answers written by hand (handprop.checker) ---


def normalize(exp_z: Array, total: Array | float) -> Array:
    """``A = exp_z / total``: the last hand stage of softmax, dividing by the sum as written.

    :func:`softmax_parts` gives ``exp(z)`` and its sum; a hand calculation then divides by the
    sum it wrote down, which may differ from ``exp_z.sum()``. Probabilities from logits come
    from :func:`softmax`. exp_z : (K,) or (N, K); total : () or (N,) -> same shape as exp_z.
    """
    total = np.asarray(total)
    return exp_z / (total[..., None] if total.ndim else total)


def nll_loss(log_A: Array, Y: Targets) -> float:
    """``L = -(1/N) sum_n log_A[n, y_n]`` from log-probabilities, as ``torch...nll_loss``.

    ``cross_entropy(Z, Y) == nll_loss(log_softmax(Z), Y)``; this form checks a loss worked out
    by hand from probabilities that need not sum exactly to 1 (``log_A = log(A)``).
    log_A : (N, K); Y : (N, K) one-hot or (N,) class indices. Returns a Python float.
    """
    N = log_A.shape[0]
    if Y.ndim == 1:
        return float(-log_A[np.arange(N), Y].sum() / N)
    return float(-(Y * log_A).sum() / N)


# --- a hidden layer: activations, their derivatives, the backward step through a layer's input ---
#
# A one-hidden-layer network reuses everything above; only these four pieces are new:
#
#     Z1 = linear(X, W1, b1)           # (N, H)  W1 : (H, D), b1 : (H,)
#     Hd = relu(Z1) or tanh(Z1)        # (N, H)  hidden activations
#     Z2 = linear(Hd, W2, b2)          # (N, K)  W2 : (K, H), b2 : (K,)
#     A = softmax(Z2); L = cross_entropy(Z2, Y)
#     delta2 = delta(A, Y)                      # (N, K)  dL/dZ2
#     dW2, db2 = param_gradients(Hd, delta2)    # (K, H), (K,)
#     dH = input_gradient(delta2, W2)           # (N, H)  dL/dHd
#     delta1 = relu_backward(dH, Z1) or tanh_backward(dH, Hd)   # (N, H)  dL/dZ1
#     dW1, db1 = param_gradients(X, delta1)     # (H, D), (H,)


def relu(Z: Array, out: Array | None = None) -> Array:
    """``H = max(Z, 0)`` elementwise (``torch.relu``).

    Z : ndarray of any shape, e.g. (N, H) pre-activations -> H : same shape. ``out`` may be Z.
    """
    return np.maximum(Z, 0, out=out)


def relu_backward(dH: Array, Z: Array, out: Array | None = None) -> Array:
    """``dZ = dH * 1[Z > 0]``: the gradient passes where the unit was active, else it is 0.

    At ``Z == 0`` the derivative is taken as 0, as PyTorch does.
    dH : (N, H) gradient w.r.t. the activations; Z : (N, H) the pre-activations -> dZ : (N, H).
    ``out`` may be dH.
    """
    return np.multiply(dH, Z > 0, out=out)


def tanh(Z: Array, out: Array | None = None) -> Array:
    """``H = tanh(Z) = (e^Z - e^-Z) / (e^Z + e^-Z)`` elementwise, in (-1, 1).

    Z : ndarray of any shape -> H : same shape. ``out`` may be Z.
    """
    return np.tanh(Z, out=out)


def tanh_backward(dH: Array, H: Array, out: Array | None = None) -> Array:
    """``dZ = dH * (1 - H^2)``, since ``d tanh(z) / dz = 1 - tanh(z)^2``.

    Uses the activations ``H = tanh(Z)`` (kept from the forward pass), not Z.
    dH : (N, H), H : (N, H) -> dZ : (N, H). ``out`` may be dH.
    """
    return np.multiply(dH, 1 - H * H, out=out)


def input_gradient(d: Array, W: Array, out: Array | None = None) -> Array:
    """``dX = d @ W``: the gradient w.r.t. a linear layer's *input*, from ``d = dL/dZ``.

    For ``Z = X @ W.T + b`` each input ``X[n, j]`` reaches every output ``Z[n, k]`` through
    ``W[k, j]``, so ``dL/dX[n, j] = sum_k d[n, k] W[k, j]``. In a network this is how the error
    travels back into the layer below (its ``dL/dH``).
    d : (N, K), W : (K, D) -> dX : (N, D)
    """
    return np.matmul(d, W, out=out)
