"""Experiment ``init``: six initialisation schemes on softmax regression and on a hidden layer.

Each scheme of :mod:`handprop.init` (zeros, constant, normal, xavier, kaiming, torch) trains
softmax regression and a one-hidden-layer network (:mod:`handprop.mlp`) with the same data
order, lr and epochs. Softmax regression is convex and every class row gets its own gradient
``delta[:, k] @ X``, so zeros should do as well as any random start; with a hidden layer, equal
starting weights give every hidden unit the same gradient forever, which the numbers show.
"""

from __future__ import annotations

import math
import statistics
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypedDict

from handprop.lab._common import (
    DEFAULT_DATASET,
    MLPSettings,
    Run,
    Sentence,
    Table,
    finite_or_none,
    join_sentences,
    load,
    num,
    pct,
    points,
    pyplot,
    save_figure,
    single_blas_thread,
    train_mlp,
    train_softmax,
)
from handprop.messages import Msg, t

SCHEMES = ("zeros", "constant", "normal", "xavier", "kaiming", "torch")
#: the schemes that draw random numbers (the others start every unit equal)
RANDOM = ("normal", "xavier", "kaiming", "torch")
#: accuracy gaps, in fractions, that the conclusion calls small / large
SMALL_GAP = 0.01
LARGE_GAP = 0.20


@dataclass
class InitResult(MLPSettings):
    """Everything the ``init`` experiment measured."""

    softmax: dict[str, Run]
    mlp: dict[str, Run]
    plots: list[str] = field(default_factory=list)

    def random_mean(self, model: str) -> float:
        """Mean final test accuracy of the random schemes for ``model`` ("softmax"/"mlp")."""
        runs = getattr(self, model)
        accs = [runs[s].final_accuracy for s in RANDOM if s in runs]
        return statistics.fmean(accs) if accs else math.nan

    def best_random(self, model: str) -> str | None:
        runs = getattr(self, model)
        present = [s for s in RANDOM if s in runs]
        return max(present, key=lambda s: runs[s].final_accuracy) if present else None

    def to_dict(self) -> dict[str, Any]:
        def spread(r: Run) -> float | None:
            values = r.extra.get("hidden_spread")
            return values[-1] if values else None

        return {
            **self.settings("init"),
            "softmax": {k: r.to_dict() for k, r in self.softmax.items()},
            "mlp": {
                k: {**r.to_dict(), "final_hidden_spread": spread(r)} for k, r in self.mlp.items()
            },
            "softmax_random_mean_accuracy": self.random_mean("softmax"),
            "mlp_random_mean_accuracy": self.random_mean("mlp"),
            "plots": list(self.plots),
        }


class _Settings(TypedDict):
    """What every run of :func:`run` shares."""

    lr: float
    batch_size: int
    epochs: int
    seed: int


@single_blas_thread
def run(
    dataset: str = DEFAULT_DATASET,
    *,
    seed: int = 0,
    lr: float = 0.1,
    batch_size: int = 64,
    epochs: int = 10,
    hidden: int = 32,
    activation: str = "relu",
    schemes: tuple[str, ...] = SCHEMES,
    models: tuple[str, ...] = ("softmax", "mlp"),
    data_dir: str | None = None,
    ds: Any = None,
) -> InitResult:
    """Train each of ``models`` ("softmax", "mlp") once per scheme (inputs scaled to [0, 1])."""
    ds = ds if ds is not None else load(dataset, data_dir)
    common = _Settings(lr=lr, batch_size=batch_size, epochs=epochs, seed=seed)
    softmax, mlp = {}, {}
    for s in schemes:
        if "softmax" in models:
            softmax[s] = train_softmax(ds, s, init=s, normalize="scale", **common)
        if "mlp" in models:
            mlp[s] = train_mlp(
                ds, s, init=s, activation=activation, hidden=hidden, normalize="scale", **common
            )
    return InitResult(
        dataset=ds.name,
        seed=seed,
        lr=lr,
        batch_size=batch_size,
        epochs=epochs,
        hidden=hidden,
        activation=activation,
        softmax=softmax,
        mlp=mlp,
    )


# ------------------------------------------------------------------------------------- output


def tables(result: InitResult) -> list[Table]:
    """The experiment's tables, in the order they are shown."""
    rows = []
    for scheme in dict.fromkeys([*result.softmax, *result.mlp]):
        row: list[str | Msg] = [Msg(f"lab.scheme.{scheme}")]
        sr = result.softmax.get(scheme)
        row += [num(sr.final_loss), pct(sr.final_accuracy)] if sr else ["-", "-"]
        net = result.mlp.get(scheme)
        if net is None:
            row += ["-", "-", "-", "-"]
        else:
            spread = net.extra["hidden_spread"][-1]
            distinct = net.extra["distinct_units"][-1]
            row += [
                num(net.final_loss),
                pct(net.final_accuracy),
                num(spread, 2),
                f"{distinct:.0f}/{result.hidden}",
            ]
        rows.append(row)
    header = [
        "lab.col.init",
        "lab.col.sr_loss",
        "lab.col.sr_acc",
        "lab.col.mlp_loss",
        "lab.col.mlp_acc",
        "lab.col.spread",
        "lab.col.distinct",
    ]
    return [Table(header, rows, title="lab.init.t.summary")]


def units(distinct: int, hidden: int) -> Msg:
    """How many kinds of hidden unit there are, in words: all identical, some, all different."""
    if distinct == 1:
        return Msg("lab.units.identical", hidden=hidden)
    if distinct == hidden:
        return Msg("lab.units.all", hidden=hidden)
    return Msg("lab.units.kinds", hidden=hidden, distinct=distinct)


def conclusion(result: InitResult, lang: str) -> str:
    """Softmax regression from zeros vs random; the hidden layer from equal vs random weights."""
    out: list[Sentence] = []
    sr, mlp = result.softmax, result.mlp
    sr_mean = result.random_mean("softmax")
    if "zeros" in sr and math.isfinite(sr_mean):
        gap = sr["zeros"].final_accuracy - sr_mean
        params: dict[str, str | Msg] = {
            "zeros": pct(sr["zeros"].final_accuracy),
            "mean": pct(sr_mean),
            "gap": points(gap),
        }
        if abs(gap) <= SMALL_GAP:
            key = "lab.init.c.sr_zeros_fine"
        elif gap > 0:
            key = "lab.init.c.sr_zeros_better"
        else:
            key = "lab.init.c.sr_zeros_worse"
        out.append(Sentence(key, params))
    if "zeros" in sr and "constant" in sr:
        z, c = sr["zeros"], sr["constant"]
        same = z.test_accuracy == c.test_accuracy and all(
            abs(a - b) <= 1e-6 * max(1.0, abs(a))
            for a, b in zip(z.train_loss, c.train_loss, strict=True)
        )
        out.append(
            Sentence(
                "lab.init.c.sr_constant_same" if same else "lab.init.c.sr_constant_differs",
                {"acc": pct(c.final_accuracy), "zeros": pct(z.final_accuracy)},
            )
        )
    best = result.best_random("mlp")
    if best is not None:
        best_acc = mlp[best].final_accuracy
        for scheme in ("zeros", "constant"):
            if scheme not in mlp:
                continue
            r = mlp[scheme]
            gap = best_acc - r.final_accuracy
            params = {
                "scheme": Msg(f"lab.scheme.{scheme}"),
                "acc": pct(r.final_accuracy),
                "best": Msg(f"lab.scheme.{best}"),
                "best_acc": pct(best_acc),
                "gap": points(gap),
                "spread": num(r.extra["hidden_spread"][-1], 2),
                "units": units(int(r.extra["distinct_units"][-1]), result.hidden),
            }
            if gap >= LARGE_GAP:
                key = "lab.init.c.mlp_trap"
            elif gap > SMALL_GAP:
                key = "lab.init.c.mlp_behind"
            else:
                key = "lab.init.c.mlp_no_trap"
            out.append(Sentence(key, params))
        if "zeros" in sr and "zeros" in mlp:
            out.append(
                Sentence(
                    "lab.init.c.contrast",
                    {
                        "sr_gap": points(sr["zeros"].final_accuracy - sr_mean),
                        "mlp_gap": points(best_acc - mlp["zeros"].final_accuracy),
                    },
                )
            )
        slowest = min((s for s in RANDOM if s in mlp), key=lambda s: mlp[s].final_accuracy)
        lag = best_acc - mlp[slowest].final_accuracy
        if lag > SMALL_GAP:
            out.append(
                Sentence(
                    "lab.init.c.random_lag",
                    {
                        "slow": Msg(f"lab.scheme.{slowest}"),
                        "acc": pct(mlp[slowest].final_accuracy),
                        "best": Msg(f"lab.scheme.{best}"),
                        "best_acc": pct(best_acc),
                        "gap": points(lag),
                    },
                )
            )
        else:
            out.append(Sentence("lab.init.c.random_close", {"gap": points(lag)}))
    return join_sentences(out, lang)


def plots(result: InitResult, folder: str | Path, lang: str) -> list[Path]:
    """``init_curves.png``: test accuracy per epoch for each scheme, both models."""
    plt = pyplot()
    fig, axes = plt.subplots(1, 2, figsize=(9, 3.6), sharey=True)
    for ax, runs, title in (
        (axes[0], result.softmax, t("lab.plot.softmax_model", lang)),
        (
            axes[1],
            result.mlp,
            t("lab.plot.mlp_model", lang, hidden=result.hidden, act=result.activation),
        ),
    ):
        for scheme, r in runs.items():
            epochs = range(1, len(r.test_accuracy) + 1)
            ax.plot(epochs, finite_or_none(r.test_accuracy), marker="o", label=scheme)
        ax.set_title(title)
        ax.set_xlabel(t("lab.plot.epoch", lang))
    axes[0].set_ylabel(t("lab.plot.test_accuracy", lang))
    axes[1].legend(fontsize=8)
    fig.suptitle(t("lab.plot.init_title", lang, dataset=result.dataset))
    return [save_figure(fig, folder, "init_curves.png")]
