"""The engine protocol: what the training loop asks of an engine, and one batch.

:mod:`handprop.train.engines` says which engines there are and makes them.
"""

from __future__ import annotations

import math
from collections.abc import Generator
from typing import TYPE_CHECKING, Any, NamedTuple, Protocol

import numpy as np
from numpy.typing import NDArray

if TYPE_CHECKING:
    from handprop.train.state import TrainState

Array = NDArray[np.floating]


class Batch(NamedTuple):
    """One batch as an engine reads it.

    ``x`` is what the step reads (gathered float rows ``(m, D)``, or the row indices ``(m,)``
    where the engine reads X itself), ``y : (m,)`` the class indices, ``extra`` whatever else
    the engine prepared for the batch (or None), ``n`` the number of rows the step's mean loss
    is over: ``m`` itself, or the whole global batch when this is one process's share of it
    (data-parallel training).
    """

    x: Any
    y: Any
    extra: Any
    n: int


class Engine(Protocol):
    """What the training loop (:func:`handprop.train.fit_sgd`) asks of an engine.

    An engine is made for one run's data, settings and batch size; the loop then calls
    :meth:`load`, and for each epoch iterates :meth:`batches` and calls :meth:`step` on each.
    """

    #: its name (``"native"``, ``"fused"``, ``"reference"``, ``"torch"``)
    name: str
    #: threads the BLAS library may use during training (None: leave it as installed)
    blas_threads: int | None

    def load(self, state: TrainState) -> None:
        """Copy the iterate W, b and the momentum buffers of ``state`` into the engine."""

    def dump(self) -> tuple[Array, Array, Array, Array]:
        """``(W, b, velocity_W, velocity_b)`` now, as NumPy copies."""

    def params(self) -> Any:
        """The current iterate as one flat vector ``[W.ravel(), b]`` (the engine's own
        array, not a copy: it changes with the next step)."""

    #: the loop checks that the loss is finite after every ``check_every`` batches
    check_every: int

    def previous(self) -> tuple[Array, Array]:
        """``(W, b)`` whose loss was last seen finite, as NumPy copies: the weights before
        the last update (or before the update of the batch of the last :meth:`checked`)."""

    def checked(self) -> None:
        """The losses of every batch so far were finite."""

    def batches(self, rows: NDArray[np.intp]) -> Generator[Batch, None, None]:
        """The batches of one epoch over ``rows`` (indices into X, in order), each at most
        ``batch_size`` rows. The loop closes the iterator at the end of the epoch."""

    def step(self, batch: Batch, lr: float) -> tuple[float, int]:
        """One SGD update on ``batch``: ``(loss, n_correct)`` of the weights before it (the
        mean cross-entropy, and how many rows they predicted right). Where the loss is not
        finite, nothing is updated. (:meth:`gradient` then :meth:`update`.)"""

    def gradient(self, batch: Batch) -> tuple[float, int]:
        """The gradient of the mean loss over ``batch.n`` rows of this batch's rows into the
        flat buffer :meth:`grad`: ``(loss_sum, n_correct)`` over the batch's rows."""

    def grad(self) -> Any:
        """The flat gradient buffer ``[dW.ravel(), db]`` (the engine's own array)."""

    def update(self, lr: float) -> None:
        """``sgd_step`` of W and b with the gradient in :meth:`grad`."""

    def inputs(self, batch: Batch) -> Array:
        """The ``(n, D)`` inputs of ``batch`` as the model saw them (to explain a divergence)."""


class GradientStep:
    """``step`` as :meth:`Engine.gradient` then :meth:`Engine.update`, checked every batch."""

    #: the loop checks the loss every batch: a step whose loss is not finite updates nothing,
    #: so the weights before the last update are always the last good ones
    check_every = 1

    def checked(self) -> None:
        """The loss up to the last batch was finite (nothing to keep: see ``previous``)."""

    def step(self, batch: Batch, lr: float) -> tuple[float, int]:
        loss_sum, correct = self.gradient(batch)  # type: ignore[attr-defined]
        loss = loss_sum / batch.n
        if not math.isfinite(loss):
            return loss, 0
        self.update(lr)  # type: ignore[attr-defined]
        return loss, correct


def native_kernel() -> Any:
    """The compiled module :mod:`handprop._native`, or None where it was not built."""
    try:
        from handprop import _native
    except ImportError:
        return None
    return _native
