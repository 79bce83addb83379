"""Experiment ``overflow``: the naive softmax on raw pixels, and training on raw 0..255 inputs.

Three measurements:

1. Limits: the smallest integer logit ``z`` for which the naive ``exp(z) / sum exp(z)`` of the
   pair ``[z, 0]`` is no longer finite (``exp`` overflows to inf, inf/inf = NaN), and the
   smallest ``z`` for which ``[-z, -z]`` gives NaN (both ``exp`` underflow to 0, 0/0), in
   float32 and float64, next to :func:`handprop.functional.softmax` on the same logits.
2. Logits of raw pixels: ``Z = X @ W.T + b`` for the raw test images, with the initial weights
   and with the weights after training on raw pixels: the largest logit, and the share of
   images whose naive softmax is not finite (float32, float64); the stable one never fails.
3. Training: softmax regression on raw 0..255 inputs vs inputs scaled to [0, 1], same lr
   (0.1), same init and data order: loss and test accuracy per epoch and a verdict per run.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from handprop import functional as F
from handprop.lab._common import (
    DEFAULT_DATASET,
    Run,
    Sentence,
    SoftmaxSettings,
    Table,
    join_sentences,
    load,
    loss_accuracy_figure,
    num,
    pct,
    points,
    pyplot,
    save_figure,
    single_blas_thread,
    swing,
    train_softmax,
)
from handprop.messages import Msg, t

DTYPES = ("float32", "float64")
#: the integer logits scanned for the limits
SCAN_LIMIT = 2000
#: a top probability at least this close to 1 counts as saturated
SATURATED = 1e-6
#: verdicts of a training run
STATUSES = ("diverged", "unstable", "stalled", "converged")


def naive_softmax(Z: NDArray[np.floating]) -> NDArray[np.floating]:
    """COUNTER-EXAMPLE, kept only for this experiment: ``exp(Z) / sum exp(Z)`` WITHOUT the shift.

    This is the textbook formula typed in literally. ``exp`` of a logit above ~88.7 (float32)
    or ~709.8 (float64) is inf, and inf / inf is NaN; logits that are all very negative give
    0 / 0. Use :func:`handprop.functional.softmax`, which subtracts the row maximum first.
    Floating-point warnings are silenced here so that the failure shows as values, not noise.
    Z : (N, K) -> (N, K), possibly with inf or NaN.
    """
    with np.errstate(over="ignore", under="ignore", invalid="ignore", divide="ignore"):
        E = np.exp(Z)  # (N, K)
        return E / E.sum(axis=-1, keepdims=True)


@dataclass
class Limit:
    """Where the naive softmax stops being finite in one dtype (integer logits scanned)."""

    dtype: str
    log_max: float  # ln(largest finite number): exp overflows above it
    overflow_logit: int | None  # smallest z with naive([z, 0]) not finite
    underflow_logit: int | None  # smallest z with naive([-z, -z]) not finite
    stable_nonfinite: int  # rows of the same scans where functional.softmax was not finite


@dataclass
class LogitStage:
    """The naive and the stable softmax on raw-pixel logits of the test set."""

    stage: str  # "init" or "trained_raw"
    dtype: str
    max_logit: float  # the largest |Z|
    naive_nonfinite: float  # share of test images with a non-finite naive softmax
    stable_nonfinite: float  # the same for functional.softmax (0 expected)
    agreement: float | None  # max |naive - stable| where the naive one is finite (None: nowhere)


@dataclass
class OverflowResult(SoftmaxSettings):
    """Everything the ``overflow`` experiment measured."""

    n_classes: int
    limits: list[Limit]
    logits: list[LogitStage]
    runs: dict[str, Run]  # "none" (raw) and "scale"
    status: dict[str, str]
    saturated: dict[str, float]  # share of test images with a top probability >= 1 - 1e-6
    plots: list[str] = field(default_factory=list)

    @property
    def uniform_loss(self) -> float:
        """``ln K``: the loss of predicting 1/K for every class."""
        return math.log(self.n_classes)

    def limit(self, dtype: str) -> Limit:
        return next(x for x in self.limits if x.dtype == dtype)

    def stage(self, stage: str, dtype: str) -> LogitStage:
        return next(x for x in self.logits if x.stage == stage and x.dtype == dtype)

    def to_dict(self) -> dict[str, Any]:
        return {
            **self.settings("overflow"),
            "uniform_loss": self.uniform_loss,
            "limits": [vars(x) for x in self.limits],
            "logits": [vars(x) for x in self.logits],
            "runs": {k: r.to_dict() for k, r in self.runs.items()},
            "status": dict(self.status),
            "saturated": dict(self.saturated),
            "plots": list(self.plots),
        }


def scan_limits(dtype: str, limit: int = SCAN_LIMIT) -> Limit:
    """Scan integer logits 0..limit-1 for where the naive softmax fails in ``dtype``."""
    z = np.arange(limit, dtype=dtype)
    up = np.stack([z, np.zeros_like(z)], axis=1)  # (limit, 2): [z, 0]
    down = np.stack([-z, -z], axis=1)  # (limit, 2): [-z, -z]
    first = []
    stable_bad = 0
    for Z in (up, down):
        bad = ~np.isfinite(naive_softmax(Z)).all(axis=1)
        first.append(int(np.argmax(bad)) if bad.any() else None)
        stable_bad += int((~np.isfinite(F.softmax(Z.copy())).all(axis=1)).sum())
    return Limit(
        dtype=dtype,
        log_max=float(np.log(np.finfo(dtype).max)),
        overflow_logit=first[0],
        underflow_logit=first[1],
        stable_nonfinite=stable_bad,
    )


def logit_stage(
    stage: str, X: NDArray[Any], W: NDArray[Any], b: NDArray[Any], dtype: str
) -> LogitStage:
    """Naive vs stable softmax of ``Z = X @ W.T + b`` computed in ``dtype``."""
    with np.errstate(all="ignore"):
        Z = F.linear(X.astype(dtype), W.astype(dtype), b.astype(dtype))  # (N, K)
        naive = naive_softmax(Z)
        stable = F.softmax(Z.copy())
    naive_ok = np.isfinite(naive).all(axis=1)
    stable_ok = np.isfinite(stable).all(axis=1)
    agreement = (
        float(np.max(np.abs(naive[naive_ok] - stable[naive_ok]))) if naive_ok.any() else None
    )
    return LogitStage(
        stage=stage,
        dtype=dtype,
        max_logit=float(np.max(np.abs(Z))),
        naive_nonfinite=float(1 - naive_ok.mean()),
        stable_nonfinite=float(1 - stable_ok.mean()),
        agreement=agreement,
    )


def verdict(run: Run, uniform_loss: float) -> str:
    """``diverged`` (NaN/inf), ``unstable`` (final loss above ln K, worse than a uniform guess),
    ``stalled`` (the loss did not fall below 90% of the first epoch's), else ``converged``."""
    if run.diverged or not run.train_loss or not all(map(math.isfinite, run.train_loss)):
        return "diverged"
    if run.train_loss[-1] > uniform_loss:
        return "unstable"
    if run.train_loss[-1] > 0.9 * run.train_loss[0]:
        return "stalled"
    return "converged"


def saturated_share(ds: Any, W: NDArray[Any], b: NDArray[Any], transform: Any) -> float:
    """Share of test images whose top (stable) probability is >= 1 - 1e-6."""
    X = np.empty(ds.X_test.shape, dtype=np.float64)
    if transform is None:
        np.copyto(X, ds.X_test, casting="unsafe")
    else:
        transform(ds.X_test, X)
    with np.errstate(all="ignore"):
        A = F.softmax(F.linear(X, W.astype(np.float64), b.astype(np.float64)))
    return float(np.mean(A.max(axis=1) >= 1 - SATURATED))


@single_blas_thread
def run(
    dataset: str = DEFAULT_DATASET,
    *,
    seed: int = 0,
    init: str = "xavier",
    lr: float = 0.1,
    batch_size: int = 64,
    epochs: int = 10,
    data_dir: str | None = None,
    ds: Any = None,
) -> OverflowResult:
    """Measure where the naive softmax fails and how raw vs scaled inputs train (see module)."""
    ds = ds if ds is not None else load(dataset, data_dir)
    from handprop.init import initialize
    from handprop.lab._common import seeds

    limits = [scan_limits(dt) for dt in DTYPES]
    W0, b0 = initialize(init, ds.n_classes, ds.n_features, rng=seeds(seed)[0], dtype=np.float64)
    runs: dict[str, Run] = {}
    kept: dict[str, dict[str, Any]] = {}
    for kind in ("none", "scale"):
        kept[kind] = {}
        runs[kind] = train_softmax(
            ds,
            kind,
            init=init,
            normalize=kind,
            lr=lr,
            batch_size=batch_size,
            epochs=epochs,
            seed=seed,
            keep=kept[kind],
        )
    stages = [logit_stage("init", ds.X_test, W0, b0, dt) for dt in DTYPES]
    W_raw, b_raw = kept["none"]["W"], kept["none"]["b"]
    stages += [logit_stage("trained_raw", ds.X_test, W_raw, b_raw, dt) for dt in DTYPES]
    uniform = math.log(ds.n_classes)
    return OverflowResult(
        dataset=ds.name,
        seed=seed,
        init=init,
        lr=lr,
        batch_size=batch_size,
        epochs=epochs,
        n_classes=ds.n_classes,
        limits=limits,
        logits=stages,
        runs=runs,
        status={k: verdict(r, uniform) for k, r in runs.items()},
        saturated={
            k: saturated_share(ds, kept[k]["W"], kept[k]["b"], kept[k]["transform"]) for k in runs
        },
    )


# ------------------------------------------------------------------------------------- output


def tables(result: OverflowResult) -> list[Table]:
    """The experiment's tables, in the order they are shown."""
    limits = Table(
        [
            "lab.col.dtype",
            "lab.col.log_max",
            "lab.col.overflow_at",
            "lab.col.underflow_at",
            "lab.col.stable_bad",
        ],
        [
            [
                x.dtype,
                f"{x.log_max:.2f}",
                _maybe(x.overflow_logit),
                _maybe(x.underflow_logit),
                str(x.stable_nonfinite),
            ]
            for x in result.limits
        ],
        title="lab.overflow.t.limits",
    )
    logits = Table(
        [
            "lab.col.weights",
            "lab.col.dtype",
            "lab.col.max_logit",
            "lab.col.naive_bad",
            "lab.col.stable_bad_share",
            "lab.col.agreement",
        ],
        [
            [
                Msg(f"lab.stage.{x.stage}"),
                x.dtype,
                num(x.max_logit),
                pct(x.naive_nonfinite),
                pct(x.stable_nonfinite),
                num(x.agreement, 2),
            ]
            for x in result.logits
        ],
        title="lab.overflow.t.logits",
    )
    training = Table(
        [
            "lab.col.inputs",
            "lab.col.first_loss",
            "lab.col.final_loss",
            "lab.col.final_acc",
            "lab.col.swing",
            "lab.col.saturated",
            "lab.col.verdict",
        ],
        [
            [
                Msg(f"lab.inputs.{k}"),
                num(r.train_loss[0]) if r.train_loss else "-",
                num(r.final_loss),
                pct(r.final_accuracy),
                points(swing(r.test_accuracy)),
                pct(result.saturated[k]),
                Msg(f"lab.status.{result.status[k]}"),
            ]
            for k, r in result.runs.items()
        ],
        title="lab.overflow.t.training",
    )
    return [limits, logits, training]


def _maybe(value: int | None) -> str:
    return "-" if value is None else str(value)


def conclusion(result: OverflowResult, lang: str) -> str:
    """A few sentences chosen and filled by the measured numbers."""
    out: list[Sentence] = []
    f32, f64 = result.limit("float32"), result.limit("float64")
    stable_ok = f32.stable_nonfinite == 0 and f64.stable_nonfinite == 0
    if f32.overflow_logit is not None and f64.overflow_logit is not None:
        out.append(
            Sentence(
                "lab.overflow.c.limits",
                {
                    "z32": f32.overflow_logit,
                    "z64": f64.overflow_logit,
                    "u32": _maybe(f32.underflow_logit),
                    "u64": _maybe(f64.underflow_logit),
                },
            )
        )
    else:
        out.append(Sentence("lab.overflow.c.no_limit", {"limit": SCAN_LIMIT}))
    out.append(Sentence("lab.overflow.c.stable_ok" if stable_ok else "lab.overflow.c.stable_bad"))

    init32, init64 = result.stage("init", "float32"), result.stage("init", "float64")
    raw64 = result.stage("trained_raw", "float64")
    params = {
        "init": result.init,
        "max": num(init32.max_logit),
        "share32": pct(init32.naive_nonfinite),
        "share64": pct(init64.naive_nonfinite),
    }
    if init32.naive_nonfinite > 0 and init64.naive_nonfinite == 0:
        out.append(Sentence("lab.overflow.c.init_f32_only", params))
    elif init64.naive_nonfinite > 0:
        out.append(Sentence("lab.overflow.c.init_both", params))
    else:
        out.append(Sentence("lab.overflow.c.init_none", params))
    key = "lab.overflow.c.trained_bad" if raw64.naive_nonfinite > 0 else "lab.overflow.c.trained_ok"
    out.append(Sentence(key, {"max": num(raw64.max_logit), "share64": pct(raw64.naive_nonfinite)}))

    raw, scaled = result.runs["none"], result.runs["scale"]
    s_raw, s_scaled = result.status["none"], result.status["scale"]
    common = {
        "lr": f"{result.lr:g}",
        "loss_raw": num(raw.final_loss),
        "loss_scaled": num(scaled.final_loss),
        "uniform": num(result.uniform_loss),
        "acc_raw": pct(raw.final_accuracy),
        "acc_scaled": pct(scaled.final_accuracy),
        "swing_raw": points(swing(raw.test_accuracy)),
        "swing_scaled": points(swing(scaled.test_accuracy)),
        "epochs": len(raw.train_loss),
    }
    if s_raw == "unstable" and math.isfinite(scaled.final_loss) and scaled.final_loss > 0:
        common["ratio"] = num(raw.final_loss / scaled.final_loss, 2)
        out.append(Sentence("lab.overflow.c.raw_unstable", common))
    elif s_raw == "unstable":
        out.append(Sentence("lab.overflow.c.raw_unstable_plain", common))
    else:
        out.append(Sentence(f"lab.overflow.c.raw_{s_raw}", common))
    out.append(Sentence(f"lab.overflow.c.scaled_{s_scaled}", common))
    if s_raw != "diverged" and s_raw != "converged":
        gap = scaled.final_accuracy - raw.final_accuracy
        sat = {
            "gap": points(gap),
            "sat": pct(result.saturated["none"]),
            "sat_scaled": pct(result.saturated["scale"]),
            "threshold": f"{1 - SATURATED:g}",
        }
        if gap < 0.10:
            out.append(Sentence("lab.overflow.c.accuracy_hides", {**common, **sat}))
        else:
            out.append(Sentence("lab.overflow.c.accuracy_shows", {**common, **sat}))
    return join_sentences(out, lang)


def plots(result: OverflowResult, folder: str | Path, lang: str) -> list[Path]:
    """``overflow_logits.png`` (largest logit per stage vs the float limits) and
    ``overflow_training.png`` (loss and test accuracy per epoch, raw vs scaled)."""
    plt = pyplot()
    paths = []

    fig, ax = plt.subplots(figsize=(6.4, 3.6))
    labels, values = [], []
    for stage in ("init", "trained_raw"):
        x = result.stage(stage, "float64")
        labels.append(t(f"lab.stage.{stage}", lang))
        values.append(max(x.max_logit, 1e-12))
    ax.barh(labels, values, color=["#4c72b0", "#dd8452"])
    for lim, style in zip(result.limits, ("--", ":"), strict=True):
        ax.axvline(
            lim.log_max,
            color="k",
            linestyle=style,
            label=f"{lim.dtype}: ln(max) = {lim.log_max:.1f}",
        )
    ax.set_xscale("log")
    ax.set_xlabel(t("lab.plot.max_logit", lang))
    ax.set_title(t("lab.plot.overflow_title", lang, dataset=result.dataset))
    ax.legend(fontsize=8)
    paths.append(save_figure(fig, folder, "overflow_logits.png"))

    fig = loss_accuracy_figure(
        result.runs,
        lambda kind: t(f"lab.inputs.{kind}", lang),
        lang,
        reference=(0, result.uniform_loss, t("lab.plot.uniform", lang)),
    )
    fig.suptitle(t("lab.plot.raw_vs_scaled", lang, lr=f"{result.lr:g}"))
    paths.append(save_figure(fig, folder, "overflow_training.png"))
    return paths
