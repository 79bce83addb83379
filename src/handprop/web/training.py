"""One training run at a time, in a background thread, watched by the train page.

:class:`TrainingRunner` validates the page's settings with the engine's own checks, loads a data
set that is already on this machine (never downloading: the server sends nothing anywhere),
and runs :func:`handprop.train.fit_sgd` in a daemon thread. The run appends events to a list
that the server streams as server-sent events:

* ``start``: the settings, class names, image shape and the initial weight images;
* ``batch``: the loss of a batch (at most ``POINTS_PER_EPOCH`` per epoch);
* ``epoch``: the training loss and accuracy of the kept model (on at most ``TRAIN_SAMPLE``
  training rows), the running mean of the batch losses, the test loss and accuracy, the time,
  and the K weight images (rows of W scaled to -100..100 by the largest |w|);
* ``done``: interrupted or not, the engine that trained, test accuracy and the confusion matrix on
  the test set;
* ``error``: a message (e.g. the loss diverged), rendered in the listener's language.

A stop request is honoured after the current batch (the progress hook raises
KeyboardInterrupt, which ``fit_sgd`` treats as Ctrl-C: the weights so far are kept). Limits:
``MAX_EPOCHS``, ``MAX_BATCH_SIZE``; a second start while one runs is refused.
"""

from __future__ import annotations

import itertools
import math
import threading
import time
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from handprop.errors import HandpropError, InputError
from handprop.messages import Msg, t
from handprop.train import (
    LR_SCHEDULES,
    TRAIN_SAMPLE,
    SGDConfig,
    TrainingProgress,
    TrainState,
    checked_config,
    combined,
    fit_sgd,
    iter_logits,
    loss_and_accuracy,
    test_metrics,
)
from handprop.web.forms import (
    check_fields,
    int_in_range,
    int_or_text,
    number_or_text,
    require_object,
)

MAX_EPOCHS = 100
MAX_BATCH_SIZE = 4096
MAX_SEED = 2**31 - 1
#: batch losses sent per epoch at most (the rest are skipped, not averaged)
POINTS_PER_EPOCH = 60
#: the normalisations offered (handprop.data.preprocessing.KINDS)
NORMALIZATIONS = ("none", "scale", "center", "standardize")
#: the initialisations offered (names of handprop.init)
INITS = ("torch", "zeros", "normal", "uniform", "xavier", "kaiming")
#: momentum must stay below this (a momentum of 1 never forgets a step)
MAX_MOMENTUM = 0.999

WHERE = "train"


def defaults() -> dict[str, Any]:
    """The page's starting settings: the trainer's defaults (SGDConfig), 10 epochs on ``digits``."""
    return {
        "dataset": "digits",
        "init": "torch",
        "normalize": "scale",
        "lr": SGDConfig.lr,
        "batch_size": SGDConfig.batch_size,
        "epochs": SGDConfig.epochs,
        "momentum": SGDConfig.momentum,
        "seed": 0,
        "lr_schedule": SGDConfig.lr_schedule,
    }


def available_datasets(lang: str = "en") -> list[dict[str, Any]]:
    """The registered data sets with whether each is on this machine (no download offered)."""
    from handprop.data.datasets import DATASETS, dataset_status

    out = []
    for name in DATASETS:
        status = dataset_status(name, lang=lang)
        out.append(
            {
                "name": name,
                "description": status["description"],
                "n_train": status["n_train"],
                "n_test": status["n_test"],
                "n_classes": status["n_classes"],
                "image_shape": status["image_shape"],
                "available": bool(status["available_offline"]),
            }
        )
    return out


def check_settings(data: Any, available: list[str]) -> dict[str, Any]:
    """The page's settings, each checked as the command line checks it.

    ``data`` is an object whose keys are among those of :func:`defaults` (a setting left out
    or null keeps its default; None means all defaults). Raises InputError for anything else
    (not an object, an unknown key, a bad value), naming the setting and what was expected.
    """
    known = tuple(defaults())
    if data is None:
        data = {}
    require_object(data, "settings", WHERE, Msg("web.exp.settings", names=", ".join(known)))
    check_fields(data, known, WHERE)
    s = {**defaults(), **{k: v for k, v in data.items() if v is not None}}
    choices = {
        "dataset": tuple(available),
        "init": INITS,
        "normalize": NORMALIZATIONS,
        "lr_schedule": LR_SCHEDULES,
    }
    for name, allowed in choices.items():
        if s[name] not in allowed:
            raise InputError(
                "err.choice", name=name, choices=", ".join(allowed) or "-", got=repr(s[name])
            )
    sgd = {name: number_or_text(s[name]) for name in ("lr", "momentum")}
    config = checked_config(sgd, WHERE)
    lr, momentum = config.lr, config.momentum
    if momentum > MAX_MOMENTUM:
        raise InputError(
            "err.must",
            where=WHERE,
            name="momentum",
            expected=Msg("exp.range", low=0, high=MAX_MOMENTUM),
            got=str(momentum),
        )
    return {
        "dataset": s["dataset"],
        "init": s["init"],
        "normalize": s["normalize"],
        "lr": lr,
        "batch_size": int_in_range(s["batch_size"], "batch_size", WHERE, 1, MAX_BATCH_SIZE),
        "epochs": int_in_range(s["epochs"], "epochs", WHERE, 1, MAX_EPOCHS),
        "momentum": momentum,
        "seed": int_in_range(int_or_text(s["seed"]), "seed", WHERE, 0, MAX_SEED),
        "lr_schedule": s["lr_schedule"],
    }


def weight_images(W: np.ndarray) -> dict[str, Any]:
    """Rows of W as integers in -100..100 (divided by the largest |w|), for drawing."""
    W = np.asarray(W, dtype=np.float64)
    peak = float(np.max(np.abs(W))) if W.size else 0.0
    scaled = np.zeros_like(W) if peak == 0 or not math.isfinite(peak) else W / peak
    return {"max_abs": peak, "rows": np.rint(100 * scaled).astype(int).tolist()}


@dataclass
class TrainRun:
    """The state of one run: its events (append-only) and its stop flag."""

    run_id: int
    settings: dict[str, Any]
    events: list[dict[str, Any]] = field(default_factory=list)
    stop: threading.Event = field(default_factory=threading.Event)
    finished: threading.Event = field(default_factory=threading.Event)
    lock: threading.Lock = field(default_factory=threading.Lock)
    thread: threading.Thread | None = None

    def emit(self, event: dict[str, Any]) -> None:
        with self.lock:
            event["seq"] = len(self.events)
            self.events.append(event)

    def since(self, index: int) -> list[dict[str, Any]]:
        with self.lock:
            return self.events[index:]

    @property
    def running(self) -> bool:
        return not self.finished.is_set()


class _Progress(TrainingProgress):
    """fit_sgd's progress hooks: batch losses to events, stop requests to KeyboardInterrupt."""

    def __init__(self, run: TrainRun) -> None:
        self.run = run
        self.every = 1
        self.step = 0
        self.batches = 1
        self.images: dict[str, Any] | None = None  # set by the evaluation after each epoch

    def on_train_begin(self, *, epochs: int, batches_per_epoch: int, start_epoch: int) -> None:
        self.batches = batches_per_epoch
        self.every = max(1, math.ceil(batches_per_epoch / POINTS_PER_EPOCH))

    def on_batch_end(self, epoch: int, batch: int, loss: float) -> None:
        self.step += 1
        if batch % self.every == 0 or batch == self.batches:
            self.run.emit(
                {
                    "type": "batch",
                    "epoch": epoch,
                    "batch": batch,
                    "step": self.step,
                    "x": (epoch - 1) + batch / self.batches,
                    "loss": float(loss),
                }
            )
        if self.run.stop.is_set():
            raise KeyboardInterrupt

    def on_epoch_end(self, record: Any) -> None:
        self.run.emit(
            {
                "type": "epoch",
                "epoch": record.epoch,
                "train_loss": record.train_loss,
                "train_accuracy": record.train_accuracy,
                "running_loss": record.running_loss,
                "test_loss": record.test_loss,
                "test_accuracy": record.test_accuracy,
                "seconds": record.seconds,
                "images": self.images,
            }
        )
        if self.run.stop.is_set():
            raise KeyboardInterrupt

    def on_train_end(self, result: Any) -> None:
        pass


def execute(run: TrainRun) -> None:
    """Load the data, train, and record every event of ``run`` (runs in the worker thread)."""
    from handprop.data.datasets import load_dataset
    from handprop.data.preprocessing import Normalizer
    from handprop.init import initialize

    s = run.settings
    try:
        data = load_dataset(s["dataset"], download=False)
        K, D = data.n_classes, data.n_features
        normalizer = Normalizer(s["normalize"], pixel_max=data.pixel_max).fit(data.X_train)
        rng = np.random.default_rng(s["seed"])
        W, b = initialize(s["init"], K, D, rng=rng, dtype=np.float32)
        run.emit(
            {
                "type": "start",
                "settings": s,
                "classes": data.classes,
                "image_shape": list(data.image_shape) if data.image_shape else None,
                "n_train": int(data.X_train.shape[0]),
                "n_test": int(data.X_test.shape[0]),
                "epochs": s["epochs"],
                "images": weight_images(W),
            }
        )
        progress = _Progress(run)

        def images(W_now: np.ndarray, b_now: np.ndarray) -> dict[str, float]:
            """Keeps the kept model's weight images for the epoch event (no metrics)."""
            progress.images = weight_images(W_now)
            return {}

        config = SGDConfig(
            **{k: s[k] for k in ("lr", "batch_size", "epochs", "momentum", "lr_schedule")}
        )
        result = fit_sgd(
            data.X_train,
            data.y_train,
            config,
            TrainState.initial(W, b, rng=rng),
            transform=normalizer,
            evaluate=combined(
                test_metrics(
                    data.X_train, data.y_train, normalizer, prefix="train", max_rows=TRAIN_SAMPLE
                ),
                test_metrics(data.X_test, data.y_test, normalizer),
                images,
            ),
            progress=progress,
            clock=time.perf_counter,
        )
        predicted = np.empty(data.X_test.shape[0], dtype=np.intp)
        for rows, Z in iter_logits(data.X_test, result.W, result.b, transform=normalizer):
            predicted[rows] = Z.argmax(axis=1)
        truth = np.asarray(data.y_test, dtype=np.intp)
        confusion = np.bincount(truth * K + predicted, minlength=K * K).reshape(K, K)
        loss, acc = loss_and_accuracy(data.X_test, truth, result.W, result.b, transform=normalizer)
        run.emit(
            {
                "type": "done",
                "interrupted": bool(result.interrupted),
                "epochs_completed": result.state.epoch,
                "steps": result.state.step,
                "engine": result.engine,
                "test_loss": loss,
                "test_accuracy": acc,
                "confusion": confusion.tolist(),
                "classes": data.classes,
                "images": weight_images(result.W),
            }
        )
    except HandpropError as err:
        run.emit({"type": "error", "error": err})
    except Exception as err:  # a bug: report it on the page rather than lose it in a thread
        run.emit(
            {
                "type": "error",
                "error": HandpropError("err.bug", kind=type(err).__name__, detail=str(err)),
            }
        )
    finally:
        run.finished.set()


def localize_event(event: dict[str, Any], lang: str) -> dict[str, Any]:
    """``event`` with its texts in ``lang``: the figures as shown, an error's message, and for
    the confusion matrix each row's shares and each cell's description."""
    from handprop.render._common import fixed, percent

    out = dict(event)
    err = out.get("error")
    if isinstance(err, HandpropError):
        out["error"] = err.message(lang)
    for name in ("train_loss", "running_loss", "test_loss"):
        if isinstance(out.get(name), float):
            out[name + "_text"] = fixed(out[name], 4)
    for name in ("train_accuracy", "test_accuracy"):
        if isinstance(out.get(name), float):
            out[name + "_text"] = percent(out[name], 3)
    confusion = out.get("confusion")
    if confusion is not None:
        counts = np.asarray(confusion, dtype=np.int64)
        totals = np.maximum(counts.sum(axis=1, keepdims=True), 1)
        rates = counts / totals
        names = out["classes"]
        out["confusion_rates"] = np.round(rates, 4).tolist()
        out["confusion_text"] = [
            [
                t(
                    "web.train.cell",
                    lang,
                    true=names[i],
                    pred=names[j],
                    n=int(counts[i, j]),
                    share=percent(rates[i, j], 3),
                )
                for j in range(counts.shape[1])
            ]
            for i in range(counts.shape[0])
        ]
    return out


class TrainingRunner:
    """Holds the current run; starts one at a time, stops it, hands out its events."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._ids = itertools.count(1)
        self.current: TrainRun | None = None

    def start(self, settings: dict[str, Any]) -> TrainRun:
        """Start a run with checked ``settings``; InputError ``web.err.busy`` if one runs."""
        with self._lock:
            if self.current is not None and self.current.running:
                raise InputError("web.err.busy")
            run = TrainRun(next(self._ids), settings)
            run.thread = threading.Thread(
                target=execute, args=(run,), name=f"handprop-train-{run.run_id}", daemon=True
            )
            self.current = run
            run.thread.start()
            return run

    def stop(self) -> TrainRun | None:
        """Ask the current run to stop after its current batch; returns it (or None)."""
        run = self.current
        if run is not None:
            run.stop.set()
        return run

    def get(self, run_id: int) -> TrainRun | None:
        run = self.current
        return run if run is not None and run.run_id == run_id else None

    def shutdown(self, timeout: float = 5.0) -> None:
        """Stop the current run and wait for its thread (server shutdown)."""
        run = self.stop()
        if run is not None and run.thread is not None:
            run.thread.join(timeout)
