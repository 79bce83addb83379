"""The guides' examples run as doctests (pyproject.toml: ``--doctest-glob=*.rst``).

Each guide runs in a fresh temporary folder, so the files its examples write (checkpoints,
model files) land there, and NumPy writes numbers as NumPy 1 did, whatever version is
installed. The Sphinx configuration and its extension are not test modules.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

collect_ignore = ["conf.py", "_ext", "_build", "api"]


#: NumPy 2 writes scalars as ``np.float64(0.5)``; the guides show them as NumPy 1 did
LEGACY_PRINT = {"legacy": "1.25"} if np.lib.NumpyVersion(np.__version__) >= "2.0.0" else {}


@pytest.fixture(autouse=True)
def _guide_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.chdir(tmp_path)
    with np.printoptions(**LEGACY_PRINT):
        yield
