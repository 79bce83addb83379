"""The training loop: epochs of mini-batch SGD steps, from a state to the state it reaches.

:func:`fit_sgd` is short on purpose: the settings are an :class:`~handprop.train.SGDConfig`,
where training stands is a :class:`~handprop.train.TrainState`, how a step is computed is an
engine (:mod:`handprop.train.engines`). The loop draws each epoch's order, hands the batches
to the engine, keeps the running loss and accuracy and the iterate average, and at the end of
each epoch measures the kept model, records the epoch and writes the checkpoint. Ctrl-C stops
after the current batch and returns what was trained so far; a NaN or infinite loss raises
:class:`~handprop.errors.TrainingDivergedError` carrying the last good state.
"""

from __future__ import annotations

import contextlib
import dataclasses
import math
import os
import signal
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from handprop.errors import InputError, TrainingDivergedError
from handprop.messages import Msg
from handprop.train.averaging import IterateAverage
from handprop.train.config import SGDConfig
from handprop.train.engines import Engine, EngineSpec, make_engine
from handprop.train.engines.parallel import is_primary
from handprop.train.scoring import Evaluate, Transform
from handprop.train.state import EpochRecord, TrainState

Order = NDArray[np.integer] | Callable[[int], NDArray[np.integer]] | None


@dataclass
class TrainResult:
    """The outcome of :func:`fit_sgd`.

    ``state`` is where training stands (the iterate, momentum, running average, counters,
    history): pass it to :func:`fit_sgd` to continue. ``W : (K, D)`` and ``b : (K,)`` are the
    model, copies of ``state.model()`` (the average of the iterates when averaging, else the
    last iterate). ``engine`` is the engine that computed the steps (``"auto"`` resolved) and
    ``engine_reason`` why it was chosen. ``interrupted``: Ctrl-C stopped training after batch
    ``stopped_at = (epoch, batch)`` (1-based; that epoch counts as not completed).
    ``resumed_from``: the epoch the given state had reached.
    """

    state: TrainState
    W: NDArray[np.floating]
    b: NDArray[np.floating]
    engine: str
    engine_reason: Msg
    interrupted: bool = False
    stopped_at: tuple[int, int] | None = None
    resumed_from: int | None = None

    @property
    def history(self) -> list[EpochRecord]:
        return self.state.history


class TrainingProgress:
    """Receives what the loop does; subclass and override what you need (all no-ops here).

    The command line passes a rich progress bar; tests pass recorders. Raising
    ``KeyboardInterrupt`` from a hook stops training as Ctrl-C does.
    """

    def on_train_begin(self, *, epochs: int, batches_per_epoch: int, start_epoch: int) -> None:
        """Before the first batch; ``start_epoch`` epochs are already done (resume)."""

    def on_batch_end(self, epoch: int, batch: int, loss: float) -> None:
        """After the update of batch ``batch`` (1-based) of epoch ``epoch`` (1-based);
        ``loss`` is the batch's loss before the update."""

    def on_epoch_end(self, record: EpochRecord) -> None:
        """After an epoch, its evaluation and its checkpoint."""

    def on_train_end(self, result: TrainResult) -> None:
        """After the last batch, also when interrupted."""


def fit_sgd(
    X: NDArray[Any],
    y: NDArray[np.integer],
    config: SGDConfig | None = None,
    state: TrainState | None = None,
    *,
    engine: str | EngineSpec = "auto",
    order: Order = None,
    transform: Transform | None = None,
    evaluate: Evaluate | None = None,
    progress: TrainingProgress | None = None,
    checkpoint: str | os.PathLike[str] | None = None,
    clock: Callable[[], float] = time.perf_counter,
) -> TrainResult:
    """Mini-batch SGD on the mean cross-entropy of ``softmax(X @ W.T + b)``.

    Parameters
    ----------
    X : ndarray of shape (N, D), any real dtype (uint8 images, float32, a memmap)
        Never copied as a whole: each batch is read and converted on its own.
    y : ndarray of shape (N,), class indices in [0, K)
    config : SGDConfig, default SGDConfig()
    state : TrainState, optional
        Where to start: :meth:`TrainState.initial` for given weights, a loaded checkpoint or
        an earlier result's ``state`` to continue (a checkpoint's settings must match).
        Default: nn.Linear's initialisation with a fresh seed. Not modified.
    engine : {"auto", "native", "fused", "reference", "torch"} or EngineSpec
        How a step is computed (:mod:`handprop.train.engines`); all give the same steps.
    order : array of row indices or callable, optional
        The rows to train on (default: all), shuffled every epoch with the state's generator
        when ``config.shuffle``; or ``order(epoch) -> rows`` (epoch 0-based) for a given order.
    transform : callable, optional
        ``transform(raw, out)`` preprocesses each batch (a fitted Normalizer); a transform
        with a ``divisor`` (``Normalizer("scale")``) is folded into the step by the native
        and fused engines.
    evaluate : callable, optional
        ``evaluate(W, b) -> {"name": value}`` on the kept model after every epoch (e.g.
        :func:`~handprop.train.scoring.test_metrics`); its time is not in ``seconds``.
    progress : TrainingProgress, optional
    checkpoint : path, optional
        The state is written there atomically after every epoch.
    clock : callable returning seconds

    Returns
    -------
    TrainResult

    Raises
    ------
    TrainingDivergedError
        The loss became NaN or infinite; ``err.state`` is the last good state, and the
        message names the epoch, the batch and the likely cause.
    """
    config = config or SGDConfig()
    y, rows = _labels(X, y), _rows(order)
    n_train = X.shape[0] if rows is None else rows.shape[0]
    state, resumed_from = _start(state, X, y, n_train, config)
    eng, why = make_engine(engine, X, y, state.W.shape[0], config, transform)
    eng.load(state)
    rng, n_batches = state.generator(), -(-n_train // config.batch_size)
    run = _Run(eng, config, state, rng, n_batches, progress or TrainingProgress(), clock)
    run.progress.on_train_begin(
        epochs=config.epochs, batches_per_epoch=n_batches, start_epoch=state.epoch
    )
    with _sigint_deferred() as stop, np.errstate(all="ignore"), _blas_threads(eng.blas_threads):
        try:
            for epoch in range(state.epoch, config.epochs):
                epoch_rows = _epoch_rows(order, rows, X.shape[0], config.shuffle, rng, epoch)
                seconds, running = run.epoch(epoch, epoch_rows, stop)
                record = EpochRecord(epoch + 1, *running, seconds)
                if evaluate is not None:
                    record.metrics = {k: float(v) for k, v in evaluate(*state.model()).items()}
                state.history.append(record)
                if checkpoint is not None and is_primary():  # one writer in a process group
                    state.settings = _settings(config, n_train, state)
                    state.save(checkpoint)
                run.progress.on_epoch_end(record)
                if stop.requested:
                    raise KeyboardInterrupt
        except KeyboardInterrupt:
            run.interrupted = True
            run.sync()
    W, b = (np.array(a) for a in state.model())
    stopped_at = run.stopped_at if run.interrupted else None
    result = TrainResult(state, W, b, eng.name, why, run.interrupted, stopped_at, resumed_from)
    run.progress.on_train_end(result)
    return result


class _Run:
    """One run's moving parts: the engine, the state it updates, the iterate average."""

    def __init__(
        self,
        engine: Engine,
        config: SGDConfig,
        state: TrainState,
        rng: np.random.Generator,
        n_batches: int,
        progress: TrainingProgress,
        clock: Callable[[], float],
    ) -> None:
        self.engine, self.config, self.state, self.rng = engine, config, state, rng
        self.n_batches, self.progress, self.clock = n_batches, progress, clock
        self.total_steps = max(1, config.epochs * n_batches)
        self.average: IterateAverage | None = None
        self.good_step = state.step  # updates made before the last weights known to be good
        self.interrupted = False
        self.stopped_at: tuple[int, int] | None = None

    def epoch(
        self, epoch: int, rows: NDArray[np.intp], stop: _StopFlag
    ) -> tuple[float, tuple[float, float]]:
        """Train one epoch over ``rows``: its seconds and its running (loss, accuracy).

        The loss is checked to be finite every ``engine.check_every`` batches (every batch
        on the CPU; an engine whose numbers live on a GPU checks less often, sparing a wait
        for the device at every batch) and at the end of the epoch.
        """
        eng, config, state = self.engine, self.config, self.state
        # averaging leaves out the first average * n_batches steps of the whole run
        start = config.average
        from_batch = math.inf if start is None else start * self.n_batches - epoch * self.n_batches
        loss_sum, correct, n_rows, pending = 0.0, 0, 0, 0.0
        j, batch = 0, None  # an order may give an epoch no rows
        t0 = self.clock()
        with contextlib.closing(eng.batches(rows)) as batches:
            for j, batch in enumerate(batches):
                loss, n_correct = eng.step(batch, config.lr_at(state.step, self.total_steps))
                pending += loss
                if (j + 1) % eng.check_every == 0:
                    self._check(pending, epoch + 1, j + 1, batch)
                    pending = 0.0
                if j >= from_batch:
                    self._accumulate()
                state.step += 1
                loss_sum, correct = loss_sum + loss * batch.n, correct + n_correct
                n_rows += batch.n
                self.stopped_at = (epoch + 1, j + 1)
                self.progress.on_batch_end(epoch + 1, j + 1, loss)
                if stop.requested:
                    raise KeyboardInterrupt
        self._check(pending, epoch + 1, j + 1, batch)
        seconds = self.clock() - t0
        self.sync()
        if not (np.isfinite(state.W).all() and np.isfinite(state.b).all()):
            self._diverged(math.inf, epoch + 1, self.n_batches, batch)
        state.epoch = epoch + 1
        return seconds, (float(loss_sum) / max(n_rows, 1), float(correct) / max(n_rows, 1))

    def _check(self, pending: Any, epoch: int, batch: int, last: Any) -> None:
        """Raise TrainingDivergedError unless the losses since the last check (their sum
        ``pending``) are finite; else mark the weights before the last update as good."""
        value = float(pending)
        if not math.isfinite(value):
            self._diverged(value, epoch, batch, last)
        self.good_step = self.state.step
        self.engine.checked()

    def _accumulate(self) -> None:
        if self.average is None:
            state = self.state
            start = None if state.average is None else (*state.average, state.n_averaged)
            self.average = IterateAverage(self.engine.params(), start)
        self.average.update(self.engine.params())

    def sync(self) -> None:
        """Copy the engine's numbers and the generator into the state."""
        state = self.state
        state.W, state.b, *velocity = self.engine.dump()
        state.velocity = (velocity[0], velocity[1])
        state.rng_state = dict(self.rng.bit_generator.state)
        if self.average is not None:
            state.average = self.average.weights(*state.W.shape)
            state.n_averaged = self.average.count

    def _diverged(self, loss: float, epoch: int, batch: int, last: Any) -> None:
        """Raise TrainingDivergedError with the last good state and the likely cause.

        The last good state is the iterate whose loss was last seen finite; its running
        average is left out, as it may hold the iterates after it.
        """
        self.sync()
        W, b = self.engine.previous()
        good = dataclasses.replace(
            self.state, W=W, b=b, step=self.good_step, average=None, n_averaged=0
        )
        x = self.engine.inputs(last)
        x_max = float(np.max(np.abs(x))) if x.size else 0.0
        cause = (
            Msg("train.cause.unscaled", x_max=f"{x_max:g}")
            if not x_max <= 10
            else Msg("train.cause.lr", lr=f"{self.config.lr:g}")
        )
        err = TrainingDivergedError(
            "train.diverged", value=str(loss), epoch=epoch, batch=batch, cause=cause
        )
        err.state, err.engine, err.stopped_at = good, self.engine.name, (epoch, batch)
        raise err


def _labels(X: NDArray[Any], y: NDArray[np.integer]) -> NDArray[np.intp]:
    labels: NDArray[np.intp] = np.asarray(y, dtype=np.intp)
    if X.ndim != 2 or labels.shape != (X.shape[0],):
        raise InputError(
            "err.must",
            where="train",
            name="X, y",
            expected=Msg("exp.shape", shape="(N, D), (N,)"),
            got=f"{X.shape}, {labels.shape}",
        )
    return labels


def _start(
    state: TrainState | None,
    X: NDArray[Any],
    y: NDArray[np.intp],
    n_train: int,
    config: SGDConfig,
) -> tuple[TrainState, int | None]:
    """A working copy of ``state`` (or a fresh one), checked against the data and config."""
    if state is None:
        from handprop.init import initialize

        K = int(y.max()) + 1 if y.size else 1
        W, b = initialize("torch", K, X.shape[1], rng=None, dtype=config.np_dtype)
        return TrainState.initial(W, b, dtype=config.np_dtype), None
    _check_resumable(state, config, n_train, X.shape[1])
    K, D = state.W.shape
    if X.shape[1] != D or (y.size and int(y.max()) >= K):
        raise InputError(
            "err.must",
            where="train",
            name="W, b, y",
            expected=Msg("exp.shape", shape=f"({K}, {X.shape[1]}), ({K},), ({X.shape[0]},)"),
            got=f"{state.W.shape}, {state.b.shape}, {y.shape}",
        )
    dtype = config.np_dtype
    state = dataclasses.replace(
        state,
        W=np.array(state.W, dtype=dtype),
        b=np.array(state.b, dtype=dtype),
        velocity=tuple(np.array(v, dtype=dtype) for v in state.velocity),  # type: ignore[arg-type]
        history=list(state.history),
    )
    return state, state.epoch or None


def _settings(config: SGDConfig, n_train: int, state: TrainState) -> dict[str, Any]:
    K, D = state.W.shape
    data = {"n_samples": int(n_train), "n_features": int(D), "n_classes": int(K)}
    return {"config": dataclasses.asdict(config), "data": data}


def _check_resumable(state: TrainState, config: SGDConfig, n_train: int, D: int) -> None:
    """A state from a checkpoint continues only the run that wrote it, on the same data."""
    if not state.settings:
        return
    mismatch = config.resume_mismatch(state.settings.get("config", {}))
    saved = state.settings.get("data", {})
    for name, now in (("n_samples", n_train), ("n_features", D)):
        if mismatch is None and saved.get(name) != now:
            mismatch = (name, saved.get(name), now)
    if mismatch is not None:
        name, before, got = mismatch
        raise InputError(
            "train.resume_mismatch",
            path=str(state.source or "checkpoint"),
            name=name,
            saved=repr(before),
            got=repr(got),
        )


def _rows(order: Order) -> NDArray[np.intp] | None:
    """The training rows when ``order`` is an array of them, else None."""
    if order is None or callable(order):
        return None
    return np.asarray(order, dtype=np.intp)


def _epoch_rows(
    order: Order,
    rows: NDArray[np.intp] | None,
    N: int,
    shuffle: bool,
    rng: np.random.Generator,
    epoch: int,
) -> NDArray[np.intp]:
    """The rows of epoch ``epoch`` (0-based), in the order they are trained on."""
    if callable(order):
        return np.asarray(order(epoch), dtype=np.intp)
    if rows is not None:
        return rows[rng.permutation(rows.shape[0])] if shuffle else rows
    return rng.permutation(N) if shuffle else np.arange(N)


# --------------------------------------------------------------------------- the machine


class _StopFlag:
    requested = False


@contextlib.contextmanager
def _sigint_deferred() -> Iterator[_StopFlag]:
    """While active, the first SIGINT only sets ``flag.requested``; a second one interrupts.

    Only in the main thread and only when Python's default handler is installed (somebody
    else's handler is never replaced).
    """
    flag = _StopFlag()
    if not (
        threading.current_thread() is threading.main_thread()
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


_threadpools: Any = None


@contextlib.contextmanager
def _blas_threads(limit: int | None) -> Iterator[None]:
    """Limit the BLAS thread pool to ``limit`` threads inside the block (None: no change).

    The GEMMs of a batch are small: a second thread gains little on an idle machine and loses
    badly when another process holds a core (benchmarks/README.md).
    """
    global _threadpools
    if limit is None:
        yield
        return
    if _threadpools is None:
        from threadpoolctl import ThreadpoolController

        _threadpools = ThreadpoolController()
    with _threadpools.limit(limits=limit, user_api="blas"):
        yield
