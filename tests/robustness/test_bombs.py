"""No allocation bombs: inputs that claim enormous sizes are refused before memory is taken.

Each refusal is measured with tracemalloc (which sees Python objects and NumPy's array buffers):
the peak of memory traced while the input is refused must stay under 1 MiB, where honouring the
claim would need 10^12 bytes or more. The libraries involved are imported before tracing, so
that only the work on the input is measured.
"""

from __future__ import annotations

import gzip
import os
import struct
import tracemalloc
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from handprop.errors import HandpropError

from .cases import png_header

LIMIT = 1 << 20  # bytes traced at most while refusing


def traced_refusal(call: Callable[[], Any]) -> tuple[HandpropError, int]:
    """Run ``call`` under tracemalloc; it must raise a HandpropError. Returns it and the peak."""
    tracemalloc.start()
    try:
        tracemalloc.reset_peak()
        try:
            call()
        except HandpropError as err:
            error = err
        else:
            raise AssertionError("the input was accepted")
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert "\n" not in str(error)
    return error, peak


def idx_header(code: int, dims: tuple[int, ...]) -> bytes:
    return struct.pack(f">BBBB{len(dims)}I", 0, 0, code, len(dims), *dims)


def test_tracemalloc_sees_numpy_buffers() -> None:
    """The measuring stick works: a 10 MB array shows up in the traced peak."""
    import numpy as np

    tracemalloc.start()
    try:
        tracemalloc.reset_peak()
        np.ones(10_000_000, dtype=np.uint8)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak >= 10_000_000


@pytest.mark.guarantee("bomb-idx")
def test_idx_header_claiming_a_trillion_items_raw(tmp_path: Path) -> None:
    from handprop.data.idx import read_idx

    path = tmp_path / "claim.idx"
    path.write_bytes(idx_header(0x08, (1_000_000, 1_000_000)) + bytes(100))  # 10^12 uint8
    error, peak = traced_refusal(lambda: read_idx(path))
    assert "1000000000000 bytes" in str(error) and "truncated" in str(error)
    assert peak < LIMIT


@pytest.mark.guarantee("bomb-idx")
def test_idx_header_claiming_a_trillion_items_gzip() -> None:
    from handprop.data.idx import parse_idx

    data = gzip.compress(idx_header(0x08, (1_000_000, 1_000_000)) + bytes(4096), mtime=0)
    error, peak = traced_refusal(lambda: parse_idx(data, name="claim.idx.gz"))
    assert "1000000000000 bytes" in str(error)
    assert peak < LIMIT


@pytest.mark.guarantee("bomb-idx")
def test_idx_trillion_items_within_max_bytes_but_not_in_the_gzip(tmp_path: Path) -> None:
    """A claim under the size limit that a small gzip stream cannot hold is refused unread."""
    from handprop.data.idx import read_idx

    path = tmp_path / "claim.idx.gz"
    path.write_bytes(gzip.compress(idx_header(0x0E, (125_000, 1_000_000)) + bytes(64), mtime=0))
    error, peak = traced_refusal(lambda: read_idx(path, max_bytes=10**13))
    assert "gzip bytes can inflate to" in str(error) and "1000000000000 bytes" in str(error)
    assert peak < LIMIT


@pytest.mark.guarantee("bomb-idx")
def test_a_data_set_file_of_a_terabyte_is_not_read(tmp_path: Path) -> None:
    """A local MNIST copy whose images file is 10^12 bytes (sparse) is refused by its size."""
    from handprop.data.datasets import get_spec, read_checked

    spec = get_spec("mnist")
    file = next(f for f in spec.files if f.role == "train_images")
    path = tmp_path / file.raw_name
    with path.open("wb") as handle:
        handle.write(idx_header(0x08, (60000, 28, 28)))
    os.truncate(path, 10**12)
    error, peak = traced_refusal(lambda: read_checked(path, file))
    assert str(path) in str(error) and "at most" in str(error)
    assert peak < LIMIT


@pytest.mark.guarantee("bomb-problem")
def test_problem_of_a_million_by_a_million_in_memory() -> None:
    """A parsed problem whose W is 10^6 x 10^6 (one row shared, 8 MB) is refused before any
    array is made: converting it would need 8 TB."""
    from handprop.problem import problem_from_mapping

    row = [0.0] * 1_000_000
    table = {"X": row, "W": [row] * 1_000_000, "b": [0.0] * 1_000_000, "y": 0, "lr": 0.1}
    error, peak = traced_refusal(lambda: problem_from_mapping(table, where="huge"))
    assert "W must have at most 1000 rows" in str(error) and "1000000 x 1000000" in str(error)
    assert peak < LIMIT


@pytest.mark.guarantee("bomb-problem")
def test_problem_file_of_a_terabyte_is_not_read(tmp_path: Path) -> None:
    """A 10^6 x 10^6 problem needs at least 2 bytes a number, 2 * 10^12 bytes: such a file
    (sparse) is refused by its size, unread."""
    from handprop.problem import load_problem

    path = tmp_path / "huge.json"
    path.write_bytes(b'{"W": [[0')
    os.truncate(path, 2 * 10**12)
    error, peak = traced_refusal(lambda: load_problem(path))
    assert "the file must be at most" in str(error) and "2000000000000 bytes" in str(error)
    assert peak < LIMIT


@pytest.mark.guarantee("bomb-problem")
def test_answer_file_of_a_terabyte_is_not_read(tmp_path: Path) -> None:
    from handprop.checker import load_answers

    path = tmp_path / "answers.toml"
    path.write_bytes(b'problem = "p.toml"\n')
    os.truncate(path, 10**12)
    error, peak = traced_refusal(lambda: load_answers(path))
    assert "the file must be at most" in str(error)
    assert peak < LIMIT


@pytest.mark.guarantee("bomb-image")
@pytest.mark.parametrize("size", [(50_000, 50_000), (10_001, 1), (7000, 7000)])
def test_huge_image_is_refused_from_its_header(tmp_path: Path, size: tuple[int, int]) -> None:
    """50,000 x 50,000 (2.5 G pixels), one side too long, or 49 M pixels: refused from the
    header; decoding would need 2.5 GB (or 49 MB) for grey levels alone."""
    import PIL.Image  # noqa: F401  (imported before tracing)

    from handprop.data.images import load_image

    path = tmp_path / "huge.png"
    path.write_bytes(png_header(*size))
    error, peak = traced_refusal(lambda: load_image(path))
    assert str(path) in str(error) and "at most 10000 pixels per side" in str(error)
    assert peak < LIMIT
