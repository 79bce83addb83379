"""The PyTorch backend is functional.py on tensors: each formula, then whole trainings, on CPU.

Every function of :mod:`handprop.torch_backend` is compared with its NumPy twin on the same
numbers, and training with ``engine="torch"`` (estimator and trainer) with the NumPy engines:
float64 to 1e-10 and float32 to 1e-5. No GPU is needed: the tensors live on the CPU.
"""

from __future__ import annotations

import sys

import numpy as np
import pytest
import torch

from handprop import functional as F
from handprop import torch_backend as T
from handprop.data.datasets import load_dataset
from handprop.data.preprocessing import Normalizer
from handprop.errors import InputError
from handprop.init import initialize
from handprop.model import SoftmaxRegression
from handprop.train import IterateAverage
from train_helpers import run_sgd

TOL = {np.float64: 1e-10, np.float32: 1e-5}


@pytest.fixture(scope="module", autouse=True)
def _one_torch_thread():
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


@pytest.fixture(scope="module")
def mnist():
    ds = load_dataset("mnist-5k")
    return ds.X_train[:600], ds.y_train[:600]


def _t(a):
    return torch.from_numpy(np.ascontiguousarray(a))


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_each_formula_equals_functional(dtype):
    rng = np.random.default_rng(7)
    X = rng.normal(size=(20, 6)).astype(dtype)
    W = rng.normal(size=(4, 6)).astype(dtype)
    b = rng.normal(size=4).astype(dtype)
    y = rng.integers(0, 4, size=20)
    tol = TOL[dtype] / 10
    Z = F.linear(X, W, b)
    A = F.softmax(Z)
    d = F.delta(A, y)
    pairs = [
        (T.linear(_t(X), _t(W), _t(b)), Z),
        (T.softmax(_t(Z)), A),
        (T.log_softmax(_t(Z)), F.log_softmax(Z)),
        (T.delta(_t(A), _t(y)), d),
        (T.param_gradients(_t(X), _t(d))[0], F.param_gradients(X, d)[0]),
        (T.param_gradients(_t(X), _t(d))[1], F.param_gradients(X, d)[1]),
    ]
    for got, want in pairs:
        np.testing.assert_allclose(got.numpy(), want, rtol=0, atol=tol)
    assert float(T.cross_entropy(_t(Z), _t(y))) == pytest.approx(F.cross_entropy(Z, y), rel=tol)
    assert float(T.nll_loss(T.log_softmax(_t(Z)), _t(y))) == pytest.approx(
        F.nll_loss(F.log_softmax(Z), y), rel=tol
    )
    big = _t(np.array([[1e4, 0.0, -1e4]], dtype=dtype))  # the max shift keeps it finite
    assert torch.isfinite(T.softmax(big)).all() and torch.isfinite(T.log_softmax(big)).all()
    for mu, wd in ((0.0, 0.0), (0.9, 0.01)):
        v_np, v_t = np.zeros_like(W), torch.zeros(W.shape, dtype=_t(W).dtype)
        p_np, p_t = W.copy(), _t(W.copy())
        for g in (W * 0.5, -W):
            p_np = F.sgd_step(p_np, g, 0.1, momentum=mu, velocity=v_np, weight_decay=wd)
            p_t = T.sgd_step(p_t, _t(g), 0.1, momentum=mu, velocity=v_t, weight_decay=wd)
        np.testing.assert_allclose(p_t.numpy(), p_np, rtol=0, atol=tol)
        np.testing.assert_allclose(v_t.numpy(), v_np, rtol=0, atol=tol)
    values = [np.array([1.0, 5, 2], dtype), np.array([4.0, 1, 0], dtype)]
    avg_np, avg_t = IterateAverage(values[0]), IterateAverage(_t(values[0]))
    for value in values:  # one averaging for both kinds of array
        avg_np.update(value)
        avg_t.update(_t(value))
    assert isinstance(avg_t.mean, torch.Tensor)
    np.testing.assert_array_equal(avg_t.mean.numpy(), avg_np.mean)
    np.testing.assert_array_equal(avg_np.mean, np.mean(values, axis=0))


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize(
    "kw",
    [{}, {"momentum": 0.9, "weight_decay": 1e-3, "average": 1, "lr_schedule": "linear"}],
)
def test_training_on_tensors_equals_the_numpy_engines(mnist, dtype, kw):
    X, y = mnist
    W, b = initialize("torch", 10, 784, rng=0, dtype=dtype)
    scale = Normalizer("scale", pixel_max=255).fit(X[:1])
    run = {"lr": 0.1, "batch_size": 64, "epochs": 2, "seed": 3, "dtype": dtype, "transform": scale}
    on_tensors = run_sgd(X, y, W, b, engine="torch", device="cpu", **run, **kw)
    tol = TOL[dtype]
    for engine in ("reference", "fused"):
        ours = run_sgd(X, y, W, b, engine=engine, **run, **kw)
        pairs = [
            (on_tensors.W, ours.W),
            (on_tensors.b, ours.b),
            (on_tensors.state.W, ours.state.W),
            (on_tensors.state.velocity[0], ours.state.velocity[0]),
        ]
        for got, want in pairs:
            np.testing.assert_allclose(got, want, rtol=0, atol=tol)
        np.testing.assert_allclose(
            [r.running_loss for r in on_tensors.history],
            [r.running_loss for r in ours.history],
            rtol=10 * tol,
        )
    assert on_tensors.W.dtype == dtype and on_tensors.engine == "torch"
    assert on_tensors.state.n_averaged == ours.state.n_averaged
    assert np.abs(on_tensors.W - W).max() > 1e-3


def test_the_estimator_engine_torch_matches_numpy_in_float64(mnist):
    X, y = mnist
    kw = {"normalize": "scale", "pixel_max": 255, "epochs": 2, "random_state": 0}
    kw["dtype"] = "float64"
    on_tensors = SoftmaxRegression(engine="torch", device="cpu", **kw).fit(X, y)
    numpy = SoftmaxRegression(**kw).fit(X, y)
    np.testing.assert_allclose(on_tensors.coef_, numpy.coef_, rtol=0, atol=1e-10)
    np.testing.assert_allclose(on_tensors.intercept_, numpy.intercept_, rtol=0, atol=1e-10)
    assert on_tensors.score(X, y) == numpy.score(X, y) > 0.8
    assert isinstance(on_tensors.coef_, np.ndarray)


def test_default_device_and_bad_devices(mnist):
    X, y = mnist
    assert T.default_device() == ("cuda" if torch.cuda.is_available() else "cpu")
    W, b = initialize("torch", 10, 784, rng=0)
    for device in ("nonsense", "cuda:99" if torch.cuda.is_available() else "cuda"):
        with pytest.raises(InputError, match="device must name a PyTorch device") as info:
            run_sgd(X, y, W, b, engine="torch", device=device, epochs=1)
        assert "\n" not in str(info.value)
    with pytest.raises(InputError, match="engine must be one of auto, native, fused, reference"):
        SoftmaxRegression(engine="jax").fit(X, y)


def test_without_torch_installed_the_error_says_how_to_get_it(mnist, monkeypatch):
    monkeypatch.setitem(sys.modules, "torch", None)  # import torch now raises ImportError
    X, y = mnist
    with pytest.raises(InputError, match=r"torch must be installed .*handprop\[torch\]"):
        SoftmaxRegression(engine="torch", epochs=1).fit(X, y)
