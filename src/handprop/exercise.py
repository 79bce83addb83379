"""Softmax exercises to work by hand: a generated problem, its sheet, and a blank answer sheet.

:func:`generate_problem` draws a problem that is pleasant to compute with pen and paper:
inputs ``x`` in 0.1..0.9 and weights ``W`` in -0.9..0.9 (one decimal), a bias in -0.5..0.5,
a learning rate of 0.1 or 0.5, and logits kept in ``[-2, 2]`` with a spread of at most 2.5 and
the largest >= 0, so every ``e^z`` lies between 0.14 and 7.4, their sum is at least 1 (rounded
exponentials barely move the probabilities) and no probability is below about 0.016. The model's
first guess (the largest logit, at least 0.1 ahead of the next) is wrong with a chosen
probability, so the update has something to correct. The same seed always gives the same
problem (``numpy.random.default_rng(seed)``, draws in a fixed order).

The problem sheet (terminal, Markdown or JSON) states the given numbers, the ten quantities to
compute and the rounding rule; :func:`answer_template` is the TOML answer sheet that
``handprop check`` reads (see :mod:`handprop.checker`). :func:`answer_key` is the worked
solution as the sheet's rule gives it (each result rounded, the next worked from the rounded
values), shown by :func:`render_key` with the renderers of ``handprop step``.

The sheet, the key and the checker share one notation: the math of the trace (``Z``, ``A``,
``Y``, ``δ``, ``η``, entries counted from 1) and, for the answers, the answer sheet's names
(:data:`~handprop.checker.QUANTITIES`), which head the parts of the key.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, Literal, overload

import numpy as np

from handprop import functional as F
from handprop.checker import (
    DEFAULT_DECIMALS,
    QUANTITIES,
    check_decimals,
    check_size,
    quantity_shape,
    rounded_chain,
)
from handprop.errors import InputError
from handprop.messages import CATALOGUE, Msg, t
from handprop.problem import AnyProblem, BatchProblem, Problem
from handprop.validation import describe, positive_float

if TYPE_CHECKING:
    from handprop.tracing import BatchRecord, Steps

#: allowed numbers of classes and of features
MIN_SIDE, MAX_SIDE = 2, 5
#: the learning rates drawn when none is given
LR_CHOICES = (0.1, 0.5)
#: the value grids, in tenths: x in 0.1..0.9, W in -0.9..0.9, b in -0.5..0.5
X_TENTHS = (1, 9)
W_TENTHS = (-9, 9)
B_TENTHS = (-5, 5)
#: every logit within +-LOGIT_BOUND, so e^z is in [e^-2, e^2] = [0.14, 7.39]
LOGIT_BOUND = 2.0
#: largest logit minus smallest, so no probability is tiny (>= e^-2.5 / K)
LOGIT_SPREAD = 2.5
#: the first guess leads the second-largest logit by at least this much
GUESS_MARGIN = 0.1
#: the largest logit is at least this, so sum(e^z) >= 1 and rounding e^z barely moves A
MIN_TOP_LOGIT = 0.0
#: draws tried before giving up (a 5 x 5 problem is accepted within a few dozen)
MAX_DRAWS = 10_000
#: largest mini-batch of an exercise, and the samples tried per sample wanted for one W, b
MAX_SAMPLES = 4
SAMPLE_TRIES = 25


@overload
def generate_problem(
    seed: int,
    classes: int = ...,
    features: int = ...,
    lr: float | None = ...,
    wrong_first_guess: float = ...,
    class_names: Sequence[str] | None = ...,
    samples: Literal[1] = ...,
) -> Problem: ...
@overload
def generate_problem(
    seed: int,
    classes: int = ...,
    features: int = ...,
    lr: float | None = ...,
    wrong_first_guess: float = ...,
    class_names: Sequence[str] | None = ...,
    samples: int = ...,
) -> AnyProblem: ...


def generate_problem(
    seed: int,
    classes: int = 3,
    features: int = 3,
    lr: float | None = None,
    wrong_first_guess: float = 0.75,
    class_names: Sequence[str] | None = None,
    samples: int = 1,
) -> AnyProblem:
    """A new softmax problem, pleasant to compute by hand (see the module docstring).

    Parameters
    ----------
    seed : int >= 0
        The same seed (and sizes) always gives the same problem.
    classes, features : int in 2..5
        ``K`` and ``D``: ``W`` has shape (K, D).
    lr : float > 0, optional
        The learning rate; drawn from ``LR_CHOICES`` when None. Giving it does not change the
        other numbers drawn for this seed.
    wrong_first_guess : float in [0, 1]
        Probability that the true class is *not* the model's first guess.
    class_names : K names, optional
    samples : int in 1..4
        ``N``: with 2 or more, a mini-batch problem (the mean loss) of N samples that share
        ``W`` and ``b``, each pleasant and each with its own true class.

    Returns
    -------
    Problem with ``X (D,)``, ``W (K, D)``, ``b (K,)`` of one decimal each, ``y``, ``lr``; for
    ``samples >= 2`` a BatchProblem with ``X (N, D)`` and ``y (N,)``.
    """
    where = "exercise"
    K = _side(classes, "classes", where)
    D = _side(features, "features", where)
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise InputError(
            "err.must",
            where=where,
            name="seed",
            expected=Msg("exercise.exp.seed"),
            got=describe(seed),
        )
    p_wrong = _probability(wrong_first_guess, "wrong_first_guess", where)
    N = _count(samples, "samples", where, MAX_SAMPLES)
    rng = np.random.default_rng(int(seed))
    drawn_lr = float(LR_CHOICES[int(rng.integers(len(LR_CHOICES)))])
    lr = drawn_lr if lr is None else positive_float(lr, "lr", where)
    names = list(class_names) if class_names is not None else None
    if N > 1:
        return _batch(rng, K, D, N, lr, p_wrong, names)
    for _ in range(MAX_DRAWS):
        x = rng.integers(X_TENTHS[0], X_TENTHS[1] + 1, size=D) / 10
        W = rng.integers(W_TENTHS[0], W_TENTHS[1] + 1, size=(K, D)) / 10
        b = rng.integers(B_TENTHS[0], B_TENTHS[1] + 1, size=K) / 10
        z = F.linear(x[None, :], W, b)[0]  # (K,)
        if pleasant_logits(z):
            break
    else:  # pragma: no cover - the acceptance rate is far above 1 / MAX_DRAWS for every size
        raise RuntimeError("no pleasant problem found")
    return Problem(x, W, b, _true_class(rng, z, p_wrong), lr, names)


def _true_class(rng: np.random.Generator, z: np.ndarray, p_wrong: float) -> int:
    """The first guess ``argmax z`` with probability ``1 - p_wrong``, else another class."""
    guess, K = int(np.argmax(z)), len(z)
    if rng.random() < p_wrong:
        others = [k for k in range(K) if k != guess]
        return others[int(rng.integers(K - 1))]
    return guess


def _batch(
    rng: np.random.Generator, K: int, D: int, N: int, lr: float, p_wrong: float, names: Any
) -> BatchProblem:
    """N pleasant samples sharing one W and b: the parameters are drawn, then each sample (a
    few tries each, else new parameters)."""
    for _ in range(MAX_DRAWS):
        W = rng.integers(W_TENTHS[0], W_TENTHS[1] + 1, size=(K, D)) / 10
        b = rng.integers(B_TENTHS[0], B_TENTHS[1] + 1, size=K) / 10
        rows: list[np.ndarray] = []
        for _ in range(N * SAMPLE_TRIES):
            x = rng.integers(X_TENTHS[0], X_TENTHS[1] + 1, size=D) / 10
            if pleasant_logits(F.linear(x[None, :], W, b)[0]):
                rows.append(x)
                if len(rows) == N:
                    X = np.stack(rows)
                    Z = F.linear(X, W, b)  # (N, K)
                    y = np.array([_true_class(rng, z, p_wrong) for z in Z])
                    return BatchProblem(X, W, b, y, lr, names)
    raise RuntimeError("no pleasant problem found")  # pragma: no cover - see MAX_DRAWS


def pleasant_logits(z: np.ndarray) -> bool:
    """Logits in ``[-LOGIT_BOUND, LOGIT_BOUND]``, spread <= ``LOGIT_SPREAD``, a clear first
    guess, and the largest >= ``MIN_TOP_LOGIT``."""
    top = np.sort(z)[::-1]
    return bool(
        np.all(np.abs(z) <= LOGIT_BOUND + 1e-12)
        and top[0] >= MIN_TOP_LOGIT - 1e-12
        and top[0] - top[-1] <= LOGIT_SPREAD + 1e-12
        and top[0] - top[1] >= GUESS_MARGIN - 1e-12
    )


def _side(value: Any, name: str, where: str) -> int:
    return _count(value, name, where, MAX_SIDE, MIN_SIDE)


def _count(value: Any, name: str, where: str, high: int, low: int = 1) -> int:
    ok = isinstance(value, (int, np.integer)) and not isinstance(value, bool)
    if not ok or not low <= value <= high:
        raise InputError(
            "err.must",
            where=where,
            name=name,
            expected=Msg("exp.range", low=low, high=high),
            got=describe(value),
        )
    return int(value)


def _probability(value: Any, name: str, where: str) -> float:
    try:
        p = float(value)
    except (TypeError, ValueError):
        p = float("nan")
    if isinstance(value, bool) or not 0.0 <= p <= 1.0:
        raise InputError(
            "err.must",
            where=where,
            name=name,
            expected=Msg("exp.range", low=0, high=1),
            got=describe(value),
        )
    return p


# --- what the sheets share ---


def given_decimals(problem: AnyProblem, limit: int = 6) -> int:
    """The fewest decimals (at least 1) that show every given number of ``problem`` exactly."""
    values = np.concatenate([problem.X.ravel(), problem.W.ravel(), problem.b.ravel()])
    for d in range(1, limit + 1):
        if np.allclose(np.round(values, d), values, rtol=0, atol=1e-12):
            return d
    return limit


def class_name(problem: AnyProblem, k: int, lang: str) -> str:
    """The name of class ``k`` (0-based): its given name, else "class k+1"."""
    if problem.classes is not None:
        return problem.classes[k]
    return t("exercise.sheet.class_n", lang, n=k + 1)


def shape_text(name: str, K: int, D: int, lang: str, N: int = 1) -> str:
    """ "3 numbers", "3 rows of 2 numbers", "one number"."""
    shape = quantity_shape(name, K, D, N)
    if not shape:
        return t("exercise.shape.scalar", lang)
    if len(shape) == 1:
        return t("exercise.shape.vector", lang, K=shape[0])
    return t("exercise.shape.matrix", lang, K=shape[0], D=shape[1])


def quantity_text(name: str, problem: AnyProblem, lang: str) -> str:
    """What the sheet asks for under ``name`` (the loss names the true class's probability);
    a mini-batch's per-sample quantities, its loss and its gradients in their own words."""
    if problem.num_samples > 1 and f"exercise.qn.{name}" in CATALOGUE:
        return t(f"exercise.qn.{name}", lang, N=problem.num_samples)
    return t(f"exercise.q.{name}", lang, **({"k": problem.y + 1} if name == "loss" else {}))


def _onehot(problem: AnyProblem) -> np.ndarray:
    """Y: (K,) for one sample, (N, K) for a mini-batch."""
    Y = F.one_hot(np.atleast_1d(problem.y), problem.num_classes)
    return Y if problem.num_samples > 1 else Y[0]


def _lr_text(lr: float) -> str:
    return f"{lr:g}"


def _header_params(problem: Problem, lang: str) -> dict[str, Any]:
    return {
        "K": problem.num_classes,
        "D": problem.num_features,
        "y": problem.y,
        "n": problem.y + 1,
        "cls": class_name(problem, problem.y, lang),
        "lr": _lr_text(problem.lr),
    }


# --- the sheet: one document, rendered for the terminal, as Markdown and as a PDF ---


def sheet_document(
    problem: AnyProblem,
    lang: str = "en",
    decimals: int = DEFAULT_DECIMALS,
    answers_file: str | None = None,
    seed: int | None = None,
) -> Any:
    """The problem sheet as a document (:mod:`handprop.render.document`): the given numbers,
    the ten quantities to compute in order, the rounding rule and where to answer."""
    from handprop.render import document as D

    decimals = check_decimals(decimals, "exercise")
    d, batch = given_decimals(problem), problem.num_samples > 1
    x = ("X =", "X = ") if batch else ("x =", "x = ")
    given = (
        D.Word(*x), D.Mat(problem.X, d), D.Word("  W =", r", \quad W = "), D.Mat(problem.W, d),
        D.Word("  b =", r", \quad b = "), D.Mat(problem.b, d),
        D.Word("  Y =", r", \quad Y = "), D.Mat(_onehot(problem), 0),
    )  # fmt: skip
    label = _label_note(problem, lang)
    rate = D.Note("exercise.sheet.lr", {"lr": _lr_text(problem.lr)})
    tasks = tuple((name, quantity_text(name, problem, lang)) for name in QUANTITIES)
    rule = D.Note("exercise.sheet.rounding", {"decimals": decimals})

    def section(kind: str, id: str, heading: str, *items: Any) -> Any:
        return D.Section(kind, id, Msg(heading), items=list(items))

    sections = [
        section("title", "title", "exercise.sheet.title", _intro(problem, seed)),
        section("setup", "given", "exercise.sheet.given", D.Equation(given),
                D.NoteGroup((label, rate))),
        section("setup", "task", "exercise.sheet.task", D.Numbered(tasks)),
        section("setup", "rounding", "exercise.sheet.rounding_title", rule),
    ]  # fmt: skip
    if answers_file is not None:
        answer = D.Note("exercise.sheet.answer_here", {"file": answers_file}, "action")
        sections.append(section("end", "answer", "exercise.sheet.answer_here", answer))
    return D.Document(sections, [class_name(problem, k, lang) for k in range(problem.num_classes)],
                      None, lang)  # fmt: skip


def _label_note(problem: AnyProblem, lang: str) -> Any:
    """Which class each sample belongs to, and so where Y has its 1s."""
    from handprop.render.document import Note

    if isinstance(problem, Problem):
        return Note("exercise.sheet.label", _header_params(problem, lang))
    return Note("exercise.sheet.label_batch", _sample_classes(problem, lang))


def _intro(problem: AnyProblem, seed: int | None) -> Any:
    """The sheet's first sentence, with the seed when it is known."""
    from handprop.render.document import Note

    K, D, N = problem.num_classes, problem.num_features, problem.num_samples
    key = "exercise.sheet.intro" if N == 1 else "exercise.sheet.intro_batch"
    params: dict[str, Any] = {"K": K, "D": D, "N": N} if N > 1 else {"K": K, "D": D}
    if seed is None:
        return Note(key, params)
    return Note(
        "exercise.sheet.with_seed",
        {"intro": Msg(key, **params), "seed": Msg("exercise.sheet.seed", seed=seed)},
    )


def build_sheet_text(
    problem: AnyProblem,
    lang: str = "en",
    decimals: int = DEFAULT_DECIMALS,
    answers_file: str | None = None,
    seed: int | None = None,
) -> Any:
    """The problem sheet as one rich renderable (print it with ``console.print``)."""
    from handprop.render.text import build_document

    return build_document(sheet_document(problem, lang, decimals, answers_file, seed))


def render_sheet_text(
    problem: AnyProblem,
    lang: str = "en",
    decimals: int = DEFAULT_DECIMALS,
    answers_file: str | None = None,
    seed: int | None = None,
    width: int = 100,
) -> str:
    """The terminal sheet as plain text, ``width`` columns wide."""
    from handprop.render.text import write_text

    return write_text(sheet_document(problem, lang, decimals, answers_file, seed), width)


def render_sheet_markdown(
    problem: AnyProblem,
    lang: str = "en",
    decimals: int = DEFAULT_DECIMALS,
    answers_file: str | None = None,
    seed: int | None = None,
) -> str:
    """The problem sheet as Markdown with LaTeX formulas (``$$ … $$``)."""
    from handprop.render.markdown import write_markdown

    return write_markdown(sheet_document(problem, lang, decimals, answers_file, seed))


# --- the JSON sheet ---


def sheet_json_data(
    problem: AnyProblem,
    lang: str = "en",
    decimals: int = DEFAULT_DECIMALS,
    answers_file: str | None = None,
    seed: int | None = None,
) -> dict[str, Any]:
    """The sheet as plain data: the problem, the quantities to compute (a mini-batch's
    per-sample ones with a row per sample) and the rounding rule."""
    decimals = check_decimals(decimals, "exercise")
    K, D, N = problem.num_classes, problem.num_features, problem.num_samples
    intro = "exercise.sheet.intro" if N == 1 else "exercise.sheet.intro_batch"
    return {
        "task": t(intro, lang, K=K, D=D, N=N),
        "seed": seed,
        "problem": problem.to_dict(),
        "decimals": decimals,
        "rounding": t("exercise.sheet.rounding", lang, decimals=decimals),
        "quantities": [
            {
                "name": name,
                "shape": list(quantity_shape(name, K, D, N)),
                "description": quantity_text(name, problem, lang),
            }
            for name in QUANTITIES
        ],
        "answers_file": answers_file,
    }


def render_sheet(
    problem: AnyProblem,
    fmt: str = "text",
    lang: str = "en",
    decimals: int = DEFAULT_DECIMALS,
    answers_file: str | None = None,
    seed: int | None = None,
) -> str:
    """The problem sheet as a string in ``fmt`` ("text", "markdown" or "json")."""
    if fmt == "markdown":
        return render_sheet_markdown(problem, lang, decimals, answers_file, seed)
    if fmt == "json":
        data = sheet_json_data(problem, lang, decimals, answers_file, seed)
        return json.dumps(data, indent=2, ensure_ascii=False) + "\n"
    if fmt == "text":
        return render_sheet_text(problem, lang, decimals, answers_file, seed)
    raise InputError("err.choice", name="format", choices="text, markdown, json", got=repr(fmt))


# --- the answer sheet ---


def answer_template(
    problem: AnyProblem,
    lang: str = "en",
    problem_file: str = "problem.toml",
    decimals: int = DEFAULT_DECIMALS,
    answers_file: str = "problem.answers.toml",
) -> str:
    """A blank TOML answer sheet: every quantity present but empty (``[]`` or ``""``).

    Blank quantities are reported as missing by ``handprop check``, so the sheet can be
    checked while it is being filled in. Comments say what each quantity is and its shape.
    """
    decimals = check_decimals(decimals, "exercise")
    K, D, N = problem.num_classes, problem.num_features, problem.num_samples
    lines = [
        _comment(_template_title(problem, lang)),
        _comment(t("exercise.template.fill", lang)),
        _comment(t("exercise.template.run", lang, file=answers_file)),
        "",
        _comment(t("exercise.template.problem", lang)),
        f"problem = {json.dumps(problem_file, ensure_ascii=False)}",
        _comment(t("exercise.template.decimals", lang)),
        f"decimals = {decimals}",
    ]
    for name in QUANTITIES:
        blank = '""' if not quantity_shape(name, K, D, N) else "[]"
        lines += [
            "",
            _comment(f"{name}: {quantity_text(name, problem, lang)}"),
            _comment(shape_text(name, K, D, lang, N)),
            f"{name} = {blank}",
        ]
    return "\n".join(lines) + "\n"


def _template_title(problem: AnyProblem, lang: str) -> str:
    """The answer sheet's first line: the sizes, the class of the sample (of each sample of a
    mini-batch) and the step size."""
    if isinstance(problem, Problem):
        return t("exercise.template.title", lang, **_header_params(problem, lang))
    return t("exercise.template.title_batch", lang, K=problem.num_classes,
             D=problem.num_features, N=problem.num_samples, lr=_lr_text(problem.lr),
             **_sample_classes(problem, lang))  # fmt: skip


def _sample_classes(problem: AnyProblem, lang: str) -> dict[str, str]:
    """``each``: "sample 1: class 2, sample 2: class 1"; ``ys``: the 0-based labels."""
    labels = [int(y) for y in np.atleast_1d(problem.y)]
    sep = t("core.list_sep", lang)
    each = sep.join(
        t("exercise.sheet.sample_class", lang, n=n + 1, cls=class_name(problem, y, lang))
        for n, y in enumerate(labels)
    )
    return {"each": each, "ys": "[" + ", ".join(map(str, labels)) + "]"}


def _comment(text: str) -> str:
    return "\n".join(f"# {line}" for line in text.splitlines())


# --- the answer key ---


def answer_key(problem: AnyProblem, decimals: int = DEFAULT_DECIMALS) -> Steps[Any]:
    """The worked solution of ``problem`` as the sheet's rounding rule gives it.

    Each of the ten quantities is from :func:`handprop.checker.rounded_chain`: worked out from the
    rounded values of the ones before it, then rounded to ``decimals`` (a 5 away from zero), so
    a student who follows the rule matches it line by line and the checker marks it correct.
    The state after the update (``logits_after``, ``probabilities_after``, ``loss_after``) is
    the next step's ``Z``, ``A`` and ``loss`` under the same rule.

    Returns
    -------
    Trace of one record whose shown quantities are those values; the ones a key does not show
    (the Jacobian, the long way, the numerical gradients) keep full precision. A mini-batch's
    key is one :class:`~handprop.tracing.BatchRecord` of those values.
    """
    decimals = check_decimals(decimals, "exercise key")
    check_size(problem, "exercise key")
    v = rounded_chain(problem, decimals)[1]
    if isinstance(problem, BatchProblem):
        return _batch_key(problem, v)
    full = problem.trace(steps=1)
    moved = dataclasses.replace(problem, W=v["W_new"], b=v["b_new"], source=None)
    after_exact, after_rounded = rounded_chain(moved, decimals)
    record = dataclasses.replace(
        full.first,
        logits=v["Z"], exp_logits=v["exp_Z"], sum_exp=float(v["sum_exp"]),
        probabilities=v["A"], loss=float(v["loss"]), delta=v["delta"], grad_b=v["db"],
        grad_W=v["dW"], b_new=v["b_new"], W_new=v["W_new"],
        logits_after=after_rounded["Z"], probabilities_after=after_rounded["A"],
        loss_after=float(after_rounded["loss"]),
        predicted_after=int(np.argmax(after_exact["A"])),
    )  # fmt: skip
    return type(full)([record], full.classes, dict(full.meta))


def _batch_key(problem: BatchProblem, v: dict[str, np.ndarray]) -> Steps[BatchRecord]:
    """A mini-batch's key: its record holds the sheet's rounded values (``v``)."""
    from handprop.tracing import BatchRecord, Steps

    Y = F.one_hot(problem.y, problem.num_classes)
    record = BatchRecord(
        problem.X, problem.W, problem.b, problem.y, Y, problem.lr, v["Z"], v["exp_Z"],
        v["sum_exp"], v["A"], float(v["loss"]), v["delta"], v["db"], v["dW"], v["b_new"],
        v["W_new"],
    )  # fmt: skip
    return Steps([record], problem.classes)


def key_json_data(problem: AnyProblem, decimals: int = DEFAULT_DECIMALS) -> dict[str, Any]:
    """The key's answers under the answer sheet's names, as an answer file holds them."""
    decimals = check_decimals(decimals, "exercise key")
    check_size(problem, "exercise key")
    rounded = rounded_chain(problem, decimals)[1]
    return {"decimals": decimals, **{name: rounded[name].tolist() for name in QUANTITIES}}


def render_key(
    problem: AnyProblem, fmt: str = "text", lang: str = "en", decimals: int = DEFAULT_DECIMALS
) -> str:
    """The answer key as a string in ``fmt``: "text" or "markdown" (the worked lines, see
    :func:`answer_key`), or "json" (:func:`key_json_data`)."""
    if fmt == "json":
        return json.dumps(key_json_data(problem, decimals), indent=2) + "\n"
    if fmt not in ("text", "markdown"):
        raise InputError("err.choice", name="format", choices="text, markdown, json", got=repr(fmt))
    if fmt == "markdown":
        from handprop.render.markdown import write_markdown

        return write_markdown(key_document(problem, lang, decimals))
    from handprop.render.text import write_text

    return write_text(key_document(problem, lang, decimals))


def key_document(problem: AnyProblem, lang: str = "en", decimals: int = DEFAULT_DECIMALS) -> Any:
    """The answer key's document (:mod:`handprop.render.document`), for any rendering."""
    from handprop.render.steps import document

    return document(answer_key(problem, decimals), lang, decimals, key=True)
