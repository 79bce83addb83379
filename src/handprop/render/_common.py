"""What the text and Markdown renderings share: number formats, class labels, the arithmetic.

Both renderings walk the same sections in the same order and take every word from the message
catalogue; only the notation of formulas differs (Unicode in the terminal, LaTeX in Markdown).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from handprop.messages import t
from handprop.tracing import StepRecord, Steps, Trace

#: the step used by the numerical gradient check in handprop.tracing (functional's default)
GRADCHECK_EPS = 1e-6
#: a numerical and an analytic gradient closer than this count as agreeing (float64)
GRADCHECK_TOL = 1e-6
#: the long-way and shortcut delta closer than this count as equal
CHAIN_RULE_TOL = 1e-9
#: largest matrix shown in full; bigger ones are shown with their middle elided
MAX_ROWS = 12
MAX_COLS = 10
#: largest W (K * D entries) whose gradient is written out for every row, not just two
MAX_ROW_BY_ROW = 36
#: longest expanded sum written term by term; longer ones elide the middle terms
MAX_TERMS = 10


def fixed(value: float, decimals: int) -> str:
    """``value`` with exactly ``decimals`` decimals, for aligned columns ("-0.000" becomes "0.000").

    Non-finite values read ``inf``, ``-inf``, ``nan``; magnitudes of 1e7 and more use exponents.
    """
    value = float(value)
    if not math.isfinite(value):
        return "nan" if math.isnan(value) else ("inf" if value > 0 else "-inf")
    if abs(value) >= 1e7:
        return f"{value:.{decimals}e}"
    text = f"{value:.{decimals}f}"
    if text.startswith("-") and float(text) == 0:
        text = text[1:]
    return text


def compact(value: float, decimals: int) -> str:
    """``value`` rounded to ``decimals`` without trailing zeros, as written by hand: 0.1, 0.48.

    A value that is not 0 but rounds to 0 keeps two significant digits (``2.3e-05``), so a
    small number is never shown as a bare 0.
    """
    value = float(value)
    if not math.isfinite(value) or abs(value) >= 1e7:
        return fixed(value, decimals)
    text = f"{value:.{decimals}f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    if text in ("0", "-0"):
        return "0" if value == 0 else f"{value:.1e}"
    return text


def sci(value: float) -> str:
    """A tiny error such as ``3.2e-11`` (two significant digits)."""
    return f"{float(value):.1e}"


def percent(value: float, decimals: int) -> str:
    """A probability as a percentage with ``decimals - 2`` decimals (at least one): 15.4%."""
    return f"{100 * float(value):.{max(decimals - 2, 1)}f}%"


def fine(decimals: int) -> int:
    """Decimals for losses and updated parameters: one more, since their changes are small."""
    return decimals + 1


def class_labels(trace: Steps[Any], lang: str) -> list[str]:
    """The class names, or "class 1", "class 2", ... (counted from 1, as on paper)."""
    K = len(trace.first.y_onehot)
    if trace.classes is not None:
        return list(trace.classes)
    return [t("core.class_default", lang, n=k + 1) for k in range(K)]


def factor(text: str) -> str:
    """A negative factor in parentheses, so ``0.1*(-0.5)`` never reads as a subtraction."""
    return f"({text})" if text.startswith("-") else text


def elide(n: int, limit: int) -> list[int | None]:
    """Indices to show out of ``n``: all if ``n <= limit``, else the first ones, None, the last."""
    if n <= limit:
        return list(range(n))
    head = limit - 2
    return [*range(head), None, n - 1]


def elided_terms(n: int, term: Callable[[int], str], marker: str = "…") -> list[str]:
    """``term(i)`` for the indices :func:`elide` shows of ``n`` (at most ``MAX_TERMS``), with
    ``marker`` standing for the elided middle."""
    return [marker if i is None else term(i) for i in elide(n, MAX_TERMS)]


def product_terms(w: np.ndarray, v: np.ndarray, decimals: int, times: str) -> list[str]:
    """The terms ``w_j * v_j`` of a weighted sum as text (``"0.1*0.5"``), the middle elided."""

    def term(j: int) -> str:
        return f"{factor(compact(w[j], decimals))}{times}{factor(compact(v[j], decimals))}"

    return elided_terms(len(w), term, "…" if times == "*" else r"\cdots")


def signed(text: str) -> str:
    """A number added at the end of a sum: ``" + 0.1"``, or ``" - 0.1"`` for ``"-0.1"``."""
    return f" - {text[1:]}" if text.startswith("-") else f" + {text}"


def weighted_sum(
    w: np.ndarray, v: np.ndarray, bias: float, value: float, decimals: int, times: str = "*"
) -> str:
    """``(w1*v1 + w2*v2 + ...) + bias = value`` written out, the middle elided for long rows."""
    terms = " + ".join(product_terms(w, v, decimals, times))
    return f"({terms}){signed(compact(bias, decimals))} = {compact(value, decimals)}"


def logit_terms(record: StepRecord, k: int, decimals: int, times: str) -> list[str]:
    """The terms ``w_kj * x_j`` of logit ``k`` as text (``"0.1*0.5"``), the middle elided."""
    return product_terms(record.W[k], record.x, decimals, times)


def logit_arithmetic(record: StepRecord, k: int, decimals: int, times: str = "*") -> str:
    """Row ``k`` of ``z = W x + b`` written out: ``(0.1*0.5 + 0.2*0.6 + 0.3*0.7) + 0.1 = 0.48``.

    The products are those recorded in ``record.logit_products``; the sum is ``record.logits``.
    """
    return weighted_sum(record.W[k], record.x, record.b[k], record.logits[k], decimals, times)


def direction(old: float, new: float) -> str:
    """``↑`` when a parameter grew, ``↓`` when it shrank, ``·`` when it stayed (exactly)."""
    if new > old:
        return "↑"
    if new < old:
        return "↓"
    return "·"


def first_flip(trace: Trace) -> int | None:
    """The step after whose update the prediction first became right, if it started wrong."""
    if trace.first.correct:
        return None
    for record in trace.steps:
        if record.predicted_after == record.true_class:
            return record.step
    return None


def onehot_text(vector: Sequence[float]) -> str:
    """``[0, 1, 0]``."""
    return "[" + ", ".join(compact(v, 0) for v in vector) + "]"


def summary_lines(
    trace: Trace, labels: Sequence[str], decimals: int
) -> list[tuple[str, dict[str, object], bool]]:
    """The sentences under a summary of several steps: (message key, parameters, good news)."""
    first, last = trace.first, trace.steps[-1]
    y = first.true_class
    out: list[tuple[str, dict[str, object], bool]] = []
    before, after = fixed(first.loss, decimals), fixed(last.loss_after, decimals)
    if last.loss_after < first.loss:
        out.append(("core.summary.fell", {"first": before, "last": after}, True))
    else:
        out.append(("core.summary.rose", {"first": before, "last": after}, False))
    flip = first_flip(trace)
    if first.correct:
        out.append(("core.summary.always", {"true": labels[y]}, True))
    elif flip is not None:
        out.append(("core.summary.flip", {"step": flip, "true": labels[y]}, True))
    else:
        params = {"steps": len(trace), "pred": labels[last.predicted_after], "true": labels[y]}
        out.append(("core.summary.never", params, False))
    return out


def prediction(record: StepRecord, labels: Sequence[str], lang: str, decimals: int) -> str:
    """The sentence under "prediction" (section 1.4): the predicted class and its probability,
    right or wrong against the true class (``record.correct`` says which)."""
    p, y = record.predicted_class, record.true_class
    return t(
        "core.pred.right" if record.correct else "core.pred.wrong",
        lang,
        pred=labels[p],
        pct=percent(record.probabilities[p], decimals),
        true=labels[y],
        true_pct=percent(record.probabilities[y], decimals),
    )


@dataclass(frozen=True)
class AfterUpdate:
    """The sentences under "after the update" (section 3.3), in one language.

    ``loss`` (before, after, change), ``prob`` (the true class's probability before and after)
    and ``verdict`` (the prediction after the update, right or wrong) are finished text;
    ``loss_fell`` and ``right`` say whether each is good news; ``why`` is the message key of the
    explanation. Each rendering only formats them.
    """

    loss: str
    loss_fell: bool
    prob: str
    verdict: str
    right: bool
    why: str


def after_update(
    record: StepRecord, labels: Sequence[str], lang: str, decimals: int
) -> AfterUpdate:
    """What changed after ``record``'s update: losses with ``fine(decimals)`` decimals."""
    d, f = decimals, fine(decimals)
    y, p = record.true_class, record.predicted_after
    change = record.loss_after - record.loss
    sign = "-" if change < 0 else "+"
    loss = t(
        "core.after.loss",
        lang,
        before=fixed(record.loss, f),
        after=fixed(record.loss_after, f),
        change=f"{sign}{fixed(abs(change), f)}",
    )
    prob = t(
        "core.after.prob",
        lang,
        label=labels[y],
        before=fixed(record.probabilities[y], d),
        after=fixed(record.probabilities_after[y], d),
    )
    if p == y:
        verdict = t("core.after.right", lang, pred=labels[p])
    else:
        verdict = t("core.after.wrong", lang, pred=labels[p], true=labels[y])
    return AfterUpdate(
        loss=loss,
        loss_fell=change < 0,
        prob=prob,
        verdict=verdict,
        right=p == y,
        why="core.why.after_down" if change < 0 else "core.why.after_up",
    )
