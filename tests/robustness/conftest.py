"""Shared pieces of the robustness suite, and the writer of RESULTS.md.

Every catalogue case (``test_catalogue.py``) and every test marked ``guarantee(id)`` reports its
outcome here. When a run has covered the whole catalogue and every guarantee, the session ends
by writing ``tests/robustness/RESULTS.md``: the table of what was tried and what holds, with the
message each refused input got (temporary folders left out, so the file only changes when the
behaviour does). A partial run (``-k``, one file) writes nothing.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from .cases import CASES, GUARANTEES, Kit
from .harness import fuzz_examples

RESULTS_FILE = Path(__file__).with_name("RESULTS.md")
ENTRY_NAMES = {
    "cli": "`handprop` (in process)",
    "process": "`python -m handprop`",
    "api": "Python API",
    "web": "web API",
}

#: test outcomes per case or guarantee id (True = passed); messages seen per case id
_PASSED: dict[str, list[bool]] = {}
_MESSAGES: dict[str, str] = {}


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "guarantee(id): the test proves the robustness guarantee `id` (cases.py)"
    )


@pytest.fixture(scope="session")
def kit(tmp_path_factory: pytest.TempPathFactory) -> Kit:
    """A digits model (8 x 8 inputs, 0..16) and a 64 x 64 picture of a digit it gets right."""
    from PIL import Image

    from handprop.data.datasets import load_dataset
    from handprop.data.images import load_image
    from handprop.model import SoftmaxRegression, save_model

    folder = tmp_path_factory.mktemp("kit")
    ds = load_dataset("digits", data_dir=folder / "data")
    model = SoftmaxRegression(normalize="scale", pixel_max=ds.pixel_max, epochs=5, random_state=0)
    model.fit(ds.X_train, ds.y_train)
    model.classes_ = np.asarray(ds.classes)[model.classes_]
    path = folder / "digits.npz"
    save_model(model, path, dataset="digits", image_shape=ds.image_shape, pixel_max=ds.pixel_max)
    with np.load(path, allow_pickle=False) as npz:
        arrays = {name: npz[name] for name in npz.files}
    for i in range(len(ds.y_test)):  # a test digit the model gets right and is sure of
        small = np.asarray(ds.X_test[i], dtype=np.float64).reshape(8, 8)
        big = np.round(np.kron(small, np.ones((8, 8))) * 255 / ds.pixel_max).astype(np.uint8)
        picture = folder / f"digit{i}.png"
        Image.fromarray(big).save(picture)
        x = load_image(picture, image_shape=(8, 8), pixel_max=ds.pixel_max).reshape(1, -1)
        proba = model.predict_proba(x)[0]
        label = str(model.classes_[int(np.argmax(proba))])
        if label == str(ds.classes[ds.y_test[i]]) and proba.max() > 0.95:
            return Kit(model_arrays=arrays, digit=big, digit_label=label)
    raise AssertionError("no test digit is classified with confidence")


@pytest.fixture
def observe() -> Any:
    """``observe(case_id, message)``: the message shown in RESULTS.md for that case."""

    def record(case_id: str, message: str) -> None:
        _MESSAGES[case_id] = message

    return record


def _ids(item: pytest.Item) -> list[str]:
    ids = [mark.args[0] for mark in item.iter_markers("guarantee")]
    callspec = getattr(item, "callspec", None)
    case = callspec.params.get("case") if callspec is not None else None
    if case is not None and hasattr(case, "id"):
        ids.append(case.id)
    return ids


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[Any]) -> Any:
    report = yield
    if report.when == "call" or report.failed:
        for key in _ids(item):
            _PASSED.setdefault(key, []).append(bool(report.passed))
    return report


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    wanted = {c.id for c in CASES} | {g[0] for g in GUARANTEES}
    if not wanted <= set(_PASSED) or session.config.option.collectonly:
        return  # a partial run: the table would be incomplete
    text = results_markdown()
    if not RESULTS_FILE.exists() or RESULTS_FILE.read_text("utf-8") != text:
        RESULTS_FILE.write_text(text, "utf-8")


def _holds(key: str) -> bool:
    return bool(_PASSED.get(key)) and all(_PASSED[key])


def _cell(text: str, limit: int = 150) -> str:
    text = " ".join(text.split()).replace("|", "\\|")
    return text if len(text) <= limit else text[: limit - 1] + "…"


def results_markdown() -> str:
    refused = [c for c in CASES if not c.accepted]
    accepted = [c for c in CASES if c.accepted]
    ok_refused = sum(_holds(c.id) for c in refused)
    ok_accepted = sum(_holds(c.id) for c in accepted)
    ok_guarantees = sum(_holds(g[0]) for g in GUARANTEES)
    lines = [
        "# Robustness: what was tried and what holds",
        "",
        "Written by `pytest tests/robustness` (see `conftest.py`); do not edit by hand.",
        "",
        f"- {len(refused)} bad inputs through the real entry points: {ok_refused} refused as "
        "specified (exit code 2 or a 4xx status, one line naming the input and what was "
        "expected, no traceback, no file created or changed).",
        f"- {len(accepted)} unusual but valid inputs: {ok_accepted} accepted and handled.",
        f"- {len(GUARANTEES)} guarantees beyond single inputs: {ok_guarantees} hold. Fuzzing ran "
        f"{fuzz_examples()} examples per target in this run.",
        "",
        "## By area",
        "",
        "| Area | Inputs tried | Handled as specified | Entry points |",
        "|---|---|---|---|",
    ]
    areas: dict[str, list[Any]] = {}
    for case in CASES:
        areas.setdefault(case.area, []).append(case)
    for area, cases in areas.items():
        entries = ", ".join(ENTRY_NAMES[e] for e in ENTRY_NAMES if any(c.entry == e for c in cases))
        handled = sum(_holds(c.id) for c in cases)
        lines.append(f"| {area} | {len(cases)} | {handled} | {entries} |")
    lines += [
        "",
        "## Guarantees",
        "",
        "| Area | What holds | Result |",
        "|---|---|---|",
    ]
    for key, area, what in GUARANTEES:
        lines.append(f"| {area} | {_cell(what)} | {'holds' if _holds(key) else 'FAILS'} |")
    lines += [
        "",
        "## Inputs",
        "",
        "| # | Area | Input | Entry point | What the user is told | Result |",
        "|---|---|---|---|---|---|",
    ]
    for number, case in enumerate(CASES, 1):
        if case.accepted:
            result = "accepted" if _holds(case.id) else "FAILS"
        else:
            result = "refused" if _holds(case.id) else "FAILS"
        message = _MESSAGES.get(case.id, "")
        lines.append(
            f"| {number} | {case.area} | {_cell(case.what, 70)} | {ENTRY_NAMES[case.entry]} "
            f"| {_cell(message)} | {result} |"
        )
    return "\n".join(lines) + "\n"


def relative_message(message: str, folder: Path) -> str:
    """``message`` with ``folder/`` (a temporary path) removed, so that it reads the same in
    every run."""
    text = message.replace(str(folder) + "/", "").replace(str(folder), ".")
    return re.sub(r"/tmp/pytest-of-[^/\s]+/pytest-\d+/[^/\s]+/", "", text)
