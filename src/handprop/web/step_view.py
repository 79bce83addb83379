"""The step page's content: one SGD step on one sample, as sections of formulas and numbers.

:func:`step_view` takes a validated :class:`~handprop.problem.Problem`, records one step with
:func:`handprop.tracing.trace` and lays the record out for the page: for each phase (forward,
backward, update) a list of blocks, each with its general formula (MathML), the same formula
with the true class's numbers, a grid of numbers, a sentence or two and the one-line reason
(the message catalogue's ``core.why.*``). Every cell carries its display text, its full value
and how it was computed (``hover``), all written here from the record's numbers: the page only
places them. Number formats are those of the terminal and Markdown renderings
(:mod:`handprop.render._common`).
"""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import numpy as np

from handprop.messages import t
from handprop.problem import Problem
from handprop.render import _common as C
from handprop.tracing import StepRecord, Trace
from handprop.web.mathml import mathml

_SUB = str.maketrans("0123456789", "₀₁₂₃₄₅₆₇₈₉")
TIMES = " × "


def sub(n: int) -> str:
    """``12`` -> ``₁₂``: a subscript index, counted from 1 as on paper."""
    return str(n).translate(_SUB)


def cell(value: float, text: str, hover: str = "", classes: str = "") -> dict[str, Any]:
    """One number of a grid: shown ``text``, full ``value``, how it was computed."""
    out: dict[str, Any] = {"t": text, "v": float(value)}
    if hover:
        out["h"] = hover
    if classes:
        out["c"] = classes
    return out


def _marks(r: StepRecord, k: int) -> str:
    marks = []
    if k == r.predicted_class:
        marks.append("pred")
    if k == r.true_class:
        marks.append("true")
    return " ".join(marks)


def _arrow(old: float, new: float) -> tuple[str, str]:
    sign = C.direction(old, new)
    return sign, {"↑": "up", "↓": "down", "·": ""}[sign]


class _View:
    """Builds the sections for one record in one language at one rounding."""

    def __init__(self, trace: Trace, lang: str, decimals: int) -> None:
        self.r = trace.first
        self.lang = lang
        self.d = decimals
        self.f = C.fine(decimals)
        self.labels = C.class_labels(trace, lang)

    def t(self, key: str, **params: Any) -> str:
        return t(key, self.lang, **params)

    # ------------------------------------------------------------------ grids
    def class_columns(self) -> list[dict[str, str]]:
        r = self.r
        return [{"t": self.labels[k], "c": _marks(r, k)} for k in range(len(r.logits))]

    def feature_columns(self) -> list[dict[str, str]]:
        return [{"t": f"x{sub(j + 1)}"} for j in range(len(self.r.x))]

    def vector_grid(self, grid_id: str, rows: list[tuple[str, list[dict[str, Any]]]]) -> dict:
        """Vectors over the classes, one row each (label, cells)."""
        return {
            "id": grid_id,
            "cols": self.class_columns(),
            "rows": [{"label": label, "cells": cells} for label, cells in rows],
        }

    def matrix_grid(self, grid_id: str, cells: list[list[dict[str, Any]]], by_class: bool) -> dict:
        """A (K, D) matrix (rows = classes, columns = features) or (K, K) with ``by_class``."""
        r = self.r
        cols = self.class_columns() if by_class else self.feature_columns()
        return {
            "id": grid_id,
            "cols": cols,
            "rows": [
                {"label": self.labels[k], "c": _marks(r, k), "cells": row}
                for k, row in enumerate(cells)
            ],
        }

    # ------------------------------------------------------------------ phases
    def sections(self) -> list[dict[str, Any]]:
        return [
            {"id": "forward", "title": self.t("core.phase.forward"), "blocks": self.forward()},
            {"id": "backward", "title": self.t("core.phase.backward"), "blocks": self.backward()},
            {"id": "update", "title": self.t("core.phase.update"), "blocks": self.update()},
        ]

    def block(
        self,
        block_id: str,
        title: str,
        formula: str,
        *,
        worked: str | None = None,
        grids: list[dict[str, Any]] | None = None,
        notes: list[dict[str, str]] | None = None,
        why: str | None = None,
    ) -> dict[str, Any]:
        out: dict[str, Any] = {
            "id": block_id,
            "title": title,
            "formula": mathml(formula),
            "grids": grids or [],
            "notes": notes or [],
        }
        if worked is not None:
            out["worked"] = mathml(worked)
        if why is not None:
            out["why"] = self.t("core.why", text=self.t(why))
        return out

    def forward(self) -> list[dict[str, Any]]:
        r, d, f = self.r, self.d, self.f
        K = len(r.logits)
        y = r.true_class
        c = C.compact
        z = [
            cell(
                r.logits[k],
                C.fixed(r.logits[k], d),
                f"z{sub(k + 1)} = " + C.logit_arithmetic(r, k, d, times=TIMES),
                _marks(r, k),
            )
            for k in range(K)
        ]
        products = " + ".join(C.logit_terms(r, y, d, r" \times "))
        bias_part = C.signed(c(r.b[y], d))
        logits = self.block(
            "logits",
            "1.1 " + self.t("core.sec.logits"),
            r"z = W x + b, \qquad z_k = \sum_j w_{kj}\, x_j + b_k",
            worked=f"z_{{{y + 1}}} = {products}{bias_part} = {c(r.logits[y], d)}",
            grids=[self.vector_grid("logits", [("z", z)])],
            why="core.why.logits",
        )
        e = [
            cell(
                r.exp_logits[k],
                C.fixed(r.exp_logits[k], d),
                f"e^{c(r.logits[k], d)} = {c(r.exp_logits[k], d)}",
                _marks(r, k),
            )
            for k in range(K)
        ]
        terms = C.elided_terms(K, lambda k: c(r.exp_logits[k], d))
        total = cell(r.sum_exp, C.fixed(r.sum_exp, d), " + ".join(terms) + f" = {c(r.sum_exp, d)}")
        exp_notes = []
        if not np.isfinite(r.sum_exp):
            exp_notes.append({"t": self.t("core.why.overflow"), "c": "bad"})
        exps = self.block(
            "exp",
            "1.2 " + self.t("core.sec.exp"),
            r"e^{z_k}, \qquad S = \sum_j e^{z_j}",
            grids=[
                self.vector_grid("exp", [("eᶻ", e)]),
                {"id": "sum_exp", "cols": [], "rows": [{"label": "S = Σ eᶻ", "cells": [total]}]},
            ],
            notes=exp_notes,
            why="core.why.exp",
        )
        a = [
            cell(
                r.probabilities[k],
                C.fixed(r.probabilities[k], d),
                f"a{sub(k + 1)} = {c(r.exp_logits[k], d)} / {c(r.sum_exp, d)}"
                f" = {C.fixed(r.probabilities[k], d)} ({C.percent(r.probabilities[k], d)})",
                _marks(r, k),
            )
            for k in range(K)
        ]
        probs = self.block(
            "probs",
            "1.3 " + self.t("core.sec.probs"),
            r"a_k = \frac{e^{z_k}}{\sum_j e^{z_j}}",
            worked=f"a_{{{y + 1}}} = \\frac{{{c(r.exp_logits[y], d)}}}{{{c(r.sum_exp, d)}}}"
            f" = {C.fixed(r.probabilities[y], d)}",
            grids=[self.vector_grid("probs", [("a", a)])],
            why="core.why.probs",
        )
        pred = {
            "id": "prediction",
            "title": "1.4 " + self.t("core.sec.prediction"),
            "grids": [],
            "notes": [
                {
                    "t": C.prediction(r, self.labels, self.lang, d),
                    "c": "good" if r.correct else "bad",
                }
            ],
        }
        loss_cell = cell(
            r.loss,
            C.fixed(r.loss, f),
            f"L = -ln a{sub(y + 1)} = -ln {c(r.probabilities[y], d)} = {C.fixed(r.loss, f)}",
        )
        loss = self.block(
            "loss",
            "1.5 " + self.t("core.sec.loss"),
            r"L = -\sum_k y_k \ln\, a_k = -\ln\, a_{\text{true}}",
            worked=f"L = -\\ln\\, a_{{{y + 1}}} = -\\ln\\, {c(r.probabilities[y], d)}"
            f" = {C.fixed(r.loss, f)}",
            grids=[{"id": "loss", "cols": [], "rows": [{"label": "L", "cells": [loss_cell]}]}],
            why="core.why.loss",
        )
        return [logits, exps, probs, pred, loss]

    def backward(self) -> list[dict[str, Any]]:
        r, d = self.r, self.d
        K = len(r.logits)
        y = r.true_class
        c = C.compact
        dlda = [
            cell(
                r.dL_dA[k],
                C.fixed(r.dL_dA[k], d),
                f"∂L/∂a{sub(k + 1)} = -y{sub(k + 1)} / a{sub(k + 1)}"
                f" = -{c(r.y_onehot[k], 0)} / {c(r.probabilities[k], d)} = {c(r.dL_dA[k], d)}",
                _marks(r, k),
            )
            for k in range(K)
        ]
        b1 = self.block(
            "dlda",
            "2.1 " + self.t("core.sec.dlda"),
            r"\frac{\partial L}{\partial a_k} = -\frac{y_k}{a_k}",
            worked=f"\\frac{{\\partial L}}{{\\partial a_{{{y + 1}}}}} = "
            f"-\\frac{{1}}{{{c(r.probabilities[y], d)}}} = {c(r.dL_dA[y], d)}",
            grids=[self.vector_grid("dlda", [("∂L/∂a", dlda)])],
            why="core.why.dlda",
        )
        jac = []
        for i in range(K):
            row = []
            for j in range(K):
                ai, aj = c(r.probabilities[i], d), c(r.probabilities[j], d)
                name = f"J{sub(i + 1)},{sub(j + 1)}"
                if i == j:
                    how = f"{name} = a{sub(i + 1)}(1 - a{sub(i + 1)}) = {ai} × (1 - {ai})"
                else:
                    how = f"{name} = -a{sub(i + 1)}·a{sub(j + 1)} = -{ai} × {aj}"
                row.append(
                    cell(
                        r.jacobian[i, j],
                        C.fixed(r.jacobian[i, j], d),
                        how + f" = {c(r.jacobian[i, j], d)}",
                    )
                )
            jac.append(row)
        b2 = self.block(
            "jacobian",
            "2.2 " + self.t("core.sec.jacobian"),
            r"J = \frac{\partial a}{\partial z} = \operatorname{diag}(a) - a\, a^\top, \qquad "
            r"J_{ij} = a_i\,([i = j] - a_j)",
            grids=[self.matrix_grid("jacobian", jac, by_class=True)],
            why="core.why.jacobian",
        )
        long_way = []
        for k in range(K):
            terms = C.elided_terms(
                K,
                lambda i, k=k: f"{C.factor(c(r.jacobian[i, k], d))} × {C.factor(c(r.dL_dA[i], d))}",
            )
            long_way.append(
                cell(
                    r.delta_chain[k],
                    C.fixed(r.delta_chain[k], d),
                    f"Σᵢ Jᵢ,{sub(k + 1)} · ∂L/∂aᵢ = "
                    + " + ".join(terms)
                    + f" = {c(r.delta_chain[k], d)}",
                    _marks(r, k),
                )
            )
        short = [
            cell(
                r.delta[k],
                C.fixed(r.delta[k], d),
                f"δ{sub(k + 1)} = a{sub(k + 1)} - y{sub(k + 1)}"
                f" = {c(r.probabilities[k], d)} - {c(r.y_onehot[k], 0)} = {c(r.delta[k], d)}",
                _marks(r, k),
            )
            for k in range(K)
        ]
        gap = C.sci(r.chain_rule_gap)
        agree = r.chain_rule_gap <= C.CHAIN_RULE_TOL
        b3 = self.block(
            "delta",
            "2.3 " + self.t("core.sec.delta"),
            r"\delta = \frac{\partial L}{\partial z} = J^\top \frac{\partial L}{\partial a}"
            r" = a - y",
            worked=f"\\delta_{{{y + 1}}} = {c(r.probabilities[y], d)} - 1 = {c(r.delta[y], d)}",
            grids=[
                self.vector_grid(
                    "delta",
                    [
                        (self.t("core.delta.long").rstrip(":："), long_way),
                        (self.t("core.delta.short").rstrip(":："), short),
                    ],
                )
            ],
            notes=[
                {
                    "t": self.t("core.delta.agree" if agree else "core.delta.disagree", gap=gap),
                    "c": "good" if agree else "bad",
                },
                {"t": self.t("core.why", text=self.t("core.why.delta_sign")), "c": "why"},
            ],
            why="core.why.delta",
        )
        db = [
            cell(
                r.grad_b[k],
                C.fixed(r.grad_b[k], d),
                f"∂L/∂b{sub(k + 1)} = δ{sub(k + 1)} = {c(r.grad_b[k], d)}",
                _marks(r, k),
            )
            for k in range(K)
        ]
        b4 = self.block(
            "db",
            "2.4 " + self.t("core.sec.db"),
            r"\frac{\partial L}{\partial b} = \delta",
            grids=[self.vector_grid("db", [("∂L/∂b", db)])],
            why="core.why.db",
        )
        D = len(r.x)
        dw = [
            [
                cell(
                    r.grad_W[k, j],
                    C.fixed(r.grad_W[k, j], d),
                    f"∂L/∂w{sub(k + 1)},{sub(j + 1)} = δ{sub(k + 1)} · x{sub(j + 1)}"
                    f" = {c(r.delta[k], d)} × {C.factor(c(r.x[j], d))} = {c(r.grad_W[k, j], d)}",
                )
                for j in range(D)
            ]
            for k in range(K)
        ]
        b5 = self.block(
            "dw",
            "2.5 " + self.t("core.sec.dw"),
            r"\frac{\partial L}{\partial W} = \delta\, x^\top, \qquad "
            r"\frac{\partial L}{\partial w_{kj}} = \delta_k\, x_j",
            grids=[self.matrix_grid("dw", dw, by_class=False)],
            why="core.why.dw",
        )
        ok = r.max_abs_gradcheck_error <= C.GRADCHECK_TOL
        b6 = self.block(
            "gradcheck",
            "2.6 " + self.t("core.sec.gradcheck"),
            r"\frac{\partial L}{\partial \theta_i} \approx "
            r"\frac{L(\theta_i + \varepsilon) - L(\theta_i - \varepsilon)}{2\varepsilon}",
            notes=[
                {
                    "t": self.t(
                        "core.gradcheck.line",
                        count=r.W.size + r.b.size,
                        eps=C.sci(C.GRADCHECK_EPS),
                        err=C.sci(r.max_abs_gradcheck_error),
                    ),
                    "c": "",
                },
                {
                    "t": self.t(
                        "core.gradcheck.ok" if ok else "core.gradcheck.fail",
                        tol=C.sci(C.GRADCHECK_TOL),
                    ),
                    "c": "good" if ok else "bad",
                },
            ],
            why="core.why.gradcheck",
        )
        return [b1, b2, b3, b4, b5, b6]

    def update(self) -> list[dict[str, Any]]:
        r, d, f = self.r, self.d, self.f
        K, D = r.W.shape
        y = r.true_class
        c = C.compact
        lr = C.compact(r.lr, 12)

        def moved(old: float, grad: float, new: float, name: str) -> dict[str, Any]:
            sign, cls = _arrow(old, new)
            how = (
                f"{name}′ = {name} - η · ∂L/∂{name} = {c(old, f)} - {lr} × "
                f"{C.factor(c(grad, d))} = {C.fixed(new, f)}"
            )
            return cell(new, f"{C.fixed(new, f)} {sign}", how, cls)

        b_new = [moved(r.b[k], r.grad_b[k], r.b_new[k], f"b{sub(k + 1)}") for k in range(K)]
        b_old = [cell(r.b[k], C.fixed(r.b[k], f)) for k in range(K)]
        bias = self.block(
            "update_b",
            "3.1 " + self.t("core.sec.update_b"),
            r"b' = b - \eta\, \frac{\partial L}{\partial b}, \qquad \eta = " + lr,
            worked=f"b_{{{y + 1}}}' = {c(r.b[y], f)} - {lr} \\times "
            f"{C.factor(c(r.grad_b[y], d))} = {C.fixed(r.b_new[y], f)}",
            grids=[self.vector_grid("update_b", [("b", b_old), ("b′", b_new)])],
            why="core.why.update",
        )
        w_new = [
            [
                moved(r.W[k, j], r.grad_W[k, j], r.W_new[k, j], f"w{sub(k + 1)},{sub(j + 1)}")
                for j in range(D)
            ]
            for k in range(K)
        ]
        weights = self.block(
            "update_w",
            "3.2 " + self.t("core.sec.update_w"),
            r"W' = W - \eta\, \frac{\partial L}{\partial W}",
            worked=f"w_{{{y + 1},1}}' = {c(r.W[y, 0], f)} - {lr} \\times "
            f"{C.factor(c(r.grad_W[y, 0], d))} = {C.fixed(r.W_new[y, 0], f)}",
            grids=[self.matrix_grid("update_w", w_new, by_class=False)],
            why="core.why.arrows",
        )
        after_record = SimpleNamespace(W=r.W_new, x=r.x, b=r.b_new, logits=r.logits_after)
        z_after = [
            cell(
                r.logits_after[k],
                C.fixed(r.logits_after[k], d),
                f"z{sub(k + 1)}′ = " + C.logit_arithmetic(after_record, k, f, times=TIMES),  # type: ignore[arg-type]
                "true" if k == y else "",
            )
            for k in range(K)
        ]
        a_after = [
            cell(
                r.probabilities_after[k],
                C.fixed(r.probabilities_after[k], d),
                f"a{sub(k + 1)}′ = softmax(z′){sub(k + 1)} = {C.fixed(r.probabilities_after[k], d)}"
                f" ({C.percent(r.probabilities_after[k], d)})",
                ("pred " if k == r.predicted_after else "") + ("true" if k == y else ""),
            )
            for k in range(K)
        ]
        news = C.after_update(r, self.labels, self.lang, d)
        after = self.block(
            "after",
            "3.3 " + self.t("core.sec.after"),
            r"z' = W' x + b', \qquad a' = \operatorname{softmax}(z')",
            grids=[self.vector_grid("after", [("z′", z_after), ("a′", a_after)])],
            notes=[
                {"t": news.loss, "c": "good" if news.loss_fell else "bad"},
                {"t": news.prob, "c": ""},
                {"t": news.verdict, "c": "good" if news.right else "bad"},
            ],
            why=news.why,
        )
        return [bias, weights, after]


def step_view(problem: Problem, lang: str = "en", decimals: int = 3) -> dict[str, Any]:
    """One SGD step on ``problem`` for the page, in ``lang``, numbers shown with ``decimals``.

    Returns a JSON-ready dict: ``trace`` (the record as ``handprop step --format json`` prints
    it, full precision), ``problem`` (the validated problem), ``labels`` (K class names),
    ``sections`` (forward, backward, update; see the module docstring), ``next`` (the problem
    with ``W_new`` and ``b_new``, full precision, for "one more step") and ``next_text`` (the
    same numbers as shown in the inputs).
    """
    result = problem.trace(steps=1)
    view = _View(result, lang, decimals)
    r = result.first
    nxt = {**problem.to_dict(), "W": r.W_new.tolist(), "b": r.b_new.tolist()}
    shown = view.f
    return {
        "lang": lang,
        "decimals": decimals,
        "problem": problem.to_dict(),
        "labels": view.labels,
        "trace": result.to_json_data(),
        "sections": view.sections(),
        "summary": {
            "loss": r.loss,
            "loss_text": C.fixed(r.loss, view.f),
            "loss_after": r.loss_after,
            "loss_after_text": C.fixed(r.loss_after, view.f),
            "correct": r.correct,
        },
        "next": nxt,
        "next_text": {
            "W": [[C.compact(v, shown) for v in row] for row in r.W_new.tolist()],
            "b": [C.compact(v, shown) for v in r.b_new.tolist()],
        },
    }


def problem_text(problem: Problem, decimals: int = 12) -> dict[str, Any]:
    """The problem's numbers as the inputs show them (shortest text, up to ``decimals``)."""
    return {
        "X": [C.compact(v, decimals) for v in problem.X.tolist()],
        "W": [[C.compact(v, decimals) for v in row] for row in problem.W.tolist()],
        "b": [C.compact(v, decimals) for v in problem.b.tolist()],
        "lr": C.compact(problem.lr, decimals),
    }
