"""Marking: the exact values of a step, their tolerances, and the verdict on given values.

The ten quantities of one step, in the order they are computed::

    Z = W x + b        exp_Z = exp(Z)     sum_exp = sum(exp_Z)    A = exp_Z / sum_exp
    loss = -ln A[y]    delta = A - Y      db = delta              dW = delta x^T
    b_new = b - lr db  W_new = W - lr dW

A mini-batch problem (:class:`~handprop.problem.BatchProblem`, N samples) has the same ten,
each through the same functional call: ``Z``, ``exp_Z``, ``A`` and ``delta`` are (N, K), one row
per sample, ``sum_exp`` is (N,), the loss is the mean ``-(1/N) sum_n ln A[n, y_n]``,
``delta = (A - Y) / N``, ``db = sum_n delta_n`` and ``dW = delta^T X``.

Every expected number comes from :mod:`handprop.functional`; a :class:`_Rule` only says which
function computes a quantity from which earlier quantities. Each given quantity is compared twice:

* with the **exact** value (the problem's numbers pushed through the rules), and
* with the value that follows from the student's **own** earlier answers ("carry-forward"):
  each rule applied to what the student wrote (or, for a blank, to what follows from what they
  wrote before it). A value that only matches this one is ``carried`` when something before it
  was wrong: the mistake is marked once, where it was made.

What a student following the sheet's rule writes
-------------------------------------------------
The sheet asks to round every result to ``d`` decimals (a 5 rounding away from zero) and to go on
with the rounded values. :func:`rounded_chain` (and ``Marker.rounded``) is what that gives:
each rule applied to the rounded values of the quantities before it, its result rounded. It
is the answer key (:func:`handprop.exercise.answer_key`) and the "expected" value the report
shows; within the tolerance of the exact value by construction of the tolerance below (a
test holds it to that).

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
``lr_missing``: ``lr = 1``; ``lr_twice``: ``lr**2``; for a mini-batch ``mean_missing``: the
1/N of the mean forgotten, in the loss (the sum of the samples' losses) or in ``delta`` (each
sample's ``delta`` as a batch of one, ``A - Y``)), with the same tolerance rule. Otherwise a
vector or matrix with exactly one entry off is an ``arithmetic_slip`` at that entry; anything
else is reported with the entries that are off and ``mistake = None``.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, TypeVar

import numpy as np
from numpy.typing import NDArray

from handprop import functional as F
from handprop.checker.report import DEFAULT_DECIMALS, Report, StepResult
from handprop.errors import InputError, ShapeError
from handprop.messages import Msg
from handprop.problem import AnyProblem
from handprop.render._common import round_half_up
from handprop.validation import describe

Array = NDArray[np.float64]
_F = TypeVar("_F", bound=np.floating)  # rows and unrows keep the dtype they are given

#: the quantities of one step, in the order they are computed
QUANTITIES = ("Z", "exp_Z", "sum_exp", "A", "loss", "delta", "db", "dW", "b_new", "W_new")
SCALARS = frozenset({"sum_exp", "loss"})
MATRICES = frozenset({"dW", "W_new"})
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
    "mean_missing",
    "arithmetic_slip",
)
MIN_DECIMALS, MAX_DECIMALS = 1, 6
#: largest number of classes or features of a problem checked by hand
MAX_SIDE = 10
#: second-order slack on the propagated part of a tolerance, and the float slack
PROPAGATION_SLACK = 1.05
FLOAT_SLACK = 1e-9


# --- the rules: which functional call computes each quantity from which earlier ones ---


@dataclass(frozen=True)
class _Context:
    """The problem as the rules use it: a batch of N samples (one for a :class:`Problem`, whose
    per-sample quantities are written as vectors: :meth:`rows` and :meth:`unrows` convert)."""

    X: Array  # (N, D)
    W: Array  # (K, D)
    b: Array  # (K,)
    y_idx: NDArray[np.intp]  # (N,)
    Y: NDArray[np.floating]  # (N, K) one-hot, float64
    lr: float
    single: bool

    def rows(self, value: NDArray[_F]) -> NDArray[_F]:
        """A per-sample quantity as written, as the batch the functional calls take."""
        return value[None] if self.single else value

    def unrows(self, value: NDArray[_F]) -> NDArray[_F]:
        """A per-sample quantity of the batch, as written."""
        return value[0] if self.single else value

    @property
    def K(self) -> int:
        return int(self.W.shape[0])

    @property
    def D(self) -> int:
        return int(self.W.shape[1])

    @classmethod
    def of(cls, problem: AnyProblem) -> _Context:
        K = problem.W.shape[0]
        y_idx = np.atleast_1d(np.asarray(problem.y, dtype=np.intp))
        return cls(
            X=np.atleast_2d(np.asarray(problem.X, dtype=np.float64)),
            W=np.asarray(problem.W, dtype=np.float64),
            b=np.asarray(problem.b, dtype=np.float64),
            y_idx=y_idx,
            Y=F.one_hot(y_idx, K),
            lr=float(problem.lr),
            single=problem.num_samples == 1,
        )


Fn = Callable[..., Any]


def _log(A: Array, base: float | None = None) -> Array:
    """``log(A)`` (or in another base) without warnings; entries <= 0 give -inf / nan."""
    with np.errstate(divide="ignore", invalid="ignore"):
        logs = np.log(A)
        return logs if base is None else logs / math.log(base)


def _z(c: _Context) -> Any:
    return c.unrows(F.linear(c.X, c.W, c.b))  # (N, K)


def _exp_z(c: _Context, Z: Array) -> Any:
    return c.unrows(F.softmax_parts(c.rows(Z))[0])  # (N, K)


def _sum_exp(c: _Context, exp_Z: Array) -> Any:
    return exp_Z.sum(axis=-1)  # (N,): the sums as written (softmax_parts' second stage)


def _probs(c: _Context, exp_Z: Array, sum_exp: Array) -> Any:
    return F.normalize(exp_Z, sum_exp)  # (N, K)


def _loss(c: _Context, A: Array, log: Callable[[Array], Array] = _log, target: Any = None) -> float:
    return F.nll_loss(log(c.rows(A)), c.y_idx if target is None else target)


def _delta(c: _Context, A: Array) -> Any:
    return c.unrows(F.delta(c.rows(A), c.y_idx))  # (N, K)


def _db(c: _Context, d: Array) -> Any:
    return F.param_gradients(c.X, c.rows(d))[1]  # (K,)


def _dW(c: _Context, d: Array) -> Any:
    return F.param_gradients(c.X, c.rows(d))[0]  # (K, D)


def _each_sample(fn: Callable[[Array, NDArray[np.intp]], Any], A: Array, y: Any) -> list[Any]:
    """``fn`` on every sample as a batch of one (the mean over one sample is no mean)."""
    return [fn(A[n : n + 1], y[n : n + 1]) for n in range(A.shape[0])]


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
        for n, y in enumerate(c.y_idx):
            for k in range(c.K):
                if k != y:
                    target = c.y_idx.copy()
                    target[n] = k
                    where = {"cls": k + 1} | ({} if c.single else {"n": n + 1})
                    yield _Candidate(
                        "loss_wrong_class", lambda c, A, t=target: _loss(c, A, target=t), where
                    )
        yield _Candidate("loss_sign", lambda c, A: _loss(c, A, log=lambda a: -_log(a)))
        if not c.single:  # the sum of the samples' losses, not their mean
            yield _Candidate(
                "mean_missing",
                lambda c, A: sum(_each_sample(lambda a, y: F.nll_loss(_log(a), y), A, c.y_idx)),
            )
    elif name == "delta":
        # F.delta(A, Y) = A - Y; with the arguments swapped it gives the mistaken Y - A
        yield _Candidate("delta_sign", lambda c, A: c.unrows(F.delta(c.Y, c.rows(A))))
        if not c.single:  # A - Y: each sample's delta as a batch of one, without the 1/N
            yield _Candidate(
                "mean_missing", lambda c, A: np.vstack(_each_sample(F.delta, A, c.y_idx))
            )
    elif name == "dW" and square:
        # param_gradients(X, d) = d^T X; swapped, it gives X^T delta (features x classes)
        yield _Candidate("dW_transposed", lambda c, d: F.param_gradients(c.rows(d), c.X)[0])
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


def round_as_taught(values: Array, decimals: int) -> Array:
    """``values`` rounded to ``decimals`` as the sheet asks: a 5 rounds away from zero."""
    return np.vectorize(lambda v: round_half_up(v, decimals), otypes=[np.float64])(values)


# --- the marker ---


def rounded_chain(
    problem: AnyProblem, decimals: int = DEFAULT_DECIMALS
) -> tuple[dict[str, Array], dict[str, Array]]:
    """``(exact, rounded)``: every quantity of ``problem`` exactly, and as the sheet's rule
    gives it (each rule on the rounded values before it, rounded to ``decimals``).

    What an answer key needs, without the tolerances that :class:`Marker` also works out.
    """
    check_size(problem, "check")
    return _chains(_Context.of(problem), check_decimals(decimals, "check"))


def _chains(c: _Context, decimals: int) -> tuple[dict[str, Array], dict[str, Array]]:
    exact: dict[str, Array] = {}
    rounded: dict[str, Array] = {}
    for rule in RULES:
        value = _value(rule.fn, c, [exact[alts[0]] for alts in rule.inputs])
        if value is None:  # only for a degenerate problem (A[y] underflows to 0)
            raise InputError(
                "err.must", where="check", name=rule.name, expected=Msg("exp.finite"), got="inf"
            )
        exact[rule.name] = value
        by_rule = _value(rule.fn, c, [rounded[alts[0]] for alts in rule.inputs])
        # a probability rounded to 0 has no logarithm: the rule goes on from the exact value
        by_rule = value if by_rule is None else by_rule
        rounded[rule.name] = round_as_taught(by_rule, decimals)
    return exact, rounded


class Marker:
    """The exact values and tolerances of one problem at one rounding; :meth:`check` marks sheets.

    Parameters
    ----------
    problem : Problem
        At most ``MAX_SIDE`` classes and features (a problem computed by hand).
    decimals : int
        The rounding the student declared, ``MIN_DECIMALS..MAX_DECIMALS``.
    """

    def __init__(self, problem: AnyProblem, decimals: int = DEFAULT_DECIMALS) -> None:
        self.problem = problem
        self.decimals = check_decimals(decimals, "check")
        check_size(problem, "check")
        self.c = _Context.of(problem)
        self.h = 0.5 * 10.0 ** (-self.decimals)
        self.exact, self.rounded = _chains(self.c, self.decimals)
        self.exact_err: dict[str, Array] = {}
        self.exact_tol: dict[str, Array] = {}
        for rule in RULES:
            args = [self.exact[alts[0]] for alts in rule.inputs]
            errs = [self.exact_err[alts[0]] for alts in rule.inputs]
            value = self.exact[rule.name]
            P = _propagated(rule.fn, self.c, args, errs, value)
            self.exact_err[rule.name] = self._rounding(rule, value, P) + P
            self.exact_tol[rule.name] = _tolerance(self.h, P, value, self._keeps(rule))

    def _keeps(self, rule: _Rule) -> bool:
        """Whether ``rule`` keeps its inputs' decimals here: a mini-batch's delta divides by N
        (0.311 / 2 = 0.1555), so it is rounded anew."""
        return rule.keeps_decimals and (self.c.single or rule.name != "delta")

    def _rounding(self, rule: _Rule, value: Array, P: Array) -> Array:
        """How far rounding to ``decimals`` may move a value known to +-P.

        ``h`` in general; nothing more for a rule that keeps the inputs' decimals (its inputs'
        errors already include their rounding, or the student did not round them and then
        rounds this result by at most ``h``, which those errors also cover); and exactly
        ``|round(v) - v|`` when the inputs are exact.
        """
        exact_rounding = np.abs(np.round(value, self.decimals) - value)
        if self._keeps(rule):
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
            exact, tol, rounded = self.exact[name], self.exact_tol[name], self.rounded[name]
            ref = _value(rule.fn, c, args)
            if ref is not None:
                P = _propagated(rule.fn, c, args, errs, ref)
                tol_c = _tolerance(h, P, ref, self._keeps(rule))
            g = given[name]
            carried = ref if (taint and ref is not None) else None
            if g is None:
                steps.append(StepResult(name, "missing", exact, None, tol, rounded, carried))
                if ref is None:
                    star[name], star_err[name] = exact, self.exact_err[name]
                else:
                    star[name], star_err[name] = ref, self._rounding(rule, ref, P) + P
                tainted[name] = taint
                continue
            star[name], star_err[name] = g, np.full(g.shape, h)
            if np.all(_within(g, exact, tol)):
                result = StepResult(name, "correct", exact, g, tol, rounded, carried)
            elif ref is not None and np.all(_within(g, ref, tol_c)):
                status = "carried" if taint else "correct"
                result = StepResult(name, status, exact, g, tol, rounded, carried)
            else:
                result = StepResult(name, "wrong", exact, g, tol, rounded, carried)
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
        # the exact value is named as the sheet's rule gives it; a carried one as rounded
        rounded = result.rounded
        references = [(exact, tol, rounded)]
        if ref is not None and tol_c is not None:
            references.insert(0, (ref, tol_c, round_as_taught(ref, self.decimals)))
        offs = [(_off(g, r, rt), shown) for r, rt, shown in references]
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


def check_size(problem: AnyProblem, where: str) -> None:
    """Refuse problems bigger than ``MAX_SIDE`` classes, features or samples (no one works those
    by hand)."""
    K, D = problem.W.shape
    if K > MAX_SIDE or D > MAX_SIDE:
        raise ShapeError(
            "err.must",
            where=where,
            name="W",
            expected=Msg("exercise.exp.hand_size", side=MAX_SIDE),
            got=f"{K} x {D}",
        )
    if problem.num_samples > MAX_SIDE:
        raise ShapeError(
            "err.must",
            where=where,
            name="X",
            expected=Msg("exercise.exp.hand_samples", side=MAX_SIDE),
            got=f"{problem.num_samples} x {D}",
        )


#: the quantities with one row per sample in a mini-batch (the others are the parameters')
PER_SAMPLE = frozenset({"Z", "exp_Z", "A", "delta"})


def quantity_shape(name: str, K: int, D: int, N: int = 1) -> tuple[int, ...]:
    """The shape of a quantity for K classes, D features and N samples (one: vectors)."""
    if N > 1 and name in PER_SAMPLE:
        return (N, K)
    if N > 1 and name == "sum_exp":
        return (N,)
    if name in SCALARS:
        return ()
    if name in MATRICES:
        return (K, D)
    return (K,)
