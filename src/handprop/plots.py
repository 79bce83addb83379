"""PNG plots of a training run and a model: curves, the weights as images, a confusion matrix.

matplotlib is imported inside the functions and used through its object API (``Figure`` with
the Agg canvas), so nothing here touches pyplot's global state or needs a display. Every file
is written atomically. Titles and labels come from the message catalogue, in English or Chinese:
the text is drawn in :func:`handprop.fonts.matplotlib_family` (the shipped CJK font for the
characters matplotlib's own font lacks), so Chinese shows on any machine.
"""

from __future__ import annotations

import io
import math
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from handprop.messages import t


def _font() -> dict[str, Any]:
    """The font keywords of every text of a plot: the Latin and CJK families."""
    from handprop.fonts import matplotlib_family

    return {"fontfamily": matplotlib_family()}


def _figure(width: float, height: float) -> Any:
    from matplotlib.figure import Figure

    return Figure(figsize=(width, height), dpi=100, layout="constrained")


def _save(fig: Any, path: str | os.PathLike[str]) -> Path:
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    from handprop.fileio import write_atomic

    buf = io.BytesIO()
    FigureCanvasAgg(fig).print_png(buf)
    return write_atomic(path, buf.getvalue())


def plot_curves(history: Sequence[Any], path: str | os.PathLike[str], *, lang: str = "en") -> Path:
    """Loss (left) and accuracy (right) per epoch from ``history`` (EpochRecord list or dicts).

    Plots the training loss and accuracy of the kept model (the running means over each
    epoch's batches where those were not measured), and the validation and test figures when
    present.
    """
    from matplotlib.ticker import MaxNLocator

    font = _font()
    rows = [r if isinstance(r, dict) else r.to_dict() for r in history]
    epochs = [r["epoch"] for r in rows]
    fig = _figure(10, 4)
    ax_loss, ax_acc = fig.subplots(1, 2)

    def series(ax: Any, label: str, getter: Any) -> None:
        values = [getter(r) for r in rows]
        if any(v is not None for v in values):
            ys = [math.nan if v is None else v for v in values]
            ax.plot(epochs, ys, marker="o", label=t(label, lang))

    measured = any(r.get("train_loss") is not None for r in rows)
    train = ("train.plot.train", "train") if measured else ("train.plot.running", "running")
    for ax, what in ((ax_loss, "loss"), (ax_acc, "accuracy")):
        series(ax, train[0], lambda r, what=what: r.get(f"{train[1]}_{what}"))
        series(ax, "train.plot.validation", lambda r, what=what: r.get(f"val_{what}"))
        series(ax, "train.plot.test", lambda r, what=what: r.get(f"test_{what}"))
    for ax, title in ((ax_loss, "train.plot.loss"), (ax_acc, "train.plot.accuracy")):
        ax.set_title(t(title, lang), **font)
        ax.set_xlabel(t("train.plot.epoch", lang), **font)
        ax.grid(True, alpha=0.3)
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        if ax.lines:
            ax.legend(prop={"family": font["fontfamily"]})
    return _save(fig, path)


def plot_weights(
    W: NDArray[np.floating],
    image_shape: tuple[int, int],
    class_names: Sequence[str],
    path: str | os.PathLike[str],
    *,
    lang: str = "en",
) -> Path:
    """Each row ``W[k]`` (D = H x W) drawn as an image: red where a pixel's ink raises the
    score of class k, blue where it lowers it (one symmetric colour scale for all classes).
    """
    font = _font()
    K = W.shape[0]
    cols = min(K, 5)
    rows = math.ceil(K / cols)
    fig = _figure(2.0 * cols, 2.2 * rows + 0.4)
    limit = float(np.max(np.abs(W))) or 1.0
    axes = np.atleast_1d(fig.subplots(rows, cols)).ravel()
    image = None
    for k, ax in enumerate(axes):
        ax.set_xticks([])
        ax.set_yticks([])
        if k >= K:
            ax.set_visible(False)
            continue
        image = ax.imshow(
            np.asarray(W[k], dtype=np.float64).reshape(image_shape),
            cmap="RdBu_r",
            vmin=-limit,
            vmax=limit,
            interpolation="nearest",
        )
        ax.set_title(str(class_names[k]), fontsize=10, **font)
    fig.suptitle(t("train.plot.weights", lang), **font)
    if image is not None:
        fig.colorbar(image, ax=list(axes[:K]), shrink=0.6)
    return _save(fig, path)


def plot_confusion(
    confusion: NDArray[np.integer],
    class_names: Sequence[str],
    path: str | os.PathLike[str],
    *,
    lang: str = "en",
) -> Path:
    """The confusion matrix (rows: true class, columns: predicted), counts written in cells."""
    font = _font()
    C = np.asarray(confusion)
    K = C.shape[0]
    size = max(4.0, 0.55 * K + 2.5)
    fig = _figure(size, size)
    ax = fig.subplots()
    image = ax.imshow(C, cmap="Blues", interpolation="nearest")
    fig.colorbar(image, ax=ax, shrink=0.8)
    ticks = np.arange(K)
    names = [str(c) for c in class_names]
    ax.set_xticks(ticks, names, rotation=45, ha="right", **font)
    ax.set_yticks(ticks, names, **font)
    ax.set_xlabel(t("train.plot.predicted", lang), **font)
    ax.set_ylabel(t("train.plot.true", lang), **font)
    ax.set_title(t("train.plot.confusion", lang), **font)
    threshold = C.max() / 2 if C.size else 0
    if K <= 30:
        for i in range(K):
            for j in range(K):
                ax.text(
                    j,
                    i,
                    str(int(C[i, j])),
                    ha="center",
                    va="center",
                    fontsize=8,
                    color="white" if C[i, j] > threshold else "black",
                )
    return _save(fig, path)
