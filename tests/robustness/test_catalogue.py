"""Every case of the catalogue (cases.py) through its real entry point, checked the same way.

A refused input must give:

* exit code 2 (``cli``, ``process``, ``api``: the error's ``exit_code``), or the case's 4xx
  status for the web;
* one line: ``Error: <message>`` on stderr and nothing on stdout (CLI), a one-line
  HandpropError (API), a one-line JSON ``error`` (web);
* a message that names the input (the file, option or field) and what was expected;
* no traceback and no "internal error";
* no file created or changed anywhere in the case's folder, which is also the working folder
  and the data folder (``HANDPROP_DATA_DIR``) of the run.

An accepted input (``case.accepted``) must exit 0 and pass the case's own check.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from .cases import CASES, Case, Kit
from .conftest import relative_message
from .harness import Outcome, Run, execute, snapshot


def _check_refused(case: Case, run: Run, outcome: Outcome) -> None:
    everything = outcome.stdout + outcome.stderr + outcome.message
    assert "Traceback" not in everything
    assert "internal error" not in outcome.message
    message = outcome.message
    if case.entry == "web":
        assert outcome.code == run.status, outcome.stdout[:300]
    else:
        assert outcome.code == 2, everything[-2000:]
    assert message, f"no message; stdout: {outcome.stdout[:200]!r}"
    assert "\n" not in message, message
    if case.entry in ("cli", "process"):
        assert outcome.stdout == ""
        assert outcome.stderr == message + "\n"
        assert message.startswith(run.prefix), message
    for piece in run.expect:
        assert piece in message, f"{piece!r} not in {message!r}"


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_case(
    case: Case,
    tmp_path: Path,
    kit: Kit,
    monkeypatch: pytest.MonkeyPatch,
    observe: Any,
) -> None:
    folder = tmp_path / "work"
    folder.mkdir()
    monkeypatch.chdir(folder)
    monkeypatch.setenv("HANDPROP_DATA_DIR", str(folder / "data-root"))
    for var in ("LC_ALL", "LC_MESSAGES", "LANG"):
        monkeypatch.delenv(var, raising=False)
    run = case.build(folder, kit)
    before = snapshot(folder)

    outcome = execute(case.entry, run, folder)

    after = snapshot(folder)
    if case.accepted:
        observe(case.id, f"(exit {outcome.code}) predicted {kit.digit_label}, as for 8-bit grey")
        assert outcome.code == 0, outcome.stderr
        assert "Traceback" not in outcome.stderr
        assert run.check is not None
        run.check(outcome)
    else:
        observe(case.id, relative_message(outcome.message, folder))
        _check_refused(case, run, outcome)
    assert after == before, "files were created or changed"


def test_the_catalogue_is_big_and_varied() -> None:
    """The issue asks for at least 40 distinct bad inputs across these areas and entry points."""
    refused = [c for c in CASES if not c.accepted]
    assert len(refused) >= 40
    assert len({c.id for c in CASES}) == len(CASES)
    areas = {c.area for c in refused}
    assert {
        "problem file",
        "answer file",
        "IDX file",
        "image",
        "model file",
        "CLI argument",
        "web request",
    } <= areas
    assert {"cli", "process", "api", "web"} == {c.entry for c in CASES}
