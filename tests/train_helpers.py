"""One call for the tests: ``fit_sgd`` from initial weights, settings given as keywords.

``run_sgd(X, y, W, b, lr=0.1, ...)`` builds the :class:`SGDConfig` from the keywords that are
its fields (the rest of the config as plain SGD: batch 64, no momentum, no averaging, unless
given), a :class:`TrainState` at ``W, b`` with the generator ``seed``, and passes everything
else to :func:`fit_sgd` unchanged.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from handprop.train import EngineSpec, SGDConfig, TrainState, fit_sgd

PLAIN = {"batch_size": 64, "momentum": 0.0, "average": None}
FIELDS = {f.name for f in dataclasses.fields(SGDConfig)}


def config_of(**values: Any) -> SGDConfig:
    """Plain SGD unless ``values`` say otherwise."""
    return SGDConfig(**{**PLAIN, **values})


def run_sgd(X, y, W, b, *, seed=None, engine="auto", device=None, **kw: Any):
    settings = {k: kw.pop(k) for k in list(kw) if k in FIELDS}
    config = config_of(**settings)
    state = TrainState.initial(W, b, rng=seed, dtype=config.np_dtype)
    spec = EngineSpec(engine, device=device) if isinstance(engine, str) else engine
    return fit_sgd(X, y, config, state, engine=spec, **kw)
