"""The document of a mini-batch step (:class:`~handprop.tracing.BatchRecord`) as an exercise's
answer key: the same sections, items and notation as one sample's key (:mod:`.steps`), with the
sample counted first in an entry's name (``Z1,2``: sample 1, class 2) and the mean over the N
samples written out in the loss, ``δ = (A - Y) / N``, ``∂L/∂b`` and ``∂L/∂W = δᵀ·X``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from handprop.messages import Msg, t
from handprop.render import document as D
from handprop.render.document import Mat, Note, Num, Word, arith, op, sym
from handprop.render.parts import ANSWERS, moved

if TYPE_CHECKING:
    from handprop.tracing import BatchRecord, Steps


def batch_document(trace: Steps[Any], lang: str = "en", decimals: int = 3) -> D.Document:
    """The answer key of a mini-batch exercise, every number with ``decimals`` decimals."""
    return _Builder(trace.first, class_labels_of(trace, lang), lang, decimals).build()


def class_labels_of(trace: Steps[Any], lang: str) -> list[str]:
    """The class names, or "class 1", "class 2", ... (counted from 1, as on paper)."""
    if trace.classes is not None:
        return list(trace.classes)
    return [t("core.class_default", lang, n=k + 1) for k in range(trace.first.W.shape[0])]


def _plus(*terms: D.Expr) -> D.Expr:
    """``a + b + c``, a negative term written ``- |b|``."""
    total = terms[0]
    for term in terms[1:]:
        total = op("add", total, term)
    return total


def _entry(name: str, tex: str, n: int, k: int) -> D.Sym:
    return sym(name, tex, f"{n + 1},{k + 1}")


class _Builder:
    def __init__(self, r: BatchRecord, labels: list[str], lang: str, d: int) -> None:
        self.r, self.labels, self.lang, self.d = r, labels, lang, d
        self.sections: list[D.Section] = []
        self.phase, self.number = 0, 0

    def add(self, kind: str, id: str, heading: Msg, *items: D.Item) -> D.Section:
        if kind == "phase":
            self.phase, self.number = self.phase + 1, 0
        self.sections.append(D.Section(kind, id, heading, items=list(items)))
        return self.sections[-1]

    def part(self, id: str, heading: str, *items: D.Item) -> None:
        s = self.add("section", id, Msg(heading), *items)
        self.number += 1
        s.number, s.answer = f"{self.phase}.{self.number}", ANSWERS.get(id, "")

    def build(self) -> D.Document:
        r, d = self.r, self.d
        (N, D_), K = r.X.shape, r.W.shape[0]
        self.add("title", "title", Msg("core.title.key"))
        given = (Word("X =", "X = "), Mat(r.X, d), Word("  W =", r", \quad W = "), Mat(r.W, d),
                 Word("  b =", r", \quad b = "), Mat(r.b, d), Word("  Y =", r", \quad Y = "),
                 Mat(r.Y, 0))  # fmt: skip
        sizes = Note("core.setup.sizes_batch", {"N": N, "K": K, "D": D_})
        rate = Note("core.setup.lr_key", {"lr": Num(r.lr, 12)})
        rule = Note("core.key.rule", {"decimals": d}, tone="dim")
        self.add("setup", "setup", Msg("core.sec.setup"), sizes, D.Equation(given), rate, rule)
        self.add("phase", "forward", Msg("core.phase.forward"))
        self.forward()
        self.add("phase", "backward", Msg("core.phase.backward"))
        self.backward()
        self.add("phase", "update", Msg("core.phase.update"))
        self.update()
        return D.Document(self.sections, self.labels, r, self.lang)

    def matrix(self, name: str, tex: str, value: Any, d: int | None = None) -> D.Equation:
        return D.Equation((Word(f"{name} =", f"{tex} = "), Mat(value, self.d if d is None else d)))

    def forward(self) -> None:
        r, d = self.r, self.d
        N, K = r.logits.shape
        every = [(n, k) for n in range(N) for k in range(K)]
        z = [
            D.weighted_sum(r.W[k], r.X[n], r.b[k], r.logits[n, k], d, lhs=_entry("Z", "Z", n, k))
            for n, k in every
        ]
        formula = D.Equation(formula=Word("Z = X·Wᵀ + b", r"Z = X W^\top + b"))
        self.part("logits", "core.sec.logits", formula, D.Lines(tuple(z)),
                  self.matrix("Z", "Z", r.logits))  # fmt: skip
        e = [
            arith(_entry("e^Z", "e^{{Z}}", n, k), op("exp", Num(r.logits[n, k], d)),
                  Num(r.exp_logits[n, k], d))
            for n, k in every
        ]  # fmt: skip
        sums = [
            arith(sym("Σ e^Z", r"\textstyle\sum e^{Z}", n + 1),
                  op("sum", *(Num(v, d) for v in r.exp_logits[n])), Num(r.sum_exp[n], d))
            for n in range(N)
        ]  # fmt: skip
        self.part("exp", "core.sec.exp", D.Lines(tuple(e)), D.Lines(tuple(sums)))
        a = [
            arith(_entry("A", "A", n, k),
                  op("div", Num(r.exp_logits[n, k], d), Num(r.sum_exp[n], d)),
                  Num(r.probabilities[n, k], d))
            for n, k in every
        ]  # fmt: skip
        formula = D.Equation(
            formula=Word("A = e^Z / Σ e^Z", r"A_{n,k} = e^{Z_{n,k}} / \sum_j e^{Z_{n,j}}")
        )
        self.part("probs", "core.sec.probs", formula, D.Lines(tuple(a)),
                  self.matrix("A", "A", r.probabilities))  # fmt: skip
        logs = op("sum", *(op("ln", Num(r.probabilities[n, y], d)) for n, y in enumerate(r.y)))
        mean = op("neg", op("div", op("group", logs), Num(N, 0)))
        general = D.Sym("-(1/N) Σ_n ln A_n,y_n", r"-\frac{1}{N} \sum_n \ln A_{n,y_n}")
        loss = arith(D.Sym("L", "L"), general, mean, Num(r.loss, d))
        self.part("loss", "core.sec.loss", loss)

    def backward(self) -> None:
        r, d = self.r, self.d
        N, K = r.delta.shape
        delta = [
            arith(_entry("δ", r"\delta", n, k),
                  op("div", op("group", op("sub", Num(r.probabilities[n, k], d),
                                           Num(r.Y[n, k], 0))), Num(N, 0)),
                  Num(r.delta[n, k], d))
            for n in range(N) for k in range(K)
        ]  # fmt: skip
        formula = D.Equation(formula=Word("δ = (A - Y) / N", r"\delta = (A - Y) / N"))
        self.part("delta", "core.sec.delta_key", formula, D.Lines(tuple(delta)),
                  self.matrix("δ", r"\delta", r.delta))  # fmt: skip
        db = [
            arith(sym("∂L/∂b", r"\partial L / \partial b", k + 1),
                  _plus(*(Num(r.delta[n, k], d) for n in range(N))), Num(r.grad_b[k], d))
            for k in range(K)
        ]  # fmt: skip
        formula = D.Equation(
            formula=Word("∂L/∂b = Σ_n δ_n", r"\partial L / \partial b = \sum_n \delta_n")
        )
        self.part("db", "core.sec.db", formula, D.Lines(tuple(db)))
        D_ = r.X.shape[1]
        dw = [
            arith(sym("∂L/∂W", r"\partial L / \partial W", f"{k + 1},{j + 1}"),
                  op("sum", *(op("mul", Num(r.delta[n, k], d), Num(r.X[n, j], d))
                              for n in range(N))),
                  Num(r.grad_W[k, j], d))
            for k in range(K) for j in range(D_)
        ]  # fmt: skip
        formula = D.Equation(
            formula=Word("∂L/∂W = δᵀ·X", r"\partial L / \partial W = \delta^\top X")
        )
        self.part("dw", "core.sec.dw", formula, D.Lines(tuple(dw)),
                  self.matrix("∂L/∂W", r"\partial L / \partial W", r.grad_W))  # fmt: skip

    def update(self) -> None:
        r, d = self.r, self.d
        (K, D_), opts = r.W.shape, {"lr": r.lr, "d": d, "f": d}
        b = [moved("b", str(k + 1), r.b[k], r.grad_b[k], r.b_new[k], **opts) for k in range(K)]
        formula = D.Equation(
            formula=Word("b' = b - η · ∂L/∂b", r"b' = b - \eta\, \partial L / \partial b")
        )
        self.part("update_b", "core.sec.update_b", formula, D.Lines(tuple(b)))
        w = [
            moved("W", f"{k + 1},{j + 1}", r.W[k, j], r.grad_W[k, j], r.W_new[k, j], **opts)
            for k in range(K) for j in range(D_)
        ]  # fmt: skip
        formula = D.Equation(
            formula=Word("W' = W - η · ∂L/∂W", r"W' = W - \eta\, \partial L / \partial W")
        )
        self.part("update_w", "core.sec.update_w", formula, D.Lines(tuple(w)),
                  self.matrix("W'", "W'", r.W_new))  # fmt: skip
