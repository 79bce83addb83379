"""handprop: softmax classification you can train by hand and at scale.

The same few functions (:mod:`handprop.functional`) compute a 3x3 example on paper and train a
784x10 classifier; every intermediate can be shown (:func:`handprop.trace`, whose module is
:mod:`handprop.tracing`) and checked.
"""

from __future__ import annotations

from typing import Any

from handprop._version import __version__
from handprop.tracing import StepRecord, Trace, trace

__all__ = ["SoftmaxRegression", "StepRecord", "Trace", "__version__", "trace"]


def __getattr__(name: str) -> Any:
    # Lazy, so that `import handprop` stays cheap for the command line.
    if name == "SoftmaxRegression":
        from handprop.model import SoftmaxRegression

        return SoftmaxRegression
    raise AttributeError(f"module 'handprop' has no attribute {name!r}")
