"""The document of a trace (:mod:`handprop.render.document`), built once for every rendering:
the problem, each step's forward, backward and update, and a summary of several steps, with
the record's numbers; reasons (``core.why.*``) for the first step only. An MLPTrace is built
by :mod:`handprop.render.mlp`.

The notation is the exercise sheet's: the logits ``Z = W·x + b``, the probabilities
``A = softmax(Z)``, the one-hot vector ``Y`` of the true class, ``δ = ∂L/∂Z = A - Y`` and the
learning rate ``η``; an entry is named by its array and its class (and feature) counted from 1:
``Z1``, ``A2``, ``b3'``, ``W2,1'``. A key (``key=True``) is the worked solution of an exercise:
its record holds the values of the sheet's rounding rule (:func:`handprop.exercise.answer_key`),
every number has the sheet's decimals, each part is headed by its answer-sheet name, and what
the sheet does not ask for (∂L/∂A, the Jacobian, the long way, the gradient check) is left out.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from handprop.messages import Msg, t
from handprop.render import _common as C
from handprop.render import document as D
from handprop.render.document import Mat, Note, Num, Word, arith, op, sub, sym
from handprop.render.mlp import mlp_document
from handprop.render.parts import ANSWERS, fx, moved

if TYPE_CHECKING:
    from handprop.tracing import StepRecord, Steps, Trace

DOT, PLUS, MINUS, EQ = D.DOT, D.PLUS, D.MINUS, D.EQ
#: the Jacobian entry by entry (LaTeX): the indicator 𝟙[i = j], so that δ means ∂L/∂Z only
JACOBIAN_ENTRY = r"J_{ij} = A_i\,(\mathbb{1}[i = j] - A_j)"
#: the general formula of each section on the page (LaTeX)
PAGE = {
    "logits": r"Z = W x + b, \qquad Z_k = \sum_j W_{kj}\, x_j + b_k",
    "exp": r"e^{Z_k}, \qquad \textstyle\sum_j e^{Z_j}",
    "probs": r"A_k = \frac{e^{Z_k}}{\sum_j e^{Z_j}}",
    "loss": r"L = -\sum_k Y_k \ln\, A_k",
    "dlda": r"\frac{\partial L}{\partial A_k} = -\frac{Y_k}{A_k}",
    "jacobian": r"J = \frac{\partial A}{\partial Z} = \operatorname{diag}(A) - A\, A^\top, "
    r"\qquad " + JACOBIAN_ENTRY,
    "delta": r"\delta = \frac{\partial L}{\partial Z} = J^\top \frac{\partial L}{\partial A}"
    r" = A - Y",
    "db": r"\frac{\partial L}{\partial b} = \delta",
    "dw": r"\frac{\partial L}{\partial W} = \delta\, x^\top, \qquad "
    r"\frac{\partial L}{\partial W_{kj}} = \delta_k\, x_j",
    "gradcheck": r"\frac{\partial L}{\partial \theta_i} \approx "
    r"\frac{L(\theta_i + \varepsilon) - L(\theta_i - \varepsilon)}{2\varepsilon}",
    "update_b": r"b' = b - \eta\, \frac{\partial L}{\partial b}, \qquad \eta = ",
    "update_w": r"W' = W - \eta\, \frac{\partial L}{\partial W}",
    "after": r"Z' = W' x + b', \qquad A' = \operatorname{softmax}(Z')",
}


def document(
    trace: Steps[Any], lang: str = "en", decimals: int = 3, key: bool = False
) -> D.Document:
    """The document of ``trace`` (a Trace or an MLPTrace) in ``lang``, numbers shown with
    ``decimals`` decimals (losses and updated parameters with one more); with ``key``, the
    answer key of an exercise (see the module docstring), every number with ``decimals``."""
    if hasattr(trace.first, "activation"):  # a hidden layer (handprop.mlp)
        return mlp_document(trace, lang, decimals)  # type: ignore[arg-type]
    if hasattr(trace.first, "Y"):  # a mini-batch (handprop.tracing.BatchRecord): a key
        from handprop.render.batch import batch_document

        return batch_document(trace, lang, decimals)
    return _Builder(trace, lang, decimals, key).build()  # type: ignore[arg-type]


def class_labels(trace: Steps[Any], lang: str) -> list[str]:
    """The class names, or "class 1", "class 2", ... (counted from 1, as on paper)."""
    if trace.classes is not None:
        return list(trace.classes)
    return [t("core.class_default", lang, n=k + 1) for k in range(len(trace.first.y_onehot))]


def marks(k: int, predicted: int, true: int) -> str:
    """The page's classes of class ``k``: "pred" (the prediction), "true" (the answer)."""
    return " ".join(name for name, on in (("pred", k == predicted), ("true", k == true)) if on)


def good(ok: bool) -> str:
    return "good" if ok else "bad"


def partial(name: str) -> str:
    """The LaTeX of ``∂L/∂name_i`` with ``{i}`` where the index goes (for :func:`sym`)."""
    return r"\frac{{\partial L}}{{\partial " + name + r"_{{{i}}}}}"


def difference(after: float, before: float, decimals: int) -> float:
    """``after - before`` of the two numbers as shown with ``decimals``, so that the change
    printed beside them is their difference."""
    return C.round_half_up(after, decimals) - C.round_half_up(before, decimals)


def cells(values: Any, how: list[D.Arith], d: int, mk: Any = None) -> tuple[D.GridCell, ...]:
    """The page's cells of ``values`` (``d`` decimals), each with how it was computed."""
    mk = mk or [""] * len(how)
    return tuple(D.GridCell(fx(v, d), a, m) for v, a, m in zip(values, how, mk, strict=True))


class _Builder:
    """Builds the sections of one softmax trace."""

    def __init__(self, trace: Trace, lang: str, decimals: int, key: bool = False) -> None:
        self.trace, self.lang, self.d, self.key = trace, lang, decimals, key
        self.f = decimals if key else C.fine(decimals)
        self.labels = class_labels(trace, lang)
        self.sections: list[D.Section] = []
        self.explain = True
        self.phase, self.number = 0, 0  # of the numbered sections: 1.1, 1.2, ..., 2.1, ...

    def add(self, kind: str, id: str, heading: Msg, *items: D.Item) -> D.Section:
        if kind == "phase":
            self.phase, self.number = self.phase + 1, 0
        self.sections.append(D.Section(kind, id, heading, items=list(items)))
        return self.sections[-1]

    def part(self, id: str, *items: D.Item, **page: Any) -> D.Section:
        """The next numbered section and its reasons (``core.why.<id>``, or the keys of
        ``why``); the page shows :data:`PAGE`'s formula, ``worked`` and ``grids`` besides; a
        key's heading names the answers worked out (:data:`ANSWERS`)."""
        s = self.add("section", id, Msg(page.get("heading", f"core.sec.{id}")), *items)
        self.number += 1
        s.number, s.formula = f"{self.phase}.{self.number}", PAGE.get(id)
        s.answer = ANSWERS.get(id, "") if self.key else ""
        s.worked, s.grids = page.get("worked"), list(page.get("grids", ()))
        if self.explain:
            s.items += [Note(f"core.why.{key}", tone="why") for key in page.get("why", (id,))]
        return s

    def vector(self, id: str, name: str, values: Any, how: list[D.Arith], mk: Any) -> D.Grid:
        """A grid of one vector over the classes."""
        return D.Grid(id, ((name, cells(values, how, self.d, mk)),))

    def build(self) -> D.Document:
        tr, many = self.trace, len(self.trace) > 1
        title = Msg("core.title.many", steps=len(tr)) if many else Msg("core.title.one")
        title = Msg("core.title.key") if self.key else title
        source = tr.meta.get("source")
        meta = [Note("core.source", {"source": source}, "meta")] if source else []
        self.add("title", "title", title, *meta)
        self.setup(tr.first)
        for r in tr.steps:
            if many:
                heading = Msg("core.step_heading", step=r.step, steps=len(tr))
                self.add("step", f"step{r.step}", heading)
            self.explain, self.phase = r.step == 1, 0
            self.forward(r)
            self.backward(r)
            self.update(r)
        if many:
            self.summary()
        return D.Document(self.sections, self.labels, tr.first, self.lang)

    def setup(self, r: StepRecord) -> None:
        (K, D_), d, k = r.W.shape, self.d, r.true_class
        sep = t("core.list_sep", self.lang)
        names = sep.join(f"{n + 1} = {self.labels[n]}" for n in C.shown(K, C.MAX_ROWS))
        onehot = "[" + ", ".join(str(Num(v, 0)) for v in r.y_onehot) + "]"
        x = (Word("x =", "x = "), Mat(r.x, d), Word("  W =", r", \quad W = "), Mat(r.W, d))
        named = self.trace.classes is not None
        which = {"label": self.labels[k], "n": k + 1, "onehot": onehot}
        true = Note("core.setup.true" if named else "core.setup.true_plain", which)
        lr = Num(r.lr, 12)
        rate = Note("core.setup.lr_key" if self.key else "core.setup.lr", {"lr": lr})
        classes = Note("core.md.classes", {"names": names}, only="markdown")
        rule = Note("core.key.rule", {"decimals": d}) if self.key else Note("core.setup.precision")
        sizes = Note("core.setup.sizes" if D_ > 1 else "core.setup.sizes_one", {"K": K, "D": D_})
        self.add("setup", "setup", Msg("core.sec.setup"), sizes)
        self.sections[-1].items += [
            D.Equation((*x, Word("  b =", r", \quad b = "), Mat(r.b, d)), labels=True),
            D.NoteGroup((true, rate, *((classes,) if named else ()))),
            Note("core.why.setup", tone="why"),
            Note("core.setup.counting", {"index": k}, tone="dim"),
            Note("core.md.notation", only="markdown"),
            Note(rule.key, rule.params, tone="dim"),
        ]

    # ------------------------------------------------------------------ phase 1
    def forward(self, r: StepRecord) -> None:
        d, f, K, y = self.d, self.f, len(r.logits), r.true_class
        mk, shown = [marks(k, r.predicted_class, y) for k in range(K)], C.shown(K, C.MAX_ROWS)
        self.add("phase", "forward", Msg("core.phase.forward"))
        z = [
            D.weighted_sum(r.W[k], r.x, r.b[k], r.logits[k], d, lhs=sym("Z", "Z", k + 1), cls=k)
            for k in range(K)
        ]
        parts = (Mat(r.W, d), DOT, Mat(r.x, d), PLUS, Mat(r.b, d), EQ, Mat(r.logits, d))
        eq = D.Equation(parts, Word("Z = W·x + b", "Z = W x + b = "), labels=True)
        lines = D.Lines(tuple(z[k] for k in shown), classes=True)
        grid = self.vector("logits", "Z", r.logits, z, mk)
        self.part("logits", eq, lines, worked=z[y], grids=[grid])

        exp = [sym("e^Z{i}", "e^{{Z_{{{i}}}}}", k + 1) for k in range(K)]
        e = [
            arith(exp[k], op("exp", Num(r.logits[k], d)), Num(r.exp_logits[k], d)) for k in range(K)
        ]
        terms = op("sum", *D.terms(K, lambda k: Num(r.exp_logits[k], d)))
        total = arith(D.Sym("Σ e^Z", r"\textstyle\sum_j e^{Z_j}"), terms, Num(r.sum_exp, d))
        sum_exp = D.Grid("sum_exp", (("Σ e^Z", (D.GridCell(fx(r.sum_exp, d), total),)),), "")
        grids = [self.vector("exp", "e^Z", r.exp_logits, e, mk), sum_exp]
        lines = D.Lines(tuple(e[k] for k in shown), total=total)
        alarm = () if np.isfinite(r.sum_exp) else (Note("core.why.overflow", tone="alarm"),)
        self.part("exp", lines, *alarm, grids=grids)

        a = [
            arith(
                sym("A", "A", k + 1), op("div", Num(r.exp_logits[k], d), Num(r.sum_exp, d)),
                fx(r.probabilities[k], d), percent=True, cls=k, marks=mk[k],
            )
            for k in range(K)
        ]  # fmt: skip
        eq = D.Equation(formula=Word("A = e^Z / Σ e^Z", r"A_k = \frac{e^{Z_k}}{\sum_j e^{Z_j}}"))
        lines = D.Lines(tuple(a[k] for k in shown), classes=True, bars=True)
        grid = self.vector("probs", "A", r.probabilities, a, mk)
        self.part("probs", eq, lines, self.table_of_values(r), worked=a[y], grids=[grid])

        pct = {k: Num(r.probabilities[k], d, "pct") for k in (r.predicted_class, y)}
        params = {"pred": self.labels[r.predicted_class], "pct": pct[r.predicted_class]}
        params |= {"true": self.labels[y], "true_pct": pct[y]}
        key = "core.pred.right" if r.correct else "core.pred.wrong"
        self.part("prediction", Note(key, params, good(r.correct), True), why=())
        general = D.Sym("-Σ_k Y_k·ln A_k", r"-\textstyle\sum_k Y_k \ln\, A_k", "-Σₖ Yₖ ln Aₖ")
        steps = (general, op("neg", op("ln", sym("A", "A", y + 1))))
        loss = arith(
            D.Sym("L", "L"), *steps, op("neg", op("ln", Num(r.probabilities[y], d))), fx(r.loss, f)
        )
        grid = D.Grid("loss", (("L", (D.GridCell(fx(r.loss, f), loss),)),), "")
        self.part("loss", loss, worked=loss, grids=[grid])

    def table_of_values(self, r: StepRecord) -> D.Table:
        d, rows = self.d, []
        for k in C.shown(len(r.logits), C.MAX_ROWS):
            mark = [Note("core.mark.predicted")] if k == r.predicted_class else []
            mark += [Note("core.mark.true", strong=True)] if k == r.true_class else []
            values = (fx(r.logits[k], d), fx(r.exp_logits[k], d))
            rows.append((self.labels[k], *values, Num(r.probabilities[k], d, "prob"), tuple(mark)))
        columns = (Msg("core.md.class"), "Z", "e^Z", "A", "")
        return D.Table(columns, "lrrrl", tuple(rows), only="markdown")

    # ------------------------------------------------------------------ phase 2
    def backward(self, r: StepRecord) -> None:
        d, K, y = self.d, len(r.logits), r.true_class
        mk = [marks(k, r.predicted_class, y) for k in range(K)]
        self.add("phase", "backward", Msg("core.phase.backward"))
        if not self.key:  # what the exercise sheet does not ask for
            self.dlda(r, mk)
            self.jacobian(r)
        self.delta(r, mk)

        names = [sym("∂L/∂b{i}", partial("b"), k + 1) for k in range(K)]
        db = [arith(names[k], Num(r.grad_b[k], d), hint=f"δ{sub(k + 1)}") for k in range(K)]
        word = Word("∂L/∂b = δ =", r"\frac{\partial L}{\partial b} = \delta = ")
        eq = D.Equation((word, Mat(r.grad_b, d)), labels=True)
        self.part("db", eq, grids=[self.vector("db", "∂L/∂b", r.grad_b, db, mk)])
        self.weights_gradient(r)
        if not self.key:
            self.gradcheck(r)

    def dlda(self, r: StepRecord, mk: list[str]) -> None:
        d, K, y = self.d, len(r.logits), r.true_class
        dlda = [
            arith(
                sym("∂L/∂A{i}", partial("A"), k + 1),
                op("neg", op("div", Num(r.y_onehot[k], 0), Num(r.probabilities[k], d))),
                Num(r.dL_dA[k], d), hint=f"-Y{sub(k + 1)} / A{sub(k + 1)}", cls=k,
            )
            for k in range(K)
        ]  # fmt: skip
        formula = Word("∂L/∂A = -Y / A", r"\frac{\partial L}{\partial A} = -\frac{Y}{A} = ")
        parts = (Word("∂L/∂A =", ""), Mat(r.dL_dA, d))
        eq = D.Equation(parts, formula, aside=dlda[y], labels=True)
        grid = self.vector("dlda", "∂L/∂A", r.dL_dA, dlda, mk)
        self.part("dlda", eq, worked=dlda[y], grids=[grid])

    def jacobian(self, r: StepRecord) -> None:
        tex = r"J = \frac{\partial A}{\partial Z} = \operatorname{diag}(A) - A A^\top = "
        entry = Word("", r", \qquad " + JACOBIAN_ENTRY)
        parts = (Word("J =", ""), Mat(r.jacobian, self.d), entry)
        eq = D.Equation(
            parts, Word("∂A/∂Z = diag(A) - A·Aᵀ", tex), aside=Msg("core.jacobian.entry")
        )
        rows = tuple((i, self.jacobian_row(r, i)) for i in range(len(r.logits)))
        self.part("jacobian", eq, grids=[D.Grid("jacobian", rows)])

    def weights_gradient(self, r: StepRecord) -> None:
        d, (K, D_) = self.d, r.W.shape
        every, wanted = r.W.size <= C.MAX_ROW_BY_ROW, (r.true_class, r.predicted_class)
        rows = [
            arith(
                None, op("mul", Num(r.delta[k], d), D.vec(r.x, d)), D.vec(r.grad_W[k], d),
                label=Msg("core.row", n=k + 1), cls=k,
            )
            for k in C.shown(K, C.MAX_ROWS)
            if every or k in wanted
        ]  # fmt: skip
        dw = [
            [
                arith(
                    sym("∂L/∂W{i}", partial("W"), f"{k + 1},{j + 1}"),
                    op("mul", Num(r.delta[k], d), Num(r.x[j], d)), Num(r.grad_W[k, j], d),
                    hint=f"δ{sub(k + 1)} · x{sub(j + 1)}",
                )
                for j in range(D_)
            ]
            for k in range(K)
        ]  # fmt: skip
        parts = (Mat(r.delta, d), DOT, Mat(r.x[None, :], d), EQ, Mat(r.grad_W, d))
        formula = Word("∂L/∂W = δ · xᵀ", r"\frac{\partial L}{\partial W} = \delta\, x^\top = ")
        some = () if every else (Note("core.dw.some_rows", tone="dim", only="text markdown"),)
        lines = D.Lines(tuple(rows), classes=True)
        grid = D.Grid("dw", tuple((k, cells(r.grad_W[k], dw[k], d)) for k in range(K)), "features")
        self.part("dw", D.Equation(parts, formula, labels=True), lines, *some, grids=[grid])

    def gradcheck(self, r: StepRecord) -> None:
        ok = r.max_abs_gradcheck_error <= C.GRADCHECK_TOL
        err = Num(r.max_abs_gradcheck_error, 0, "sci")
        line = {"count": r.W.size + r.b.size, "eps": Num(C.GRADCHECK_EPS, 0, "sci"), "err": err}
        tol = {"tol": Num(C.GRADCHECK_TOL, 0, "sci")}
        verdict = Note("core.gradcheck.ok" if ok else "core.gradcheck.fail", tol, good(ok), True)
        notes = D.NoteGroup((Note("core.gradcheck.line", line), verdict), "lines")
        self.part("gradcheck", D.Equation(formula=Word("", PAGE["gradcheck"])), notes)

    def jacobian_row(self, r: StepRecord, i: int) -> tuple[D.GridCell, ...]:
        d, a, how = self.d, r.probabilities, []
        for j in range(len(a)):
            ai, aj, si, sj = Num(a[i], d), Num(a[j], d), sub(i + 1), sub(j + 1)
            if i == j:
                step, hint = op("mul", ai, op("sub", Num(1, 0), ai)), f"A{si}(1 - A{si})"
            else:
                step, hint = op("neg", op("mul", ai, aj)), f"-A{si}·A{sj}"
            lhs = sym("J", "J", f"{i + 1},{j + 1}")
            how.append(arith(lhs, step, Num(r.jacobian[i, j], d), hint=hint))
        return cells(r.jacobian[i], how, d)

    def delta(self, r: StepRecord, mk: list[str]) -> None:
        d, K, y = self.d, len(r.logits), r.true_class

        def chain(k: int) -> D.Arith:
            terms = D.terms(K, lambda i: op("mul", Num(r.jacobian[i, k], d), Num(r.dL_dA[i], d)))
            lhs = D.Sym("", "", f"Σᵢ Jᵢ,{sub(k + 1)} · ∂L/∂Aᵢ")
            return arith(lhs, op("sum", *terms), Num(r.delta_chain[k], d))

        short = []
        for k in range(K):
            step = op("sub", Num(r.probabilities[k], d), Num(r.y_onehot[k], 0))
            hint = f"A{sub(k + 1)} - Y{sub(k + 1)}"
            short.append(arith(sym("δ", r"\delta", k + 1), step, Num(r.delta[k], d), hint=hint))
        parts = (Mat(r.probabilities, d), MINUS, Mat(r.y_onehot, 0), EQ, Mat(r.delta, d))
        formula = Word("δ = A - Y", r"\delta = A - Y = ")
        if self.key:
            shortcut = D.Equation(parts, formula, labels=True)
            grid = D.Grid("delta", (("δ", cells(r.delta, short, d, mk)),))
            why = ("delta_key", "delta_sign")
            heading = "core.sec.delta_key"
            self.part("delta", shortcut, why=why, worked=short[y], grids=[grid], heading=heading)
            return
        agree = r.chain_rule_gap <= C.CHAIN_RULE_TOL
        key = "core.delta.agree" if agree else "core.delta.disagree"
        verdict = Note(key, {"gap": Num(r.chain_rule_gap, 0, "sci")}, good(agree), True)
        long, short_name = (
            t(k, self.lang).rstrip(":：") for k in ("core.delta.long", "core.delta.short")
        )
        grid = D.Grid(
            "delta",
            ((long, cells(r.delta_chain, [chain(k) for k in range(K)], d, mk)),
             (short_name, cells(r.delta, short, d, mk))),
        )  # fmt: skip
        chain_parts = (Word("Jᵀ", ""), Mat(r.jacobian.T, d), DOT, Mat(r.dL_dA, d), EQ)
        chain_formula = Word("δ = Jᵀ · ∂L/∂A", r"\delta = J^\top \frac{\partial L}{\partial A} = ")
        long_way = D.Equation(
            (*chain_parts, Mat(r.delta_chain, d)), chain_formula, Msg("core.delta.long")
        )
        shortcut = D.Equation(parts, formula, Msg("core.delta.short"), labels=True)
        why, worked = ("delta", "delta_sign"), short[y]
        self.part("delta", long_way, shortcut, verdict, why=why, worked=worked, grids=[grid])

    # ------------------------------------------------------------------ phase 3
    def update(self, r: StepRecord) -> None:
        d, f, (K, D_), y = self.d, self.f, r.W.shape, r.true_class
        lr, opts = str(Num(r.lr, 12)), {"lr": r.lr, "d": d, "f": f}
        why = [Note("core.why.update", tone="why")] if self.explain else []
        self.add("phase", "update", Msg("core.phase.update"), *why)
        b = [
            moved("b", str(k + 1), r.b[k], r.grad_b[k], r.b_new[k], cls=k, **opts) for k in range(K)
        ]
        tex = rf"b' = b - \eta \frac{{\partial L}}{{\partial b}}, \quad \eta = {lr}"
        eq = D.Equation(formula=Word("b' = b - η · ∂L/∂b", tex), aside=f"(η = {lr})")
        lines = D.Lines(tuple(b[k] for k in C.shown(K, C.MAX_ROWS)), classes=True)
        old = tuple(D.GridCell(fx(v, f)) for v in r.b)
        new = tuple(D.GridCell(fx(r.b_new[k], f), b[k], arrow=b[k].arrow) for k in range(K))
        grid = D.Grid("update_b", (("b", old), ("b′", new)))
        s = self.part("update_b", eq, lines, why=(), worked=b[y], grids=[grid])
        s.formula = PAGE["update_b"] + lr

        def entry(k: int, j: int) -> D.Arith:
            old_new = (r.W[k, j], r.grad_W[k, j], r.W_new[k, j])
            return moved("W", f"{k + 1},{j + 1}", *old_new, **opts)

        w = [[entry(k, j) for j in range(D_)] for k in range(K)]
        rows = [
            tuple(D.GridCell(fx(r.W_new[k, j], f), a, arrow=a.arrow) for j, a in enumerate(row))
            for k, row in enumerate(w)
        ]
        grid = D.Grid("update_w", tuple(enumerate(rows)), "features")
        parts = (
            Mat(r.W, d),
            MINUS,
            Word(f"{lr} ·", f"{lr} ", "scale", r.lr),
            Mat(r.grad_W, d),
            EQ,
            Mat(r.W_new, f, r.W),
        )
        formula = Word("W' = W - η · ∂L/∂W", r"W' = W - \eta \frac{\partial L}{\partial W} = ")
        row = {"row": y + 1, "label": self.labels[y]}
        caption = Note("core.update.true_row", row, only="text markdown")
        lines = D.Lines(tuple(w[y][j] for j in C.shown(D_, C.MAX_TERMS)), indent=4)
        eq = D.Equation(parts, formula, labels=True)
        self.part("update_w", eq, caption, lines, why=("arrows",), worked=w[y][0], grids=[grid])
        self.after(r)

    def after(self, r: StepRecord) -> None:
        d, f, y, p, K = self.d, self.f, r.true_class, r.predicted_after, len(r.logits)
        change = difference(r.loss_after, r.loss, f)
        loss = {
            "before": fx(r.loss, f),
            "after": fx(r.loss_after, f),
            "change": Num(change, f, "signed"),
        }
        prob = {"label": self.labels[y], "before": fx(r.probabilities[y], d)}
        prob["after"] = fx(r.probabilities_after[y], d)
        names = {"pred": self.labels[p], "true": self.labels[y]}
        key = "core.after.right" if p == y else "core.after.wrong"
        verdict = Note(key, names, good(p == y), True)
        notes = (
            Note("core.after.loss", loss, good(r.loss_after < r.loss)),
            Note("core.after.prob", prob),
            verdict,
        )
        z = [
            D.weighted_sum(W_k, r.x, b_k, z_k, f, lhs=sym("Z", "Z", k + 1, True))
            for k, (W_k, b_k, z_k) in enumerate(zip(r.W_new, r.b_new, r.logits_after, strict=True))
        ]
        a = [
            arith(
                sym("A", "A", k + 1, True), fx(v, d), hint=f"softmax(Z′){sub(k + 1)}", percent=True
            )
            for k, v in enumerate(r.probabilities_after)
        ]
        grid = (
            ("Z′", cells(r.logits_after, z, d, ["true" if k == y else "" for k in range(K)])),
            ("A′", cells(r.probabilities_after, a, d, [marks(k, p, y) for k in range(K)])),
        )
        softmax = r", \quad A' = \operatorname{softmax}(Z') = "
        parts = (Word("Z' =", "Z' = W' x + b' = "), Mat(r.logits_after, d), Word("  A' =", softmax))
        eq = D.Equation((*parts, Mat(r.probabilities_after, d)), labels=True)
        why = ("after_down" if r.loss_after < r.loss else "after_up",)
        self.part("after", eq, D.NoteGroup(notes), why=why, grids=[D.Grid("after", grid)])

    def summary(self) -> None:
        tr, d, f = self.trace, self.d, self.f
        first, last, y = tr.first, tr.steps[-1], tr.first.true_class

        def verdict(k: int) -> Note:
            key = "core.verdict.right" if k == y else "core.verdict.wrong"
            return Note(key, {"label": self.labels[k]}, good(k == y))

        rows = tuple(
            (str(r.step), fx(r.loss, f), fx(r.probabilities[y], d), verdict(r.predicted_class),
             fx(r.loss_after, f), verdict(r.predicted_after))
            for r in tr.steps
        )  # fmt: skip
        columns = ("step", "loss", "p_true", "prediction", "loss_after", "prediction_after")
        fell = last.loss_after < first.loss
        losses = {"first": fx(first.loss, f), "last": fx(last.loss_after, f)}
        notes = [Note("core.summary.fell" if fell else "core.summary.rose", losses, good(fell))]
        flip = next((r.step for r in tr.steps if r.predicted_after == y), None)
        if first.correct:
            notes.append(Note("core.summary.always", {"true": self.labels[y]}, "good"))
        elif flip is not None:
            notes.append(Note("core.summary.flip", {"step": flip, "true": self.labels[y]}, "good"))
        else:
            never = {"steps": len(tr), "pred": self.labels[last.predicted_after]}
            notes.append(Note("core.summary.never", never | {"true": self.labels[y]}, "bad"))
        table = D.Table(tuple(Msg(f"core.col.{c}") for c in columns), "rrrlrl", rows)
        self.add("summary", "summary", Msg("core.sec.summary"), table, D.NoteGroup(tuple(notes)))
