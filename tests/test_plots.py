"""PNG plots (curves, weights as images, confusion matrix) and the metrics behind them."""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from handprop import plots
from handprop.metrics import class_report, confusion_matrix
from handprop.train import EpochRecord

HISTORY = [
    EpochRecord(1, 1.2, 0.70, 0.1, {"val_loss": 1.0, "val_accuracy": 0.75, "test_loss": 1.1}),
    EpochRecord(2, 0.6, 0.85, 0.1, {"val_loss": 0.7, "val_accuracy": 0.86, "test_loss": 0.8}),
    EpochRecord(3, 0.4, 0.90, 0.1, {"val_loss": 0.5, "val_accuracy": 0.90, "test_loss": 0.6}),
]
for _r, _acc in zip(HISTORY, (0.74, 0.85, 0.89), strict=True):
    _r.metrics["test_accuracy"] = _acc


def _check_png(path: Path, min_size: tuple[int, int]) -> np.ndarray:
    assert path.is_file() and path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    image = Image.open(path)
    assert image.size[0] >= min_size[0] and image.size[1] >= min_size[1]
    pixels = np.asarray(image.convert("RGB"))
    colours = np.unique(pixels.reshape(-1, 3), axis=0)
    assert len(colours) > 50  # drawn lines, text and colour maps, not a blank canvas
    return pixels


def test_curves(tmp_path: Path):
    out = plots.plot_curves(HISTORY, tmp_path / "curves.png")
    pixels = _check_png(out, (900, 350))
    blue = (pixels[..., 2] > 150) & (pixels[..., 0] < 100)  # matplotlib's first line colour
    assert blue.sum() > 200
    assert [p.name for p in tmp_path.iterdir()] == ["curves.png"]  # no temporary left


def test_weights_as_images(tmp_path: Path):
    rng = np.random.default_rng(0)
    W = rng.normal(size=(10, 64))
    out = plots.plot_weights(W, (8, 8), [str(k) for k in range(10)], tmp_path / "w.png")
    pixels = _check_png(out, (900, 400))
    red = (pixels[..., 0] > 150) & (pixels[..., 2] < 100)
    blue = (pixels[..., 2] > 150) & (pixels[..., 0] < 100)
    assert red.sum() > 500 and blue.sum() > 500  # both signs of the weights are drawn
    three = plots.plot_weights(W[:3, :4], (2, 2), ["a", "b", "c"], tmp_path / "small.png")
    _check_png(three, (300, 150))


def test_confusion_matrix_png(tmp_path: Path):
    C = np.array([[50, 2, 0], [3, 40, 7], [0, 5, 45]])
    out = plots.plot_confusion(C, ["cat", "dog", "pig"], tmp_path / "cm.png")
    _check_png(out, (350, 350))


def test_chinese_labels_are_drawn_in_chinese(tmp_path: Path):
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a glyph missing from every font of the family would warn
        plots.plot_curves(HISTORY, tmp_path / "zh.png", lang="zh")
        names = ["猫", "狗", "猪"]
        plots.plot_confusion(np.eye(3, dtype=int), names, tmp_path / "c.png", lang="zh")
    plots.plot_curves(HISTORY, tmp_path / "en.png", lang="en")
    _check_png(tmp_path / "zh.png", (900, 350))
    zh, en = (np.asarray(Image.open(tmp_path / f"{n}.png")) for n in ("zh", "en"))
    assert not np.array_equal(zh, en)  # the titles are not the English fallback of old


def test_metrics_agree_with_scikit_learn():
    from sklearn.metrics import confusion_matrix as sk_confusion
    from sklearn.metrics import precision_recall_fscore_support

    rng = np.random.default_rng(1)
    y_true = rng.integers(0, 4, size=300)
    y_pred = np.where(rng.random(300) < 0.7, y_true, rng.integers(0, 4, size=300))
    y_pred[y_pred == 3] = 2  # class 3 is never predicted: its precision is undefined
    C = confusion_matrix(y_true, y_pred, 4)
    assert np.array_equal(C, sk_confusion(y_true, y_pred, labels=range(4)))
    report = class_report(C)
    p, r, _, s = precision_recall_fscore_support(
        y_true, y_pred, labels=range(4), zero_division=np.nan
    )
    np.testing.assert_allclose(report.precision, p, equal_nan=True)
    np.testing.assert_allclose(report.recall, r)
    assert np.isnan(report.precision[3]) and report.recall[3] == 0
    assert np.array_equal(report.support, s)
    assert report.accuracy == pytest.approx(np.mean(y_true == y_pred))
