"""PyTorch parity in float64: nn.Linear + nn.CrossEntropyLoss (mean) + optim.SGD against handprop.

Single samples go through :func:`handprop.tracing.trace` (what ``handprop demo``/``step`` show);
batches go through :mod:`handprop.functional` (what the trainer calls). Every step's loss,
gradients and updated parameters must agree to 1e-10.
"""

from __future__ import annotations

import numpy as np
import pytest
import torch
from numpy.testing import assert_allclose

from handprop import functional as F
from handprop.tracing import WORKED_EXAMPLE, trace

TOL = {"rtol": 1e-10, "atol": 1e-10}
STEPS = 5
SEEDS = range(6)


def torch_steps(
    X: np.ndarray,
    W: np.ndarray,
    b: np.ndarray,
    y: np.ndarray,
    lr: float,
    steps: int,
    momentum: float = 0.0,
    weight_decay: float = 0.0,
) -> list[dict[str, np.ndarray | float]]:
    """Run ``steps`` optimiser steps in PyTorch; per step: loss, grads, params after, loss after."""
    K, D = W.shape
    layer = torch.nn.Linear(D, K, dtype=torch.float64)
    with torch.no_grad():
        layer.weight.copy_(torch.from_numpy(W))
        layer.bias.copy_(torch.from_numpy(b))
    Xt = torch.from_numpy(X).to(torch.float64)
    yt = torch.from_numpy(np.asarray(y, dtype=np.int64))
    loss_fn = torch.nn.CrossEntropyLoss()  # mean over the batch
    opt = torch.optim.SGD(layer.parameters(), lr=lr, momentum=momentum, weight_decay=weight_decay)
    records = []
    for _ in range(steps):
        opt.zero_grad()
        loss = loss_fn(layer(Xt), yt)
        loss.backward()
        rec: dict[str, np.ndarray | float] = {
            "loss": loss.item(),
            "grad_W": layer.weight.grad.detach().numpy().copy(),
            "grad_b": layer.bias.grad.detach().numpy().copy(),
        }
        opt.step()
        with torch.no_grad():
            rec["W_new"] = layer.weight.detach().numpy().copy()
            rec["b_new"] = layer.bias.detach().numpy().copy()
            rec["loss_after"] = loss_fn(layer(Xt), yt).item()
        records.append(rec)
    return records


def handprop_steps(
    X: np.ndarray,
    W: np.ndarray,
    b: np.ndarray,
    labels: np.ndarray,
    lr: float,
    steps: int,
    momentum: float = 0.0,
    weight_decay: float = 0.0,
) -> list[dict[str, np.ndarray | float]]:
    """The same loop through handprop.functional (labels: (N,) indices or (N, K) one-hot)."""
    W, b = W.copy(), b.copy()
    vW, vb = np.zeros_like(W), np.zeros_like(b)
    records = []
    for _ in range(steps):
        Z = F.linear(X, W, b)  # (N, K)
        A = F.softmax(Z)
        loss = F.cross_entropy(Z, labels)
        _, dW, db = F.backward(X, A, labels)
        kw = {"momentum": momentum, "weight_decay": weight_decay}
        W = F.sgd_step(W, dW, lr, velocity=vW, **kw)
        b = F.sgd_step(b, db, lr, velocity=vb, **kw)
        records.append(
            {
                "loss": loss,
                "grad_W": dW,
                "grad_b": db,
                "W_new": W,
                "b_new": b,
                "loss_after": F.softmax_regression_loss(X, W, b, labels),
            }
        )
    return records


def assert_same(ours: list[dict], theirs: list[dict]) -> None:
    assert len(ours) == len(theirs)
    for step, (mine, ref) in enumerate(zip(ours, theirs, strict=True), start=1):
        for key in ("loss", "grad_W", "grad_b", "W_new", "b_new", "loss_after"):
            assert_allclose(mine[key], ref[key], **TOL, err_msg=f"step {step}: {key}")


def random_problem(seed: int, max_n: int = 64) -> tuple[np.ndarray, ...]:
    rng = np.random.default_rng(seed)
    K = int(rng.integers(2, 11))
    D = int(rng.integers(1, 11))
    N = int(rng.integers(1, max_n + 1))
    X = rng.normal(size=(N, D))
    W = rng.normal(scale=0.5, size=(K, D))
    b = rng.normal(scale=0.5, size=K)
    y = rng.integers(0, K, size=N)
    lr = float(rng.uniform(0.01, 0.5))
    return X, W, b, y, lr


def test_torch_runs_in_float64() -> None:
    # guard: the comparison is only meaningful if nothing silently ran in float32
    rec = torch_steps(np.ones((1, 2)), np.ones((2, 2)), np.zeros(2), np.array([0]), 0.1, 1)[0]
    assert rec["grad_W"].dtype == np.float64
    assert rec["W_new"].dtype == np.float64


def test_worked_example_trace_matches_torch() -> None:
    ex = WORKED_EXAMPLE
    X = np.array([ex["X"]])
    W, b = np.array(ex["W"]), np.array(ex["b"])
    y = np.array([ex["y"]])
    ref = torch_steps(X, W, b, y, ex["lr"], STEPS)
    tr = trace(ex["X"], ex["W"], ex["b"], ex["y"], lr=ex["lr"], steps=STEPS)
    ours = [
        {
            "loss": s.loss,
            "grad_W": s.grad_W,
            "grad_b": s.grad_b,
            "W_new": s.W_new,
            "b_new": s.b_new,
            "loss_after": s.loss_after,
        }
        for s in tr.steps
    ]
    assert_same(ours, ref)
    assert ref[0]["loss"] == pytest.approx(1.2307, abs=5e-5)  # the notes' number, from torch too
    # the batch path (N = 1) gives the same as the single-sample trace
    assert_same(handprop_steps(X, W, b, y, ex["lr"], STEPS), ref)


@pytest.mark.parametrize("seed", SEEDS)
def test_random_single_sample_trace_matches_torch(seed: int) -> None:
    X, W, b, y, lr = random_problem(seed, max_n=1)
    ref = torch_steps(X, W, b, y, lr, STEPS)
    tr = trace(X[0], W, b, int(y[0]), lr=lr, steps=STEPS)
    for step, (s, r) in enumerate(zip(tr.steps, ref, strict=True), start=1):
        msg = f"seed {seed}, step {step}"
        assert_allclose(s.loss, r["loss"], **TOL, err_msg=msg)
        assert_allclose(s.grad_W, r["grad_W"], **TOL, err_msg=msg)
        assert_allclose(s.grad_b, r["grad_b"], **TOL, err_msg=msg)
        assert_allclose(s.W_new, r["W_new"], **TOL, err_msg=msg)
        assert_allclose(s.b_new, r["b_new"], **TOL, err_msg=msg)
        assert_allclose(s.loss_after, r["loss_after"], **TOL, err_msg=msg)


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("steps", [1, STEPS])
@pytest.mark.parametrize("labels", ["int", "onehot"])
def test_random_batches_match_torch(seed: int, steps: int, labels: str) -> None:
    X, W, b, y, lr = random_problem(seed + 1000)
    Y = y if labels == "int" else F.one_hot(y, W.shape[0])
    assert_same(handprop_steps(X, W, b, Y, lr, steps), torch_steps(X, W, b, y, lr, steps))


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize(("momentum", "weight_decay"), [(0.9, 0.0), (0.0, 0.05), (0.9, 0.05)])
def test_momentum_and_weight_decay_match_torch(
    seed: int, momentum: float, weight_decay: float
) -> None:
    X, W, b, y, lr = random_problem(seed + 2000)
    ours = handprop_steps(X, W, b, y, lr, STEPS, momentum, weight_decay)
    ref = torch_steps(X, W, b, y, lr, STEPS, momentum, weight_decay)
    assert_same(ours, ref)
    # the options change the path, so the comparison above is not the plain-SGD one again
    plain = torch_steps(X, W, b, y, lr, STEPS)
    assert np.max(np.abs(plain[-1]["W_new"] - ref[-1]["W_new"])) > 1e-6
