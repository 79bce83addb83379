"""Initial weights ``W : (K, D)`` and bias ``b : (K,)`` for softmax regression.

Each scheme follows the matching ``torch.nn.init`` function, with the layer seen as PyTorch sees
``nn.Linear(D, K).weight``: ``fan_in = D`` (num_features, the inputs of each logit) and
``fan_out = K`` (num_classes). PyTorch's ``nn.init`` functions fill one tensor; here a scheme
returns both parameters, and the bias starts at zero, as after ``nn.init.zeros_(layer.bias)``,
for every scheme except ``torch``, which is exactly ``nn.Linear.reset_parameters`` (weight *and*
bias drawn from ``U(-1/sqrt(fan_in), 1/sqrt(fan_in))``). ``constant`` sets the weight only.

Softmax regression has no hidden layer, so unlike a deep network it also trains from all-zero
weights: each class row gets its own gradient ``delta[:, k] @ X``. The schemes matter for how
fast the first epochs go and for comparing with PyTorch, not for breaking symmetry.

Randomness comes only from ``rng``: a ``numpy.random.Generator``, an integer seed, or ``None``
(fresh OS entropy, not reproducible). Numbers are drawn in float64 and then cast to ``dtype``,
so the same seed gives the same weights (up to rounding) in float32 and float64.

Use :func:`initialize` with a scheme name (``INITIALIZERS`` and ``ALIASES`` list them), or call a
scheme directly::

    W, b = initialize("xavier", 10, 784, rng=0)           # xavier_uniform, float32
    W, b = kaiming_normal(10, 784, rng=np.random.default_rng(1), dtype=np.float64)
"""

from __future__ import annotations

import inspect
import math
from collections.abc import Callable
from typing import Any

import numpy as np
from numpy.typing import DTypeLike, NDArray

from handprop.errors import InputError
from handprop.messages import Msg
from handprop.validation import describe, positive_float, positive_int

Array = NDArray[np.floating]
RngLike = np.random.Generator | int | None

__all__ = [
    "ALIASES",
    "INITIALIZERS",
    "NONLINEARITIES",
    "calculate_gain",
    "constant",
    "fan_in_and_fan_out",
    "initialize",
    "kaiming_normal",
    "kaiming_uniform",
    "normal",
    "options",
    "torch",
    "uniform",
    "xavier_normal",
    "xavier_uniform",
    "zeros",
]

_WHERE = "init"

#: the nonlinearities :func:`calculate_gain` knows, as in ``torch.nn.init.calculate_gain``
NONLINEARITIES = ("linear", "sigmoid", "tanh", "relu", "leaky_relu", "selu")


# --- helpers -------------------------------------------------------------------------------------


def fan_in_and_fan_out(num_classes: int, num_features: int) -> tuple[int, int]:
    """``(fan_in, fan_out) = (D, K)`` for a weight of shape (K, D), as PyTorch computes them."""
    return num_features, num_classes


def calculate_gain(nonlinearity: str = "linear", param: float | None = None) -> float:
    """The recommended gain for a nonlinearity, as ``torch.nn.init.calculate_gain``.

    ========== ===========================
    linear     1
    sigmoid    1
    tanh       5/3
    relu       sqrt(2)
    leaky_relu sqrt(2 / (1 + a^2)), a = ``param`` (negative slope, default 0.01)
    selu       3/4
    ========== ===========================
    """
    name = _choice(nonlinearity, NONLINEARITIES, "nonlinearity")
    if name in ("linear", "sigmoid"):
        return 1.0
    if name == "tanh":
        return 5.0 / 3.0
    if name == "relu":
        return math.sqrt(2.0)
    if name == "selu":
        return 3.0 / 4.0
    slope = 0.01 if param is None else _finite(param, "a")
    return math.sqrt(2.0 / (1.0 + slope**2))


def _choice(value: Any, choices: tuple[str, ...], name: str) -> str:
    if isinstance(value, str) and value in choices:
        return value
    raise InputError("err.choice", name=name, choices=", ".join(choices), got=describe(value))


def _finite(value: Any, name: str) -> float:
    try:
        number = float(value)
    except (TypeError, ValueError):
        number = math.nan
    if isinstance(value, bool) or not math.isfinite(number):
        raise InputError(
            "err.must",
            where=_WHERE,
            name=name,
            expected=Msg("init.exp.finite_number"),
            got=describe(value),
        )
    return number


def _setup(
    num_classes: Any, num_features: Any, rng: RngLike, dtype: DTypeLike
) -> tuple[int, int, np.random.Generator, np.dtype[Any]]:
    K = positive_int(num_classes, "num_classes", _WHERE)
    D = positive_int(num_features, "num_features", _WHERE)
    try:
        dt = np.dtype(dtype)
    except TypeError:
        dt = None
    if dt is None or dt.kind != "f":
        raise InputError(
            "err.choice", name="dtype", choices="float16, float32, float64", got=describe(dtype)
        )
    return K, D, np.random.default_rng(rng), dt


def _uniform(gen: np.random.Generator, bound: float, shape: tuple[int, ...], dt: Any) -> Array:
    # float64 draws, then cast; rounding is monotone, so |w| <= bound rounded to dtype
    return gen.uniform(-bound, bound, size=shape).astype(dt)


def _normal(
    gen: np.random.Generator, mean: float, std: float, shape: tuple[int, ...], dt: Any
) -> Array:
    return gen.normal(mean, std, size=shape).astype(dt)


# --- schemes -------------------------------------------------------------------------------------


def zeros(
    num_classes: int, num_features: int, *, rng: RngLike = None, dtype: DTypeLike = np.float32
) -> tuple[Array, Array]:
    """``W = 0``, ``b = 0`` (``nn.init.zeros_``). ``rng`` is accepted and not used.

    Returns W : ndarray of shape (num_classes, num_features), b : ndarray of shape (num_classes,).
    """
    K, D, _, dt = _setup(num_classes, num_features, rng, dtype)
    return np.zeros((K, D), dtype=dt), np.zeros(K, dtype=dt)


def constant(
    num_classes: int,
    num_features: int,
    *,
    value: float = 0.01,
    rng: RngLike = None,
    dtype: DTypeLike = np.float32,
) -> tuple[Array, Array]:
    """``W = value`` everywhere (``nn.init.constant_(weight, value)``), ``b = 0``.

    ``value`` defaults to 0.01. Every class starts with the same row, so the first logits are equal
    for all classes (uniform probabilities when the bias is 0), as with :func:`zeros`.
    """
    K, D, _, dt = _setup(num_classes, num_features, rng, dtype)
    v = _finite(value, "value")
    return np.full((K, D), v, dtype=dt), np.zeros(K, dtype=dt)


def normal(
    num_classes: int,
    num_features: int,
    *,
    std: float = 0.01,
    mean: float = 0.0,
    rng: RngLike = None,
    dtype: DTypeLike = np.float32,
) -> tuple[Array, Array]:
    """``W ~ N(mean, std^2)`` (``nn.init.normal_``), ``b = 0``. Defaults: mean 0, std 0.01."""
    K, D, gen, dt = _setup(num_classes, num_features, rng, dtype)
    s = positive_float(std, "std", _WHERE)
    m = _finite(mean, "mean")
    return _normal(gen, m, s, (K, D), dt), np.zeros(K, dtype=dt)


def uniform(
    num_classes: int,
    num_features: int,
    *,
    bound: float = 0.01,
    rng: RngLike = None,
    dtype: DTypeLike = np.float32,
) -> tuple[Array, Array]:
    """``W ~ U(-bound, bound)`` (``nn.init.uniform_(weight, -bound, bound)``), ``b = 0``.

    ``bound`` defaults to 0.01; the standard deviation is ``bound / sqrt(3)``.
    """
    K, D, gen, dt = _setup(num_classes, num_features, rng, dtype)
    a = positive_float(bound, "bound", _WHERE)
    return _uniform(gen, a, (K, D), dt), np.zeros(K, dtype=dt)


def _xavier_scale(K: int, D: int, gain: Any, c: float) -> float:
    """``gain * sqrt(c / (fan_in + fan_out))``: the uniform bound (``c = 6``) or the normal std
    (``c = 2``) of Glorot & Bengio; ``gain`` validated here."""
    g = positive_float(gain, "gain", _WHERE)
    fan_in, fan_out = fan_in_and_fan_out(K, D)
    return g * math.sqrt(c / (fan_in + fan_out))


def xavier_uniform(
    num_classes: int,
    num_features: int,
    *,
    gain: float = 1.0,
    rng: RngLike = None,
    dtype: DTypeLike = np.float32,
) -> tuple[Array, Array]:
    """Glorot & Bengio (2010), uniform (``nn.init.xavier_uniform_``); ``b = 0``.

    ``W ~ U(-a, a)`` with ``a = gain * sqrt(6 / (fan_in + fan_out))``, fan_in = num_features,
    fan_out = num_classes. For 784 -> 10: ``a = sqrt(6 / 794) ~ 0.0869``.
    """
    K, D, gen, dt = _setup(num_classes, num_features, rng, dtype)
    a = _xavier_scale(K, D, gain, 6.0)
    return _uniform(gen, a, (K, D), dt), np.zeros(K, dtype=dt)


def xavier_normal(
    num_classes: int,
    num_features: int,
    *,
    gain: float = 1.0,
    rng: RngLike = None,
    dtype: DTypeLike = np.float32,
) -> tuple[Array, Array]:
    """Glorot & Bengio (2010), normal (``nn.init.xavier_normal_``); ``b = 0``.

    ``W ~ N(0, std^2)`` with ``std = gain * sqrt(2 / (fan_in + fan_out))``, fan_in = num_features,
    fan_out = num_classes. For 784 -> 10: ``std = sqrt(2 / 794) ~ 0.0502``.
    """
    K, D, gen, dt = _setup(num_classes, num_features, rng, dtype)
    std = _xavier_scale(K, D, gain, 2.0)
    return _normal(gen, 0.0, std, (K, D), dt), np.zeros(K, dtype=dt)


def _kaiming_std(K: int, D: int, a: Any, mode: Any, nonlinearity: Any) -> float:
    fan_in, fan_out = fan_in_and_fan_out(K, D)
    fan = {"fan_in": fan_in, "fan_out": fan_out}[_choice(mode, ("fan_in", "fan_out"), "mode")]
    gain = calculate_gain(nonlinearity, _finite(a, "a"))
    return gain / math.sqrt(fan)


def kaiming_uniform(
    num_classes: int,
    num_features: int,
    *,
    a: float = 0.0,
    mode: str = "fan_in",
    nonlinearity: str = "leaky_relu",
    rng: RngLike = None,
    dtype: DTypeLike = np.float32,
) -> tuple[Array, Array]:
    """He et al. (2015), uniform (``nn.init.kaiming_uniform_``, same defaults); ``b = 0``.

    ``W ~ U(-bound, bound)`` with ``bound = gain * sqrt(3 / fan)``, ``fan`` = fan_in
    (num_features, default) or fan_out (num_classes) by ``mode``, and
    ``gain = calculate_gain(nonlinearity, a)``; the defaults (leaky_relu with negative slope
    ``a = 0``) give ReLU's ``gain = sqrt(2)``, so ``bound = sqrt(6 / fan_in)``. ``a`` is used only
    by leaky_relu. For 784 -> 10: ``bound = sqrt(6 / 784) ~ 0.0875``.
    """
    K, D, gen, dt = _setup(num_classes, num_features, rng, dtype)
    bound = math.sqrt(3.0) * _kaiming_std(K, D, a, mode, nonlinearity)
    return _uniform(gen, bound, (K, D), dt), np.zeros(K, dtype=dt)


def kaiming_normal(
    num_classes: int,
    num_features: int,
    *,
    a: float = 0.0,
    mode: str = "fan_in",
    nonlinearity: str = "leaky_relu",
    rng: RngLike = None,
    dtype: DTypeLike = np.float32,
) -> tuple[Array, Array]:
    """He et al. (2015), normal (``nn.init.kaiming_normal_``, same defaults); ``b = 0``.

    ``W ~ N(0, std^2)`` with ``std = gain / sqrt(fan)``; ``fan``, ``gain``, ``a`` as in
    :func:`kaiming_uniform`. Defaults: ``std = sqrt(2 / fan_in)``, for 784 -> 10 ``~ 0.0505``.
    """
    K, D, gen, dt = _setup(num_classes, num_features, rng, dtype)
    std = _kaiming_std(K, D, a, mode, nonlinearity)
    return _normal(gen, 0.0, std, (K, D), dt), np.zeros(K, dtype=dt)


def torch(
    num_classes: int, num_features: int, *, rng: RngLike = None, dtype: DTypeLike = np.float32
) -> tuple[Array, Array]:
    """Exactly the distribution of ``nn.Linear(num_features, num_classes).reset_parameters()``.

    ``W``: ``kaiming_uniform_(weight, a=sqrt(5))``, i.e. ``gain = sqrt(2 / (1 + 5)) = 1/sqrt(3)``
    and ``bound = gain * sqrt(3 / fan_in) = 1 / sqrt(fan_in)``: ``W ~ U(-1/sqrt(D), 1/sqrt(D))``.
    ``b ~ U(-1/sqrt(D), 1/sqrt(D))`` too. For 784 -> 10 the bound is 1/28 ~ 0.0357. The numbers
    come from ``rng`` (numpy), so they follow the same law as PyTorch's, not its exact draws; to
    copy a torch layer's values use the model's state_dict import instead.
    """
    K, D, gen, dt = _setup(num_classes, num_features, rng, dtype)
    bound = math.sqrt(3.0) * _kaiming_std(K, D, math.sqrt(5.0), "fan_in", "leaky_relu")
    W = _uniform(gen, bound, (K, D), dt)
    fan_in, _ = fan_in_and_fan_out(K, D)
    b_bound = 1.0 / math.sqrt(fan_in)
    return W, _uniform(gen, b_bound, (K,), dt)


# --- registry ------------------------------------------------------------------------------------


#: scheme name -> function ``(num_classes, num_features, *, rng, dtype, **options) -> (W, b)``
INITIALIZERS: dict[str, Callable[..., tuple[Array, Array]]] = {
    "zeros": zeros,
    "constant": constant,
    "normal": normal,
    "uniform": uniform,
    "xavier_uniform": xavier_uniform,
    "xavier_normal": xavier_normal,
    "kaiming_uniform": kaiming_uniform,
    "kaiming_normal": kaiming_normal,
    "torch": torch,
}

#: short names, as the command line's ``--init`` accepts them
ALIASES: dict[str, str] = {
    "xavier": "xavier_uniform",
    "glorot": "xavier_uniform",
    "kaiming": "kaiming_uniform",
    "he": "kaiming_uniform",
}


def options(name: str) -> tuple[str, ...]:
    """The keyword options of scheme ``name`` besides ``rng`` and ``dtype``."""
    fn = INITIALIZERS[ALIASES.get(name, name)]
    params = inspect.signature(fn).parameters.values()
    return tuple(
        p.name
        for p in params
        if p.kind is inspect.Parameter.KEYWORD_ONLY and p.name not in ("rng", "dtype")
    )


def initialize(
    name: str,
    num_classes: int,
    num_features: int,
    *,
    rng: RngLike = None,
    dtype: DTypeLike = np.float32,
    **kwargs: Any,
) -> tuple[Array, Array]:
    """``(W, b)`` from the scheme called ``name`` (a key of ``INITIALIZERS`` or ``ALIASES``).

    Parameters
    ----------
    name : str
        Scheme name, case-insensitive, ``-`` or ``_``: e.g. ``"xavier"``, ``"kaiming-normal"``.
    num_classes, num_features : int >= 1
        K and D.
    rng : numpy.random.Generator, int seed or None
    dtype : floating dtype, default float32
    **kwargs
        The scheme's options (``std``, ``bound``, ``value``, ``gain``, ``a``, ``mode``,
        ``nonlinearity``); see each scheme. An option the scheme lacks is an InputError.

    Returns
    -------
    W : ndarray of shape (num_classes, num_features)
    b : ndarray of shape (num_classes,)
    """
    key = name.strip().lower().replace("-", "_") if isinstance(name, str) else None
    key = ALIASES.get(key, key) if key is not None else None
    if key not in INITIALIZERS:
        choices = ", ".join([*INITIALIZERS, *ALIASES])
        raise InputError("err.choice", name="init", choices=choices, got=describe(name))
    allowed = options(key)
    for option in kwargs:
        if option not in allowed:
            raise InputError(
                "init.unknown_option",
                where=_WHERE,
                name=option,
                scheme=key,
                options=", ".join(allowed) if allowed else Msg("init.no_options"),
            )
    return INITIALIZERS[key](num_classes, num_features, rng=rng, dtype=dtype, **kwargs)
