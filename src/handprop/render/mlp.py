"""The document of a step through a hidden layer (:class:`handprop.mlp.MLPTrace`): forward,
backward (with the numerical gradient check) and update, in the order of the single-layer
trace; the words are the catalogue's ``lab.mlp.*``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from handprop.messages import Msg, t
from handprop.render import _common as C
from handprop.render import document as D
from handprop.render.document import Note, Num, Section, Sym

if TYPE_CHECKING:
    from handprop.mlp import MLPStepRecord, MLPTrace

_D = r"\frac{{{{\partial L}}}}{{{{\partial {0}}}}}"  # formatted twice
#: the lines of each pass: (name, its LaTeX, formula, its LaTeX, the record's field), a
#: reason (``lab.mlp.why.*``) or the units of a layer (``units:1``); {act} is the activation
FORWARD = (
    ("x", "x", "", "", "x"), ("Z1", "Z_1", "W1·x + b1", "W_1 x + b_1", "Z1"), "units:1", "z1",
    ("H", "H", "{act}(Z1)", r"\mathrm{{{act}}}(Z_1)", "H"), "{act}",
    ("Z2", "Z_2", "W2·H + b2", "W_2 H + b_2", "Z2"), "units:2", "z2",
    ("A", "A", "softmax(Z2)", r"\mathrm{{softmax}}(Z_2)", "A"),
)  # fmt: skip
BACKWARD = (
    ("delta2", r"\delta_2", "A - Y", "A - Y", "delta2"), "delta2",
    ("dW2", _D.format("W_2"), "delta2·Hᵀ", r"\delta_2 H^\top", "dW2"),
    ("db2", _D.format("b_2"), "delta2", r"\delta_2", "db2"), "dw2",
    ("dH", _D.format("H"), "W2ᵀ·delta2", r"W_2^\top \delta_2", "dH"), "dh",
    ("{act}'(Z1)", r"\mathrm{{{act}}}'(Z_1)", "{deriv}", "{deriv_tex}", "act_grad"),
    ("delta1", r"\delta_1", "dH ⊙ {act}'(Z1)",
     _D.format("H") + r" \odot \mathrm{{{act}}}'(Z_1)", "delta1"),
    "act_{act}", "dead",
    ("dW1", _D.format("W_1"), "delta1·xᵀ", r"\delta_1 x^\top", "dW1"),
    ("db1", _D.format("b_1"), "delta1", r"\delta_1", "db1"), "dw1",
)  # fmt: skip
DERIVATIVES = {"relu": ("𝟙[Z1 > 0]", r"\mathbb{1}[Z_1 > 0]"), "tanh": ("1 - H²", "1 - H^2")}


def vector(v: Any, d: int) -> D.Op:
    """``[0.24, 0.18, …, -0.1]``: at most ``MAX_COLS`` entries, the middle elided."""
    return D.op("vec", *(D.GAP if i is None else Num(v[i], d) for i in C.elide(len(v), C.MAX_COLS)))


def mlp_document(trace: MLPTrace, lang: str = "en", decimals: int = 3) -> D.Document:
    """The document of ``trace``: one titled part per step."""
    K = len(trace.first.b2)
    labels = list(trace.classes or [t("core.class_default", lang, n=k + 1) for k in range(K)])
    sections: list[Section] = []
    for r in trace.steps:
        sections += _step(r, labels, decimals, len(trace))
    return D.Document(sections, labels, trace.first, lang)


def _items(r: MLPStepRecord, spec: tuple[Any, ...], d: int) -> list[D.Item]:
    """The items of one pass from its ``spec`` (:data:`FORWARD`, :data:`BACKWARD`)."""
    deriv, deriv_tex = DERIVATIVES[r.activation]
    words = {"act": r.activation, "deriv": deriv, "deriv_tex": deriv_tex}
    items: list[D.Item] = []
    for entry in spec:
        if isinstance(entry, tuple):
            name, tex, formula, formula_tex, field = (s.format(**words) for s in entry)
            value = getattr(r, field)
            if value.ndim == 2:
                word = D.Word(f"{name} = {formula} =", f"{tex} = {formula_tex} = ")
                items.append(D.Equation((word, D.Mat(value, d))))
            else:
                steps = [Sym(formula, formula_tex)] if formula else []
                items.append(D.arith(Sym(name, tex), *steps, vector(value, d)))
        elif entry.startswith("units:"):
            items.append(_units(r, entry[-1], d))
        elif entry == "dead":
            units = ", ".join(str(i + 1) for i in r.dead_units)
            items += [Note("lab.mlp.dead", {"units": units})] if units else []
        else:
            items.append(Note("lab.mlp.why." + entry.format(**words), tone="why"))
    return items


def _units(r: MLPStepRecord, layer: str, d: int) -> D.Lines:
    """``Z1[i] = (w_i1*x1 + ...) + b_i = Z1_i`` for every unit shown of a layer."""
    W, b, Z = getattr(r, f"W{layer}"), getattr(r, f"b{layer}"), getattr(r, f"Z{layer}")
    v, shown = (r.x if layer == "1" else r.H), C.shown(len(Z), C.MAX_ROWS)
    names = [Sym(f"Z{layer}[{i + 1}]", f"Z_{layer}[{i + 1}]") for i in shown]
    lines = [
        D.weighted_sum(W[i], v, b[i], Z[i], d, lhs=n) for i, n in zip(shown, names, strict=True)
    ]
    return D.Lines(tuple(lines), indent=4)


def _step(r: MLPStepRecord, labels: list[str], d: int, steps: int) -> list[Section]:
    f, true, act = C.fine(d), labels[r.true_class], r.activation
    heading = Msg("lab.mlp.title", act=act, step=r.step, steps=steps)
    title = Section("step", f"step{r.step}", heading)
    sizes = {"D": r.x.shape[0], "H": r.b1.shape[0], "K": r.b2.shape[0]}
    title.items = [Note("lab.mlp.problem", sizes | {"true": true, "lr": f"{r.lr:g}"})]
    pred = {"pred": labels[r.predicted_class], "prob": Num(r.A[r.predicted_class], d, "pct")}
    pred |= {"true": true, "verdict": Msg(f"lab.mlp.{'right' if r.correct else 'wrong'}")}
    forward = Section("phase", "forward", Msg("lab.mlp.forward"), items=_items(r, FORWARD, d))
    forward.items += [
        Note("lab.mlp.prediction", pred, "good" if r.correct else "bad"),
        Note(
            "lab.mlp.loss", {"true": true, "k": r.true_class + 1, "loss": Num(r.loss, f, "fixed")}
        ),
    ]
    backward = Section("phase", "backward", Msg("lab.mlp.backward"), items=_items(r, BACKWARD, d))
    ok = r.max_abs_gradcheck_error <= C.GRADCHECK_TOL
    check = {"err": Num(r.max_abs_gradcheck_error, 0, "sci"), "tol": f"{C.GRADCHECK_TOL:g}"}
    backward.items.append(
        Note(f"lab.mlp.check_{'ok' if ok else 'bad'}", check, "good" if ok else "bad")
    )
    update = Section("phase", "update", Msg("lab.mlp.update", lr=f"{r.lr:g}"))
    for name in ("W1", "b1", "W2", "b2"):
        new, tex = getattr(r, f"{name}_new"), f"{name[0]}_{name[1]}"
        text, tex = f"{name} ← {name} - η·d{name}", rf"{tex} \leftarrow {tex} - \eta\, d{tex}"
        if new.ndim == 1:
            update.items.append(D.arith(None, Sym(text, tex), vector(new, f)))
        else:
            update.items.append(D.Equation((D.Word(f"{text} =", f"{tex} = "), D.Mat(new, f))))
    after = {"before": Num(r.loss, f, "fixed"), "after": Num(r.loss_after, f, "fixed")}
    update.items.append(Note("lab.mlp.after", after | {"pred": labels[r.predicted_after]}))
    return [title, forward, backward, update]
