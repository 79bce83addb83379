"""Batches gathered from X into preallocated float buffers, for the NumPy and torch engines.

Data stay as given (uint8 images are never expanded as a whole): per batch the rows of X are
gathered into a raw buffer and converted, or preprocessed by a ``transform(raw, out)``, into a
float buffer. With ``prefetch`` a helper thread fills the next batches while the step
computes the current one (NumPy releases the GIL while it copies). Buffers are allocated once
per run: ``slots`` x (B, D) floats and one (B, D) raw buffer.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable, Generator
from typing import Any

import numpy as np
from numpy.typing import NDArray

from handprop.train.engines.base import Batch

#: batch buffers the helper thread may fill ahead of the step being computed
PREFETCH_SLOTS = 3

Transform = Callable[[NDArray[Any], NDArray[np.floating]], NDArray[np.floating]]


class GatherFeed:
    """The batches of an epoch as :class:`Batch` ``(x, y, extra)``: ``x`` the gathered rows.

    ``transform(raw, out)`` preprocesses a gathered batch (None: only convert to ``dtype``);
    ``extras(y_epoch)``, if given, derives an array from the epoch's labels (in epoch order)
    that is sliced per batch like the labels into ``Batch.extra``.
    """

    def __init__(
        self,
        X: NDArray[Any],
        y: NDArray[np.intp],
        batch_size: int,
        dtype: Any,
        transform: Transform | None = None,
        *,
        prefetch: bool = False,
        extras: Callable[[NDArray[np.intp]], NDArray[Any]] | None = None,
    ) -> None:
        N, D = X.shape
        rows = max(1, min(batch_size, N))  # grown by fill() for an order longer than N
        self.X, self.y, self.B, self.transform, self.extras = X, y, batch_size, transform, extras
        self.direct = transform is None and X.dtype == dtype
        self.raw = None if self.direct else np.empty((rows, D), dtype=X.dtype)
        slots = PREFETCH_SLOTS if prefetch else 1
        self.xs = [np.empty((rows, D), dtype=dtype) for _ in range(slots)]

    def fill(self, slot: int, sel: NDArray[np.intp]) -> NDArray[np.floating]:
        """Rows ``sel`` of X, as floats, into the buffer of ``slot``."""
        n = sel.shape[0]
        if n > self.xs[slot].shape[0]:
            self.xs[slot] = np.empty((n, self.X.shape[1]), dtype=self.xs[slot].dtype)
            if self.raw is not None and n > self.raw.shape[0]:
                self.raw = np.empty((n, self.X.shape[1]), dtype=self.X.dtype)
        xb = self.xs[slot][:n]
        if self.direct:
            np.take(self.X, sel, axis=0, out=xb, mode="clip")
        else:
            assert self.raw is not None  # allocated unless direct
            raw = np.take(self.X, sel, axis=0, out=self.raw[:n], mode="clip")
            if self.transform is None:
                np.copyto(xb, raw, casting="unsafe")
            else:
                self.transform(raw, xb)
        return xb

    def epoch(self, rows: NDArray[np.intp]) -> Generator[Batch, None, None]:
        """The batches over ``rows`` in order (a generator: close it to stop the helper)."""
        B = self.B
        y_epoch = np.take(self.y, rows, mode="clip")  # (n_rows,) labels in epoch order
        extra = None if self.extras is None else self.extras(y_epoch)
        count = -(-rows.shape[0] // B)
        parts = [slice(j * B, (j + 1) * B) for j in range(count)]
        if len(self.xs) == 1 or count <= 1:
            for part in parts:
                xb = self.fill(0, rows[part])
                yb = y_epoch[part]
                yield Batch(xb, yb, None if extra is None else extra[part], yb.shape[0])
            return
        helper = _Prefetch(self, rows, parts)
        try:
            for part in parts:
                yb = y_epoch[part]
                part_extra = None if extra is None else extra[part]
                yield Batch(helper.next(), yb, part_extra, yb.shape[0])
        finally:
            helper.stop()


class _Prefetch:
    """A helper thread filling the feed's slots in batch order; a slot is handed back when
    the next batch is taken (the step is done with the previous one by then)."""

    def __init__(self, feed: GatherFeed, rows: NDArray[np.intp], parts: list[slice]) -> None:
        self.feed, self.rows, self.parts = feed, rows, parts
        self.free: queue.SimpleQueue[int | None] = queue.SimpleQueue()
        self.ready: queue.SimpleQueue[tuple[int | None, Any]] = queue.SimpleQueue()
        for slot in range(len(feed.xs)):
            self.free.put(slot)
        self.held: int | None = None
        self.stopped = False
        self.thread = threading.Thread(target=self._produce, name="handprop-prefetch", daemon=True)
        self.thread.start()

    def _produce(self) -> None:
        try:
            with np.errstate(all="ignore"):
                for part in self.parts:
                    slot = self.free.get()
                    if slot is None or self.stopped:
                        return
                    self.ready.put((slot, self.feed.fill(slot, self.rows[part])))
        except BaseException as exc:  # handed to the main thread, which raises it
            self.ready.put((None, exc))

    def next(self) -> NDArray[np.floating]:
        if self.held is not None:
            self.free.put(self.held)
        slot, xb = self.ready.get()
        if slot is None:
            raise xb
        self.held = slot
        return xb

    def stop(self) -> None:
        self.stopped = True
        self.free.put(None)
        self.thread.join()
