"""The terminal rendering of a :class:`~handprop.tracing.Trace` (rich).

:func:`build_text` returns one rich renderable: the problem, then for each step the three
phases (forward, backward, update) with aligned matrices, every sum written out and a short
explanation of why each step is taken; several steps end with a summary table.
:func:`render_text` captures it as a string (for tests and files).

Every word comes from the message catalogue (``core.*``), so zh and en share this code.
Numbers are rounded for display only (``decimals``); the trace keeps float64.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field

import numpy as np
from rich.cells import cell_len
from rich.console import Console, ConsoleOptions, Group, RenderableType, RenderResult
from rich.rule import Rule
from rich.segment import Segment
from rich.table import Table
from rich.text import Text

from handprop.messages import t
from handprop.render import _common as C
from handprop.tracing import StepRecord, Trace

UP, DOWN = "green", "red"
GOOD, BAD = "bold green", "bold red"
WHY = "italic cyan"
LABEL = "bold"
#: width of the probability bars
BAR = 16


# ----------------------------------------------------------------------------- layout blocks


@dataclass
class Block:
    """A rectangle of styled text lines, laid out side by side with other blocks.

    ``variants`` are narrower renderings of the same thing (a matrix with fewer columns shown),
    widest first, for when the block does not fit the terminal.
    """

    lines: list[Text]
    variants: list[Block] = field(default_factory=list)
    #: laid out glued to the block before it (class names beside a column)
    attach: bool = False

    @property
    def width(self) -> int:
        return max((cell_len(line.plain) for line in self.lines), default=0)

    @property
    def height(self) -> int:
        return len(self.lines)

    def fit(self, limit: int) -> Block:
        """This block, or its widest variant that is at most ``limit`` cells wide."""
        if self.width <= limit:
            return self
        for variant in self.variants:
            if variant.width <= limit:
                return variant
        return self.variants[-1] if self.variants else self


def word(text: str, style: str = "") -> Block:
    return Block([Text(text, style=style)])


def matrix(cells: Sequence[Sequence[Text | str]], gap: int = 2) -> Block:
    """A bracketed matrix; each column right-aligned. ``cells`` are strings or styled Texts."""
    rows = [[c if isinstance(c, Text) else Text(c) for c in row] for row in cells]
    ncols = max(len(r) for r in rows)
    widths = [max(cell_len(r[j].plain) for r in rows if j < len(r)) for j in range(ncols)]
    n = len(rows)
    if n == 1:
        left, right = ["["], ["]"]
    else:
        left = ["⎡"] + ["⎢"] * (n - 2) + ["⎣"]
        right = ["⎤"] + ["⎥"] * (n - 2) + ["⎦"]
    lines = []
    for i, row in enumerate(rows):
        line = Text(left[i] + " ")
        for j, cell in enumerate(row):
            if j:
                line.append(" " * gap)
            line.append(" " * (widths[j] - cell_len(cell.plain)))
            line.append_text(cell)
        line.append(" " + right[i])
        lines.append(line)
    return Block(lines)


def grid(
    M: np.ndarray, decimals: int, max_cols: int = C.MAX_COLS, old: np.ndarray | None = None
) -> list[list[Text]]:
    """Cells of a 1-D (column) or 2-D array, the middle elided beyond the limits.

    With ``old`` (same shape) each entry gets an arrow: the direction it moved from ``old``.
    """
    M2 = M[:, None] if M.ndim == 1 else M
    old2 = None if old is None else (old[:, None] if old.ndim == 1 else old)
    cells = []
    for i in C.elide(M2.shape[0], C.MAX_ROWS):
        row = []
        for j in C.elide(M2.shape[1], max_cols):
            if i is None:
                row.append(Text("⋮" if j is not None else "⋱"))
            elif j is None:
                row.append(Text("…"))
            else:
                cell = Text(C.fixed(M2[i, j], decimals))
                if old2 is not None:
                    arrow = C.direction(old2[i, j], M2[i, j])
                    cell.append(
                        arrow, style=UP if arrow == "↑" else DOWN if arrow == "↓" else "dim"
                    )
                row.append(cell)
        cells.append(row)
    return cells


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


def row_vector(v: np.ndarray, decimals: int) -> Block:
    return arr(np.asarray(v)[None, :], decimals)


def labels_block(labels: Sequence[str], style: str = "dim") -> Block:
    """Class names beside a column (``⋮`` where the column was elided)."""
    shown = [labels[i] if i is not None else "⋮" for i in C.elide(len(labels), C.MAX_ROWS)]
    return Block([Text(name, style=style) for name in shown], attach=True)


def beside(left: Block, right: Block, gap: int = 1) -> Block:
    """``right`` glued to the right of ``left``, vertically centred, as one block."""
    return Block(list(Equation([left, right], indent=0, gap=gap).join()))


_NO_BREAK_BEFORE = frozenset("，。、；：！？）」』》〉】”’,.;:!?)]}%")
_NO_BREAK_AFTER = frozenset("（「『《〈【“‘([{")


def wrap_offsets(plain: str, width: int, rest: int | None = None) -> list[int]:
    """Where to break ``plain`` into lines of at most ``width`` cells (``rest`` after the first).

    A line may break after a space, and between two characters of which one is wide (CJK),
    except before closing or after opening punctuation; so Chinese wraps anywhere, as it is
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
            if after_space or cjk:
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
    """Text wrapped to the width less ``indent``, every line indented, no trailing spaces.

    Lines after the first are indented ``hang`` cells more (a hanging indent).
    """

    def __init__(self, text: Text, indent: int = 2, hang: int = 0) -> None:
        self.text = text
        self.indent = indent
        self.hang = hang

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        width = max(options.max_width - self.indent, 20)
        hang = self.hang if width - self.hang >= 30 else 0
        offsets = wrap_offsets(self.text.plain, width, width - hang)
        for n, line in enumerate(self.text.divide(offsets)):
            line.rstrip()
            lead = len(line.plain) - len(line.plain.lstrip(" "))
            if n and lead:
                line = line.divide([lead])[1]
            yield Text(" " * (self.indent + (hang if n else 0))) + line


class Trimmed:
    """Any renderable, indented, with the trailing spaces of every line removed."""

    def __init__(self, renderable: RenderableType, indent: int = 2) -> None:
        self.renderable = renderable
        self.indent = indent

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

    def __init__(self, blocks: Iterable[Block], indent: int = 2, gap: int = 1) -> None:
        self.blocks = list(blocks)
        self.indent = indent
        self.gap = gap

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
            yield from Equation(row, self.indent, self.gap).join()

    def join(self) -> Iterator[Text]:
        """The blocks side by side on one row of lines."""
        blocks = self.blocks
        height = max(b.height for b in blocks)
        for i in range(height):
            line = Text(" " * self.indent)
            for n, block in enumerate(blocks):
                if n:
                    line.append(" " * self.gap)
                top = (height - block.height) // 2
                k = i - top
                text = block.lines[k] if 0 <= k < block.height else Text("")
                line.append_text(text)
                line.append(" " * (block.width - cell_len(text.plain)))
            line.rstrip()
            yield line


# ----------------------------------------------------------------------------- the rendering


class _Writer:
    """Collects the renderables of one trace in one language."""

    def __init__(self, trace: Trace, lang: str, decimals: int) -> None:
        self.trace = trace
        self.lang = lang
        self.d = decimals
        self.f = C.fine(decimals)
        self.labels = C.class_labels(trace, lang)
        self.parts: list[RenderableType] = []

    # small helpers
    def t(self, key: str, **params: object) -> str:
        return t(key, self.lang, **params)

    def add(self, *items: RenderableType) -> None:
        self.parts.extend(items)

    def heading(self, key: str, number: str) -> None:
        self.add(Text(""), Text(f"{number} {self.t(key)}", style=LABEL))

    def why(self, key: str, **params: object) -> None:
        text = self.t("core.why", text=self.t(key, **params))
        self.add(Indented(Text(text, style=WHY), 2))

    def line(self, *pieces: str | tuple[str, str], indent: int = 2, hang: int = 0) -> None:
        """One line of text (wrapped lines keep the indent); ``(text, style)`` pieces styled."""
        text = Text()
        for piece in pieces:
            if isinstance(piece, tuple):
                text.append(piece[0], style=piece[1])
            else:
                text.append(piece)
        self.add(Indented(text, indent, hang))

    def lines_aligned(self, rows: list[tuple[str, str]], indent: int = 2) -> None:
        """``label  text`` rows with the labels padded to one width."""
        width = max(cell_len(label) for label, _ in rows)
        for label, text in rows:
            pad = " " * (width - cell_len(label))
            hang = width + 2 + (2 if text.startswith("= ") else 0)
            self.line((label + pad, LABEL), "  ", text, indent=indent, hang=hang)

    def name(self, k: int) -> str:
        return self.labels[k]

    def rows(self, n: int) -> list[int]:
        """Per-class lines to write out (all up to the limit, else the first ones and the last)."""
        return [k for k in C.elide(n, C.MAX_ROWS) if k is not None]

    # the document
    def render(self) -> Group:
        tr = self.trace
        many = len(tr) > 1
        title = self.t("core.title.many", steps=len(tr)) if many else self.t("core.title.one")
        self.add(Rule(Text(title, style="bold"), style="bold"))
        if "source" in tr.meta:
            self.line(self.t("core.source", source=tr.meta["source"]), indent=0)
        self.setup(tr.first)
        for record in tr.steps:
            if many:
                self.add(Text(""))
                heading = self.t("core.step_heading", step=record.step, steps=len(tr))
                self.add(Rule(Text(heading, style="bold magenta"), style="magenta"))
            explain = record.step == 1
            self.forward(record, explain)
            self.backward(record, explain)
            self.update(record, explain)
        if many:
            self.summary()
        return Group(*self.parts)

    def setup(self, r: StepRecord) -> None:
        K, D = r.W.shape
        self.add(Text(""), Text(self.t("core.sec.setup"), style=LABEL))
        self.line(self.t("core.setup.sizes", K=K, D=D))
        self.add(
            Equation(
                [
                    word("x ="),
                    arr(r.x, self.d),
                    word("  W ="),
                    arr(r.W, self.d),
                    word("  b ="),
                    arr(r.b, self.d),
                    labels_block(self.labels),
                ]
            )
        )
        k = r.true_class
        self.line(
            self.t(
                "core.setup.true",
                label=self.name(k),
                index=k,
                onehot=C.onehot_text(r.y_onehot),
            )
        )
        self.line(self.t("core.setup.lr", lr=C.compact(r.lr, 12)))
        self.why("core.why.setup")
        self.line((self.t("core.setup.counting"), "dim"))

    def forward(self, r: StepRecord, explain: bool) -> None:
        d = self.d
        self.add(Text(""), Rule(self.t("core.phase.forward"), style="blue", align="left"))
        # 1.1 logits
        self.heading("core.sec.logits", "1.1")
        self.line(("z = W·x + b", LABEL))
        self.add(
            Equation(
                [
                    arr(r.W, d),
                    word("·"),
                    arr(r.x, d),
                    word("+"),
                    arr(r.b, d),
                    word("="),
                    arr(r.logits, d),
                    labels_block(self.labels),
                ]
            )
        )
        self.lines_aligned(
            [
                (f"z{k + 1} ({self.name(k)})", "= " + C.logit_arithmetic(r, k, d))
                for k in self.rows(len(r.logits))
            ]
        )
        if explain:
            self.why("core.why.logits")
        # 1.2 exponentials
        self.heading("core.sec.exp", "1.2")
        self.lines_aligned(
            [
                (
                    f"e^z{k + 1}",
                    f"= e^{C.compact(r.logits[k], d)} = {C.compact(r.exp_logits[k], d)}",
                )
                for k in self.rows(len(r.logits))
            ]
        )
        shown = C.elided_terms(len(r.logits), lambda k: C.compact(r.exp_logits[k], d))
        self.line(
            ("Σ e^z", LABEL),
            " = " + " + ".join(shown) + " = ",
            (C.compact(r.sum_exp, d), LABEL),
            hang=8,
        )
        if not np.isfinite(r.sum_exp):
            self.why("core.why.overflow")
        if explain:
            self.why("core.why.exp")
        # 1.3 probabilities
        self.heading("core.sec.probs", "1.3")
        self.line(("a = e^z / Σ e^z", LABEL))
        self.probability_rows(r.probabilities, r.exp_logits, r.sum_exp, r)
        if explain:
            self.why("core.why.probs")
        # 1.4 prediction
        self.heading("core.sec.prediction", "1.4")
        y = r.true_class
        self.line((C.prediction(r, self.labels, self.lang, d), GOOD if r.correct else BAD))
        # 1.5 loss
        self.heading("core.sec.loss", "1.5")
        self.line(
            ("L = -ln a_true", LABEL),
            f" = -ln a{y + 1} = -ln {C.compact(r.probabilities[y], d)} = ",
            (C.fixed(r.loss, self.f), LABEL),
        )
        if explain:
            self.why("core.why.loss")

    def probability_rows(
        self, probs: np.ndarray, exps: np.ndarray, total: float, r: StepRecord
    ) -> None:
        d = self.d
        rows = self.rows(len(probs))
        head = [f"a{k + 1} ({self.name(k)})" for k in rows]
        width = max(cell_len(h) for h in head)
        body = [f"= {C.compact(exps[k], d)} / {C.compact(total, d)} = " for k in rows]
        body_w = max(cell_len(b) for b in body)
        for h, b, k in zip(head, body, rows, strict=True):
            text = Text()
            text.append(h + " " * (width - cell_len(h)), style=LABEL)
            text.append("  " + b + " " * (body_w - cell_len(b)))
            text.append(C.fixed(probs[k], d), style=LABEL)
            text.append(f"  {C.percent(probs[k], d):>6}  ")
            bar = round(BAR * float(probs[k]))
            text.append("█" * bar + "·" * (BAR - bar), style="green" if k == r.true_class else "")
            marks = []
            if k == r.predicted_class:
                marks.append(self.t("core.mark.predicted"))
            if k == r.true_class:
                marks.append(self.t("core.mark.true"))
            if marks:
                text.append("  ← " + ", ".join(marks), style="bold")
            self.add(Indented(text, 2, hang=width + 2))

    def backward(self, r: StepRecord, explain: bool) -> None:
        d = self.d
        y = r.true_class
        self.add(Text(""), Rule(self.t("core.phase.backward"), style="yellow", align="left"))
        # 2.1 dL/da
        self.heading("core.sec.dlda", "2.1")
        self.line(
            ("∂L/∂a = -y / a", LABEL),
            f"   ∂L/∂a{y + 1} = -1 / {C.compact(r.probabilities[y], d)} = "
            f"{C.compact(r.dL_dA[y], d)}",
        )
        self.add(Equation([word("∂L/∂a ="), arr(r.dL_dA, d), labels_block(self.labels)]))
        if explain:
            self.why("core.why.dlda")
        # 2.2 Jacobian
        self.heading("core.sec.jacobian", "2.2")
        self.line(("∂a/∂z = diag(a) - a·aᵀ", LABEL), "   " + self.t("core.jacobian.entry"))
        self.add(Equation([word("J ="), arr(r.jacobian, d)]))
        if explain:
            self.why("core.why.jacobian")
        # 2.3 delta two ways
        self.heading("core.sec.delta", "2.3")
        self.line((self.t("core.delta.long"), LABEL), "   δ = Jᵀ · ∂L/∂a")
        self.add(
            Equation(
                [
                    word("Jᵀ"),
                    arr(r.jacobian.T, d),
                    word("·"),
                    arr(r.dL_dA, d),
                    word("="),
                    arr(r.delta_chain, d),
                ]
            )
        )
        self.line((self.t("core.delta.short"), LABEL), "   δ = a - y")
        self.add(
            Equation(
                [
                    arr(r.probabilities, d),
                    word("-"),
                    arr(r.y_onehot, 0),
                    word("="),
                    arr(r.delta, d),
                    labels_block(self.labels),
                ]
            )
        )
        gap = C.sci(r.chain_rule_gap)
        if r.chain_rule_gap <= C.CHAIN_RULE_TOL:
            self.line((self.t("core.delta.agree", gap=gap), GOOD))
        else:
            self.line((self.t("core.delta.disagree", gap=gap), BAD))
        if explain:
            self.why("core.why.delta")
            self.why("core.why.delta_sign")
        # 2.4 db
        self.heading("core.sec.db", "2.4")
        self.add(Equation([word("∂L/∂b = δ ="), arr(r.grad_b, d), labels_block(self.labels)]))
        if explain:
            self.why("core.why.db")
        # 2.5 dW
        self.heading("core.sec.dw", "2.5")
        self.line(("∂L/∂W = δ · xᵀ", LABEL))
        xs = "[" + ", ".join(C.compact(v, d) for v in self._shown(r.x)) + "]"
        rows = []
        every = r.W.size <= C.MAX_ROW_BY_ROW
        wanted = {r.true_class, r.predicted_class}
        for k in self.rows(len(r.delta)):
            if not every and k not in wanted:
                continue
            row = "[" + ", ".join(C.compact(v, d) for v in self._shown(r.grad_W[k])) + "]"
            label = f"{self.t('core.row', n=k + 1)} ({self.name(k)})"
            rows.append((label, f"{C.compact(r.delta[k], d)} * {xs} = {row}"))
        self.lines_aligned(rows)
        if not every:
            self.line((self.t("core.dw.some_rows"), "dim"))
        self.add(
            Equation(
                [
                    arr(r.delta, d),
                    word("·"),
                    row_vector(r.x, d),
                    word("="),
                    arr(r.grad_W, d),
                    labels_block(self.labels),
                ]
            )
        )
        if explain:
            self.why("core.why.dw")
        # 2.6 gradient check
        self.heading("core.sec.gradcheck", "2.6")
        self.line(
            self.t(
                "core.gradcheck.line",
                count=r.W.size + r.b.size,
                eps=C.sci(C.GRADCHECK_EPS),
                err=C.sci(r.max_abs_gradcheck_error),
            )
        )
        if r.max_abs_gradcheck_error <= C.GRADCHECK_TOL:
            self.line((self.t("core.gradcheck.ok", tol=C.sci(C.GRADCHECK_TOL)), GOOD))
        else:
            self.line((self.t("core.gradcheck.fail", tol=C.sci(C.GRADCHECK_TOL)), BAD))
        if explain:
            self.why("core.why.gradcheck")

    def _shown(self, v: np.ndarray) -> list[float]:
        return [v[j] for j in C.elide(len(v), C.MAX_TERMS) if j is not None]

    def update(self, r: StepRecord, explain: bool) -> None:
        d, f = self.d, self.f
        lr = C.compact(r.lr, 12)
        self.add(Text(""), Rule(self.t("core.phase.update"), style="green", align="left"))
        if explain:
            self.why("core.why.update")
        # 3.1 bias
        self.heading("core.sec.update_b", "3.1")
        self.line(("b' = b - η · ∂L/∂b", LABEL), f"   (η = {lr})")
        rows = []
        for k in self.rows(len(r.b)):
            arrow = C.direction(r.b[k], r.b_new[k])
            rows.append(
                (
                    f"b{k + 1} ({self.name(k)})",
                    f"{C.compact(r.b[k], f)} - {lr}*{C.factor(C.compact(r.grad_b[k], d))}"
                    f" = {C.fixed(r.b_new[k], f)} {arrow}",
                )
            )
        self.lines_aligned(rows)
        # 3.2 weights
        self.heading("core.sec.update_w", "3.2")
        self.line(("W' = W - η · ∂L/∂W", LABEL))
        self.add(
            Equation(
                [
                    arr(r.W, d),
                    word(f"- {lr} ·"),
                    arr(r.grad_W, d),
                    word("="),
                    arr(r.W_new, self.f, old=r.W),
                    labels_block(self.labels),
                ]
            )
        )
        y = r.true_class
        self.line(self.t("core.update.true_row", row=y + 1, label=self.name(y)))
        rows = []
        for j in self._cols(r.W.shape[1]):
            arrow = C.direction(r.W[y, j], r.W_new[y, j])
            rows.append(
                (
                    f"w{y + 1},{j + 1}",
                    f"{C.compact(r.W[y, j], f)} - {lr}*{C.factor(C.compact(r.grad_W[y, j], d))}"
                    f" = {C.fixed(r.W_new[y, j], f)} {arrow}",
                )
            )
        self.lines_aligned(rows, indent=4)
        if explain:
            self.why("core.why.arrows")
        # 3.3 after
        self.heading("core.sec.after", "3.3")
        self.add(
            Equation(
                [
                    word("z' ="),
                    arr(r.logits_after, d),
                    word("  a' ="),
                    arr(r.probabilities_after, d),
                    labels_block(self.labels),
                ]
            )
        )
        after = C.after_update(r, self.labels, self.lang, d)
        self.line((after.loss, GOOD if after.loss_fell else BAD))
        self.line(after.prob)
        self.line((after.verdict, GOOD if after.right else BAD))
        if explain:
            self.why(after.why)

    def _cols(self, n: int) -> list[int]:
        return [j for j in C.elide(n, C.MAX_TERMS) if j is not None]

    def summary(self) -> None:
        tr = self.trace
        d, f = self.d, self.f
        self.add(Text(""), Rule(Text(self.t("core.sec.summary"), style="bold"), style="bold"))
        table = Table(box=None, padding=(0, 2), pad_edge=False, header_style="bold")
        table.add_column(self.t("core.col.step"), justify="right")
        table.add_column(self.t("core.col.loss"), justify="right")
        table.add_column(self.t("core.col.p_true"), justify="right")
        table.add_column(self.t("core.col.prediction"))
        table.add_column(self.t("core.col.loss_after"), justify="right")
        table.add_column(self.t("core.col.prediction_after"))
        y = tr.first.true_class
        for r in tr.steps:
            table.add_row(
                str(r.step),
                C.fixed(r.loss, f),
                C.fixed(r.probabilities[y], d),
                self._verdict(r.predicted_class, y),
                C.fixed(r.loss_after, f),
                self._verdict(r.predicted_after, y),
            )
        self.add(Trimmed(table, 2))
        for key, params, good in C.summary_lines(tr, self.labels, f):
            self.line((self.t(key, **params), GOOD if good else BAD))

    def _verdict(self, p: int, y: int) -> Text:
        if p == y:
            return Text(f"{self.name(p)} ✓", style=GOOD)
        return Text(f"{self.name(p)} ✗", style=BAD)


def build_text(trace: Trace, lang: str = "en", decimals: int = 3) -> Group:
    """The whole trace as one rich renderable (print it with ``console.print``)."""
    return _Writer(trace, lang, decimals).render()


def render_text(
    trace: Trace, lang: str = "en", decimals: int = 3, width: int = 100, color: bool = False
) -> str:
    """The terminal rendering as a string, ``width`` columns wide (ANSI colours if ``color``)."""
    console = Console(
        width=width,
        record=False,
        force_terminal=color,
        no_color=not color,
        highlight=False,
        file=_NullFile(),
        legacy_windows=False,
    )
    with console.capture() as capture:
        console.print(build_text(trace, lang, decimals))
    return capture.get()


class _NullFile:
    def write(self, text: str) -> int:
        return len(text)

    def flush(self) -> None:
        pass
