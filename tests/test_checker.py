"""The answer checker: correct sheets pass, every named mistake is named where it is made, later
steps that follow from it are 'carried', slips are located to the entry, bad files are refused.

The simulated student below works with plain numpy formulas written out here (not
handprop.functional), rounding each result before using it, as on paper.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import numpy as np
import pytest

from handprop.checker import (
    MISTAKES,
    QUANTITIES,
    Marker,
    answers_from_mapping,
    check_answers,
    check_file,
    load_answers,
    render_report_text,
)
from handprop.errors import FileFormatError, HandpropError, InputError, ShapeError
from handprop.exercise import generate_problem
from handprop.messages import t
from handprop.problem import Problem
from handprop.tracing import WORKED_EXAMPLE

# --------------------------------------------------------------------------- a simulated student

Step = Callable[[dict, Problem], np.ndarray]


def _onehot(p: Problem) -> np.ndarray:
    Y = np.zeros(p.W.shape[0])
    Y[p.y] = 1.0
    return Y


RIGHT: dict[str, Step] = {
    "Z": lambda s, p: p.W @ p.X + p.b,
    "exp_Z": lambda s, p: np.exp(s["Z"]),
    "sum_exp": lambda s, p: np.asarray(s["exp_Z"].sum()),
    "A": lambda s, p: s["exp_Z"] / s["sum_exp"],
    "loss": lambda s, p: np.asarray(-np.log(s["A"][p.y])),
    "delta": lambda s, p: s["A"] - _onehot(p),
    "db": lambda s, p: s["delta"].copy(),
    "dW": lambda s, p: np.outer(s["delta"], p.X),
    "b_new": lambda s, p: p.b - p.lr * s["db"],
    "W_new": lambda s, p: p.W - p.lr * s["dW"],
}

#: (mistake id, step, how the student computes that step instead, details the checker reports)
CATALOGUE: list[tuple[str, str, Step, dict]] = [
    ("bias_forgotten", "Z", lambda s, p: p.W @ p.X, {}),
    ("W_transposed", "Z", lambda s, p: p.W.T @ p.X + p.b, {}),
    ("not_normalized", "A", lambda s, p: s["exp_Z"].copy(), {}),
    ("wrong_log_base", "loss", lambda s, p: np.asarray(-np.log10(s["A"][p.y])), {"base": 10}),
    ("wrong_log_base", "loss", lambda s, p: np.asarray(-np.log2(s["A"][p.y])), {"base": 2}),
    (
        "loss_wrong_class",
        "loss",
        lambda s, p: np.asarray(-np.log(s["A"][(p.y + 1) % p.W.shape[0]])),
        "next",
    ),
    ("loss_sign", "loss", lambda s, p: np.asarray(np.log(s["A"][p.y])), {}),
    ("delta_sign", "delta", lambda s, p: _onehot(p) - s["A"], {}),
    ("dW_transposed", "dW", lambda s, p: np.outer(p.X, s["delta"]), {}),
    ("update_sign", "b_new", lambda s, p: p.b + p.lr * s["db"], {}),
    ("update_sign", "W_new", lambda s, p: p.W + p.lr * s["dW"], {}),
    ("lr_missing", "b_new", lambda s, p: p.b - s["db"], {}),
    ("lr_missing", "W_new", lambda s, p: p.W - s["dW"], {}),
    ("lr_twice", "b_new", lambda s, p: p.b - p.lr**2 * s["db"], {}),
    ("lr_twice", "W_new", lambda s, p: p.W - p.lr**2 * s["dW"], {}),
]

#: which later quantities are computed from each one (written out from the formulas above)
DEPENDS_ON: dict[str, set[str]] = {
    "Z": {"exp_Z", "sum_exp", "A", "loss", "delta", "db", "dW", "b_new", "W_new"},
    "exp_Z": {"sum_exp", "A", "loss", "delta", "db", "dW", "b_new", "W_new"},
    "sum_exp": {"A", "loss", "delta", "db", "dW", "b_new", "W_new"},
    "A": {"loss", "delta", "db", "dW", "b_new", "W_new"},
    "loss": set(),
    "delta": {"db", "dW", "b_new", "W_new"},
    "db": {"b_new"},
    "dW": {"W_new"},
    "b_new": set(),
    "W_new": set(),
}


def work(
    p: Problem,
    decimals: int | None,
    wrong: dict[str, Step] | None = None,
    slip: tuple[str, tuple[int, ...], float] | None = None,
) -> dict[str, np.ndarray]:
    """The student's sheet: each step from the previous *rounded* results (None: no rounding)."""
    sheet: dict[str, np.ndarray] = {}
    for name in QUANTITIES:
        value = np.asarray((wrong or {}).get(name, RIGHT[name])(sheet, p), dtype=np.float64)
        if slip is not None and slip[0] == name:
            value = value.copy()
            value[slip[1]] += slip[2]
        sheet[name] = value if decimals is None else np.round(value, decimals)
    return sheet


def as_answers(sheet: dict[str, np.ndarray]) -> dict:
    return {k: v.tolist() for k, v in sheet.items()}


PROBLEMS = [
    generate_problem(seed, classes=K, features=D)
    for seed, (K, D) in enumerate([(2, 2), (3, 3), (4, 3), (3, 5), (5, 5), (5, 2), (4, 4)])
]
DECIMALS = (2, 3, 4)


@pytest.fixture(scope="module")
def markers() -> dict[tuple[int, int], Marker]:
    return {(i, d): Marker(p, d) for i, p in enumerate(PROBLEMS) for d in DECIMALS}


# --------------------------------------------------------------------------- correct sheets


def test_the_notes_worked_example_at_three_decimals_is_all_correct():
    ex = WORKED_EXAMPLE
    p = Problem(np.array(ex["X"]), np.array(ex["W"]), np.array(ex["b"]), ex["y"], ex["lr"])
    # the numbers of the study notes, as a student wrote them (b_new and W_new row 2 with 4)
    answers = {
        "Z": [0.48, 1.12, 1.76],
        "exp_Z": [1.616, 3.065, 5.812],
        "sum_exp": 10.493,
        "A": [0.154, 0.292, 0.554],
        "loss": 1.231,
        "delta": [0.154, -0.708, 0.554],
        "db": [0.154, -0.708, 0.554],
        "dW": [[0.077, 0.092, 0.108], [-0.354, -0.425, -0.496], [0.277, 0.332, 0.388]],
        "b_new": [0.0846, 0.2708, 0.2446],
        "W_new": [[0.0923, 0.1908, 0.2892], [0.4354, 0.5425, 0.6496], [0.6723, 0.7668, 0.8612]],
    }
    report = check_answers(p, answers, decimals=3)
    assert report.all_correct and report.exit_code == 0 and report.first_wrong is None
    assert [s.status for s in report.steps] == ["correct"] * 10
    # one unit off in the last decimal of an exact logit is wrong: 0.48 is exact at 3 decimals
    answers["Z"] = [0.481, 1.12, 1.76]
    report = check_answers(p, answers, decimals=3)
    assert report.first_wrong == "Z"
    assert report.step("Z").mistake == "arithmetic_slip" and report.step("Z").entries == [(0,)]
    assert report.step("exp_Z").status == "correct"  # exp(0.48) = 1.616 either way


def test_exact_values_are_the_trace_of_the_problem(markers):
    for i, p in enumerate(PROBLEMS):
        record = p.trace(1).first
        exact = markers[(i, 3)].exact
        np.testing.assert_allclose(exact["Z"], record.logits, rtol=0, atol=1e-12)
        np.testing.assert_allclose(exact["exp_Z"], record.exp_logits, rtol=1e-12)
        np.testing.assert_allclose(exact["sum_exp"], record.sum_exp, rtol=1e-12)
        np.testing.assert_allclose(exact["A"], record.probabilities, rtol=1e-12)
        np.testing.assert_allclose(exact["loss"], record.loss, rtol=1e-12)
        np.testing.assert_allclose(exact["delta"], record.delta, atol=1e-12)
        np.testing.assert_allclose(exact["db"], record.grad_b, atol=1e-12)
        np.testing.assert_allclose(exact["dW"], record.grad_W, atol=1e-12)
        np.testing.assert_allclose(exact["b_new"], record.b_new, atol=1e-12)
        np.testing.assert_allclose(exact["W_new"], record.W_new, atol=1e-12)


@pytest.mark.parametrize("decimals", DECIMALS)
def test_correct_sheets_pass_rounded_or_not(markers, decimals):
    for i, p in enumerate(PROBLEMS):
        marker = markers[(i, decimals)]
        for sheet in (work(p, decimals), work(p, None), work(p, decimals + 1)):
            report = marker.check(sheet)
            assert report.all_correct, render_report_text(report)
            assert report.exit_code == 0
        # rounding only the final answers (computing with full precision) also passes
        exact_then_rounded = {k: np.round(v, decimals) for k, v in work(p, None).items()}
        assert marker.check(exact_then_rounded).all_correct


def _half_up(value: float, decimals: int) -> float:
    """``value`` rounded as the sheet says (a 5 away from zero), written out independently."""
    exact = Decimal(repr(round(float(value), 12)))
    return float(exact.quantize(Decimal(10) ** -decimals, rounding=ROUND_HALF_UP))


def test_the_expected_values_are_what_the_sheets_rule_gives_and_are_correct():
    """Marker.rounded (the key, the "expected" column) is the careful student's sheet: every
    step from the rounded values before it, rounded half away from zero; and it is marked
    correct, as the checker's tolerance is built for exactly that student."""
    rounded = np.vectorize(_half_up, otypes=[float])
    for seed in range(40):
        p = generate_problem(seed, classes=2 + seed % 4, features=2 + (seed // 4) % 4)
        for d in range(1, 7):
            sheet: dict[str, np.ndarray] = {}
            with np.errstate(divide="ignore"):
                for name in QUANTITIES:
                    sheet[name] = rounded(np.asarray(RIGHT[name](sheet, p), float), d)
            if not np.isfinite(sheet["loss"]):
                continue  # at 1 decimal a probability can round to 0, which has no logarithm
            marker = Marker(p, d)
            for name in QUANTITIES:
                np.testing.assert_allclose(marker.rounded[name], sheet[name], rtol=0, atol=1e-12)
            report = marker.check(marker.rounded)
            assert report.all_correct, (seed, d, render_report_text(report))


def test_the_expected_column_shows_the_rules_values():
    p = generate_problem(7)  # the loss: -ln 0.478 = 0.738, the exact loss 0.7391
    marker = Marker(p, 3)
    assert (
        float(marker.rounded["loss"]) == 0.738 and round(float(marker.exact["loss"]), 4) == 0.7391
    )
    answers = {"A": marker.rounded["A"].tolist(), "loss": 0.738}
    report = check_answers(p, answers, decimals=3)
    assert report.step("loss").status == "correct"
    text = render_report_text(report)
    loss_row = next(line for line in text.splitlines() if line.strip().startswith("loss"))
    assert loss_row.split()[3:5] == ["0.738", "0.738"]
    assert report.to_json_data()["steps"][4]["rounded"] == 0.738


def test_tolerance_is_not_looser_than_a_few_units(markers):
    """A correct student is within tolerance; a value 10 units off never is."""
    for (i, d), marker in markers.items():
        unit = 10.0**-d
        for name in QUANTITIES:
            tol = marker.exact_tol[name]
            assert np.all(tol >= 0.5 * unit)
            assert np.all(tol < 10 * unit), (i, d, name, tol)


# --------------------------------------------------------------------------- the catalogue


def _expected_params(details, p: Problem) -> dict:
    if details == "next":
        return {"cls": (p.y + 1) % p.W.shape[0] + 1}
    return details


def _assert_later_steps(report, step, sheet, right, decimals, where) -> None:
    """After the first mistake nothing is wrong: a later value that differs from the correct
    student's is 'carried' (certainly when it is more than 10 units of the last decimal away;
    within a few units it may also be correct, as rounding alone moves it that far), and one
    that does not differ, or does not depend on the mistake, is 'correct'."""
    unit = 10.0**-decimals
    for later in QUANTITIES[QUANTITIES.index(step) + 1 :]:
        status = report.step(later).status
        gap = float(np.max(np.abs(sheet[later] - right[later])))
        if later not in DEPENDS_ON[step] or gap < 1e-12:
            assert status == "correct", (where, later, status)
        elif gap > 10 * unit:
            assert status == "carried", (where, later, status, gap)
        else:
            assert status in ("carried", "correct"), (where, later, status, gap)


@pytest.mark.parametrize("decimals", DECIMALS)
def test_each_named_mistake_is_named_at_its_step_and_later_steps_are_carried(markers, decimals):
    tested = {mistake: 0 for mistake, *_ in CATALOGUE}
    for i, p in enumerate(PROBLEMS):
        marker = markers[(i, decimals)]
        right = work(p, decimals)
        for mistake, step, how, details in CATALOGUE:
            if mistake in ("W_transposed", "dW_transposed") and p.W.shape[0] != p.W.shape[1]:
                continue  # only defined for a square W
            sheet = work(p, decimals, wrong={step: how})
            if np.allclose(sheet[step], right[step], rtol=0, atol=10.0**-decimals):
                continue  # this problem cannot tell the mistake apart (e.g. b has zeros)
            report = marker.check(sheet)
            where = f"problem {i}, {mistake} at {step}, {decimals} decimals"
            result = report.step(step)
            assert result.status == "wrong", where
            assert result.mistake == mistake, (where, result.mistake, render_report_text(report))
            assert result.params == _expected_params(details, p), where
            for lang in ("en", "zh"):
                message = result.message(lang, decimals)
                assert message == t(f"exercise.mistake.{mistake}", lang, **result.params)
            assert report.first_wrong == step and report.exit_code == 1, where
            _assert_later_steps(report, step, sheet, right, decimals, where)
            for earlier in QUANTITIES[: QUANTITIES.index(step)]:
                assert report.step(earlier).status == "correct", (where, earlier)
            tested[mistake] += 1
    assert all(n >= 3 for n in tested.values()), tested
    assert set(tested) == set(MISTAKES) - {"arithmetic_slip", "mean_missing"}  # a batch's: below


@pytest.mark.parametrize("decimals", DECIMALS)
def test_single_entry_slips_are_located_to_the_entry(markers, decimals):
    rng = np.random.default_rng(decimals)
    arrays = [q for q in QUANTITIES if q not in ("sum_exp", "loss")]
    for i, p in enumerate(PROBLEMS):
        marker = markers[(i, decimals)]
        shapes = {k: v.shape for k, v in work(p, decimals).items()}
        for name in rng.choice(arrays, size=3, replace=False):
            idx = tuple(int(rng.integers(n)) for n in shapes[name])
            size = float(np.round(rng.uniform(0.1, 0.6), decimals))
            if name not in ("exp_Z", "A"):  # those stay positive, or ln has no value
                size *= rng.choice([-1, 1])
            report = marker.check(work(p, decimals, slip=(name, idx, size)))
            result = report.step(name)
            where = f"problem {i}, slip {size} at {name}{idx}"
            assert result.status == "wrong" and result.mistake == "arithmetic_slip", where
            assert result.entries == [idx], where
            assert report.first_wrong == name, where
            _assert_later_steps(
                report,
                name,
                work(p, decimals, slip=(name, idx, size)),
                work(p, decimals),
                decimals,
                where,
            )
            message = result.message("en", decimals)
            assert (
                f"row {idx[0] + 1}, column {idx[1] + 1}" if len(idx) == 2 else f"entry {idx[0] + 1}"
            ) in message


def test_an_unrecognised_error_is_located_with_no_mistake_named(markers):
    p = PROBLEMS[1]
    sheet = work(p, 3)
    sheet["A"] = sheet["A"].copy()
    sheet["A"][[0, 2]] = sheet["A"][[2, 0]] + np.array([0.05, -0.05])  # swapped and nudged
    report = markers[(1, 3)].check(sheet)
    result = report.step("A")
    assert result.status == "wrong" and result.mistake is None
    assert result.entries == [(0,), (2,)]
    assert "entry 1; entry 3" in result.message("en")
    assert "第 1 个分量；第 3 个分量" in result.message("zh")
    sheet = work(p, 3)
    sheet["sum_exp"] = sheet["sum_exp"] + 1.0
    result = markers[(1, 3)].check(sheet).step("sum_exp")
    assert result.status == "wrong" and result.mistake is None and result.entries == []


def test_carried_means_right_from_your_own_numbers_not_from_the_exact_ones(markers):
    p = PROBLEMS[2]
    shifted = np.array([0.2, 0.0, 0.0, 0.0])  # problem 2 has 4 classes
    # a wrong Z, then the exponentials of the *right* Z: those are correct, not carried
    sheet = work(
        p,
        3,
        wrong={
            "Z": lambda s, p: p.W @ p.X + p.b + shifted,
            "exp_Z": lambda s, p: np.exp(RIGHT["Z"](s, p)),
        },
    )
    report = markers[(2, 3)].check(sheet)
    assert report.step("Z").status == "wrong"
    assert [s.status for s in report.steps[1:]] == ["correct"] * 9
    carried = work(p, 3, wrong={"Z": lambda s, p: p.W @ p.X + p.b + shifted})
    report = markers[(2, 3)].check(carried)
    assert report.step("exp_Z").status == "carried"
    np.testing.assert_allclose(report.step("exp_Z").carried_expected, np.exp(carried["Z"]))


def test_missing_quantities_are_missing_and_the_rest_still_checked(markers):
    rng = np.random.default_rng(5)
    for i, p in enumerate(PROBLEMS):
        sheet = work(p, 3)
        keep = rng.choice(QUANTITIES, size=4, replace=False)
        answers = {k: (v if k in keep else None) for k, v in sheet.items()}
        report = markers[(i, 3)].check(answers)
        assert {s.name for s in report.steps if s.status == "missing"} == set(QUANTITIES) - set(
            keep
        )
        assert report.all_correct and report.exit_code == 0
    # a blank sheet: everything missing, nothing wrong
    report = markers[(0, 3)].check({})
    assert [s.status for s in report.steps] == ["missing"] * 10 and report.exit_code == 0


def test_a_mistake_is_carried_across_a_blank_step(markers):
    p = PROBLEMS[1]
    sheet = work(p, 3, wrong={"delta": RIGHT["delta"], "A": lambda s, p: s["exp_Z"].copy()})
    sheet["loss"] = None  # not worked out; delta still follows from the wrong A
    sheet["db"] = None
    report = markers[(1, 3)].check(sheet)
    assert report.step("A").mistake == "not_normalized"
    assert [report.step(q).status for q in ("loss", "delta", "db", "dW", "b_new")] == [
        "missing",
        "carried",
        "missing",
        "carried",
        "carried",
    ]


def test_json_shape(markers):
    p = PROBLEMS[1]
    sheet = work(p, 3, wrong={"b_new": CATALOGUE[9][2]})
    sheet["loss"] = None
    data = markers[(1, 3)].check(sheet).to_json_data("zh")
    text = json.dumps(data, ensure_ascii=False)
    assert json.loads(text) == data
    assert data["all_correct"] is False and data["first_wrong"] == "b_new"
    assert [s["name"] for s in data["steps"]] == list(QUANTITIES)
    for s in data["steps"]:
        assert {"name", "status", "expected", "given", "mistake", "message"} <= set(s)
    b_new = data["steps"][QUANTITIES.index("b_new")]
    assert b_new["mistake"] == "update_sign" and "梯度" in b_new["message"]
    np.testing.assert_allclose(b_new["given"], sheet["b_new"])
    np.testing.assert_allclose(b_new["expected"], p.b - p.lr * (work(p, None)["db"]))
    loss = data["steps"][QUANTITIES.index("loss")]
    assert loss["status"] == "missing" and loss["given"] is None and loss["mistake"] is None


def test_report_text_in_both_languages(markers):
    p = PROBLEMS[4]
    report = markers[(4, 3)].check(work(p, 3, wrong={"Z": CATALOGUE[0][2]}))
    en, zh = render_report_text(report, "en"), render_report_text(report, "zh")
    assert "First wrong step: Z" in en and "bias was left out" in en and "carried" in en
    assert "第一个出错的步骤：Z" in zh and "漏加了偏置" in zh and "沿用前错" in zh


# --------------------------------------------------------------------------- answer files


def _write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture()
def problem_file(tmp_path: Path) -> Path:
    return PROBLEMS[1].save(tmp_path / "problem.toml")


def test_answer_file_with_a_relative_problem_path(tmp_path, problem_file):
    sheet = work(PROBLEMS[1], 2)
    lines = ['problem = "problem.toml"', "decimals = 2"]
    lines += [f"{k} = {json.dumps(v.tolist())}" for k, v in sheet.items()]
    sub = tmp_path / "elsewhere"
    sub.mkdir()
    _write(tmp_path / "answers.toml", "\n".join(lines))
    report = check_file(tmp_path / "answers.toml")
    assert report.all_correct and report.decimals == 2
    # the path is relative to the answer file, not to the working directory
    _write(sub / "answers.toml", "\n".join(lines).replace("problem.toml", "../problem.toml"))
    assert check_file(sub / "answers.toml").all_correct


def test_answer_file_with_the_problem_inline(tmp_path):
    p = PROBLEMS[0]
    fields = p.to_toml()
    _write(tmp_path / "a.toml", fields + f"Z = {json.dumps(work(p, 3)['Z'].tolist())}\n")
    sheet = load_answers(tmp_path / "a.toml")
    assert sheet.decimals == 3 and sheet.answers["exp_Z"] is None
    np.testing.assert_array_equal(sheet.problem.W, p.W)
    assert sheet.check().step("Z").status == "correct"
    table = "[problem]\n" + fields
    _write(tmp_path / "b.toml", "Z = []\n" + table)
    assert load_answers(tmp_path / "b.toml").answers["Z"] is None


@pytest.mark.parametrize(
    ("text", "error", "fragment"),
    [
        ("Z = [1, 2]\n", InputError, "problem is missing"),
        ('problem = "nowhere.toml"\n', InputError, "nowhere.toml"),
        ('problem = "problem.toml"\nZ = [1.0, 2.0]\n', ShapeError, "Z must have shape (3,)"),
        ('problem = "problem.toml"\nZ = [1.0, "x", 2.0]\n', InputError, "Z[1] must be a number"),
        ('problem = "problem.toml"\nloss = [1.0]\n', InputError, "loss must be a number"),
        (
            'problem = "problem.toml"\ndW = [[1, 2, 3], [1, 2], [3, 4, 5]]\n',
            ShapeError,
            "dW[1] must have shape (3,)",
        ),
        ('problem = "problem.toml"\nsum_exp = nan\n', InputError, "sum_exp must contain only fin"),
        ('problem = "problem.toml"\nzz = 1\n', InputError, "zz"),
        ('problem = "problem.toml"\ndecimals = 0\n', InputError, "decimals must be an integer"),
        ('problem = "problem.toml"\ndecimals = true\n', InputError, "decimals"),
        ('problem = "problem.toml"\nlr = 0.1\n', InputError, "given twice"),
        ("problem = 3\n", InputError, "problem must be the path"),
        ("Z = [1, 2\n", FileFormatError, "TOML"),
    ],
)
def test_bad_answer_files_are_one_line_errors(tmp_path, problem_file, text, error, fragment):
    path = _write(tmp_path / "answers.toml", text)
    with pytest.raises(error) as info:
        load_answers(path)
    message = str(info.value)
    assert fragment in message and "\n" not in message
    assert str(path) in message or "nowhere.toml" in message
    assert info.value.exit_code == 2
    assert info.value.message("zh") != message  # the Chinese message exists and differs


def test_bad_problem_inside_an_answer_file_is_the_problem_files_error(tmp_path):
    data = {"X": [1.0, 2.0], "W": [[1.0, 2.0]], "b": [0.0], "y": 0, "lr": 0.1}
    with pytest.raises(HandpropError, match="W"):
        answers_from_mapping(data, "a.toml")


def test_problems_too_big_to_check_by_hand_are_refused():
    K, D = 11, 2
    p = Problem(np.zeros(D), np.zeros((K, D)), np.zeros(K), 0, 0.1)
    with pytest.raises(ShapeError, match="at most 10"):
        Marker(p, 3)


def test_the_hand_stage_functions_agree_with_the_batch_ones():
    from handprop import functional as F

    rng = np.random.default_rng(0)
    Z = rng.normal(size=(4, 5))
    y = rng.integers(5, size=4)
    exp_z, total, A = F.softmax_parts(Z)
    np.testing.assert_allclose(F.normalize(exp_z, total), A, rtol=1e-14)
    np.testing.assert_allclose(F.normalize(exp_z[0], total[0]), A[0], rtol=1e-14)
    assert F.nll_loss(F.log_softmax(Z), y) == pytest.approx(F.cross_entropy(Z, y), rel=1e-14)
    Y = F.one_hot(y, 5)
    assert F.nll_loss(np.log(A), Y) == pytest.approx(F.cross_entropy(Z, Y), rel=1e-12)
    # probabilities that do not sum to 1 are taken as written: -ln of the true class's entry
    assert F.nll_loss(np.log(np.array([[2.0, 0.5]])), np.array([1])) == pytest.approx(np.log(2))
