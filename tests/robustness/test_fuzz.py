"""Fuzzing the parsers of users' files with hypothesis: the IDX reader, problem and answer files.

Each target gets generated inputs, from raw bytes to nearly valid files with a few bytes or
characters changed, and may only ever (a) succeed with a sane result or (b) raise a
HandpropError whose message is one line. Anything else (IndexError, OverflowError, a
RecursionError, a hang) is a bug; each one found became a case of the catalogue or an
``@example`` here.

Examples per target: ``$HANDPROP_FUZZ_EXAMPLES`` (default 150, a few seconds for all targets,
run in CI). A longer run is documented in README.md::

    HANDPROP_FUZZ_EXAMPLES=20000 python -m pytest tests/robustness/test_fuzz.py -q
"""

from __future__ import annotations

import gzip
import io
import json
import math
import struct
import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from handprop.checker import QUANTITIES, answers_from_mapping, build_report_text
from handprop.data.idx import IDX_DTYPES, parse_idx, read_idx
from handprop.errors import HandpropError
from handprop.problem import load_problem, problem_from_mapping

from .harness import fuzz_examples

FUZZ = settings(
    max_examples=fuzz_examples(),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
MAX_IDX_BYTES = 1 << 20  # a small limit, so that generated claims reach it


@pytest.fixture(autouse=True)
def quiet() -> Iterator[None]:
    """No RuntimeWarning either: the command line would print it to the user's terminal."""
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        yield


@contextmanager
def refused_cleanly() -> Iterator[list[HandpropError]]:
    """Let a HandpropError through only if its message is one line (it is then recorded)."""
    seen: list[HandpropError] = []
    try:
        yield seen
    except HandpropError as err:
        for lang in ("en", "zh"):
            message = err.message(lang)
            assert message and "\n" not in message, message
        assert err.exit_code == 2
        seen.append(err)


@pytest.fixture(scope="module")
def scratch(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder for the files the fuzzed readers open (module-scoped: hypothesis reruns the
    test body many times within one call)."""
    return tmp_path_factory.mktemp("fuzz")


# ------------------------------------------------------------------------------ IDX files


def idx_bytes(code: int, dims: list[int], payload: bytes) -> bytes:
    return struct.pack(f">BBBB{len(dims)}I", 0, 0, code, len(dims), *dims) + payload


@st.composite
def idx_files(draw: st.DrawFn) -> tuple[bytes, tuple[int, list[int], bytes] | None]:
    """A nearly valid IDX file and, when it is exactly valid, its (code, dims, payload)."""
    code = draw(st.sampled_from([*IDX_DTYPES, 0x00, 0x07, 0x0A, 0x0F, 0xFF]))
    dims = draw(st.lists(st.integers(0, 6) | st.sampled_from([2**32 - 1, 10**6]), max_size=4))
    size = IDX_DTYPES[code].itemsize * math.prod(dims) if code in IDX_DTYPES else 4
    exact = size <= 4096 and draw(st.booleans())
    length = size if exact else draw(st.integers(0, 600))
    payload = draw(st.binary(min_size=min(length, 600), max_size=min(length, 600)))
    data = idx_bytes(code, dims, payload)
    valid = exact and code in IDX_DTYPES and bool(dims) and min(dims) > 0 and len(payload) == size
    if draw(st.booleans()):  # damage it: overwrite, cut or extend
        data = bytearray(data)
        for pos, value in draw(st.lists(st.tuples(st.integers(0, 63), st.integers(0, 255)))):
            if pos < len(data):
                data[pos] = value
                valid = False
        cut = draw(st.integers(0, len(data)))
        if cut < len(data):
            data, valid = data[:cut], False
        extra = draw(st.binary(max_size=8))
        data, valid = bytes(data) + extra, valid and not extra
    if draw(st.booleans()):
        data = gzip.compress(bytes(data), mtime=0)
        if draw(st.booleans()):  # a damaged gzip stream
            cut = draw(st.integers(0, len(data)))
            data, valid = data[:cut] + draw(st.binary(max_size=4)), False
    return bytes(data), (code, dims, payload) if valid else None


def _check_idx(data: bytes, valid: tuple[int, list[int], bytes] | None) -> None:
    with refused_cleanly() as refused:
        array = parse_idx(data, name="fuzz.idx", max_bytes=MAX_IDX_BYTES)
    if refused:
        assert valid is None, f"a valid file was refused: {refused[0]}"
        return
    assert array.nbytes <= MAX_IDX_BYTES
    if valid is not None:
        code, dims, payload = valid
        expected = np.frombuffer(payload, dtype=IDX_DTYPES[code]).reshape(dims)
        np.testing.assert_array_equal(array, expected)


@pytest.mark.guarantee("fuzz-idx")
@FUZZ
@given(st.binary(max_size=700))
@example(b"\x1f\x8b")  # a gzip magic and nothing else
@example(b"\x00\x00\x08\x03" + struct.pack(">3I", 2**32 - 1, 2**32 - 1, 2**32 - 1))
def test_idx_reader_on_any_bytes(data: bytes) -> None:
    _check_idx(data, None)


@pytest.mark.guarantee("fuzz-idx")
@FUZZ
@given(idx_files())
def test_idx_reader_on_damaged_files(scratch: Path, file: tuple[bytes, Any]) -> None:
    data, valid = file
    _check_idx(data, valid)
    path = scratch / "fuzz.idx"
    path.write_bytes(data)
    for mmap in (False, True):  # the file reader too, memory-mapped or read
        array = None
        with refused_cleanly() as refused:
            array = read_idx(path, mmap=mmap, max_bytes=MAX_IDX_BYTES)
        if not refused and valid is not None:
            code, dims, payload = valid
            expected = np.frombuffer(payload, dtype=IDX_DTYPES[code]).reshape(dims)
            np.testing.assert_array_equal(array, expected)
        del array  # close a memory map before the file is rewritten
        if data[:2] == b"\x1f\x8b":
            break  # mmap=True is refused for gzip by design (checked in test_idx.py)


# ------------------------------------------------------------------------------ problem files

NUMBERS = (
    st.floats(allow_nan=True, allow_infinity=True)
    | st.integers(-(10**400), 10**400)
    | st.floats(-10, 10)
    | st.sampled_from([0, 1, -1, 1e50, 1e51, -1e50, 5e-324, 1e-300])
)
ANY = st.recursive(
    st.none() | st.booleans() | NUMBERS | st.text(max_size=5),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=3), inner, max_size=3)
    ),
    max_leaves=12,
)


@st.composite
def problem_tables(draw: st.DrawFn) -> dict[str, Any]:
    """A problem table: mostly the right shapes with any numbers, sometimes anything at all."""
    K, D = draw(st.integers(1, 4)), draw(st.integers(0, 4))
    number = NUMBERS if draw(st.booleans()) else st.floats(-5, 5)

    def maybe(strategy: st.SearchStrategy[Any]) -> Any:
        return draw(strategy | ANY) if draw(st.integers(0, 9)) == 0 else draw(strategy)

    table = {
        "X": maybe(st.lists(number, min_size=D, max_size=D)),
        "W": maybe(st.lists(st.lists(number, min_size=D, max_size=D), min_size=K, max_size=K)),
        "b": maybe(st.lists(number, min_size=K, max_size=K)),
        "y": maybe(
            st.integers(-1, K) | st.lists(st.sampled_from([0, 1, 0.5]), min_size=K, max_size=K)
        ),
        "lr": maybe(number | st.floats(1e-6, 10)),
    }
    if draw(st.booleans()):
        table["classes"] = maybe(st.lists(st.text(max_size=3), min_size=K, max_size=K))
    for key in draw(st.lists(st.sampled_from([*table, "extra"]), max_size=2)):
        if draw(st.booleans()):
            table.pop(key, None)
        else:
            table[key] = draw(ANY)
    return table


FINITE_FIELDS = (
    "logits", "probabilities", "loss", "delta", "grad_W", "grad_b", "W_new", "b_new",
    "logits_after", "probabilities_after", "loss_after",
)  # fmt: skip


def _check_problem(load: Callable[[], Any]) -> None:
    with refused_cleanly() as refused:
        problem = load()
    if refused:
        return
    record = problem.trace(steps=1).steps[0]
    for name in FINITE_FIELDS:
        assert np.all(np.isfinite(getattr(record, name))), name
    _render(problem.trace(steps=1))


def _render(result: Any) -> None:
    """The trace as the terminal shows it (text) and as JSON: neither may fail."""
    from rich.console import Console

    from handprop.render import render
    from handprop.render.text import build_text

    Console(file=io.StringIO(), width=100).print(build_text(result, "en", 3))
    json.loads(render(result, "json", lang="en", decimals=3))


def toml_value(value: Any) -> str:
    """``value`` as TOML (floats with repr, so nan and inf come out as TOML's nan and inf)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return {"nan": "nan", "inf": "inf", "-inf": "-inf"}.get(repr(value), repr(value))
    if isinstance(value, int):
        return str(value)
    if isinstance(value, str):
        return json.dumps(value)
    if isinstance(value, list):
        return "[" + ", ".join(toml_value(v) for v in value if v is not None) + "]"
    if isinstance(value, dict):
        items = (f"{json.dumps(k)} = {toml_value(v)}" for k, v in value.items() if v is not None)
        return "{" + ", ".join(items) + "}"
    return '""'


def problem_text(table: dict[str, Any], kind: str) -> str:
    if kind == "json":
        return json.dumps(table)
    return "".join(f"{k} = {toml_value(v)}\n" for k, v in table.items() if v is not None)


@st.composite
def damaged_text(draw: st.DrawFn) -> tuple[bytes, str]:
    """A problem file as text, then characters deleted, inserted or replaced; maybe re-encoded."""
    kind = draw(st.sampled_from(["json", "toml"]))
    text = problem_text(draw(problem_tables()), kind)
    for _ in range(draw(st.integers(0, 3))):
        start = draw(st.integers(0, len(text)))
        end = draw(st.integers(start, min(len(text), start + 8)))
        text = text[:start] + draw(st.text(max_size=4)) + text[end:]
    encoding = draw(st.sampled_from(["utf-8", "utf-8", "utf-8-sig", "utf-16", "latin-1"]))
    return text.encode(encoding, errors="replace"), kind


@pytest.mark.guarantee("fuzz-problem")
@FUZZ
@given(problem_tables())
@example({"X": [1e308, 1.0], "W": [[1.0, 1.0], [1.0, 1.0]], "b": [0, 0], "y": 0, "lr": 0.1})
@example({"X": [10**400], "W": [[1], [2]], "b": [0, 0], "y": 0, "lr": 0.1})
@example({"X": [1e50], "W": [[1e50], [-1e50]], "b": [1e50, 0], "y": 1, "lr": 1e50})
@example({"X": [0.0], "W": [[0.0], [0.0]], "b": [0.0, 0.0], "y": [None, 10**308], "lr": 1})
def test_problem_tables(table: dict[str, Any]) -> None:
    _check_problem(lambda: problem_from_mapping(table, where="fuzz"))


@pytest.mark.guarantee("fuzz-problem")
@FUZZ
@given(damaged_text())
def test_problem_files_damaged(scratch: Path, file: tuple[bytes, str]) -> None:
    data, kind = file
    path = scratch / f"problem.{kind}"
    path.write_bytes(data)
    _check_problem(lambda: load_problem(path))


@pytest.mark.guarantee("fuzz-problem")
@FUZZ
@given(st.binary(max_size=400), st.sampled_from([".toml", ".json", ".txt"]))
def test_problem_files_any_bytes(scratch: Path, data: bytes, suffix: str) -> None:
    path = scratch / f"bytes{suffix}"
    path.write_bytes(data)
    _check_problem(lambda: load_problem(path))


# ------------------------------------------------------------------------------ answer files

K, D = 3, 3
PROBLEM = {
    "X": [0.5, 0.6, 0.7],
    "W": [[0.1, 0.2, 0.3], [0.4, 0.5, 0.6], [0.7, 0.8, 0.9]],
    "b": [0.1, 0.2, 0.3],
    "y": 1,
    "lr": 0.1,
}
SHAPES = {"sum_exp": (), "loss": (), "dW": (K, D), "W_new": (K, D)}


def quantity(name: str) -> st.SearchStrategy[Any]:
    shape = SHAPES.get(name, (K,))
    number = NUMBERS | st.floats(-3, 3)
    if not shape:
        right = number
    elif len(shape) == 1:
        right = st.lists(number, min_size=K, max_size=K)
    else:
        right = st.lists(st.lists(number, min_size=D, max_size=D), min_size=K, max_size=K)
    return right | right | st.just("") | st.just([]) | ANY


@st.composite
def answer_tables(draw: st.DrawFn) -> dict[str, Any]:
    table: dict[str, Any] = {"problem": dict(PROBLEM)} if draw(st.booleans()) else dict(PROBLEM)
    for name in draw(st.lists(st.sampled_from(QUANTITIES), unique=True)):
        table[name] = draw(quantity(name))
    if draw(st.booleans()):
        table["decimals"] = draw(st.integers(-1, 8) | ANY)
    if draw(st.integers(0, 9)) == 0:
        table[draw(st.text(max_size=4))] = draw(ANY)
    return table


@pytest.mark.guarantee("fuzz-answers")
@FUZZ
@given(answer_tables())
@example({**PROBLEM, "loss": 10**400})
@example({**PROBLEM, "Z": [1e308, 1e308, -1e308], "exp_Z": [1e308] * 3, "sum_exp": 1e308})
@example({**PROBLEM, "dW": [[0.0, 0.0, 0.0], [0.0, 0.0, 1.5], [0.0, 0.0, 2.2e306]]})
def test_answer_tables(table: dict[str, Any]) -> None:
    with refused_cleanly() as refused:
        sheet = answers_from_mapping(table, where="fuzz")
    if refused:
        return
    report = sheet.check()
    assert report.exit_code in (0, 1)
    json.dumps(report.to_json_data("en"))
    build_report_text(report, "en")
