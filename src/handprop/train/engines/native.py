"""The native engine: the gradient of a batch in one compiled pass over its rows.

``handprop._native.batch_gradient`` reads each row of the batch once, straight from X (uint8,
float32 or float64, C-contiguous; memory-mapped too): it converts it to float32 into a small
buffer, computes its logits, softmax, loss, predicted class and delta, and adds its share of
``dW = delta^T X / s`` while the row is still in the cache. No (n, D) batch is ever gathered.
The update is the same :func:`handprop.functional.sgd_step` call as the fused engine's.
Equal to the reference up to float32 rounding (tests/test_native.py, tests/test_fast_path.py).
"""

from __future__ import annotations

import math
from collections.abc import Generator
from typing import Any

import numpy as np
from numpy.typing import NDArray

from handprop.train.config import SGDConfig
from handprop.train.engines._params import FlatParams
from handprop.train.engines.base import Batch, native_kernel

Array = NDArray[np.floating]


class NativeEngine(FlatParams):
    """``step(batch, lr)`` with ``batch.x`` the batch's row indices ``(n,)`` and
    ``batch.extra`` its offset into the epoch's order (float32 only; no transform, only a
    ``divisor``). ``n_jobs`` threads split each batch's rows and add their partial gradients
    in a fixed order (the kernel's pool; 1: one thread)."""

    name = "native"
    blas_threads: int | None = 1

    def __init__(
        self,
        X: NDArray[Any],
        y: NDArray[np.intp],
        K: int,
        config: SGDConfig,
        *,
        divisor: float | None = None,
        n_jobs: int = 1,
    ) -> None:
        super().__init__(K, X.shape[1], config)
        self.kernel = native_kernel().batch_gradient
        self.n_jobs = n_jobs
        self.X, self.y = X, y
        self.divisor = 1.0 if divisor is None else float(divisor)
        self.pred = np.empty(0, dtype=np.int64)

    def batches(self, rows: NDArray[np.intp]) -> Generator[Batch, None, None]:
        N, B = rows.shape[0], self.config.batch_size
        self.epoch(rows)
        for start in range(0, N, B):
            yb = self.y_epoch[start : start + B]
            yield Batch(self.idx[start : start + B], yb, start, yb.shape[0])

    def epoch(self, rows: NDArray[np.intp]) -> None:
        """The epoch's rows and labels, as the kernel reads them (int64, contiguous)."""
        if self.pred.shape[0] < rows.shape[0]:
            self.pred = np.empty(rows.shape[0], dtype=np.int64)
        self.idx = np.ascontiguousarray(rows, dtype=np.int64)
        self.y_epoch = np.ascontiguousarray(np.take(self.y, rows, mode="clip"), dtype=np.int64)

    def gradient(self, batch: Batch) -> tuple[float, int]:
        rows, yb, start, n_mean = batch
        m = rows.shape[0]
        total = self.kernel(
            self.X, self.idx, self.y_epoch, start, m, self.P[self.cur], self.G,
            self.divisor, self.pred, n_threads=self.n_jobs,
        )  # fmt: skip
        if not math.isfinite(total):
            return total, 0
        if n_mean != m:  # this process's share of a larger batch: the mean is over n_mean rows
            self.G *= np.float32(m / n_mean)
        return total, int(np.count_nonzero(self.pred[start : start + m] == yb))

    def inputs(self, batch: Batch) -> Array:
        return np.asarray(self.X[batch.x], dtype=np.float32) / self.divisor
