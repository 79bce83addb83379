"""Experiment ``normalize``: none vs scale vs center vs standardize on softmax regression.

The same init, data order, lr and number of epochs for each normalisation; measured per epoch:
training loss and test accuracy. The summary gives, for a target test accuracy, the first epoch
that reached it and the first epoch from which it *held* to the end of the run (a raw run can
touch a target once by a lucky jump and fall back), the final loss, how much the accuracy still
swings over the last epochs, and the range of the inputs the model saw.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from handprop.lab._common import (
    DEFAULT_DATASET,
    Run,
    Sentence,
    SoftmaxSettings,
    Table,
    epochs_text,
    epochs_to_hold,
    epochs_to_reach,
    join_sentences,
    load,
    loss_accuracy_figure,
    num,
    pct,
    points,
    save_figure,
    single_blas_thread,
    swing,
    train_softmax,
    transformed,
)
from handprop.messages import Msg, t

KINDS = ("none", "scale", "center", "standardize")

#: the default target test accuracy per data set (about what softmax regression reaches in a
#: few epochs with scaled inputs); other data sets use DEFAULT_TARGET
TARGETS = {
    "digits": 0.90,
    "iris": 0.90,
    "mnist-5k": 0.85,
    "mnist": 0.88,
    "fashion-mnist": 0.80,
    "kmnist": 0.65,
}
DEFAULT_TARGET = 0.80
#: an accuracy swing (max - min over the last epochs) above this counts as unsteady
WOBBLY = 0.05


@dataclass
class KindSummary:
    """One normalisation's numbers."""

    kind: str
    input_min: float
    input_max: float
    mean_sq_norm: float  # mean over training rows of ||x||^2 after normalisation
    epochs_to_reach: int | None
    epochs_to_hold: int | None
    final_loss: float
    final_accuracy: float
    swing: float


@dataclass
class NormalizeResult(SoftmaxSettings):
    """Everything the ``normalize`` experiment measured."""

    target: float
    pixel_max: float | None
    runs: dict[str, Run]
    summary: dict[str, KindSummary]
    plots: list[str] = field(default_factory=list)

    def ranking(self) -> list[str]:
        """Kinds from fastest to slowest: epochs to hold the target (never = last), then loss."""

        def key(kind: str) -> tuple[float, float]:
            s = self.summary[kind]
            held = math.inf if s.epochs_to_hold is None else s.epochs_to_hold
            loss = s.final_loss if math.isfinite(s.final_loss) else math.inf
            return held, loss

        return sorted(self.summary, key=key)

    def to_dict(self) -> dict[str, Any]:
        return {
            **self.settings("normalize"),
            "target": self.target,
            "pixel_max": self.pixel_max,
            "summary": {k: vars(s) for k, s in self.summary.items()},
            "ranking": self.ranking(),
            "runs": {k: r.to_dict() for k, r in self.runs.items()},
            "plots": list(self.plots),
        }


@single_blas_thread
def run(
    dataset: str = DEFAULT_DATASET,
    *,
    seed: int = 0,
    init: str = "xavier",
    lr: float = 0.1,
    batch_size: int = 64,
    epochs: int = 10,
    target: float | None = None,
    kinds: tuple[str, ...] = KINDS,
    data_dir: str | None = None,
    ds: Any = None,
) -> NormalizeResult:
    """Train once per normalisation ``kinds`` and summarise (see the module docstring)."""
    ds = ds if ds is not None else load(dataset, data_dir)
    target = TARGETS.get(ds.name, DEFAULT_TARGET) if target is None else float(target)
    runs: dict[str, Run] = {}
    summary: dict[str, KindSummary] = {}
    for kind in kinds:
        r = train_softmax(
            ds,
            kind,
            init=init,
            normalize=kind,
            lr=lr,
            batch_size=batch_size,
            epochs=epochs,
            seed=seed,
        )
        runs[kind] = r
        X = transformed(ds, kind, ds.X_train)
        summary[kind] = KindSummary(
            kind=kind,
            input_min=float(np.min(X)),
            input_max=float(np.max(X)),
            mean_sq_norm=float(np.mean(np.einsum("nd,nd->n", X, X, dtype=np.float64))),
            epochs_to_reach=epochs_to_reach(r.test_accuracy, target),
            epochs_to_hold=epochs_to_hold(r.test_accuracy, target),
            final_loss=r.final_loss,
            final_accuracy=r.final_accuracy,
            swing=swing(r.test_accuracy),
        )
    return NormalizeResult(
        dataset=ds.name,
        seed=seed,
        init=init,
        lr=lr,
        batch_size=batch_size,
        epochs=epochs,
        target=target,
        pixel_max=ds.pixel_max,
        runs=runs,
        summary=summary,
    )


# ------------------------------------------------------------------------------------- output


def tables(result: NormalizeResult) -> list[Table]:
    """The experiment's tables, in the order they are shown."""
    rows: list[list[str | Msg]] = []
    for kind in result.summary:
        s = result.summary[kind]
        rows.append(
            [
                Msg(f"lab.kind.{kind}"),
                f"{num(s.input_min)} .. {num(s.input_max)}",
                num(s.mean_sq_norm),
                _epochs(s.epochs_to_reach),
                _epochs(s.epochs_to_hold),
                num(s.final_loss),
                pct(s.final_accuracy),
                points(s.swing),
            ]
        )
    header = [
        "lab.col.normalize",
        "lab.col.input_range",
        "lab.col.sq_norm",
        "lab.col.reach",
        "lab.col.hold",
        "lab.col.final_loss",
        "lab.col.final_acc",
        "lab.col.swing",
    ]
    return [Table(header, rows, title="lab.normalize.t.summary")]


def _epochs(value: int | None) -> str | Msg:
    return Msg("lab.never") if value is None else str(value)


def conclusion(result: NormalizeResult, lang: str) -> str:
    """Which normalisation held the target first, how raw compares, what the losses say."""
    out: list[Sentence] = []
    S = result.summary
    order = result.ranking()
    best = S[order[0]]
    target = pct(result.target, 0)
    if best.epochs_to_hold is None:
        out.append(Sentence("lab.normalize.c.nobody", {"target": target, "epochs": result.epochs}))
    else:
        tied = [k for k in order if S[k].epochs_to_hold == best.epochs_to_hold]
        out.append(
            Sentence(
                "lab.normalize.c.best" if len(tied) == 1 else "lab.normalize.c.best_tied",
                {
                    "kind": Msg(f"lab.kind.{best.kind}"),
                    "target": target,
                    "epoch": best.epochs_to_hold,
                    "others": ", ".join(t(f"lab.kind.{k}", lang) for k in tied[1:]),
                    "loss": num(best.final_loss),
                },
            )
        )
    if "none" in S and "scale" in S:
        raw, sc = S["none"], S["scale"]
        params = {
            "target": target,
            "raw": epochs_text(raw.epochs_to_hold, lang),
            "scaled": epochs_text(sc.epochs_to_hold, lang),
            "raw_reach": epochs_text(raw.epochs_to_reach, lang),
            "epochs": result.epochs,
            "max": num(raw.input_max),
            "loss_raw": num(raw.final_loss),
            "loss_scaled": num(sc.final_loss),
            "swing_raw": points(raw.swing),
            "swing_scaled": points(sc.swing),
        }
        r_held = math.inf if raw.epochs_to_hold is None else raw.epochs_to_hold
        s_held = math.inf if sc.epochs_to_hold is None else sc.epochs_to_hold
        if s_held < r_held:
            if raw.epochs_to_hold is None:
                key = "lab.normalize.c.raw_never"
            else:
                key = "lab.normalize.c.scaled_sooner"
                params["diff"] = r_held - s_held
            out.append(Sentence(key, params))
        elif s_held > r_held:
            out.append(Sentence("lab.normalize.c.raw_sooner", params))
        elif raw.epochs_to_hold is None:
            if best.epochs_to_hold is not None:  # else "nobody" has said it
                out.append(Sentence("lab.normalize.c.both_never", params))
        else:
            out.append(Sentence("lab.normalize.c.raw_same", params))
        if math.isfinite(raw.final_loss) and math.isfinite(sc.final_loss) and sc.final_loss > 0:
            ratio = raw.final_loss / sc.final_loss
            if ratio > 2:
                out.append(
                    Sentence("lab.normalize.c.loss_raw_worse", {**params, "ratio": num(ratio, 2)})
                )
            elif ratio < 0.5:
                out.append(
                    Sentence(
                        "lab.normalize.c.loss_raw_better", {**params, "ratio": num(1 / ratio, 2)}
                    )
                )
            else:
                out.append(Sentence("lab.normalize.c.loss_similar", params))
    norms = ", ".join(f"{t(f'lab.kind.{k}', lang)} {num(S[k].mean_sq_norm)}" for k in S)
    out.append(Sentence("lab.normalize.c.norms", {"norms": norms, "lr": f"{result.lr:g}"}))
    steady = [k for k in S if k != "none" and math.isfinite(S[k].swing)]
    if steady and "scale" in S:
        wobbly = max(steady, key=lambda k: S[k].swing)
        w, sc = S[wobbly], S["scale"]
        if wobbly != "scale" and w.swing > WOBBLY and w.mean_sq_norm > sc.mean_sq_norm:
            out.append(
                Sentence(
                    "lab.normalize.c.wobbly",
                    {
                        "kind": Msg(f"lab.kind.{wobbly}"),
                        "swing": points(w.swing),
                        "norm": num(w.mean_sq_norm),
                        "norm_scale": num(sc.mean_sq_norm),
                        "swing_scale": points(sc.swing),
                    },
                )
            )
    finite = [k for k in order if math.isfinite(S[k].final_loss)]
    if finite:
        lowest = min(finite, key=lambda k: S[k].final_loss)
        out.append(
            Sentence(
                "lab.normalize.c.lowest_loss",
                {
                    "kind": Msg(f"lab.kind.{lowest}"),
                    "loss": num(S[lowest].final_loss),
                    "acc": pct(S[lowest].final_accuracy),
                },
            )
        )
    return join_sentences(out, lang)


def plots(result: NormalizeResult, folder: str | Path, lang: str) -> list[Path]:
    """``normalize_curves.png``: training loss (log) and test accuracy per epoch, per kind."""
    fig = loss_accuracy_figure(
        result.runs,
        lambda kind: t(f"lab.kind.{kind}", lang),
        lang,
        reference=(1, result.target, t("lab.plot.target", lang)),
    )
    fig.suptitle(t("lab.plot.normalize_title", lang, dataset=result.dataset, lr=f"{result.lr:g}"))
    return [save_figure(fig, folder, "normalize_curves.png")]
