"""The mini-batch SGD loop of softmax regression, from uint8 images to trained weights.

Each step is the worked example on a batch of rows, through :mod:`handprop.functional`::

    Z = linear(X_b, W, b)            # (B, K)   logits
    L = cross_entropy(Z, y_b)        # scalar   mean over the batch (checked to be finite)
    A = softmax(Z)                   # (B, K)   in place of Z
    d = delta(A, y_b)                # (B, K)   (A - Y) / B, in place of A
    dW, db = param_gradients(X_b, d) # (K, D), (K,)
    W, b = sgd_step(W, dW, ...), sgd_step(b, db, ...)   # torch.optim.SGD semantics

Data stay as given (uint8 images are never expanded as a whole): each batch is gathered into a
preallocated buffer and converted to the compute dtype (float32 by default) there, optionally
through a preprocessing ``transform``. All buffers are allocated once per call.

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
from handprop.errors import FileFormatError, InputError, TrainingDivergedError
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
) -> TrainResult:
    """Mini-batch SGD on the mean cross-entropy of ``softmax(X @ W.T + b)``.

    Parameters
    ----------
    X : ndarray of shape (N, D), any real dtype (uint8 images, float32, a memmap)
        Not copied; each batch is gathered and converted to ``dtype`` on its own.
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
        Without it a batch is only converted to ``dtype``.
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
    dtype = np.dtype(dtype).type
    if dtype not in (np.float32, np.float64):
        raise InputError("err.choice", name="dtype", choices="float32, float64", got=repr(dtype))
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
    if not isinstance(rng, np.random.Generator):
        rng = np.random.default_rng(rng)
    progress = progress or TrainingProgress()
    y = np.asarray(y, dtype=np.intp)
    if rows is not None:
        rows = np.asarray(rows, dtype=np.intp)
    n_train = N if rows is None else rows.shape[0]

    # Two parameter buffers: a step writes the other one, so the weights of the previous step
    # stay intact (for a divergence) and the current ones are never half-updated (for Ctrl-C).
    Ws = [np.array(W, dtype=dtype), np.empty((K, D), dtype=dtype)]
    bs = [np.array(b, dtype=dtype), np.empty(K, dtype=dtype)]
    Ws[1][...], bs[1][...] = Ws[0], bs[0]
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
        Ws[0][...] = Ws[1][...] = state.W
        bs[0][...] = bs[1][...] = state.b
        vW[...], vb[...] = state.velocity_W, state.velocity_b
        rng.bit_generator.state = state.rng_state
        history = list(state.history)
        start_epoch = resumed_from = state.epoch
        steps = state.steps

    # Preallocated batch buffers: raw rows (X's dtype), floats, labels, logits, dW.
    B = batch_size if order is not None else max(1, min(batch_size, n_train))
    gather_direct = transform is None and X.dtype == dtype
    raw = None if gather_direct else np.empty((B, D), dtype=X.dtype)
    xbuf = np.empty((B, D), dtype=dtype)
    ybuf = np.empty(B, dtype=np.intp)
    Zbuf = np.empty((B, K), dtype=dtype)
    dWbuf = np.empty((K, D), dtype=dtype)
    n_batches = -(-n_train // batch_size)
    total_steps = max(1, epochs * n_batches)
    lr_t = lr
    cur = 0
    interrupted = False
    stopped_at = None
    epoch = start_epoch
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
                correct = 0
                for j in range(-(-n_rows // batch_size)):
                    sel = idx[j * batch_size : (j + 1) * batch_size]
                    n = sel.shape[0]
                    xb = xbuf[:n]
                    if gather_direct:
                        np.take(X, sel, axis=0, out=xb, mode="clip")
                    else:
                        np.take(X, sel, axis=0, out=raw[:n], mode="clip")
                        if transform is None:
                            np.copyto(xb, raw[:n], casting="unsafe")
                        else:
                            transform(raw[:n], xb)
                    yb = np.take(y, sel, out=ybuf[:n], mode="clip")
                    Wc, bc = Ws[cur], bs[cur]
                    Z = F.linear(xb, Wc, bc, out=Zbuf[:n])  # (n, K)
                    loss = F.cross_entropy(Z, yb)
                    if not math.isfinite(loss):
                        _diverged(
                            loss,
                            epoch + 1,
                            j + 1,
                            lr,
                            xb,
                            Ws[1 - cur],
                            bs[1 - cur],
                            vW,
                            vb,
                            history,
                            epoch,
                            steps,
                        )
                    A = F.softmax(Z, out=Z)  # (n, K)
                    correct += int(np.count_nonzero(A.argmax(axis=1) == yb))
                    d = F.delta(A, yb, out=A)  # (n, K)
                    dW, db = F.param_gradients(xb, d, out_W=dWbuf)  # (K, D), (K,)
                    nxt = 1 - cur
                    if lr_schedule == "linear":
                        lr_t = lr * (1.0 - steps / total_steps)
                    elif lr_schedule == "cosine":
                        lr_t = lr * 0.5 * (1.0 + math.cos(math.pi * steps / total_steps))
                    F.sgd_step(
                        Wc,
                        dW,
                        lr_t,
                        momentum=momentum,
                        velocity=vW,
                        weight_decay=weight_decay,
                        out=Ws[nxt],
                    )
                    F.sgd_step(
                        bc,
                        db,
                        lr_t,
                        momentum=momentum,
                        velocity=vb,
                        weight_decay=weight_decay,
                        out=bs[nxt],
                    )
                    cur = nxt
                    steps += 1
                    loss_sum += loss * n
                    stopped_at = (epoch + 1, j + 1)
                    progress.on_batch_end(epoch + 1, j + 1, loss)
                    if stop.requested:
                        raise KeyboardInterrupt
                seconds = clock() - t0
                if not (np.isfinite(Ws[cur]).all() and np.isfinite(bs[cur]).all()):
                    _diverged(
                        math.inf,
                        epoch + 1,
                        n_batches,
                        lr,
                        xbuf,
                        Ws[1 - cur],
                        bs[1 - cur],
                        vW,
                        vb,
                        history,
                        epoch,
                        steps,
                    )
                record = EpochRecord(
                    epoch=epoch + 1,
                    loss=loss_sum / max(n_rows, 1),
                    train_accuracy=correct / max(n_rows, 1),
                    seconds=seconds,
                )
                if validation is not None:
                    record.val_loss, record.val_accuracy = loss_and_accuracy(
                        validation[0], validation[1], Ws[cur], bs[cur], transform=transform
                    )
                if evaluate is not None:
                    record.metrics = {k: float(v) for k, v in evaluate(Ws[cur], bs[cur]).items()}
                history.append(record)
                if checkpoint is not None:
                    save_checkpoint(
                        checkpoint,
                        CheckpointState(
                            W=Ws[cur],
                            b=bs[cur],
                            velocity_W=vW,
                            velocity_b=vb,
                            epoch=epoch + 1,
                            steps=steps,
                            rng_state=rng.bit_generator.state,
                            history=history,
                            settings=settings,
                        ),
                    )
                progress.on_epoch_end(record)
                if stop.requested:
                    raise KeyboardInterrupt
            epoch = epochs
        except KeyboardInterrupt:
            interrupted = True

    result = TrainResult(
        W=Ws[cur],
        b=bs[cur],
        velocity_W=vW,
        velocity_b=vb,
        history=history,
        epochs_completed=len(history),
        steps=steps,
        interrupted=interrupted,
        stopped_at=stopped_at if interrupted else None,
        resumed_from=resumed_from,
    )
    progress.on_train_end(result)
    return result


def _diverged(
    loss: float,
    epoch: int,
    batch: int,
    lr: float,
    xb: NDArray[np.floating],
    W_good: NDArray[np.floating],
    b_good: NDArray[np.floating],
    vW: NDArray[np.floating],
    vb: NDArray[np.floating],
    history: list[EpochRecord],
    epochs_done: int,
    steps: int,
) -> None:
    """Raise TrainingDivergedError with the last good weights and the likely cause."""
    x_max = float(np.max(np.abs(xb))) if xb.size else 0.0
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


def save_checkpoint(path: str | os.PathLike[str], state: CheckpointState) -> None:
    """Write ``state`` to ``path`` (``.npz``, atomically: the old file stays until it is done)."""
    from handprop.data._files import atomic_write

    meta = {
        "format": CHECKPOINT_FORMAT,
        "version": CHECKPOINT_VERSION,
        "epoch": state.epoch,
        "steps": state.steps,
        "rng_state": state.rng_state,
        "history": [r.to_dict() for r in state.history],
        "settings": state.settings,
    }
    buf = io.BytesIO()
    np.savez(
        buf,
        W=state.W,
        b=state.b,
        velocity_W=state.velocity_W,
        velocity_b=state.velocity_b,
        meta=np.array(json.dumps(meta)),
    )
    with atomic_write(path) as handle:
        handle.write(buf.getvalue())


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
    try:
        with np.load(path, allow_pickle=False) as npz:
            arrays = {name: npz[name] for name in npz.files}
    except Exception as exc:  # zip, npy and pickle errors all mean "not our file"
        raise bad(Msg("train.problem.unreadable", detail=type(exc).__name__)) from None
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
