"""The step page's content: one SGD step's document (:mod:`handprop.render.document`, the one
the terminal and Markdown show) as phases of blocks, each with its general formula (MathML),
the worked line of the true class, grids of numbers, sentences and the reason. Every cell
carries its text, its full value and how it was computed (``h``); the page only places them.
"""

from __future__ import annotations

from typing import Any

from handprop.problem import Problem
from handprop.render import _common as C
from handprop.render import document as D
from handprop.render.steps import document, marks
from handprop.web.mathml import mathml

_ARROW_CLASS = {"↑": "up", "↓": "down", "·": ""}
_TONE_CLASS = {"good": "good", "bad": "bad", "alarm": "bad", "plain": "", "why": "why"}


class _Page(D.Writer):
    """Turns the sections of one document into the page's phases and blocks."""

    only = "page"

    def __init__(self, doc: D.Document) -> None:
        super().__init__(doc)
        r = doc.record
        self.marks = [marks(k, r.predicted_class, r.true_class) for k in range(len(doc.labels))]

    def phases(self) -> list[dict[str, Any]]:
        phases: list[dict[str, Any]] = []
        lead: list[D.Item] = []  # a phase's own items go to its first block
        for s in self.doc.sections:
            if s.kind == "phase":
                phases.append({"id": s.id, "title": self.t(s.heading), "blocks": []})
                lead = list(s.items)
            elif s.kind == "section" and phases:
                phases[-1]["blocks"].append(self.block(s, lead + s.items))
                lead = []
        return phases

    def block(self, s: D.Section, items: list[D.Item]) -> dict[str, Any]:
        """A block: its formula, grids and sentences; the first reason is its ``why``."""
        out: dict[str, Any] = {"id": s.id, "title": f"{s.number} {self.t(s.heading)}"}
        if s.formula is not None:
            out["formula"] = mathml(s.formula)
        out["grids"] = [self.grid(g) for g in s.grids]
        groups = [i.notes if isinstance(i, D.NoteGroup) else (i,) for i in items]
        notes = [n for group in groups for n in group if isinstance(n, D.Note)]
        notes = list(filter(self.shows, notes))
        reasons = [i for i, n in enumerate(notes) if n.tone == "why"]
        if reasons:
            out["why"] = self.note(notes.pop(reasons[0]))["t"]
        out["notes"] = [self.note(n) for n in notes]
        if s.worked is not None:
            out["worked"] = mathml(s.worked.line(D.TEX))
        return out

    def note(self, note: D.Note) -> dict[str, str]:
        text = note.text(self.lang)
        text = self.t("core.why", text=text) if note.tone == "why" else text
        return {"t": text, "c": _TONE_CLASS[note.tone]}

    def columns(self, kind: str) -> list[dict[str, str]]:
        if kind == "classes":
            return [
                {"t": name, "c": m} for name, m in zip(self.doc.labels, self.marks, strict=True)
            ]
        if kind == "features":
            return [{"t": f"x{D.sub(j + 1)}"} for j in range(len(self.doc.record.x))]
        return []

    def grid(self, g: D.Grid) -> dict[str, Any]:
        rows = []
        for label, cells in g.rows:
            row: dict[str, Any] = {"label": label}
            if isinstance(label, int):
                row = {"label": self.doc.labels[label], "c": self.marks[label]}
            rows.append(row | {"cells": [self.cell(c) for c in cells]})
        return {"id": g.id, "cols": self.columns(g.cols), "rows": rows}

    def cell(self, c: D.GridCell) -> dict[str, Any]:
        out: dict[str, Any] = {"t": str(c.shown), "v": float(c.shown.value)}
        if c.how is not None:
            out["h"] = c.how.line(D.HOVER, hint=True)
            if c.how.percent:
                out["h"] += f" ({D.Num(c.shown.value, c.shown.decimals, 'pct')})"
        if c.arrow is not None:
            out["t"] += f" {c.arrow}"
        classes = c.marks if c.arrow is None else _ARROW_CLASS[c.arrow]
        return out | ({"c": classes} if classes else {})


def step_view(problem: Problem, lang: str = "en", decimals: int = 3) -> dict[str, Any]:
    """One SGD step on ``problem`` for the page, in ``lang``, shown with ``decimals``: the
    ``trace`` (as ``handprop step --format json`` prints it), the ``sections`` (phases of blocks),
    the class ``labels``, and ``next`` (the problem after the step, for "one more step", with
    ``next_text``, its numbers as the inputs show them)."""
    result = problem.trace(steps=1)
    doc = document(result, lang, decimals)
    r, f = result.first, C.fine(decimals)
    return {
        "lang": lang,
        "decimals": decimals,
        "problem": problem.to_dict(),
        "labels": doc.labels,
        "trace": result.to_json_data(),
        "sections": _Page(doc).phases(),
        "summary": {
            "loss": r.loss,
            "loss_text": C.fixed(r.loss, f),
            "loss_after": r.loss_after,
            "loss_after_text": C.fixed(r.loss_after, f),
            "correct": r.correct,
        },
        "next": {**problem.to_dict(), "W": r.W_new.tolist(), "b": r.b_new.tolist()},
        "next_text": {
            "W": [[C.compact(v, f) for v in row] for row in r.W_new.tolist()],
            "b": [C.compact(v, f) for v in r.b_new.tolist()],
        },
    }
