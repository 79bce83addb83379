"""Check one SGD step worked out by hand, quantity by quantity, as a careful human marker would.

An answer file holds the problem (``problem = "problem.toml"``, a path relative to the answer
file, a ``[problem]`` table, or the fields ``X, W, b, y, lr`` at the top level), any subset of
the ten quantities of the step, in the order they are computed::

    Z = W x + b        exp_Z = exp(Z)     sum_exp = sum(exp_Z)    A = exp_Z / sum_exp
    loss = -ln A[y]    delta = A - Y      db = delta              dW = delta x^T
    b_new = b - lr db  W_new = W - lr dW

(vectors as lists, matrices as lists of rows; ``""`` or ``[]`` leaves a quantity blank) and an
optional ``decimals``, the rounding the student used (default 3).

Every expected number comes from :mod:`handprop.functional`; a :class:`_Rule` only says which
function computes a quantity from which earlier quantities. Each given quantity is compared twice:

* with the **exact** value (the problem's numbers pushed through the rules), and
* with the value that follows from the student's **own** earlier answers ("carry-forward"):
  each rule applied to what the student wrote (or, for a blank, to what follows from what they
  wrote before it). A value that only matches this one is ``carried`` when something before it
  was wrong: the mistake is marked once, where it was made.

Tolerance
---------
With ``d`` decimals a written number may be off by half a unit in its last place,
``h = 0.5 * 10**-d``. A careful student also computes each step from *rounded* earlier results,
so the error of an earlier quantity travels on. The tolerance of a quantity ``q = f(u)`` is::

    tol_q = h + 1.05 * P_q + 1e-9 * (1 + |q|),    P_q = sum_i |f(u + e_i err_i) - f(u)|

where ``err_i`` bounds how far input entry ``u_i`` may be from the value used (linearised
worst-case propagation: each entry moved by ``+-err_i`` through the *same* functional call, the
larger change counts). For the exact comparison ``err`` is that of a correct student: 0 for the
problem's own numbers, and ``r + P`` for a computed quantity, where ``r`` is the rounding it may
have received: ``h`` in general; exactly ``|round(q, d) - q|`` when its inputs are exact (the
logits of one-decimal numbers are exact at two decimals and carry no error); and nothing for
``delta = A - Y`` and ``db = delta``, whose results have the decimals of their inputs (for these
two the ``h`` of ``tol_q`` is dropped as well, since their inputs' errors already hold it). For
the carried comparison a written input counts ``err = h`` (the student may have used more
digits than they wrote). The factor 1.05 covers second-order terms of the linearisation, the
last term the binary representation of decimal numbers. E.g. with the notes' numbers at 3
decimals the loss tolerance is about 0.0026, because ``A[y] = 0.292`` is itself only known to
about +-0.0006 and ``d(-ln a) = da / a``; the others there lie between 0.0005 (Z, exp_Z)
and 0.0016 (sum_exp, four roundings added up).

Mistakes
--------
A wrong quantity is compared with the values of named mistakes, each computed by the same
functional call on altered inputs and the student's own earlier answers (``bias_forgotten``:
``b = 0``; ``W_transposed``: ``W.T``; ``not_normalized``: the exponentials themselves;
``wrong_log_base``: ``log10``/``log2``; ``loss_wrong_class``; ``loss_sign``: ``+ln``;
``delta_sign``: ``Y - A``; ``dW_transposed``: ``x delta^T``; ``update_sign``: ``+lr``;
``lr_missing``: ``lr = 1``; ``lr_twice``: ``lr**2``), with the same tolerance rule. Otherwise a
vector or matrix with exactly one entry off is an ``arithmetic_slip`` at that entry; anything
else is reported with the entries that are off and ``mistake = None``.
"""

from __future__ import annotations

import math
import os
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from handprop import functional as F
from handprop.errors import FileFormatError, InputError, ShapeError
from handprop.fileio import read_user_text
from handprop.messages import Msg, t
from handprop.problem import (
    OPTIONAL_KEYS,
    REQUIRED_KEYS,
    Problem,
    load_problem,
    parse_problem_text,
    problem_from_mapping,
)
from handprop.validation import describe

Array = NDArray[np.float64]

#: the quantities of one step, in the order they are computed
QUANTITIES = ("Z", "exp_Z", "sum_exp", "A", "loss", "delta", "db", "dW", "b_new", "W_new")
SCALARS = frozenset({"sum_exp", "loss"})
MATRICES = frozenset({"dW", "W_new"})
STATUSES = ("correct", "wrong", "carried", "missing")
#: every named mistake, in the order they are tried
MISTAKES = (
    "bias_forgotten",
    "W_transposed",
    "not_normalized",
    "wrong_log_base",
    "loss_wrong_class",
    "loss_sign",
    "delta_sign",
    "dW_transposed",
    "update_sign",
    "lr_missing",
    "lr_twice",
    "arithmetic_slip",
)
DEFAULT_DECIMALS = 3
MIN_DECIMALS, MAX_DECIMALS = 1, 6
#: largest number of classes or features of a problem checked by hand
MAX_SIDE = 10
#: largest answer file read, in bytes
MAX_FILE_BYTES = 1024 * 1024
#: second-order slack on the propagated part of a tolerance, and the float slack
PROPAGATION_SLACK = 1.05
FLOAT_SLACK = 1e-9


# --- the rules: which functional call computes each quantity from which earlier ones ---


@dataclass(frozen=True)
class _Context:
    """The problem as the rules use it: a batch of one sample."""

    X: Array  # (1, D)
    W: Array  # (K, D)
    b: Array  # (K,)
    y: int
    y_idx: NDArray[np.intp]  # (1,)
    Y: Array  # (K,) one-hot
    lr: float

    @property
    def K(self) -> int:
        return int(self.W.shape[0])

    @property
    def D(self) -> int:
        return int(self.W.shape[1])

    @classmethod
    def of(cls, problem: Problem) -> _Context:
        K = problem.W.shape[0]
        y_idx = np.array([problem.y], dtype=np.intp)
        return cls(
            X=np.asarray(problem.X, dtype=np.float64)[None, :],
            W=np.asarray(problem.W, dtype=np.float64),
            b=np.asarray(problem.b, dtype=np.float64),
            y=int(problem.y),
            y_idx=y_idx,
            Y=F.one_hot(y_idx, K)[0],
            lr=float(problem.lr),
        )


Fn = Callable[..., Any]


def _log(A: Array, base: float | None = None) -> Array:
    """``log(A)`` (or in another base) without warnings; entries <= 0 give -inf / nan."""
    with np.errstate(divide="ignore", invalid="ignore"):
        logs = np.log(A)
        return logs if base is None else logs / math.log(base)


def _z(c: _Context) -> Any:
    return F.linear(c.X, c.W, c.b)[0]  # (K,)


def _exp_z(c: _Context, Z: Array) -> Any:
    return F.softmax_parts(Z[None, :])[0][0]  # (K,)


def _sum_exp(c: _Context, exp_Z: Array) -> Any:
    return exp_Z.sum()  # the sum of the exponentials as written (softmax_parts' second stage)


def _probs(c: _Context, exp_Z: Array, sum_exp: Array) -> Any:
    return F.normalize(exp_Z, sum_exp)  # (K,)


def _loss(
    c: _Context, A: Array, log: Callable[[Array], Array] = _log, cls: int | None = None
) -> float:
    target = c.y_idx if cls is None else np.array([cls], dtype=np.intp)
    return F.nll_loss(log(A)[None, :], target)


def _delta(c: _Context, A: Array) -> Any:
    return F.delta(A[None, :], c.y_idx)[0]  # (K,)


def _db(c: _Context, d: Array) -> Any:
    return F.param_gradients(c.X, d[None, :])[1]  # (K,)


def _dW(c: _Context, d: Array) -> Any:
    return F.param_gradients(c.X, d[None, :])[0]  # (K, D)


def _b_new(c: _Context, db: Array) -> Any:
    return F.sgd_step(c.b, db, c.lr)  # (K,)


def _W_new(c: _Context, dW: Array) -> Any:
    return F.sgd_step(c.W, dW, c.lr)  # (K, D)


@dataclass(frozen=True)
class _Rule:
    """``name = fn(context, *inputs)``; each input is the first *given* of a few alternatives."""

    name: str
    inputs: tuple[tuple[str, ...], ...]
    fn: Fn
    #: the result of inputs with d decimals has d decimals again (A - Y, a copy): no new rounding
    keeps_decimals: bool = False


RULES: tuple[_Rule, ...] = (
    _Rule("Z", (), _z),
    _Rule("exp_Z", (("Z",),), _exp_z),
    _Rule("sum_exp", (("exp_Z",),), _sum_exp),
    _Rule("A", (("exp_Z",), ("sum_exp",)), _probs),
    _Rule("loss", (("A",),), _loss),
    _Rule("delta", (("A",),), _delta, keeps_decimals=True),
    _Rule("db", (("delta",),), _db, keeps_decimals=True),
    _Rule("dW", (("delta", "db"),), _dW),
    _Rule("b_new", (("db", "delta"),), _b_new),
    _Rule("W_new", (("dW",),), _W_new),
)


@dataclass(frozen=True)
class _Candidate:
    """A named mistake: the wrong value it gives, from the step's own inputs."""

    mistake: str
    fn: Fn
    params: Mapping[str, Any] = field(default_factory=dict)


def _candidates(name: str, c: _Context) -> Iterator[_Candidate]:
    """The named mistakes that can be made at step ``name`` of this problem."""
    square = c.K == c.D
    if name == "Z":
        yield _Candidate("bias_forgotten", lambda c: F.linear(c.X, c.W, np.zeros_like(c.b))[0])
        if square:
            yield _Candidate("W_transposed", lambda c: F.linear(c.X, c.W.T, c.b)[0])
    elif name == "A":
        yield _Candidate("not_normalized", lambda c, exp_Z, sum_exp: exp_Z)
    elif name == "loss":
        for base in (10, 2):
            yield _Candidate(
                "wrong_log_base",
                lambda c, A, base=base: _loss(c, A, log=lambda a: _log(a, base)),
                {"base": base},
            )
        for k in range(c.K):
            if k != c.y:
                yield _Candidate(
                    "loss_wrong_class", lambda c, A, k=k: _loss(c, A, cls=k), {"cls": k + 1}
                )
        yield _Candidate("loss_sign", lambda c, A: _loss(c, A, log=lambda a: -_log(a)))
    elif name == "delta":
        # F.delta(A, Y) = A - Y; with the arguments swapped it gives the mistaken Y - A
        yield _Candidate("delta_sign", lambda c, A: F.delta(c.Y[None, :], A[None, :])[0])
    elif name == "dW" and square:
        # param_gradients(X, d) = d^T X; swapped, it gives x delta^T (features x classes)
        yield _Candidate("dW_transposed", lambda c, d: F.param_gradients(d[None, :], c.X)[0])
    elif name in ("b_new", "W_new"):
        param = "b" if name == "b_new" else "W"
        for mistake, lr in (
            ("update_sign", lambda lr: -lr),
            ("lr_missing", lambda lr: 1.0),
            ("lr_twice", lambda lr: lr * lr),
        ):
            yield _Candidate(
                mistake, lambda c, g, p=param, lr=lr: F.sgd_step(getattr(c, p), g, lr(c.lr))
            )


# --- tolerances ---


def _value(fn: Fn, c: _Context, args: list[Array]) -> Array | None:
    """``fn(c, *args)`` as a float array, or None where it is not finite (log of <= 0, 1/0)."""
    with np.errstate(all="ignore"):
        out = np.asarray(fn(c, *args), dtype=np.float64)
    return out if np.all(np.isfinite(out)) else None


def _propagated(fn: Fn, c: _Context, args: list[Array], errs: list[Array], base: Array) -> Array:
    """``P = sum_i max_+- |fn(args with entry i moved by +-err_i) - fn(args)|``, per output entry.

    The linearised worst case of how far the output can move when every input entry is off by
    up to its ``err``; a direction that leaves the function's domain (log of <= 0) is skipped.
    """
    P = np.zeros_like(base)
    for a, (arg, err) in enumerate(zip(args, errs, strict=True)):
        for idx in np.ndindex(arg.shape):
            e = float(err[idx])
            if e == 0.0:
                continue
            worst = None
            for sign in (1.0, -1.0):
                moved = arg.copy()
                moved[idx] += sign * e
                out = _value(fn, c, [*args[:a], moved, *args[a + 1 :]])
                if out is not None:
                    change = np.abs(out - base)
                    worst = change if worst is None else np.maximum(worst, change)
            if worst is not None:
                P += worst
    return P


def _tolerance(h: float, P: Array, value: Array, keeps_decimals: bool = False) -> Array:
    """``own + 1.05 P + 1e-9 (1 + |value|)``; ``own`` is ``h``, or 0 where a rule that keeps
    its inputs' decimals has inexact inputs (see the module docstring)."""
    own = np.where(P > 0, 0.0, h) if keeps_decimals else h
    return own + PROPAGATION_SLACK * P + FLOAT_SLACK * (1.0 + np.abs(value))


def _within(given: Array, expected: Array, tol: Array) -> NDArray[np.bool_]:
    return np.abs(given - expected) <= tol


# --- the result ---


@dataclass
class StepResult:
    """The verdict on one quantity.

    ``expected`` is the exact value; ``carried_expected`` the value that follows from the
    student's own earlier answers (None when nothing before was wrong, or it is undefined);
    ``entries`` the 0-based indices of the entries that are off (none for a scalar);
    ``params`` the details of a named mistake as its message shows them (``base`` of the
    logarithm; ``cls``, the class whose probability was used, counted from 1).
    """

    name: str
    status: str
    expected: Array
    given: Array | None
    tolerance: Array
    carried_expected: Array | None = None
    mistake: str | None = None
    params: dict[str, Any] = field(default_factory=dict)
    entries: list[tuple[int, ...]] = field(default_factory=list)
    reference: Array | None = None  # what the wrong entries were compared with

    def message(self, lang: str = "en", decimals: int = DEFAULT_DECIMALS) -> str:
        """One sentence on this quantity in ``lang``."""
        if self.status != "wrong":
            return t(f"exercise.check.msg.{self.status}", lang)
        where = entry_names(self.entries, lang)
        if self.mistake == "arithmetic_slip":
            ref = self.reference if self.reference is not None else self.expected
            idx = self.entries[0]
            return t(
                "exercise.mistake.arithmetic_slip",
                lang,
                entry=where,
                expected=_fmt(ref[idx], decimals),
                given=_as_written(self.given[idx]),  # type: ignore[index]
            )
        if self.mistake is not None:
            return t(f"exercise.mistake.{self.mistake}", lang, **self.params)
        if self.expected.ndim == 0:
            return t("exercise.check.msg.wrong_scalar", lang)
        return t("exercise.check.msg.wrong_entries", lang, entries=where)

    def to_json_data(self, lang: str = "en", decimals: int = DEFAULT_DECIMALS) -> dict[str, Any]:
        return {
            "name": self.name,
            "status": self.status,
            "expected": _plain(self.expected),
            "given": None if self.given is None else _plain(self.given),
            "mistake": self.mistake,
            "message": self.message(lang, decimals),
            "carried_expected": None
            if self.carried_expected is None
            else _plain(self.carried_expected),
            "tolerance": _plain(self.tolerance),
            "entries": [list(i) for i in self.entries],
            **({"details": dict(self.params)} if self.params else {}),
        }


@dataclass
class Report:
    """The verdict on a whole answer sheet."""

    problem: Problem
    decimals: int
    steps: list[StepResult]
    source: Path | None = None

    @property
    def given(self) -> list[StepResult]:
        return [s for s in self.steps if s.status != "missing"]

    @property
    def all_correct(self) -> bool:
        """Every given quantity is correct (none wrong, none merely carried)."""
        return all(s.status in ("correct", "missing") for s in self.steps)

    @property
    def first_wrong(self) -> str | None:
        """The first quantity, in the order of the computation, that is wrong."""
        return next((s.name for s in self.steps if s.status == "wrong"), None)

    @property
    def exit_code(self) -> int:
        """0 when every given quantity is correct, else 1."""
        return 0 if self.all_correct else 1

    def step(self, name: str) -> StepResult:
        return next(s for s in self.steps if s.name == name)

    def to_json_data(self, lang: str = "en") -> dict[str, Any]:
        return {
            "all_correct": self.all_correct,
            "first_wrong": self.first_wrong,
            "decimals": self.decimals,
            "steps": [s.to_json_data(lang, self.decimals) for s in self.steps],
        }


def _plain(value: Array) -> Any:
    return value.item() if value.ndim == 0 else value.tolist()


def _fmt(value: float, decimals: int) -> str:
    from handprop.render._common import fixed

    return fixed(float(value), decimals)


def _as_written(value: float) -> str:
    from handprop.render._common import compact

    return compact(float(value), 6)


def entry_names(entries: list[tuple[int, ...]], lang: str) -> str:
    """``entry 2`` / ``row 2, column 3`` (counted from 1, as on paper), joined by "; "."""
    names = []
    for idx in entries:
        if len(idx) == 1:
            names.append(t("exercise.check.entry", lang, i=idx[0] + 1))
        elif len(idx) == 2:
            names.append(t("exercise.check.cell", lang, i=idx[0] + 1, j=idx[1] + 1))
    return t("exercise.check.list_sep", lang).join(names)


# --- the marker ---


class Marker:
    """The exact values and tolerances of one problem at one rounding; :meth:`check` marks sheets.

    Parameters
    ----------
    problem : Problem
        At most ``MAX_SIDE`` classes and features (a problem computed by hand).
    decimals : int
        The rounding the student declared, ``MIN_DECIMALS..MAX_DECIMALS``.
    """

    def __init__(self, problem: Problem, decimals: int = DEFAULT_DECIMALS) -> None:
        self.problem = problem
        self.decimals = check_decimals(decimals, "check")
        check_size(problem, "check")
        self.c = _Context.of(problem)
        self.h = 0.5 * 10.0 ** (-self.decimals)
        self.exact: dict[str, Array] = {}
        self.exact_err: dict[str, Array] = {}
        self.exact_tol: dict[str, Array] = {}
        for rule in RULES:
            args = [self.exact[alts[0]] for alts in rule.inputs]
            errs = [self.exact_err[alts[0]] for alts in rule.inputs]
            value = _value(rule.fn, self.c, args)
            if value is None:  # only for a degenerate problem (A[y] underflows to 0)
                raise InputError(
                    "err.must",
                    where="check",
                    name=rule.name,
                    expected=Msg("exp.finite"),
                    got="inf",
                )
            P = _propagated(rule.fn, self.c, args, errs, value)
            self.exact[rule.name] = value
            self.exact_err[rule.name] = self._rounding(rule, value, P) + P
            self.exact_tol[rule.name] = _tolerance(self.h, P, value, rule.keeps_decimals)

    def _rounding(self, rule: _Rule, value: Array, P: Array) -> Array:
        """How far rounding to ``decimals`` may move a value known to +-P.

        ``h`` in general; nothing more for a rule that keeps the inputs' decimals (its inputs'
        errors already include their rounding, or the student did not round them and then
        rounds this result by at most ``h``, which those errors also cover); and exactly
        ``|round(v) - v|`` when the inputs are exact.
        """
        exact_rounding = np.abs(np.round(value, self.decimals) - value)
        if rule.keeps_decimals:
            return np.where(P > 0, 0.0, exact_rounding)
        return np.where(P > 0, self.h, exact_rounding)

    def check(self, answers: Mapping[str, Any]) -> Report:
        """Mark ``answers`` (quantity name -> array, number or None for blank).

        Values must already have the right shapes (see :func:`parse_answers`).
        """
        c, h = self.c, self.h
        given = {
            name: None if answers.get(name) is None else np.asarray(answers[name], np.float64)
            for name in QUANTITIES
        }
        star: dict[str, Array] = {}  # what the student worked with: given, else what follows
        star_err: dict[str, Array] = {}
        tainted: dict[str, bool] = {}  # something wrong before it (or in it)
        steps = []
        for rule in RULES:
            name = rule.name
            args, errs, taint = [], [], False
            for alts in rule.inputs:
                src = next((a for a in alts if given[a] is not None), alts[0])
                args.append(star[src])
                errs.append(star_err[src])
                taint = taint or tainted[src]
            exact, tol = self.exact[name], self.exact_tol[name]
            ref = _value(rule.fn, c, args)
            if ref is not None:
                P = _propagated(rule.fn, c, args, errs, ref)
                tol_c = _tolerance(h, P, ref, rule.keeps_decimals)
            g = given[name]
            carried = ref if (taint and ref is not None) else None
            if g is None:
                steps.append(StepResult(name, "missing", exact, None, tol, carried))
                if ref is None:
                    star[name], star_err[name] = exact, self.exact_err[name]
                else:
                    star[name], star_err[name] = ref, self._rounding(rule, ref, P) + P
                tainted[name] = taint
                continue
            star[name], star_err[name] = g, np.full(g.shape, h)
            if np.all(_within(g, exact, tol)):
                result = StepResult(name, "correct", exact, g, tol, carried)
            elif ref is not None and np.all(_within(g, ref, tol_c)):
                status = "carried" if taint else "correct"
                result = StepResult(name, status, exact, g, tol, carried)
            else:
                result = StepResult(name, "wrong", exact, g, tol, carried)
                self._diagnose(result, g, rule, args, errs, ref, tol_c if ref is not None else None)
            steps.append(result)
            tainted[name] = result.status in ("wrong", "carried")
        return Report(self.problem, self.decimals, steps)

    def _diagnose(
        self,
        result: StepResult,
        g: Array,
        rule: _Rule,
        args: list[Array],
        errs: list[Array],
        ref: Array | None,
        tol_c: Array | None,
    ) -> None:
        """Name the mistake behind the wrong value ``g``, or at least the entries that are off.

        ``args``/``errs`` are the student's inputs of the step and their errors; ``ref`` and
        ``tol_c`` the value that follows from them and its tolerance (None if undefined).
        """
        c = self.c
        exact, tol = result.expected, result.tolerance
        for cand in _candidates(rule.name, c):
            value = _value(cand.fn, c, args)
            if value is None or np.all(_within(value, exact, tol)):
                continue  # undefined here, or the same as the right answer for this problem
            P = _propagated(cand.fn, c, args, errs, value)
            if np.all(_within(g, value, _tolerance(self.h, P, value))):
                result.mistake, result.params = cand.mistake, dict(cand.params)
                result.reference = value
                result.entries = _off(g, exact, tol)
                return
        references = [(exact, tol)]
        if ref is not None and tol_c is not None:
            references.insert(0, (ref, tol_c))
        offs = [(_off(g, r, rt), r) for r, rt in references]
        if g.ndim > 0 and g.size > 1:
            for entries, r in offs:
                if len(entries) == 1:
                    result.mistake, result.entries, result.reference = "arithmetic_slip", entries, r
                    return
        entries, r = min(offs, key=lambda pair: len(pair[0]) or math.inf)
        result.entries, result.reference = entries, r


def _off(given: Array, expected: Array, tol: Array) -> list[tuple[int, ...]]:
    """The indices of the entries outside the tolerance."""
    bad = ~_within(given, expected, tol)
    return [tuple(int(i) for i in idx) for idx in np.argwhere(bad)] if bad.ndim else []


def check_answers(
    problem: Problem, answers: Mapping[str, Any], decimals: int = DEFAULT_DECIMALS
) -> Report:
    """Mark ``answers`` (name -> value, missing names blank) for ``problem``; see :class:`Marker`.

    Values are validated first (shapes, numbers), as in an answer file.
    """
    parsed = parse_answers(answers, problem, "answers")
    return Marker(problem, decimals).check(parsed)


# --- answer files ---


@dataclass
class AnswerSheet:
    """A loaded answer file: the problem, the given quantities (None when blank), the rounding."""

    problem: Problem
    answers: dict[str, Array | None]
    decimals: int = DEFAULT_DECIMALS
    source: Path | None = None

    def check(self) -> Report:
        # absurd answers (1e308) may overflow in the tolerance: they are marked wrong, quietly
        with np.errstate(over="ignore", invalid="ignore"):
            report = Marker(self.problem, self.decimals).check(self.answers)
        report.source = self.source
        return report


def check_file(path: str | os.PathLike[str]) -> Report:
    """Load the answer file at ``path`` and mark it."""
    return load_answers(path).check()


def load_answers(path: str | os.PathLike[str]) -> AnswerSheet:
    """Read and validate an answer file (TOML, or JSON for ``.json``).

    Raises the same one-line errors as problem files (:class:`InputError`,
    :class:`ShapeError`, :class:`FileFormatError`): unreadable file, bad syntax, unknown keys,
    no problem, quantities of the wrong shape or not numbers, decimals out of range.
    """
    path = Path(path)
    where = str(path)
    text = read_user_text(path, where, limit=MAX_FILE_BYTES)
    kind = "JSON" if path.suffix.lower() == ".json" else "TOML"
    data = parse_problem_text(text, where, kind)
    return answers_from_mapping(data, where, base=path.parent, source=path)


PROBLEM_KEYS = REQUIRED_KEYS + OPTIONAL_KEYS
ANSWER_KEYS = ("problem", "decimals", *QUANTITIES)


def answers_from_mapping(
    data: Any, where: str = "answers", base: Path | None = None, source: Path | None = None
) -> AnswerSheet:
    """Check a parsed answer file and load its problem (a path is relative to ``base``)."""
    if not isinstance(data, Mapping):
        raise FileFormatError("core.err.not_table", where=where, got=type(data).__name__)
    allowed = ANSWER_KEYS + PROBLEM_KEYS
    for key in data:
        if key not in allowed:
            raise InputError(
                "core.err.unknown_key", where=where, field=str(key), allowed=", ".join(allowed)
            )
    problem = _answer_problem(data, where, base)
    decimals = check_decimals(data.get("decimals", DEFAULT_DECIMALS), where)
    answers = parse_answers({k: data[k] for k in QUANTITIES if k in data}, problem, where)
    return AnswerSheet(problem, answers, decimals, source)


def _answer_problem(data: Mapping[str, Any], where: str, base: Path | None) -> Problem:
    inline = {k: data[k] for k in PROBLEM_KEYS if k in data}
    ref = data.get("problem")
    if ref is not None and inline:
        raise InputError("exercise.err.problem_twice", where=where, keys=", ".join(inline))
    if isinstance(ref, str):
        if not ref.strip():
            raise InputError("exercise.err.no_problem", where=where)
        path = Path(ref)
        if not path.is_absolute() and base is not None:
            path = base / path
        problem = load_problem(path)
    elif isinstance(ref, Mapping):
        problem = problem_from_mapping(ref, where=f"{where}: problem")
    elif ref is not None:
        raise InputError(
            "err.must",
            where=where,
            name="problem",
            expected=Msg("exercise.exp.problem"),
            got=describe(ref),
        )
    elif inline:
        problem = problem_from_mapping(inline, where=where)
    else:
        raise InputError("exercise.err.no_problem", where=where)
    check_size(problem, where)
    return problem


def check_decimals(value: Any, where: str) -> int:
    """The declared rounding: an integer in ``MIN_DECIMALS..MAX_DECIMALS``."""
    ok = isinstance(value, (int, np.integer)) and not isinstance(value, bool)
    if not ok or not MIN_DECIMALS <= value <= MAX_DECIMALS:
        raise InputError(
            "err.must",
            where=where,
            name="decimals",
            expected=Msg("exercise.exp.decimals", low=MIN_DECIMALS, high=MAX_DECIMALS),
            got=describe(value),
        )
    return int(value)


def check_size(problem: Problem, where: str) -> None:
    """Refuse problems bigger than ``MAX_SIDE`` x ``MAX_SIDE`` (no one works those by hand)."""
    K, D = problem.W.shape
    if K > MAX_SIDE or D > MAX_SIDE:
        raise ShapeError(
            "err.must",
            where=where,
            name="W",
            expected=Msg("exercise.exp.hand_size", side=MAX_SIDE),
            got=f"{K} x {D}",
        )


def quantity_shape(name: str, K: int, D: int) -> tuple[int, ...]:
    """The shape of a quantity for K classes and D features."""
    if name in SCALARS:
        return ()
    if name in MATRICES:
        return (K, D)
    return (K,)


def _is_blank(value: Any) -> bool:
    return value is None or (isinstance(value, (str, list)) and len(value) == 0)


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(
        value, (bool, np.bool_)
    )


def parse_answers(
    values: Mapping[str, Any], problem: Problem, where: str
) -> dict[str, Array | None]:
    """Each quantity as a float64 array of its shape, or None when blank (``""``, ``[]``).

    Raises a one-line InputError / ShapeError naming the quantity (and entry) that is wrong.
    """
    K, D = problem.W.shape
    out: dict[str, Array | None] = {}
    for name in QUANTITIES:
        value = values.get(name)
        if isinstance(value, np.ndarray):
            value = value.tolist()
        out[name] = (
            None if _is_blank(value) else _parse(value, name, quantity_shape(name, K, D), where)
        )
    for name in values:
        if name not in QUANTITIES:
            raise InputError(
                "core.err.unknown_key", where=where, field=str(name), allowed=", ".join(QUANTITIES)
            )
    return out


def _parse(value: Any, name: str, shape: tuple[int, ...], where: str) -> Array:
    if not shape:
        _number(value, name, where)
        return np.asarray(float(value))
    want = "(" + ", ".join(map(str, shape)) + ("," if len(shape) == 1 else "") + ")"
    if len(shape) == 1:
        _list(value, name, shape[0], want, where)
        for i, item in enumerate(value):
            _number(item, f"{name}[{i}]", where)
        return np.asarray(value, dtype=np.float64)
    _list(value, name, shape[0], want, where)
    for i, row in enumerate(value):
        _list(row, f"{name}[{i}]", shape[1], f"({shape[1]},)", where)
        for j, item in enumerate(row):
            _number(item, f"{name}[{i}][{j}]", where)
    return np.asarray(value, dtype=np.float64)


def _list(value: Any, name: str, n: int, want: str, where: str) -> None:
    if not isinstance(value, (list, tuple)) or len(value) != n:
        got = f"{len(value)} entries" if isinstance(value, (list, tuple)) else _got(value)
        raise ShapeError(
            "err.must", where=where, name=name, expected=Msg("exp.shape", shape=want), got=got
        )


def _number(value: Any, name: str, where: str) -> None:
    if not _is_number(value):
        raise InputError(
            "err.must", where=where, name=name, expected=Msg("exercise.exp.number"), got=_got(value)
        )
    try:
        number = float(value)
    except OverflowError:  # an integer with hundreds of digits
        raise InputError(
            "err.must",
            where=where,
            name=name,
            expected=Msg("input.exp.magnitude", limit=f"{np.finfo(np.float64).max:.4g}"),
            got=describe(value),
        ) from None
    if not math.isfinite(number):
        raise InputError(
            "err.must", where=where, name=name, expected=Msg("exp.finite"), got=repr(value)
        )


def _got(value: Any) -> str | Msg:
    return Msg("core.got.table") if isinstance(value, Mapping) else describe(value)


# --- the verdict in the terminal ---

_STATUS_STYLE = {
    "correct": ("✓", "bold green"),
    "wrong": ("✗", "bold red"),
    "carried": ("→", "yellow"),
    "missing": ("·", "dim"),
}


def _cell(
    value: Array | None, decimals: int | None, bad: list[tuple[int, ...]], whole: bool
) -> Any:
    """A value as rich Text, laid out as on paper: a vector as a column (one entry a line), a
    matrix row by row, the decimal points aligned.

    ``decimals`` None shows the numbers as written (with as many decimals as the longest, at
    most 6). The entries in ``bad`` (or the whole value, if ``whole``) are shown in red.
    """
    from rich.text import Text

    if value is None:
        return Text("—", style="dim")
    if decimals is None:
        with np.errstate(over="ignore", invalid="ignore"):  # round(1e306, 2) overflows: fine
            decimals = next(
                (k for k in range(7) if np.all(np.abs(np.round(value, k) - value) < 1e-9)), 6
            )
    if value.ndim == 0:
        return Text(_fmt(value, decimals), style="bold red" if whole else "")
    rows = value[:, None] if value.ndim == 1 else value
    cells = [[_fmt(v, decimals) for v in row] for row in rows]
    widths = [max(len(row[j]) for row in cells) for j in range(rows.shape[1])]
    bad_set = set(bad)
    text = Text()
    for i, row in enumerate(cells):
        if i:
            text.append("\n")
        for j, cell in enumerate(row):
            idx = (i,) if value.ndim == 1 else (i, j)
            text.append(("  " if j else "") + cell.rjust(widths[j]))
            if idx in bad_set:
                text.stylize("bold red", len(text) - len(cell), len(text))
    return text


def build_report_text(report: Report, lang: str = "en") -> Any:
    """The verdict as one rich renderable: a table of every quantity (status, the named mistake,
    expected and given values, the wrong entries in red), what went wrong, and the summary.

    The expected value of a blank quantity is not shown: it is not answered yet
    (``handprop exercise key`` shows the whole solution).
    """
    from rich import box
    from rich.console import Group
    from rich.table import Table
    from rich.text import Text

    d = report.decimals
    source = str(report.source) if report.source is not None else "answers"
    table = Table(
        title=t("exercise.check.title", lang, file=source, decimals=d),
        title_justify="left",
        title_style="bold",
        box=box.SIMPLE_HEAD,
        show_lines=True,
    )
    for key in ("quantity", "status", "expected", "given"):
        table.add_column(t(f"exercise.check.col.{key}", lang), overflow="fold")
    notes: list[Any] = []
    for s in report.steps:
        mark, style = _STATUS_STYLE[s.status]
        status = Text(f"{mark} {t(f'exercise.check.status.{s.status}', lang)}", style=style)
        wrong = s.status == "wrong"
        if wrong:
            status.append("\n" + mistake_label(s.mistake, lang), style="red")
            note = Text(f"{mark} {s.name}: ", style=style)
            note.append(s.message(lang, d))
            notes.append(note)
        expected = None if s.status == "missing" else s.expected
        table.add_row(
            Text(s.name, style="bold"),
            status,
            _cell(expected, d, [], whole=False),
            _cell(s.given, None, s.entries if wrong else [], whole=wrong),
        )
    carried = [s.name for s in report.steps if s.status == "carried"]
    if carried:
        mark, _ = _STATUS_STYLE["carried"]
        notes.append(Text(f"{mark} " + t("exercise.check.carried", lang, names=", ".join(carried))))
    counts = {status: sum(s.status == status for s in report.steps) for status in STATUSES}
    if not report.given:
        verdict = Text(t("exercise.check.nothing", lang), style="yellow")
    elif report.all_correct:
        verdict = Text(
            t("exercise.check.all_correct", lang, n=len(report.given)), style="bold green"
        )
    else:
        first = report.first_wrong
        label = mistake_label(report.step(first).mistake, lang) if first else ""
        verdict = Text(t("exercise.check.first_wrong", lang, name=first, what=label))
        verdict.stylize("bold red")
    summary = Text(t("exercise.check.counts", lang, **counts), style="dim")
    return Group(table, *notes, Text(""), verdict, summary)


def mistake_label(mistake: str | None, lang: str) -> str:
    """A short name of a mistake for tables ("wrong log base"); None: not a known mistake."""
    return t(f"exercise.label.{mistake or 'unknown'}", lang)


def render_report_text(report: Report, lang: str = "en", width: int = 120) -> str:
    """The terminal verdict as plain text, ``width`` columns wide."""
    import io

    from rich.console import Console

    console = Console(width=width, file=io.StringIO(), no_color=True, highlight=False)
    with console.capture() as capture:
        console.print(build_report_text(report, lang))
    return capture.get()
