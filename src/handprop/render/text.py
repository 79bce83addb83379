"""The terminal rendering of a trace's document (:mod:`handprop.render.document`), with rich:
matrices side by side with the class names beside them, arithmetic aligned, reasons in
italics. The layout blocks (:class:`Block`, :class:`Equation`, :class:`Indented`) serve the
exercise sheet too.
"""

from __future__ import annotations

import io
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
from rich.cells import cell_len
from rich.console import Console, ConsoleOptions, Group, RenderableType, RenderResult
from rich.rule import Rule
from rich.segment import Segment
from rich.table import Table
from rich.text import Text

from handprop.messages import Msg
from handprop.render import _common as C
from handprop.render import document as D
from handprop.render.steps import document

if TYPE_CHECKING:
    from handprop.tracing import Steps

UP, DOWN, GOOD, BAD, WHY, LABEL = "green", "red", "bold green", "bold red", "italic cyan", "bold"
#: width of the probability bars
BAR = 16


# ----------------------------------------------------------------------------- layout blocks


@dataclass
class Block:
    """A rectangle of styled text lines, laid out side by side with other blocks; ``variants``
    are narrower renderings of it (fewer columns shown), widest first, for a narrow terminal."""

    lines: list[Text]
    variants: list[Block] = field(default_factory=list)
    #: laid out glued to the block before it (class names beside a column)
    attach: bool = False

    @property
    def width(self) -> int:
        return max((cell_len(line.plain) for line in self.lines), default=0)

    def fit(self, limit: int) -> Block:
        """This block, or its widest variant that is at most ``limit`` cells wide."""
        narrowest = (self.variants or [self])[-1]
        return next((b for b in (self, *self.variants) if b.width <= limit), narrowest)


def word(text: str, style: str = "") -> Block:
    return Block([Text(text, style=style)])


def matrix(cells: Sequence[Sequence[Text | str]], gap: int = 2) -> Block:
    """A bracketed matrix; each column right-aligned. ``cells`` are strings or styled Texts."""
    rows = [[c if isinstance(c, Text) else Text(c) for c in row] for row in cells]
    ncols = max(len(r) for r in rows)
    widths = [max(cell_len(r[j].plain) for r in rows if j < len(r)) for j in range(ncols)]
    n = len(rows)
    left, right = ("[", "]") if n == 1 else ("⎡" + "⎢" * (n - 2) + "⎣", "⎤" + "⎥" * (n - 2) + "⎦")
    lines = []
    for i, row in enumerate(rows):
        line = Text(left[i] + " ")
        for j, cell in enumerate(row):
            line.append(" " * (gap * bool(j) + widths[j] - cell_len(cell.plain)))
            line.append_text(cell)
        lines.append(line.append(" " + right[i]))
    return Block(lines)


_ARROW_STYLE = {"↑": UP, "↓": DOWN, "·": "dim"}


def grid(
    M: np.ndarray, decimals: int, max_cols: int = C.MAX_COLS, old: np.ndarray | None = None
) -> list[list[Text]]:
    """Cells of a 1-D (column) or 2-D array, the middle elided beyond the limits; with ``old``
    (same shape) each entry gets the arrow of the direction it moved from there."""
    rows = []
    for row in C.matrix_cells(M, max_cols, old):
        cells = [Text(c) if isinstance(c, str) else Text(C.fixed(c[0], decimals)) for c in row]
        for cell, c in zip(cells, row, strict=True):
            if not isinstance(c, str) and c[1]:
                cell.append(c[1], style=_ARROW_STYLE[c[1]])
        rows.append(cells)
    return rows


def arr(M: np.ndarray, decimals: int, old: np.ndarray | None = None) -> Block:
    """A matrix block of ``M`` with narrower variants (gap 1, then fewer columns shown)."""
    M = np.asarray(M)
    block = matrix(grid(M, decimals, old=old))
    ncols = 1 if M.ndim == 1 else M.shape[1]
    block.variants = [matrix(grid(M, decimals, old=old), gap=1)]
    for cols in (8, 6, 4):
        if cols < min(ncols, C.MAX_COLS):
            block.variants.append(matrix(grid(M, decimals, cols, old=old), gap=1))
    return block


def labels_block(labels: Sequence[str]) -> Block:
    """Class names beside a column (``⋮`` where the column was elided)."""
    shown = [labels[i] if i is not None else "⋮" for i in C.elide(len(labels), C.MAX_ROWS)]
    return Block([Text(name, style="dim") for name in shown], attach=True)


def beside(left: Block, right: Block) -> Block:
    """``right`` glued to the right of ``left``, vertically centred, as one block."""
    return Block(list(Equation([left, right], indent=0).join()))


_NO_BREAK_BEFORE = frozenset("，。、；：！？）」』》〉】”’,.;:!?)]}%")
_NO_BREAK_AFTER = frozenset("（「『《〈【“‘([{")


def wrap_offsets(
    plain: str, width: int, rest: int | None = None, keep: Sequence[tuple[int, int]] = ()
) -> list[int]:
    """Where to break ``plain`` into lines of at most ``width`` cells (``rest`` after the first).

    A line may break after a space, and between two characters of which one is wide (CJK),
    except before closing or after opening punctuation and inside a ``keep`` span
    ``(start, end)`` (a marker that must stay on one line); so Chinese wraps anywhere, as it is
    written, while English wraps between words. A run with no break point is cut at the width.
    """
    offsets: list[int] = []
    start, col, last = 0, 0, -1
    for i, ch in enumerate(plain):
        if i > start:
            prev = plain[i - 1]
            wide = cell_len(ch) == 2 or cell_len(prev) == 2
            after_space = prev == " " and ch != " "
            cjk = wide and ch != " " and ch not in _NO_BREAK_BEFORE and prev not in _NO_BREAK_AFTER
            if (after_space or cjk) and not any(a < i < b for a, b in keep):
                last = i
        w = cell_len(ch)
        limit = width if not offsets else (rest or width)
        if col + w > limit and i > start:
            cut = last if last > start else i
            offsets.append(cut)
            start, last = cut, -1
            col = cell_len(plain[cut:i])
        col += w
    return offsets


class Indented:
    """Text wrapped to the width less ``indent``, every line indented (those after the first
    ``hang`` cells more), no trailing spaces, never broken inside a ``keep`` span."""

    def __init__(
        self, text: Text, indent: int = 2, hang: int = 0, keep: Sequence[tuple[int, int]] = ()
    ) -> None:
        self.text, self.indent, self.hang, self.keep = text, indent, hang, keep

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        width = max(options.max_width - self.indent, 20)
        hang = self.hang if width - self.hang >= 30 else 0
        offsets = wrap_offsets(self.text.plain, width, width - hang, self.keep)
        for n, line in enumerate(self.text.divide(offsets)):
            line.rstrip()
            lead = len(line.plain) - len(line.plain.lstrip(" "))
            if n and lead:
                line = line.divide([lead])[1]
            yield Text(" " * (self.indent + (hang if n else 0))) + line


class Trimmed:
    """Any renderable, indented, with the trailing spaces of every line removed."""

    def __init__(self, renderable: RenderableType, indent: int = 2) -> None:
        self.renderable, self.indent = renderable, indent

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        inner = options.update_width(max(options.max_width - self.indent, 20))
        for line in console.render_lines(self.renderable, inner, pad=False):
            segments = list(line)
            while segments and not segments[-1].control and not segments[-1].text.strip():
                segments.pop()
            if segments:
                last = segments[-1]
                segments[-1] = Segment(last.text.rstrip(), last.style, last.control)
            yield Segment(" " * self.indent)
            yield from segments
            yield Segment.line()


class Equation:
    """Blocks side by side, vertically centred; wrapped onto more rows when the width is short."""

    def __init__(self, blocks: Iterable[Block], indent: int = 2) -> None:
        self.blocks, self.indent = list(blocks), indent

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        limit = max(options.max_width - self.indent, 20)
        fitted: list[Block] = []
        previous: Block | None = None
        for block in self.blocks:
            if block.attach and previous is not None:
                fitted[-1] = beside(previous.fit(limit - block.width - 1), block)
            else:
                fitted.append(block.fit(limit))
            previous = block
        rows: list[list[Block]] = [[]]
        used = 0
        for block in fitted:
            w = block.width + 1
            if rows[-1] and used + w > limit:
                rows.append([])
                used = 0
            rows[-1].append(block)
            used += w
        for row in rows:
            yield from Equation(row, self.indent).join()

    def join(self) -> Iterator[Text]:
        """The blocks side by side on one row of lines."""
        height = max(len(b.lines) for b in self.blocks)
        for i in range(height):
            line = Text(" " * self.indent)
            for n, block in enumerate(self.blocks):
                k = i - (height - len(block.lines)) // 2
                text = block.lines[k] if 0 <= k < len(block.lines) else Text("")
                line.append(" " * bool(n)).append_text(text)
                line.append(" " * (block.width - cell_len(text.plain)))
            line.rstrip()
            yield line


# ----------------------------------------------------------------------------- the rendering

_RULES = {"forward": "blue", "backward": "yellow", "update": "green"}
_TONES = {"good": GOOD, "bad": BAD, "dim": "dim", "plain": "", "meta": "", "action": "green"}


class _Writer(D.Writer):
    """Collects the renderables of one document."""

    only = "text"

    def add(self, *items: RenderableType) -> None:
        self.out.extend(items)

    def line(self, *pieces: str | tuple[str, str], indent: int = 2, hang: int = 0) -> None:
        """One line of text (wrapped lines keep the indent); ``(text, style)`` pieces styled."""
        text = Text()
        for piece in pieces:
            text.append(*(piece if isinstance(piece, tuple) else (piece,)))
        self.add(Indented(text, indent, hang))

    def lines_aligned(self, rows: list[tuple[str, str]], indent: int = 2) -> None:
        """``label  text`` rows with the labels padded to one width."""
        width = max(cell_len(label) for label, _ in rows)
        for label, text in rows:
            pad = " " * (width - cell_len(label))
            hang = width + 2 + (2 if text.startswith("= ") else 0)
            self.line((label + pad, LABEL), "  ", text, indent=indent, hang=hang)

    def render(self) -> Group:
        self.walk()
        return Group(*self.out)

    def heading(self, s: D.Section) -> None:
        if s.kind == "end":
            self.add(Text(""))
            return
        title = self.t(s.heading)
        if s.kind in ("title", "step", "summary"):
            style = "magenta" if s.kind == "step" else "bold"
            rule = Rule(
                Text(title, style=f"bold {style}" if s.kind == "step" else style), style=style
            )
            self.add(*[Text("")][: len(self.out)], rule)  # no blank line at the very top
        elif s.kind == "phase":
            self.add(Text(""), Rule(title, style=_RULES[s.id], align="left"))
        else:
            heading = Text(f"{s.number} {title}".strip(), style=LABEL)
            if s.answer:
                heading.append(f" · {s.answer}", style="bold cyan")
            self.add(Text(""), heading)

    def why(self, text: str) -> None:
        self.add(Indented(Text(self.t("core.why", text=text), style=WHY), 2))

    def on_Note(self, note: D.Note) -> None:
        if note.tone in ("why", "alarm"):
            self.why(note.text(self.lang))
        else:
            style = _TONES[note.tone]
            self.line((note.text(self.lang), style), indent=0 if note.tone == "meta" else 2)

    def on_NoteGroup(self, group: D.NoteGroup) -> None:
        for note in filter(self.shows, group.notes):
            self.on_Note(note)

    def on_Equation(self, eq: D.Equation) -> None:
        pieces: list[str | tuple[str, str]] = [(self.t(eq.caption), LABEL)] if eq.caption else []
        if eq.formula is not None and eq.formula.text:
            pieces.append(f"   {eq.formula.text}" if pieces else (eq.formula.text, LABEL))
        aside = eq.aside
        if isinstance(aside, (D.Arith, Msg)):
            aside = aside.line(D.TEXT) if isinstance(aside, D.Arith) else self.t(aside)
        if aside:
            pieces.append(f"   {aside}")
        if pieces:
            self.line(*pieces)
        blocks = [
            arr(p.value, p.decimals, p.old) if isinstance(p, D.Mat) else word(p.text)
            for p in eq.parts
        ]
        blocks = [b for b in blocks if b.width]
        if blocks:
            self.add(Equation(blocks + ([labels_block(self.doc.labels)] if eq.labels else [])))

    def label(self, a: D.Arith, classes: bool) -> str:
        name = D.spell(a.lhs, D.TEXT) if a.lhs is not None else self.t(a.label or "")
        if classes and a.cls is not None:
            return self.t("core.named", name=name, label=self.doc.labels[a.cls])
        return name

    def on_Lines(self, lines: D.Lines) -> None:
        if lines.bars:
            self.probability_rows(lines)
        else:
            rows = []
            for a in lines.rows:
                body = ("= " if a.lhs is not None else "") + a.body(D.TEXT)
                rows.append((self.label(a, lines.classes), body + (f" {a.arrow}" * bool(a.arrow))))
            self.lines_aligned(rows, lines.indent)
        if lines.total is not None:
            self.on_Arith(lines.total)

    def on_Arith(self, a: D.Arith) -> None:
        """A line of its own: the left side (with the formula right after it) and the result
        in bold."""
        head = [D.spell(a.lhs, D.TEXT)] if a.lhs is not None else []
        steps = [D.spell(s, D.TEXT) for s in a.steps]
        if a.steps and _symbolic(a.steps[0]):
            head.append(steps.pop(0))
        last = f" {a.sign(D.TEXT)} " if steps else " = " * bool(head)
        middle = (" = " * bool(head and steps)) + " = ".join(steps) + last
        self.line((" = ".join(head), LABEL), middle, (D.spell(a.result, D.TEXT), LABEL), hang=8)

    def probability_rows(self, lines: D.Lines) -> None:
        head = [self.label(a, True) for a in lines.rows]
        body = [
            f"= {' = '.join(D.spell(s, D.TEXT) for s in a.steps)} {a.sign(D.TEXT)} "
            for a in lines.rows
        ]
        width, body_w = max(map(cell_len, head)), max(map(cell_len, body))
        names = (("pred", "core.mark.predicted"), ("true", "core.mark.true"))
        for h, b, a in zip(head, body, lines.rows, strict=True):
            p = a.result
            assert isinstance(p, D.Num)
            text = Text()
            text.append(h + " " * (width - cell_len(h)), style=LABEL)
            text.append("  " + b + " " * (body_w - cell_len(b)))
            text.append(str(p), style=LABEL)
            text.append(f"  {D.Num(p.value, p.decimals, 'pct')!s:>6}  ")
            bar = round(BAR * float(p.value))
            text.append("█" * bar + "·" * (BAR - bar), style="green" if "true" in a.marks else "")
            marks = [self.t(key) for mark, key in names if mark in a.marks.split()]
            keep = []
            if marks:
                start = len(text.plain) + 2
                text.append("  ← " + self.t("core.list_sep").join(marks), style="bold")
                keep.append((start, len(text.plain)))
            self.add(Indented(text, 2, hang=width + 2, keep=keep))

    def on_Numbered(self, numbered: D.Numbered) -> None:
        for i, (name, text) in enumerate(numbered.rows, start=1):
            line = Text(f"{i:>2}. ")
            line.append(f"{name:<8}", style="bold cyan")
            line.append(text)
            self.add(Indented(line, hang=12))

    def on_Table(self, table: D.Table) -> None:
        grid = Table(box=None, padding=(0, 2), pad_edge=False, header_style="bold")
        for column, align in zip(table.columns, table.align, strict=True):
            grid.add_column(self.t(column), justify="right" if align == "r" else "left")
        for row in table.rows:
            grid.add_row(*(self.cell(c) for c in row))
        self.add(Trimmed(grid, 2))

    def cell(self, cell: D.Cell) -> Text | str:
        if isinstance(cell, D.Note):
            return Text(cell.text(self.lang), style=_TONES[cell.tone])
        return str(cell)


def _symbolic(expr: D.Expr) -> bool:
    """Whether ``expr`` is a formula (no number in it)."""
    if isinstance(expr, D.Num):
        return False
    return all(_symbolic(a) for a in expr.args) if isinstance(expr, D.Op) else True


def build_document(doc: D.Document) -> Group:
    """A document as one rich renderable (print it with ``console.print``)."""
    return _Writer(doc).render()


def write_text(doc: D.Document, width: int = 100, color: bool = False) -> str:
    """A document's terminal rendering as a string, ``width`` columns wide (ANSI colours if
    ``color``)."""
    console = Console(
        width=width, force_terminal=color, no_color=not color, highlight=False, file=io.StringIO()
    )
    with console.capture() as capture:
        console.print(build_document(doc))
    return capture.get()


def build_text(trace: Steps[Any], lang: str = "en", decimals: int = 3) -> Group:
    """The whole trace as one rich renderable (print it with ``console.print``)."""
    return build_document(document(trace, lang, decimals))


def render_text(
    trace: Steps[Any], lang: str = "en", decimals: int = 3, width: int = 100, color: bool = False
) -> str:
    """The terminal rendering as a string, ``width`` columns wide (ANSI colours if ``color``)."""
    return write_text(document(trace, lang, decimals), width, color)
