"""The step explanation for a hidden layer: :class:`handprop.mlp.MLPTrace` as text or Markdown.

Same order as the single-layer trace: forward (Z1, H, Z2, A, loss), backward (delta2, dW2,
db2, dH, the activation's derivative, delta1, dW1, db1), the numerical gradient check, and the
update with the loss and prediction after it. Every word comes from the message catalogue
(``lab.mlp.*``); numbers are rounded for display only, the trace keeps float64.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from handprop.errors import InputError
from handprop.messages import t
from handprop.mlp import MLPStepRecord, MLPTrace
from handprop.render import _common as C

#: numerical and analytic gradients closer than this count as agreeing
GRADCHECK_TOL = 1e-6


def _sep(lang: str) -> str:
    """The space between two sentences: none in Chinese."""
    return "" if lang == "zh" else " "


def render_mlp(trace: MLPTrace, fmt: str = "text", lang: str = "en", decimals: int = 3) -> str:
    """``trace`` as "text", "markdown" or "json" (full precision, language-neutral)."""
    if fmt == "text":
        return render_mlp_text(trace, lang, decimals)
    if fmt == "markdown":
        return render_mlp_markdown(trace, lang, decimals)
    if fmt == "json":
        import json

        return json.dumps(trace.to_json_data(), indent=2)
    raise InputError("err.choice", name="format", choices="text, markdown, json", got=repr(fmt))


# ------------------------------------------------------------- sentences both formats share


def _problem(r: MLPStepRecord, names: Sequence[str], lang: str) -> str:
    return t(
        "lab.mlp.problem",
        lang,
        D=r.x.shape[0],
        H=r.b1.shape[0],
        K=r.b2.shape[0],
        true=names[r.true_class],
        lr=f"{r.lr:g}",
    )


def _prediction(r: MLPStepRecord, names: Sequence[str], lang: str, d: int) -> str:
    """The prediction before the update, its probability, and whether it is right."""
    p = r.predicted_class
    sentence = t(
        "lab.mlp.prediction",
        lang,
        pred=names[p],
        prob=C.percent(r.A[p], d),
        true=names[r.true_class],
    )
    return sentence + _sep(lang) + t("lab.mlp.right" if r.correct else "lab.mlp.wrong", lang)


def _gradcheck(r: MLPStepRecord, lang: str) -> str:
    ok = r.max_abs_gradcheck_error <= GRADCHECK_TOL
    return t(
        "lab.mlp.check_ok" if ok else "lab.mlp.check_bad",
        lang,
        err=C.sci(r.max_abs_gradcheck_error),
        tol=f"{GRADCHECK_TOL:g}",
    )


def _after(r: MLPStepRecord, names: Sequence[str], lang: str, d: int) -> str:
    """The loss before and after the update, and the prediction after it."""
    return t(
        "lab.mlp.after",
        lang,
        before=C.fixed(r.loss, C.fine(d)),
        after=C.fixed(r.loss_after, C.fine(d)),
        pred=names[r.predicted_after],
    )


# ------------------------------------------------------------------------------------ text


def _vector(v: np.ndarray, decimals: int) -> str:
    idx = C.elide(v.shape[0], C.MAX_COLS)
    return "[" + ", ".join("…" if i is None else C.compact(v[i], decimals) for i in idx) + "]"


def _matrix(M: np.ndarray, decimals: int, indent: str) -> list[str]:
    rows = C.elide(M.shape[0], C.MAX_ROWS)
    cols = C.elide(M.shape[1], C.MAX_COLS)
    cells = [
        ["⋮" if i is None else ("…" if j is None else C.fixed(M[i, j], decimals)) for j in cols]
        for i in rows
    ]
    width = max(len(c) for row in cells for c in row)
    return [indent + "[ " + "  ".join(c.rjust(width) for c in row) + " ]" for row in cells]


def _step_text(r: MLPStepRecord, names: Sequence[str], lang: str, d: int, steps: int) -> str:
    act = r.activation
    ind = "    "
    out = [t("lab.mlp.title", lang, act=act, step=r.step, steps=steps)]
    out.append(_problem(r, names, lang))
    out += ["", "── " + t("lab.mlp.forward", lang)]
    out.append(f"  x = {_vector(r.x, d)}")
    out.append(f"  Z1 = W1·x + b1 = {_vector(r.Z1, d)}")
    for i in C.elide(r.Z1.shape[0], C.MAX_ROWS):
        if i is not None:
            out.append(f"{ind}Z1[{i + 1}] = {C.weighted_sum(r.W1[i], r.x, r.b1[i], r.Z1[i], d)}")
    out.append(f"  · {t('lab.mlp.why.z1', lang)}")
    out.append(f"  H = {act}(Z1) = {_vector(r.H, d)}")
    out.append(f"  · {t(f'lab.mlp.why.{act}', lang)}")
    out.append(f"  Z2 = W2·H + b2 = {_vector(r.Z2, d)}")
    for k in C.elide(r.Z2.shape[0], C.MAX_ROWS):
        if k is not None:
            out.append(f"{ind}Z2[{k + 1}] = {C.weighted_sum(r.W2[k], r.H, r.b2[k], r.Z2[k], d)}")
    out.append(f"  · {t('lab.mlp.why.z2', lang)}")
    out.append(f"  A = softmax(Z2) = {_vector(r.A, d)}")
    out.append("  " + _prediction(r, names, lang, d))
    out.append(
        "  " + t("lab.mlp.loss", lang, true=names[r.true_class], loss=C.fixed(r.loss, C.fine(d)))
    )

    out += ["", "── " + t("lab.mlp.backward", lang)]
    out.append(f"  delta2 = A - y = {_vector(r.delta2, d)}")
    out.append(f"  · {t('lab.mlp.why.delta2', lang)}")
    out.append("  dW2 = delta2·Hᵀ =")
    out += _matrix(r.dW2, d, ind)
    out.append(f"  db2 = delta2 = {_vector(r.db2, d)}")
    out.append(f"  · {t('lab.mlp.why.dw2', lang)}")
    out.append(f"  dH = W2ᵀ·delta2 = {_vector(r.dH, d)}")
    out.append(f"  · {t('lab.mlp.why.dh', lang)}")
    deriv = "1[Z1 > 0]" if act == "relu" else "1 - H²"
    out.append(f"  {act}'(Z1) = {deriv} = {_vector(r.act_grad, d)}")
    out.append(f"  delta1 = dH ⊙ {act}'(Z1) = {_vector(r.delta1, d)}")
    out.append(f"  · {t(f'lab.mlp.why.act_{act}', lang)}")
    if r.dead_units:
        units = ", ".join(str(i + 1) for i in r.dead_units)
        out.append(f"  · {t('lab.mlp.dead', lang, units=units)}")
    out.append("  dW1 = delta1·xᵀ =")
    out += _matrix(r.dW1, d, ind)
    out.append(f"  db1 = delta1 = {_vector(r.db1, d)}")
    out.append(f"  · {t('lab.mlp.why.dw1', lang)}")
    out.append("  " + _gradcheck(r, lang))

    out += ["", "── " + t("lab.mlp.update", lang, lr=f"{r.lr:g}")]
    for name, new in (
        ("W1", r.W1_new),
        ("b1", r.b1_new),
        ("W2", r.W2_new),
        ("b2", r.b2_new),
    ):
        if new.ndim == 1:
            out.append(f"  {name} ← {name} - lr·d{name} = {_vector(new, C.fine(d))}")
        else:
            out.append(f"  {name} ← {name} - lr·d{name} =")
            out += _matrix(new, C.fine(d), ind)
    out.append("  " + _after(r, names, lang, d))
    return "\n".join(out)


def render_mlp_text(trace: MLPTrace, lang: str = "en", decimals: int = 3) -> str:
    """Plain terminal text (Unicode), one block per step."""
    names = C.class_labels(trace, lang)
    blocks = [_step_text(r, names, lang, decimals, len(trace)) for r in trace.steps]
    return ("\n\n" + "═" * 60 + "\n\n").join(blocks) + "\n"


# -------------------------------------------------------------------------------- markdown


def _tex_vector(v: np.ndarray, d: int) -> str:
    idx = C.elide(v.shape[0], C.MAX_ROWS)
    cells = [r"\vdots" if i is None else C.compact(v[i], d) for i in idx]
    return r"\begin{bmatrix}" + r" \\ ".join(cells) + r"\end{bmatrix}"


def _tex_matrix(M: np.ndarray, d: int) -> str:
    rows = []
    for i in C.elide(M.shape[0], C.MAX_ROWS):
        cols = C.elide(M.shape[1], C.MAX_COLS)
        if i is None:
            rows.append(" & ".join(r"\vdots" for _ in cols))
        else:
            rows.append(" & ".join(r"\cdots" if j is None else C.fixed(M[i, j], d) for j in cols))
    return r"\begin{bmatrix}" + r" \\ ".join(rows) + r"\end{bmatrix}"


def _step_markdown(r: MLPStepRecord, names: Sequence[str], lang: str, d: int, steps: int) -> str:
    act = r.activation
    deriv = r"\mathbb{1}[Z_1 > 0]" if act == "relu" else r"1 - H^2"
    out = [f"## {t('lab.mlp.title', lang, act=act, step=r.step, steps=steps)}", ""]
    out += [
        _problem(r, names, lang),
        "",
        f"### {t('lab.mlp.forward', lang)}",
        "",
        f"$$Z_1 = W_1 x + b_1 = {_tex_matrix(r.W1, d)} {_tex_vector(r.x, d)} + "
        f"{_tex_vector(r.b1, d)} = {_tex_vector(r.Z1, d)}$$",
        "",
        t("lab.mlp.why.z1", lang),
        "",
        rf"$$H = \mathrm{{{act}}}(Z_1) = {_tex_vector(r.H, d)}$$",
        "",
        t(f"lab.mlp.why.{act}", lang),
        "",
        f"$$Z_2 = W_2 H + b_2 = {_tex_vector(r.Z2, d)}, \\quad "
        f"A = \\mathrm{{softmax}}(Z_2) = {_tex_vector(r.A, d)}$$",
        "",
        t("lab.mlp.why.z2", lang),
        "",
        _prediction(r, names, lang, d),
        "",
        f"$$L = -\\ln A_{{{r.true_class + 1}}} = {C.fixed(r.loss, C.fine(d))}$$",
        "",
        f"### {t('lab.mlp.backward', lang)}",
        "",
        f"$$\\delta_2 = A - y = {_tex_vector(r.delta2, d)}, \\quad "
        f"\\frac{{\\partial L}}{{\\partial W_2}} = \\delta_2 H^\\top = {_tex_matrix(r.dW2, d)}, "
        f"\\quad \\frac{{\\partial L}}{{\\partial b_2}} = \\delta_2$$",
        "",
        t("lab.mlp.why.delta2", lang) + _sep(lang) + t("lab.mlp.why.dw2", lang),
        "",
        f"$$\\frac{{\\partial L}}{{\\partial H}} = W_2^\\top \\delta_2 = {_tex_vector(r.dH, d)}$$",
        "",
        t("lab.mlp.why.dh", lang),
        "",
        f"$$\\delta_1 = \\frac{{\\partial L}}{{\\partial H}} \\odot ({deriv}) = "
        f"{_tex_vector(r.dH, d)} \\odot {_tex_vector(r.act_grad, d)} = "
        f"{_tex_vector(r.delta1, d)}$$",
        "",
        t(f"lab.mlp.why.act_{act}", lang),
        "",
    ]
    if r.dead_units:
        out += [t("lab.mlp.dead", lang, units=", ".join(str(i + 1) for i in r.dead_units)), ""]
    out += [
        f"$$\\frac{{\\partial L}}{{\\partial W_1}} = \\delta_1 x^\\top = {_tex_matrix(r.dW1, d)}, "
        f"\\quad \\frac{{\\partial L}}{{\\partial b_1}} = \\delta_1$$",
        "",
        t("lab.mlp.why.dw1", lang),
        "",
        _gradcheck(r, lang),
        "",
        f"### {t('lab.mlp.update', lang, lr=f'{r.lr:g}')}",
        "",
        f"$$W_1 \\leftarrow {_tex_matrix(r.W1_new, C.fine(d))}, \\quad "
        f"b_1 \\leftarrow {_tex_vector(r.b1_new, C.fine(d))}$$",
        "",
        f"$$W_2 \\leftarrow {_tex_matrix(r.W2_new, C.fine(d))}, \\quad "
        f"b_2 \\leftarrow {_tex_vector(r.b2_new, C.fine(d))}$$",
        "",
        _after(r, names, lang, d),
        "",
    ]
    return "\n".join(out)


def render_mlp_markdown(trace: MLPTrace, lang: str = "en", decimals: int = 3) -> str:
    """Markdown with LaTeX (``$$ ... $$``), one section per step."""
    names = C.class_labels(trace, lang)
    return "\n".join(_step_markdown(r, names, lang, decimals, len(trace)) for r in trace.steps)
