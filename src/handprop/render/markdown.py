"""The Markdown rendering of a trace's document: a study note whose formulas are display math
``$$ ... $$`` with ``bmatrix`` matrices (GitHub, Jupyter, Obsidian, Typora and KaTeX show them).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from handprop.messages import Msg
from handprop.render import _common as C
from handprop.render import document as D
from handprop.render.steps import document

if TYPE_CHECKING:
    from handprop.tracing import Steps

_TEX_ESCAPES = str.maketrans({
    "\\": r"\textbackslash{}", "{": r"\{", "}": r"\}", "$": r"\$", "&": r"\&", "#": r"\#",
    "^": r"\^{}", "_": r"\_", "%": r"\%", "~": r"\~{}",
})  # fmt: skip


def tex_text(text: str) -> str:
    r"""``text`` inside ``\text{...}``, with LaTeX's special characters escaped."""
    return r"\text{" + text.translate(_TEX_ESCAPES) + "}"


def md_cell(text: str) -> str:
    """``text`` safe inside a Markdown table cell."""
    return text.replace("|", r"\|").replace("\n", " ")


_ARROWS = {"↑": r"\uparrow", "↓": r"\downarrow", "·": r"\cdot", "": ""}
_GAPS = {"⋮": r"\vdots", "⋱": r"\ddots", "…": r"\cdots"}


def tex(M: np.ndarray, decimals: int, old: np.ndarray | None = None) -> str:
    """A ``bmatrix`` of ``M`` (a vector as a column), elided beyond the display limits; with
    ``old``, each entry carries the arrow of how it moved from there."""

    def cell(c: Any) -> str:
        return _GAPS[c] if isinstance(c, str) else C.fixed(c[0], decimals) + _ARROWS[c[1]]

    rows = [" & ".join(map(cell, row)) for row in C.matrix_cells(M, old=old)]
    return r"\begin{bmatrix} " + r" \\ ".join(rows) + r" \end{bmatrix}"


def display(*lines: str) -> str:
    """A display-math block: ``$$`` on its own lines around the formula."""
    return "$$\n" + "\n".join(lines) + "\n$$"


def aligned(rows: Sequence[str]) -> str:
    r"""Rows joined in an ``aligned`` environment (each row holds one ``&``)."""
    return display(r"\begin{aligned}", " \\\\\n".join(rows), r"\end{aligned}")


class _Note(D.Writer):
    """Collects the Markdown of one document."""

    only = "markdown"
    nested = 0  # one heading level more inside a step of several

    def render(self) -> str:
        self.walk()
        return "\n\n".join(self.out) + "\n"

    def heading(self, s: D.Section) -> None:
        if s.kind == "end":
            return
        title = self.t(s.heading)
        if s.kind in ("step", "summary"):
            self.nested = int(s.kind == "step")
        level = {"title": 1, "section": 3}.get(s.kind, 2)
        level += self.nested if s.kind in ("phase", "section") else 0
        answer = f" · `{s.answer}`" if s.answer else ""
        self.out.append("#" * level + " " + f"{s.number} {title}".strip() + answer)

    def on_Lines(self, lines: D.Lines) -> None:
        rows = [self.row(a, lines.classes) for a in lines.rows]
        self.out.append(aligned(rows + ([self.row(lines.total)] if lines.total else [])))

    def on_Arith(self, a: D.Arith) -> None:
        self.out.append(display(a.line(D.TEX)))

    def on_NoteGroup(self, group: D.NoteGroup) -> None:
        notes = [self.note(n) for n in filter(self.shows, group.notes)]
        bullets = group.style == "bullets"
        self.out.append("- " + "\n- ".join(notes) if bullets else "  \n".join(notes))

    def on_Note(self, note: D.Note) -> None:
        self.out.append(self.note(note))

    def note(self, note: D.Note) -> str:
        if note.tone in ("meta", "action"):
            params = {k: f"`{v}`" for k, v in note.params.items()}
            text = self.t(note.key, **params)
            return f"_{text}_" if note.tone == "meta" else text
        text = note.text(self.lang)
        if note.tone in ("why", "alarm"):
            return "> " + self.t("core.why", text=text)
        return f"**{text}**" if note.strong else text

    def on_Equation(self, eq: D.Equation) -> None:
        if eq.caption is not None:
            self.out.append(f"**{self.t(eq.caption)}**")
        parts = [
            tex(p.value, p.decimals, p.old) if isinstance(p, D.Mat) else p.tex for p in eq.parts
        ]
        formula = (eq.formula.tex if eq.formula else "") + "".join(parts)
        if isinstance(eq.aside, D.Arith):
            formula += r", \qquad " + eq.aside.line(D.TEX)
        if formula:
            self.out.append(display(formula))

    def row(self, a: D.Arith, classes: bool = False) -> str:
        """A row of ``aligned``: ``lhs &= ...``, or ``\text{label} &: ...`` without a symbol."""
        body = a.body(D.TEX) + (f"\\ {_ARROWS[a.arrow]}" if a.arrow else "")
        text = (
            f"{D.spell(a.lhs, D.TEX)} &= {body}"
            if a.lhs
            else f"{tex_text(self.t(a.label or ''))} &: {body}"
        )
        if classes and a.cls is not None:
            text += f" && {tex_text(self.doc.labels[a.cls])}"
        return text

    def on_Numbered(self, numbered: D.Numbered) -> None:
        sep = self.t("exercise.check.name_sep")
        rows = (f"{i}. `{name}`{sep}{text}" for i, (name, text) in enumerate(numbered.rows, 1))
        self.out.append("\n".join(rows))

    def on_Table(self, table: D.Table) -> None:
        def row(cells: tuple[D.Cell, ...], empty: str = "  ") -> str:
            return "|" + "|".join(f" {c} " if c else empty for c in map(self.cell, cells)) + "|"

        align = "|" + "|".join("---:" if a == "r" else "---" for a in table.align) + "|"
        self.out.append("\n".join([row(table.columns, " "), align, *(row(r) for r in table.rows)]))

    def cell(self, cell: D.Cell) -> str:
        if isinstance(cell, D.Note):
            return md_cell(cell.text(self.lang))
        if isinstance(cell, tuple):
            return self.t("core.list_sep").join(self.note(n) for n in cell)
        return md_cell(self.t(cell) if isinstance(cell, Msg) else str(cell))


def write_markdown(doc: D.Document) -> str:
    """A document as a Markdown study note with LaTeX ``$$ ... $$`` formulas."""
    return _Note(doc).render()


def render_markdown(trace: Steps[Any], lang: str = "en", decimals: int = 3) -> str:
    """The trace as a Markdown study note with LaTeX ``$$ ... $$`` formulas.

    ``lang`` is "en" or "zh"; ``decimals`` sets the rounding shown (losses and updated values
    get one more). The numbers come from ``trace`` unchanged.
    """
    return write_markdown(document(trace, lang, decimals))
