"""``SGDConfig``: the settings of a training run, checked once, and the home of their defaults.

Everything that decides which weights a run produces, apart from the data, the initial state
and the engine, is here: the step size and its schedule, the batch size, the number of epochs,
momentum, weight decay, iterate averaging, the compute dtype and shuffling. The defaults are
those of :class:`handprop.model.SoftmaxRegression` and of ``handprop train`` (which read them
from here). ``dataclasses.asdict(config)`` is what a checkpoint records and compares on resume.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from handprop.errors import InputError
from handprop.validation import describe, nonnegative_float, positive_float, positive_int

LR_SCHEDULES = ("constant", "linear", "cosine")
DTYPES = ("float32", "float64")


@dataclass(frozen=True)
class SGDConfig:
    """Mini-batch SGD on the mean cross-entropy, as ``torch.optim.SGD`` with a ``DataLoader``.

    Parameters
    ----------
    lr : float, default 0.1
        Step size, > 0 (the torch default's 0.1).
    batch_size : int, default 48
        Rows per step; the last batch of an epoch is smaller when it does not divide N.
    epochs : int, default 10
        Passes over the training rows.
    momentum : float, default 0.9
        ``v <- momentum v + g; W <- W - lr v`` (:func:`handprop.functional.sgd_step`).
    weight_decay : float, default 0.0
        L2 penalty added to the gradient: ``g = dW + weight_decay W``.
    lr_schedule : {"constant", "linear", "cosine"}, default "constant"
        The step size at step s of T = epochs x batches (:meth:`lr_at`).
    average : float or None, default 0.5
        Polyak-Ruppert averaging: once ``average`` epochs are done (0.5: half of the first;
        0: from the first step), the model is the running mean of the weights after each
        further step, while SGD continues from its own iterate. None: the last iterate.
    dtype : {"float32", "float64"}, default "float32"
        Compute precision of the weights and batches.
    shuffle : bool, default True
        Draw a new order of the rows for every epoch.

    Notes
    -----
    Why these defaults: with a constant step SGD soon hovers around the minimum at a distance
    set by the gradient noise, and the mean of the hovering iterates sits much closer to it,
    without a schedule that needs to know the run's length; the small batch gives small data
    sets enough steps (benchmarks/README.md, benchmarks/ACCURACY.md).

    Every value is checked when the config is made (:func:`checked_config` names the caller
    and the options in the message); a bad one raises InputError.
    """

    lr: float = 0.1
    batch_size: int = 48
    epochs: int = 10
    momentum: float = 0.9
    weight_decay: float = 0.0
    lr_schedule: str = "constant"
    average: float | None = 0.5
    dtype: str = "float32"
    shuffle: bool = True

    def __post_init__(self) -> None:
        for name, value in _checked(vars(self), "SGDConfig", str).items():
            object.__setattr__(self, name, value)

    def lr_at(self, step: int, total_steps: int) -> float:
        """The step size of update ``step`` (0-based) of ``total_steps``.

        ``lr`` (constant), ``lr (1 - s/T)`` (linear decay to 0) or ``lr (1 + cos(pi s/T)) / 2``
        (cosine). A decay lets SGD settle instead of hovering at the noise level.
        """
        if self.lr_schedule == "linear":
            return self.lr * (1.0 - step / total_steps)
        if self.lr_schedule == "cosine":
            return self.lr * 0.5 * (1.0 + math.cos(math.pi * step / total_steps))
        return self.lr

    @property
    def np_dtype(self) -> type[np.floating[Any]]:
        """``dtype`` as a NumPy scalar type (np.float32 or np.float64)."""
        return np.float64 if self.dtype == "float64" else np.float32

    def resume_mismatch(self, saved: Mapping[str, Any]) -> tuple[str, Any, Any] | None:
        """The first setting in which ``saved`` (a checkpoint's ``asdict``) differs from this
        config, as ``(name, saved, now)``, or None when this run continues that one.

        ``epochs`` may grow under a constant step (train longer); a schedule depends on the
        planned length, so there it must match too.
        """
        for name, value in dataclasses.asdict(self).items():
            if name == "epochs" and self.lr_schedule == "constant":
                continue
            if saved.get(name) != value:
                return name, saved.get(name), value
        return None


def checked_config(
    values: Mapping[str, Any], where: str, label: Callable[[str], str] = str
) -> SGDConfig:
    """An SGDConfig from ``values`` (names of its fields; the rest take the defaults).

    The checks are the config's own; a bad value's message says ``where`` and names the value
    as ``label(field)`` (the command line passes ``--lr`` for ``lr``).
    """
    unknown = set(values) - {f.name for f in dataclasses.fields(SGDConfig)}
    if unknown:
        raise TypeError(f"SGDConfig has no field {sorted(unknown)[0]!r}")
    return SGDConfig(**_checked(values, where, label))


def _checked(values: Mapping[str, Any], where: str, label: Callable[[str], str]) -> dict[str, Any]:
    out = dict(values)
    for name, check in _CHECKS.items():
        if name in out:
            out[name] = check(out[name], label(name), where)
    return out


def _average(value: Any, name: str, where: str) -> float | None:
    return None if value is None else nonnegative_float(value, name, where)


def _choice(choices: tuple[str, ...]) -> Callable[[Any, str, str], str]:
    def check(value: Any, name: str, where: str) -> str:
        text = np.dtype(value).name if isinstance(value, type) else value
        if text not in choices:
            raise InputError(
                "err.choice", name=name, choices=", ".join(choices), got=describe(value)
            )
        return str(text)

    return check


def _flag(value: Any, name: str, where: str) -> bool:
    return bool(value)


_CHECKS: dict[str, Callable[[Any, str, str], Any]] = {
    "lr": positive_float,
    "batch_size": positive_int,
    "epochs": positive_int,
    "momentum": nonnegative_float,
    "weight_decay": nonnegative_float,
    "lr_schedule": _choice(LR_SCHEDULES),
    "average": _average,
    "dtype": _choice(DTYPES),
    "shuffle": _flag,
}
