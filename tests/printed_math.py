"""Read the arithmetic a learner reads, in the three renderings, and say whether it holds.

A printed equation ``expression = result`` holds when the expression, evaluated from the numbers
*as printed*, is within half a unit of the result's last printed digit (entry by entry for a
vector or matrix). This module only reads what was rendered:

* :func:`text_equations`: the lines of the terminal rendering (matrices drawn with ``⎡⎢⎣`` are
  left to the Markdown, which holds the same numbers in a form that can be read back);
* :func:`markdown_equations`: the display math of the Markdown (``bmatrix`` matrices included);
* :func:`mathml_equations` and :func:`page_equations`: the step page's MathML and the plain-text
  lines shown when a number is pointed at.

Each returns :class:`Relation` objects: two neighbouring sides of a chain ``a = b = c`` whose
both sides are made of numbers only, and the sign between them (``=`` or ``≈``).
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from typing import Any

import numpy as np

#: a printed number: its value and the unit of its last printed digit
NUMBER = re.compile(r"\d+(?:\.\d+)?(?:e[+-]?\d+)?")
_SIGNS = ("=", "≈")


@dataclass(frozen=True)
class Relation:
    """``left sign right`` from the rendering ``where``, both sides numbers only; ``M<i>`` in
    a side is the ``i``-th of ``matrices`` (its values and the units of their last digits)."""

    left: str
    sign: str
    right: str
    where: str
    matrices: tuple[Any, ...] = field(default=(), compare=False)

    def holds(self) -> bool:
        """Whether the left side, from its printed numbers, is the right side to half a unit in
        the right side's last printed digit (entry by entry)."""
        value, _ = evaluate(self.left, self.matrices)
        shown, unit = evaluate(self.right, self.matrices)
        value, shown, unit = np.broadcast_arrays(*map(np.asarray, (value, shown, unit)))
        return bool(np.all(np.abs(value - shown) <= 0.5 * unit * (1 + 1e-9) + 1e-12))

    def __str__(self) -> str:
        def show(m: re.Match[str]) -> str:
            value = np.asarray(self.matrices[int(m.group(1))][0])
            return np.array2string(value, separator=", ").replace("\n", "")

        text = f"{self.left} {self.sign} {self.right}"
        return re.sub(r"M(\d+)", show, text) + f"   [{self.where}]"


class Unreadable(ValueError):
    """Not an expression of numbers (a symbol, a word, a left-out term)."""


# ------------------------------------------------------------------------------ evaluating


class _Parser:
    """A recursive-descent reader of ``+ - * / ( ) [a, b] e^x ln x`` over numbers and matrices.

    Values are numpy arrays; a matrix literal is a token ``M<i>`` of ``matrices``. Two
    operands side by side (``M0 M1``, ``0.1 M2``) multiply: matrices as matrices, a number
    with anything entry by entry. Each value carries the unit of its last printed digit, which
    only matters for a result that is a single literal.
    """

    TOKEN = re.compile(r"\s*(M\d+|\d+(?:\.\d+)?(?:e[+-]?\d+)?|ln|e\^|[-+*/()\[\],])")

    def __init__(self, text: str, matrices: list[tuple[np.ndarray, np.ndarray]]) -> None:
        self.tokens, pos = [], 0
        text = text.strip()
        while pos < len(text):
            m = self.TOKEN.match(text, pos)
            if m is None:
                raise Unreadable(text)
            self.tokens.append(m.group(1))
            pos = m.end()
            while pos < len(text) and text[pos] == " ":
                pos += 1
        self.i, self.matrices = 0, matrices

    def peek(self) -> str | None:
        return self.tokens[self.i] if self.i < len(self.tokens) else None

    def take(self, expected: str | None = None) -> str:
        token = self.peek()
        if token is None or (expected is not None and token != expected):
            raise Unreadable(" ".join(self.tokens))
        self.i += 1
        return token

    def parse(self) -> tuple[Any, Any]:
        value = self.sum()
        if self.peek() is not None:
            raise Unreadable(" ".join(self.tokens))
        return value

    def sum(self) -> tuple[Any, Any]:
        value, unit = self.product()
        while self.peek() in ("+", "-"):
            op = self.take()
            right, _ = self.product()
            value = value + right if op == "+" else value - right
        return value, unit

    def product(self) -> tuple[Any, Any]:
        value, unit = self.unary()
        while True:
            token = self.peek()
            if token in ("*", "/"):
                self.take()
                right, _ = self.unary()
                value = value * right if token == "*" else value / right
            elif token is not None and (token[0] in "M(" or token[0].isdigit() or token == "e^"):
                right, _ = self.unary()  # side by side: a product
                both = np.ndim(value) == 2 and np.ndim(right) == 2
                value = value @ right if both else value * right
            else:
                return value, unit

    def unary(self) -> tuple[Any, Any]:
        if self.peek() == "-":
            self.take()
            value, unit = self.unary()
            return -value, unit
        if self.peek() == "ln":
            self.take()
            value, _ = self.unary()
            return np.log(value), 0.0
        return self.power()

    def power(self) -> tuple[Any, Any]:
        if self.peek() == "e^":
            self.take()
            if self.peek() == "-":  # e^-0.3, as written before exponents were bracketed
                self.take()
                value, _ = self.atom()
                return np.exp(-value), 0.0
            value, _ = self.atom()
            return np.exp(value), 0.0
        return self.atom()

    def atom(self) -> tuple[Any, Any]:
        token = self.take()
        if token == "(":
            value = self.sum()
            self.take(")")
            return value
        if token == "[":
            items = [self.sum()]
            while self.peek() == ",":
                self.take()
                items.append(self.sum())
            self.take("]")
            return np.array([v for v, _ in items]), np.array([u for _, u in items])
        if token.startswith("M"):
            return self.matrices[int(token[1:])]
        if NUMBER.fullmatch(token):
            return float(token), unit_of(token)
        raise Unreadable(token)


def unit_of(number: str) -> float:
    """The unit of the last printed digit of ``number`` (``0.154`` -> 0.001, ``1.3e-10``
    -> 1e-11)."""
    mantissa, _, exponent = number.lower().partition("e")
    decimals = len(mantissa.partition(".")[2])
    return 10.0 ** (int(exponent or 0) - decimals)


def evaluate(text: str, matrices: Any = ()) -> tuple[Any, Any]:
    """The value of ``text`` and the unit of its last digit (Unreadable if it is not numbers)."""
    with np.errstate(all="ignore"):
        value, unit = _Parser(text, list(matrices)).parse()
    if not np.all(np.isfinite(value)):
        raise Unreadable(text)
    return value, unit


def _numeric(text: str, matrices: list[Any]) -> bool:
    try:
        evaluate(text, matrices)
    except (Unreadable, ValueError, IndexError, ZeroDivisionError):
        return False
    return True


def relations(chain: str, where: str, matrices: list[Any] | None = None) -> list[Relation]:
    """The relations between neighbouring numeric sides of ``chain`` (``a = b ≈ c``)."""
    matrices = matrices or []
    parts = re.split(r"\s(=|≈)\s", chain)
    sides, signs = parts[0::2], parts[1::2]
    # the first side may follow a label ("row 1 (cat)  0.154 * [...]"): keep the expression
    sides[0] = re.split(r"\s{2,}", sides[0].strip())[-1]
    out = []
    for left, sign, right in zip(sides, signs, sides[1:], strict=False):
        left, right = left.strip(), right.strip()
        if _numeric(left, matrices) and _numeric(right, matrices):
            out.append(Relation(left, sign, right, where, tuple(matrices)))
    return out


# ------------------------------------------------------------------------------ the terminal

_DRAWN = re.compile(r"[⎡⎢⎣⎤⎥⎦]|\[ \S+  ")  # a drawn matrix (or a one-row one: "[ 0.5  0.6 ]")
_TAIL = re.compile(r"\s+(?:[↑↓·]|\d+(?:\.\d+)?%.*|←.*)$")


def text_equations(text: str, where: str) -> list[Relation]:
    """The relations on the terminal rendering's lines (one line each; render it wide)."""
    out = []
    for line in text.splitlines():
        if not any(f" {s} " in line for s in _SIGNS) or _DRAWN.search(line):
            continue
        line = line.replace("×", "*").replace("−", "-")
        while (m := _TAIL.search(line)) is not None:  # the arrow, percentage, bar and marks
            line = line[: m.start()]
        out += relations(line, where)
    return out


# ------------------------------------------------------------------------------ Markdown

_BMATRIX = re.compile(r"\\begin\{bmatrix\}(.*?)\\end\{bmatrix\}")


def _matrix(body: str) -> tuple[np.ndarray, np.ndarray] | None:
    """A bmatrix's numbers and the units of their last digits (None if entries are left out)."""
    rows = [[c.strip() for c in row.split("&")] for row in body.split(r"\\")]
    values, units = [], []
    for row in rows:
        vals, us = [], []
        for cell in row:
            cell = re.sub(r"\\(?:uparrow|downarrow|cdot)$", "", cell).strip()
            if not NUMBER.fullmatch(cell.lstrip("-")):
                return None
            vals.append(float(cell))
            us.append(unit_of(cell.lstrip("-")))
        values.append(vals)
        units.append(us)
    return np.array(values), np.array(units)


def _brace(text: str, start: int) -> int:
    """The index just after the group that opens at ``text[start] == '{'``."""
    depth = 0
    for i in range(start, len(text)):
        depth += {"{": 1, "}": -1}.get(text[i], 0)
        if depth == 0:
            return i + 1
    raise Unreadable(text)


def _untex(tex: str) -> str:
    r"""TeX arithmetic as plain arithmetic: ``\frac{a}{b}`` -> ``(a)/(b)``, ``e^{x}`` ->
    ``e^(x)``, ``\times`` -> ``*``; symbols are left as they are (and read as words)."""
    out, i = [], 0
    while i < len(tex):
        if tex.startswith(r"\frac", i) and tex[i + 5 : i + 6] == "{":
            a_end = _brace(tex, i + 5)
            b_end = _brace(tex, a_end)
            out.append(f"({_untex(tex[i + 6 : a_end - 1])})/({_untex(tex[a_end + 1 : b_end - 1])})")
            i = b_end
        elif tex.startswith("^{", i):
            end = _brace(tex, i + 1)
            out.append(f"^({_untex(tex[i + 2 : end - 1])})")
            i = end
        else:
            out.append(tex[i])
            i += 1
    text = "".join(out)
    for tex_word, plain in ((r"\times", "*"), (r"\cdot", "*"), (r"\ln\,", "ln "), (r"\ln", "ln "),
                            (r"\approx", "≈"), (r"\left", ""), (r"\right", "")):  # fmt: skip
        text = text.replace(tex_word, plain)
    text = re.sub(r"\\[,;!]|\\ |\\(?:uparrow|downarrow)", " ", text)
    return re.sub(r"\s+", " ", text)


def _token(m: re.Match[str], found: list[Any]) -> str:
    """A bmatrix replaced by ``M<i>`` (its numbers appended to ``found``), or a gap."""
    read = _matrix(m.group(1))
    if read is None:
        return r"\vdots"
    found.append(read)
    return f" M{len(found) - 1} "


def markdown_equations(md: str, where: str) -> list[Relation]:
    """The relations in the display math of a Markdown rendering."""
    out = []
    for block in re.findall(r"\$\$\n(.*?)\n\$\$", md, flags=re.S):
        matrices: list[Any] = []
        block = _BMATRIX.sub(lambda m, found=matrices: _token(m, found), block)
        block = block.replace(r"\begin{aligned}", "").replace(r"\end{aligned}", "")
        for row in re.split(r"\\\\\n|\n", block):
            row = row.split("&&")[0].replace("&=", "=").replace("&:", "  ")
            for piece in re.split(r",\s*\\q?quad", row):
                out += relations(_untex(piece), where, matrices)
    return out


# ------------------------------------------------------------------------------ the page

_MO = {"−": "-", "×": "*", "⋅": "*", "·": "*", "\u2062": " ", "\u2061": " "}


def _math_text(node: ET.Element) -> str:
    """A MathML element as plain arithmetic (``mfrac`` -> ``(a)/(b)``, ``msup`` -> ``^(b)``)."""
    tag = node.tag.rsplit("}", 1)[-1]
    kids = list(node)
    if tag == "mfrac":
        return f"(({_math_text(kids[0])})/({_math_text(kids[1])}))"
    if tag == "msup":
        return f"{_math_text(kids[0])}^({_math_text(kids[1])})"
    if tag in ("msub", "msubsup"):
        return _math_text(kids[0]) + "_" + "".join(_math_text(k) for k in kids[1:])
    if tag in ("mn", "mi", "mo", "mtext"):
        text = (node.text or "").strip()
        text = _MO.get(text, text)
        return f" {text} " if tag == "mo" else text
    if tag == "mspace":
        return " "
    return "".join(_math_text(k) for k in kids)


def mathml_equations(mathml: str, where: str) -> list[Relation]:
    """The relations of one ``<math>`` element of the page."""
    text = _math_text(ET.fromstring(mathml))
    text = re.sub(r"\bln\s*", "ln ", text)
    text = re.sub(r"\be\^", "e^", re.sub(r"\s+", " ", text))
    return relations(text.replace("( ", "(").replace(" )", ")"), where)


def page_equations(view: dict[str, Any], where: str) -> list[Relation]:
    """The relations of the step page: each block's worked line (MathML) and each number's
    "how it was computed" line."""
    out = []
    for phase in view["sections"]:
        for block in phase["blocks"]:
            if "worked" in block:
                out += mathml_equations(block["worked"], f"{where} {block['id']} worked")
            for grid in block["grids"]:
                for row in grid["rows"]:
                    for cell in row["cells"]:
                        how = re.sub(r"\s*\(\d+(?:\.\d+)?%\)$", "", cell.get("h", ""))
                        how = how.replace("×", "*").replace("−", "-")
                        out += relations(how, f"{where} {grid['id']} hover")
    return out


def failures(found: list[Relation]) -> list[Relation]:
    """The relations written with ``=`` that do not hold."""
    return [r for r in found if r.sign == "=" and not r.holds()]
