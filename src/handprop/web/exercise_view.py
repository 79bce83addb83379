"""The exercise page: a generated problem, an answer sheet in the browser, a verdict per cell.

The problem comes from :func:`handprop.exercise.generate_problem` and the verdict from
:class:`handprop.checker.Marker`, the same marker as ``handprop check``: each quantity that is
filled in completely is judged with carry-forward credit and named mistakes, and its cells are
marked from the checker's result (the entries it names are wrong, the others right). A
quantity filled in only partly cannot be judged as a whole yet; each of its filled cells is
compared with the checker's exact value within the checker's tolerance for that entry.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from handprop.checker import (
    DEFAULT_DECIMALS,
    QUANTITIES,
    Marker,
    check_decimals,
    check_size,
    mistake_label,
    parse_answers,
    quantity_shape,
)
from handprop.errors import InputError, ShapeError
from handprop.exercise import class_name, generate_problem, quantity_text
from handprop.messages import Msg, t
from handprop.problem import Problem, problem_from_mapping
from handprop.validation import describe
from handprop.web.forms import (
    coerce_problem,
    int_or_text,
    number_or_text,
    problem_text,
    require_object,
)

WHERE = "check"


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _number(value: Any, name: str, where: str) -> None:
    """A filled-in cell must be a finite number (the checker's rule for answer files)."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise InputError(
            "err.must",
            where=where,
            name=name,
            expected=Msg("exercise.exp.number"),
            got=describe(value),
        )
    if not math.isfinite(value):
        raise InputError(
            "err.must", where=where, name=name, expected=Msg("exp.finite"), got=repr(value)
        )


def new_exercise(seed: int, classes: int, features: int, lang: str) -> dict[str, Any]:
    """A new problem (``generate_problem``) with what the page shows around it."""

    problem = generate_problem(seed, classes=classes, features=features)
    K, D = problem.W.shape
    labels = [class_name(problem, k, lang) for k in range(K)]
    return {
        "seed": seed,
        "problem": problem.to_dict(),
        "problem_text": problem_text(problem, 6),
        "labels": labels,
        "decimals": DEFAULT_DECIMALS,
        "quantities": [
            {
                "name": name,
                "shape": list(quantity_shape(name, K, D)),
                "description": quantity_text(name, problem, lang),
            }
            for name in QUANTITIES
        ],
        "texts": {
            "intro": t("exercise.sheet.intro", lang, K=K, D=D),
            "label": t(
                "exercise.sheet.label", lang, cls=labels[problem.y], y=problem.y, n=problem.y + 1
            ),
            "lr": t("exercise.sheet.lr", lang, lr=f"{problem.lr:g}"),
        },
    }


def _cells(value: Any, name: str, shape: tuple[int, ...]) -> tuple[Any, np.ndarray]:
    """``value`` as nested lists of numbers (blank cells as None) and a mask of blank cells.

    Raises ShapeError for a wrong shape and InputError for a cell that is neither blank nor a
    number, naming the cell as ``handprop check`` names it (``dW[1][0]``).
    """
    if not shape:
        if isinstance(value, list) and len(value) == 1:
            value = value[0]
        number = number_or_text(value)
        if _blank(number):
            return None, np.array(True)
        _number(number, name, WHERE)
        return number, np.array(False)
    if value is None or value == "" or value == []:
        return None, np.ones(shape, dtype=bool)
    rows = value if len(shape) == 2 else [value]
    want = "(" + ", ".join(map(str, shape)) + ("," if len(shape) == 1 else "") + ")"
    ok = isinstance(value, list) and len(rows) == (shape[0] if len(shape) == 2 else 1)
    ok = ok and all(isinstance(r, list) and len(r) == shape[-1] for r in rows)
    if not ok:
        raise ShapeError(
            "err.must",
            where=WHERE,
            name=name,
            expected=Msg("exp.shape", shape=want),
            got=describe(value),
        )
    out, mask = [], []
    for i, row in enumerate(rows):
        vals: list[float | None] = []
        blanks: list[bool] = []
        for j, item in enumerate(row):
            number = number_or_text(item)
            label = f"{name}[{i}][{j}]" if len(shape) == 2 else f"{name}[{j}]"
            if _blank(number):
                vals.append(None)
                blanks.append(True)
            else:
                _number(number, label, WHERE)
                vals.append(float(number))
                blanks.append(False)
        out.append(vals)
        mask.append(blanks)
    if len(shape) == 1:
        return out[0], np.array(mask[0])
    return out, np.array(mask)


def check_exercise(problem_data: Any, answers: Any, decimals: Any, lang: str) -> dict[str, Any]:
    """Mark the page's answers: per quantity a status and message, per cell a status.

    Cell statuses: ``correct``, ``wrong``, ``carried`` (follows from an earlier wrong answer),
    ``blank``. Quantity statuses: the checker's (``correct``, ``wrong``, ``carried``,
    ``missing``) and ``partial`` for a quantity only partly filled in.
    """
    require_object(problem_data, "problem", WHERE, Msg("web.exp.problem"))
    answers = require_object(
        answers, "answers", WHERE, Msg("web.exp.answers", names=", ".join(QUANTITIES))
    )
    problem: Problem = problem_from_mapping(coerce_problem(problem_data), where=WHERE)
    check_size(problem, WHERE)
    decimals = check_decimals(int_or_text(decimals), WHERE)
    unknown = [k for k in answers if k not in QUANTITIES]
    if unknown:
        raise InputError(
            "core.err.unknown_key", where=WHERE, field=unknown[0], allowed=", ".join(QUANTITIES)
        )
    K, D = problem.W.shape
    full: dict[str, Any] = {}
    partial: dict[str, tuple[Any, np.ndarray]] = {}
    for name in QUANTITIES:
        shape = quantity_shape(name, K, D)
        value, blank = _cells(answers.get(name), name, shape)
        if np.all(blank):
            full[name] = None
        elif np.any(blank):
            partial[name] = (value, blank)
            full[name] = None
        else:
            full[name] = value
    marker = Marker(problem, decimals)
    report = marker.check(parse_answers(full, problem, WHERE))
    steps = []
    counts = {"correct": 0, "wrong": 0, "carried": 0, "missing": 0, "partial": 0}
    for s in report.steps:
        shape = quantity_shape(s.name, K, D)
        if s.name in partial:
            value, blank = partial[s.name]
            entered = np.where(blank, np.nan, np.asarray(value, dtype=object)).astype(np.float64)
            exact = marker.exact[s.name]
            tol = marker.exact_tol[s.name]
            right = np.abs(entered - exact) <= tol
            cells: Any = np.where(blank, "blank", np.where(right, "correct", "wrong")).tolist()
            counts["partial"] += 1
            steps.append(
                {
                    "name": s.name,
                    "status": "partial",
                    "label": t("web.ex.status.partial", lang),
                    "message": t("web.ex.partial", lang),
                    "cells": cells,
                }
            )
            continue
        counts[s.status] += 1
        if s.status == "missing":
            cells = "blank" if not shape else np.full(shape, "blank").tolist()
        elif s.status == "wrong" and shape:
            bad = np.zeros(shape, dtype=bool)
            for idx in s.entries:
                bad[idx] = True
            if not bad.any():
                bad[...] = True
            cells = np.where(bad, "wrong", "correct").tolist()
        else:
            cells = s.status if not shape else np.full(shape, s.status).tolist()
        entry: dict[str, Any] = {
            "name": s.name,
            "status": s.status,
            "label": t(f"exercise.check.status.{s.status}", lang),
            "message": s.message(lang, decimals),
            "cells": cells,
        }
        if s.status == "wrong":
            entry["mistake"] = s.mistake
            entry["mistake_label"] = mistake_label(s.mistake, lang)
        steps.append(entry)
    given = len(report.given)
    if not given and not partial:
        summary = t("exercise.check.nothing", lang)
    elif report.all_correct and not any(
        c == "wrong" for st in steps if st["status"] == "partial" for c in _flat(st["cells"])
    ):
        summary = t("web.ex.all_right", lang, n=given + len(partial))
    elif report.first_wrong is not None:
        first = report.first_wrong
        summary = t(
            "exercise.check.first_wrong",
            lang,
            name=first,
            what=mistake_label(report.step(first).mistake, lang),
        )
    else:
        summary = t("web.ex.some_wrong_cells", lang)
    return {
        "all_correct": report.all_correct,
        "first_wrong": report.first_wrong,
        "decimals": decimals,
        "steps": steps,
        "summary": summary,
        "counts": t(
            "web.ex.counts",
            lang,
            **counts,
        ),
    }


def _flat(value: Any) -> list[Any]:
    if isinstance(value, list):
        return [x for v in value for x in _flat(v)]
    return [value]
