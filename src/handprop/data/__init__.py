"""Data: IDX files, the named data sets and feature normalisation.

* :mod:`handprop.data.idx`: read and write IDX files (gz or raw), checked, without copies.
* :mod:`handprop.data.datasets`: the registry (:data:`DATASETS`), :func:`load_dataset`,
  :func:`dataset_status`.
* :mod:`handprop.data.preprocessing`: :class:`Normalizer` (none, scale, center, standardize).
"""

from __future__ import annotations

from handprop.data.datasets import (
    DATASETS,
    Dataset,
    DatasetSpec,
    IdxFile,
    dataset_status,
    get_spec,
    load_dataset,
)
from handprop.data.idx import parse_idx, read_idx, read_idx_header, write_idx
from handprop.data.preprocessing import KINDS, Normalizer

__all__ = [
    "DATASETS",
    "KINDS",
    "Dataset",
    "DatasetSpec",
    "IdxFile",
    "Normalizer",
    "dataset_status",
    "get_spec",
    "load_dataset",
    "parse_idx",
    "read_idx",
    "read_idx_header",
    "write_idx",
]
