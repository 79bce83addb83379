"""The reference engine: one SGD step through :mod:`handprop.functional`, one call per formula.

This is the algorithm as written in the notes and in ``functional``; the fused, native and
torch engines are tested equal to it.
"""

from __future__ import annotations

import math
from collections.abc import Generator
from typing import Any

import numpy as np
from numpy.typing import NDArray

from handprop import functional as F
from handprop.train.config import SGDConfig
from handprop.train.engines._feed import GatherFeed
from handprop.train.engines._params import FlatParams
from handprop.train.engines.base import Batch

Array = NDArray[np.floating]


class ReferenceEngine(FlatParams):
    """``step(batch, lr)``: the six formulas on the gathered batch ``x : (n, D)``.

    X : (N, D) any real dtype, y : (N,) class indices in [0, K); ``transform(raw, out)``
    preprocesses each gathered batch (a divisor such as ``Normalizer("scale")`` too).
    """

    name = "reference"
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
        B = max(1, min(config.batch_size, X.shape[0]))
        self.Z = np.empty((B, K), dtype=config.np_dtype)
        self.feed = GatherFeed(
            X, y, config.batch_size, config.np_dtype, transform, prefetch=prefetch
        )

    def batches(self, rows: NDArray[np.intp]) -> Generator[Batch, None, None]:
        return self.feed.epoch(rows)

    def gradient(self, batch: Batch) -> tuple[float, int]:
        xb, yb = batch.x, batch.y
        m = xb.shape[0]
        if m > self.Z.shape[0]:
            self.Z = np.empty((m, self.K), dtype=self.Z.dtype)
        Wc, bc = self.Ps[self.cur]
        Z = F.linear(xb, Wc, bc, out=self.Z[:m])  # (m, K)
        loss = F.cross_entropy(Z, yb)
        if not math.isfinite(loss):
            return loss * m, 0
        A = F.softmax(Z, out=Z)  # (m, K)
        correct = int(np.count_nonzero(A.argmax(axis=1) == yb))
        d = F.delta(A, yb, out=A)  # (m, K)  (A - Y) / m
        if batch.n != m:  # this process's share of a larger batch: the mean is over n rows
            d *= m / batch.n
        _, db = F.param_gradients(xb, d, out_W=self.dW)  # (K, D), (K,)
        self.db[...] = db
        return loss * m, correct

    def update(self, lr: float) -> None:
        """``F.sgd_step`` on W and on b, into the other parameter buffer."""
        Wc, bc = self.Ps[self.cur]
        W_new, b_new = self.Ps[1 - self.cur]
        kw = {"momentum": self.config.momentum, "weight_decay": self.config.weight_decay}
        F.sgd_step(Wc, self.dW, lr, velocity=self.vW, out=W_new, **kw)
        F.sgd_step(bc, self.db, lr, velocity=self.vb, out=b_new, **kw)
        self.cur = 1 - self.cur

    def inputs(self, batch: Batch) -> Array:
        return np.asarray(batch.x)
