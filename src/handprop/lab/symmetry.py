"""Experiment ``symmetry``: the hidden-layer symmetry trap, made visible.

A one-hidden-layer network starts once from a constant init (every weight 0.01) and once from
xavier and kaiming. After every epoch the experiment measures how different the hidden units
are: ``hidden_spread`` is the largest difference between the weights of two units (incoming
row of W1, bias, outgoing column of W2), ``distinct_units`` how many different units there are.

Why it happens: with equal weights every hidden unit computes the same value, so by the chain
rule every unit receives the same gradient (``delta1 = (delta2 @ W2) * act'(Z1)`` has equal
columns when W2's columns are equal), and an equal update keeps them equal: H units behave as
one. In exact arithmetic they stay identical forever; the float64 run shows that. The constant
run is repeated in float32, where rounding differs slightly between units and the symmetric
state, being unstable, may slowly come apart: the experiment shows how far.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from handprop.lab._common import (
    DEFAULT_DATASET,
    MLPSettings,
    Run,
    Sentence,
    Table,
    join_sentences,
    load,
    num,
    pct,
    points,
    pyplot,
    save_figure,
    single_blas_thread,
    train_mlp,
)
from handprop.messages import Msg, t

#: run label -> (init scheme, dtype)
RUNS: dict[str, tuple[str, Any]] = {
    "constant": ("constant", np.float64),
    "constant_float32": ("constant", np.float32),
    "xavier": ("xavier", np.float64),
    "kaiming": ("kaiming", np.float64),
}
#: a spread at most this (relative to the largest weight) counts as "identical up to rounding"
IDENTICAL_RTOL = 1e-6
#: a first measured float32 spread this large (relative) means rounding split the units at once
SPLIT_FAST = 1e-3
#: number of hidden units drawn as images in the plot
SHOWN_UNITS = 8


@dataclass
class SymmetryResult(MLPSettings):
    """Everything the ``symmetry`` experiment measured."""

    runs: dict[str, Run]
    max_weight: dict[str, float]  # largest |weight| of the final network, per run
    images: dict[str, Any] = field(default_factory=dict, repr=False)  # W1 rows, for the plot
    image_shape: tuple[int, int] | None = None
    plots: list[str] = field(default_factory=list)

    def spread(self, label: str) -> float:
        """The final hidden spread of run ``label``."""
        return self.runs[label].extra["hidden_spread"][-1]

    def distinct(self, label: str) -> int:
        return int(self.runs[label].extra["distinct_units"][-1])

    def identical(self, label: str) -> bool:
        """All hidden units equal up to rounding at the end of run ``label``."""
        return self.spread(label) <= IDENTICAL_RTOL * max(self.max_weight[label], 1e-300)

    def to_dict(self) -> dict[str, Any]:
        return {
            **self.settings("symmetry"),
            "runs": {
                k: {
                    **r.to_dict(),
                    "dtype": np.dtype(RUNS[k][1]).name if k in RUNS else None,
                    "final_hidden_spread": self.spread(k),
                    "final_distinct_units": self.distinct(k),
                    "identical": self.identical(k),
                    "max_weight": self.max_weight[k],
                }
                for k, r in self.runs.items()
            },
            "plots": list(self.plots),
        }


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
    runs: tuple[str, ...] = tuple(RUNS),
    data_dir: str | None = None,
    ds: Any = None,
) -> SymmetryResult:
    """Train the network from each start in ``runs`` (keys of :data:`RUNS`), inputs scaled."""
    ds = ds if ds is not None else load(dataset, data_dir)
    results: dict[str, Run] = {}
    max_weight: dict[str, float] = {}
    images: dict[str, Any] = {}
    for label in runs:
        scheme, dtype = RUNS[label]
        kept: dict[str, Any] = {}
        results[label] = train_mlp(
            ds,
            label,
            init=scheme,
            activation=activation,
            hidden=hidden,
            normalize="scale",
            lr=lr,
            batch_size=batch_size,
            epochs=epochs,
            seed=seed,
            dtype=dtype,
            keep=kept,
        )
        model = kept["model"]
        max_weight[label] = float(np.max(np.abs(model.hidden_units())))
        images[label] = np.array(model.W1[:SHOWN_UNITS], dtype=np.float64)
    return SymmetryResult(
        dataset=ds.name,
        seed=seed,
        lr=lr,
        batch_size=batch_size,
        epochs=epochs,
        hidden=hidden,
        activation=activation,
        runs=results,
        max_weight=max_weight,
        images=images,
        image_shape=ds.image_shape,
    )


# ------------------------------------------------------------------------------------- output


def tables(result: SymmetryResult) -> list[Table]:
    """The experiment's tables, in the order they are shown."""
    rows: list[list[str | Msg]] = []
    for label, r in result.runs.items():
        spread = r.extra["hidden_spread"]
        rows.append(
            [
                Msg(f"lab.run.{label}"),
                num(spread[0], 2),
                num(spread[min(1, len(spread) - 1)], 2),
                num(spread[-1], 2),
                f"{result.distinct(label)}/{result.hidden}",
                pct(r.final_accuracy),
            ]
        )
    header = [
        "lab.col.start",
        "lab.col.spread0",
        "lab.col.spread1",
        "lab.col.spread_end",
        "lab.col.distinct",
        "lab.col.final_acc",
    ]
    return [Table(header, rows, title="lab.symmetry.t.summary")]


def conclusion(result: SymmetryResult, lang: str) -> str:
    """Did equal units stay equal, what did it cost, and what did rounding do in float32."""
    out: list[Sentence] = []
    R = result.runs
    randoms = [k for k in ("xavier", "kaiming") if k in R]
    best: str | None = max(randoms, key=lambda k: R[k].final_accuracy) if randoms else None
    if "constant" in R:
        params = {
            "hidden": result.hidden,
            "epochs": len(R["constant"].train_loss),
            "spread": num(result.spread("constant"), 2),
            "distinct": result.distinct("constant"),
            "acc": pct(R["constant"].final_accuracy),
        }
        key = "lab.symmetry.c.stayed" if result.identical("constant") else "lab.symmetry.c.split"
        out.append(Sentence(key, params))
        if best is not None:
            gap = R[best].final_accuracy - R["constant"].final_accuracy
            p = {
                **params,
                "best": best,
                "best_acc": pct(R[best].final_accuracy),
                "gap": points(gap),
                "others": ", ".join(
                    f"{k} {pct(R[k].final_accuracy)} ({result.distinct(k)}/{result.hidden})"
                    for k in randoms
                ),
            }
            if gap >= 0.2:
                key = "lab.symmetry.c.cost_large"
            elif gap > 0.01:
                key = "lab.symmetry.c.cost_small"
            else:
                key = "lab.symmetry.c.cost_none"
            out.append(Sentence(key, p))
    if randoms:
        all_distinct = all(result.distinct(k) == result.hidden for k in randoms)
        out.append(
            Sentence(
                "lab.symmetry.c.random_distinct"
                if all_distinct
                else "lab.symmetry.c.random_merged",
                {"spread": num(min(result.spread(k) for k in randoms), 2), "hidden": result.hidden},
            )
        )
    if "constant_float32" in R:
        spreads = R["constant_float32"].extra["hidden_spread"]
        first = next((s for s in spreads if s > 0), 0.0)
        first_epoch = next((i for i, s in enumerate(spreads) if s > 0), None)
        params = {
            "first": num(first, 2),
            "first_epoch": first_epoch if first_epoch is not None else "-",
            "last": num(spreads[-1], 2),
            "epochs": len(spreads) - 1,
            "acc": pct(R["constant_float32"].final_accuracy),
            "distinct": result.distinct("constant_float32"),
            "hidden": result.hidden,
        }
        if spreads[-1] == 0:
            key = "lab.symmetry.c.f32_exact"
        elif result.identical("constant_float32"):
            key = "lab.symmetry.c.f32_rounding"
        elif first >= SPLIT_FAST * result.max_weight["constant_float32"]:
            key = "lab.symmetry.c.f32_broke_fast"
        else:
            grow = spreads[-1] / first if first > 0 else math.inf
            params["factor"] = num(grow, 2)
            key = "lab.symmetry.c.f32_broke"
        out.append(Sentence(key, params))
    out.append(Sentence("lab.symmetry.c.softmax_note"))
    return join_sentences(out, lang)


def plots(result: SymmetryResult, folder: str | Path, lang: str) -> list[Path]:
    """``symmetry_spread.png`` (hidden spread per epoch, log scale) and, for image data,
    ``symmetry_units.png`` (the first hidden units' incoming weights as images)."""
    plt = pyplot()
    paths = []
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(9, 3.6))
    floor = 1e-18
    for label, r in result.runs.items():
        spread = r.extra["hidden_spread"]
        name = t(f"lab.run.{label}", lang)
        ax1.plot(range(len(spread)), [max(s, floor) for s in spread], marker="o", label=name)
        ax2.plot(range(1, len(r.test_accuracy) + 1), r.test_accuracy, marker="o", label=name)
    ax1.set_yscale("log")
    ax1.set_xlabel(t("lab.plot.epoch", lang))
    ax1.set_ylabel(t("lab.plot.spread", lang))
    ax1.text(
        0.02,
        0.02,
        t("lab.plot.zero_floor", lang, floor=f"{floor:g}"),
        transform=ax1.transAxes,
        fontsize=7,
    )
    ax2.set_xlabel(t("lab.plot.epoch", lang))
    ax2.set_ylabel(t("lab.plot.test_accuracy", lang))
    ax1.legend(fontsize=7)
    fig.suptitle(t("lab.plot.symmetry_title", lang, dataset=result.dataset, hidden=result.hidden))
    paths.append(save_figure(fig, folder, "symmetry_spread.png"))

    shape = result.image_shape
    labels = [k for k in ("constant", "xavier") if k in result.images]
    if shape is not None and labels:
        n = min(SHOWN_UNITS, result.hidden)
        fig, axes = plt.subplots(len(labels), n, figsize=(1.2 * n, 1.4 * len(labels) + 0.4))
        axes = np.atleast_2d(axes)
        for row, label in enumerate(labels):
            W1 = result.images[label]
            lim = float(np.max(np.abs(W1))) or 1.0
            for j in range(n):
                ax = axes[row, j]
                ax.imshow(W1[j].reshape(shape), cmap="RdBu_r", vmin=-lim, vmax=lim)
                ax.set_xticks([])
                ax.set_yticks([])
                if j == 0:
                    ax.set_ylabel(t(f"lab.run.{label}", lang), fontsize=8)
        fig.suptitle(t("lab.plot.units_title", lang))
        paths.append(save_figure(fig, folder, "symmetry_units.png"))
    return paths
