"""Polyak-Ruppert iterate averaging, the one implementation every engine's run uses.

With a constant step SGD soon hovers around the minimum at a distance set by the gradient
noise; the mean of the hovering iterates sits much closer to it. The loop folds the iterate
into the mean after every step once averaging has begun (``SGDConfig.average``).
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import NDArray

Array = NDArray[np.floating]


class IterateAverage:
    """The running mean of the iterates ``P_1``, ..., ``P_k`` (flat parameter vectors), in place.

    ``update(P)`` does ``mean <- mean + (P - mean) / k`` with ``k`` the count so far, so after
    k updates from zeros ``mean`` is the mean of the k vectors (the first update copies P).
    ``like`` is a flat parameter vector of the engine (a NumPy array or a torch tensor: the
    mean lives beside it, on its device); ``start = (W, b, count)`` continues a mean.
    """

    def __init__(self, like: Any, start: tuple[Array, Array, int] | None = None) -> None:
        self.mean = _zeros_like(like)
        self.scratch = _zeros_like(like)
        self.count = 0
        if start is not None:
            _assign(self.mean, np.concatenate([np.ravel(start[0]), np.ravel(start[1])]))
            self.count = int(start[2])

    def update(self, P: Any) -> None:
        """Fold the iterate ``P`` (same shape and kind as ``like``) into the mean."""
        self.count += 1
        diff = self.scratch
        diff[...] = P
        diff -= self.mean
        diff /= self.count
        self.mean += diff

    def weights(self, K: int, D: int) -> tuple[Array, Array]:
        """The mean as NumPy copies ``(W : (K, D), b : (K,))``."""
        mean = _numpy(self.mean)
        return mean[: K * D].reshape(K, D).copy(), mean[K * D :].copy()


def _zeros_like(like: Any) -> Any:
    return np.zeros_like(like) if isinstance(like, np.ndarray) else like.new_zeros(like.shape)


def _numpy(vector: Any) -> Array:
    return np.asarray(vector.detach().cpu()) if hasattr(vector, "detach") else np.asarray(vector)


def _assign(dst: Any, values: Array) -> None:
    if isinstance(dst, np.ndarray):
        dst[...] = values
    else:  # a torch tensor: same dtype and device
        dst.copy_(dst.new_tensor(values))
