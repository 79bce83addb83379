"""Pieces shared by the document of one sample (:mod:`.steps`) and of a mini-batch
(:mod:`.batch`): the answer sheet's names of a key's parts and the line of one entry's update.
"""

from __future__ import annotations

from typing import Any

from handprop.render import _common as C
from handprop.render import document as D
from handprop.render.document import Num, arith, op, sub, sym

#: the answer-sheet names of the quantities each part of a key works out
ANSWERS = {
    "logits": "Z", "exp": "exp_Z, sum_exp", "probs": "A", "loss": "loss", "delta": "delta",
    "db": "db", "dw": "dW", "update_b": "b_new", "update_w": "W_new",
}  # fmt: skip


def fx(value: float, decimals: int) -> Num:
    """``value`` with exactly ``decimals`` decimals (0.100), as in columns."""
    return Num(value, decimals, "fixed")


def moved(name: str, index: str, old: float, grad: float, new: float, **kw: Any) -> D.Arith:
    """``name' = old - η*grad = new``, with the arrow of the move (one entry's update)."""
    lr, d, f, i = kw.pop("lr"), kw.pop("d"), kw.pop("f"), sub(index)
    step = op("sub", Num(old, f), op("mul", Num(lr, 12), Num(grad, d)))
    hint, arrow = f"{name}{i} - η · ∂L/∂{name}{i}", C.direction(old, new)
    return arith(sym(name, name, index, True), step, fx(new, f), hint=hint, arrow=arrow, **kw)
