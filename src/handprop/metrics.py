"""Classification metrics from class indices: confusion matrix, per-class precision and recall.

``C[i, j]`` counts the samples of true class i predicted as class j (rows: truth, columns:
prediction, as scikit-learn's ``confusion_matrix``). From it::

    accuracy     = trace(C) / sum(C)
    precision_k  = C[k, k] / sum_i C[i, k]   (of the samples predicted k, the share that are k)
    recall_k     = C[k, k] / sum_j C[k, j]   (of the samples that are k, the share found)

A precision or recall whose denominator is 0 is reported as NaN (undefined), not as 0.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray


def confusion_matrix(
    y_true: NDArray[np.integer], y_pred: NDArray[np.integer], num_classes: int
) -> NDArray[np.int64]:
    """``C : (K, K)`` int64 with ``C[i, j] = #{n : y_true[n] = i and y_pred[n] = j}``."""
    y_true = np.asarray(y_true, dtype=np.intp)
    y_pred = np.asarray(y_pred, dtype=np.intp)
    flat = np.bincount(y_true * num_classes + y_pred, minlength=num_classes * num_classes)
    return flat.reshape(num_classes, num_classes).astype(np.int64)


@dataclass
class ClassReport:
    """Accuracy and per-class precision, recall and support (true count) from a confusion matrix."""

    accuracy: float
    precision: NDArray[np.float64]
    recall: NDArray[np.float64]
    support: NDArray[np.int64]
    confusion: NDArray[np.int64]


def class_report(confusion: NDArray[np.integer]) -> ClassReport:
    """Precision, recall and support of each class from ``confusion`` (K, K)."""
    C = np.asarray(confusion, dtype=np.int64)
    diag = np.diag(C).astype(np.float64)
    predicted = C.sum(axis=0).astype(np.float64)
    actual = C.sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        precision = np.where(predicted > 0, diag / predicted, np.nan)
        recall = np.where(actual > 0, diag / actual, np.nan)
    total = C.sum()
    accuracy = float(diag.sum() / total) if total else float("nan")
    return ClassReport(accuracy, precision, recall, actual, C)
