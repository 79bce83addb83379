"""``handprop exercise new|key`` and ``handprop check`` through the real entry point."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest

from handprop.checker import QUANTITIES, Marker
from handprop.cli import main
from handprop.problem import Problem, load_problem
from handprop.render._common import fixed, round_half_up
from printed_math import markdown_equations, text_equations


def run(capsys, *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture()
def made(tmp_path, capsys) -> Path:
    code, _, _ = run(capsys, "exercise", "new", "--seed", "3", "-o", str(tmp_path / "hw.toml"))
    assert code == 0
    return tmp_path / "hw.toml"


def _fill(made: Path, capsys, decimals: int = 3) -> dict:
    """A correct answer sheet: the key's JSON, which holds the answers under their names."""
    argv = ("exercise", "key", str(made), "--format", "json", "--decimals", str(decimals))
    code, out, _ = run(capsys, *argv)
    assert code == 0
    return {"problem": made.name, **json.loads(out)}


def _write_answers(path: Path, data: dict) -> Path:
    lines = [f"{k} = {json.dumps(v)}" for k, v in data.items()]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_new_with_output_writes_the_problem_and_a_blank_answer_sheet(tmp_path, capsys):
    target = tmp_path / "hw.toml"
    code, out, err = run(
        capsys,
        "exercise",
        "new",
        "--seed",
        "3",
        "--classes",
        "4",
        "--features",
        "2",
        "--lr",
        "0.5",
        "-o",
        str(target),
    )
    assert code == 0
    answers = tmp_path / "hw.answers.toml"
    assert target.exists() and answers.exists()
    assert "hw.answers.toml" in out and "Wrote" in err
    problem = load_problem(target)
    assert problem.W.shape == (4, 2) and problem.lr == 0.5
    assert not list(tmp_path.glob(".*.tmp"))  # no temporary file left behind
    # the blank sheet is checkable straight away: nothing wrong yet
    code, out, _ = run(capsys, "check", str(answers))
    assert code == 0 and "No answers filled in yet" in out
    # the same seed and sizes give the same problem
    code, out, _ = run(
        capsys,
        "exercise",
        "new",
        "--seed",
        "3",
        "--classes",
        "4",
        "--features",
        "2",
        "--lr",
        "0.5",
        "--format",
        "json",
    )
    assert json.loads(out)["problem"] == problem.to_dict()


def test_new_refuses_to_overwrite_without_force(made, capsys):
    answers = made.with_name("hw.answers.toml")
    answers.write_text("# my work\n", encoding="utf-8")
    code, out, err = run(capsys, "exercise", "new", "--seed", "4", "-o", str(made))
    assert code == 2 and out == "" and "already exists" in err and "--force" in err
    assert answers.read_text(encoding="utf-8") == "# my work\n"
    code, _, _ = run(capsys, "exercise", "new", "--seed", "4", "-o", str(made), "--force")
    assert code == 0 and "# my work" not in answers.read_text(encoding="utf-8")


def test_new_prints_the_sheet_in_every_format_and_language(capsys):
    code, out, _ = run(
        capsys,
        "exercise",
        "new",
        "--seed",
        "1",
        "--lang",
        "zh",
        "--format",
        "markdown",
        "--classes",
        "2",
        "--features",
        "5",
    )
    assert code == 0 and out.startswith("# 练习") and "$$" in out
    code, out, _ = run(capsys, "exercise", "new", "--seed", "1", "--lang", "en")
    assert code == 0 and "Compute, in this order" in out and "seed 1" in out
    code, out, _ = run(capsys, "exercise", "new", "--format", "json")
    data = json.loads(out)
    assert isinstance(data["seed"], int) and len(data["problem"]["W"]) == 3


@pytest.mark.parametrize("args", [["--classes", "6"], ["--features", "1"], ["--lr", "-1"]])
def test_new_bad_settings_exit_2(capsys, args):
    code, out, err = run(capsys, "exercise", "new", "--seed", "1", *args)
    assert code == 2 and err.startswith("Error: exercise: ") and out == ""
    assert len(err.strip().splitlines()) == 1


@pytest.mark.parametrize("lang", ["en", "zh"])
@pytest.mark.parametrize("fmt", ["text", "markdown", "json"])
def test_key_is_the_solution_by_the_sheets_rounding_rule(made, capsys, lang, fmt):
    code, key, _ = run(capsys, "exercise", "key", str(made), "--lang", lang, "--format", fmt)
    assert code == 0
    p = load_problem(made)
    rounded = Marker(p, 3).rounded
    if fmt == "json":
        data = json.loads(key)
        assert list(data) == ["decimals", *QUANTITIES] and data["decimals"] == 3
        for name in QUANTITIES:
            np.testing.assert_array_equal(data[name], rounded[name])
        # each from the rounded values before it: the loss is -ln of the rounded probability
        assert data["loss"] == round_half_up(-math.log(data["A"][p.y]), 3)
        assert data["sum_exp"] == pytest.approx(sum(data["exp_Z"]), abs=1e-12)
        return
    read = text_equations if fmt == "text" else markdown_equations
    relations = read(key, "key")
    assert relations and {r.sign for r in relations} == {"="}  # the key is written with = only
    for name in ("exp_Z, sum_exp", "delta", "b_new", "W_new"):  # headed by the sheet's names
        assert name in key
    for name in ("loss", "sum_exp"):
        assert fixed(float(rounded[name]), 3) in key
    step = run(capsys, "step", str(made), "--lang", lang, "--format", fmt)[1]
    assert fixed(p.trace().first.loss, 4) in step  # step shows full precision, one more digit
    assert ("正向" in key) == (lang == "zh")


def test_check_exit_codes_and_text(made, capsys):
    answers = made.with_name("hw.answers.toml")
    data = _fill(made, capsys)
    _write_answers(answers, data)
    code, out, _ = run(capsys, "check", str(answers))
    assert code == 0 and "All 10 answers given are correct" in out
    # the update with + instead of -: exit 1, named in the user's language
    p = load_problem(made)
    data["b_new"] = np.round(p.b + p.lr * np.asarray(data["db"]), 3).tolist()
    _write_answers(answers, data)
    code, out, _ = run(capsys, "check", str(answers))
    words = " ".join(out.split())  # the terminal wraps long lines
    assert code == 1 and "First wrong step: b_new (update sign flipped)." in words
    assert "but gradient descent subtracts it" in words
    code, out, _ = run(capsys, "check", str(answers), "--lang", "zh")
    assert code == 1 and "第一个出错的步骤：b_new（更新符号反了）。" in out


def test_check_json(made, capsys):
    answers = made.with_name("hw.answers.toml")
    data = _fill(made, capsys)
    data["Z"][0] = round(data["Z"][0] + 0.3, 3)  # a slip in the first logit ...
    del data["loss"]
    _write_answers(answers, data)
    code, out, _ = run(capsys, "check", str(answers), "--format", "json")
    assert code == 1
    report = json.loads(out)
    assert set(report) >= {"all_correct", "first_wrong", "steps"}
    assert report["all_correct"] is False and report["first_wrong"] == "Z"
    steps = {s["name"]: s for s in report["steps"]}
    assert steps["Z"]["mistake"] == "arithmetic_slip" and steps["Z"]["entries"] == [[0]]
    assert "entry 1" in steps["Z"]["message"]
    assert steps["loss"]["status"] == "missing"
    # ... and the later steps were computed from the right logits, so they are correct
    assert {steps[q]["status"] for q in ("exp_Z", "A", "delta", "dW", "W_new")} == {"correct"}
    for s in report["steps"]:
        assert s["status"] in ("correct", "wrong", "carried", "missing")
        assert {"name", "status", "expected", "given", "mistake", "message"} <= set(s)


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("Z = [1.0, 2.0, 3.0]\n", "the problem is missing"),
        ('problem = "hw.toml"\nZ = [1.0, 2.0]\n', "Z must have shape (3,)"),
        ('problem = "hw.toml"\nA = [0.1, "a lot", 0.3]\n', "A[1] must be a number"),
        ('problem = "missing.toml"\n', "missing.toml"),
        ("problem = [\n", "TOML"),
    ],
)
def test_check_bad_files_exit_2_with_one_line(made, capsys, text, fragment):
    answers = made.with_name("bad.toml")
    answers.write_text(text, encoding="utf-8")
    code, out, err = run(capsys, "check", str(answers))
    assert code == 2 and out == ""
    assert err.startswith("Error: ") and fragment in err and len(err.strip().splitlines()) == 1
    code, _, err = run(capsys, "check", str(answers), "--lang", "zh")
    assert code == 2 and err.startswith("错误：")


def test_check_of_a_missing_file_exits_2(tmp_path, capsys):
    code, _, err = run(capsys, "check", str(tmp_path / "nope.toml"))
    assert code == 2 and "nope.toml" in err


@pytest.mark.parametrize(
    "args", [["exercise"], ["exercise", "new"], ["exercise", "key"], ["check"]]
)
def test_help(capsys, args):
    code, out, _ = run(capsys, *args, "--help")
    assert code == 0 and "Usage:" in out and len(out) > 100


def test_key_refuses_what_no_sheet_asks_for(made, capsys, tmp_path):
    code, out, err = run(capsys, "exercise", "key", str(made), "--decimals", "0")
    assert code == 2 and out == ""
    assert err == "Error: exercise key: decimals must be an integer in 1..6; got 0.\n"
    big = tmp_path / "big.toml"
    rng = np.random.default_rng(0)
    big.write_text(
        Problem(rng.normal(size=12), rng.normal(size=(11, 12)), np.zeros(11), 0, 0.1).to_toml()
    )
    code, out, err = run(capsys, "exercise", "key", str(big))
    assert code == 2 and "exercise key: W must have at most 10 classes" in err
