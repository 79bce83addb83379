"""The formulas of :mod:`handprop.functional`, transcribed one for one on PyTorch tensors.

``SoftmaxRegression(engine="torch", device="cuda")`` (or ``fit_sgd(engine="torch")``) trains
with :class:`handprop.train.engines.torch.TorchEngine`, which runs exactly the steps of the
reference engine on tensors of ``device`` with these functions: the same formulas, in the same
order, with no autograd. ``tests/test_torch_backend.py`` checks each function and whole
trainings against the NumPy path on CPU tensors (float64 to 1e-10, float32 to 1e-5).

PyTorch is optional (``pip install 'handprop[torch]'``) and imported only here, only when used.
Shapes and notation as in :mod:`handprop.functional`: ``X : (N, D)``, ``W : (K, D)``,
``b : (K,)``, ``Z, A, delta : (N, K)``, ``y : (N,)`` class indices.
"""

from __future__ import annotations

from typing import Any

from handprop.errors import InputError
from handprop.messages import Msg

Tensor = Any  # torch.Tensor, without importing torch at type-checking time


def import_torch() -> Any:
    """``torch``, or an InputError saying how to install it."""
    try:
        import torch
    except ImportError:
        raise InputError(
            "err.must",
            where="engine",
            name="torch",
            expected=Msg("train.exp.torch_installed"),
            got=Msg("train.got.not_installed"),
        ) from None
    return torch


def default_device() -> str:
    """``"cuda"`` when PyTorch sees a GPU, else ``"cpu"``."""
    torch = import_torch()
    return "cuda" if torch.cuda.is_available() else "cpu"


def linear(X: Tensor, W: Tensor, b: Tensor) -> Tensor:
    """``Z = X @ W.T + b`` : (N, K), as :func:`handprop.functional.linear`."""
    return X @ W.T + b


def softmax(Z: Tensor) -> Tensor:
    """``A = exp(Z - m) / sum_j exp(Z_j - m)`` row-wise with ``m`` the row max : (N, K)."""
    A = (Z - Z.amax(dim=-1, keepdim=True)).exp()
    return A / A.sum(dim=-1, keepdim=True)


def log_softmax(Z: Tensor) -> Tensor:
    """``log A = (Z - m) - log sum_j exp(Z_j - m)`` row-wise : (N, K)."""
    shifted = Z - Z.amax(dim=-1, keepdim=True)
    return shifted - shifted.exp().sum(dim=-1, keepdim=True).log()


def nll_loss(log_A: Tensor, y: Tensor) -> Tensor:
    """``L = -(1/N) sum_n log_A[n, y_n]`` : a 0-d tensor (y : (N,) class indices)."""
    N = log_A.shape[0]
    return -log_A[_rows(N, log_A.device), y].sum() / N


def cross_entropy(Z: Tensor, y: Tensor) -> Tensor:
    """``L = nll_loss(log_softmax(Z), y)``, as :func:`handprop.functional.cross_entropy`."""
    return nll_loss(log_softmax(Z), y)


def delta(A: Tensor, y: Tensor) -> Tensor:
    """``delta = (A - Y) / N`` with Y the one-hot of ``y`` : (N, K)."""
    N = A.shape[0]
    d = A.clone()
    d[_rows(N, A.device), y] -= 1
    return d / N


def param_gradients(X: Tensor, d: Tensor) -> tuple[Tensor, Tensor]:
    """``dW = delta.T @ X`` : (K, D) and ``db = delta.sum(0)`` : (K,)."""
    return d.T @ X, d.sum(dim=0)


def sgd_step(
    param: Tensor,
    grad: Tensor,
    lr: float,
    *,
    momentum: float = 0.0,
    velocity: Tensor | None = None,
    weight_decay: float = 0.0,
) -> Tensor:
    """``param - lr * g`` with ``g = grad + weight_decay * param`` and, with momentum,
    ``v = momentum * v + g`` (in place) used as g, as :func:`handprop.functional.sgd_step`."""
    g = grad
    if weight_decay:
        g = grad + weight_decay * param
    if momentum:
        if velocity is None:
            raise ValueError("momentum needs a velocity buffer")
        velocity.mul_(momentum)
        velocity.add_(g)
        g = velocity
    return param - lr * g


def _rows(N: int, device: Any) -> Tensor:
    torch = import_torch()
    return torch.arange(N, device=device)
