"""The fused engine: the reference step in fewer, allocation-free NumPy passes.

Every quantity is the one the reference computes, in the same order of operations::

    Z  = X @ W.T  [/ s]          (n, K)  one GEMM, as F.linear (s: see below)
    Zt = Z.T + b                 (K, n)  logits stored class-major: the row-wise max and
                                         sums of softmax become fast column reductions
    Zt -= m,  m = max_k Zt       (K, n)  the shift of F.softmax and F.log_softmax
    zy = Zt[y_n, n]              (n,)    shifted logit of the true class
    Zt = exp(Zt); sum = sum_k Zt; Zt /= sum    A^T = softmax(Z)^T, as F.softmax
    L  = mean(log sum - zy)              = -mean log_softmax(Z)[n, y_n], as F.cross_entropy
    Zt[y_n, n] -= 1; Zt /= n             delta^T = (A - Y)^T / n, as F.delta
    db = sum_n Zt; dW = Zt [/ s] @ X     as F.param_gradients
    P  = sgd_step(P, G, ...)             W and b in one flat buffer P (gradient G): one
                                         F.sgd_step call updates both

With a divisor ``s`` (the ``x / s`` of ``Normalizer("scale")``) the batch stays the raw numbers
converted to floats and the division moves onto the (n, K) logits and delta:
``(X / s) W^T = (X W^T) / s`` and ``delta^T (X / s) = (delta / s)^T X``, which spares a pass
over the (n, D) batch. Results equal the reference's up to rounding (tests/test_fast_path.py).
"""

from __future__ import annotations

import math
from collections.abc import Generator
from typing import Any

import numpy as np
from numpy.typing import NDArray

from handprop.train.config import SGDConfig
from handprop.train.engines._feed import GatherFeed
from handprop.train.engines._params import FlatParams
from handprop.train.engines.base import Batch

Array = NDArray[np.floating]


class FusedEngine(FlatParams):
    """``step(batch, lr)`` on the gathered batch ``x : (n, D)``, ``extra`` holding the flat
    positions ``y_n * n + c`` of the true classes in the batch's class-major logits."""

    name = "fused"
    blas_threads: int | None = 1

    def __init__(
        self,
        X: NDArray[Any],
        y: NDArray[np.intp],
        K: int,
        config: SGDConfig,
        *,
        transform: Any = None,
        prefetch: bool = False,
    ) -> None:
        super().__init__(K, X.shape[1], config)
        dtype = config.np_dtype
        divisor = getattr(transform, "divisor", None)
        self.scale = None if divisor is None else dtype(divisor)
        self._buffers(max(1, min(config.batch_size, X.shape[0])))
        self.feed = GatherFeed(
            X,
            y,
            config.batch_size,
            dtype,
            None if divisor is not None else transform,
            prefetch=prefetch,
            extras=self._positions,
        )

    def _buffers(self, B: int) -> None:
        K, dtype = self.K, self.P[0].dtype
        self.Zc = np.empty(B * K, dtype=dtype)
        self.Zt = np.empty(K * B, dtype=dtype)
        self.m = np.empty(B, dtype=dtype)
        self.s = np.empty(B, dtype=dtype)
        self.zy = np.empty(B, dtype=dtype)
        self.pred = np.empty(B, dtype=np.intp)

    def batches(self, rows: NDArray[np.intp]) -> Generator[Batch, None, None]:
        return self.feed.epoch(rows)

    def _positions(self, y: NDArray[np.intp]) -> NDArray[np.intp]:
        """For each row of the epoch (labels ``y`` in epoch order), the flat position
        ``y_n * n_b + c`` of its true class in its batch's ``Zt`` (class-major, ``n_b``
        columns, the row being column ``c``)."""
        N, B = y.shape[0], self.config.batch_size
        at = np.arange(N, dtype=np.intp)
        at %= B  # the column within the batch
        at += y * B
        last = N % B
        if last:  # the smaller last batch has `last` columns
            at[N - last :] = y[N - last :] * last + np.arange(last)
        return at

    def gradient(self, batch: Batch) -> tuple[float, int]:
        xb, yb, at, n_mean = batch
        n, K = xb.shape[0], self.K
        if n > self.s.shape[0]:
            self._buffers(n)
        W, b = self.Ps[self.cur]
        Zc = self.Zc[: n * K].reshape(n, K)
        Zt = self.Zt[: K * n].reshape(K, n)
        flat = Zt.reshape(-1)
        np.matmul(xb, W.T, out=Zc)  # Z = X W^T                          (n, K)
        if self.scale is not None:
            np.divide(Zc, self.scale, out=Zc)  # (X W^T) / s = (X / s) W^T
        np.add(Zc.T, b[:, None], out=Zt)  # Z^T + b, class-major           (K, n)
        m = np.max(Zt, axis=0, out=self.m[:n])  # row max of Z            (n,)
        np.subtract(Zt, m, out=Zt)  # Z - m <= 0
        zy = np.take(flat, at, out=self.zy[:n])  # (Z - m)[n, y_n]         (n,)
        np.exp(Zt, out=Zt)
        s = np.add.reduce(Zt, axis=0, out=self.s[:n])  # sum_k exp(Z - m)  (n,)
        np.divide(Zt, s, out=Zt)  # A^T = softmax(Z)^T                     (K, n)
        np.log(s, out=s)
        np.subtract(s, zy, out=s)  # -log_softmax(Z)[n, y_n]               (n,)
        loss_sum = float(np.add.reduce(s))  # n * cross_entropy(Z, y)
        if not math.isfinite(loss_sum):
            return loss_sum, 0
        pred = np.argmax(Zt, axis=0, out=self.pred[:n])
        correct = int(np.count_nonzero(pred == yb))
        flat[at] -= 1
        np.divide(Zt, n_mean, out=Zt)  # delta^T = (A - Y)^T / n_mean      (K, n)
        np.add.reduce(Zt, axis=1, out=self.db)  # db = sum_n delta          (K,)
        if self.scale is not None:
            np.divide(Zt, self.scale, out=Zt)  # (delta / s)^T X = delta^T (X / s)
        np.matmul(Zt, xb, out=self.dW)  # dW                               (K, D)
        return loss_sum, correct

    def inputs(self, batch: Batch) -> Array:
        x = np.asarray(batch.x)
        return x if self.scale is None else x / self.scale
