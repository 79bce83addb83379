"""What handprop shows stays what was recorded in tests/fixtures/outputs/ (see record.py there).

Text, Markdown and the terminal's colours must match to the character. JSON is compared as
data: the same keys, lists and strings, and numbers equal to 1e-12 (relative), since the last
bit of a full-precision ``exp`` may differ between CPUs. A meant change of output is recorded
again with ``python tests/fixtures/outputs/record.py``.
"""

from __future__ import annotations

import difflib
import importlib.util
import json
import math
from pathlib import Path
from typing import Any

import pytest

RECORD = Path(__file__).parent / "fixtures" / "outputs" / "record.py"


def _recorder() -> Any:
    spec = importlib.util.spec_from_file_location("record_outputs", RECORD)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


recorder = _recorder()


@pytest.fixture(scope="module")
def produced() -> dict[str, str]:
    return recorder.produce()


def same_data(a: Any, b: Any, path: str = "$") -> str | None:
    """None when ``a`` and ``b`` are the same JSON data (floats to 1e-12), else where not."""
    if isinstance(a, float) or isinstance(b, float):
        ok = isinstance(a, (int, float)) and isinstance(b, (int, float))
        if ok and math.isclose(a, b, rel_tol=1e-12, abs_tol=1e-300):
            return None
        return f"{path}: {a!r} != {b!r}"
    if isinstance(a, dict) and isinstance(b, dict):
        if list(a) != list(b):
            return f"{path}: keys {list(a)} != {list(b)}"
        for key in a:
            if (where := same_data(a[key], b[key], f"{path}.{key}")) is not None:
                return where
        return None
    if isinstance(a, list) and isinstance(b, list):
        if len(a) != len(b):
            return f"{path}: {len(a)} items != {len(b)}"
        for i, (x, y) in enumerate(zip(a, b, strict=True)):
            if (where := same_data(x, y, f"{path}[{i}]")) is not None:
                return where
        return None
    return None if a == b and type(a) is type(b) else f"{path}: {a!r} != {b!r}"


def test_every_case_has_a_recorded_file_and_no_file_is_left_over():
    names = {name for name, _ in recorder.cases()}
    files = {p.name for p in RECORD.parent.iterdir() if p.is_file() and p.name != "record.py"}
    assert names == files


@pytest.mark.parametrize("name", [name for name, _ in recorder.cases()])
def test_output_is_as_recorded(produced, name):
    recorded = (RECORD.parent / name).read_text(encoding="utf-8")
    now = produced[name]
    if name.endswith(".json"):
        where = same_data(json.loads(now), json.loads(recorded))
        assert where is None, f"{name} differs at {where}"
        return
    if now != recorded:
        diff = difflib.unified_diff(
            recorded.splitlines(), now.splitlines(), "recorded", "now", lineterm="", n=1
        )
        pytest.fail(f"{name} differs:\n" + "\n".join(list(diff)[:60]), pytrace=False)


def test_the_comparison_of_data_notices_a_difference():
    assert same_data({"a": [1.0, "x"]}, {"a": [1.0 + 1e-15, "x"]}) is None
    assert same_data({"a": [1.0]}, {"a": [1.001]}) == "$.a[0]: 1.0 != 1.001"
    assert same_data({"a": 1}, {"b": 1}) is not None
    assert same_data([1, 2], [1, 2, 3]) is not None
    assert same_data("0.5", 0.5) is not None
