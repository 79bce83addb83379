"""How one SGD step is computed: the :class:`Engine` protocol and the engines behind it.

Every engine computes the same step of the worked example on a batch of rows, through the
formulas of :mod:`handprop.functional`::

    Z = linear(X_b, W, b)            # (n, K)   logits
    L = cross_entropy(Z, y_b)        # scalar   mean over the batch (checked to be finite)
    A = softmax(Z)                   # (n, K)
    d = delta(A, y_b)                # (n, K)   (A - Y) / n
    dW, db = param_gradients(X_b, d) # (K, D), (K,)
    W, b = sgd_step(W, dW, ...), sgd_step(b, db, ...)   # torch.optim.SGD semantics

========== ============================================================================
engine     how
========== ============================================================================
reference  :class:`ReferenceEngine`: one :mod:`handprop.functional` call per formula
fused      :class:`FusedEngine`: the same quantities in fewer, allocation-free NumPy passes
native     :class:`NativeEngine`: the gradient in one compiled pass over the batch's rows,
           read straight from X (:mod:`handprop._native`); the update is ``sgd_step``
torch      :class:`~handprop.train.engines.torch.TorchEngine`: the formulas transcribed on
           PyTorch tensors (:mod:`handprop.torch_backend`), on any device
========== ============================================================================

The fast engines are held equal to the reference by the tests (tests/test_fast_path.py,
tests/test_native.py, tests/test_golden_train.py). An engine owns how a step is computed and
the buffers that needs; the numbers of the run live in a
:class:`~handprop.train.state.TrainState`, which the loop loads into the engine and reads back.
Iterate averaging and the running loss and accuracy are the loop's, the same for every engine.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import NDArray

from handprop.errors import InputError
from handprop.messages import Msg
from handprop.train.engines.base import Array, Batch, Engine, GradientStep, native_kernel

if TYPE_CHECKING:
    from handprop.train.config import SGDConfig

__all__ = [
    "ENGINES",
    "Array",
    "Batch",
    "Engine",
    "EngineSpec",
    "GradientStep",
    "kernel_threads",
    "make_engine",
    "native_kernel",
]

ENGINES = ("auto", "native", "fused", "reference", "torch")


@dataclass(frozen=True)
class EngineSpec:
    """Which engine to use, with its options (a plain name is ``EngineSpec(name)``).

    ``device`` is the PyTorch device of the torch engine (``"cpu"``, ``"cuda"``, ...; None:
    ``"cuda"`` when available); ``n_jobs`` the threads of the native engine's kernel (None:
    the cores this process may use, shared among the processes of a group on one machine;
    1: one thread, as before it had threads; a given count always gives the same weights);
    ``prefetch`` lets the NumPy engines gather the next batches in
    a helper thread (off by default: on the 2-core machine where it was measured, handing a
    batch between threads cost more than gathering it; benchmarks/README.md). ``options``
    are passed to the engine's constructor as they are (the torch engine's ``resident``,
    ``graphs`` and ``check_every``).
    """

    name: str = "auto"
    device: str | None = None
    n_jobs: int | None = None
    prefetch: bool = False
    options: Mapping[str, Any] = field(default_factory=dict)


def make_engine(
    spec: str | EngineSpec,
    X: NDArray[Any],
    y: NDArray[np.intp],
    K: int,
    config: SGDConfig,
    transform: Any = None,
) -> tuple[Engine, Msg]:
    """The engine ``spec`` asks for, made for ``X : (N, D)``, ``y : (N,)``, ``K`` classes and
    ``config``, and why it was chosen.

    ``"auto"`` takes the native engine where it applies (float32, X a C-contiguous uint8,
    float32 or float64 array, no transform other than a divisor) and the kernel runs its
    AVX2 version; the fused engine otherwise. An explicit ``"native"`` that cannot run is a
    one-line InputError saying why.
    """
    if isinstance(spec, str):
        spec = EngineSpec(spec)
    if spec.name not in ENGINES:
        raise InputError(
            "err.choice", name="engine", choices=", ".join(ENGINES), got=repr(spec.name)
        )
    from handprop.train.engines import parallel

    if parallel.wanted():
        return _data_parallel(spec, X, y, K, config, transform)
    return _make(spec, X, y, K, config, transform)


def _make(
    spec: EngineSpec, X: NDArray[Any], y: NDArray[np.intp], K: int, config: SGDConfig,
    transform: Any,
) -> tuple[Engine, Msg]:  # fmt: skip
    name, why = _resolve(spec.name, X, config, transform)
    divisor = getattr(transform, "divisor", None)
    args = (X, y, K, config)
    if name == "native":
        from handprop.train.engines.native import NativeEngine

        return NativeEngine(*args, divisor=divisor, n_jobs=kernel_threads(spec.n_jobs)), why
    if name == "torch":
        from handprop.train.engines.torch import TorchEngine

        return TorchEngine(*args, transform=transform, device=spec.device, **spec.options), why
    if name == "fused":
        from handprop.train.engines.fused import FusedEngine

        return FusedEngine(*args, transform=transform, prefetch=spec.prefetch), why
    from handprop.train.engines.reference import ReferenceEngine

    return ReferenceEngine(*args, transform=transform, prefetch=spec.prefetch), why


def kernel_threads(value: Any, name: str = "n_jobs", where: str = "train") -> int:
    """The kernel's thread count: ``value`` checked (an integer from 1 to the kernel's
    MAX_THREADS), or for None the cores this process may use."""
    from handprop.train.engines.parallel import local_cores

    kernel = native_kernel()
    most = 64 if kernel is None else int(kernel.MAX_THREADS)
    if value is None:
        return min(local_cores(), most)
    ok = isinstance(value, (int, np.integer)) and not isinstance(value, bool) and 1 <= value <= most
    if not ok:
        raise InputError(
            "err.must",
            where=where,
            name=name,
            expected=Msg("exp.int_range", low=1, high=most),
            got=repr(value),
        )
    return int(value)


def _data_parallel(
    spec: EngineSpec, X: NDArray[Any], y: NDArray[np.intp], K: int, config: SGDConfig,
    transform: Any,
) -> tuple[Engine, Msg]:  # fmt: skip
    """This process's engine, for its share of each batch, inside the process group."""
    import dataclasses

    from handprop.train.engines import parallel

    parallel.check_batch(config.batch_size)
    cuda = spec.name == "torch" and str(spec.device or "").startswith("cuda")
    dist = parallel.start_group(cuda)
    share = -(-config.batch_size // dist.get_world_size())
    inner, why = _make(spec, X, y, K, dataclasses.replace(config, batch_size=share), transform)
    engine = parallel.DataParallel(inner, dist, config.batch_size, X, y)
    return engine, Msg("train.why.parallel", size=dist.get_world_size(), why=why)


def _resolve(name: str, X: NDArray[Any], config: SGDConfig, transform: Any) -> tuple[str, Msg]:
    if name not in ("auto", "native"):
        return name, Msg("train.why.asked", engine=name)
    kernel, reason = native_kernel(), None
    if kernel is None:
        reason = "unbuilt"
    elif config.dtype != "float32":
        reason = "dtype"
    elif transform is not None and getattr(transform, "divisor", None) is None:
        reason = "transform"
    elif (
        not isinstance(X, np.ndarray)
        or X.ndim != 2
        or X.dtype not in (np.uint8, np.float32, np.float64)
        or not X.flags.c_contiguous
    ):
        reason = "input"
    elif name == "auto" and kernel.isa() != "avx2":
        # The portable C version is slower than the NumPy engine's BLAS (benchmarks/kernel.py,
        # benchmarks/README.md): auto takes the kernel only where it is vectorised.
        reason = "isa"
    params = {"dtype": config.dtype if reason == "dtype" else str(getattr(X, "dtype", "?"))}
    if reason is None:
        return "native", Msg("train.why.native")
    if name == "auto":
        return "fused", Msg("train.why.fused", reason=Msg(f"train.why.{reason}", **params))
    raise InputError(
        "err.must",
        where="train",
        name="engine",
        expected=Msg(f"train.native.{reason}", **params),
        got="'native'",
    )
