"""The loss and accuracy of weights on a whole data set, chunk by chunk.

:func:`test_metrics` makes the ``evaluate`` callback that the estimator, the command line, the
web trainer and the lab pass to :func:`handprop.train.fit_sgd` to score the kept model after
every epoch (on test, validation or training rows).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator, Mapping
from typing import Any

import numpy as np
from numpy.typing import NDArray

from handprop import functional as F

#: rows per chunk when scoring a whole array (memory stays at chunk x D floats)
EVAL_CHUNK = 4096
#: training figures shown per epoch are measured on at most this many training rows (a fixed
#: subsample; all of them where there are fewer): a full pass would cost more than the epoch
TRAIN_SAMPLE = 10_000

Transform = Callable[[NDArray[Any], NDArray[np.floating]], NDArray[np.floating]]
Evaluate = Callable[[NDArray[np.floating], NDArray[np.floating]], Mapping[str, float]]


def iter_logits(
    X: NDArray[Any],
    W: NDArray[np.floating],
    b: NDArray[np.floating],
    *,
    transform: Transform | None = None,
    chunk: int = EVAL_CHUNK,
) -> Iterator[tuple[slice, NDArray[np.floating]]]:
    """``Z = linear(X, W, b)`` chunk by chunk: yields ``(rows, Z[rows])`` with Z : (n, K).

    X is converted to W's dtype (through ``transform(raw, out)`` if given) one chunk at a
    time, so memory stays at ``chunk x D`` floats whatever N is. The yielded array is reused:
    copy to keep it.
    """
    N, D = X.shape
    dtype = W.dtype
    n = min(chunk, max(N, 1))
    xbuf = np.empty((n, D), dtype=dtype)
    Zbuf = np.empty((n, W.shape[0]), dtype=dtype)
    for start in range(0, N, chunk):
        rows = slice(start, min(start + chunk, N))
        m = rows.stop - rows.start
        if transform is None:
            np.copyto(xbuf[:m], X[rows], casting="unsafe")
        else:
            transform(X[rows], xbuf[:m])
        yield rows, F.linear(xbuf[:m], W, b, out=Zbuf[:m])


def loss_and_accuracy(
    X: NDArray[Any],
    y: NDArray[np.integer],
    W: NDArray[np.floating],
    b: NDArray[np.floating],
    *,
    transform: Transform | None = None,
) -> tuple[float, float]:
    """Mean cross-entropy and accuracy of ``(W, b)`` on all of ``(X, y)`` (y: class indices)."""
    N = X.shape[0]
    if N == 0:
        return math.nan, math.nan
    y = np.asarray(y, dtype=np.intp)
    loss_sum = 0.0
    correct = 0
    with np.errstate(all="ignore"):
        for rows, Z in iter_logits(X, W, b, transform=transform):
            yr = y[rows]
            correct += int(np.count_nonzero(Z.argmax(axis=1) == yr))
            loss_sum += F.cross_entropy(Z, yr) * Z.shape[0]
    return loss_sum / N, correct / N


def test_metrics(
    X: NDArray[Any],
    y: NDArray[np.integer],
    transform: Transform | None = None,
    *,
    prefix: str = "test",
    max_rows: int | None = None,
) -> Evaluate:
    """``evaluate(W, b) -> {"<prefix>_loss": ..., "<prefix>_accuracy": ...}`` on ``(X, y)``.

    With ``max_rows`` smaller than N, a fixed subsample of that many rows (drawn once, the
    same every epoch, kept in X's dtype) is scored instead of all of them.
    """
    X, y = subsample(X, np.asarray(y, dtype=np.intp), max_rows)

    def evaluate(W: NDArray[np.floating], b: NDArray[np.floating]) -> dict[str, float]:
        loss, accuracy = loss_and_accuracy(X, y, W, b, transform=transform)
        return {f"{prefix}_loss": loss, f"{prefix}_accuracy": accuracy}

    return evaluate


test_metrics.__test__ = False  # type: ignore[attr-defined]  # not a test for pytest


def subsample(
    X: NDArray[Any], y: NDArray[Any], max_rows: int | None
) -> tuple[NDArray[Any], NDArray[Any]]:
    """``(X, y)`` itself when it has at most ``max_rows`` rows (or ``max_rows`` is None), else
    a fixed subsample of ``max_rows`` rows (the same for the same N: seed 0), in order."""
    N = X.shape[0]
    if max_rows is None or max_rows >= N:
        return X, y
    rows = np.sort(np.random.default_rng(0).choice(N, max_rows, replace=False))
    return X[rows], y[rows]


def combined(*evaluators: Evaluate | None) -> Evaluate | None:
    """One ``evaluate`` callback giving the metrics of all of ``evaluators`` (Nones skipped)."""
    given = [e for e in evaluators if e is not None]
    if not given:
        return None
    if len(given) == 1:
        return given[0]

    def evaluate(W: NDArray[np.floating], b: NDArray[np.floating]) -> dict[str, float]:
        return {k: v for e in given for k, v in e(W, b).items()}

    return evaluate


def validation_split(
    n_samples: int, fraction: float, rng: np.random.Generator
) -> tuple[NDArray[np.intp], NDArray[np.intp]]:
    """Random ``(train_rows, val_rows)``: ``round(fraction * N)`` rows (at least 1) held out.

    Both index arrays are sorted, so the training rows keep their original order.
    """
    n_val = min(max(1, round(fraction * n_samples)), n_samples - 1)
    perm = rng.permutation(n_samples)
    return np.sort(perm[n_val:]), np.sort(perm[:n_val])
