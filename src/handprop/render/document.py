"""The document model of a step: what is shown, once, for the terminal, Markdown and the page.

A :class:`Document` is a list of :class:`Section`, each a list of items: :class:`Equation`,
:class:`Lines` of :class:`Arith`, :class:`Note`, :class:`NoteGroup`, :class:`Table`; a section
of a step carries besides what only the page shows (a formula, the worked line, :class:`Grid`).
Every number is a :class:`Num` (the float, its decimals and form); an arithmetic line is an
expression tree (:class:`Op` over Num and :class:`Sym`) that each rendering spells in its
notation (:data:`TEXT`, :data:`HOVER` for the page's tooltips, :data:`TEX`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from handprop.messages import Msg, t
from handprop.render._common import MAX_TERMS, compact, elide, fixed, percent, shown

_SUB = str.maketrans("0123456789", "₀₁₂₃₄₅₆₇₈₉")
_FORMS: dict[str, Callable[[float, int], str]] = {
    "compact": compact, "fixed": fixed, "pct": percent, "sci": lambda v, d: f"{v:.1e}",
    "signed": lambda v, d: ("-" if v < 0 else "+") + fixed(abs(v), d),
    "prob": lambda v, d: f"{fixed(v, d)} ({percent(v, d)})",
}  # fmt: skip


def sub(index: object) -> str:
    """``12`` -> ``₁₂``: a subscript index (digits only; ``2,1`` -> ``₂,₁``)."""
    return str(index).translate(_SUB)


# ------------------------------------------------------------------------------- expressions


@dataclass(frozen=True)
class Num:
    """A number as shown: ``value`` rounded to ``decimals`` in ``form``: ``compact`` (0.1, as
    written by hand), ``fixed`` (0.100, for columns), ``pct`` (15.4%), ``sci`` (1.1e-16),
    ``signed`` (+0.0021) or ``prob`` (0.154 (15.4%))."""

    value: float
    decimals: int
    form: str = "compact"

    def __str__(self) -> str:
        return _FORMS[self.form](float(self.value), self.decimals)


@dataclass(frozen=True)
class Sym:
    """A symbol in each notation: ``text`` (z1), ``tex`` (z_{1}) and ``hover`` (z₁)."""

    text: str
    tex: str
    hover: str = ""


def sym(text: str, tex: str, index: object = None, prime: bool = False) -> Sym:
    """A symbol with an index counted from 1: ``sym("z", "z", 2)`` is z2, ``z_{2}``, z₂; ``{i}``
    in ``text`` and ``tex`` says where the index goes (``e^z{i}``); ``prime`` adds '."""
    i = "" if index is None else str(index)
    tick, mark = ("'", "′") if prime else ("", "")
    plain, hover = (
        (text.format(i=i), text.format(i=sub(i))) if "{i}" in text else (text + i, text + sub(i))
    )
    tex = tex.format(i=i) if "{i}" in tex else (f"{tex}_{{{i}}}" if i else tex)
    return Sym(plain + tick, tex + tick, hover + mark)


@dataclass(frozen=True)
class Op:
    """``kind`` over ``args``: ``add`` (a + b; a negative b as - |b|), ``sum`` (terms, with
    :data:`GAP` for the ones left out), ``sub``, ``mul``, ``div``, ``neg``, ``ln``, ``exp``
    (e^a), ``vec`` ([a, b]) or ``group`` ((a))."""

    kind: str
    args: tuple[Expr, ...]


Expr = Num | Sym | Op
#: the terms left out of a long sum
GAP = Op("gap", ())


def op(kind: str, *args: Expr) -> Op:
    return Op(kind, args)


@dataclass(frozen=True)
class Notation:
    """How a rendering spells operations (``name`` is the attribute of :class:`Sym`)."""

    name: str
    times: str
    gap: str
    frac: Callable[[str, str], str]
    ln: str
    exp: Callable[[str], str]


TEXT = Notation("text", "*", "…", lambda a, b: f"{a} / {b}", "ln ", lambda a: f"e^{a}")
HOVER = Notation("hover", " × ", "…", lambda a, b: f"{a} / {b}", "ln ", lambda a: f"e^{a}")
TEX = Notation(
    "tex", r" \times ", r"\cdots", lambda a, b: f"\\frac{{{a}}}{{{b}}}", r"\ln\, ",
    lambda a: f"e^{{{a}}}",
)  # fmt: skip


def spell(expr: Expr, n: Notation, top: bool = True) -> str:
    """``expr`` in notation ``n``. A product puts a negative or compound factor in
    parentheses, except the first factor of a product that stands alone (``-0.708 × 0.5``)."""
    if isinstance(expr, Num):
        return str(expr)
    if isinstance(expr, Sym):
        return getattr(expr, n.name) or expr.text
    if expr.kind == "mul":
        vector = any(isinstance(a, Op) and a.kind == "vec" for a in expr.args)
        parts = []
        for i, arg in enumerate(expr.args):
            text = spell(arg, n, top=False)
            compound = isinstance(arg, Op) and arg.kind in ("add", "sub", "sum")
            parts.append(f"({text})" if compound or (text[:1] == "-" and (i or not top)) else text)
        return (" * " if n is TEXT and vector else n.times).join(parts)
    a = [spell(arg, n, top=False) for arg in expr.args]
    return {
        "gap": lambda: n.gap,
        "add": lambda: a[0] + (f" - {a[1][1:]}" if a[1][:1] == "-" else f" + {a[1]}"),
        "sum": lambda: " + ".join(a),
        "sub": lambda: " - ".join(a),
        "div": lambda: n.frac(*a),
        "neg": lambda: "-" + a[0],
        "ln": lambda: n.ln + a[0],
        "exp": lambda: n.exp(a[0]),
        "vec": lambda: "[" + ", ".join(a) + "]",
        "group": lambda: f"({a[0]})",
    }[expr.kind]()


def terms(n: int, term: Callable[[int], Expr]) -> list[Expr]:
    """``term(i)`` for the indices shown of ``n`` (at most ``MAX_TERMS``), GAP between."""
    return [GAP if i is None else term(i) for i in elide(n, MAX_TERMS)]


def vec(values: np.ndarray, decimals: int) -> Op:
    """``[0.5, 0.6, 0.7]``: the entries shown (the elided ones left out)."""
    return Op("vec", tuple(Num(values[j], decimals) for j in shown(len(values), MAX_TERMS)))


@dataclass(frozen=True)
class Arith:
    """An arithmetic line ``lhs = step = ... = result``; ``hint``: the general formula (shown on
    the page's hover), ``arrow``: how a parameter moved, ``percent``: a probability's percentage
    too, ``cls``: the line's class, ``label``: a name in place of a symbol (``row 2``), ``marks``:
    "pred" and/or "true" when its class is the predicted or the true one."""

    lhs: Sym | None
    steps: tuple[Expr, ...]
    result: Expr
    hint: str = ""
    arrow: str = ""
    percent: bool = False
    cls: int | None = None
    label: Msg | None = None
    marks: str = ""

    def body(self, n: Notation) -> str:
        """``step = ... = result``, without the left side."""
        return " = ".join(spell(e, n) for e in (*self.steps, self.result))

    def line(self, n: Notation, hint: bool = False) -> str:
        """The whole line; with ``hint``, the general formula after the left side."""
        head = [spell(self.lhs, n)] if self.lhs is not None else []
        return " = ".join([*head, *([self.hint] if hint and self.hint else []), self.body(n)])


def arith(lhs: Sym | None, *steps: Expr, **options: Any) -> Arith:
    """An Arith of ``steps``, the last one the result."""
    return Arith(lhs, steps[:-1], steps[-1], **options)


def weighted_sum(w: np.ndarray, v: np.ndarray, b: float, value: float, d: int, **kw: Any) -> Arith:
    """``(w1*v1 + w2*v2 + ...) + b = value`` (``kw``: ``lhs`` and the Arith's options)."""
    products = terms(len(w), lambda j: op("mul", Num(w[j], d), Num(v[j], d)))
    total = op("add", op("group", op("sum", *products)), Num(b, d))
    return arith(kw.pop("lhs", None), total, Num(value, d), **kw)


# ------------------------------------------------------------------------------- the items


@dataclass(frozen=True)
class Word:
    """Symbols between matrices, for the terminal (``text``) and LaTeX (``tex``); an empty
    spelling leaves the word out of that rendering."""

    text: str
    tex: str = ""


@dataclass(frozen=True)
class Mat:
    """A vector (a column) or matrix shown with ``decimals``; with ``old``, each entry carries
    the arrow of how it moved from there."""

    value: np.ndarray
    decimals: int
    old: np.ndarray | None = None


@dataclass(frozen=True)
class Equation:
    """Words and matrices side by side (``parts``), after the general ``formula`` and a
    ``caption``; ``aside`` is a remark or a line beside the formula; ``labels`` puts the class
    names beside the matrices."""

    parts: tuple[Word | Mat, ...] = ()
    formula: Word | None = None
    caption: Msg | None = None
    aside: Arith | Msg | str | None = None
    labels: bool = False


@dataclass(frozen=True)
class Lines:
    """Arithmetic lines, aligned, closed by ``total``; ``classes`` names each line's class,
    ``bars`` draws probability bars, ``indent`` is the terminal's."""

    rows: tuple[Arith, ...]
    classes: bool = False
    total: Arith | None = None
    bars: bool = False
    indent: int = 2


@dataclass(frozen=True)
class Note:
    """A sentence: ``key`` with ``params``, in a ``tone``: ``plain``, ``good``, ``bad``, ``dim``,
    ``why`` (the reason for a step, ``core.why.*``), ``alarm`` (a warning, shown as a reason)
    or ``meta`` (about the document: its source, set as code in Markdown); ``strong`` is bold
    in Markdown; ``only`` names the renderings that show it ("text markdown"), else all do."""

    key: str
    params: dict[str, Any] = field(default_factory=dict)
    tone: str = "plain"
    strong: bool = False
    only: str | None = None

    def text(self, lang: str) -> str:
        return Msg(self.key, **self.params).text(lang)


@dataclass(frozen=True)
class NoteGroup:
    """Sentences that belong together, as ``bullets`` (a list in Markdown) or ``lines``."""

    notes: tuple[Note, ...]
    style: str = "bullets"


Cell = str | Num | Msg | Note | tuple[Note, ...]


@dataclass(frozen=True)
class Table:
    """``columns`` (messages or names) aligned by ``align`` ("l" or "r" each), and ``rows``."""

    columns: tuple[str | Msg, ...]
    align: str
    rows: tuple[tuple[Cell, ...], ...]
    only: str | None = None


Item = Equation | Lines | Arith | Note | NoteGroup | Table


# ------------------------------------------------------------------------------- the page


@dataclass(frozen=True)
class GridCell:
    """A number on the page, ``shown``; how it was computed, the classes' ``marks`` (pred,
    true) or the ``arrow`` of a parameter that moved."""

    shown: Num
    how: Arith | None = None
    marks: str = ""
    arrow: str | None = None


@dataclass(frozen=True)
class Grid:
    """Rows (a label, or a class index for a matrix with a row per class, and cells) under
    columns of ``classes``, ``features`` or none (``""``)."""

    id: str
    rows: tuple[tuple[str | int, tuple[GridCell, ...]], ...]
    cols: str = "classes"


@dataclass
class Section:
    """A part (``title``, ``setup``, ``step``, ``phase``, a numbered ``section`` or ``summary``)
    and its items; for the page a general ``formula``, the ``worked`` line and ``grids``."""

    kind: str
    id: str
    heading: Msg
    number: str = ""
    items: list[Item] = field(default_factory=list)
    formula: str | None = None
    worked: Arith | None = None
    grids: list[Grid] = field(default_factory=list)


@dataclass
class Document:
    """The sections in reading order, in ``lang``, with the class ``labels`` and the first
    ``record`` (the step the page shows)."""

    sections: list[Section]
    labels: list[str]
    record: Any
    lang: str


class Writer:
    """What the renderings share: the document's language, its words, the parts written
    (``out``), and a walk that calls ``heading(section)`` and ``on_<Item>(item)`` for every
    item in order (``on_Equation``, ``on_Lines``, ...), leaving out those for another one."""

    only = ""

    def __init__(self, doc: Document) -> None:
        self.doc, self.lang = doc, doc.lang
        self.out: list[Any] = []

    def t(self, key: str | Msg, **params: object) -> str:
        return key.text(self.lang) if isinstance(key, Msg) else t(key, self.lang, **params)

    def shows(self, item: Item) -> bool:
        only = getattr(item, "only", None)
        return only is None or self.only in only.split()

    def walk(self) -> None:
        for section in self.doc.sections:
            self.heading(section)  # type: ignore[attr-defined]
            for item in filter(self.shows, section.items):
                getattr(self, f"on_{type(item).__name__}")(item)
