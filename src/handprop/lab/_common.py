"""What the experiments share: data, seeded training runs, measures, tables, sentences.

Every run of an experiment uses the same data order: the shuffling generator is seeded with
``[seed, 1]`` and the initial weights with ``[seed, 0]`` (``numpy.random.default_rng``), so two
runs that differ in one setting (the init scheme, the normalisation) see the same batches in the
same order and differ only by that setting.
"""

from __future__ import annotations

import functools
import math
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import Any, TypeVar

import numpy as np
from numpy.typing import NDArray

from handprop.messages import Msg, t
from handprop.train.scoring import Evaluate

#: the data set each experiment uses unless told otherwise (bundled, offline)
DEFAULT_DATASET = "mnist-5k"

FuncT = TypeVar("FuncT", bound=Callable[..., Any])


def single_blas_thread(func: FuncT) -> FuncT:
    """Run ``func`` with the BLAS library limited to one thread (threadpoolctl).

    The experiments multiply mini-batches of 64 rows, too small for BLAS threads to pay off;
    on a busy machine with few cores, spinning BLAS threads made runs several times slower.
    Results do not depend on it.
    """

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        from threadpoolctl import threadpool_limits

        with threadpool_limits(limits=1, user_api="blas"):
            return func(*args, **kwargs)

    return wrapper  # type: ignore[return-value]


# ------------------------------------------------------------------------------------------ data


def load(dataset: str, data_dir: str | None = None, download: bool = True) -> Any:
    """The :class:`handprop.data.datasets.Dataset` called ``dataset``."""
    from handprop.data.datasets import load_dataset

    return load_dataset(dataset, data_dir=data_dir, download=download)


def transform_for(kind: str, ds: Any) -> Callable[[NDArray[Any], NDArray[Any]], Any] | None:
    """``transform(raw, out)`` for normalisation ``kind`` fitted on ``ds``'s training set."""
    from handprop.data.preprocessing import Normalizer

    norm = Normalizer(kind, pixel_max=ds.pixel_max).fit(ds.X_train)
    if kind == "none":
        return None
    return lambda raw, out: norm.transform(raw, out=out)


def transformed(ds: Any, kind: str, X: NDArray[Any], dtype: Any = np.float32) -> NDArray[Any]:
    """``X`` normalised with ``kind`` (fitted on the training set) as a float array."""
    out = np.empty(X.shape, dtype=dtype)
    tf = transform_for(kind, ds)
    if tf is None:
        np.copyto(out, X, casting="unsafe")
    else:
        tf(X, out)
    return out


def check_seed(seed: Any, where: str = "lab") -> int:
    """``seed`` as an int; InputError unless it is an integer >= 0 (numpy's generators take
    no others)."""
    from handprop.errors import InputError
    from handprop.validation import describe

    ok = isinstance(seed, (int, np.integer)) and not isinstance(seed, bool) and seed >= 0
    if not ok:
        raise InputError(
            "err.must", where=where, name="seed", expected=Msg("input.exp.seed"), got=describe(seed)
        )
    return int(seed)


def seeds(seed: int) -> tuple[np.random.Generator, np.random.Generator]:
    """``(init_rng, shuffle_rng)`` derived from one seed (see the module docstring)."""
    seed = check_seed(seed)
    return np.random.default_rng([seed, 0]), np.random.default_rng([seed, 1])


# ------------------------------------------------------------------------------------------ runs


def _settings(experiment: str, result: Any, settings: type) -> dict[str, Any]:
    return {"experiment": experiment, **{f.name: getattr(result, f.name) for f in fields(settings)}}


@dataclass
class SoftmaxSettings:
    """The settings an experiment on softmax regression ran with: its result's first fields."""

    dataset: str
    seed: int
    init: str
    lr: float
    batch_size: int
    epochs: int

    def settings(self, experiment: str) -> dict[str, Any]:
        """``{"experiment": experiment, "dataset": ..., ...}``: how ``to_dict`` opens."""
        return _settings(experiment, self, SoftmaxSettings)


@dataclass
class MLPSettings:
    """The settings an experiment on the hidden-layer network ran with: its result's first
    fields."""

    dataset: str
    seed: int
    lr: float
    batch_size: int
    epochs: int
    hidden: int
    activation: str

    def settings(self, experiment: str) -> dict[str, Any]:
        """``{"experiment": experiment, "dataset": ..., ...}``: how ``to_dict`` opens."""
        return _settings(experiment, self, MLPSettings)


@dataclass
class Run:
    """One training run, measured after every epoch.

    ``train_loss`` is the loss of the model after the epoch on the training set (on at most
    ``TRAIN_SAMPLE`` of its rows); ``test_loss`` and ``test_accuracy`` are measured on the
    whole test set after the epoch. ``diverged`` is True when the loss became NaN/inf (the
    lists then stop at the last good epoch). ``extra`` holds per-epoch measures an experiment
    adds (e.g. ``hidden_spread``).
    """

    label: str
    train_loss: list[float] = field(default_factory=list)
    test_loss: list[float] = field(default_factory=list)
    test_accuracy: list[float] = field(default_factory=list)
    diverged: bool = False
    seconds: float = 0.0
    extra: dict[str, list[float]] = field(default_factory=dict)

    @property
    def final_accuracy(self) -> float:
        return self.test_accuracy[-1] if self.test_accuracy else math.nan

    @property
    def final_loss(self) -> float:
        """The last epoch's training loss (inf when the run diverged)."""
        if self.diverged:
            return math.inf
        return self.train_loss[-1] if self.train_loss else math.nan

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["final_accuracy"] = self.final_accuracy
        data["final_loss"] = self.final_loss
        return data


def _measured(run: Run, fit: Callable[[], Any]) -> Any:
    """Call ``fit()`` and fill ``run`` from the epochs' metrics in the history it returns.

    A :class:`~handprop.errors.TrainingDivergedError` is not raised further: the history up to
    the last good epoch is used and ``run.diverged`` is set. ``run.seconds`` is the wall time
    of ``fit()``. Returns the result, or the last good state when the run diverged.
    """
    from handprop.errors import TrainingDivergedError

    t0 = time.perf_counter()
    try:
        result = fit()
    except TrainingDivergedError as err:
        result = err.state
        run.diverged = True
    run.seconds = time.perf_counter() - t0
    for record in result.history:
        run.train_loss.append(float(record.metrics["train_loss"]))
        run.test_loss.append(float(record.metrics["test_loss"]))
        run.test_accuracy.append(float(record.metrics["test_accuracy"]))
    return result


def train_softmax(
    ds: Any,
    label: str,
    *,
    init: str = "xavier",
    normalize: str = "scale",
    lr: float = 0.1,
    batch_size: int = 64,
    epochs: int = 10,
    seed: int = 0,
    dtype: Any = np.float32,
    keep: dict[str, Any] | None = None,
) -> Run:
    """Softmax regression trained with :func:`handprop.train.fit_sgd` (plain SGD: no momentum,
    no averaging), measured every epoch.

    ``keep``, if given, receives the final ``W``, ``b`` and ``transform``.
    """
    from handprop.init import initialize
    from handprop.train import SGDConfig, TrainState, fit_sgd

    init_rng, shuffle_rng = seeds(seed)
    tf = transform_for(normalize, ds)
    W, b = initialize(init, ds.n_classes, ds.n_features, rng=init_rng, dtype=dtype)
    config = SGDConfig(
        lr=lr, batch_size=batch_size, epochs=epochs, momentum=0.0, average=None, dtype=dtype
    )
    run = Run(label)
    result = _measured(
        run,
        lambda: fit_sgd(
            ds.X_train,
            ds.y_train,
            config,
            TrainState.initial(W, b, rng=shuffle_rng, dtype=dtype),
            transform=tf,
            evaluate=_metrics(ds, tf),
        ),
    )
    if keep is not None:
        keep.update(W=result.W, b=result.b, transform=tf)
    return run


def _metrics(ds: Any, tf: Any) -> Evaluate:
    """Train (at most TRAIN_SAMPLE rows) and test loss and accuracy of softmax weights."""
    from handprop.train import TRAIN_SAMPLE, test_metrics

    train = test_metrics(ds.X_train, ds.y_train, tf, prefix="train", max_rows=TRAIN_SAMPLE)
    test = test_metrics(ds.X_test, ds.y_test, tf)

    def evaluate(W: NDArray[Any], b: NDArray[Any]) -> dict[str, float]:
        return {**train(W, b), **test(W, b)}

    return evaluate


def train_mlp(
    ds: Any,
    label: str,
    *,
    init: str = "kaiming",
    activation: str = "relu",
    hidden: int = 32,
    normalize: str = "scale",
    lr: float = 0.1,
    batch_size: int = 64,
    epochs: int = 10,
    seed: int = 0,
    dtype: Any = np.float32,
    keep: dict[str, Any] | None = None,
) -> Run:
    """A one-hidden-layer network trained with :func:`handprop.mlp.fit_mlp`.

    Besides loss and accuracy, every epoch records ``hidden_spread`` (the largest difference
    between two hidden units' weights, :meth:`handprop.mlp.MLP.hidden_spread`) and
    ``distinct_units`` (:func:`distinct_units`); epoch 0 is the initial network.
    ``keep``, if given, receives the initial and the final ``model``.
    """
    from handprop.mlp import fit_mlp, init_mlp, loss_and_accuracy
    from handprop.train import TRAIN_SAMPLE, SGDConfig
    from handprop.train.scoring import subsample

    init_rng, shuffle_rng = seeds(seed)
    tf = transform_for(normalize, ds)
    model = init_mlp(
        ds.n_features,
        hidden,
        ds.n_classes,
        init,
        activation=activation,
        rng=init_rng,
        dtype=dtype,
    )
    run = Run(label)
    run.extra = {
        "hidden_spread": [model.hidden_spread()],
        "distinct_units": [float(distinct_units(model.hidden_units()))],
    }

    sample = subsample(ds.X_train, ds.y_train, TRAIN_SAMPLE)

    def evaluate(net: Any) -> dict[str, float]:
        train_loss, _ = loss_and_accuracy(net, *sample, tf)
        loss, acc = loss_and_accuracy(net, ds.X_test, ds.y_test, tf)
        run.extra["hidden_spread"].append(net.hidden_spread())
        run.extra["distinct_units"].append(float(distinct_units(net.hidden_units())))
        return {"train_loss": train_loss, "test_loss": loss, "test_accuracy": acc}

    config = SGDConfig(
        lr=lr, batch_size=batch_size, epochs=epochs, momentum=0.0, average=None, dtype=dtype
    )
    result = _measured(
        run,
        lambda: fit_mlp(
            ds.X_train, ds.y_train, model, config, rng=shuffle_rng, transform=tf, evaluate=evaluate
        ),
    )
    if keep is not None:
        keep.update(initial=model, model=result.model)
    return run


# -------------------------------------------------------------------------------------- measures


def distinct_units(U: NDArray[np.floating], rtol: float = 1e-6) -> int:
    """How many rows of ``U`` differ: rows closer than ``rtol * max|U|`` (max-abs) count as one.

    Rows are grouped greedily: each row joins the first group whose first row is that close.
    """
    scale = float(np.max(np.abs(U))) if U.size else 0.0
    tol = rtol * max(scale, 1e-300)
    leaders: list[NDArray[np.floating]] = []
    for row in U:
        if not any(float(np.max(np.abs(row - lead))) <= tol for lead in leaders):
            leaders.append(row)
    return len(leaders)


def epochs_to_reach(accuracy: Sequence[float], target: float) -> int | None:
    """The first epoch (1-based) whose accuracy is >= ``target``; None if none is."""
    for i, acc in enumerate(accuracy):
        if acc >= target:
            return i + 1
    return None


def epochs_to_hold(accuracy: Sequence[float], target: float) -> int | None:
    """The first epoch from which accuracy stays >= ``target`` to the end; None if never."""
    held = None
    for i, acc in enumerate(accuracy):
        if acc >= target:
            if held is None:
                held = i + 1
        else:
            held = None
    return held


def swing(values: Sequence[float], last: int = 5) -> float:
    """``max - min`` over the last ``last`` values: how much a curve still jumps at the end."""
    tail = list(values)[-last:]
    return float(max(tail) - min(tail)) if tail else math.nan


# ------------------------------------------------------------------------------------ formatting


def pct(value: float, decimals: int = 1) -> str:
    """``0.8972`` -> ``89.7%`` (``-`` for NaN)."""
    if value is None or not math.isfinite(value):
        return "-"
    return f"{100 * value:.{decimals}f}%"


def points(value: float) -> str:
    """An accuracy difference in percentage points, unsigned: ``0.012`` -> ``1.2``."""
    return f"{abs(100 * value):.1f}"


def num(value: float | None, digits: int = 3) -> str:
    """A loss or a logit: ``0.337``, ``710``, ``3.2e+04``, ``inf``, ``nan``."""
    if value is None:
        return "-"
    value = float(value)
    if math.isnan(value):
        return "nan"
    if math.isinf(value):
        return "inf" if value > 0 else "-inf"
    if value == 0:
        return "0"
    if value != 0 and (abs(value) >= 1e4 or abs(value) < 1e-3):
        return f"{value:.{max(digits - 1, 1)}e}"
    return f"{value:.{digits}g}" if abs(value) >= 1 else f"{value:.{digits}f}".rstrip("0")


def epochs_text(value: int | None, lang: str) -> str:
    """An epoch count, or "never" in ``lang``."""
    return t("lab.never", lang) if value is None else str(value)


def cell(value: str | Msg, lang: str) -> str:
    return value.text(lang) if isinstance(value, Msg) else value


@dataclass
class Table:
    """A table of formatted cells (text, or a :class:`Msg` translated when shown).

    ``header`` and ``title`` are message keys.
    """

    header: list[str]
    rows: list[list[str | Msg]]
    title: str | None = None

    def cells(self, lang: str) -> list[list[str]]:
        return [[cell(c, lang) for c in row] for row in self.rows]

    def text(self, lang: str) -> str:
        from rich.cells import cell_len

        head = [t(h, lang) for h in self.header]
        rows = self.cells(lang)
        cols = list(zip(head, *rows, strict=True))
        widths = [max(cell_len(c) for c in col) for col in cols]

        def line(cells: Sequence[str]) -> str:
            parts = []
            for i, (cell, w) in enumerate(zip(cells, widths, strict=True)):
                pad = " " * (w - cell_len(cell))
                parts.append(cell + pad if i == 0 else pad + cell)
            return "  ".join(parts).rstrip()

        out = [] if self.title is None else [t(self.title, lang)]
        out += [line(head), "  ".join("-" * w for w in widths)]
        out += [line(r) for r in rows]
        return "\n".join(out)

    def markdown(self, lang: str) -> str:
        head = [t(h, lang).replace("|", "\\|") for h in self.header]
        out = [] if self.title is None else [f"**{t(self.title, lang)}**", ""]
        out.append("| " + " | ".join(head) + " |")
        out.append("|" + "|".join([":---"] + ["---:"] * (len(head) - 1)) + "|")
        out += [
            "| " + " | ".join(c.replace("|", "\\|") for c in r) + " |" for r in self.cells(lang)
        ]
        return "\n".join(out)


@dataclass
class Sentence:
    """One sentence of a conclusion: a message key and its (already formatted) parameters."""

    key: str
    params: dict[str, Any] = field(default_factory=dict)

    def text(self, lang: str) -> str:
        return t(self.key, lang, **self.params)


def join_sentences(sentences: Sequence[Sentence], lang: str) -> str:
    sep = "" if lang == "zh" else " "
    return sep.join(s.text(lang) for s in sentences)


# ------------------------------------------------------------------------------------------ plots


def pyplot() -> Any:
    """matplotlib's pyplot on the Agg backend (imported here, on first use), drawing text in
    :func:`handprop.fonts.matplotlib_family` (Chinese included)."""
    import matplotlib

    matplotlib.use("Agg", force=True)
    import matplotlib.pyplot as plt

    from handprop.fonts import matplotlib_family

    family = matplotlib_family()
    # the families themselves, not the generic "sans-serif": matplotlib falls back glyph by
    # glyph along an explicit list only
    if plt.rcParams["font.family"] != family:
        plt.rcParams["font.family"] = family
    return plt


def save_figure(fig: Any, folder: str | Path, name: str) -> Path:
    """Write ``fig`` as ``folder/name`` (PNG, atomically) and close it; return the path."""
    from handprop.fileio import atomic_write

    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    fig.tight_layout()
    with atomic_write(path) as handle:
        fig.savefig(handle, format="png", dpi=100)
    pyplot().close(fig)
    return path


def loss_accuracy_figure(
    runs: dict[str, Run],
    name: Callable[[str], str],
    lang: str,
    reference: tuple[int, float, str],
) -> Any:
    """Two panels, one curve per run: training loss per epoch (log scale) and test accuracy.

    ``name(label)`` is a run's legend entry; ``reference = (panel, y, label)`` adds a dotted grey
    line at ``y`` on panel 0 (loss) or 1 (accuracy). Returns the figure, without a title.
    """
    plt = pyplot()
    fig, axes = plt.subplots(1, 2, figsize=(9, 3.6))
    ax1, ax2 = axes
    for label, r in runs.items():
        epochs = range(1, len(r.train_loss) + 1)
        ax1.plot(epochs, finite_or_none(r.train_loss), marker="o", label=name(label))
        ax2.plot(epochs, r.test_accuracy, marker="o", label=name(label))
    panel, y, line_label = reference
    axes[panel].axhline(y, color="gray", linestyle=":", label=line_label)
    ax1.set_yscale("log")
    ax1.set_xlabel(t("lab.plot.epoch", lang))
    ax1.set_ylabel(t("lab.plot.train_loss", lang))
    ax2.set_xlabel(t("lab.plot.epoch", lang))
    ax2.set_ylabel(t("lab.plot.test_accuracy", lang))
    ax1.legend(fontsize=8)
    ax2.legend(fontsize=8)
    return fig


def finite_or_none(values: Sequence[float]) -> list[float]:
    """``values`` with NaN/inf replaced by NaN, for plotting."""
    return [v if math.isfinite(v) else math.nan for v in values]
