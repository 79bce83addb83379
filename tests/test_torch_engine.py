"""The torch engine with the data on the device, on CPU tensors (CI has no GPU).

Everything of the GPU engine except CUDA graphs runs here on the CPU: X placed on the device
once (uint8 stays uint8), the orders drawn from the state's generator, the loss checked only
every few batches with a roll back to the last checked weights, data streamed from host
memory batch by batch, a general transform applied on the host. Each must train as the
reference engine does (float32 to 1e-5). The tests marked ``cuda`` run only where PyTorch
sees a GPU (the prepared GPU script runs them there).
"""

from __future__ import annotations

import numpy as np
import pytest
import torch

from handprop.data.datasets import load_dataset
from handprop.data.preprocessing import Normalizer
from handprop.errors import TrainingDivergedError
from handprop.init import initialize
from handprop.train import EngineSpec
from train_helpers import run_sgd

TOL = 1e-5
CUDA = torch.cuda.is_available()
cuda_only = pytest.mark.skipif(not CUDA, reason="needs a CUDA device (run on the GPU machine)")


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


def _fit(X, y, engine="torch", device="cpu", transform="scale", **kw):
    W, b = initialize("torch", 10, X.shape[1], rng=0, dtype=np.float32)
    if transform == "scale":
        transform = Normalizer("scale", pixel_max=255).fit(X[:1])
    options = {k: kw.pop(k) for k in ("resident", "graphs", "check_every") if k in kw}
    spec = EngineSpec(engine, device=device if engine == "torch" else None, options=options)
    settings = {"lr": 0.1, "batch_size": 64, "epochs": 2, "seed": 3, "momentum": 0.9}
    return run_sgd(X, y, W, b, engine=spec, transform=transform, **{**settings, **kw})


def _assert_close(a, b, tol=TOL):
    np.testing.assert_allclose(a.W, b.W, rtol=0, atol=tol)
    np.testing.assert_allclose(a.b, b.b, rtol=0, atol=tol)
    np.testing.assert_allclose(a.state.W, b.state.W, rtol=0, atol=tol)
    np.testing.assert_allclose(a.state.velocity[0], b.state.velocity[0], rtol=0, atol=tol)
    assert a.state.step == b.state.step and a.state.n_averaged == b.state.n_averaged


@pytest.mark.parametrize(
    "options",
    [
        {},  # X on the device, checked every batch
        {"check_every": 4},  # no waiting between checks (as on a GPU)
        {"resident": False},  # streamed from host memory batch by batch
        {"resident": False, "check_every": 3},
    ],
)
@pytest.mark.parametrize("average", [None, 0.5])
def test_the_device_engine_trains_as_the_reference(mnist, options, average):
    X, y = mnist
    ref = _fit(X, y, engine="reference", average=average)
    ours = _fit(X, y, average=average, **options)
    assert ours.engine == "torch"
    _assert_close(ours, ref)
    losses = [[r.running_loss for r in x.history] for x in (ours, ref)]
    np.testing.assert_allclose(losses[0], losses[1], rtol=1e-4)


def test_checking_less_often_changes_no_bit(mnist):
    X, y = mnist
    every = _fit(X, y)
    lazy = _fit(X, y, check_every=5)
    streamed = _fit(X, y, check_every=5, resident=False)
    for other in (lazy, streamed):
        np.testing.assert_array_equal(other.W, every.W)
        np.testing.assert_array_equal(other.state.velocity[0], every.state.velocity[0])


def test_uint8_stays_uint8_on_the_device_and_the_normalisation_runs_there(mnist):
    from handprop.train.config import SGDConfig
    from handprop.train.engines.torch import TorchEngine

    X, y = mnist
    center = Normalizer("center", pixel_max=255).fit(X)
    engine = TorchEngine(X, y, 10, SGDConfig(), transform=center, device="cpu")
    assert engine.data.X.dtype == torch.uint8 and engine.data.X.data_ptr() == X.ctypes.data
    offset, divisor = engine.affine
    assert float(offset) == 127.5 and float(divisor) == 127.5
    for norm in (center, Normalizer("standardize").fit(X)):
        on_device = _fit(X, y, transform=norm)
        on_host = _fit(X, y, transform=lambda raw, out, n=norm: n.transform(raw, out=out))
        np.testing.assert_array_equal(on_device.W, on_host.W)  # the same numbers, bit for bit
        # inputs in [-1, 1] and momentum: GEMMs of torch and of NumPy's BLAS drift a little more
        _assert_close(on_device, _fit(X, y, engine="reference", transform=norm), tol=1e-4)


def test_a_general_transform_runs_on_the_host(mnist):
    X, y = mnist

    def divide(raw, out):
        return np.divide(raw, np.float32(255), out=out)

    _assert_close(_fit(X, y, transform=divide), _fit(X, y, engine="reference", transform=divide))


def test_a_ragged_last_batch_and_a_data_parallel_share(mnist):
    """The last batch of 600 = 9 x 64 + 24 rows, and a batch whose mean is over more rows
    than it holds (one process's share of a global batch) scale the gradient right."""
    from handprop.train import SGDConfig, TrainState
    from handprop.train.engines import Batch
    from handprop.train.engines.fused import FusedEngine
    from handprop.train.engines.torch import TorchEngine

    X, y = mnist
    config = SGDConfig(batch_size=64)
    W, b = initialize("torch", 10, 784, rng=0, dtype=np.float32)
    scale = Normalizer("scale", pixel_max=255).fit(X[:1])
    grads = []
    for engine in (
        TorchEngine(X, y, 10, config, transform=scale, device="cpu"),
        FusedEngine(X, y, 10, config, transform=scale),
    ):
        engine.load(TrainState.initial(W, b))
        first = next(iter(engine.batches(np.arange(600))))  # the buffer is reused after
        share = Batch(first.x, first.y, first.extra, 256)  # 64 of a global batch of 256
        engine.gradient(share)
        grads.append(np.asarray(engine.grad()) * 256 / 64)
        engine.gradient(first)
        grads.append(np.asarray(engine.grad()))
    for g in grads[1:]:
        np.testing.assert_allclose(g, grads[0], rtol=0, atol=1e-6)


@pytest.mark.parametrize("check_every", [1, 4])
def test_divergence_rolls_back_to_the_last_checked_weights(mnist, check_every):
    X, y = mnist
    with pytest.raises(TrainingDivergedError) as info:
        _fit(X, y, transform=None, lr=1e35, check_every=check_every)  # raw pixels, huge steps
    err = info.value
    assert "unscaled" in str(err) and err.engine == "torch"
    good = err.state
    assert np.isfinite(good.W).all() and np.isfinite(good.b).all()
    _, batch = err.stopped_at
    assert batch % check_every == 0 or batch == 10  # found at a check (or the epoch's end)
    if check_every == 1:  # checked each batch: the weights before the failed batch's update
        eager = pytest.raises(TrainingDivergedError)
        with eager as again:
            _fit(X, y, engine="reference", transform=None, lr=1e35)
        assert again.value.stopped_at == err.stopped_at
        np.testing.assert_allclose(again.value.state.W, good.W, rtol=1e-5)


def test_a_bad_device_is_one_line(mnist):
    from handprop.errors import InputError

    X, y = mnist
    with pytest.raises(InputError, match="device must name a PyTorch device") as info:
        _fit(X, y, device="cuda:99" if CUDA else "cuda")
    assert "\n" not in str(info.value)


# --------------------------------------------------------------------------- on a GPU only


@cuda_only
def test_on_cuda_the_graphs_and_the_eager_steps_give_the_same_weights(mnist):
    X, y = mnist
    graphs = _fit(X, y, device="cuda", graphs=True)
    eager = _fit(X, y, device="cuda", graphs=False)
    _assert_close(graphs, eager, tol=1e-6)
    _assert_close(graphs, _fit(X, y, engine="reference"))


@cuda_only
def test_on_cuda_streaming_gives_the_weights_of_the_resident_data(mnist):
    X, y = mnist
    _assert_close(_fit(X, y, device="cuda", resident=False), _fit(X, y, device="cuda"), 1e-6)
