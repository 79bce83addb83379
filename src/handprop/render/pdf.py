"""The PDF rendering of documents (:mod:`handprop.render.document`): printable exercise sheets
and answer keys, typeset by Typst (the ``typst`` package, ``pip install 'handprop[pdf]'``).

Each document becomes Typst markup, section by section as the terminal shows it (headings,
sentences, matrices in brackets, the arithmetic lines), every text a Typst string literal so
that nothing in it is read as markup. Text is set in the shipped CJK font with DejaVu Sans
behind it (:data:`handprop.fonts.PDF_FAMILIES`), so Chinese sheets show Chinese on any machine.
Several documents go into one PDF as :class:`Page` runs, each with its own header line (a
student's name and id) and starting on a new page; a sheet's numbered tasks leave room to write.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any

from handprop.render import _common as C
from handprop.render import document as D

#: the height left for writing after each task of a sheet
ROOM = "1.55cm"


@dataclass(frozen=True)
class Page:
    """One document of a PDF: its ``header`` (on every page of it), whether its numbered tasks
    get ``room`` to write in and whether its ``reasons`` (the "why" notes) are printed."""

    doc: D.Document
    header: str = ""
    room: bool = False
    reasons: bool = True


def literal(text: str) -> str:
    """``text`` as a Typst string literal (``#"..."`` in markup): nothing in it is markup."""
    return '#"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", " ") + '"'


def _matrix(m: D.Mat) -> str:
    """A vector (as a column) or matrix in brackets, its columns right-aligned.

    Each column is one paragraph of lines (``a \\ b \\ c``), a grid cell per column rather
    than per entry: the rows line up all the same (every entry is one line) and Typst lays a
    key out in half the time (benchmarks/class_set.py).
    """
    rows = C.matrix_cells(m.value, old=m.old)
    width = max(len(r) for r in rows)
    shown = [
        [literal(c if isinstance(c, str) else C.fixed(c[0], m.decimals) + c[1]) for c in row]
        for row in rows
    ]
    columns = [" \\ ".join(row[j] for row in shown if j < len(row)) for j in range(width)]
    grid = (
        f"grid(columns: {width}, column-gutter: 0.9em, align: right, "
        f"{', '.join(f'[{col}]' for col in columns)})"
    )
    frame = "baseline: 40%, stroke: (left: 0.7pt, right: 0.7pt), inset: (x: 0.35em, y: 0.25em)"
    return f"#box({frame}, {grid})"


class _Writer(D.Writer):
    """Collects the Typst markup of one document."""

    only = "pdf"

    def __init__(self, doc: D.Document, room: bool, reasons: bool) -> None:
        super().__init__(doc)
        self.room, self.reasons = room, reasons

    def shows(self, item: D.Item) -> bool:
        why = isinstance(item, D.Note) and item.tone == "why"
        return super().shows(item) and (self.reasons or not why)

    def render(self) -> str:
        self.walk()
        return "\n\n".join(self.out)

    def heading(self, s: D.Section) -> None:
        if s.kind == "end":
            self.out.append("#v(0.4em)")
            return
        title = f"{s.number} {self.t(s.heading)}".strip() + (f" · {s.answer}" if s.answer else "")
        size = {"title": "14pt", "phase": "11.5pt"}.get(s.kind, "11pt")
        self.out.append(f'#v(0.5em)\n#text(size: {size}, fill: rgb("#1f3a5f"))[{literal(title)}]')

    def on_Note(self, note: D.Note) -> None:
        text = note.text(self.lang)
        if note.tone in ("why", "alarm"):
            text = self.t("core.why", text=text)
        style = ', fill: rgb("#555555")' if note.tone in ("dim", "why", "meta") else ""
        self.out.append(f"#text(size: 10pt{style})[{literal(text)}]")

    def on_NoteGroup(self, group: D.NoteGroup) -> None:
        for note in filter(self.shows, group.notes):
            self.on_Note(note)

    def on_Equation(self, eq: D.Equation) -> None:
        pieces = [literal(self.t(eq.caption))] if eq.caption is not None else []
        if eq.formula is not None and eq.formula.text:
            pieces.append(literal(eq.formula.text))
        if isinstance(eq.aside, D.Arith):
            pieces.append(literal(eq.aside.line(D.TEXT)))
        parts = [
            _matrix(p) if isinstance(p, D.Mat) else literal(f" {p.text.strip()} ")
            for p in eq.parts
            if isinstance(p, D.Mat) or p.text.strip()
        ]
        if pieces:
            self.out.append("   ".join(pieces))
        if parts:
            self.out.append("#block(breakable: false)[" + " ".join(parts) + "]")

    def on_Lines(self, lines: D.Lines) -> None:
        rows = [*lines.rows, *([lines.total] if lines.total is not None else [])]
        self.out.append("\\\n".join(literal(self.line(a)) for a in rows))

    def on_Arith(self, a: D.Arith) -> None:
        self.out.append(literal(self.line(a)))

    def line(self, a: D.Arith) -> str:
        name = D.spell(a.lhs, D.TEXT) if a.lhs is not None else self.t(a.label or "")
        body = a.body(D.TEXT) + (f" {a.arrow}" if a.arrow else "")
        return f"{name} = {body}" if a.lhs is not None else f"{name}: {body}"

    def on_Numbered(self, numbered: D.Numbered) -> None:
        for i, (name, text) in enumerate(numbered.rows, start=1):
            task = f"#block(breakable: false)[{literal(f'{i}. {name}  ')}{literal(text)}"
            room = f"\n#box(width: 100%, height: {ROOM}, stroke: 0.4pt + luma(190))" * self.room
            self.out.append(task + room + "]")

    def on_Table(self, table: D.Table) -> None:
        columns = len(table.columns)
        head = ", ".join(f"[{literal(self.t(c))}]" for c in table.columns)
        body = ", ".join(f"[{literal(self.cell(c))}]" for row in table.rows for c in row)
        self.out.append(f"#table(columns: {columns}, stroke: none, {head}, {body})")

    def cell(self, cell: D.Cell) -> str:
        if isinstance(cell, D.Note):
            return cell.text(self.lang)
        if isinstance(cell, tuple):
            return self.t("core.list_sep").join(n.text(self.lang) for n in cell)
        return self.t(cell) if isinstance(cell, D.Msg) else str(cell)


def typst_source(pages: Sequence[Page], lang: str) -> str:
    """The Typst markup of ``pages``, each run of them from a new page with its header."""
    from handprop.fonts import PDF_FAMILIES

    families = ", ".join(f'"{f}"' for f in PDF_FAMILIES)
    out = [
        f'#set text(font: ({families}), size: 10pt, lang: "{lang}")',
        "#set par(leading: 0.6em, spacing: 0.75em)",
    ]
    for i, page in enumerate(pages):
        header = (
            f"#text(size: 8.5pt, fill: luma(90))[{literal(page.header)}]" if page.header else ""
        )
        out.append(
            f'#set page(paper: "a4", margin: (x: 1.7cm, top: 1.9cm, bottom: 1.5cm), '
            f"header: [{header}], numbering: none)"
        )
        if i:
            out.append("#pagebreak(weak: true)")
        out.append(_Writer(page.doc, page.room, page.reasons).render())
    return "\n\n".join(out) + "\n"


@cache
def _compiler() -> Any:
    """A Typst compiler that knows only the shipped fonts (the same PDF on every machine)."""
    import typst

    from handprop.fonts import FOLDER, latin_font

    return typst.Compiler(
        font_paths=[str(FOLDER), str(latin_font().parent)], ignore_system_fonts=True
    )


def write_pdf(pages: Sequence[Page], lang: str) -> bytes:
    """``pages`` typeset as one PDF (bytes)."""
    return bytes(_compiler().compile(typst_source(pages, lang).encode("utf-8")))
