"""The parameters of the NumPy engines: W and b as views of one flat vector, twice.

``P = [W.ravel(), b]`` : (K*D + K,) in two buffers: a step reads one and writes the other, so
the weights before the last update stay intact (returned after a divergence) and the current
ones are never half-updated (Ctrl-C). The momentum buffer ``V`` and the gradient ``G`` have
the same flat layout, so one :func:`handprop.functional.sgd_step` call can update W and b at
once and iterate averaging works on one vector.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import NDArray

from handprop import functional as F
from handprop.train.config import SGDConfig
from handprop.train.engines.base import GradientStep
from handprop.train.state import TrainState

Array = NDArray[np.floating]


def split(flat: Any, K: int, D: int) -> tuple[Any, Any]:
    """``(W, b)`` views of a flat ``[W.ravel(), b]`` vector (NumPy or torch): (K, D), (K,)."""
    return flat[: K * D].reshape(K, D), flat[K * D :]


class FlatParams(GradientStep):
    """Double-buffered flat parameters, momentum and gradient of a (K, D) softmax layer,
    updated as ``config`` says."""

    def __init__(self, K: int, D: int, config: SGDConfig) -> None:
        size = K * D + K
        dtype = config.np_dtype
        self.K, self.D, self.config = K, D, config
        self.P = [np.zeros(size, dtype=dtype), np.zeros(size, dtype=dtype)]
        self.V = np.zeros(size, dtype=dtype)
        self.G = np.empty(size, dtype=dtype)
        self.Ps = [split(p, K, D) for p in self.P]
        self.vW, self.vb = split(self.V, K, D)
        self.dW, self.db = split(self.G, K, D)
        self.cur = 0

    def load(self, state: TrainState) -> None:
        for W, b in self.Ps:  # both: before the first update, "previous" is the start
            W[...], b[...] = state.W, state.b
        self.vW[...], self.vb[...] = state.velocity

    def dump(self) -> tuple[Array, Array, Array, Array]:
        W, b = self.Ps[self.cur]
        return W.copy(), b.copy(), self.vW.copy(), self.vb.copy()

    def params(self) -> Array:
        return self.P[self.cur]

    def grad(self) -> Array:
        return self.G

    def previous(self) -> tuple[Array, Array]:
        W, b = self.Ps[1 - self.cur]
        return W.copy(), b.copy()

    def update(self, lr: float) -> None:
        """``F.sgd_step`` on W and b at once (flat buffers), into the other parameter buffer."""
        nxt = 1 - self.cur
        F.sgd_step(
            self.P[self.cur],
            self.G,
            lr,
            momentum=self.config.momentum,
            velocity=self.V,
            weight_decay=self.config.weight_decay,
            out=self.P[nxt],
        )
        self.cur = nxt
