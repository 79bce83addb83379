"""The three renderings: the right numbers and words, in both languages, at any width."""

from __future__ import annotations

import json
import math
import re

import numpy as np
import pytest
from rich.cells import cell_len

from handprop.errors import InputError
from handprop.render import _common as C
from handprop.render import document as D
from handprop.render import render
from handprop.render.json import render_json
from handprop.render.markdown import render_markdown, tex_text
from handprop.render.steps import document
from handprop.render.text import render_text, wrap_offsets
from handprop.tracing import JSON_KEYS, WORKED_EXAMPLE, Trace, trace

LANGS = ("en", "zh")


def worked(steps: int = 1) -> Trace:
    ex = WORKED_EXAMPLE
    return trace(ex["X"], ex["W"], ex["b"], ex["y"], ex["lr"], steps=steps, classes=ex["classes"])


@pytest.fixture(scope="module")
def one() -> Trace:
    return worked()


@pytest.fixture(scope="module")
def five() -> Trace:
    return worked(5)


def random_trace(K: int, D: int, seed: int = 0, classes: list[str] | None = None) -> Trace:
    rng = np.random.default_rng(seed)
    return trace(
        rng.normal(size=D), rng.normal(size=(K, D)), rng.normal(size=K), K - 1, 0.5,
        classes=classes,
    )  # fmt: skip


# The notes' numbers as the terminal and Markdown show them at the default 3 decimals.
NOTE_NUMBERS = [
    "0.48", "1.12", "1.76", "1.616", "3.065", "5.812", "10.493", "0.154", "0.292", "0.554",
    "-0.708", "0.077", "0.092", "0.108", "-0.354", "-0.425", "-0.496", "0.277", "0.332",
    "0.388", "1.2307", "0.2708", "0.4354", "0.5425", "0.6496",
]  # fmt: skip

TEXT_WORDS = {
    "en": ["Forward pass", "Backward pass", "Update", "Why:", "Wrong", "chain rule",
           "shortcut", "Jacobian", "Numerical gradient check", "After the update"],
    "zh": ["正向传播", "反向传播", "参数更新", "为什么：", "猜错了", "链式法则", "捷径",
           "雅可比矩阵", "数值梯度检验", "更新之后"],
}  # fmt: skip


@pytest.mark.parametrize("lang", LANGS)
def test_text_has_the_numbers_the_arithmetic_and_the_words(one, lang):
    out = render_text(one, lang, 3, width=100)
    for number in NOTE_NUMBERS:
        assert number in out, number
    assert "(0.1*0.5 + 0.2*0.6 + 0.3*0.7) + 0.1 = 0.48" in out
    assert "(0.4*0.5 + 0.5*0.6 + 0.6*0.7) + 0.2 = 1.12" in out
    assert "1.616 + 3.065 + 5.812 = 10.493" in out
    assert "0.2 - 0.1*(-0.708) = 0.2708 ↑" in out
    assert "0.4 - 0.1*(-0.354) = 0.4354 ↑" in out
    assert "0.1 - 0.1*0.154 = 0.0846 ↓" in out
    assert "-0.708 * [0.5, 0.6, 0.7] = [-0.354, -0.425, -0.496]" in out
    assert "1.2307 → 1.0630" in out
    assert "0.292 → 0.345" in out
    for name in ("cat", "dog", "pig"):
        assert name in out
    for word in TEXT_WORDS[lang]:
        assert word in out, word
    # the prediction is called wrong before and after this one step
    assert out.count("✗") >= 2
    assert "⎡" in out and "⎦" in out


def test_text_without_colour_has_no_escape_codes_and_with_colour_has_them(one):
    assert "\x1b[" not in render_text(one, "en", 3)
    coloured = render_text(one, "en", 3, color=True)
    assert "\x1b[" in coloured
    assert re.sub(r"\x1b\[[0-9;]*m", "", coloured) == render_text(one, "en", 3)


def decimals_in(text: str) -> list[str]:
    return sorted(re.findall(r"-?\d+\.\d+(?:e[-+]\d+)?", text))


@pytest.mark.parametrize("fmt", ["text", "markdown"])
def test_both_languages_show_exactly_the_same_numbers(five, fmt):
    # one code path for zh and en: only the words differ
    en = render(five, fmt, lang="en")
    zh = render(five, fmt, lang="zh")
    assert decimals_in(en) == decimals_in(zh)
    assert len(decimals_in(en)) > 300


@pytest.mark.parametrize("width", [60, 80, 120])
@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("shape", [(3, 3), (10, 10), (14, 16)])
def test_text_fits_the_width_without_trailing_spaces(lang, width, shape):
    tr = random_trace(*shape, classes=None) if shape != (3, 3) else worked(2)
    out = render_text(tr, lang, 3, width=width)
    for line in out.splitlines():
        assert cell_len(line) <= width, line
        assert line == line.rstrip(), line


def test_large_problems_are_elided_but_keep_the_last_row_and_column():
    tr = random_trace(14, 16)
    out = render_text(tr, "en", 3, width=120)
    assert "⋮" in out and "…" in out
    r = tr.first
    assert C.fixed(r.W[13, 15], 3) in out
    assert "class 14" in out
    md = render_markdown(tr, "en", 3)
    assert r"\vdots" in md and r"\cdots" in md


def test_text_several_steps_has_each_step_and_the_summary(five):
    out = render_text(five, "en", 3, width=100)
    for step in range(1, 6):
        assert f"Step {step} of 5" in out
    assert "Summary of all steps" in out
    assert "The loss fell from 1.2307 to 0.6213." in out
    assert "After the update of step 3 the prediction flips to the true class dog." in out
    # the explanations are written once, for the first step
    assert out.count("Why: each class gets a raw score") == 1
    zh = render_text(five, "zh", 3, width=100)
    assert "第 3 步更新之后，预测翻转为正确类别 dog。" in zh
    assert "损失从 1.2307 降到了 0.6213。" in zh


def test_summary_when_the_prediction_never_flips_and_when_always_right():
    ex = WORKED_EXAMPLE
    never = trace(ex["X"], ex["W"], ex["b"], 1, 0.001, steps=2)
    out = render_text(never, "en", 3)
    assert "After 2 steps the model still predicts class 3, not class 2" in out
    right = trace(ex["X"], ex["W"], ex["b"], 2, 0.1, steps=2)
    assert "was right from the start" in render_text(right, "en", 3)
    assert "✓ Right" in render_text(right, "en", 3)


def test_decimals_change_the_display_only(one):
    out5 = render_text(one, "en", 5, width=120)
    assert "0.15401" in out5 and "10.49337" in out5
    assert "1.230743" in out5  # the loss gets one decimal more
    out1 = render_text(one, "en", 1, width=120)
    assert "10.5" in out1 and "10.493" not in out1
    # the numbers themselves did not change
    assert json.loads(render_json(one))["loss"] == one.first.loss


@pytest.mark.parametrize("lang", LANGS)
def test_markdown_is_a_complete_note_with_valid_latex(one, lang):
    from latex2mathml.converter import convert

    md = render_markdown(one, lang, 3)
    assert md.startswith("# ")
    assert md.count("\n## ") == 4  # the problem and the three phases
    assert md.count("\n### ") == 14
    blocks = re.findall(r"\$\$\n(.*?)\n\$\$", md, flags=re.S)
    assert len(blocks) >= 20
    assert md.count("$$") == 2 * len(blocks)
    for block in blocks:
        convert(block)  # raises on unbalanced braces and unknown structure
    joined = "\n".join(blocks)
    assert r"Z_{1} &= (0.1 \times 0.5 + 0.2 \times 0.6 + 0.3 \times 0.7) + 0.1 = 0.48" in joined
    assert r"\textstyle\sum_j e^{Z_j} &= 1.616 + 3.065 + 5.812 = 10.493" in joined
    assert r"b_{2}' &= 0.2 - 0.1 \times (-0.708) = 0.2708\ \uparrow" in joined
    assert r"0.4354\uparrow" in joined
    assert r"\operatorname{diag}(A) - A A^\top" in joined
    # one δ: the Jacobian's Kronecker delta is written as the indicator 𝟙[i = j]
    assert r"J_{ij} = A_i\,(\mathbb{1}[i = j] - A_j)" in joined and r"\delta_{ij}" not in joined
    assert r"-\ln\, 0.292 \approx 1.2307" in joined  # -ln 0.292 is 1.2310
    for number in NOTE_NUMBERS:
        assert number in md, number
    assert "| dog | 1.120 | 3.065 | 0.292 (29.2%) |" in md
    words = {"en": ["> Why:", "Forward pass", "**✗ Wrong"], "zh": ["> 为什么：", "正向传播"]}
    for word in words[lang]:
        assert word in md


def test_markdown_several_steps_has_a_summary_table(five):
    md = render_markdown(five, "en", 3)
    assert "## Step 5 of 5" in md
    assert "| 3 | 0.9213 | 0.398 | pig ✗ | 0.8026 | dog ✓ |" in md


def test_tex_text_escapes_special_characters():
    assert tex_text("a_b & {c}") == r"\text{a\_b \& \{c\}}"
    tr = trace([1.0], [[1.0], [2.0]], [0.0, 0.0], 0, classes=["x_1", "50%"])
    md = render_markdown(tr, "en", 3)
    assert r"\text{x\_1}" in md and r"\text{50\%}" in md


def test_json_one_step_has_every_key_at_full_precision(one):
    data = json.loads(render_json(one))
    assert isinstance(data, dict)
    assert list(data)[: len(JSON_KEYS)] == list(JSON_KEYS)
    r = one.first
    assert data["loss"] == r.loss
    assert data["sum_exp"] == r.sum_exp
    assert data["logits"] == r.logits.tolist()
    assert data["grad_W"] == r.grad_W.tolist()
    assert data["W_new"] == r.W_new.tolist()
    assert data["b_new"][1] == r.b_new[1] != round(r.b_new[1], 4)
    assert data["predicted_class"] == 2 and data["true_class"] == 1
    assert data["max_abs_gradcheck_error"] < 1e-7
    assert render(one, "json") == render_json(one)


def test_json_several_steps_is_a_list(five):
    data = json.loads(render_json(five))
    assert isinstance(data, list) and len(data) == 5
    assert [d["step"] for d in data] == [1, 2, 3, 4, 5]
    assert [d["predicted_class"] for d in data] == [2, 2, 2, 1, 1]
    for d, r in zip(data, five.steps, strict=True):
        assert set(JSON_KEYS) <= set(d)
        assert d["loss_after"] == r.loss_after


def test_json_writes_overflowed_values_as_null_and_stays_valid():
    tr = trace([1.0], [[1e4], [-1e4]], [0.0, 0.0], 1)
    text = render_json(tr)

    def refuse(name: str) -> None:
        raise AssertionError(f"non-standard JSON constant {name}")

    data = json.loads(text, parse_constant=refuse)
    assert data["exp_logits"][0] is None
    assert math.isfinite(data["loss"]) and data["loss"] == pytest.approx(2e4)
    assert data["probabilities"] == [1.0, 0.0]
    out = render_text(tr, "en", 3)
    assert "inf" in out and "subtracting the largest logit" in out


def test_render_refuses_an_unknown_format(one):
    with pytest.raises(ValueError, match="format must be one of text, markdown, json; got 'html'"):
        render(one, "html")
    with pytest.raises(InputError) as err:
        render(one, "html")
    assert err.value.message("zh") == "format 必须是 text, markdown, json 之一；实际为 'html'。"


def test_number_formats():
    assert C.fixed(-0.0001, 3) == "0.000"
    assert C.fixed(1.5, 3) == "1.500"
    assert C.fixed(float("inf"), 3) == "inf"
    assert C.fixed(2.5e8, 2) == "2.50e+08"
    assert C.compact(0.1, 3) == "0.1"
    assert C.compact(1.0, 3) == "1"
    assert C.compact(-0.70804, 3) == "-0.708"
    assert C.compact(0.0, 3) == "0"
    assert C.compact(2.3e-5, 3) == "2.3e-05"
    assert C.percent(0.55391544, 3) == "55.4%"
    assert C.direction(1, 2) == "↑" and C.direction(2, 1) == "↓" and C.direction(1, 1) == "·"


def test_logit_arithmetic_puts_negative_numbers_in_parentheses():
    r = trace([-0.5, 2.0], [[0.25, -1.0], [1.0, 1.0]], [-0.1, 0.0], 0).first
    z = D.weighted_sum(r.W[0], r.x, r.b[0], r.logits[0], 3, lhs=D.sym("z", "z", 1))
    assert z.body(D.TEXT) == "(0.25*(-0.5) + (-1)*2) - 0.1 = -2.225"
    assert z.line(D.HOVER) == "z₁ = (0.25 × (-0.5) + (-1) × 2) - 0.1 = -2.225"
    assert z.line(D.TEX) == r"z_{1} = (0.25 \times (-0.5) + (-1) \times 2) - 0.1 = -2.225"


def test_an_arithmetic_line_knows_its_operators_operands_result_and_decimals():
    """What a check that every printed equation holds needs (the next issue's test)."""
    doc = document(worked(), "en", 3)
    loss = next(s for s in doc.sections if s.id == "loss").worked
    assert [D.spell(e, D.TEXT) for e in loss.steps] == ["-Σ_k Y_k·ln A_k", "-ln A2", "-ln 0.292"]
    assert not loss.exact and loss.line(D.TEXT).endswith("-ln 0.292 ≈ 1.2307")
    operand = loss.steps[-1].args[0].args[0]
    assert (operand.value, operand.decimals, str(operand)) == (
        worked().first.probabilities[1],
        3,
        "0.292",
    )
    assert (loss.result.decimals, loss.result.form, str(loss.result)) == (4, "fixed", "1.2307")
    logits = next(s for s in doc.sections if s.id == "logits").worked
    (total,) = logits.steps
    assert total.kind == "add" and total.args[0].args[0].kind == "sum"
    products = total.args[0].args[0].args
    assert [(p.kind, [a.value for a in p.args]) for p in products] == [
        ("mul", [0.4, 0.5]), ("mul", [0.5, 0.6]), ("mul", [0.6, 0.7])
    ]  # fmt: skip
    assert logits.result.value == pytest.approx(1.12)


def test_one_document_feeds_every_rendering(one):
    """The terminal, Markdown and the page show the same arithmetic lines, each in its notation."""
    doc = document(one, "en", 3)
    rows = next(s for s in doc.sections if s.id == "update_b").items[1].rows
    assert [a.line(D.TEXT) for a in rows][1] == "b2' = 0.2 - 0.1*(-0.708) = 0.2708"
    assert "b2' (dog)  = 0.2 - 0.1*(-0.708) = 0.2708 ↑" in render_text(one, "en", 3)
    assert r"b_{2}' &= 0.2 - 0.1 \times (-0.708) = 0.2708\ \uparrow" in render_markdown(one)
    assert (
        rows[1].line(D.HOVER, hint=True) == "b₂′ = b₂ - η · ∂L/∂b₂ = 0.2 - 0.1 × (-0.708) = 0.2708"
    )


def test_wrapping_breaks_chinese_anywhere_and_english_between_words():
    zh = "为什么：所有概率共用同一个分母，所以每个概率都依赖于每一个 logit。"
    offsets = wrap_offsets(zh, 20)
    pieces = [zh[i:j] for i, j in zip([0, *offsets], [*offsets, len(zh)], strict=True)]
    assert all(cell_len(p.rstrip()) <= 20 for p in pieces)
    assert all(not p.startswith(("，", "。")) for p in pieces)
    en = "the quick brown fox jumps over the lazy dog"
    offsets = wrap_offsets(en, 12)
    pieces = [en[i:j].strip() for i, j in zip([0, *offsets], [*offsets, len(en)], strict=True)]
    assert pieces == ["the quick", "brown fox", "jumps over", "the lazy dog"]


@pytest.mark.parametrize("lang", LANGS)
def test_a_marker_is_never_broken_across_lines(lang):
    from handprop.exercise import generate_problem
    from handprop.messages import t

    tr = generate_problem(7).trace()  # class 3 is both the guess and the answer
    sep = t("core.list_sep", lang)
    marker = f"← {t('core.mark.predicted', lang)}{sep}{t('core.mark.true', lang)}"
    for width in range(40, 101, 3):
        out = render_text(tr, lang, 3, width)
        assert marker in out, width  # whole, on one line
    assert wrap_offsets("ab cd ef", 6) == [6] and wrap_offsets("ab cd ef", 6, keep=[(3, 8)]) == [3]
    assert wrap_offsets("ab cd ef", 3, keep=[(0, 5)]) == [3, 6]  # no break point: cut


def test_chinese_output_uses_full_width_punctuation_and_no_stray_spaces():
    ex = WORKED_EXAMPLE
    tr = trace(ex["X"], ex["W"], ex["b"], ex["y"], ex["lr"], classes=["猫", "狗", "猪"])
    text = render_text(tr, "zh", 3, width=200)
    md = render_markdown(tr, "zh", 3)
    assert "Z1（猫）" in text and "第 2 行（狗）" in text and "W2,1'" in text
    assert "类别：1 = 猫，2 = 狗，3 = 猪" in md
    assert "模型押在猪（55.4%）上" in text and "正确类别：狗" in text
    assert "one-hot" not in text + md and "Logits" not in text + md


@pytest.mark.parametrize("lr", [1e-3, 0.1, 1.0, 50.0, 1e4])
def test_the_loss_on_the_sample_falls_for_every_learning_rate_as_the_note_says(lr):
    """3.3's note: for one sample and softmax regression, Z'_k = Z_k - η·δ_k·(x·x + 1), so the
    true class's score rises and every other falls: the loss on that sample falls for any η."""
    for seed in range(20):
        rng = np.random.default_rng(seed)
        k, d = 2 + seed % 4, 1 + seed % 5
        r = trace(rng.normal(size=d), rng.normal(size=(k, d)), rng.normal(size=k), seed % k, lr)
        r = r.first
        step = lr * r.delta * (r.x @ r.x + 1)
        np.testing.assert_allclose(r.logits_after, r.logits - step, rtol=1e-9, atol=1e-9)
        assert r.loss_after < r.loss or r.loss - r.loss_after < 1e-12 * max(1, r.loss)
        key = "core.why.after_down" if r.loss_after < r.loss else "core.why.after_up"
        doc = document(Trace([r]), "en", 3)
        after = next(s for s in doc.sections if s.id == "after")
        assert key in [n.key for n in after.items if isinstance(n, D.Note)]
