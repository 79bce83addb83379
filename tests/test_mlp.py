"""The one-hidden-layer network: hand values, finite differences, PyTorch parity, the trace.

PyTorch parity in float64: ``nn.Sequential(nn.Linear(D, H), nn.ReLU() or nn.Tanh(),
nn.Linear(H, K))`` with the same weights, ``nn.CrossEntropyLoss`` (mean) and ``optim.SGD`` must
give the same loss, every gradient and every updated parameter as handprop's hand-written
backward pass, to 1e-10, for 1 and 5 steps. handprop itself uses no autograd.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
from numpy.testing import assert_allclose

from handprop import functional as F
from handprop.errors import InputError, ShapeError
from handprop.mlp import (
    MLP,
    MLP_EXAMPLE,
    fit_mlp,
    init_mlp,
    sgd_step,
    trace_mlp,
)
from handprop.train import SGDConfig

TOL = {"rtol": 1e-10, "atol": 1e-10}
ACTIVATIONS = ("relu", "tanh")


def random_problem(seed: int, N: int = 8, D: int = 6, H: int = 5, K: int = 4, act: str = "relu"):
    rng = np.random.default_rng(seed)
    net = MLP(
        rng.normal(size=(H, D)),
        rng.normal(size=H) * 0.1,
        rng.normal(size=(K, H)),
        rng.normal(size=K) * 0.1,
        act,
    )
    X = rng.normal(size=(N, D))
    y = rng.integers(0, K, size=N)
    return net, X, y


# ------------------------------------------------------------------------------ functional pieces


def test_activation_derivatives_match_finite_differences():
    rng = np.random.default_rng(0)
    Z = rng.normal(size=(4, 5))
    Z[np.abs(Z) < 1e-3] = 0.5  # keep away from relu's kink
    dH = rng.normal(size=(4, 5))
    for act, back, arg in (
        (F.relu, F.relu_backward, lambda Z, H: Z),
        (F.tanh, F.tanh_backward, lambda Z, H: H),
    ):
        H = act(Z)
        num = F.numerical_gradient(lambda z, act=act: float(np.sum(dH * act(z))), Z)
        assert_allclose(back(dH, arg(Z, H)), num, atol=1e-8)


def test_relu_derivative_at_zero_is_zero_as_in_torch():
    Z = np.array([[-1.0, 0.0, 2.0]])
    assert_allclose(F.relu_backward(np.ones((1, 3)), Z), [[0.0, 0.0, 1.0]])
    z = torch.tensor([[-1.0, 0.0, 2.0]], requires_grad=True)
    torch.relu(z).sum().backward()
    assert_allclose(z.grad.numpy(), [[0.0, 0.0, 1.0]])


def test_input_gradient_is_the_gradient_of_a_linear_layer_wrt_its_input():
    rng = np.random.default_rng(1)
    X, W, b = rng.normal(size=(3, 4)), rng.normal(size=(2, 4)), rng.normal(size=2)
    d = rng.normal(size=(3, 2))  # an upstream dL/dZ
    num = F.numerical_gradient(lambda x: float(np.sum(d * F.linear(x, W, b))), X)
    assert F.input_gradient(d, W).shape == (3, 4)
    assert_allclose(F.input_gradient(d, W), num, atol=1e-8)


# ------------------------------------------------------------------------------ hand values


def test_worked_hidden_layer_example_by_hand():
    tr = trace_mlp(**{k: v for k, v in MLP_EXAMPLE.items() if k != "classes"})
    r = tr.first
    # Z1 rows worked out by hand: 0.05 - 0.12 + 0.21 + 0.1, 0.2 + 0.3 - 0.42 + 0.1, ...
    assert_allclose(r.Z1, [0.24, 0.18, 0.76, -0.10], atol=1e-12)
    assert_allclose(r.H, [0.24, 0.18, 0.76, 0.0], atol=1e-12)
    # Z2 = W2 H + b2: 0.072 - 0.018 + 0.152 + 0.3, -0.048 + 0.09 + 0.076 + 0.2, 0.024 + ...
    assert_allclose(r.Z2, [0.506, 0.318, -0.144], atol=1e-12)
    assert r.dead_units == [3]  # unit 4 has Z1 = -0.1: relu cuts its gradient
    assert_allclose(r.dW1[3], 0.0)
    assert r.predicted_class == 0 and not r.correct  # "cat" wins before the update
    assert r.loss_after < r.loss


@pytest.mark.parametrize("act", ACTIVATIONS)
def test_trace_records_are_consistent(act):
    net, X, y = random_problem(3, act=act)
    tr = trace_mlp(X[0], net.W1, net.b1, net.W2, net.b2, int(y[0]), lr=0.05, activation=act,
                   steps=3)  # fmt: skip
    for i, r in enumerate(tr.steps):
        assert_allclose(r.Z1, r.W1 @ r.x + r.b1, **TOL)
        expected_H = np.maximum(r.Z1, 0) if act == "relu" else np.tanh(r.Z1)
        assert_allclose(r.H, expected_H, **TOL)
        assert_allclose(r.delta2, r.A - r.y_onehot, **TOL)
        assert_allclose(r.dH, r.W2.T @ r.delta2, **TOL)
        assert_allclose(r.delta1, r.dH * r.act_grad, **TOL)
        assert_allclose(r.dW1, np.outer(r.delta1, r.x), **TOL)
        assert_allclose(r.W1_new, r.W1 - 0.05 * r.dW1, **TOL)
        assert_allclose(r.b2_new, r.b2 - 0.05 * r.db2, **TOL)
        assert r.max_abs_gradcheck_error < 1e-7
        if i:
            assert_allclose(r.W2, tr.steps[i - 1].W2_new)
    assert tr.steps[-1].loss_after < tr.first.loss
    data = tr.to_json_data()
    assert isinstance(data, list) and len(data) == 3
    assert set(data[0]) >= {
        "Z1",
        "H",
        "Z2",
        "A",
        "loss",
        "delta2",
        "dW2",
        "db2",
        "dH",
        "delta1",
        "dW1",
        "db1",
        "max_abs_gradcheck_error",
        "W1_new",
        "loss_after",
    }


# ------------------------------------------------------------------------------ gradients


@pytest.mark.parametrize("act", ACTIVATIONS)
@pytest.mark.parametrize("seed", range(3))
def test_backward_matches_numerical_gradient(act, seed):
    net, X, y = random_problem(seed, act=act)
    grads = net.backward(X, net.forward(X), y)
    for i, (p, g) in enumerate(zip(net.params(), grads.params(), strict=True)):

        def loss_of(value, i=i):
            params = list(net.params())
            params[i] = value
            return MLP(*params, activation=act).loss(X, y)

        assert_allclose(g, F.numerical_gradient(loss_of, p), atol=1e-7, rtol=0)


# ------------------------------------------------------------------------------ PyTorch parity


def torch_net(net: MLP) -> torch.nn.Sequential:
    H, D = net.W1.shape
    K = net.W2.shape[0]
    act = torch.nn.ReLU() if net.activation == "relu" else torch.nn.Tanh()
    model = torch.nn.Sequential(
        torch.nn.Linear(D, H, dtype=torch.float64), act, torch.nn.Linear(H, K, dtype=torch.float64)
    )
    with torch.no_grad():
        model[0].weight.copy_(torch.from_numpy(net.W1))
        model[0].bias.copy_(torch.from_numpy(net.b1))
        model[2].weight.copy_(torch.from_numpy(net.W2))
        model[2].bias.copy_(torch.from_numpy(net.b2))
    return model


def torch_params(model: torch.nn.Sequential) -> list[np.ndarray]:
    return [p.detach().numpy().copy() for p in model.parameters()]  # W1, b1, W2, b2


@pytest.mark.parametrize("act", ACTIVATIONS)
@pytest.mark.parametrize("steps", [1, 5])
@pytest.mark.parametrize(
    ("seed", "momentum", "weight_decay"), [(0, 0.0, 0.0), (1, 0.0, 0.0), (2, 0.9, 1e-3)]
)
def test_sgd_steps_match_pytorch(act, steps, seed, momentum, weight_decay):
    net, X, y = random_problem(seed, N=16, D=10, H=7, K=5, act=act)
    model = torch_net(net)
    opt = torch.optim.SGD(model.parameters(), lr=0.1, momentum=momentum,
                          weight_decay=weight_decay)  # fmt: skip
    loss_fn = torch.nn.CrossEntropyLoss()
    Xt, yt = torch.from_numpy(X), torch.from_numpy(y)
    velocity = tuple(np.zeros_like(p) for p in net.params()) if momentum else None
    for _ in range(steps):
        opt.zero_grad()
        loss = loss_fn(model(Xt), yt)
        loss.backward()
        torch_grads = [p.grad.numpy().copy() for p in model.parameters()]
        opt.step()
        ours, grads = sgd_step(net, X, y, 0.1, momentum=momentum, velocity=velocity,
                               weight_decay=weight_decay)  # fmt: skip
        assert math.isclose(ours, loss.item(), rel_tol=1e-10, abs_tol=1e-10)
        for g_ours, g_torch in zip(grads.params(), torch_grads, strict=True):
            assert_allclose(g_ours, g_torch, **TOL)
        for p_ours, p_torch in zip(net.params(), torch_params(model), strict=True):
            assert_allclose(p_ours, p_torch, **TOL)


@pytest.mark.parametrize("act", ACTIVATIONS)
def test_trace_matches_pytorch_single_sample(act):
    ex = MLP_EXAMPLE
    tr = trace_mlp(ex["x"], ex["W1"], ex["b1"], ex["W2"], ex["b2"], ex["y"], ex["lr"], act,
                   steps=5)  # fmt: skip
    net = MLP(*(np.array(ex[k], dtype=np.float64) for k in ("W1", "b1", "W2", "b2")), act)
    model = torch_net(net)
    opt = torch.optim.SGD(model.parameters(), lr=ex["lr"])
    x = torch.tensor([ex["x"]], dtype=torch.float64)
    y = torch.tensor([ex["y"]])
    for r in tr.steps:
        opt.zero_grad()
        loss = torch.nn.functional.cross_entropy(model(x), y)
        loss.backward()
        grads = [p.grad.numpy().copy() for p in model.parameters()]
        opt.step()
        assert math.isclose(r.loss, loss.item(), rel_tol=1e-10)
        for ours, theirs in zip((r.dW1, r.db1, r.dW2, r.db2), grads, strict=True):
            assert_allclose(ours, theirs, **TOL)
        new = (r.W1_new, r.b1_new, r.W2_new, r.b2_new)
        for ours, theirs in zip(new, torch_params(model), strict=True):
            assert_allclose(ours, theirs, **TOL)


def test_fit_mlp_replays_pytorch_minibatch_training():
    """Two epochs of mini-batch SGD with fit_mlp's data order, replayed in PyTorch."""
    net, X, y = random_problem(5, N=37, D=6, H=5, K=3, act="tanh")
    config = SGDConfig(lr=0.2, batch_size=8, epochs=2, momentum=0.0, average=None)
    result = fit_mlp(X, y, net, config, rng=np.random.default_rng(7))
    model = torch_net(net)
    opt = torch.optim.SGD(model.parameters(), lr=0.2)
    order_rng = np.random.default_rng(7)
    for _ in range(2):
        idx = order_rng.permutation(len(X))
        for start in range(0, len(X), 8):
            rows = idx[start : start + 8]
            opt.zero_grad()
            loss = torch.nn.functional.cross_entropy(
                model(torch.from_numpy(X[rows])), torch.from_numpy(y[rows])
            )
            loss.backward()
            opt.step()
    for ours, theirs in zip(result.model.params(), torch_params(model), strict=True):
        assert_allclose(ours, theirs, **TOL)
    assert result.steps == 2 * 5
    assert len(result.history) == 2
    assert_allclose(
        net.W1, random_problem(5, N=37, D=6, H=5, K=3, act="tanh")[0].W1
    )  # not modified


# ------------------------------------------------------------------------------ init, symmetry


def test_init_uses_each_layers_own_fan_in():
    D, H, K = 784, 16, 10
    net = init_mlp(D, H, K, "torch", rng=0, dtype=np.float64)
    assert net.W1.shape == (H, D) and net.b1.shape == (H,)
    assert net.W2.shape == (K, H) and net.b2.shape == (K,)
    assert np.max(np.abs(net.W1)) <= 1 / math.sqrt(D)
    # the second layer's bound is 1/sqrt(H) = 0.25, far larger than 1/sqrt(D) = 0.036
    assert 0.8 / math.sqrt(H) < np.max(np.abs(net.W2)) <= 1 / math.sqrt(H)
    again = init_mlp(D, H, K, "torch", rng=0, dtype=np.float64)
    assert_allclose(again.W2, net.W2)


def test_equal_units_stay_equal_and_random_ones_differ():
    rng = np.random.default_rng(0)
    X, y = rng.random((40, 6)), rng.integers(0, 3, 40)
    const = init_mlp(6, 5, 3, "constant", activation="tanh", dtype=np.float64)
    assert const.hidden_spread() == 0.0
    config = SGDConfig(lr=0.5, batch_size=10, epochs=5, momentum=0.0, average=None)
    trained = fit_mlp(X, y, const, config, rng=1).model
    assert trained.hidden_spread() <= 1e-12
    assert trained.W1.std() > 0  # it did learn something, just the same thing five times
    xav = init_mlp(6, 5, 3, "xavier", activation="tanh", rng=0, dtype=np.float64)
    assert fit_mlp(X, y, xav, config, rng=1).model.hidden_spread() > 0.1


# ------------------------------------------------------------------------------ bad input


def test_bad_input_is_reported():
    ex = MLP_EXAMPLE
    with pytest.raises(ShapeError):
        trace_mlp(ex["x"][:2], ex["W1"], ex["b1"], ex["W2"], ex["b2"], 1)
    with pytest.raises(ShapeError):
        trace_mlp(ex["x"], ex["W1"], ex["b1"][:2], ex["W2"], ex["b2"], 1)
    with pytest.raises(InputError, match="activation"):
        trace_mlp(ex["x"], ex["W1"], ex["b1"], ex["W2"], ex["b2"], 1, activation="sigmoid")
    with pytest.raises(InputError, match="y"):
        trace_mlp(ex["x"], ex["W1"], ex["b1"], ex["W2"], ex["b2"], 3)
    with pytest.raises(InputError, match="lr"):
        trace_mlp(ex["x"], ex["W1"], ex["b1"], ex["W2"], ex["b2"], 1, lr=0)


# ------------------------------------------------------------------------------ rendering


@pytest.mark.parametrize("lang", ["en", "zh"])
@pytest.mark.parametrize("act", ACTIVATIONS)
def test_renderings_show_the_numbers_in_both_languages(lang, act):
    from handprop.messages import t
    from handprop.render import render

    ex = MLP_EXAMPLE
    tr = trace_mlp(ex["x"], ex["W1"], ex["b1"], ex["W2"], ex["b2"], ex["y"], ex["lr"], act,
                   classes=ex["classes"])  # fmt: skip
    text = render(tr, "text", lang)
    md = render(tr, "markdown", lang)
    for out in (text, md):
        assert t("lab.mlp.forward", lang) in out and t("lab.mlp.backward", lang) in out
        assert "0.24" in out and "0.76" in out  # Z1 by hand
        assert t(f"lab.mlp.why.act_{act}", lang) in out
    assert "(0.1*0.5 + (-0.2)*0.6 + 0.3*0.7) + 0.1 = 0.24" in text
    assert "$$" in md and r"\begin{bmatrix}" in md
    if act == "relu":
        assert t("lab.mlp.dead", lang, units="4") in text
    assert f"{tr.first.loss:.4f}" in text
