"""Every equation printed with ``=`` holds for the numbers printed on it (issue 17).

What a learner reads is read back (:mod:`printed_math`): the terminal's lines, the Markdown's
display math (matrices included) and the step page's MathML and hover lines, for the demo,
``handprop step`` on random problems of several shapes and ``handprop exercise key`` for many
seeds, in English and Chinese. Each side made of numbers only is evaluated from its printed
numbers; a relation written ``=`` must hold to half a unit in its result's last printed digit.
A line that shows rounded operands of a full-precision result is written ``≈``; the exercise
key follows the sheet's rounding rule and is written with ``=`` only.
"""

from __future__ import annotations

import contextlib
import io

import numpy as np
import pytest

from handprop.cli import main
from handprop.exercise import generate_problem
from handprop.problem import Problem
from handprop.tracing import WORKED_EXAMPLE
from handprop.web.step_view import step_view
from printed_math import Relation, failures, markdown_equations, page_equations, text_equations

LANGS = ("en", "zh")
#: (classes, features) of the random problems given to ``step``
SHAPES = ((2, 2), (3, 3), (4, 2), (2, 5), (5, 3), (7, 4))
#: seeds of the exercise keys (each with its own sizes)
KEY_SEEDS = range(24)


def cli(*argv: str) -> str:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(list(argv))
    assert code == 0, err.getvalue()
    return out.getvalue()


def random_problem(K: int, D: int, seed: int) -> Problem:
    """A problem with hand-sized numbers (one decimal) for even seeds, full digits for odd."""
    rng = np.random.default_rng(seed)
    draw = lambda *shape: rng.normal(size=shape)  # noqa: E731
    x, W, b = draw(D), draw(K, D), draw(K)
    if seed % 2 == 0:
        x, W, b = (np.round(v, 1) for v in (x, W, b))
    return Problem(x, W, b, int(rng.integers(K)), float(rng.choice([0.1, 0.5, 1.0])))


def _outputs(path, argv: tuple[str, ...], where: str) -> list[Relation]:
    """The relations of one command's text and Markdown outputs."""
    text = cli(*argv, "--format", "text")
    md = cli(*argv, "--format", "markdown")
    return text_equations(text, f"{where} text") + markdown_equations(md, f"{where} md")


@pytest.fixture(scope="module")
def printed(tmp_path_factory) -> dict[str, list[Relation]]:
    """Every relation read back, by where it was printed: demo, step, key."""
    folder = tmp_path_factory.mktemp("problems")
    mp = pytest.MonkeyPatch()
    mp.setenv("COLUMNS", "400")  # one line per equation: nothing wraps
    found: dict[str, list[Relation]] = {"demo": [], "step": [], "key": []}
    try:
        ex = WORKED_EXAMPLE
        worked = Problem(ex["X"], ex["W"], ex["b"], ex["y"], ex["lr"], ex["classes"])
        for lang in LANGS:
            found["demo"] += _outputs(folder, ("demo", "--lang", lang), f"demo {lang}")
            found["demo"] += page_equations(step_view(worked, lang), f"demo page {lang}")
            for n, (K, D) in enumerate(SHAPES):
                problem = random_problem(K, D, n)
                path = folder / f"step{n}.toml"
                path.write_text(problem.to_toml(), encoding="utf-8")
                where = f"step {K}x{D} seed {n} {lang}"
                found["step"] += _outputs(folder, ("step", str(path), "--lang", lang), where)
                found["step"] += page_equations(step_view(problem, lang), f"{where} page")
            for seed in KEY_SEEDS:
                sizes = {"classes": 2 + seed % 4, "features": 2 + (seed // 4) % 4}
                path = folder / f"key{seed}.toml"
                path.write_text(generate_problem(seed, **sizes).to_toml(), encoding="utf-8")
                argv = ("exercise", "key", str(path), "--lang", lang)
                found["key"] += _outputs(folder, argv, f"key seed {seed} {lang}")
    finally:
        mp.undo()
    return found


def test_the_reader_reads_what_a_learner_checks():
    worked = text_equations("  L = -ln A_true = -ln A2 = -ln 0.292 = 1.2307", "t")
    assert [(r.left, r.right) for r in worked] == [("-ln 0.292", "1.2307")]
    assert not worked[0].holds()  # -ln 0.292 is 1.2310
    assert text_equations("  e^Z2  = e^(-0.3) = 0.741", "t")[0].holds()
    row = text_equations("  row 1 (cat)  0.347 * [0.2, 0.8, 0.2] = [0.069, 0.277, 0.069]", "t")
    assert not row[0].holds()  # 0.347 * 0.8 is 0.2776
    md = markdown_equations(
        "$$\nW' = \\begin{bmatrix} 0.4 \\end{bmatrix} - 0.5 \\begin{bmatrix} -0.354 "
        "\\end{bmatrix} = \\begin{bmatrix} 0.577\\uparrow \\end{bmatrix}\n$$",
        "m",
    )
    assert len(md) == 1 and md[0].holds()
    assert text_equations("  A1 = 1.616 / 10.493 ≈ 0.154   15.4%  ██··  ← predicted", "t")[0].sign


def test_every_part_is_read(printed):
    # a walk that finds nothing proves nothing: each kind of output yields its equations
    assert len(printed["demo"]) >= 2 * (21 + 23 + 50)
    assert len(printed["step"]) >= 2 * len(SHAPES) * 60
    assert len(printed["key"]) >= 2 * len(KEY_SEEDS) * 40
    wheres = {r.where for r in printed["demo"]}
    assert {f"demo {lang} {fmt}" for lang in LANGS for fmt in ("text", "md")} <= wheres
    for lang in LANGS:
        assert any(w.startswith(f"demo page {lang}") and "worked" in w for w in wheres)
        assert any(w.startswith(f"demo page {lang}") and "hover" in w for w in wheres)


@pytest.mark.parametrize("part", ["demo", "step", "key"])
def test_every_equation_written_with_equals_holds(printed, part):
    wrong = failures(printed[part])
    assert not wrong, f"{len(wrong)} of {len(printed[part])} do not hold:\n" + "\n".join(
        map(str, wrong[:40])
    )


def test_the_key_is_written_with_equals_only(printed):
    approx = [r for r in printed["key"] if r.sign != "="]
    assert not approx, "\n".join(map(str, approx[:20]))


def test_approximate_lines_are_marked_so_in_the_demo(printed):
    # the demo's loss comes from full precision: -ln 0.292 is 1.2310, the loss 1.2307
    loss = [r for r in printed["demo"] if r.left.replace(" ", "") == "-ln0.292"]
    assert loss and all(r.sign == "≈" for r in loss)


def test_every_equation_of_the_pdf_keys_holds():
    # the PDF keys of a class set come from the same document: read their text back too
    pypdf = pytest.importorskip("pypdf")
    pytest.importorskip("typst")
    from handprop.exercise import key_document
    from handprop.render.pdf import Page, write_pdf

    found: list[Relation] = []
    for lang in LANGS:
        problems = [generate_problem(seed, samples=1 + seed % 3) for seed in range(6)]
        pdf = write_pdf([Page(key_document(p, lang, 3), reasons=False) for p in problems], lang)
        text = "\n".join(page.extract_text() for page in pypdf.PdfReader(io.BytesIO(pdf)).pages)
        found += text_equations(text.replace("\u2212", "-"), f"pdf keys {lang}")
    assert len(found) >= 2 * 6 * 30
    assert not failures(found), "\n".join(map(str, failures(found)[:20]))
    assert all(r.sign == "=" for r in found)
