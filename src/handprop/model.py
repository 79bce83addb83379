"""``SoftmaxRegression``: a scikit-learn style classifier trained by :func:`handprop.train.fit_sgd`.

The model is ``P(class k | x) = softmax(x @ W.T + b)[k]`` with ``coef_ = W : (K, D)`` and
``intercept_ = b : (K,)``; it is trained by mini-batch SGD on the mean cross-entropy, exactly the
steps of the worked example on batches of rows. It is a scikit-learn classifier: it derives
from ``ClassifierMixin`` and ``BaseEstimator``, which give it ``get_params``/``set_params``,
``score`` (accuracy), ``clone``, the printed and HTML representations and metadata routing;
``fit``/``partial_fit``/``predict``/``predict_proba`` are its own.

Model files (:func:`save_model`/:func:`load_model`) are ``.npz`` archives read with
``allow_pickle=False``: W, b, the class labels, the fitted preprocessing parameters and a JSON
metadata record, each checked on loading. :func:`export_state_dict`/:func:`import_state_dict`
convert to and from a PyTorch ``nn.Linear`` ``state_dict`` (``weight``, ``bias``).
"""

from __future__ import annotations

import dataclasses
import io
import json
import math
import os
import time
import warnings
import zipfile
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.exceptions import NotFittedError as SklearnNotFittedError

from handprop import functional as F
from handprop.errors import (
    DataConversionWarning,
    FileFormatError,
    InputError,
    InputTypeError,
    NotFittedError,
    ShapeError,
)
from handprop.fileio import read_npz_arrays
from handprop.messages import Msg, t
from handprop.train import (
    ENGINES,
    EVAL_CHUNK,
    EngineSpec,
    SGDConfig,
    TrainingProgress,
    TrainResult,
    TrainState,
    Transform,
    checked_config,
    combined,
    fit_sgd,
    iter_logits,
    loss_and_accuracy,
    test_metrics,
    validation_split,
)
from handprop.train.engines import kernel_threads
from handprop.validation import describe

MODEL_FORMAT = "handprop-model"
MODEL_FORMAT_VERSION = 1
#: largest uncompressed model archive accepted (a 784 x 10 model is ~32 KB)
MAX_MODEL_BYTES = 512 * 2**20
NORMALIZE_KINDS = ("none", "scale", "center", "standardize")


class _NotFittedError(NotFittedError, SklearnNotFittedError):
    """handprop's one-line NotFittedError that scikit-learn's tools also recognise."""


class SoftmaxRegression(ClassifierMixin, BaseEstimator):
    """Softmax (multinomial logistic) regression trained by mini-batch SGD.

    ``P(y = k | x) = softmax(x @ coef_.T + intercept_)[k]``, trained to minimise the mean
    cross-entropy; each step is ``W <- W - lr * (dW + weight_decay * W)`` (with momentum as
    ``torch.optim.SGD``). The fitted ``coef_``/``intercept_`` are the average of the weights
    after every step from the middle of the first epoch on (``average=0.5``), not the last
    step's.

    The SGD settings (``lr``, ``batch_size``, ``epochs``, ``momentum``, ``weight_decay``,
    ``lr_schedule``, ``average``, ``dtype``, ``shuffle``) default to, and are checked as,
    :class:`handprop.train.SGDConfig`, which also says why these defaults (the measurements are
    in benchmarks/ACCURACY.md). The model holds one :class:`handprop.train.TrainState`
    (``train_state_``), which ``partial_fit`` continues.

    Parameters
    ----------
    lr : float, default 0.1
        Learning rate (step size), > 0.
    batch_size : int, default 48
        Rows per SGD step; the last batch of an epoch may be smaller.
    epochs : int, default 10
        Passes over the training data in ``fit``.
    init : str, default "torch"
        Initial weights, a name of :mod:`handprop.init` (``zeros``, ``normal``, ``uniform``,
        ``xavier``, ``kaiming``, ``torch`` = nn.Linear's default U(+-1/sqrt(D)), ...).
    normalize : {None, "none", "scale", "center", "standardize"}, default None
        Preprocessing fitted on the training data and applied batch by batch in every method
        (:mod:`handprop.data.preprocessing`). None uses the data as given.
    pixel_max : float or None, default None
        The largest possible feature value that ``scale`` and ``center`` divide by (255 for
        8-bit images, 16 for scikit-learn's digits); None learns it as ``max |X|`` of
        ``fit``'s data.
    momentum : float, default 0.9
    weight_decay : float, default 0.0
        L2 penalty added to the gradient, as ``torch.optim.SGD(weight_decay=...)``.
    lr_schedule : {"constant", "linear", "cosine"}, default "constant"
        Step size over the ``epochs`` of ``fit`` (see :func:`handprop.train.fit_sgd`);
        ``partial_fit`` always uses the constant ``lr``.
    average : float or None, default 0.5
        Iterate averaging: once ``average`` epochs are done (0.5: half of the first), the model
        is the running mean of the weights after each further step (0: from the first step;
        None: the last step's weights). Training itself continues from the last step's
        weights. ``partial_fit`` counts its calls as epochs.
    validation_fraction : float in (0, 1) or None, default None
        Hold out this share of the rows of ``fit`` (drawn with ``random_state``) and score them
        after every epoch (``history_[i].val_accuracy``).
    shuffle : bool, default True
        Reshuffle the rows at every epoch.
    random_state : int, numpy Generator or None, default None
        Seeds the validation split, the initial weights and the shuffling (in that order).
    dtype : {"float32", "float64"}, default "float32"
        Compute precision. Inputs keep their own dtype and are converted batch by batch.
    engine : {"auto", "native", "fused", "reference", "torch"}, default "auto"
        How the steps are computed (:mod:`handprop.train.engines`, the same as
        ``fit_sgd(engine=...)``): ``"auto"`` takes the compiled kernel for float32 where it
        applies and the NumPy engine otherwise; ``"torch"`` runs the same formulas on PyTorch
        tensors of ``device`` (needs ``handprop[torch]``). Prediction always uses NumPy.
    device : str or None, default None
        The PyTorch device for ``engine="torch"`` (``"cuda"``, ``"cpu"``, ...); None picks
        ``"cuda"`` when available, else ``"cpu"``. Ignored by the other engines.
    n_jobs : int or None, default None
        Threads of the native engine's kernel, which splits each batch's rows among them and
        adds their gradients in a fixed order (so a given count always gives the same
        weights; 1 gives the one-thread weights). None: the cores this process may use.

    Attributes
    ----------
    coef_ : ndarray of shape (n_classes, n_features)
    intercept_ : ndarray of shape (n_classes,)
    classes_ : ndarray of shape (n_classes,)
        The sorted distinct labels seen in ``fit`` (any orderable labels: ints, strings, ...).
    n_features_in_ : int
    loss_curve_ : list of float
        The running training loss of each epoch (the mean over its batches, each before its
        update), as scikit-learn's MLPClassifier has it.
    n_iter_ : int
        Epochs completed.
    t_ : int
        SGD steps made.
    history_ : list of handprop.train.EpochRecord
        Per epoch: the running loss and accuracy, the time, and what was measured on the kept
        model (``test_*`` with ``eval_set``, ``val_*`` with ``validation_fraction``,
        ``train_*`` with ``eval_train``).
    train_state_ : handprop.train.TrainState
        Where training stands: the SGD iterate, momentum, the running average, the counters.
    interrupted_ : bool
        True when Ctrl-C stopped the last ``fit``; the attributes hold the model trained so far.
    engine_ : str
        The engine that computed the steps of the last ``fit``: ``"native"`` (the compiled
        kernel), ``"fused"`` (NumPy) or ``"torch"`` (see :func:`handprop.train.fit_sgd`).
    normalizer_ : Normalizer or None

    Examples
    --------
    >>> from sklearn.datasets import load_digits
    >>> X, y = load_digits(return_X_y=True)
    >>> clf = SoftmaxRegression(normalize="scale", random_state=0).fit(X, y)
    >>> clf.coef_.shape
    (10, 64)
    """

    def __init__(
        self,
        lr: float = SGDConfig.lr,
        batch_size: int = SGDConfig.batch_size,
        epochs: int = SGDConfig.epochs,
        init: str = "torch",
        normalize: str | None = None,
        pixel_max: float | None = None,
        momentum: float = SGDConfig.momentum,
        weight_decay: float = SGDConfig.weight_decay,
        lr_schedule: str = SGDConfig.lr_schedule,
        average: float | None = SGDConfig.average,
        validation_fraction: float | None = None,
        shuffle: bool = SGDConfig.shuffle,
        random_state: int | np.random.Generator | None = None,
        dtype: str = SGDConfig.dtype,
        engine: str = "auto",
        device: str | None = None,
        n_jobs: int | None = None,
    ) -> None:
        self.lr = lr
        self.batch_size = batch_size
        self.epochs = epochs
        self.init = init
        self.normalize = normalize
        self.pixel_max = pixel_max
        self.momentum = momentum
        self.weight_decay = weight_decay
        self.lr_schedule = lr_schedule
        self.average = average
        self.validation_fraction = validation_fraction
        self.shuffle = shuffle
        self.random_state = random_state
        self.dtype = dtype
        self.engine = engine
        self.device = device
        self.n_jobs = n_jobs

    def __sklearn_is_fitted__(self) -> bool:
        return hasattr(self, "coef_")

    # ------------------------------------------------------------------ training

    def _config(self, where: str, **changes: Any) -> SGDConfig:
        """The validated SGD settings (checked at fit time, as scikit-learn does), with
        ``changes`` applied; the other hyperparameters are checked here too."""
        names = [f.name for f in dataclasses.fields(SGDConfig)]
        config = checked_config({name: getattr(self, name) for name in names}, where)
        if self.engine not in ENGINES:
            raise InputError(
                "err.choice",
                name="engine",
                choices=", ".join(ENGINES),
                got=describe(self.engine),
            )
        if self.n_jobs is not None:
            kernel_threads(self.n_jobs, "n_jobs", where)
        if self.device is not None and not isinstance(self.device, str):
            raise InputError(
                "err.must",
                where=where,
                name="device",
                expected=Msg("train.exp.device"),
                got=describe(self.device),
            )
        if self.normalize is not None and self.normalize not in NORMALIZE_KINDS:
            raise InputError(
                "err.choice",
                name="normalize",
                choices="None, " + ", ".join(NORMALIZE_KINDS),
                got=describe(self.normalize),
            )
        frac = self.validation_fraction
        if frac is not None:
            ok = isinstance(frac, (int, float)) and not isinstance(frac, bool) and 0 < frac < 1
            if not ok:
                raise InputError(
                    "err.must",
                    where=where,
                    name="validation_fraction",
                    expected=Msg("model.exp.fraction"),
                    got=describe(frac),
                )
        return dataclasses.replace(config, **changes)

    def fit(
        self,
        X: Any,
        y: Any,
        *,
        eval_set: tuple[Any, Any] | None = None,
        eval_train: bool | int = False,
        progress: TrainingProgress | None = None,
        clock: Callable[[], float] | None = None,
        checkpoint: str | os.PathLike[str] | None = None,
        resume: bool = False,
    ) -> SoftmaxRegression:
        """Train from scratch on ``X : (N, D)`` and labels ``y : (N,)``; returns self.

        ``eval_set=(X_test, y_test)`` is scored after every epoch (``history_[i].test_loss``,
        ``test_accuracy``; not used for training). ``eval_train`` scores the kept model on the
        training rows after every epoch (``history_[i].train_loss``, ``train_accuracy``): True
        on all of them, an int on a fixed subsample of at most that many; it costs a pass over
        them, so it is off by default (``history_[i].running_loss`` is free). ``progress``,
        ``clock`` and ``checkpoint`` are passed to :func:`handprop.train.fit_sgd`; ``resume``
        continues from the state in ``checkpoint``. Ctrl-C stops after the current batch and
        keeps the model trained so far (``interrupted_``). A NaN or infinite loss raises
        TrainingDivergedError; the model then holds the last good weights.
        """
        where = "fit"
        config = self._config(where)
        for name in [n for n in vars(self) if n.endswith("_") and not n.startswith("__")]:
            delattr(self, name)
        X = _check_X(X, where)
        y = _check_y(y, X.shape[0], where)
        classes, y_idx = np.unique(y, return_inverse=True)
        y_idx = y_idx.reshape(-1)
        rng = self._generator()
        rows = val_rows = None
        if self.validation_fraction is not None and X.shape[0] >= 2:
            rows, val_rows = validation_split(X.shape[0], self.validation_fraction, rng)
        self.classes_ = classes
        self.n_features_in_ = X.shape[1]
        self.normalizer_ = self._fit_normalizer(X)
        W, b = self._initial_weights(len(classes), X.shape[1], rng)
        if resume:
            if checkpoint is None:
                raise InputError(
                    "err.must",
                    where=where,
                    name="resume",
                    expected=Msg("train.exp.checkpoint_given"),
                    got="checkpoint=None",
                )
            state = TrainState.load(checkpoint)
        else:
            state = TrainState.initial(W, b, rng=rng, dtype=config.np_dtype)
        evaluate = self._evaluate(X, y_idx, rows, val_rows, eval_set, eval_train)
        self._train(
            X, y_idx, config, state,
            order=rows, evaluate=evaluate, progress=progress, clock=clock, checkpoint=checkpoint,
        )  # fmt: skip
        return self

    def partial_fit(self, X: Any, y: Any, classes: Any = None) -> SoftmaxRegression:
        """One epoch of SGD on ``(X, y)``, continuing from where training stands.

        On the first call ``classes`` lists every label that will ever occur (as in
        scikit-learn); if omitted, the labels of this first ``y`` are taken. The normaliser,
        if any, is fitted on the first batch of data. Each call is one epoch of
        ``train_state_`` with the constant step; averaging, if on, starts once ``average``
        calls are done, so calls on equal chunks give the weights of one ``fit`` of as many
        epochs.
        """
        where = "partial_fit"
        first = not hasattr(self, "coef_")
        config = self._config(where, lr_schedule="constant")
        X = _check_X(X, where, n_features=None if first else self.n_features_in_)
        y = _check_y(y, X.shape[0], where)
        if first:
            labels = np.unique(y if classes is None else _check_y(classes, None, where))
            self.classes_ = labels
            self.n_features_in_ = X.shape[1]
            self.normalizer_ = self._fit_normalizer(X)
            rng = self._generator()
            W, b = self._initial_weights(len(labels), X.shape[1], rng)
            state = TrainState.initial(W, b, rng=rng, dtype=config.np_dtype)
        else:
            state = self.train_state_
        y_idx = self._label_indices(y, where)
        config = dataclasses.replace(config, epochs=state.epoch + 1)
        self._train(X, y_idx, config, state)
        return self

    def _generator(self) -> np.random.Generator:
        if isinstance(self.random_state, np.random.Generator):
            return self.random_state
        return np.random.default_rng(self.random_state)

    def _compute_dtype(self) -> type:
        return np.float64 if self.dtype in ("float64", np.float64) else np.float32

    def _initial_weights(
        self, K: int, D: int, rng: np.random.Generator
    ) -> tuple[NDArray[Any], NDArray[Any]]:
        from handprop.init import initialize

        return initialize(self.init, K, D, rng=rng, dtype=self._compute_dtype())

    def _fit_normalizer(self, X: NDArray[Any]) -> Any:
        if self.normalize is None or self.normalize == "none":
            return None
        from handprop.data.preprocessing import Normalizer

        return Normalizer(self.normalize, pixel_max=self.pixel_max).fit(X)

    def _transform(self) -> Transform | None:
        """The fitted normaliser (a batch transform), or None."""
        return getattr(self, "normalizer_", None)

    def _label_indices(self, y: NDArray[Any], where: str, name: str = "y") -> NDArray[np.intp]:
        """Positions of the labels ``y`` in ``classes_``; a label outside them is an InputError."""
        classes = self.classes_
        try:
            sorter = np.argsort(classes, kind="stable")
            pos = np.searchsorted(classes, y, sorter=sorter)
            idx = sorter[np.clip(pos, 0, len(classes) - 1)]
            bad = np.asarray(classes[idx] != y, dtype=bool)
        except TypeError:  # labels of another kind (text against numbers)
            idx = np.zeros(len(y), dtype=np.intp)
            bad = np.ones(len(y), dtype=bool)
        if np.any(bad):
            i = int(np.argmax(bad))
            raise InputError(
                "err.must",
                where=where,
                name=name,
                expected=Msg("model.exp.known_label", classes=_short_list(classes)),
                got=f"{_python_scalar(y[i])!r} at [{i}]",
            )
        return idx.astype(np.intp)

    def _evaluate(
        self,
        X: NDArray[Any],
        y_idx: NDArray[np.intp],
        rows: NDArray[np.intp] | None,
        val_rows: NDArray[np.intp] | None,
        eval_set: tuple[Any, Any] | None,
        eval_train: bool | int,
    ) -> Any:
        """The ``evaluate`` callback of ``fit``: test (``eval_set``), validation and training
        rows as asked (None when nothing is)."""
        tf = self._transform()
        val = None
        if val_rows is not None:
            val = test_metrics(X[val_rows], y_idx[val_rows], tf, prefix="val")
        train = None
        if eval_train:
            X_tr, y_tr = (X, y_idx) if rows is None else (X[rows], y_idx[rows])
            max_rows = None if eval_train is True else int(eval_train)
            train = test_metrics(X_tr, y_tr, tf, prefix="train", max_rows=max_rows)
        return combined(self._eval_set(eval_set), val, train)

    def _eval_set(self, eval_set: tuple[Any, Any] | None) -> Any:
        """The ``test_*`` metrics callback of ``eval_set``, checked (None without one)."""
        if eval_set is None:
            return None
        X_ev = _check_X(eval_set[0], "eval_set", n_features=self.n_features_in_)
        y_ev = self._label_indices(_check_y(eval_set[1], X_ev.shape[0], "eval_set"), "eval_set")
        return test_metrics(X_ev, y_ev, self._transform())

    def _train(
        self, X: NDArray[Any], y_idx: NDArray[np.intp], config: SGDConfig, state: TrainState,
        **options: Any,
    ) -> None:  # fmt: skip
        """:func:`fit_sgd` from ``state``; the model keeps what it reached, also the last good
        state when the loss diverged."""
        from handprop.errors import TrainingDivergedError

        engine = EngineSpec(self.engine, device=self.device, n_jobs=self.n_jobs)
        clock = options.pop("clock", None) or time.perf_counter
        try:
            result = fit_sgd(
                X, y_idx, config, state,
                engine=engine, transform=self._transform(), clock=clock, **options,
            )  # fmt: skip
        except TrainingDivergedError as err:
            self._store(err.state, *err.state.model())
            self.engine_ = err.engine
            raise
        self._store(result.state, result.W, result.b, result)

    def _store(
        self, state: TrainState, W: NDArray[Any], b: NDArray[Any], result: TrainResult | None = None
    ) -> None:
        self.coef_, self.intercept_ = np.array(W), np.array(b)
        self.train_state_ = state
        self.history_ = state.history
        self.t_ = state.step
        self.loss_curve_ = [r.running_loss for r in state.history]
        self.n_iter_ = state.epoch
        self.interrupted_ = result is not None and result.interrupted
        if result is not None:
            self.engine_ = result.engine

    # ------------------------------------------------------------------ prediction

    def _check_fitted(self, where: str) -> None:
        if not hasattr(self, "coef_"):
            raise _NotFittedError("model.not_fitted", where=where)

    def decision_function(self, X: Any) -> NDArray[np.floating]:
        """The logits ``Z = x @ coef_.T + intercept_`` : (N, K); for 2 classes ``Z1 - Z0`` : (N,).

        The two-class form is the log-odds of ``classes_[1]``, as scikit-learn's binary
        classifiers return it.
        """
        Z = self._logits(X, "decision_function")
        if Z.shape[1] == 2:
            return Z[:, 1] - Z[:, 0]
        return Z

    def _logits(self, X: Any, where: str) -> NDArray[np.floating]:
        self._check_fitted(where)
        X = _check_X(X, where, n_features=self.n_features_in_)
        out = np.empty((X.shape[0], self.coef_.shape[0]), dtype=self.coef_.dtype)
        for rows, Z in iter_logits(X, self.coef_, self.intercept_, transform=self._transform()):
            out[rows] = Z
        return out

    def predict_proba(self, X: Any) -> NDArray[np.floating]:
        """``softmax(x @ coef_.T + intercept_)``: (N, K) class probabilities, columns as classes_.

        Computed in the model's dtype (float32 by default), chunk by chunk.
        """
        Z = self._logits(X, "predict_proba")
        with np.errstate(all="ignore"):
            return F.softmax(Z, out=Z)

    def predict_log_proba(self, X: Any) -> NDArray[np.floating]:
        """``log softmax(x @ coef_.T + intercept_)`` : (N, K), finite where a probability is 0."""
        return F.log_softmax(self._logits(X, "predict_log_proba"))

    def predict(self, X: Any) -> NDArray[Any]:
        """The most probable label of each row: ``classes_[argmax_k Z[n, k]]`` : (N,)."""
        Z = self._logits(X, "predict")
        return self.classes_[np.argmax(Z, axis=1)]

    def loss(self, X: Any, y: Any) -> float:
        """Mean cross-entropy of the model on ``(X, y)``; every label must be one of classes_."""
        self._check_fitted("loss")
        X = _check_X(X, "loss", n_features=self.n_features_in_)
        y_idx = self._label_indices(_check_y(y, X.shape[0], "loss"), "loss")
        return loss_and_accuracy(
            X, y_idx, self.coef_, self.intercept_, transform=self._transform()
        )[0]

    def to_onnx(self, *, opset: int = 17) -> Any:
        """The fitted model as an ``onnx.ModelProto``: raw ``X`` (N, D) float32 in, the
        normalisation inside, ``label`` (N,) and ``probabilities`` (N, K) out (see
        :mod:`handprop.onnx_graph`; needs ``pip install 'handprop[onnx]'``)."""
        from handprop.onnx_graph import model_to_onnx

        return model_to_onnx(self, opset=opset)


# ---------------------------------------------------------------------- input checks


def _python_scalar(value: Any) -> Any:
    """A numpy scalar as the Python value it holds (for messages: 11, not np.int64(11))."""
    return value.item() if isinstance(value, np.generic) else value


def _short_list(values: Any, limit: int = 10) -> str:
    items = [str(v) for v in list(values)[:limit]]
    more = ", ..." if len(values) > limit else ""
    return "{" + ", ".join(items) + more + "}"


def _is_sparse(X: Any) -> bool:
    module = type(X).__module__ or ""
    return module.startswith("scipy.sparse") or hasattr(X, "tocsr")


def _check_X(X: Any, where: str, *, n_features: int | None = None) -> NDArray[Any]:
    """``X`` as a 2-D real array without copying numeric arrays (uint8 stays uint8).

    Rejects sparse matrices, text, complex numbers, NaN/inf, empty arrays and, when
    ``n_features`` is given, another number of columns (messages phrased as scikit-learn's, whose
    own checks look for them).
    """
    if _is_sparse(X):
        raise InputError(
            "err.must", where=where, name="X", expected=Msg("model.exp.dense"), got=describe(X)
        )
    if X is None:
        raise InputError(
            "err.must", where=where, name="X", expected=Msg("model.exp.array"), got="None"
        )
    if not isinstance(X, np.ndarray):
        try:
            X = np.asarray(X)
        except (TypeError, ValueError) as exc:
            raise InputError(
                "err.must", where=where, name="X", expected=Msg("exp.numeric"), got=str(exc)
            ) from None
    if X.dtype.kind == "c":
        raise InputError(
            "err.must", where=where, name="X", expected=Msg("model.exp.real"), got=describe(X)
        )
    if X.dtype.kind not in "biuf":
        try:
            X = X.astype(np.float64)
        except (TypeError, ValueError) as exc:
            cls = InputTypeError if isinstance(exc, TypeError) else InputError
            raise cls(
                "err.must", where=where, name="X", expected=Msg("exp.numeric"), got=str(exc)
            ) from None
    if X.dtype.kind == "b":
        X = X.view(np.uint8)
    if X.ndim != 2:
        raise ShapeError(
            "err.must",
            where=where,
            name="X",
            expected=Msg("model.exp.2d"),
            got=f"{X.ndim}-D array of shape {X.shape}",
        )
    for size, unit in ((X.shape[0], "model.unit.samples"), (X.shape[1], "model.unit.features")):
        if size == 0:
            raise InputError(
                "model.too_small", where=where, n=0, unit=Msg(unit), shape=X.shape, minimum=1
            )
    if n_features is not None and X.shape[1] != n_features:
        raise ShapeError("model.n_features", where=where, got=X.shape[1], expected=n_features)
    if X.dtype.kind == "f":
        for start in range(0, X.shape[0], EVAL_CHUNK):
            part = X[start : start + EVAL_CHUNK]
            if not np.isfinite(part).all():
                bad = np.argwhere(~np.isfinite(part))[0]
                got = f"{part[tuple(bad)]} at [{bad[0] + start}, {bad[1]}]"
                raise InputError(
                    "err.must", where=where, name="X", expected=Msg("exp.finite"), got=got
                )
    return X


def _check_y(y: Any, n: int | None, where: str) -> NDArray[Any]:
    """Class labels as a 1-D array of length ``n``: ints, strings or bools (floats if integral)."""
    if y is None:
        raise InputError("model.y_none", where=where)
    y = np.asarray(y)
    if y.ndim == 2 and y.shape[1] == 1:
        warnings.warn(t("model.warn.column_y"), DataConversionWarning, stacklevel=3)
        y = y.ravel()
    if y.ndim != 1 or (n is not None and y.shape[0] != n):
        expected = Msg("exp.shape", shape=f"({'*' if n is None else n},)")
        raise ShapeError("err.must", where=where, name="y", expected=expected, got=describe(y))
    if y.dtype.kind == "O":
        try:
            text = all(isinstance(v, str) for v in y)
            y = y.astype(str if text else np.float64)
        except (TypeError, ValueError):
            raise InputError(
                "err.must",
                where=where,
                name="y",
                expected=Msg("model.exp.labels"),
                got=Msg("model.got.label_type", kind="object"),
            ) from None
    if y.dtype.kind == "f":
        if not np.isfinite(y).all():
            raise InputError(
                "err.must",
                where=where,
                name="y",
                expected=Msg("model.exp.finite_y"),
                got=_first_nonfinite(y),
            )
        if np.any(y != np.round(y)):
            raise InputError(
                "err.must",
                where=where,
                name="y",
                expected=Msg("model.exp.labels"),
                got=Msg("model.got.label_type", kind="continuous"),
            )
    elif y.dtype.kind not in "biuU":
        raise InputError(
            "err.must",
            where=where,
            name="y",
            expected=Msg("model.exp.labels"),
            got=Msg("model.got.label_type", kind=str(y.dtype)),
        )
    return y


def _first_nonfinite(y: NDArray[np.floating]) -> str:
    i = int(np.argmax(~np.isfinite(y)))
    return f"{y[i]} at [{i}]"


# ---------------------------------------------------------------------- model files


def save_model(
    model: SoftmaxRegression,
    path: str | os.PathLike[str],
    *,
    dataset: str | None = None,
    accuracy: float | None = None,
    image_shape: tuple[int, int] | None = None,
    pixel_max: float | None = None,
    extra: Mapping[str, Any] | None = None,
) -> None:
    """Write a fitted model to ``path`` (``.npz``, atomically).

    Arrays: ``W`` (K, D), ``b`` (K,), ``classes`` (K,) (ints, floats, bools or strings),
    ``norm.<name>`` for each fitted preprocessing parameter, and ``meta``: a JSON record with
    the format and its version, handprop's version, the hyperparameters, the data set, the
    accuracy, ``image_shape`` and ``pixel_max`` of the inputs, and anything in ``extra``.
    """
    from handprop._version import __version__
    from handprop.fileio import atomic_write

    model._check_fitted("save_model")
    classes = np.asarray(model.classes_)
    if classes.dtype.kind == "O":
        classes = classes.astype(str)
    if classes.dtype.kind not in "biufU":
        raise InputError(
            "err.must",
            where="save_model",
            name="classes_",
            expected=Msg("model.exp.storable_labels"),
            got=describe(classes),
        )
    norm = model.normalizer_
    arrays: dict[str, NDArray[Any]] = {
        "W": np.asarray(model.coef_),
        "b": np.asarray(model.intercept_),
        "classes": classes,
    }
    norm_kind = "none"
    if norm is not None:
        norm_kind = norm.kind
        for name, value in norm.params().items():
            arrays[f"norm.{name}"] = np.asarray(value)
    params = {
        k: v
        for k, v in model.get_params().items()
        if v is None or isinstance(v, (str, int, float, bool))
    }
    params.setdefault("random_state", None)
    meta = {
        **dict(extra or {}),
        "format": MODEL_FORMAT,
        "format_version": MODEL_FORMAT_VERSION,
        "handprop_version": __version__,
        "n_features": int(model.coef_.shape[1]),
        "n_classes": int(model.coef_.shape[0]),
        "normalize": norm_kind,
        "hyperparameters": params,
        "epochs_completed": int(getattr(model, "n_iter_", 0)),
        "interrupted": bool(getattr(model, "interrupted_", False)),
        "loss_curve": [float(v) for v in getattr(model, "loss_curve_", [])],
        "dataset": dataset,
        "accuracy": None if accuracy is None else float(accuracy),
        "image_shape": None if image_shape is None else [int(s) for s in image_shape],
        "pixel_max": None if pixel_max is None else float(pixel_max),
    }
    arrays["meta"] = np.array(json.dumps(meta, allow_nan=False))
    buf = io.BytesIO()
    np.savez(buf, **arrays)  # type: ignore[arg-type]  # numpy's stub: **kwds as allow_pickle
    with atomic_write(path) as handle:
        handle.write(buf.getvalue())


def load_model(path: str | os.PathLike[str]) -> SoftmaxRegression:
    """Read a model file written by :func:`save_model` (never unpickles anything).

    Every part is checked: a zip archive of plain arrays, the format name and version, the
    shapes of W, b and classes, finite numbers, the preprocessing parameters. A file that fails
    any check raises FileFormatError naming the file and what is wrong. The metadata is in
    ``model.metadata_``.
    """
    path = Path(path)

    def bad(problem: Msg) -> FileFormatError:
        return FileFormatError("model.bad_file", path=str(path), problem=problem)

    if not path.is_file():
        raise InputError(
            "err.must",
            where="load_model",
            name=str(path),
            expected=Msg("train.exp.existing_file"),
            got=Msg("train.got.missing"),
        )
    try:
        with zipfile.ZipFile(path) as archive:
            infos = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError):
        raise bad(Msg("model.problem.not_zip")) from None
    total = sum(info.file_size for info in infos)
    if total > MAX_MODEL_BYTES:
        raise bad(Msg("model.problem.too_big", size=total, limit=MAX_MODEL_BYTES))
    arrays = read_npz_arrays(path, bad)
    for name in ("W", "b", "classes", "meta"):
        if name not in arrays:
            raise bad(Msg("train.problem.missing", name=name))
    meta_arr = arrays["meta"]
    if meta_arr.dtype.kind != "U" or meta_arr.shape != ():
        raise bad(Msg("model.problem.meta", detail="meta"))
    try:
        meta = json.loads(str(meta_arr[()]))
    except ValueError:
        raise bad(Msg("model.problem.meta", detail="JSON")) from None
    if not isinstance(meta, dict) or meta.get("format") != MODEL_FORMAT:
        got = meta.get("format") if isinstance(meta, dict) else type(meta).__name__
        raise bad(Msg("train.problem.format", got=repr(got)))
    version = meta.get("format_version")
    if not isinstance(version, int) or not 1 <= version <= MODEL_FORMAT_VERSION:
        raise bad(Msg("model.problem.version", got=repr(version), supported=MODEL_FORMAT_VERSION))
    W, b, classes = arrays["W"], arrays["b"], arrays["classes"]
    if W.ndim != 2 or W.dtype.kind != "f" or W.shape[0] < 1 or W.shape[1] < 1:
        raise bad(Msg("model.problem.array", name="W", expected="(K, D) floats", got=_desc(W)))
    K, D = W.shape
    if b.shape != (K,) or b.dtype != W.dtype:
        raise bad(Msg("model.problem.array", name="b", expected=f"({K},) {W.dtype}", got=_desc(b)))
    if classes.shape != (K,) or classes.dtype.kind not in "biufU":
        raise bad(
            Msg("model.problem.array", name="classes", expected=f"({K},)", got=_desc(classes))
        )
    if len(np.unique(classes)) != K:
        raise bad(Msg("model.problem.classes"))
    if not (np.isfinite(W).all() and np.isfinite(b).all()):
        raise bad(Msg("train.problem.nonfinite"))
    if meta.get("n_features") != D or meta.get("n_classes") != K:
        raise bad(Msg("model.problem.meta", detail="n_features/n_classes"))
    hyper = meta.get("hyperparameters")
    if not isinstance(hyper, dict):
        raise bad(Msg("model.problem.meta", detail="hyperparameters"))
    model = SoftmaxRegression()
    known = set(model.get_params())
    model.set_params(**{k: v for k, v in hyper.items() if k in known})
    model.dtype = np.dtype(W.dtype).name if W.dtype in (np.float32, np.float64) else "float64"
    if W.dtype not in (np.float32, np.float64):
        W, b = W.astype(np.float64), b.astype(np.float64)
    kind = meta.get("normalize", "none")
    if kind not in NORMALIZE_KINDS:
        raise bad(Msg("model.problem.meta", detail="normalize"))
    normalizer = None
    if kind != "none":
        from handprop.data.preprocessing import Normalizer

        params = {k[len("norm.") :]: v for k, v in arrays.items() if k.startswith("norm.")}
        try:
            normalizer = Normalizer.from_params(kind, params)
        except Exception:
            raise bad(Msg("model.problem.meta", detail="normalization parameters")) from None
    model.normalize = None if kind == "none" else kind
    model.coef_, model.intercept_, model.classes_ = W, b, classes
    model.n_features_in_ = D
    model.normalizer_ = normalizer
    epochs = int(meta.get("epochs_completed") or 0)
    model._store(TrainState.initial(W, b, rng=model._generator(), dtype=W.dtype), W, b)
    model.train_state_.epoch = model.n_iter_ = epochs  # partial_fit continues the count
    curve = meta.get("loss_curve") or []
    model.loss_curve_ = [float(v) for v in curve] if isinstance(curve, list) else []
    model.interrupted_ = bool(meta.get("interrupted", False))
    model.metadata_ = meta
    image_shape = meta.get("image_shape")
    if image_shape is not None and (
        not isinstance(image_shape, list)
        or len(image_shape) != 2
        or not all(isinstance(s, int) and s > 0 for s in image_shape)
        or math.prod(image_shape) != D
    ):
        raise bad(Msg("model.problem.meta", detail="image_shape"))
    return model


def _desc(arr: NDArray[Any]) -> str:
    return f"shape {arr.shape}, dtype {arr.dtype}"


def export_state_dict(model: SoftmaxRegression) -> dict[str, Any]:
    """``{"weight": (K, D), "bias": (K,)}`` as torch tensors, loadable by ``nn.Linear(D, K)``.

    The preprocessing is not part of a Linear layer: apply ``model.normalizer_`` first.
    """
    import torch

    model._check_fitted("export_state_dict")
    return {
        "weight": torch.from_numpy(np.array(model.coef_)),
        "bias": torch.from_numpy(np.array(model.intercept_)),
    }


def import_state_dict(
    state_dict: Mapping[str, Any],
    classes: Any = None,
    *,
    normalizer: Any = None,
) -> SoftmaxRegression:
    """A fitted SoftmaxRegression from an ``nn.Linear`` ``state_dict`` (``weight``, ``bias``).

    Keys may carry a module prefix (``"fc.weight"``) if there is exactly one weight and bias.
    ``classes`` are the labels of the K outputs (default ``0..K-1``); ``normalizer`` an optional
    fitted :class:`~handprop.data.preprocessing.Normalizer` applied to inputs first.
    """
    where = "import_state_dict"

    def pick(suffix: str) -> NDArray[Any]:
        keys = [k for k in state_dict if k == suffix or str(k).endswith("." + suffix)]
        if len(keys) != 1:
            raise InputError(
                "err.must",
                where=where,
                name="state_dict",
                expected=Msg("model.exp.state_dict"),
                got=repr(sorted(map(str, state_dict))),
            )
        value = state_dict[keys[0]]
        if hasattr(value, "detach"):
            value = value.detach().cpu().numpy()
        return np.array(value)

    W, b = pick("weight"), pick("bias")
    if W.ndim != 2 or b.shape != (W.shape[0],) or W.dtype.kind != "f":
        raise ShapeError(
            "err.must",
            where=where,
            name="weight, bias",
            expected=Msg("exp.shape", shape="(K, D), (K,)"),
            got=f"{W.shape}, {b.shape}",
        )
    K, D = W.shape
    labels = np.arange(K) if classes is None else np.asarray(classes)
    if labels.shape != (K,):
        raise ShapeError(
            "err.must",
            where=where,
            name="classes",
            expected=Msg("exp.shape", shape=f"({K},)"),
            got=describe(labels),
        )
    dtype = "float64" if W.dtype == np.float64 else "float32"
    model = SoftmaxRegression(
        normalize=None if normalizer is None else normalizer.kind,
        pixel_max=None if normalizer is None else normalizer.pixel_max,
        dtype=dtype,
    )
    model.coef_ = W.astype(dtype, copy=False)
    model.intercept_ = b.astype(dtype)
    model.classes_ = labels
    model.n_features_in_ = D
    model.normalizer_ = normalizer
    state = TrainState.initial(model.coef_, model.intercept_, rng=model._generator(), dtype=dtype)
    model._store(state, model.coef_, model.intercept_)
    return model
