"""The mini-batch SGD loop of softmax regression, from uint8 images to trained weights.

Each step is the worked example on a batch of rows, through :mod:`handprop.functional`::

    Z = linear(X_b, W, b)            # (B, K)   logits
    L = cross_entropy(Z, y_b)        # scalar   mean over the batch (checked to be finite)
    A = softmax(Z)                   # (B, K)   in place of Z
    d = delta(A, y_b)                # (B, K)   (A - Y) / B, in place of A
    dW, db = param_gradients(X_b, d) # (K, D), (K,)
    W, b = sgd_step(W, dW, ...), sgd_step(b, db, ...)   # torch.optim.SGD semantics

:class:`ReferenceStep` runs exactly these calls (``engine="reference"``); :class:`FusedStep`
computes the same quantities in fewer NumPy passes and :class:`NativeStep` (the default where
the compiled kernel :mod:`handprop._native` is built) in one compiled pass over the batch's
rows, both tested equal to it; the PyTorch backend (:mod:`handprop.torch_backend`) transcribes
them on tensors. Optionally the model is
the running mean of the iterates (``average``, :func:`average_step`).

Data stay as given (uint8 images are never expanded as a whole): the native engine reads the
rows of a batch straight from X; the NumPy engines gather each batch into a preallocated buffer
and convert it to the compute dtype (float32 by default) there, optionally through a
preprocessing ``transform``. All buffers are allocated once per call.

Everything outside the loop is passed in: the random generator (or an explicit data order), a
progress object, a clock, an evaluation callback. Ctrl-C stops after the current batch and
returns the model trained so far (``TrainResult.interrupted``); a NaN or infinite loss raises
:class:`~handprop.errors.TrainingDivergedError` carrying the last good weights; ``checkpoint``
writes a resumable file after every epoch.
"""

from __future__ import annotations

import contextlib
import io
import json
import math
import os
import queue
import signal
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from handprop import functional as F
from handprop.errors import FileFormatError, HandpropError, InputError, TrainingDivergedError
from handprop.messages import Msg
from handprop.validation import nonnegative_float, positive_float, positive_int

Transform = Callable[[NDArray[Any], NDArray[np.floating]], NDArray[np.floating]]
"""``transform(raw_batch, out)``: preprocess ``raw_batch`` (any dtype) into the float ``out``."""

CHECKPOINT_FORMAT = "handprop-checkpoint"
CHECKPOINT_VERSION = 1

LR_SCHEDULES = ("constant", "linear", "cosine")

#: rows per chunk when scoring a whole array (memory stays at chunk x D floats)
EVAL_CHUNK = 4096


@dataclass
class EpochRecord:
    """What one epoch did.

    ``loss`` and ``train_accuracy`` are running figures: the mean over the epoch's batches of
    the loss and accuracy each batch had just before its update (free to compute, as the loop
    already has the logits; MLPClassifier's ``loss_curve_`` is computed the same way).
    ``seconds`` is the time of the SGD steps only; ``val_*`` and ``metrics`` (from the
    ``evaluate`` callback, e.g. ``{"test_accuracy": 0.93}``) are measured after it.
    """

    epoch: int
    loss: float
    train_accuracy: float
    seconds: float
    val_loss: float | None = None
    val_accuracy: float | None = None
    metrics: dict[str, float] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> EpochRecord:
        return cls(
            epoch=int(data["epoch"]),
            loss=float(data["loss"]),
            train_accuracy=float(data["train_accuracy"]),
            seconds=float(data["seconds"]),
            val_loss=None if data.get("val_loss") is None else float(data["val_loss"]),
            val_accuracy=None if data.get("val_accuracy") is None else float(data["val_accuracy"]),
            metrics={str(k): float(v) for k, v in dict(data.get("metrics") or {}).items()},
        )


@dataclass
class TrainResult:
    """The outcome of :func:`fit_sgd`.

    W : (K, D), b : (K,) the trained parameters (compute dtype); ``velocity_W``/``velocity_b``
    the momentum buffers (zeros without momentum); ``history`` one record per completed epoch
    (including epochs restored from a checkpoint); ``epochs_completed`` counts them; ``steps``
    the SGD updates made in total. ``interrupted`` is True when Ctrl-C stopped training, with
    ``stopped_at = (epoch, batch)`` of the last batch done (1-based); the epoch then counts as
    not completed and has no record. ``resumed_from`` is the epoch a checkpoint restored.

    With iterate averaging (``fit_sgd(average=...)``) W and b are the average of the iterates
    (``n_averaged`` of them) and ``iterate_W``/``iterate_b`` the last SGD iterate, from which
    training continues; without it the two pairs are the same arrays and ``n_averaged`` is 0.
    ``engine`` is the engine that computed the steps (``"native"``, ``"fused"``,
    ``"reference"`` or ``"torch"``: ``"auto"`` resolved).
    """

    W: NDArray[np.floating]
    b: NDArray[np.floating]
    velocity_W: NDArray[np.floating]
    velocity_b: NDArray[np.floating]
    history: list[EpochRecord]
    epochs_completed: int
    steps: int
    interrupted: bool = False
    stopped_at: tuple[int, int] | None = None
    resumed_from: int | None = None
    iterate_W: NDArray[np.floating] | None = None
    iterate_b: NDArray[np.floating] | None = None
    n_averaged: int = 0
    engine: str = ""

    def __post_init__(self) -> None:
        if self.iterate_W is None:
            self.iterate_W = self.W
        if self.iterate_b is None:
            self.iterate_b = self.b


class TrainingProgress:
    """Receives what the loop does; subclass and override what you need (all no-ops here).

    The command line passes a rich progress bar; tests pass recorders. Raising
    ``KeyboardInterrupt`` from a hook stops training as Ctrl-C does.
    """

    def on_train_begin(self, *, epochs: int, batches_per_epoch: int, start_epoch: int) -> None:
        """Before the first batch; ``start_epoch`` epochs are already done (resume)."""

    def on_batch_end(self, epoch: int, batch: int, loss: float) -> None:
        """After the update of batch ``batch`` (1-based) of epoch ``epoch`` (1-based)."""

    def on_epoch_end(self, record: EpochRecord) -> None:
        """After an epoch, its evaluation and its checkpoint."""

    def on_train_end(self, result: TrainResult) -> None:
        """After the last batch, also when interrupted."""


ENGINES = ("auto", "native", "fused", "reference", "torch")

#: batch buffers the helper thread may fill ahead of the step being computed
PREFETCH_SLOTS = 3
#: BLAS threads during an epoch with the helper thread, and without it (None: as installed).
#: The GEMMs of a batch are small: a second thread gains little on an idle machine and loses
#: badly when another process holds a core (benchmarks/README.md).
PREFETCH_BLAS_THREADS: int | None = 1
LOOP_BLAS_THREADS: int | None = 1


def fit_sgd(
    X: NDArray[Any],
    y: NDArray[np.integer],
    W: NDArray[np.floating],
    b: NDArray[np.floating],
    *,
    lr: float = 0.1,
    batch_size: int = 64,
    epochs: int = 10,
    momentum: float = 0.0,
    weight_decay: float = 0.0,
    lr_schedule: str = "constant",
    rng: np.random.Generator | int | None = None,
    shuffle: bool = True,
    order: Callable[[int], NDArray[np.integer]] | None = None,
    rows: NDArray[np.integer] | None = None,
    transform: Transform | None = None,
    scale: float | None = None,
    validation: tuple[NDArray[Any], NDArray[np.integer]] | None = None,
    evaluate: Callable[[NDArray[np.floating], NDArray[np.floating]], Mapping[str, float]]
    | None = None,
    progress: TrainingProgress | None = None,
    clock: Callable[[], float] = time.perf_counter,
    checkpoint: str | os.PathLike[str] | None = None,
    resume: bool = False,
    velocity: tuple[NDArray[np.floating], NDArray[np.floating]] | None = None,
    dtype: type = np.float32,
    catch_sigint: bool = True,
    engine: str = "auto",
    device: str | None = None,
    prefetch: bool = False,
    average: float | None = None,
    average_state: tuple[NDArray[np.floating], NDArray[np.floating], int] | None = None,
) -> TrainResult:
    """Mini-batch SGD on the mean cross-entropy of ``softmax(X @ W.T + b)``.

    Parameters
    ----------
    X : ndarray of shape (N, D), any real dtype (uint8 images, float32, a memmap)
        Not copied; each batch is gathered and converted to ``dtype`` on its own, so a
        memory-mapped file is read batch by batch.
    y : ndarray of shape (N,), integer class indices in [0, K)
    W : ndarray of shape (K, D), b : ndarray of shape (K,)
        Initial parameters (copied; the caller's arrays are not modified).
    lr, batch_size, epochs, momentum, weight_decay
        As ``torch.optim.SGD(lr, momentum, weight_decay=...)`` with ``DataLoader(batch_size)``:
        the last batch of an epoch is smaller when B does not divide N.
    lr_schedule : {"constant", "linear", "cosine"}
        The step size at step s of T = epochs x batches: ``lr`` (constant), ``lr (1 - s/T)``
        (linear decay to 0) or ``lr (1 + cos(pi s/T)) / 2`` (cosine). A decay lets SGD settle
        instead of hovering around the minimum at the noise level of a constant step.
    rng : numpy Generator or seed
        Draws one permutation of the N rows per epoch (``rng.permutation(N)``) when ``shuffle``.
    order : callable, optional
        ``order(epoch) -> indices`` (epoch 0-based) replaces the shuffling: the rows of the
        epoch, in order (used to replay another library's data order exactly).
    rows : ndarray of int, optional
        Train on these rows of X only (e.g. without a validation part), without copying X.
    transform : callable, optional
        ``transform(raw_batch, out)`` preprocesses a gathered batch into the float buffer ``out``.
        Without it a batch is only converted to ``dtype``. It may run in the helper thread
        (see ``prefetch``), one batch at a time.
    scale : float, optional
        Train on ``X / scale`` (what ``Normalizer("scale")`` does), instead of ``transform``.
        The native and fused engines move the division onto the (n, K) logits and delta, which
        spares a pass over every (n, D) batch (:class:`FusedStep`); the others divide each batch.
    validation : (X_val, y_val), optional
        Scored after every epoch (``val_loss``, ``val_accuracy``), with the same ``transform``.
    evaluate : callable, optional
        ``evaluate(W, b) -> {"name": value}`` after every epoch (e.g. test accuracy); it must
        not modify W or b. Its time is not counted in ``EpochRecord.seconds``.
    progress : TrainingProgress, optional
    clock : callable returning seconds (default ``time.perf_counter``)
    checkpoint : path, optional
        Written atomically after every epoch: weights, velocity, generator state, epoch and
        history (an ``.npz`` loaded without pickle).
    resume : bool
        Continue from ``checkpoint`` (which must exist and match these settings and shapes);
        the result is the same as a run that was never stopped.
    velocity : (v_W, v_b), optional
        Momentum buffers to continue from (``partial_fit``); zeros otherwise.
    dtype : np.float32 (default) or np.float64
    catch_sigint : bool
        In the main thread, the first Ctrl-C is deferred to the end of the current batch (a
        second one interrupts at once). Set False to leave signal handling alone.
    engine : {"auto", "native", "fused", "reference", "torch"}
        How a step is computed; all compute the steps of the module docstring.
        ``"reference"`` calls :mod:`handprop.functional` formula by formula, as written there.
        ``"fused"`` computes the same quantities in fewer passes and without allocating
        (:class:`FusedStep`); ``"native"`` computes the gradient in one compiled pass that
        reads each row of X once, straight from X (:class:`NativeStep`: float32 only, X
        C-contiguous uint8, float32 or float64, no ``transform``); both are held equal to the
        reference by the tests. ``"auto"`` (default): native where it applies, the kernel is
        built and the CPU has AVX2 and FMA (its plain C version is slower than NumPy's BLAS),
        fused otherwise.
        ``"torch"`` runs the same formulas on PyTorch tensors on ``device``
        (:mod:`handprop.torch_backend`).
    device : str, optional
        For ``engine="torch"``: ``"cpu"``, ``"cuda"``, ``"cuda:1"``, ...; default ``"cuda"``
        when available, else ``"cpu"``.
    prefetch : bool, default False
        Gather and convert the next batches in a helper thread while the current one is
        computed (NumPy releases the GIL while it copies). Off by default: where it was
        measured (a 2-core VM) handing a batch between threads cost more than gathering it
        (benchmarks/README.md). The results are the same bit for bit either way. The native
        engine gathers nothing and ignores it.
    average : float or None
        Polyak-Ruppert iterate averaging: once ``average`` epochs are done (0.5: half an
        epoch, 1: the first epoch; 0: from the first step), keep the running mean of the
        weights after every further step (:func:`average_step`) and return it as the trained
        model (``W``, ``b``; ``evaluate``,
        ``validation`` and checkpoints see it too). SGD itself continues from its own iterate.
        With a constant step the mean settles where the iterates keep hovering around the
        minimum. None (default): no averaging.
    average_state : (W_avg, b_avg, n_averaged), optional
        A running mean to continue (``partial_fit``), used when averaging starts.

    Returns
    -------
    TrainResult

    Raises
    ------
    TrainingDivergedError
        The loss became NaN or infinite; ``err.result`` holds the last weights whose loss was
        finite, and the message names the epoch, the batch and the likely cause.
    """
    where = "train"
    lr = positive_float(lr, "lr", where)
    batch_size = positive_int(batch_size, "batch_size", where)
    epochs = positive_int(epochs, "epochs", where)
    momentum = nonnegative_float(momentum, "momentum", where)
    weight_decay = nonnegative_float(weight_decay, "weight_decay", where)
    if lr_schedule not in LR_SCHEDULES:
        raise InputError(
            "err.choice", name="lr_schedule", choices=", ".join(LR_SCHEDULES), got=repr(lr_schedule)
        )
    if engine not in ENGINES:
        raise InputError("err.choice", name="engine", choices=", ".join(ENGINES), got=repr(engine))
    dtype = np.dtype(dtype).type
    if dtype not in (np.float32, np.float64):
        raise InputError("err.choice", name="dtype", choices="float32, float64", got=repr(dtype))
    engine = _resolve_engine(engine, X, dtype, transform, where)
    N, D = X.shape
    K = W.shape[0]
    if W.shape != (K, D) or b.shape != (K,) or y.shape != (N,):
        raise InputError(
            "err.must",
            where=where,
            name="W, b, y",
            expected=Msg("exp.shape", shape=f"({K}, {D}), ({K},), ({N},)"),
            got=f"{W.shape}, {b.shape}, {y.shape}",
        )
    scale_transform: Transform | None = None
    if scale is not None:
        scale = positive_float(scale, "scale", where)
        if transform is not None:
            raise InputError(
                "err.must",
                where=where,
                name="scale",
                expected=Msg("train.exp.no_transform"),
                got=repr(scale),
            )
        divisor = dtype(scale)

        def scale_transform(raw: NDArray[Any], out: NDArray[np.floating]) -> NDArray[np.floating]:
            return np.divide(raw, divisor, out=out, casting="unsafe")

    if not isinstance(rng, np.random.Generator):
        rng = np.random.default_rng(rng)
    progress = progress or TrainingProgress()
    y = np.asarray(y, dtype=np.intp)
    if rows is not None:
        rows = np.asarray(rows, dtype=np.intp)
    n_train = N if rows is None else rows.shape[0]

    W0 = np.array(W, dtype=dtype)
    b0 = np.array(b, dtype=dtype)
    vW = np.zeros((K, D), dtype=dtype) if velocity is None else np.array(velocity[0], dtype=dtype)
    vb = np.zeros(K, dtype=dtype) if velocity is None else np.array(velocity[1], dtype=dtype)
    settings = {
        "lr": lr,
        "batch_size": batch_size,
        "momentum": momentum,
        "weight_decay": weight_decay,
        "n_samples": int(n_train),
        "n_features": int(D),
        "n_classes": int(K),
        "dtype": np.dtype(dtype).name,
        "shuffle": bool(shuffle and order is None),
        "lr_schedule": lr_schedule,
    }
    if lr_schedule != "constant":
        settings["epochs"] = epochs  # the schedule depends on the planned length
    if average is not None:
        average = nonnegative_float(average, "average", where)
        settings["average"] = average
    history: list[EpochRecord] = []
    start_epoch, steps, resumed_from = 0, 0, None
    if resume:
        if checkpoint is None:
            raise InputError(
                "err.must",
                where=where,
                name="resume",
                expected=Msg("train.exp.checkpoint_given"),
                got="checkpoint=None",
            )
        state = load_checkpoint(checkpoint)
        _check_resumable(state, settings, checkpoint)
        W0[...], b0[...] = state.W, state.b
        vW[...], vb[...] = state.velocity_W, state.velocity_b
        rng.bit_generator.state = state.rng_state
        history = list(state.history)
        start_epoch = resumed_from = state.epoch
        steps = state.steps
        average_state = state.average

    B = batch_size if order is not None else max(1, min(batch_size, n_train))
    prefetch = bool(prefetch)
    fold = engine in ("fused", "native") and scale is not None  # the step divides, not the feed
    step = _make_step(
        engine, W0, b0, vW, vb, B, momentum, weight_decay, device, scale if fold else None, X
    )
    batch_transform = None if fold else (transform or scale_transform)
    feed = _BatchFeed(
        X,
        y,
        B,
        dtype,
        batch_transform,
        step,
        slots=PREFETCH_SLOTS if prefetch and engine != "native" else 1,
        gather=engine != "native",
    )
    x_scale = scale if fold else 1.0
    # Small GEMMs gain little from a second BLAS thread and lose badly when another process
    # holds a core (the threads wait for each other at every call): one thread, always.
    blas_limit = PREFETCH_BLAS_THREADS if prefetch else LOOP_BLAS_THREADS
    if engine == "torch":
        blas_limit = None
    n_batches = -(-n_train // batch_size)
    total_steps = max(1, epochs * n_batches)
    # averaging leaves out the first ceil(average * n_batches) steps of the whole run
    average_after = None if average is None else average * n_batches
    lr_t = lr
    interrupted = False
    stopped_at = None
    xb: NDArray[np.floating] = feed.xs[0]
    progress.on_train_begin(epochs=epochs, batches_per_epoch=n_batches, start_epoch=start_epoch)

    with _sigint_deferred(catch_sigint) as stop, np.errstate(all="ignore"):
        try:
            for epoch in range(start_epoch, epochs):
                t0 = clock()
                if order is not None:
                    idx = np.asarray(order(epoch), dtype=np.intp)
                elif rows is not None:
                    idx = rows[rng.permutation(n_train)] if shuffle else rows
                elif shuffle:
                    idx = rng.permutation(N)
                else:
                    idx = np.arange(N)
                n_rows = idx.shape[0]
                loss_sum = 0.0
                with (
                    _blas_threads(blas_limit),
                    feed.epoch(idx) as batches,
                ):
                    for j in range(batches.count):
                        xb, yb, extra = batches.next()
                        if lr_schedule == "linear":
                            lr_t = lr * (1.0 - steps / total_steps)
                        elif lr_schedule == "cosine":
                            lr_t = lr * 0.5 * (1.0 + math.cos(math.pi * steps / total_steps))
                        loss = step(xb, yb, extra, lr_t)
                        if not math.isfinite(loss):
                            _diverged(loss, epoch + 1, j + 1, lr, xb, x_scale, step, history, steps)
                        batches.release()
                        if average_after is not None and steps >= average_after:
                            if not step.averaging:
                                step.begin_average(average_state)
                            step.accumulate()
                        steps += 1
                        loss_sum += loss * xb.shape[0]
                        stopped_at = (epoch + 1, j + 1)
                        progress.on_batch_end(epoch + 1, j + 1, loss)
                        if stop.requested:
                            raise KeyboardInterrupt
                correct = step.count_correct()
                seconds = clock() - t0
                W_it, b_it = step.current()
                if not (np.isfinite(W_it).all() and np.isfinite(b_it).all()):
                    _diverged(math.inf, epoch + 1, n_batches, lr, xb, x_scale, step, history, steps)
                W_now, b_now = step.model()
                record = EpochRecord(
                    epoch=epoch + 1,
                    loss=loss_sum / max(n_rows, 1),
                    train_accuracy=correct / max(n_rows, 1),
                    seconds=seconds,
                )
                if validation is not None:
                    record.val_loss, record.val_accuracy = loss_and_accuracy(
                        validation[0],
                        validation[1],
                        W_now,
                        b_now,
                        transform=transform or scale_transform,
                    )
                if evaluate is not None:
                    record.metrics = {k: float(v) for k, v in evaluate(W_now, b_now).items()}
                history.append(record)
                if checkpoint is not None:
                    v_W, v_b = step.velocity()
                    save_checkpoint(
                        checkpoint,
                        CheckpointState(
                            W=W_it,
                            b=b_it,
                            velocity_W=v_W,
                            velocity_b=v_b,
                            epoch=epoch + 1,
                            steps=steps,
                            rng_state=rng.bit_generator.state,
                            history=history,
                            settings=settings,
                            average=step.average_state(),
                        ),
                    )
                progress.on_epoch_end(record)
                if stop.requested:
                    raise KeyboardInterrupt
        except KeyboardInterrupt:
            interrupted = True

    W_it, b_it = (np.array(a) for a in step.current())
    W_end, b_end = (np.array(a) for a in step.model())
    v_W, v_b = step.velocity()
    result = TrainResult(
        W=W_end,
        b=b_end,
        velocity_W=np.array(v_W),
        velocity_b=np.array(v_b),
        history=history,
        epochs_completed=len(history),
        steps=steps,
        interrupted=interrupted,
        stopped_at=stopped_at if interrupted else None,
        resumed_from=resumed_from,
        iterate_W=W_it,
        iterate_b=b_it,
        n_averaged=step.n_averaged,
        engine=step.name,
    )
    progress.on_train_end(result)
    return result


# --------------------------------------------------------------------------- one SGD step


class ReferenceStep:
    """One SGD step through :mod:`handprop.functional`, one call per formula (the algorithm).

    ``step(xb, yb, extra, lr) -> loss`` computes the loss of the current weights on the batch
    ``xb : (n, D)``, ``yb : (n,)`` and, if it is finite, updates them; ``count_correct()``
    counts the rows of the epoch so far whose largest probability was the true class. Two
    parameter buffers: a step writes the other one, so the weights of the previous step stay
    intact (returned after a divergence) and the current ones are never half-updated (Ctrl-C).
    """

    name = "reference"

    def __init__(
        self,
        W: NDArray[np.floating],
        b: NDArray[np.floating],
        vW: NDArray[np.floating],
        vb: NDArray[np.floating],
        batch_size: int,
        momentum: float,
        weight_decay: float,
    ) -> None:
        K, D = W.shape
        self.Ws = [W, W.copy()]
        self.bs = [b, b.copy()]
        self.vW, self.vb = vW, vb
        self.momentum, self.weight_decay = momentum, weight_decay
        self.Z = np.empty((batch_size, K), dtype=W.dtype)
        self.dW = np.empty((K, D), dtype=W.dtype)
        self.cur = 0
        self.averaging, self.n_averaged = False, 0

    def prepare_epoch(
        self, y: NDArray[np.intp], batch_size: int, idx: NDArray[np.intp] | None = None
    ) -> Any:
        """What the steps of an epoch need from its labels ``y`` (in epoch order, the rows
        ``idx`` of X), sliced per batch like ``y``; None here. Starts the epoch's count of
        correct rows."""
        self.correct = 0
        return None

    def count_correct(self) -> int:
        return self.correct

    def inputs(self, xb: NDArray[Any]) -> NDArray[np.floating]:
        """The (n, D) batch as the step received it (what :func:`_diverged` inspects)."""
        return xb

    def __call__(
        self, xb: NDArray[np.floating], yb: NDArray[np.intp], extra: Any, lr: float
    ) -> float:
        n = xb.shape[0]
        Wc, bc = self.Ws[self.cur], self.bs[self.cur]
        Z = F.linear(xb, Wc, bc, out=self.Z[:n])  # (n, K)
        loss = F.cross_entropy(Z, yb)
        if not math.isfinite(loss):
            return loss
        A = F.softmax(Z, out=Z)  # (n, K)
        self.correct += int(np.count_nonzero(A.argmax(axis=1) == yb))
        d = F.delta(A, yb, out=A)  # (n, K)
        dW, db = F.param_gradients(xb, d, out_W=self.dW)  # (K, D), (K,)
        nxt = 1 - self.cur
        kw = {"momentum": self.momentum, "weight_decay": self.weight_decay}
        F.sgd_step(Wc, dW, lr, velocity=self.vW, out=self.Ws[nxt], **kw)
        F.sgd_step(bc, db, lr, velocity=self.vb, out=self.bs[nxt], **kw)
        self.cur = nxt
        return loss

    def current(self) -> tuple[NDArray[np.floating], NDArray[np.floating]]:
        """(W, b) now (the step's own buffers: copy to keep)."""
        return self.Ws[self.cur], self.bs[self.cur]

    def previous(self) -> tuple[NDArray[np.floating], NDArray[np.floating]]:
        """(W, b) before the last update."""
        return self.Ws[1 - self.cur], self.bs[1 - self.cur]

    def velocity(self) -> tuple[NDArray[np.floating], NDArray[np.floating]]:
        return self.vW, self.vb

    def begin_average(self, state: tuple[Any, Any, int] | None) -> None:
        """Start averaging: from zeros (the first accumulate copies W exactly) or ``state``."""
        W, b = self.current()
        self.avg = (np.zeros_like(W), np.zeros_like(b))
        self.db_scratch = np.empty_like(b)
        if state is not None:
            self.avg[0][...], self.avg[1][...] = state[0], state[1]
            self.n_averaged = int(state[2])
        self.averaging = True

    def accumulate(self) -> None:
        """Fold the current weights into the running mean."""
        self.n_averaged += 1
        W, b = self.current()
        average_step(self.avg[0], W, self.n_averaged, self.dW)
        average_step(self.avg[1], b, self.n_averaged, self.db_scratch)

    def model(self) -> tuple[NDArray[np.floating], NDArray[np.floating]]:
        """The weights the model is: the running mean once it has one, else the iterate."""
        return self.avg if self.n_averaged else self.current()

    def average_state(self) -> tuple[Any, Any, int] | None:
        return (*self.avg, self.n_averaged) if self.n_averaged else None


def average_step(
    avg: NDArray[np.floating], param: NDArray[np.floating], count: int, scratch: NDArray[Any]
) -> NDArray[np.floating]:
    """The running mean of the iterates: ``avg <- avg + (param - avg) / count``, in place.

    Called with ``count = 1, 2, ..., k`` after steps 1..k (``avg`` starting at zeros), ``avg``
    is the mean of the k parameters seen (Polyak-Ruppert averaging); ``scratch`` (same shape
    as ``param``) holds ``param - avg``.
    """
    diff = np.subtract(param, avg, out=scratch)
    diff /= count
    avg += diff
    return avg


class FusedStep(ReferenceStep):
    """The same step as :class:`ReferenceStep` in fewer, allocation-free passes.

    Every quantity is the one the reference computes, in the same order of operations::

        Z  = X @ W.T  [/ scale]      (n, K)  one GEMM, as F.linear (scale: see below)
        Zt = Z.T + b                 (K, n)  logits stored class-major: the row-wise max and
                                             sums of softmax become fast column reductions
        Zt -= m,  m = max_k Zt       (K, n)  the shift of F.softmax and F.log_softmax
        zy = Zt[y_n, n]              (n,)    shifted logit of the true class
        Zt = exp(Zt); s = sum_k Zt; Zt /= s  A^T = softmax(Z)^T, as F.softmax
        L  = mean(log s - zy)                = -mean log_softmax(Z)[n, y_n], as F.cross_entropy
        Zt[y_n, n] -= 1; Zt /= n             delta^T = (A - Y)^T / n, as F.delta
        db = sum_n Zt; dW = Zt [/ scale] @ X as F.param_gradients
        P  = sgd_step(P, G, ...)             W and b in one flat buffer P (gradient G): one
                                             F.sgd_step call updates both

    With ``scale`` (the ``x / scale`` of ``normalize="scale"``) the batch stays the raw
    numbers converted to floats and the division moves onto the (n, K) logits and delta:
    ``(X / s) W^T = (X W^T) / s`` and ``delta^T (X / s) = (delta / s)^T X``, which spares a
    pass over the (n, D) batch. The flat positions ``y_n * n + n`` of the true classes in
    ``Zt`` come from :meth:`prepare_epoch`, once per epoch. Results equal the reference's up
    to rounding (tests/test_fast_path.py).
    """

    name = "fused"

    def __init__(
        self,
        W: NDArray[np.floating],
        b: NDArray[np.floating],
        vW: NDArray[np.floating],
        vb: NDArray[np.floating],
        batch_size: int,
        momentum: float,
        weight_decay: float,
        scale: float | None = None,
    ) -> None:
        K, D = W.shape
        dtype = W.dtype
        self.K, self.B = K, batch_size
        self.momentum, self.weight_decay = momentum, weight_decay
        self.scale = None if scale is None else dtype.type(scale)
        size = K * D + K
        self.P = [np.empty(size, dtype=dtype), np.empty(size, dtype=dtype)]
        self.V = np.empty(size, dtype=dtype)
        self.G = np.empty(size, dtype=dtype)
        self.Ps = [self._split(p, K, D) for p in self.P]
        for Wv, bv in self.Ps:
            Wv[...], bv[...] = W, b
        self.vWs = self._split(self.V, K, D)
        self.vWs[0][...], self.vWs[1][...] = vW, vb
        self.dW, self.db = self._split(self.G, K, D)
        B = batch_size
        self.Zc = np.empty(B * K, dtype=dtype)
        self.Zt = np.empty(K * B, dtype=dtype)
        self.m = np.empty(B, dtype=dtype)
        self.s = np.empty(B, dtype=dtype)
        self.zy = np.empty(B, dtype=dtype)
        self.pred = np.empty(0, dtype=np.intp)  # the epoch's predicted classes
        self.cur = 0
        self.averaging, self.n_averaged = False, 0

    @staticmethod
    def _split(flat: NDArray[Any], K: int, D: int) -> tuple[NDArray[Any], NDArray[Any]]:
        return flat[: K * D].reshape(K, D), flat[K * D :]

    def prepare_epoch(
        self, y: NDArray[np.intp], batch_size: int, idx: NDArray[np.intp] | None = None
    ) -> NDArray[np.intp]:
        """For each row, the flat position ``y_n * n_b + c`` of its true class in its batch's
        ``Zt`` (class-major, ``n_b`` columns, the row being column ``c``)."""
        N = y.shape[0]
        at = np.arange(N, dtype=np.intp)
        at %= batch_size  # the column within the batch
        at += y * batch_size
        last = N % batch_size
        if last:  # the smaller last batch has `last` columns
            at[N - last :] = y[N - last :] * last + np.arange(last)
        if self.pred.shape[0] < N:
            self.pred = np.empty(N, dtype=np.intp)
        self.y_epoch, self.done = y, 0
        return at

    def count_correct(self) -> int:
        """Rows of the epoch so far whose predicted class (argmax of A) was the true one."""
        done = self.done
        return int(np.count_nonzero(self.pred[:done] == self.y_epoch[:done]))

    def __call__(
        self,
        xb: NDArray[np.floating],
        yb: NDArray[np.intp],
        at: NDArray[np.intp],
        lr: float,
    ) -> float:
        n, K = xb.shape[0], self.K
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
        loss = float(np.add.reduce(s)) / n  # cross_entropy(Z, y)
        if not math.isfinite(loss):
            return loss
        done = self.done
        np.argmax(Zt, axis=0, out=self.pred[done : done + n])  # counted per epoch
        self.done = done + n
        flat[at] -= 1
        np.divide(Zt, n, out=Zt)  # delta^T = (A - Y)^T / n               (K, n)
        np.add.reduce(Zt, axis=1, out=self.db)  # db = sum_n delta          (K,)
        if self.scale is not None:
            np.divide(Zt, self.scale, out=Zt)  # (delta / s)^T X = delta^T (X / s)
        np.matmul(Zt, xb, out=self.dW)  # dW                               (K, D)
        self._update(lr)
        return loss

    def _update(self, lr: float) -> None:
        """``F.sgd_step`` on W and b at once (flat buffers), into the other parameter buffer."""
        nxt = 1 - self.cur
        F.sgd_step(
            self.P[self.cur],
            self.G,
            lr,
            momentum=self.momentum,
            velocity=self.V,
            weight_decay=self.weight_decay,
            out=self.P[nxt],
        )
        self.cur = nxt

    def current(self) -> tuple[NDArray[np.floating], NDArray[np.floating]]:
        return self.Ps[self.cur]

    def previous(self) -> tuple[NDArray[np.floating], NDArray[np.floating]]:
        return self.Ps[1 - self.cur]

    def velocity(self) -> tuple[NDArray[np.floating], NDArray[np.floating]]:
        return self.vWs

    def begin_average(self, state: tuple[Any, Any, int] | None) -> None:
        K, D = self.dW.shape
        self.A = np.zeros_like(self.G)
        self.avg = self._split(self.A, K, D)
        if state is not None:
            self.avg[0][...], self.avg[1][...] = state[0], state[1]
            self.n_averaged = int(state[2])
        self.averaging = True

    def accumulate(self) -> None:
        """:func:`average_step` on W and b at once (one flat buffer; G is free after a step)."""
        self.n_averaged += 1
        average_step(self.A, self.P[self.cur], self.n_averaged, self.G)


def native_kernel() -> Any:
    """The compiled module :mod:`handprop._native`, or None where it was not built."""
    try:
        from handprop import _native
    except ImportError:
        return None
    return _native


class NativeStep(FusedStep):
    """The step of :class:`FusedStep` with the gradient from one compiled pass.

    ``_native.batch_gradient`` reads each row of the batch once, straight from X (uint8,
    float32 or float64, C-contiguous; memory-mapped too): it converts it to float32 into a
    small buffer, computes its logits, softmax, loss, predicted class and delta, and adds its
    share of ``dW = delta^T X / scale`` while the row is still in the cache. No (n, D) batch
    is ever gathered. The update and the averaging are the same :func:`F.sgd_step` and
    :func:`average_step` calls as in :class:`FusedStep`. The step receives the batch's row
    indices in place of the batch (``xb : (n,) intp``). Equal to the reference up to float32
    rounding (tests/test_native.py, tests/test_fast_path.py).
    """

    name = "native"

    def __init__(
        self,
        W: NDArray[np.floating],
        b: NDArray[np.floating],
        vW: NDArray[np.floating],
        vb: NDArray[np.floating],
        batch_size: int,
        momentum: float,
        weight_decay: float,
        scale: float | None,
        X: NDArray[Any],
    ) -> None:
        super().__init__(W, b, vW, vb, batch_size, momentum, weight_decay, scale)
        self.kernel = native_kernel().batch_gradient
        self.X = X
        self.divisor = 1.0 if scale is None else float(scale)

    def prepare_epoch(
        self, y: NDArray[np.intp], batch_size: int, idx: NDArray[np.intp] | None = None
    ) -> None:
        if idx is None:
            raise ValueError("NativeStep.prepare_epoch needs the epoch's row indices")
        N = y.shape[0]
        if self.pred.shape[0] < N:
            self.pred = np.empty(N, dtype=np.int64)
        self.idx = np.ascontiguousarray(idx, dtype=np.int64)
        self.y_epoch = np.ascontiguousarray(y, dtype=np.int64)
        self.done = 0
        return None

    def inputs(self, xb: NDArray[Any]) -> NDArray[np.floating]:
        return np.asarray(self.X[xb], dtype=np.float32)

    def __call__(self, xb: NDArray[Any], yb: NDArray[np.intp], extra: Any, lr: float) -> float:
        n, done = xb.shape[0], self.done
        total = self.kernel(
            self.X,
            self.idx,
            self.y_epoch,
            done,
            n,
            self.P[self.cur],
            self.G,
            self.divisor,
            self.pred,
        )
        loss = total / n
        if not math.isfinite(loss):
            return loss
        self.done = done + n
        self._update(lr)
        return loss


def _resolve_engine(
    engine: str, X: NDArray[Any], dtype: type, transform: Transform | None, where: str
) -> str:
    """``"auto"`` becomes ``"native"`` where that engine applies and its AVX2 version runs,
    else ``"fused"``; an explicit ``"native"`` that cannot run is a one-line error saying why."""
    if engine not in ("auto", "native"):
        return engine
    kernel, reason = native_kernel(), None
    if kernel is None:
        reason = Msg("train.native.unbuilt")
    elif dtype is not np.float32:
        reason = Msg("train.native.dtype", dtype=np.dtype(dtype).name)
    elif transform is not None:
        reason = Msg("train.native.transform")
    elif (
        not isinstance(X, np.ndarray)
        or X.ndim != 2
        or X.dtype not in (np.uint8, np.float32, np.float64)
        or not X.flags.c_contiguous
    ):
        reason = Msg("train.native.input", dtype=str(getattr(X, "dtype", type(X).__name__)))
    if reason is None:
        # The portable C version is slower than the NumPy engine's BLAS (benchmarks/kernel.py,
        # benchmarks/README.md): auto takes the kernel only where it is vectorised.
        if engine == "auto" and kernel.isa() != "avx2":
            return "fused"
        return "native"
    if engine == "auto":
        return "fused"
    raise InputError("err.must", where=where, name="engine", expected=reason, got="'native'")


def _make_step(
    engine: str,
    W: NDArray[np.floating],
    b: NDArray[np.floating],
    vW: NDArray[np.floating],
    vb: NDArray[np.floating],
    batch_size: int,
    momentum: float,
    weight_decay: float,
    device: str | None,
    scale: float | None,
    X: NDArray[Any],
) -> Any:
    if engine == "native":
        return NativeStep(W, b, vW, vb, batch_size, momentum, weight_decay, scale, X)
    if engine == "torch":
        from handprop.torch_backend import TorchStep

        return TorchStep(W, b, vW, vb, batch_size, momentum, weight_decay, device=device)
    if engine == "fused":
        return FusedStep(W, b, vW, vb, batch_size, momentum, weight_decay, scale)
    return ReferenceStep(W, b, vW, vb, batch_size, momentum, weight_decay)


# --------------------------------------------------------------------------- batches


class _BatchFeed:
    """Gathers the rows of each batch into preallocated buffers and converts them to floats.

    Per epoch the labels of all rows are gathered at once (``y[idx]``, N integers) and the
    step derives what it needs from them (:meth:`FusedStep.prepare_epoch`); per batch the
    rows of X are gathered into a raw buffer and converted (or transformed) into a float
    buffer. With ``slots`` > 1 a helper thread fills the next batches while the step computes
    the current one; with 1 slot everything happens in the calling thread. Buffers are
    allocated once per training run (``slots`` x (B, D) floats, one (B, D) raw buffer).
    """

    def __init__(
        self,
        X: NDArray[Any],
        y: NDArray[np.intp],
        B: int,
        dtype: type,
        transform: Transform | None,
        step: Any,
        slots: int,
        gather: bool = True,
    ) -> None:
        D = X.shape[1]
        self.X, self.y, self.B, self.transform, self.step = X, y, B, transform, step
        self.gather = gather
        self.direct = transform is None and X.dtype == dtype
        self.raw = None if self.direct or not gather else np.empty((B, D), dtype=X.dtype)
        rows = B if gather else 0
        self.xs = [np.empty((rows, D), dtype=dtype) for _ in range(slots)]

    def fill(self, slot: int, sel: NDArray[np.intp]) -> NDArray[np.floating]:
        """Rows ``sel`` of X, as floats, into the buffer of ``slot``."""
        n = sel.shape[0]
        xb = self.xs[slot][:n]
        if self.direct:
            np.take(self.X, sel, axis=0, out=xb, mode="clip")
        else:
            raw = np.take(self.X, sel, axis=0, out=self.raw[:n], mode="clip")
            if self.transform is None:
                np.copyto(xb, raw, casting="unsafe")
            else:
                self.transform(raw, xb)
        return xb

    def epoch(self, idx: NDArray[np.intp]) -> _EpochBatches:
        return _EpochBatches(self, idx)


class _EpochBatches:
    """The batches of one epoch, in order: ``next()`` then ``release()`` for each of ``count``."""

    def __init__(self, feed: _BatchFeed, idx: NDArray[np.intp]) -> None:
        self.feed, self.idx = feed, idx
        B = feed.B
        self.count = -(-idx.shape[0] // B)
        self.y = np.take(feed.y, idx, mode="clip")  # (n_rows,) labels in epoch order
        self.extra = feed.step.prepare_epoch(self.y, B, idx)
        self.j = 0
        self.held: int | None = None
        self.thread: threading.Thread | None = None
        slots = len(feed.xs)
        if slots > 1 and self.count > 1:
            self.free: queue.SimpleQueue[int | None] = queue.SimpleQueue()
            self.ready: queue.SimpleQueue[tuple[int | None, Any]] = queue.SimpleQueue()
            for slot in range(slots):
                self.free.put(slot)
            self.stopped = False
            self.thread = threading.Thread(
                target=self._produce, name="handprop-prefetch", daemon=True
            )
            self.thread.start()

    def _produce(self) -> None:
        B = self.feed.B
        try:
            with np.errstate(all="ignore"):
                for j in range(self.count):
                    slot = self.free.get()
                    if slot is None or self.stopped:
                        return
                    self.ready.put((slot, self.feed.fill(slot, self.idx[j * B : (j + 1) * B])))
        except BaseException as exc:  # handed to the main thread, which raises it
            self.ready.put((None, exc))

    def next(self) -> tuple[Any, Any, Any]:
        """(xb, yb, the step's extra for the batch) of the next batch."""
        B, j = self.feed.B, self.j
        rows = slice(j * B, (j + 1) * B)
        if not self.feed.gather:  # the step reads its rows from X itself
            xb = self.idx[rows]
        elif self.thread is None:
            xb = self.feed.fill(0, self.idx[rows])
        else:
            slot, xb = self.ready.get()
            if slot is None:
                raise xb
            self.held = slot
        self.j = j + 1
        return xb, self.y[rows], None if self.extra is None else self.extra[rows]

    def release(self) -> None:
        """The step is done with the batch from ``next()``: its buffers may be refilled."""
        if self.held is not None:
            self.free.put(self.held)
            self.held = None

    def __enter__(self) -> _EpochBatches:
        return self

    def __exit__(self, *exc: Any) -> None:
        if self.thread is not None:
            self.stopped = True
            self.free.put(None)
            self.thread.join()


_threadpools: Any = None


@contextlib.contextmanager
def _blas_threads(limit: int | None) -> Iterator[None]:
    """Limit the BLAS thread pool to ``limit`` threads inside the block (None: no change)."""
    global _threadpools
    if limit is None:
        yield
        return
    if _threadpools is None:
        try:
            from threadpoolctl import ThreadpoolController
        except ImportError:  # pragma: no cover - a dependency; without it, no limit
            _threadpools = False
        else:
            _threadpools = ThreadpoolController()
    if not _threadpools:
        yield
        return
    with _threadpools.limit(limits=limit, user_api="blas"):
        yield


def _diverged(
    loss: float,
    epoch: int,
    batch: int,
    lr: float,
    xb: NDArray[np.floating],
    x_scale: float,
    step: Any,
    history: list[EpochRecord],
    steps: int,
) -> None:
    """Raise TrainingDivergedError with the last good weights and the likely cause.

    ``xb / x_scale`` is the batch the model saw (the fused step divides after the GEMM);
    ``step.previous()`` holds the weights before the step that failed.
    """
    W_good, b_good = step.previous()
    vW, vb = step.velocity()
    xb = step.inputs(xb)
    x_max = float(np.max(np.abs(xb))) / x_scale if xb.size else 0.0
    cause = (
        Msg("train.cause.unscaled", x_max=f"{x_max:g}")
        if not x_max <= 10
        else Msg("train.cause.lr", lr=f"{lr:g}")
    )
    err = TrainingDivergedError(
        "train.diverged", value=str(loss), epoch=epoch, batch=batch, cause=cause
    )
    err.result = TrainResult(
        W=W_good.copy(),
        b=b_good.copy(),
        velocity_W=vW.copy(),
        velocity_b=vb.copy(),
        history=list(history),
        epochs_completed=len(history),
        steps=max(steps - 1, 0),
        stopped_at=(epoch, batch),
        engine=step.name,
    )
    raise err


# --------------------------------------------------------------------------- scoring in chunks


def iter_logits(
    X: NDArray[Any],
    W: NDArray[np.floating],
    b: NDArray[np.floating],
    *,
    transform: Transform | None = None,
    chunk: int = EVAL_CHUNK,
) -> Iterator[tuple[slice, NDArray[np.floating]]]:
    """``Z = linear(X, W, b)`` chunk by chunk: yields ``(rows, Z[rows])`` with Z : (n, K).

    X is converted to W's dtype (through ``transform`` if given) one chunk at a time, so memory
    stays at ``chunk x D`` floats whatever N is. The yielded array is reused: copy to keep it.
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


def validation_split(
    n_samples: int, fraction: float, rng: np.random.Generator
) -> tuple[NDArray[np.intp], NDArray[np.intp]]:
    """Random ``(train_rows, val_rows)``: ``round(fraction * N)`` rows (at least 1) held out.

    Both index arrays are sorted, so the training rows keep their original order.
    """
    n_val = min(max(1, round(fraction * n_samples)), n_samples - 1)
    perm = rng.permutation(n_samples)
    return np.sort(perm[n_val:]), np.sort(perm[:n_val])


# --------------------------------------------------------------------------- checkpoints


@dataclass
class CheckpointState:
    """Everything needed to continue training exactly where an epoch ended."""

    W: NDArray[np.floating]
    b: NDArray[np.floating]
    velocity_W: NDArray[np.floating]
    velocity_b: NDArray[np.floating]
    epoch: int
    steps: int
    rng_state: dict[str, Any]
    history: list[EpochRecord]
    settings: dict[str, Any]
    average: tuple[NDArray[np.floating], NDArray[np.floating], int] | None = None


def save_checkpoint(path: str | os.PathLike[str], state: CheckpointState) -> None:
    """Write ``state`` to ``path`` (``.npz``, atomically: the old file stays until it is done)."""
    from handprop.fileio import atomic_write

    meta = {
        "format": CHECKPOINT_FORMAT,
        "version": CHECKPOINT_VERSION,
        "epoch": state.epoch,
        "steps": state.steps,
        "rng_state": state.rng_state,
        "history": [r.to_dict() for r in state.history],
        "settings": state.settings,
    }
    arrays = {}
    if state.average is not None:  # the running mean of iterate averaging
        arrays = {"average_W": state.average[0], "average_b": state.average[1]}
        meta["n_averaged"] = int(state.average[2])
    buf = io.BytesIO()
    np.savez(
        buf,
        W=state.W,
        b=state.b,
        velocity_W=state.velocity_W,
        velocity_b=state.velocity_b,
        meta=np.array(json.dumps(meta)),
        **arrays,
    )
    with atomic_write(path) as handle:
        handle.write(buf.getvalue())


def read_npz_arrays(
    path: str | os.PathLike[str], bad: Callable[[Msg], HandpropError]
) -> dict[str, NDArray[Any]]:
    """Every array of an ``.npz`` file, read with ``allow_pickle=False``.

    A pickled (object) array is refused without being loaded, since unpickling can run code;
    any other zip or npy error means the file is not ours. ``bad(reason)`` makes the error.
    """
    try:
        with np.load(path, allow_pickle=False) as npz:
            return {name: npz[name] for name in npz.files}
    except ValueError as exc:
        if "pickle" in str(exc):
            raise bad(Msg("model.problem.pickle")) from None
        raise bad(Msg("train.problem.unreadable", detail=str(exc)[:80])) from None
    except Exception as exc:
        raise bad(Msg("train.problem.unreadable", detail=type(exc).__name__)) from None


def load_checkpoint(path: str | os.PathLike[str]) -> CheckpointState:
    """Read a checkpoint written by :func:`save_checkpoint` (no pickle), checking every part."""
    path = Path(path)

    def bad(problem: Msg) -> FileFormatError:
        return FileFormatError("train.checkpoint_bad", path=str(path), problem=problem)

    if not path.is_file():
        raise InputError(
            "err.must",
            where="resume",
            name=str(path),
            expected=Msg("train.exp.existing_file"),
            got=Msg("train.got.missing"),
        )
    arrays = read_npz_arrays(path, bad)
    for name in ("W", "b", "velocity_W", "velocity_b", "meta"):
        if name not in arrays:
            raise bad(Msg("train.problem.missing", name=name))
    try:
        meta = json.loads(str(arrays["meta"][()]))
        if meta.get("format") != CHECKPOINT_FORMAT:
            raise bad(Msg("train.problem.format", got=repr(meta.get("format"))))
        if meta.get("version") != CHECKPOINT_VERSION:
            raise bad(Msg("train.problem.version", got=repr(meta.get("version"))))
        W, b = arrays["W"], arrays["b"]
        vW, vb = arrays["velocity_W"], arrays["velocity_b"]
        if (
            W.ndim != 2
            or b.shape != (W.shape[0],)
            or vW.shape != W.shape
            or vb.shape != b.shape
            or any(a.dtype.kind != "f" for a in (W, b, vW, vb))
        ):
            raise bad(Msg("train.problem.shapes"))
        if not all(np.isfinite(a).all() for a in (W, b, vW, vb)):
            raise bad(Msg("train.problem.nonfinite"))
        average = None
        if "average_W" in arrays or "average_b" in arrays or "n_averaged" in meta:
            aW, ab = arrays.get("average_W"), arrays.get("average_b")
            if aW is None or ab is None or aW.shape != W.shape or ab.shape != b.shape:
                raise bad(Msg("train.problem.shapes"))
            if not (np.isfinite(aW).all() and np.isfinite(ab).all()):
                raise bad(Msg("train.problem.nonfinite"))
            average = (aW, ab, int(meta["n_averaged"]))
        return CheckpointState(
            W=W,
            b=b,
            velocity_W=vW,
            velocity_b=vb,
            epoch=int(meta["epoch"]),
            steps=int(meta["steps"]),
            rng_state=dict(meta["rng_state"]),
            history=[EpochRecord.from_dict(r) for r in meta["history"]],
            settings=dict(meta["settings"]),
            average=average,
        )
    except FileFormatError:
        raise
    except Exception as exc:  # malformed JSON or fields of the wrong type
        raise bad(Msg("train.problem.meta", detail=type(exc).__name__)) from None


def _check_resumable(
    state: CheckpointState, settings: Mapping[str, Any], path: str | os.PathLike[str]
) -> None:
    for key, value in settings.items():
        saved = state.settings.get(key)
        if saved != value:
            raise InputError(
                "train.resume_mismatch",
                path=str(path),
                name=key,
                saved=repr(saved),
                got=repr(value),
            )


# --------------------------------------------------------------------------- Ctrl-C


class _StopFlag:
    requested = False


@contextlib.contextmanager
def _sigint_deferred(enabled: bool) -> Iterator[_StopFlag]:
    """While active, the first SIGINT only sets ``flag.requested``; a second one interrupts.

    Only in the main thread and only when Python's default handler is installed (we never
    replace somebody else's handler).
    """
    flag = _StopFlag()
    if not (
        enabled
        and threading.current_thread() is threading.main_thread()
        and signal.getsignal(signal.SIGINT) is signal.default_int_handler
    ):
        yield flag
        return

    def handler(signum: int, frame: Any) -> None:
        if flag.requested:
            raise KeyboardInterrupt
        flag.requested = True

    signal.signal(signal.SIGINT, handler)
    try:
        yield flag
    finally:
        signal.signal(signal.SIGINT, signal.default_int_handler)
