"""The trace of the notes' worked example, number by number, and of several steps."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

import handprop
from handprop.errors import InputError, ShapeError
from handprop.tracing import JSON_KEYS, WORKED_EXAMPLE, Trace, trace


def worked(steps: int = 1, **changes: object) -> Trace:
    ex = {**WORKED_EXAMPLE, **changes}
    return trace(ex["X"], ex["W"], ex["b"], ex["y"], ex["lr"], steps=steps, classes=ex["classes"])


def at_precision(actual: object, expected: object, decimals: int) -> None:
    """``actual`` rounds to the notes' ``expected`` at their number of ``decimals``."""
    np.testing.assert_array_equal(np.round(np.asarray(actual), decimals), expected)


@pytest.fixture(scope="module")
def step1():
    return worked().first


def test_logits_match_the_notes(step1):
    # z1 = (0.1*0.5 + 0.2*0.6 + 0.3*0.7) + 0.1 = 0.48, and so on
    np.testing.assert_allclose(step1.logits, [0.48, 1.12, 1.76], rtol=0, atol=1e-12)
    np.testing.assert_allclose(
        step1.logit_products,
        [[0.05, 0.12, 0.21], [0.2, 0.3, 0.42], [0.35, 0.48, 0.63]],
        rtol=0,
        atol=1e-15,
    )
    np.testing.assert_allclose(
        step1.logit_products.sum(axis=1) + step1.b, step1.logits, rtol=0, atol=1e-15
    )


def test_exponentials_sum_and_probabilities_match_the_notes(step1):
    at_precision(step1.exp_logits, [1.616, 3.065, 5.812], 3)
    assert round(step1.sum_exp, 3) == 10.493
    at_precision(step1.probabilities, [0.154, 0.292, 0.554], 3)
    assert step1.probabilities.sum() == pytest.approx(1.0, abs=1e-15)
    assert step1.predicted_class == 2  # pig: the model is wrong
    assert step1.true_class == 1
    assert not step1.correct


def test_loss_is_minus_log_of_the_true_class_probability(step1):
    assert round(step1.loss, 4) == 1.2307
    assert step1.loss == pytest.approx(-np.log(step1.probabilities[1]), rel=1e-14)


def test_delta_and_gradients_match_the_notes(step1):
    at_precision(step1.delta, [0.154, -0.708, 0.554], 3)
    at_precision(step1.grad_b, [0.154, -0.708, 0.554], 3)
    at_precision(step1.grad_W[0], [0.077, 0.092, 0.108], 3)
    at_precision(step1.grad_W[1], [-0.354, -0.425, -0.496], 3)
    at_precision(step1.grad_W[2], [0.277, 0.332, 0.388], 3)
    np.testing.assert_allclose(step1.grad_W, np.outer(step1.delta, step1.x), rtol=0, atol=1e-15)


def test_long_way_equals_shortcut_and_numerical_gradient_agrees(step1):
    np.testing.assert_allclose(step1.delta_chain, step1.delta, rtol=0, atol=1e-12)
    assert step1.chain_rule_gap < 1e-12
    np.testing.assert_allclose(step1.numerical_grad_W, step1.grad_W, rtol=0, atol=1e-7)
    np.testing.assert_allclose(step1.numerical_grad_b, step1.grad_b, rtol=0, atol=1e-7)
    assert step1.max_abs_gradcheck_error < 1e-7
    # the Jacobian is diag(a) - a a^T: symmetric, rows summing to 0
    np.testing.assert_allclose(step1.jacobian, step1.jacobian.T, rtol=0, atol=0)
    np.testing.assert_allclose(step1.jacobian.sum(axis=1), 0, atol=1e-16)
    assert step1.dL_dA[1] == pytest.approx(-1 / step1.probabilities[1], rel=1e-14)
    assert step1.dL_dA[0] == 0 and step1.dL_dA[2] == 0


def test_update_matches_the_notes(step1):
    # b2: 0.2 - 0.1 * (-0.708) = 0.2708;  W row 2: 0.4354, 0.5425, 0.6496
    assert round(step1.b_new[1], 4) == 0.2708
    at_precision(step1.W_new[1], [0.4354, 0.5425, 0.6496], 4)
    # the true class's row and bias went up, the other rows and biases went down
    assert np.all(step1.W_new[1] > step1.W[1])
    assert np.all(step1.W_new[[0, 2]] < step1.W[[0, 2]])
    assert step1.b_new[1] > step1.b[1] and step1.b_new[0] < step1.b[0]


def test_after_one_update_the_loss_falls_but_the_prediction_is_still_wrong(step1):
    assert round(step1.loss_after, 4) == 1.0630
    assert step1.loss_after < step1.loss
    assert step1.probabilities_after[1] > step1.probabilities[1]
    assert step1.predicted_after == 2


def test_five_steps_loss_falls_and_prediction_flips_after_the_third_update():
    tr = worked(steps=5)
    assert len(tr) == 5
    losses = [r.loss for r in tr.steps] + [tr.steps[-1].loss_after]
    assert all(b < a for a, b in itertools.pairwise(losses))
    assert [r.predicted_class for r in tr.steps] == [2, 2, 2, 1, 1]
    assert [r.predicted_after for r in tr.steps] == [2, 2, 1, 1, 1]
    assert round(tr.steps[-1].loss_after, 4) == 0.6213
    # each step starts where the previous one ended
    for before, after in itertools.pairwise(tr.steps):
        np.testing.assert_array_equal(after.W, before.W_new)
        np.testing.assert_array_equal(after.b, before.b_new)
        assert after.loss == pytest.approx(before.loss_after, rel=1e-14)
    assert [r.step for r in tr.steps] == [1, 2, 3, 4, 5]


def test_one_hot_label_gives_the_same_trace_as_the_index():
    by_index = worked(steps=2)
    by_onehot = worked(steps=2, y=[0, 1, 0])
    by_float_onehot = worked(steps=2, y=[0.0, 1.0, 0.0])
    for other in (by_onehot, by_float_onehot):
        for a, b in zip(by_index.steps, other.steps, strict=True):
            for key, value in a.to_dict().items():
                np.testing.assert_array_equal(value, b.to_dict()[key], err_msg=key)


def test_handprop_trace_is_the_function_and_works_without_class_names():
    tr = handprop.trace([0.5, 0.6, 0.7], np.eye(3), [0.0, 0.0, 0.0], 0, lr=0.5)
    assert tr.classes is None
    assert tr.first.predicted_class == 2
    assert set(JSON_KEYS) <= set(tr.first.to_dict())


@pytest.mark.parametrize(
    ("y", "error"),
    [(3, InputError), (-1, InputError), ([0, 1, 1], InputError), ([1, 0], InputError)],
)
def test_bad_labels_are_refused_with_the_field_name(y, error):
    with pytest.raises(error, match="y must"):
        worked(y=y)


def test_mismatched_shapes_are_refused():
    # the message names the array X disagrees with, in both languages
    with pytest.raises(
        ShapeError,
        match=r"X must have 3 numbers, one for each column of W \(W is 3 × 3\); got 2 numbers",
    ):
        trace([1.0, 2.0], WORKED_EXAMPLE["W"], WORKED_EXAMPLE["b"], 0)
    with pytest.raises(
        ShapeError, match=r"b must have 3 numbers, one for each row of W .*; got one number"
    ):
        trace([1.0, 2.0, 3.0], WORKED_EXAMPLE["W"], [0.5], 0)
    with pytest.raises(ShapeError) as error:
        trace([1.0, 2.0], [[1.0, 2.0, 3.0]] * 2, [0.0, 0.0], 0)
    assert error.value.message("zh") == (
        "trace：X 应当有 3 个数，与 W 的列数相同（W 是 2 × 3 矩阵）；实际为 2 个数。"
    )


def test_repr_markdown_is_a_markdown_note_with_the_numbers():
    md = worked()._repr_markdown_()
    assert md.startswith("# ")
    assert "$$" in md and r"\begin{bmatrix}" in md
    assert r"(0.1 \times 0.5 + 0.2 \times 0.6 + 0.3 \times 0.7) + 0.1 = 0.48" in md
    assert "10.493" in md and "1.2307" in md and "0.2708" in md
