"""Generated exercises: sizes, reproducibility, pleasant numbers, the first-guess rate, sheets."""

from __future__ import annotations

import itertools
import json
import math

import numpy as np
import pytest

from handprop.checker import QUANTITIES, answers_from_mapping
from handprop.errors import InputError
from handprop.exercise import answer_template, generate_problem, render_sheet
from handprop.problem import problem_from_mapping

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10
    import tomli as tomllib  # type: ignore[no-redef]

SIZES = list(itertools.product(range(2, 6), repeat=2))


def _tenths(values: np.ndarray) -> np.ndarray:
    return np.round(np.asarray(values) * 10)


def _one_decimal(values: np.ndarray) -> bool:
    values = np.asarray(values, dtype=np.float64)
    return bool(np.all(np.abs(values * 10 - np.round(values * 10)) < 1e-9))


@pytest.mark.parametrize(("K", "D"), SIZES)
def test_every_size_from_2x2_to_5x5_gives_pleasant_numbers(K, D):
    for seed in range(15):
        p = generate_problem(seed, classes=K, features=D)
        assert p.W.shape == (K, D) and p.X.shape == (D,) and p.b.shape == (K,)
        assert 0 <= p.y < K and p.lr in (0.1, 0.5)
        for values in (p.X, p.W, p.b):
            assert _one_decimal(values)
            # written exactly as one decimal: the problem file shows 0.3, not 0.30000000000000004
            assert all(len(repr(float(v)).split(".")[1]) == 1 for v in np.ravel(values))
        assert np.all((p.X >= 0.1) & (p.X <= 0.9))
        assert np.all(np.abs(p.W) <= 0.9) and np.all(np.abs(p.b) <= 0.5)
        z = p.W @ p.X + p.b
        e = np.exp(z)
        assert np.all((e >= math.exp(-2) - 1e-12) & (e <= math.exp(2) + 1e-12))
        assert e.sum() >= 1 - 1e-12  # the largest logit is >= 0
        A = e / e.sum()
        assert A.min() > 0.015
        top = np.sort(z)[::-1]
        assert top[0] - top[1] >= 0.1 - 1e-12  # a clear first guess


@pytest.mark.parametrize("bad", [1, 6, 0, -3, 2.5, "3", True, None])
def test_other_sizes_are_refused_with_a_clear_error(bad):
    for kwargs in ({"classes": bad}, {"features": bad}):
        with pytest.raises(InputError) as info:
            generate_problem(0, **kwargs)
        name = next(iter(kwargs))
        message = str(info.value)
        assert message.startswith(f"exercise: {name} must be in [2, 5]; got ")
        assert "2, 5" in info.value.message("zh") and "应当" in info.value.message("zh")


def test_same_seed_same_problem_and_seeds_differ():
    for K, D in [(2, 2), (3, 3), (5, 4)]:
        a, b = generate_problem(11, K, D), generate_problem(11, K, D)
        np.testing.assert_array_equal(a.X, b.X)
        np.testing.assert_array_equal(a.W, b.W)
        np.testing.assert_array_equal(a.b, b.b)
        assert (a.y, a.lr) == (b.y, b.lr)
    problems = [generate_problem(s) for s in range(20)]
    assert len({p.W.tobytes() for p in problems}) == 20


def test_a_given_lr_changes_nothing_else():
    drawn = generate_problem(5, 4, 3)
    given = generate_problem(5, 4, 3, lr=0.25)
    assert given.lr == 0.25
    np.testing.assert_array_equal(drawn.W, given.W)
    np.testing.assert_array_equal(drawn.X, given.X)
    assert drawn.y == given.y
    assert {generate_problem(s).lr for s in range(30)} == {0.1, 0.5}


@pytest.mark.parametrize("p_wrong", [0.75, 0.4])
def test_first_guess_is_wrong_at_about_the_configured_rate(p_wrong):
    n = 600
    wrong = 0
    for seed in range(n):
        p = generate_problem(
            seed, classes=3 + seed % 3, features=2 + seed % 4, wrong_first_guess=p_wrong
        )
        wrong += int(np.argmax(p.W @ p.X + p.b) != p.y)
    # binomial standard deviation sqrt(p (1 - p) / n) is below 0.021; allow 4 of them
    assert abs(wrong / n - p_wrong) < 0.085


def test_first_guess_rate_extremes():
    for seed in range(40):
        p = generate_problem(seed, wrong_first_guess=0.0)
        assert np.argmax(p.W @ p.X + p.b) == p.y
        p = generate_problem(seed, wrong_first_guess=1.0)
        assert np.argmax(p.W @ p.X + p.b) != p.y


@pytest.mark.parametrize(
    ("kwargs", "name"),
    [
        ({"wrong_first_guess": 1.5}, "wrong_first_guess"),
        ({"wrong_first_guess": -0.1}, "wrong_first_guess"),
        ({"lr": 0}, "lr"),
        ({"lr": -0.1}, "lr"),
        ({"seed": -1}, "seed"),
        ({"seed": 1.5}, "seed"),
    ],
)
def test_bad_generation_settings(kwargs, name):
    args = {"seed": 1, **kwargs}
    with pytest.raises(InputError, match=f"exercise: {name} must"):
        generate_problem(**args)


# --------------------------------------------------------------------------- sheets


@pytest.fixture()
def problem():
    return generate_problem(7, classes=4, features=3)


def test_text_sheet_states_numbers_task_and_rounding_in_both_languages(problem):
    en = render_sheet(problem, "text", "en", decimals=2, answers_file="p.answers.toml", seed=7)
    zh = render_sheet(problem, "text", "zh", decimals=2, answers_file="p.answers.toml", seed=7)
    for value in np.ravel(problem.W):
        assert f"{value:.1f}" in en and f"{value:.1f}" in zh
    assert "Round every result to 2 decimal places" in en and "seed 7" in en
    assert "四舍五入到 2 位小数" in zh and "种子 7" in zh
    assert "handprop check p.answers.toml" in en and "handprop check p.answers.toml" in zh
    for name in QUANTITIES:
        assert name in en and name in zh
    assert f"η = {problem.lr:g} (lr on the answer sheet)" in en


def test_markdown_sheet(problem):
    md = render_sheet(problem, "markdown", "zh", decimals=3)
    assert md.startswith("# 练习")
    assert md.count("$$") == 2 and r"\begin{bmatrix}" in md
    assert "四舍五入到 3 位小数" in md
    for i, name in enumerate(QUANTITIES, start=1):
        assert f"{i}. `{name}`" in md


def test_json_sheet_round_trips_the_problem(problem):
    data = json.loads(render_sheet(problem, "json", "en", decimals=4, seed=7))
    again = problem_from_mapping(data["problem"])
    np.testing.assert_array_equal(again.W, problem.W)
    assert (again.y, again.lr) == (problem.y, problem.lr)
    assert data["seed"] == 7 and data["decimals"] == 4
    assert [q["name"] for q in data["quantities"]] == list(QUANTITIES)
    shapes = {q["name"]: q["shape"] for q in data["quantities"]}
    assert shapes["dW"] == [4, 3] and shapes["loss"] == [] and shapes["Z"] == [4]
    assert "4 decimal" in data["rounding"]


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_answer_template_is_valid_toml_with_every_quantity_blank(problem, lang):
    text = answer_template(problem, lang, problem_file="hw 1.toml", decimals=2)
    data = tomllib.loads(text)
    assert data["problem"] == "hw 1.toml" and data["decimals"] == 2
    assert set(QUANTITIES) <= set(data)
    assert data["loss"] == "" and data["dW"] == []
    comments = [line for line in text.splitlines() if line.startswith("#")]
    assert len(comments) >= 2 * len(QUANTITIES)
    if lang == "zh":
        assert any("指数之和" in c for c in comments)
        assert any("4 行，每行 3 个数" in c for c in comments)
    else:
        assert any("4 rows of 3 numbers" in c for c in comments)
    # with the problem given inline, the blank sheet loads: every quantity missing
    data.pop("problem")
    sheet = answers_from_mapping({**data, **problem.to_dict()}, "t.toml")
    assert all(v is None for v in sheet.answers.values())
    assert [s.status for s in sheet.check().steps] == ["missing"] * len(QUANTITIES)


def test_every_message_key_of_this_area_exists_in_both_languages():
    import re
    from pathlib import Path

    import handprop
    from handprop.checker import MISTAKES, STATUSES
    from handprop.messages import CATALOGUE, placeholders

    src = Path(handprop.__file__).parent
    used = set()
    files = [src / "exercise.py", src / "classset.py", src / "commands" / "exercise.py"]
    for path in [*files, *(src / "checker").glob("*.py")]:
        text = path.read_text("utf-8")
        used |= set(re.findall(r"[\"'](exercise\.[a-z_.]+[a-z_])[\"']", text))
    # keys built at run time
    used |= {f"exercise.q.{q}" for q in QUANTITIES}
    used |= {
        f"exercise.qn.{q}" for q in ("Z", "exp_Z", "sum_exp", "A", "loss", "delta", "db", "dW")
    }
    used |= {f"exercise.mistake.{m}" for m in (*MISTAKES, "loss_wrong_class_n")}
    used |= {f"exercise.check.status.{s}" for s in STATUSES}
    used |= {f"exercise.check.msg.{s}" for s in ("correct", "carried", "missing")}
    used |= {f"exercise.check.col.{c}" for c in ("quantity", "status", "expected", "given")}
    used |= {f"exercise.label.{m}" for m in (*MISTAKES, "unknown")}
    assert sorted(used - set(CATALOGUE)) == []
    assert sorted(k for k in CATALOGUE if k.startswith("exercise.") and k not in used) == []
    # the mistakes' parameters are the ones the checker passes
    assert placeholders(CATALOGUE["exercise.mistake.wrong_log_base"]["zh"]) == {"base"}
    assert placeholders(CATALOGUE["exercise.mistake.loss_wrong_class"]["zh"]) == {"cls"}
    assert placeholders(CATALOGUE["exercise.mistake.arithmetic_slip"]["en"]) == {
        "entry",
        "expected",
        "given",
    }
