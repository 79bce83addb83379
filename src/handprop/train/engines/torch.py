"""The torch engine: the reference step on PyTorch tensors of any device.

``TorchEngine`` runs the steps of :class:`~handprop.train.engines.reference.ReferenceEngine`
with the tensor transcriptions of the formulas in :mod:`handprop.torch_backend`, with no
autograd. The data pipeline (gather, convert, shuffle) is the NumPy one, so the same seed
gives the same batches; the tests compare it with the reference on CPU tensors.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from typing import Any

import numpy as np
from numpy.typing import NDArray

from handprop.errors import InputError
from handprop.messages import Msg
from handprop.torch_backend import (
    cross_entropy,
    default_device,
    delta,
    import_torch,
    linear,
    param_gradients,
    sgd_step,
    softmax,
)
from handprop.train.config import SGDConfig
from handprop.train.engines import Batch
from handprop.train.engines._feed import GatherFeed
from handprop.train.engines._params import split
from handprop.train.state import TrainState

Array = NDArray[np.floating]


class TorchEngine:
    """``step(batch, lr)`` on the gathered batch, copied to ``device`` (shared on the CPU).

    W and b are views of one flat tensor ``[W.ravel(), b]`` in two buffers, as in the NumPy
    engines, so the weights before the last update stay intact.
    """

    name = "torch"
    blas_threads: int | None = None

    def __init__(
        self,
        X: NDArray[Any],
        y: NDArray[np.intp],
        K: int,
        config: SGDConfig,
        *,
        transform: Any = None,
        device: str | None = None,
    ) -> None:
        torch = self.torch = import_torch()
        self.device = _device(torch, device)
        self.config, self.K, self.D = config, K, X.shape[1]
        dtype = torch.float64 if config.dtype == "float64" else torch.float32
        size = K * self.D + K
        self.P = [torch.zeros(size, dtype=dtype, device=self.device) for _ in range(2)]
        self.V = torch.zeros(size, dtype=dtype, device=self.device)
        self.Ps = [split(p, K, self.D) for p in self.P]
        self.vW, self.vb = split(self.V, K, self.D)
        self.cur = 0
        self.feed = GatherFeed(X, y, config.batch_size, config.np_dtype, transform)

    def load(self, state: TrainState) -> None:
        W, b = self.Ps[self.cur]
        for tensor, array in ((W, state.W), (b, state.b), (self.vW, state.velocity[0])):
            tensor.copy_(self.torch.from_numpy(np.asarray(array)))
        self.vb.copy_(self.torch.from_numpy(np.asarray(state.velocity[1])))

    def dump(self) -> tuple[Array, Array, Array, Array]:
        W, b = self.Ps[self.cur]
        return tuple(_numpy(t) for t in (W, b, self.vW, self.vb))  # type: ignore[return-value]

    def params(self) -> Any:
        return self.P[self.cur]

    def previous(self) -> tuple[Array, Array]:
        W, b = self.Ps[1 - self.cur]
        return _numpy(W), _numpy(b)

    def batches(self, rows: NDArray[np.intp]) -> Iterator[Batch]:
        return self.feed.epoch(rows)

    def step(self, batch: Batch, lr: float) -> tuple[float, int]:
        torch = self.torch
        X = torch.from_numpy(batch.x).to(self.device)  # (n, D)
        y = torch.from_numpy(batch.y).to(self.device)  # (n,)
        W, b = self.Ps[self.cur]
        with torch.no_grad():
            Z = linear(X, W, b)  # (n, K)
            loss = float(cross_entropy(Z, y))
            if not math.isfinite(loss):
                return loss, 0
            A = softmax(Z)  # (n, K)
            correct = int((A.argmax(dim=1) == y).sum())
            d = delta(A, y)  # (n, K)
            dW, db = param_gradients(X, d)  # (K, D), (K,)
            kw = {"momentum": self.config.momentum, "weight_decay": self.config.weight_decay}
            W_new, b_new = self.Ps[1 - self.cur]
            W_new.copy_(sgd_step(W, dW, lr, velocity=self.vW, **kw))
            b_new.copy_(sgd_step(b, db, lr, velocity=self.vb, **kw))
        self.cur = 1 - self.cur
        return loss, correct

    def inputs(self, batch: Batch) -> Array:
        return np.asarray(batch.x)


def _numpy(tensor: Any) -> Array:
    return tensor.detach().cpu().numpy().copy()


def _device(torch: Any, device: str | None) -> Any:
    """``device`` as a torch.device that works here, or an InputError naming it."""
    try:
        dev = torch.device(device or default_device())
        if dev.type == "cuda" and not torch.cuda.is_available():
            raise RuntimeError("CUDA is not available")
        torch.empty(0, device=dev)
    except RuntimeError as exc:
        raise InputError(
            "err.must",
            where="engine",
            name="device",
            expected=Msg("train.exp.device"),
            got=f"{device!r} ({str(exc).splitlines()[0] if str(exc) else type(exc).__name__})",
        ) from None
    return dev
