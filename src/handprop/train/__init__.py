"""Mini-batch SGD for softmax regression: one config, one state, engines, a short loop.

The public entry::

    from handprop.train import SGDConfig, TrainState, fit_sgd

    state = TrainState.initial(W, b, rng=0)          # W : (K, D), b : (K,)
    result = fit_sgd(X, y, SGDConfig(epochs=3), state)
    result.W, result.b                               # the model; result.state continues

========================= ================================================================
module                    what it holds
========================= ================================================================
:mod:`.config`            :class:`SGDConfig`: the settings, checked once, and their defaults
:mod:`.state`             :class:`TrainState`, :class:`EpochRecord`, checkpoint files
:mod:`.engines`           the :class:`~handprop.train.engines.Engine` protocol and the
                          reference, fused, native and torch engines
:mod:`.averaging`         :class:`IterateAverage` (Polyak-Ruppert averaging)
:mod:`.loop`              :func:`fit_sgd`, :class:`TrainResult`, :class:`TrainingProgress`
:mod:`.scoring`           loss and accuracy on whole data sets; :func:`test_metrics`
========================= ================================================================
"""

from handprop.train.averaging import IterateAverage
from handprop.train.config import LR_SCHEDULES, SGDConfig, checked_config
from handprop.train.engines import ENGINES, EngineSpec
from handprop.train.loop import TrainingProgress, TrainResult, fit_sgd
from handprop.train.scoring import (
    EVAL_CHUNK,
    TRAIN_SAMPLE,
    Transform,
    combined,
    iter_logits,
    loss_and_accuracy,
    test_metrics,
    validation_split,
)
from handprop.train.state import EpochRecord, TrainState

__all__ = [
    "ENGINES",
    "EVAL_CHUNK",
    "LR_SCHEDULES",
    "TRAIN_SAMPLE",
    "EngineSpec",
    "EpochRecord",
    "IterateAverage",
    "SGDConfig",
    "TrainResult",
    "TrainState",
    "TrainingProgress",
    "Transform",
    "checked_config",
    "combined",
    "fit_sgd",
    "iter_logits",
    "loss_and_accuracy",
    "test_metrics",
    "validation_split",
]
