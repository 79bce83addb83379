"""``TrainState``: where a training run stands, in one value, and its checkpoint files.

The state owns the numbers (the SGD iterate, its momentum buffers, the running mean of
iterate averaging, the counters, the data-order generator and the per-epoch history); an
engine owns how a step is computed from them (:mod:`handprop.train.engines`). The loop
(:func:`handprop.train.fit_sgd`) takes a state and returns the state it reached, so training
continues from any state: a checkpoint, ``SoftmaxRegression.partial_fit``, the last good
state of a run that diverged.

Checkpoints are ``.npz`` archives read with ``allow_pickle=False``: the arrays and a JSON
record (format name, version, counters, generator state, history, and the settings and data
shape of the run that wrote them), written atomically. Version 1 files, written before the
trainer had a state, load as well.
"""

from __future__ import annotations

import io
import json
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from handprop.errors import FileFormatError, InputError
from handprop.fileio import atomic_write, read_npz_arrays
from handprop.messages import Msg

CHECKPOINT_FORMAT = "handprop-checkpoint"
CHECKPOINT_VERSION = 2
#: the record keys of an epoch that are not measurements of the kept model
_RECORD_FIELDS = ("epoch", "running_loss", "running_accuracy", "seconds")

Array = NDArray[np.floating]


@dataclass
class EpochRecord:
    """What one epoch did.

    ``running_loss`` and ``running_accuracy`` are the mean over the epoch's batches of the loss
    and accuracy each batch had just before its update (free, as the step has the logits, but
    of a model that moved during the epoch). ``metrics`` holds what was measured on the kept
    model after the epoch (the averaged weights when averaging): ``train_loss``,
    ``train_accuracy``, ``val_loss``, ``val_accuracy``, ``test_loss``, ``test_accuracy``, or
    any other name an ``evaluate`` callback gives. ``seconds`` is the time of the SGD steps
    only.
    """

    epoch: int
    running_loss: float
    running_accuracy: float
    seconds: float
    metrics: dict[str, float] = field(default_factory=dict)

    @property
    def train_loss(self) -> float | None:
        return self.metrics.get("train_loss")

    @property
    def train_accuracy(self) -> float | None:
        return self.metrics.get("train_accuracy")

    @property
    def val_loss(self) -> float | None:
        return self.metrics.get("val_loss")

    @property
    def val_accuracy(self) -> float | None:
        return self.metrics.get("val_accuracy")

    @property
    def test_loss(self) -> float | None:
        return self.metrics.get("test_loss")

    @property
    def test_accuracy(self) -> float | None:
        return self.metrics.get("test_accuracy")

    def to_dict(self) -> dict[str, Any]:
        """One flat record: the four fields, then each metric by its name."""
        return {name: getattr(self, name) for name in _RECORD_FIELDS} | dict(self.metrics)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> EpochRecord:
        """The inverse of :meth:`to_dict`."""
        return cls(
            epoch=int(data["epoch"]),
            running_loss=float(data["running_loss"]),
            running_accuracy=float(data["running_accuracy"]),
            seconds=float(data["seconds"]),
            metrics={str(k): float(v) for k, v in data.items() if k not in _RECORD_FIELDS},
        )


@dataclass
class TrainState:
    """Where training stands after ``epoch`` epochs and ``step`` SGD updates.

    Attributes
    ----------
    W : ndarray of shape (K, D), b : ndarray of shape (K,)
        The SGD iterate (float32 or float64), from which training continues.
    velocity : (ndarray (K, D), ndarray (K,))
        The momentum buffers of W and b (zeros without momentum).
    average : (ndarray (K, D), ndarray (K,)) or None
        The running mean of the ``n_averaged`` iterates since averaging began; None before.
    n_averaged : int
    epoch : int
        Epochs completed.
    step : int
        SGD updates made in all.
    rng_state : dict or None
        The state of the generator that draws the data order (``bit_generator.state``); None
        draws fresh entropy.
    history : list of EpochRecord
        One record per completed epoch.
    settings : dict
        The run that produced this state: ``{"config": asdict(SGDConfig), "data":
        {"n_samples", "n_features", "n_classes"}}``; empty for a fresh state.
    source : str or None
        The checkpoint file it was loaded from, for messages.
    """

    W: Array
    b: Array
    velocity: tuple[Array, Array]
    average: tuple[Array, Array] | None = None
    n_averaged: int = 0
    epoch: int = 0
    step: int = 0
    rng_state: dict[str, Any] | None = None
    history: list[EpochRecord] = field(default_factory=list)
    settings: dict[str, Any] = field(default_factory=dict)
    source: str | None = field(default=None, compare=False)

    @classmethod
    def initial(
        cls,
        W: NDArray[Any],
        b: NDArray[Any],
        *,
        rng: np.random.Generator | int | None = None,
        dtype: Any = None,
    ) -> TrainState:
        """A fresh state at the weights ``W : (K, D)``, ``b : (K,)``, copied (to ``dtype``;
        default: W's own float dtype, float32 for other arrays).

        ``rng`` (a seed or a generator, whose current state is taken) will draw the data
        order; the velocity starts at zeros.
        """
        if dtype is None:
            dtype = W.dtype if isinstance(W, np.ndarray) and W.dtype.kind == "f" else np.float32
        W, b = np.array(W, dtype=dtype), np.array(b, dtype=dtype)
        if not isinstance(rng, np.random.Generator):
            rng = np.random.default_rng(rng)
        rng_state = dict(rng.bit_generator.state)
        return cls(W, b, (np.zeros_like(W), np.zeros_like(b)), rng_state=rng_state)

    def model(self) -> tuple[Array, Array]:
        """The weights the model is: the running mean once it has one, else the iterate."""
        return self.average if self.average is not None else (self.W, self.b)

    def generator(self) -> np.random.Generator:
        """A generator in ``rng_state`` (fresh entropy when there is none)."""
        if self.rng_state is None:
            return np.random.default_rng()
        bit_generator = getattr(np.random, str(self.rng_state["bit_generator"]))()
        bit_generator.state = self.rng_state
        return np.random.Generator(bit_generator)

    def save(self, path: str | os.PathLike[str]) -> None:
        """Write the state to ``path`` (``.npz``, atomically: the old file stays until done)."""
        meta = {
            "format": CHECKPOINT_FORMAT,
            "version": CHECKPOINT_VERSION,
            "epoch": self.epoch,
            "step": self.step,
            "n_averaged": self.n_averaged,
            "rng_state": self.rng_state,
            "history": [r.to_dict() for r in self.history],
            "settings": self.settings,
        }
        arrays: dict[str, NDArray[Any]] = {
            "W": self.W,
            "b": self.b,
            "velocity_W": self.velocity[0],
            "velocity_b": self.velocity[1],
        }
        if self.average is not None:
            arrays |= {"average_W": self.average[0], "average_b": self.average[1]}
        arrays["meta"] = np.array(json.dumps(meta, allow_nan=False))
        buf = io.BytesIO()
        np.savez(buf, **arrays)  # type: ignore[arg-type]  # numpy's stub: **kwds as allow_pickle
        with atomic_write(path) as handle:
            handle.write(buf.getvalue())

    @classmethod
    def load(cls, path: str | os.PathLike[str]) -> TrainState:
        """Read a checkpoint written by :meth:`save` (or by handprop before version 2).

        Nothing is unpickled; every part is checked, and a file that is not a usable
        checkpoint raises FileFormatError naming the file and what is wrong.
        """
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
            version = meta.get("version")
            if version not in (1, CHECKPOINT_VERSION):
                raise bad(Msg("train.problem.version", got=repr(version)))
            state = _from_parts(arrays, meta if version == 2 else _meta_from_v1(meta), bad)
        except FileFormatError:
            raise
        except Exception as exc:  # malformed JSON or fields of the wrong type
            raise bad(Msg("train.problem.meta", detail=type(exc).__name__)) from None
        state.source = str(path)
        return state


def _from_parts(
    arrays: Mapping[str, NDArray[Any]], meta: Mapping[str, Any], bad: Callable[[Msg], Exception]
) -> TrainState:
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
    if "average_W" in arrays or "average_b" in arrays or meta.get("n_averaged"):
        aW, ab = arrays.get("average_W"), arrays.get("average_b")
        if aW is None or ab is None or aW.shape != W.shape or ab.shape != b.shape:
            raise bad(Msg("train.problem.shapes"))
        if not (np.isfinite(aW).all() and np.isfinite(ab).all()):
            raise bad(Msg("train.problem.nonfinite"))
        average = (aW, ab)
    return TrainState(
        W=W,
        b=b,
        velocity=(vW, vb),
        average=average,
        n_averaged=int(meta.get("n_averaged") or 0),
        epoch=int(meta["epoch"]),
        step=int(meta["step"]),
        rng_state=dict(meta["rng_state"]),
        history=[EpochRecord.from_dict(r) for r in meta["history"]],
        settings=dict(meta["settings"]),
    )


def _meta_from_v1(meta: Mapping[str, Any]) -> dict[str, Any]:
    """A version-1 record (flat settings, running figures named loss/train_accuracy) as v2."""
    old = dict(meta["settings"])
    config = {
        name: old.get(name)
        for name in ("lr", "batch_size", "epochs", "momentum", "weight_decay", "lr_schedule")
    } | {"average": old.get("average"), "dtype": old.get("dtype"), "shuffle": old.get("shuffle")}
    data = {name: old.get(name) for name in ("n_samples", "n_features", "n_classes")}
    history = []
    for r in meta["history"]:
        metrics = dict(r.get("metrics") or {})
        for name in ("val_loss", "val_accuracy"):
            if r.get(name) is not None:
                metrics[name] = r[name]
        history.append(
            {
                "epoch": r["epoch"],
                "running_loss": r["loss"],
                "running_accuracy": r["train_accuracy"],
                "seconds": r["seconds"],
                **metrics,
            }
        )
    return {
        **meta,
        "step": meta["steps"],
        "history": history,
        "settings": {"config": config, "data": data},
    }
