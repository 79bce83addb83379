"""The Markdown rendering of a :class:`~handprop.tracing.Trace`: a study note with LaTeX formulas.

The note follows the terminal rendering section by section (problem, forward, backward,
update, and a summary for several steps); formulas are display math ``$$ ... $$`` with
``bmatrix`` matrices, which GitHub, Jupyter, Obsidian, Typora and KaTeX/MathJax all show.
Every word comes from the message catalogue, so zh and en share this code.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from handprop.messages import t
from handprop.render import _common as C
from handprop.tracing import StepRecord, Trace

_TEX_ESCAPES = {
    "\\": r"\textbackslash{}",
    "{": r"\{",
    "}": r"\}",
    "$": r"\$",
    "&": r"\&",
    "#": r"\#",
    "^": r"\^{}",
    "_": r"\_",
    "%": r"\%",
    "~": r"\~{}",
}


TIMES = r" \times "


def tex_text(text: str) -> str:
    r"""``text`` inside ``\text{...}``, with LaTeX's special characters escaped."""
    return r"\text{" + "".join(_TEX_ESCAPES.get(ch, ch) for ch in text) + "}"


def md_cell(text: str) -> str:
    """``text`` safe inside a Markdown table cell."""
    return text.replace("|", r"\|").replace("\n", " ")


def bmatrix(cells: Sequence[Sequence[str]]) -> str:
    r"""``\begin{bmatrix} a & b \\ c & d \end{bmatrix}`` from rows of LaTeX strings."""
    body = r" \\ ".join(" & ".join(row) for row in cells)
    return r"\begin{bmatrix} " + body + r" \end{bmatrix}"


def tex_grid(M: np.ndarray, decimals: int) -> list[list[str]]:
    """Cells of a 1-D (as a column) or 2-D array, elided beyond the display limits."""
    M2 = M[:, None] if M.ndim == 1 else M
    rows = []
    for i in C.elide(M2.shape[0], C.MAX_ROWS):
        row = []
        for j in C.elide(M2.shape[1], C.MAX_COLS):
            if i is None:
                row.append(r"\vdots" if j is not None else r"\ddots")
            elif j is None:
                row.append(r"\cdots")
            else:
                row.append(C.fixed(M2[i, j], decimals))
        rows.append(row)
    return rows


def tex(M: np.ndarray, decimals: int) -> str:
    return bmatrix(tex_grid(np.asarray(M), decimals))


def display(*lines: str) -> str:
    """A display-math block: ``$$`` on its own lines around the formula."""
    return "$$\n" + "\n".join(lines) + "\n$$"


def aligned(rows: Sequence[str]) -> str:
    r"""Rows joined in an ``aligned`` environment (each row holds one ``&``)."""
    return display(r"\begin{aligned}", " \\\\\n".join(rows), r"\end{aligned}")


class _Note:
    """Collects the Markdown of one trace in one language."""

    def __init__(self, trace: Trace, lang: str, decimals: int) -> None:
        self.trace = trace
        self.lang = lang
        self.d = decimals
        self.f = C.fine(decimals)
        self.labels = C.class_labels(trace, lang)
        self.out: list[str] = []
        self.level = 2

    def t(self, key: str, **params: object) -> str:
        return t(key, self.lang, **params)

    def add(self, *blocks: str) -> None:
        self.out.extend(blocks)

    def heading(self, text: str, extra: int = 0) -> None:
        self.add("#" * (self.level + extra) + " " + text)

    def why(self, key: str, **params: object) -> None:
        self.add("> " + self.t("core.why", text=self.t(key, **params)))

    def label(self, k: int) -> str:
        return tex_text(self.labels[k])

    def rows(self, n: int) -> list[int]:
        return [k for k in C.elide(n, C.MAX_ROWS) if k is not None]

    def render(self) -> str:
        tr = self.trace
        many = len(tr) > 1
        title = self.t("core.title.many", steps=len(tr)) if many else self.t("core.title.one")
        self.add("# " + title)
        if "source" in tr.meta:
            self.add("_" + self.t("core.source", source=f"`{tr.meta['source']}`") + "_")
        self.setup(tr.first)
        for record in tr.steps:
            explain = record.step == 1
            if many:
                self.level = 2
                self.heading(self.t("core.step_heading", step=record.step, steps=len(tr)))
                self.level = 3
            self.forward(record, explain)
            self.backward(record, explain)
            self.update(record, explain)
        if many:
            self.level = 2
            self.summary()
        return "\n\n".join(self.out) + "\n"

    def setup(self, r: StepRecord) -> None:
        K, D = r.W.shape
        d = self.d
        self.heading(self.t("core.sec.setup"))
        self.add(self.t("core.setup.sizes", K=K, D=D))
        self.add(display(f"x = {tex(r.x, d)}, \\quad W = {tex(r.W, d)}, \\quad b = {tex(r.b, d)}"))
        k = r.true_class
        true_line = self.t(
            "core.setup.true", label=self.labels[k], index=k, onehot=C.onehot_text(r.y_onehot)
        )
        lr_line = self.t("core.setup.lr", lr=C.compact(r.lr, 12))
        names = ", ".join(f"{n + 1} = {self.labels[n]}" for n in self.rows(K))
        classes = self.t("core.md.classes", names=names)
        self.add(f"- {true_line}\n- {lr_line}\n- {classes}")
        self.why("core.why.setup")
        self.add(self.t("core.setup.counting"), self.t("core.md.notation"))

    # ------------------------------------------------------------------ phase 1
    def forward(self, r: StepRecord, explain: bool) -> None:
        d, f = self.d, self.f
        self.heading(self.t("core.phase.forward"))
        self.heading("1.1 " + self.t("core.sec.logits"), 1)
        self.add(
            display(
                f"z = W x + b = {tex(r.W, d)} {tex(r.x, d)} + {tex(r.b, d)} = {tex(r.logits, d)}"
            )
        )
        self.add(
            aligned(
                [
                    f"z_{{{k + 1}}} &= {C.logit_arithmetic(r, k, d, times=TIMES)}"
                    f" && {self.label(k)}"
                    for k in self.rows(len(r.logits))
                ]
            )
        )
        if explain:
            self.why("core.why.logits")
        self.heading("1.2 " + self.t("core.sec.exp"), 1)
        rows = [
            f"e^{{z_{{{k + 1}}}}} &= e^{{{C.compact(r.logits[k], d)}}}"
            f" = {C.compact(r.exp_logits[k], d)}"
            for k in self.rows(len(r.logits))
        ]
        shown = C.elided_terms(
            len(r.logits), lambda k: C.compact(r.exp_logits[k], d), marker=r"\cdots"
        )
        rows.append(
            r"\textstyle\sum_j e^{z_j} &= " + " + ".join(shown) + f" = {C.compact(r.sum_exp, d)}"
        )
        self.add(aligned(rows))
        if not np.isfinite(r.sum_exp):
            self.why("core.why.overflow")
        if explain:
            self.why("core.why.exp")
        self.heading("1.3 " + self.t("core.sec.probs"), 1)
        self.add(display(r"a_i = \frac{e^{z_i}}{\sum_j e^{z_j}}"))
        self.add(
            aligned(
                [
                    f"a_{{{k + 1}}} &= \\frac{{{C.compact(r.exp_logits[k], d)}}}"
                    f"{{{C.compact(r.sum_exp, d)}}} = {C.fixed(r.probabilities[k], d)}"
                    f" && {self.label(k)}"
                    for k in self.rows(len(r.logits))
                ]
            )
        )
        self.add(self.table_of_values(r))
        if explain:
            self.why("core.why.probs")
        self.heading("1.4 " + self.t("core.sec.prediction"), 1)
        y = r.true_class
        self.add("**" + C.prediction(r, self.labels, self.lang, d) + "**")
        self.heading("1.5 " + self.t("core.sec.loss"), 1)
        self.add(
            display(
                f"L = -\\ln a_{{\\text{{true}}}} = -\\ln a_{{{y + 1}}}"
                f" = -\\ln {C.compact(r.probabilities[y], d)} = {C.fixed(r.loss, f)}"
            )
        )
        if explain:
            self.why("core.why.loss")

    def table_of_values(self, r: StepRecord) -> str:
        d = self.d
        head = f"| {self.t('core.md.class')} | z | e^z | a | |"
        lines = [head, "|---|---:|---:|---:|---|"]
        for k in self.rows(len(r.logits)):
            marks = []
            if k == r.predicted_class:
                marks.append(self.t("core.mark.predicted"))
            if k == r.true_class:
                marks.append("**" + self.t("core.mark.true") + "**")
            lines.append(
                f"| {md_cell(self.labels[k])} | {C.fixed(r.logits[k], d)}"
                f" | {C.fixed(r.exp_logits[k], d)} | {C.fixed(r.probabilities[k], d)}"
                f" ({C.percent(r.probabilities[k], d)}) | {', '.join(marks)} |"
            )
        return "\n".join(lines)

    # ------------------------------------------------------------------ phase 2
    def backward(self, r: StepRecord, explain: bool) -> None:
        d = self.d
        y = r.true_class
        dLda = r"\frac{\partial L}{\partial a}"
        self.heading(self.t("core.phase.backward"))
        self.heading("2.1 " + self.t("core.sec.dlda"), 1)
        self.add(
            display(
                f"{dLda} = -\\frac{{y}}{{a}} = {tex(r.dL_dA, d)}, \\qquad "
                f"\\frac{{\\partial L}}{{\\partial a_{{{y + 1}}}}}"
                f" = -\\frac{{1}}{{{C.compact(r.probabilities[y], d)}}}"
                f" = {C.compact(r.dL_dA[y], d)}"
            )
        )
        if explain:
            self.why("core.why.dlda")
        self.heading("2.2 " + self.t("core.sec.jacobian"), 1)
        self.add(
            display(
                r"J = \frac{\partial a}{\partial z} = \operatorname{diag}(a) - a a^\top"
                f" = {tex(r.jacobian, d)}, \\qquad J_{{ij}} = a_i (\\delta_{{ij}} - a_j)"
            )
        )
        if explain:
            self.why("core.why.jacobian")
        self.heading("2.3 " + self.t("core.sec.delta"), 1)
        self.add(
            f"**{self.t('core.delta.long')}**",
            display(
                f"\\delta = J^\\top {dLda} = {tex(r.jacobian.T, d)} {tex(r.dL_dA, d)}"
                f" = {tex(r.delta_chain, d)}"
            ),
            f"**{self.t('core.delta.short')}**",
            display(
                f"\\delta = a - y = {tex(r.probabilities, d)} - {tex(r.y_onehot, 0)}"
                f" = {tex(r.delta, d)}"
            ),
        )
        gap = C.sci(r.chain_rule_gap)
        key = "core.delta.agree" if r.chain_rule_gap <= C.CHAIN_RULE_TOL else "core.delta.disagree"
        self.add("**" + self.t(key, gap=gap) + "**")
        if explain:
            self.why("core.why.delta")
            self.why("core.why.delta_sign")
        self.heading("2.4 " + self.t("core.sec.db"), 1)
        self.add(display(f"\\frac{{\\partial L}}{{\\partial b}} = \\delta = {tex(r.grad_b, d)}"))
        if explain:
            self.why("core.why.db")
        self.heading("2.5 " + self.t("core.sec.dw"), 1)
        self.add(
            display(
                f"\\frac{{\\partial L}}{{\\partial W}} = \\delta\\, x^\\top = {tex(r.delta, d)}"
                f" {tex(r.x[None, :], d)} = {tex(r.grad_W, d)}"
            )
        )
        cols = [j for j in C.elide(len(r.x), C.MAX_TERMS) if j is not None]

        def vec(v: np.ndarray) -> str:
            return r"[" + ", ".join(C.compact(v[j], d) for j in cols) + r"]"

        every = r.W.size <= C.MAX_ROW_BY_ROW
        wanted = {r.true_class, r.predicted_class}
        self.add(
            aligned(
                [
                    f"{tex_text(self.t('core.row', n=k + 1))} &: {C.compact(r.delta[k], d)}"
                    f" \\times {vec(r.x)} = {vec(r.grad_W[k])} && {self.label(k)}"
                    for k in self.rows(len(r.delta))
                    if every or k in wanted
                ]
            )
        )
        if not every:
            self.add(self.t("core.dw.some_rows"))
        if explain:
            self.why("core.why.dw")
        self.heading("2.6 " + self.t("core.sec.gradcheck"), 1)
        self.add(
            display(
                r"\frac{\partial L}{\partial \theta_i} \approx "
                r"\frac{L(\theta_i + \varepsilon) - L(\theta_i - \varepsilon)}{2\varepsilon}"
            )
        )
        line = self.t(
            "core.gradcheck.line",
            count=r.W.size + r.b.size,
            eps=C.sci(C.GRADCHECK_EPS),
            err=C.sci(r.max_abs_gradcheck_error),
        )
        ok = r.max_abs_gradcheck_error <= C.GRADCHECK_TOL
        verdict = self.t(
            "core.gradcheck.ok" if ok else "core.gradcheck.fail", tol=C.sci(C.GRADCHECK_TOL)
        )
        self.add(f"{line}  \n**{verdict}**")
        if explain:
            self.why("core.why.gradcheck")

    # ------------------------------------------------------------------ phase 3
    def update(self, r: StepRecord, explain: bool) -> None:
        d, f = self.d, self.f
        lr = C.compact(r.lr, 12)
        arrow = {"↑": r"\uparrow", "↓": r"\downarrow", "·": r"\cdot"}
        self.heading(self.t("core.phase.update"))
        if explain:
            self.why("core.why.update")
        self.heading("3.1 " + self.t("core.sec.update_b"), 1)
        self.add(
            display(f"b' = b - \\eta \\frac{{\\partial L}}{{\\partial b}}, \\quad \\eta = {lr}")
        )
        self.add(
            aligned(
                [
                    f"b_{{{k + 1}}}' &= {C.compact(r.b[k], f)} - {lr} \\times "
                    f"{C.factor(C.compact(r.grad_b[k], d))} = {C.fixed(r.b_new[k], f)}"
                    f"\\ {arrow[C.direction(r.b[k], r.b_new[k])]} && {self.label(k)}"
                    for k in self.rows(len(r.b))
                ]
            )
        )
        self.heading("3.2 " + self.t("core.sec.update_w"), 1)
        cells = tex_grid(r.W_new, f)
        for a, i in enumerate(C.elide(r.W.shape[0], C.MAX_ROWS)):
            for b_, j in enumerate(C.elide(r.W.shape[1], C.MAX_COLS)):
                if i is not None and j is not None:
                    cells[a][b_] += arrow[C.direction(r.W[i, j], r.W_new[i, j])]
        self.add(
            display(
                f"W' = W - \\eta \\frac{{\\partial L}}{{\\partial W}} = {tex(r.W, d)} - {lr}"
                f" {tex(r.grad_W, d)} = {bmatrix(cells)}"
            )
        )
        y = r.true_class
        self.add(self.t("core.update.true_row", row=y + 1, label=self.labels[y]))
        self.add(
            aligned(
                [
                    f"w_{{{y + 1},{j + 1}}}' &= {C.compact(r.W[y, j], f)} - {lr} \\times "
                    f"{C.factor(C.compact(r.grad_W[y, j], d))} = {C.fixed(r.W_new[y, j], f)}"
                    f"\\ {arrow[C.direction(r.W[y, j], r.W_new[y, j])]}"
                    for j in C.elide(r.W.shape[1], C.MAX_TERMS)
                    if j is not None
                ]
            )
        )
        if explain:
            self.why("core.why.arrows")
        self.heading("3.3 " + self.t("core.sec.after"), 1)
        self.add(
            display(
                f"z' = W' x + b' = {tex(r.logits_after, d)}, \\quad "
                f"a' = \\operatorname{{softmax}}(z') = {tex(r.probabilities_after, d)}"
            )
        )
        after = C.after_update(r, self.labels, self.lang, d)
        self.add(f"- {after.loss}\n- {after.prob}\n- **{after.verdict}**")
        if explain:
            self.why(after.why)

    # ------------------------------------------------------------------ summary
    def summary(self) -> None:
        tr = self.trace
        d, f = self.d, self.f
        y = tr.first.true_class
        self.heading(self.t("core.sec.summary"))
        cols = ["step", "loss", "p_true", "prediction", "loss_after", "prediction_after"]
        lines = [
            "| " + " | ".join(self.t(f"core.col.{c}") for c in cols) + " |",
            "|---:|---:|---:|---|---:|---|",
        ]

        def verdict(p: int) -> str:
            return md_cell(self.labels[p]) + (" ✓" if p == y else " ✗")

        for r in tr.steps:
            lines.append(
                f"| {r.step} | {C.fixed(r.loss, f)} | {C.fixed(r.probabilities[y], d)}"
                f" | {verdict(r.predicted_class)} | {C.fixed(r.loss_after, f)}"
                f" | {verdict(r.predicted_after)} |"
            )
        self.add("\n".join(lines))
        self.add(
            "\n".join(
                f"- {self.t(key, **params)}"
                for key, params, _ in C.summary_lines(tr, self.labels, f)
            )
        )


def render_markdown(trace: Trace, lang: str = "en", decimals: int = 3) -> str:
    """The trace as a Markdown study note with LaTeX ``$$ ... $$`` formulas.

    ``lang`` is "en" or "zh"; ``decimals`` sets the rounding shown (losses and updated values
    get one more). The numbers come from ``trace`` unchanged.
    """
    return _Note(trace, lang, decimals).render()
