"""The document model of a step: what is shown, once, for the terminal, Markdown and the page.

A :class:`Document` is a list of :class:`Section`, each a list of items: :class:`Equation`,
:class:`Lines` of :class:`Arith`, :class:`Note`, :class:`NoteGroup`, :class:`Table`,
:class:`Numbered` (the tasks of an exercise sheet); a section
of a step carries besides what only the page shows (a formula, the worked line, :class:`Grid`).
Every number is a :class:`Num` (the float, its decimals and form); an arithmetic line is an
expression tree (:class:`Op` over Num and :class:`Sym`) that each rendering spells in its
notation (:data:`TEXT`, :data:`HOVER` for the page's tooltips, :data:`TEX`).

A printed equation holds for the numbers printed on it: the relation of a line (:class:`Arith`)
or of matrices side by side (:class:`Equation`) is worked out from the numbers as shown
(:func:`printed`), and it is ``=`` only when that gives the shown result to half a unit in its
last digit; otherwise the line shows rounded operands of a full-precision result and is written
``≈`` (each document says once what that means).
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

    @property
    def shown(self) -> float | None:
        """The number as printed (what a reader computes with); None for a ``prob``."""
        text = str(self)
        if self.form == "prob":
            return None
        return float(text[:-1]) / 100 if self.form == "pct" else float(text)

    @property
    def unit(self) -> float:
        """The unit of its last digit: of the decimals it is rounded to (0.001 for 3), or of
        the last digit printed where that is finer (``2.3e-05`` of a tiny compact number)."""
        text = str(self).rstrip("%")
        mantissa, _, exponent = text.partition("e")
        printed = 10.0 ** (int(exponent or 0) - len(mantissa.partition(".")[2]))
        if self.form == "pct":
            return printed / 100
        return printed if self.form == "sci" else min(printed, 10.0**-self.decimals)


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
    """``kind`` over ``args``: ``add`` (a + b; a negative b as ``- |b|``), ``sum`` (terms, with a
    ``gap`` for the ones left out: shown as ``…``, its args the terms it stands for), ``sub``,
    ``mul``, ``div``, ``neg``, ``ln``, ``exp`` (e^a), ``vec`` ([a, b]) or ``group`` ((a))."""

    kind: str
    args: tuple[Expr, ...]


Expr = Num | Sym | Op
#: entries left out of a vector (they are not worked with)
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
    approx: str = "≈"


def power(a: str) -> str:
    """``e^0.48``, and ``e^(-0.3)`` for a negative or compound exponent (a line of text has no
    superscripts)."""
    return f"e^({a})" if a[:1] == "-" or " " in a else f"e^{a}"


TEXT = Notation("text", "*", "…", lambda a, b: f"{a} / {b}", "ln ", power)
HOVER = Notation("hover", " × ", "…", lambda a, b: f"{a} / {b}", "ln ", power)
TEX = Notation(
    "tex", r" \times ", r"\cdots", lambda a, b: f"\\frac{{{a}}}{{{b}}}", r"\ln\, ",
    lambda a: f"e^{{{a}}}", r"\approx",
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
    """``term(i)`` for the indices shown of ``n`` (at most ``MAX_TERMS``), and a gap that
    stands for the ones left out."""
    shown_ = elide(n, MAX_TERMS)
    hidden = tuple(term(i) for i in range(n) if i not in shown_)
    return [Op("gap", hidden) if i is None else term(i) for i in shown_]


# ------------------------------------------------------------------------------- what holds


def printed(expr: Expr) -> Any:
    """The value of ``expr`` worked out from its numbers as printed (a float, or an array for a
    vector); None where it holds a symbol or cannot be worked out."""
    if isinstance(expr, Num):
        return None if expr.shown is None else np.float64(expr.shown)
    if isinstance(expr, Sym) or (expr.kind == "gap" and not expr.args):
        return None
    values = [printed(a) for a in expr.args]
    if any(v is None for v in values):
        return None
    with np.errstate(all="ignore"):
        return _OPERATIONS[expr.kind](values)


_OPERATIONS: dict[str, Callable[[list[Any]], Any]] = {
    "add": sum, "sum": sum, "gap": sum, "group": lambda v: v[0], "neg": lambda v: -v[0],
    "sub": lambda v: v[0] - sum(v[1:]), "mul": lambda v: np.prod(np.broadcast_arrays(*v), 0),
    "div": lambda v: v[0] / v[1], "ln": lambda v: np.log(v[0]), "exp": lambda v: np.exp(v[0]),
    "vec": lambda v: np.array(v, dtype=float),
}  # fmt: skip


def unit(expr: Expr) -> Any:
    """The unit of the last digit of each number of a result (a Num or a vector of them)."""
    if isinstance(expr, Num):
        return expr.unit
    if isinstance(expr, Op) and expr.kind == "vec":
        return np.array([unit(a) for a in expr.args], dtype=float)
    return None


def holds(value: Any, result: Any, units: Any) -> bool:
    """Whether ``value`` is the printed ``result`` to half a unit of its last digit (entry by
    entry); an infinity holds only for the same infinity printed (``e^10000 = inf``), and an
    unknown value is not contradicted."""
    if value is None or result is None or units is None:
        return True
    value, result, units = np.broadcast_arrays(
        *(np.asarray(v, dtype=float) for v in (value, result, units))
    )
    finite = np.isfinite(value) & np.isfinite(result)
    with np.errstate(invalid="ignore"):
        close = np.abs(value - result) <= 0.5 * units * (1 + 1e-9) + 1e-12
    return bool(np.all(np.where(finite, close, value == result)))


def vec(values: np.ndarray, decimals: int) -> Op:
    """``[0.5, 0.6, 0.7]``: the entries shown (the elided ones left out)."""
    return Op("vec", tuple(Num(values[j], decimals) for j in shown(len(values), MAX_TERMS)))


@dataclass(frozen=True)
class Arith:
    """An arithmetic line ``lhs = step = … = result``; ``hint``: the general formula (shown on
    the page's hover), ``arrow``: how a parameter moved, ``percent``: a probability's percentage
    too, ``cls``: the line's class, ``label``: a name in place of a symbol (``row 2``), ``marks``:
    "pred" and/or "true" when its class is the predicted or the true one.

    ``exact`` says whether the last step, worked out from its printed numbers, gives the
    printed result (to half a unit in its last digit): the line's last sign is ``=`` if so and
    ``≈`` if not.
    """

    lhs: Sym | None
    steps: tuple[Expr, ...]
    result: Expr
    hint: str = ""
    arrow: str = ""
    percent: bool = False
    cls: int | None = None
    label: Msg | None = None
    marks: str = ""

    @property
    def exact(self) -> bool:
        if not self.steps:
            return True
        return holds(printed(self.steps[-1]), printed(self.result), unit(self.result))

    def sign(self, n: Notation) -> str:
        """The sign before the result: ``=``, or ``≈`` (see ``exact``)."""
        return "=" if self.exact else n.approx

    def body(self, n: Notation) -> str:
        """``step = ... = result``, without the left side."""
        result = spell(self.result, n)
        if not self.steps:
            return result
        return " = ".join(spell(e, n) for e in self.steps) + f" {self.sign(n)} {result}"

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
    spelling leaves the word out of that rendering. ``op`` is what it does to the matrices
    around it: ``mul`` (side by side: a matrix product), ``add``, ``sub``, ``eq`` (``=``),
    ``approx`` (``≈``) or ``scale`` (times ``by``, the matrix after it); a word without one
    only names something."""

    text: str
    tex: str = ""
    op: str = ""
    by: float = 1.0


DOT, PLUS, MINUS = Word("·", " ", "mul"), Word("+", " + ", "add"), Word("-", " - ", "sub")
EQ, APPROX = Word("=", " = ", "eq"), Word("≈", r" \approx ", "approx")


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
    names beside the matrices. The last :data:`EQ` of the parts becomes :data:`APPROX` when the
    matrices before it, worked out as printed, do not give the matrix after it."""

    parts: tuple[Word | Mat, ...] = ()
    formula: Word | None = None
    caption: Msg | None = None
    aside: Arith | Msg | str | None = None
    labels: bool = False

    def __post_init__(self) -> None:
        signs = [i for i, p in enumerate(self.parts) if isinstance(p, Word) and p.op == "eq"]
        if not signs:
            return
        at = signs[-1]
        start = signs[-2] + 1 if len(signs) > 1 else 0
        with np.errstate(all="ignore"):  # an overflow written out is not contradicted
            left, right = _matrices(self.parts[start:at]), _matrices(self.parts[at + 1 :])
        if left is None or right is None or right[1] is None:
            return
        if not holds(left[0], right[0], right[1]):
            parts = (*self.parts[:at], APPROX, *self.parts[at + 1 :])
            object.__setattr__(self, "parts", parts)


def _printed_matrix(m: Mat) -> np.ndarray:
    """A matrix (a vector as a column) as printed: each entry rounded as shown."""
    values = np.asarray(m.value, dtype=float)
    values = values[:, None] if values.ndim == 1 else values
    return np.vectorize(lambda v: float(fixed(v, m.decimals)))(values)


def _matrices(parts: tuple[Word | Mat, ...]) -> tuple[np.ndarray, np.ndarray | None] | None:
    """The value of matrices and operator words as printed, and the units of its last digits
    when it is a single matrix; None when the parts are not all numbers and operators (a
    label before them is left out)."""
    while parts and isinstance(parts[0], Word) and not parts[0].op:
        parts = parts[1:]
    if not parts or any(isinstance(p, Word) and not p.op for p in parts):
        return None
    if len(parts) == 1 and isinstance(parts[0], Mat):
        m = parts[0]
        units = np.full(np.shape(_printed_matrix(m)), 10.0**-m.decimals)
        return _printed_matrix(m), units
    total: float | np.ndarray = 0.0
    sign, term, scale = 1.0, None, 1.0
    for p in parts:
        if isinstance(p, Mat):
            value = _printed_matrix(p)
            term = value if term is None else term @ value
        elif p.op in ("add", "sub"):
            if term is None:
                return None
            total, sign, term, scale = (
                total + sign * scale * term,
                1 - 2 * (p.op == "sub"),
                None,
                1.0,
            )
        elif p.op == "scale":
            scale *= p.by
        elif p.op != "mul":
            return None
    if term is None:
        return None
    return total + sign * scale * term, None


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
    ``why`` (the reason for a step, ``core.why.*``), ``alarm`` (a warning, shown as a reason),
    ``meta`` (about the document: its source, set as code in Markdown, in italics) or ``action``
    (what the reader does next: its file or command set as code in Markdown); ``strong`` is bold
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


@dataclass(frozen=True)
class Numbered:
    """A numbered list of ``(name, text)``: what to compute, in order (a printed sheet leaves
    room to write after each)."""

    rows: tuple[tuple[str, str], ...]


Item = Equation | Lines | Arith | Note | NoteGroup | Table | Numbered


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
    """A part (``title``, ``setup``, ``step``, ``phase``, a numbered ``section``, ``summary``, or
    ``end``: items after a gap, without a heading) and its items; for the page a general
    ``formula``, the ``worked`` line and ``grids``; ``answer``: the names of the quantities it
    works out on the answer sheet (in a key)."""

    kind: str
    id: str
    heading: Msg
    number: str = ""
    items: list[Item] = field(default_factory=list)
    formula: str | None = None
    worked: Arith | None = None
    grids: list[Grid] = field(default_factory=list)
    answer: str = ""


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
