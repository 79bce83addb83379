"""The formulas of :mod:`handprop.functional`, transcribed one for one on PyTorch tensors.

``SoftmaxRegression(backend="torch", device="cuda")`` (or ``fit_sgd(engine="torch")``) trains
with :class:`TorchStep`, which runs exactly the steps of :class:`handprop.train.ReferenceStep`
on tensors of ``device``: the same formulas, in the same order, with no autograd. The data
pipeline (gather, convert, shuffle) stays the NumPy one, so the same seed gives the same
batches; ``tests/test_torch_backend.py`` checks each function and whole trainings against the
NumPy path on CPU tensors (float64 to 1e-10, float32 to 1e-5).

PyTorch is optional (``pip install 'handprop[torch]'``) and imported only here, only when used.
Shapes and notation as in :mod:`handprop.functional`: ``X : (N, D)``, ``W : (K, D)``,
``b : (K,)``, ``Z, A, delta : (N, K)``, ``y : (N,)`` class indices.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from numpy.typing import NDArray

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
            where="backend",
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


def average_step(avg: Tensor, param: Tensor, count: int) -> Tensor:
    """``avg <- avg + (param - avg) / count`` in place, as :func:`handprop.train.average_step`."""
    avg.add_((param - avg) / count)
    return avg


def _rows(N: int, device: Any) -> Tensor:
    torch = import_torch()
    return torch.arange(N, device=device)


class TorchStep:
    """The step of :class:`handprop.train.ReferenceStep` on tensors of ``device``.

    Same interface: ``step(xb, yb, extra, lr) -> loss`` on NumPy batches (copied
    to the device; on the CPU they are shared, not copied); ``current()``, ``previous()`` and
    ``velocity()`` give NumPy arrays. Each step replaces the parameter tensors by new ones, so
    the previous weights stay available after a divergence.
    """

    name = "torch"

    def __init__(
        self,
        W: NDArray[np.floating],
        b: NDArray[np.floating],
        vW: NDArray[np.floating],
        vb: NDArray[np.floating],
        batch_size: int,
        momentum: float,
        weight_decay: float,
        *,
        device: str | None = None,
    ) -> None:
        torch = import_torch()
        self.torch = torch
        try:
            self.device = torch.device(device or default_device())
            if self.device.type == "cuda" and not torch.cuda.is_available():
                raise RuntimeError("CUDA is not available")
            torch.empty(0, device=self.device)
        except RuntimeError as exc:
            raise InputError(
                "err.must",
                where="backend",
                name="device",
                expected=Msg("train.exp.device"),
                got=f"{device!r} ({str(exc).splitlines()[0] if str(exc) else type(exc).__name__})",
            ) from None
        self.W, self.b = self._tensor(W), self._tensor(b)
        self.vW, self.vb = self._tensor(vW), self._tensor(vb)
        self.prev = (self.W, self.b)
        self.momentum, self.weight_decay = momentum, weight_decay
        self.averaging, self.n_averaged = False, 0

    def _tensor(self, array: NDArray[Any]) -> Tensor:
        return self.torch.from_numpy(np.array(array)).to(self.device)

    def prepare_epoch(
        self, y: NDArray[np.intp], batch_size: int, idx: NDArray[np.intp] | None = None
    ) -> None:
        self.correct = 0
        return None

    def count_correct(self) -> int:
        return self.correct

    def inputs(self, xb: NDArray[Any]) -> NDArray[np.floating]:
        return xb

    def __call__(
        self, xb: NDArray[np.floating], yb: NDArray[np.intp], extra: Any, lr: float
    ) -> float:
        torch = self.torch
        X = torch.from_numpy(xb).to(self.device)  # (n, D)
        y = torch.from_numpy(yb).to(self.device)  # (n,)
        with torch.no_grad():
            Z = linear(X, self.W, self.b)  # (n, K)
            loss = float(cross_entropy(Z, y))
            if not math.isfinite(loss):
                return loss
            A = softmax(Z)  # (n, K)
            self.correct += int((A.argmax(dim=1) == y).sum())
            d = delta(A, y)  # (n, K)
            dW, db = param_gradients(X, d)  # (K, D), (K,)
            kw = {"momentum": self.momentum, "weight_decay": self.weight_decay}
            W_new = sgd_step(self.W, dW, lr, velocity=self.vW, **kw)
            b_new = sgd_step(self.b, db, lr, velocity=self.vb, **kw)
        self.prev = (self.W, self.b)
        self.W, self.b = W_new, b_new
        return loss

    def _numpy(self, tensor: Tensor) -> NDArray[np.floating]:
        return tensor.detach().cpu().numpy()

    def current(self) -> tuple[NDArray[np.floating], NDArray[np.floating]]:
        return self._numpy(self.W), self._numpy(self.b)

    def previous(self) -> tuple[NDArray[np.floating], NDArray[np.floating]]:
        return self._numpy(self.prev[0]), self._numpy(self.prev[1])

    def velocity(self) -> tuple[NDArray[np.floating], NDArray[np.floating]]:
        return self._numpy(self.vW).copy(), self._numpy(self.vb).copy()

    def begin_average(self, state: tuple[Any, Any, int] | None) -> None:
        """Start the running mean of the iterates, from zeros or from ``state``."""
        self.avg = (self.torch.zeros_like(self.W), self.torch.zeros_like(self.b))
        if state is not None:
            self.avg = (self._tensor(state[0]), self._tensor(state[1]))
            self.n_averaged = int(state[2])
        self.averaging = True

    def accumulate(self) -> None:
        self.n_averaged += 1
        average_step(self.avg[0], self.W, self.n_averaged)
        average_step(self.avg[1], self.b, self.n_averaged)

    def model(self) -> tuple[NDArray[np.floating], NDArray[np.floating]]:
        if not self.n_averaged:
            return self.current()
        return self._numpy(self.avg[0]).copy(), self._numpy(self.avg[1]).copy()

    def average_state(self) -> tuple[Any, Any, int] | None:
        return (*self.model(), self.n_averaged) if self.n_averaged else None
