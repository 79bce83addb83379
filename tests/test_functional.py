"""Tests of handprop.functional: the worked example's numbers, gradient checks, label forms,
``out=`` buffers, SGD semantics, and hypothesis properties of softmax and cross-entropy.

Reference numbers are computed here by hand (``math.exp`` sums written out) or taken from the
study notes at the notes' printed precision; nothing is copied from the code under test.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from numpy.testing import assert_allclose, assert_array_equal

from handprop import functional as F

# --- the worked example (3 features, 3 classes, true class index 1, lr 0.1) ---------------------

X1 = [0.5, 0.6, 0.7]
W1 = [[0.1, 0.2, 0.3], [0.4, 0.5, 0.6], [0.7, 0.8, 0.9]]
B1 = [0.1, 0.2, 0.3]
Y1 = 1
LR = 0.1


def _example() -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    X = np.array([X1])  # (1, 3)
    W = np.array(W1)  # (3, 3)
    b = np.array(B1)  # (3,)
    y = np.array([Y1])  # (1,)
    return X, W, b, y


def _hand_forward() -> tuple[list[float], list[float], float, list[float]]:
    """Z, exp(Z), the sum and A written out term by term, independent of numpy."""
    z = [
        (0.1 * 0.5 + 0.2 * 0.6 + 0.3 * 0.7) + 0.1,
        (0.4 * 0.5 + 0.5 * 0.6 + 0.6 * 0.7) + 0.2,
        (0.7 * 0.5 + 0.8 * 0.6 + 0.9 * 0.7) + 0.3,
    ]
    e = [math.exp(z[0]), math.exp(z[1]), math.exp(z[2])]
    s = e[0] + e[1] + e[2]
    a = [e[0] / s, e[1] / s, e[2] / s]
    return z, e, s, a


def test_worked_example_forward_matches_hand_and_notes() -> None:
    X, W, b, y = _example()
    z, e, s, a = _hand_forward()
    Z = F.linear(X, W, b)
    exp_z, sum_exp, A = F.softmax_parts(Z)
    assert Z.shape == (1, 3)
    assert_allclose(Z[0], z, rtol=0, atol=1e-14)
    assert_allclose(Z[0], [0.48, 1.12, 1.76], rtol=0, atol=1e-12)
    assert_allclose(exp_z[0], e, rtol=1e-14)
    assert_allclose(exp_z[0], [1.616, 3.065, 5.812], rtol=0, atol=5e-4)
    assert sum_exp[0] == pytest.approx(s, rel=1e-14)
    assert sum_exp[0] == pytest.approx(10.493, abs=5e-4)
    assert_allclose(A[0], a, rtol=1e-14)
    assert_allclose(A[0], [0.154, 0.292, 0.554], rtol=0, atol=5e-4)
    loss = F.cross_entropy(Z, y)
    assert loss == pytest.approx(-math.log(a[1]), rel=1e-14)
    assert loss == pytest.approx(1.2307, abs=5e-5)
    assert F.softmax_regression_loss(X, W, b, y) == loss
    assert F.predict(X, W, b).tolist() == [2]  # the pig wins before training; truth is dog


def test_worked_example_backward_and_update() -> None:
    X, W, b, y = _example()
    _, _, _, a = _hand_forward()
    d_hand = [a[0] - 0.0, a[1] - 1.0, a[2] - 0.0]
    dW_hand = [[d_hand[k] * X1[j] for j in range(3)] for k in range(3)]

    A = F.softmax(F.linear(X, W, b))
    d, dW, db = F.backward(X, A, y)
    assert_allclose(d[0], d_hand, rtol=1e-13)
    assert_allclose(d[0], [0.154, -0.708, 0.554], rtol=0, atol=5e-4)
    assert_allclose(db, d_hand, rtol=1e-13)
    assert_allclose(dW, dW_hand, rtol=1e-13)
    notes_dW = [[0.077, 0.092, 0.108], [-0.354, -0.425, -0.496], [0.277, 0.332, 0.388]]
    assert_allclose(dW, notes_dW, rtol=0, atol=5e-4)

    W_new, b_new = F.sgd_update(W, b, dW, db, LR)
    assert b_new[1] == pytest.approx(0.2 - 0.1 * d_hand[1], rel=1e-14)
    assert b_new[1] == pytest.approx(0.2708, abs=5e-5)
    assert_allclose(W_new[1], [0.4354, 0.5425, 0.6496], rtol=0, atol=5e-5)
    expected_W = [[W1[k][j] - 0.1 * dW_hand[k][j] for j in range(3)] for k in range(3)]
    assert_allclose(W_new, expected_W, rtol=1e-14)
    # sgd_update returns new arrays and leaves the old ones alone
    assert_array_equal(W, W1)
    assert_array_equal(b, B1)
    loss_before = F.softmax_regression_loss(X, W, b, y)
    assert F.softmax_regression_loss(X, W_new, b_new, y) < loss_before


# --- chain rule and numerical gradient -----------------------------------------------------------


def _random_problem(
    seed: int, max_n: int = 8, max_k: int = 10, max_d: int = 10
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    N = int(rng.integers(1, max_n + 1))
    K = int(rng.integers(2, max_k + 1))
    D = int(rng.integers(1, max_d + 1))
    X = rng.normal(size=(N, D))
    W = rng.normal(size=(K, D))
    b = rng.normal(size=K)
    y = rng.integers(0, K, size=N)
    return X, W, b, y


def test_chain_rule_equals_shortcut_worked_example() -> None:
    X, W, b, y = _example()
    A = F.softmax(F.linear(X, W, b))
    Y = F.one_hot(y, 3)
    assert_allclose(F.delta_by_chain_rule(A, Y), F.delta(A, Y), rtol=0, atol=1e-12)
    # the long way's first factor is -1/a_true in the true class and 0 elsewhere
    assert_allclose(F.loss_gradient_wrt_probs(A, Y)[0], [0.0, -1 / A[0, 1], 0.0], rtol=1e-15)


@pytest.mark.parametrize("seed", range(10))
def test_chain_rule_equals_shortcut_random(seed: int) -> None:
    X, W, b, y = _random_problem(seed)
    A = F.softmax(F.linear(X, W, b))
    Y = F.one_hot(y, W.shape[0])
    assert_allclose(F.delta_by_chain_rule(A, Y), F.delta(A, Y), rtol=0, atol=1e-12)


def test_chain_rule_when_a_wrong_class_probability_underflows() -> None:
    # exp(-1000) underflows to exactly 0; dL/dA is 0 there (Y is 0), not 0/0 = NaN
    Z = np.array([[0.0, 1000.0, 0.0], [3.0, 1.0, -2000.0]])
    A = F.softmax(Z)
    assert A[0, 0] == 0.0 and A[1, 2] == 0.0
    Y = F.one_hot(np.array([1, 0]), 3)
    long_way = F.delta_by_chain_rule(A, Y)
    assert np.all(np.isfinite(long_way))
    assert_allclose(long_way, F.delta(A, Y), rtol=0, atol=1e-12)


def test_softmax_jacobian_against_finite_differences() -> None:
    z = np.array([0.3, -1.2, 2.0, 0.5])
    a = F.softmax(z)
    J = F.softmax_jacobian(a)
    eps = 1e-6
    numeric = np.empty((4, 4))
    for j in range(4):
        e = np.zeros(4)
        e[j] = eps
        numeric[:, j] = (F.softmax(z + e) - F.softmax(z - e)) / (2 * eps)
    assert_allclose(J, numeric, rtol=0, atol=1e-9)
    assert_allclose(J, J.T, rtol=0, atol=0)
    assert_allclose(J.sum(axis=0), 0.0, atol=1e-15)  # probabilities keep summing to 1
    batch = F.softmax_jacobian(np.stack([a, a[::-1]]))
    assert batch.shape == (2, 4, 4)
    assert_array_equal(batch[0], J)


@pytest.mark.parametrize("seed", range(8))
@pytest.mark.parametrize("labels", ["int", "onehot"])
def test_numerical_gradient_matches_backward(seed: int, labels: str) -> None:
    X, W, b, y = _random_problem(seed + 100, max_n=6, max_k=6, max_d=6)
    Y = y if labels == "int" else F.one_hot(y, W.shape[0])
    A = F.softmax(F.linear(X, W, b))
    _, dW, db = F.backward(X, A, Y)
    num_W = F.numerical_gradient(lambda w: F.softmax_regression_loss(X, w, b, Y), W)
    num_b = F.numerical_gradient(lambda v: F.softmax_regression_loss(X, W, v, Y), b)
    assert num_W.shape == W.shape and num_b.shape == b.shape
    assert_allclose(num_W, dW, rtol=0, atol=1e-7)
    assert_allclose(num_b, db, rtol=0, atol=1e-7)


def test_numerical_gradient_of_a_known_function_and_layouts() -> None:
    rng = np.random.default_rng(3)
    M = rng.normal(size=(3, 5))
    c = rng.normal(size=(3, 5))

    def f(m: np.ndarray) -> float:
        return float(np.sum(c * m**2))

    for layout in (M, np.asfortranarray(M), M.T.copy().T, M[:, ::-1][:, ::-1]):
        before = layout.copy()
        g = F.numerical_gradient(f, layout)
        assert_allclose(g, 2 * c * M, rtol=0, atol=1e-8)
        assert_array_equal(layout, before)  # perturbed in a copy
    # a float32 input is checked in float64
    g32 = F.numerical_gradient(lambda v: float(np.sum(v.astype(np.float64) ** 3)), np.ones(3, "f4"))
    assert g32.dtype == np.float64
    assert_allclose(g32, 3.0, rtol=1e-8)


# --- labels: one-hot and integer indices give the same results --------------------------------


@pytest.mark.parametrize("seed", range(5))
def test_integer_and_one_hot_labels_agree(seed: int) -> None:
    X, W, b, y = _random_problem(seed + 200)
    K = W.shape[0]
    Y = F.one_hot(y, K)
    assert Y.shape == (X.shape[0], K)
    assert_array_equal(Y.sum(axis=1), 1.0)
    assert_array_equal(Y.argmax(axis=1), y)
    Z = F.linear(X, W, b)
    A = F.softmax(Z)
    assert_array_equal(F.delta(A, y), F.delta(A, Y))
    assert F.cross_entropy(Z, y) == pytest.approx(F.cross_entropy(Z, Y), rel=1e-14, abs=1e-15)
    for got, want in zip(F.backward(X, A, y), F.backward(X, A, Y), strict=True):
        assert_array_equal(got, want)
    # and both are the formula: L = -(1/N) sum_n log A[n, y_n]
    expected = -sum(math.log(A[n, y[n]]) for n in range(len(y))) / len(y)
    assert F.cross_entropy(Z, y) == pytest.approx(expected, rel=1e-12)


# --- out= buffers --------------------------------------------------------------------------------


def test_out_buffers_give_the_allocating_result() -> None:
    X, W, b, y = _random_problem(7, max_n=6)
    N, K = X.shape[0], W.shape[0]
    Y = F.one_hot(y, K)

    Z = F.linear(X, W, b)
    Z_buf = np.full((N, K), np.nan)
    assert F.linear(X, W, b, out=Z_buf) is Z_buf
    assert_array_equal(Z_buf, Z)

    A = F.softmax(Z)
    A_buf = np.full((N, K), np.nan)
    assert F.softmax(Z, out=A_buf) is A_buf
    assert_array_equal(A_buf, A)
    Z_inplace = Z.copy()
    assert F.softmax(Z_inplace, out=Z_inplace) is Z_inplace  # the trainer's A overwriting Z
    assert_array_equal(Z_inplace, A)

    for labels in (y, Y):
        d = F.delta(A, labels)
        d_buf = np.full((N, K), np.nan)
        assert F.delta(A, labels, out=d_buf) is d_buf
        assert_array_equal(d_buf, d)
        A_inplace = A.copy()
        assert F.delta(A_inplace, labels, out=A_inplace) is A_inplace
        assert_array_equal(A_inplace, d)
    assert_array_equal(A, F.softmax(Z))  # the allocating calls did not touch A

    d = F.delta(A, y)
    dW, db = F.param_gradients(X, d)
    dW_buf = np.full(W.shape, np.nan)
    dW2, db2 = F.param_gradients(X, d, out_W=dW_buf)
    assert dW2 is dW_buf
    assert_array_equal(dW_buf, dW)
    assert_array_equal(db2, db)

    W_new = F.sgd_step(W, dW, 0.3)
    W_buf = np.full(W.shape, np.nan)
    assert F.sgd_step(W, dW, 0.3, out=W_buf) is W_buf
    assert_array_equal(W_buf, W_new)
    W_inplace = W.copy()
    assert F.sgd_step(W_inplace, dW, 0.3, out=W_inplace) is W_inplace
    assert_array_equal(W_inplace, W_new)


def test_out_buffers_with_momentum_and_weight_decay() -> None:
    rng = np.random.default_rng(11)
    W = rng.normal(size=(4, 3))
    grads = [rng.normal(size=(4, 3)) for _ in range(3)]
    kw = {"momentum": 0.9, "weight_decay": 0.05}
    W_alloc, W_inplace, W_out = W.copy(), W.copy(), W.copy()
    v1, v2, v3 = np.zeros_like(W), np.zeros_like(W), np.zeros_like(W)
    buf = np.empty_like(W)
    for g in grads:
        W_alloc = F.sgd_step(W_alloc, g, 0.1, velocity=v1, **kw)
        F.sgd_step(W_inplace, g, 0.1, velocity=v2, out=W_inplace, **kw)
        W_out = F.sgd_step(W_out, g, 0.1, velocity=v3, out=buf, **kw).copy()
        assert_array_equal(W_inplace, W_alloc)
        assert_array_equal(W_out, W_alloc)
        assert_array_equal(v2, v1)


# --- SGD semantics (torch.optim.SGD, written out from its documented algorithm) -----------------


def _torch_sgd_reference(
    p0: list[float], grads: list[list[float]], lr: float, mu: float, wd: float
) -> list[list[float]]:
    """torch.optim.SGD (dampening 0, no Nesterov) for a flat parameter, in plain Python:
    g = grad + wd * p;  buf = g on the first step, else buf = mu * buf + g;  p = p - lr * buf."""
    p = list(p0)
    buf: list[float] | None = None
    history = []
    for grad in grads:
        g = [gi + wd * pi for gi, pi in zip(grad, p, strict=True)]
        if mu:
            buf = g if buf is None else [mu * bi + gi for bi, gi in zip(buf, g, strict=True)]
            g = buf
        p = [pi - lr * gi for pi, gi in zip(p, g, strict=True)]
        history.append(p)
    return history


@pytest.mark.parametrize(("mu", "wd"), [(0.0, 0.0), (0.9, 0.0), (0.0, 0.01), (0.9, 0.01)])
def test_sgd_step_follows_torch_sgd_algorithm(mu: float, wd: float) -> None:
    rng = np.random.default_rng(5)
    p0 = rng.normal(size=6)
    grads = [rng.normal(size=6) for _ in range(5)]
    expected = _torch_sgd_reference(p0.tolist(), [g.tolist() for g in grads], 0.05, mu, wd)
    p = p0.copy()
    velocity = np.zeros_like(p)
    for g, want in zip(grads, expected, strict=True):
        p = F.sgd_step(p, g, 0.05, momentum=mu, velocity=velocity, weight_decay=wd)
        assert_allclose(p, want, rtol=1e-14, atol=1e-15)
    if not mu:
        assert_array_equal(velocity, 0.0)  # no momentum: the buffer is not used


def test_sgd_step_first_momentum_step_fills_the_zero_buffer() -> None:
    p = np.array([1.0, -2.0])
    g = np.array([0.5, 0.25])
    v = np.zeros(2)
    new = F.sgd_step(p, g, 0.1, momentum=0.9, velocity=v, weight_decay=0.1)
    assert_allclose(v, g + 0.1 * p, rtol=1e-15)
    assert_allclose(new, p - 0.1 * (g + 0.1 * p), rtol=1e-15)
    assert_array_equal(p, [1.0, -2.0])
    with pytest.raises(ValueError, match="velocity"):
        F.sgd_step(p, g, 0.1, momentum=0.9)


# --- properties (hypothesis) ---------------------------------------------------------------------

PROPS = settings(deadline=None, max_examples=60)


def _logits(bound: float) -> st.SearchStrategy[np.ndarray]:
    shapes = st.tuples(st.integers(1, 6), st.integers(1, 8))
    elements = st.floats(-bound, bound, allow_nan=False, allow_infinity=False)
    return hnp.arrays(np.float64, shapes, elements=elements)


@PROPS
@given(_logits(1e4))
def test_prop_probabilities_sum_to_one_and_lie_in_unit_interval(Z: np.ndarray) -> None:
    A = F.softmax(Z)
    assert A.shape == Z.shape
    assert np.all((A >= 0) & (A <= 1))
    assert_allclose(A.sum(axis=1), 1.0, rtol=0, atol=1e-12)
    # the largest logit always has the largest probability
    assert_array_equal(A[np.arange(len(Z)), Z.argmax(axis=1)], A.max(axis=1))


@PROPS
@given(_logits(1e3), st.floats(-1e3, 1e3, allow_nan=False), st.data())
def test_prop_softmax_is_shift_invariant(Z: np.ndarray, c: float, data: st.DataObject) -> None:
    # a shift of up to 1e3 rounds each logit by at most ulp(2e3) ~ 4.5e-13, so each probability
    # moves by a relative ~1e-12: compare to 1e-11
    assert_allclose(F.softmax(Z + c), F.softmax(Z), rtol=0, atol=1e-11)
    rows = data.draw(hnp.arrays(np.float64, (Z.shape[0], 1), elements=st.floats(-1e3, 1e3)))
    assert_allclose(F.softmax(Z + rows), F.softmax(Z), rtol=0, atol=1e-11)


@PROPS
@given(_logits(1e4), st.data())
def test_prop_no_nan_or_inf_for_large_logits(Z: np.ndarray, data: st.DataObject) -> None:
    N, K = Z.shape
    y = np.array(data.draw(st.lists(st.integers(0, K - 1), min_size=N, max_size=N)))
    A = F.softmax(Z)
    log_A = F.log_softmax(Z)
    assert np.all(np.isfinite(A)) and np.all(np.isfinite(log_A))
    assert np.all(log_A <= 0)
    assert_allclose(np.exp(log_A), A, rtol=1e-12, atol=1e-300)
    for labels in (y, F.one_hot(y, K)):
        loss = F.cross_entropy(Z, labels)
        assert math.isfinite(loss)
        assert loss >= 0
        d = F.delta(A, labels)
        assert np.all(np.isfinite(d))


@PROPS
@given(_logits(1e4), st.data())
def test_prop_extreme_logits_exactly(Z: np.ndarray, data: st.DataObject) -> None:
    # logits pinned at the ends of the range, the worst case for overflow
    signs = data.draw(hnp.arrays(np.float64, Z.shape, elements=st.sampled_from([-1e4, 1e4])))
    A = F.softmax(signs)
    assert np.all(np.isfinite(A)) and np.all(np.isfinite(F.log_softmax(signs)))
    assert_allclose(A.sum(axis=1), 1.0, rtol=0, atol=1e-12)
    y = np.zeros(Z.shape[0], dtype=int)
    loss = F.cross_entropy(signs, y)
    assert math.isfinite(loss) and loss >= 0
    # a true class 2e4 below the best one costs about 2e4 nats, not inf
    if Z.shape[1] > 1:
        worst = np.full((1, Z.shape[1]), 1e4)
        worst[0, 0] = -1e4
        assert F.cross_entropy(worst, np.array([0])) == pytest.approx(
            2e4 + math.log(Z.shape[1] - 1)
        )


@st.composite
def _problems(draw: st.DrawFn) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    N = draw(st.integers(1, 8))
    K = draw(st.integers(2, 6))
    D = draw(st.integers(1, 6))
    X = draw(hnp.arrays(np.float64, (N, D), elements=st.floats(-10, 10)))
    W = draw(hnp.arrays(np.float64, (K, D), elements=st.floats(-5, 5)))
    b = draw(hnp.arrays(np.float64, (K,), elements=st.floats(-5, 5)))
    y = np.array(draw(st.lists(st.integers(0, K - 1), min_size=N, max_size=N)))
    return X, W, b, y


@PROPS
@given(_problems())
def test_prop_loss_is_nonnegative(problem: tuple[np.ndarray, ...]) -> None:
    X, W, b, y = problem
    assert F.softmax_regression_loss(X, W, b, y) >= 0


@PROPS
@given(_problems())
def test_prop_one_small_step_lowers_the_loss(problem: tuple[np.ndarray, ...]) -> None:
    """With lr = 1 / M, M = max_n (|x_n|^2 + 1), one step lowers L by >= 0.75 lr |g|^2.

    Why this lr: the Hessian of the per-sample loss in the logits is diag(a) - a a^T, whose
    eigenvalues are <= 1/2 (Boehning's bound), and the logits are linear in (W, b) with input
    (x, 1); so L is beta-smooth with beta <= M / 2. The descent lemma then gives
    L(theta - lr g) <= L - lr (1 - beta lr / 2) |g|^2 <= L - 0.75 lr |g|^2 for lr = 1 / M.
    A fixed lr could overshoot once |x| is large; this one scales with the problem.
    """
    X, W, b, y = problem
    lr = 1.0 / float(np.max(np.sum(X**2, axis=1) + 1.0))
    loss = F.softmax_regression_loss(X, W, b, y)
    _, dW, db = F.backward(X, F.softmax(F.linear(X, W, b)), y)
    W_new, b_new = F.sgd_update(W, b, dW, db, lr)
    after = F.softmax_regression_loss(X, W_new, b_new, y)
    grad_sq = float(np.sum(dW**2) + np.sum(db**2))
    slack = 1e-12 * (1.0 + loss)  # rounding of the two loss evaluations
    assert after <= loss - 0.75 * lr * grad_sq + slack
    if 0.75 * lr * grad_sq > 2 * slack:
        assert after < loss
