"""Feature normalisation, fitted on the training set and stored with the model.

Four kinds, for a feature value ``x`` (``m`` = ``pixel_max``, 255 for 8-bit images)::

    none         x' = x                        raw values (0..255 for images)
    scale        x' = x / m                    into [0, 1]
    center       x' = 2 x / m - 1              into [-1, 1]
    standardize  x' = (x - mu_j) / sigma_j     per feature j, from the training set

with ``mu_j`` and ``sigma_j`` the mean and (population) standard deviation of feature ``j`` over
the training rows; a feature that never changes (``sigma_j`` = 0 up to rounding, e.g. the always
black border pixels of MNIST) gets ``sigma_j = 1`` so that it maps to 0 instead of dividing by 0.
For ``scale``/``center`` with ``pixel_max=None``, ``m`` is learnt as the largest ``|x|`` of the
training set.

The data can stay uint8: :meth:`Normalizer.transform` converts block by block straight into a
float32 output (or a buffer you pass), so a 60,000 x 784 set never exists as float64, and a
trainer can convert one mini-batch at a time into a preallocated buffer. Parameters come out as
plain arrays (:meth:`Normalizer.params`) for model files and back (:meth:`Normalizer.from_params`),
so prediction preprocesses exactly as training did.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
from numpy.typing import NDArray

from handprop.errors import InputError, ShapeError
from handprop.messages import Msg
from handprop.validation import describe

KINDS = ("none", "scale", "center", "standardize")

_BLOCK = 1 << 15  # elements converted per block: small enough to stay in the CPU cache
_FIT_BLOCK = 1 << 20  # elements per block when computing mean and variance


class Normalizer:
    """Map features with one of :data:`KINDS` (see the module docstring for the formulas).

    Parameters
    ----------
    kind : {"none", "scale", "center", "standardize"}
    pixel_max : float or None
        The largest possible value ``m`` for ``scale`` and ``center`` (255 for 8-bit images,
        16 for scikit-learn's digits); None learns it from the training set in :meth:`fit`.

    Attributes
    ----------
    mean_ : ndarray of shape (n_features,), float64
        After fit, for ``standardize``.
    scale_ : ndarray of shape (n_features,), float64
        After fit, for ``standardize``: the standard deviations with 0 -> 1.
    """

    def __init__(self, kind: str = "scale", *, pixel_max: float | None = 255.0) -> None:
        if kind not in KINDS:
            raise InputError(
                "err.choice", name="normalize", choices=", ".join(KINDS), got=repr(kind)
            )
        if pixel_max is not None:
            pixel_max = float(pixel_max)
            if not (np.isfinite(pixel_max) and pixel_max > 0):
                raise InputError(
                    "err.must",
                    where="Normalizer",
                    name="pixel_max",
                    expected=Msg("exp.positive"),
                    got=describe(pixel_max),
                )
        self.kind = kind
        self.pixel_max = pixel_max
        self.mean_: NDArray[np.float64] | None = None
        self.scale_: NDArray[np.float64] | None = None
        self._cast: dict[np.dtype, tuple[np.ndarray, np.ndarray]] = {}

    def __repr__(self) -> str:
        return f"Normalizer({self.kind!r}, pixel_max={self.pixel_max!r})"

    @property
    def is_fitted(self) -> bool:
        """Whether :meth:`transform` can run (``none`` and a known ``pixel_max`` need no fit)."""
        if self.kind == "none":
            return True
        if self.kind == "standardize":
            return self.mean_ is not None
        return self.pixel_max is not None

    @property
    def divisor(self) -> float | None:
        """The one number ``x`` is divided by when the normalisation is only that (``scale``),
        else None: the native and fused engines fold it into their step."""
        return self.pixel_max if self.kind == "scale" else None

    @property
    def n_features_in_(self) -> int | None:
        return None if self.mean_ is None else int(self.mean_.shape[0])

    def fit(self, X: Any) -> Normalizer:
        """Learn the parameters from the training set ``X`` (n_samples, n_features).

        ``standardize``: mu_j = mean_n X[n, j], sigma_j = sqrt(mean_n (X[n, j] - mu_j)^2),
        computed in float64 block by block (Chan et al.'s pairwise update), so uint8 data are
        never converted as a whole. ``scale``/``center`` with ``pixel_max=None``: ``m = max |X|``.
        """
        X = _as_2d(X, "Normalizer.fit")
        if self.kind == "standardize":
            self.mean_, var = _mean_var(X)
            std = np.sqrt(var)
            # sigma = 0 "up to rounding": float sums of a constant column can leave ~1e-17.
            tiny = 10 * np.finfo(np.float64).eps * np.maximum(np.abs(self.mean_), 1.0)
            self.scale_ = np.where(std <= tiny, 1.0, std)
        elif self.kind in ("scale", "center") and self.pixel_max is None:
            peak = float(np.max(np.abs(X))) if X.size else 0.0
            if not np.isfinite(peak):
                raise InputError(
                    "err.must",
                    where="Normalizer.fit",
                    name="X",
                    expected=Msg("exp.finite"),
                    got=describe(peak),
                )
            self.pixel_max = peak if peak > 0 else 1.0
        self._cast = {}
        return self

    def affine(self, dtype: Any = np.float32) -> tuple[np.ndarray, np.ndarray] | None:
        """``(offset, divisor)`` in ``dtype`` with ``x' = (x - offset) / divisor`` (scalars, or
        (D,) arrays for ``standardize``), for code that applies the normalisation itself (the
        torch engine, on the device); None for ``none``."""
        if not self.is_fitted:
            raise InputError("data.err.not_fitted", kind=self.kind)
        return None if self.kind == "none" else self._params_as(np.dtype(dtype))

    def _params_as(self, dtype: np.dtype) -> tuple[np.ndarray, np.ndarray]:
        """(offset, divisor) in ``dtype`` so that x' = (x - offset) / divisor."""
        if dtype not in self._cast:
            if self.kind == "standardize":
                offset, divisor = self.mean_, self.scale_
            elif self.kind == "scale":
                offset, divisor = np.array(0.0), np.array(self.pixel_max)
            else:  # center: 2 x / m - 1 = (x - m/2) / (m/2)
                half = np.array(self.pixel_max) / 2
                offset, divisor = half, half
            self._cast[dtype] = (
                np.asarray(offset).astype(dtype),
                np.asarray(divisor).astype(dtype),
            )
        return self._cast[dtype]

    def transform(
        self, X: Any, out: np.ndarray | None = None, *, dtype: Any = np.float32
    ) -> np.ndarray:
        """``X`` (n_samples, n_features), any real dtype, normalised into float32.

        Works block by block from ``X``'s own dtype (uint8 stays uint8 until each block is
        written into ``out``); no full-size temporary is made.

        Parameters
        ----------
        X : array_like of shape (n_samples, n_features)
        out : ndarray of shape (n_samples, n_features), float32 or float64, optional
            Where to write (a trainer's preallocated batch buffer); allocated if omitted.
        dtype : float32 (default) or float64, used when ``out`` is omitted.

        Returns
        -------
        ``out``: x' as in the module docstring. ``center`` is computed as
        (x - m/2) / (m/2), equal to 2 x / m - 1 up to rounding.
        """
        X = _as_2d(X, "Normalizer.transform")
        if not self.is_fitted:
            raise InputError("data.err.not_fitted", kind=self.kind)
        if self.mean_ is not None and X.shape[1] != self.mean_.shape[0]:
            raise ShapeError(
                "err.must",
                where="Normalizer.transform",
                name="X",
                expected=Msg("exp.shape", shape=f"(n_samples, {self.mean_.shape[0]})"),
                got=describe(X),
            )
        out = _output(X, out, dtype)
        if self.kind == "none":
            np.copyto(out, X, casting="unsafe")
            return out
        offset, divisor = self._params_as(out.dtype)
        rows = max(1, _BLOCK // max(1, X.shape[1]))
        for start in range(0, X.shape[0], rows):
            block = out[start : start + rows]
            if self.kind == "scale":  # one pass: x / m
                np.divide(X[start : start + rows], divisor, out=block, casting="unsafe")
                continue
            np.subtract(X[start : start + rows], offset, out=block, casting="unsafe")
            np.divide(block, divisor, out=block)
        return out

    def __call__(self, raw: np.ndarray, out: np.ndarray) -> np.ndarray:
        """``transform(raw, out=out)``: a fitted Normalizer is the trainer's batch transform
        (``fit_sgd(transform=...)``), whose ``divisor`` the fast engines fold into the step."""
        return self.transform(raw, out=out)

    def fit_transform(self, X: Any, out: np.ndarray | None = None) -> np.ndarray:
        """``fit(X)`` then ``transform(X, out)``."""
        return self.fit(X).transform(X, out)

    def params(self) -> dict[str, np.ndarray]:
        """The fitted parameters as float64 arrays, for a model file.

        ``none``: {}; ``scale``/``center``: {"pixel_max": shape ()}; ``standardize``:
        {"mean": (n_features,), "scale": (n_features,)}.
        """
        if not self.is_fitted:
            raise InputError("data.err.not_fitted", kind=self.kind)
        if self.kind == "none":
            return {}
        if self.kind == "standardize":
            return {"mean": np.array(self.mean_), "scale": np.array(self.scale_)}
        return {"pixel_max": np.array(self.pixel_max, dtype=np.float64)}

    @classmethod
    def from_params(cls, kind: str, params: Mapping[str, Any]) -> Normalizer:
        """A fitted Normalizer from :meth:`params`' output (e.g. read from a model file).

        Raises InputError when a parameter is missing, extra, of the wrong shape, not finite,
        or (scale, pixel_max) not > 0.
        """
        where = "normalizer parameters"
        expected_keys = {
            "none": set(),
            "scale": {"pixel_max"},
            "center": {"pixel_max"},
            "standardize": {"mean", "scale"},
        }.get(kind)
        if expected_keys is None:
            raise InputError(
                "err.choice", name="normalize", choices=", ".join(KINDS), got=repr(kind)
            )
        if set(params) != expected_keys:
            raise InputError(
                "err.must",
                where=where,
                name=kind,
                expected=Msg("data.exp.param_keys", keys=", ".join(sorted(expected_keys)) or "-"),
                got=", ".join(sorted(params)) or "-",
            )
        if kind == "none":
            return cls("none")
        arrays = {}
        for key, value in params.items():
            try:
                arr = np.asarray(value, dtype=np.float64)
            except (TypeError, ValueError):
                raise InputError(
                    "err.must", where=where, name=key, expected=Msg("exp.numeric"),
                    got=describe(value),
                ) from None  # fmt: skip
            if not np.all(np.isfinite(arr)):
                raise InputError(
                    "err.must", where=where, name=key, expected=Msg("exp.finite"),
                    got=describe(arr),
                )  # fmt: skip
            arrays[key] = arr
        if kind == "standardize":
            mean, scale = arrays["mean"], arrays["scale"]
            if mean.ndim != 1 or scale.shape != mean.shape or mean.size == 0:
                raise ShapeError(
                    "err.must",
                    where=where,
                    name="scale",
                    expected=Msg("exp.shape", shape=f"mean's shape {mean.shape}, 1-D"),
                    got=describe(scale),
                )
            if np.any(scale <= 0):
                raise InputError(
                    "err.must", where=where, name="scale", expected=Msg("exp.positive"),
                    got=describe(float(scale.min())),
                )  # fmt: skip
            norm = cls("standardize")
            norm.mean_, norm.scale_ = mean.copy(), scale.copy()
            return norm
        pixel_max = arrays["pixel_max"]
        if pixel_max.shape != () or not pixel_max > 0:
            raise InputError(
                "err.must", where=where, name="pixel_max", expected=Msg("exp.positive"),
                got=describe(pixel_max),
            )  # fmt: skip
        return cls(kind, pixel_max=float(pixel_max))


def _as_2d(X: Any, where: str) -> np.ndarray:
    if not isinstance(X, np.ndarray):
        try:
            X = np.asarray(X, dtype=np.float64)
        except (TypeError, ValueError):
            raise InputError(
                "err.must", where=where, name="X", expected=Msg("exp.numeric"), got=describe(X)
            ) from None
    if X.ndim != 2:
        raise ShapeError(
            "err.must", where=where, name="X", expected=Msg("exp.ndim", ndim=2), got=describe(X)
        )
    if X.dtype.kind not in "uif":
        raise InputError(
            "err.must", where=where, name="X", expected=Msg("exp.numeric"), got=describe(X)
        )
    return X


def _output(X: np.ndarray, out: np.ndarray | None, dtype: Any) -> np.ndarray:
    if out is None:
        dtype = np.dtype(dtype)
        if dtype not in (np.float32, np.float64):
            raise InputError(
                "err.must", where="Normalizer.transform", name="dtype",
                expected=Msg("data.exp.float_dtype"), got=str(dtype),
            )  # fmt: skip
        return np.empty(X.shape, dtype=dtype)
    if not isinstance(out, np.ndarray) or out.dtype not in (np.float32, np.float64):
        raise InputError(
            "err.must", where="Normalizer.transform", name="out",
            expected=Msg("data.exp.float_dtype"), got=describe(out),
        )  # fmt: skip
    if out.shape != X.shape or not out.flags.writeable:
        raise ShapeError(
            "err.must",
            where="Normalizer.transform",
            name="out",
            expected=Msg("exp.shape", shape=str(X.shape)),
            got=describe(out),
        )
    return out


def _mean_var(X: np.ndarray) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Per-column mean and population variance in float64, combining blocks of rows.

    For blocks A and B with counts n_a, n_b, means m_a, m_b and sums of squared deviations
    M_a, M_b: n = n_a + n_b, m = m_a + (m_b - m_a) n_b / n,
    M = M_a + M_b + (m_b - m_a)^2 n_a n_b / n (Chan, Golub and LeVeque, 1979).
    """
    n_rows, n_cols = X.shape
    if n_rows == 0:
        raise InputError(
            "err.must",
            where="Normalizer.fit",
            name="X",
            expected=Msg("exp.nonempty"),
            got=describe(X),
        )
    rows = max(1, _FIT_BLOCK // max(1, n_cols))
    count = 0
    mean = np.zeros(n_cols)
    m2 = np.zeros(n_cols)
    for start in range(0, n_rows, rows):
        block = np.array(X[start : start + rows], dtype=np.float64)  # a copy: changed below
        if X.dtype.kind == "f" and not np.all(np.isfinite(block)):
            raise InputError(
                "err.must",
                where="Normalizer.fit",
                name="X",
                expected=Msg("exp.finite"),
                got=describe(X),
            )
        n_b = block.shape[0]
        with np.errstate(over="ignore", invalid="ignore"):  # checked after the loop
            mean_b = block.mean(axis=0)
            block -= mean_b
            m2_b = np.einsum("ij,ij->j", block, block)
            if count == 0:
                mean, m2 = mean_b, m2_b
            else:
                delta = mean_b - mean
                total = count + n_b
                mean = mean + delta * (n_b / total)
                m2 = m2 + m2_b + delta**2 * (count * n_b / total)
        count += n_b
    var = m2 / count
    if not (np.all(np.isfinite(mean)) and np.all(np.isfinite(var))):  # e.g. values near 1e308
        raise InputError(
            "err.must",
            where="Normalizer.fit",
            name="X",
            expected=Msg("exp.finite"),
            got=describe(X),
        )
    return mean, var
