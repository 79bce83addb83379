"""The fused step, the helper thread, the folded scale and iterate averaging are the same math.

``engine="fused"`` must train exactly as ``engine="reference"``, which calls
:mod:`handprop.functional` formula by formula: equal to float64 rounding (1e-12) and to
float32 rounding (1e-5), with momentum, weight decay, schedules and averaging; the helper
thread must not change a single bit; a memory-mapped file trains as the array in memory.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from handprop import functional as F
from handprop.data.datasets import load_dataset
from handprop.data.preprocessing import Normalizer
from handprop.errors import InputError, TrainingDivergedError
from handprop.init import initialize
from handprop.model import SoftmaxRegression
from handprop.train import EngineSpec, TrainingProgress, TrainState, fit_sgd, test_metrics
from handprop.train.engines.fused import FusedEngine
from handprop.train.engines.reference import ReferenceEngine
from train_helpers import config_of, run_sgd

TOL = {np.float64: 1e-12, np.float32: 1e-5}


@pytest.fixture(scope="module")
def mnist():
    """600 real 28x28 digits, uint8 (784 features, as Fashion-MNIST)."""
    ds = load_dataset("mnist-5k")
    return ds.X_train[:600], ds.y_train[:600]


def _fit(X, y, dtype=np.float64, engine="auto", prefetch=False, **kw):
    W, b = initialize("torch", 10, X.shape[1], rng=0, dtype=dtype)
    settings = {"lr": 0.1, "batch_size": 64, "epochs": 2, "seed": 1, "dtype": dtype}
    spec = EngineSpec(engine, prefetch=prefetch)
    return run_sgd(X, y, W, b, engine=spec, **{**settings, **kw})


def _scale(X, divisor=255):
    """``x / divisor`` as a fitted Normalizer: a transform the fast engines fold."""
    return Normalizer("scale", pixel_max=divisor).fit(X)


def _assert_same(a, b, tol):
    np.testing.assert_allclose(a.W, b.W, rtol=0, atol=tol)
    np.testing.assert_allclose(a.b, b.b, rtol=0, atol=tol)
    np.testing.assert_allclose(a.state.velocity[0], b.state.velocity[0], rtol=0, atol=tol)
    np.testing.assert_allclose(a.state.W, b.state.W, rtol=0, atol=tol)
    losses_a = [r.running_loss for r in a.history]
    losses_b = [r.running_loss for r in b.history]
    np.testing.assert_allclose(losses_a, losses_b, rtol=10 * tol)
    assert a.state.step == b.state.step and a.state.n_averaged == b.state.n_averaged


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize(
    "kw",
    [
        {},
        {"momentum": 0.9, "weight_decay": 1e-3, "lr_schedule": "linear"},
        {"momentum": 0.9, "average": 1, "lr_schedule": "cosine"},
        {"batch_size": 70, "average": 0},  # a smaller last batch (600 = 8 x 70 + 40)
    ],
)
def test_fused_training_equals_the_reference(mnist, dtype, kw):
    X, y = mnist
    scale = dtype(255)

    def divide(raw, out):
        return np.divide(raw, scale, out=out)

    ref = _fit(X, y, dtype, engine="reference", transform=divide, **kw)
    fused = _fit(X, y, dtype, engine="fused", transform=divide, **kw)
    _assert_same(fused, ref, TOL[dtype])
    assert np.abs(fused.W - initialize("torch", 10, 784, rng=0, dtype=dtype)[0]).max() > 1e-3
    if dtype is np.float64:  # no ties in float64: the running accuracy is the same count
        accs = (
            [r.running_accuracy for r in fused.history],
            [r.running_accuracy for r in ref.history],
        )
        assert accs[0] == accs[1]


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_folded_scale_equals_dividing_each_batch(mnist, dtype):
    """A divisor moves x / 255 onto the logits and delta; the reference divides the batch."""
    X, y = mnist
    kw = {"momentum": 0.9, "average": 1, "transform": _scale(X)}
    ref = _fit(X, y, dtype, engine="reference", **kw)
    fused = _fit(X, y, dtype, engine="fused", **kw)
    _assert_same(fused, ref, TOL[dtype])
    val = test_metrics(X[:100], y[:100], _scale(X), prefix="val")
    scored = _fit(X, y, dtype, engine="fused", evaluate=val, **kw)
    expected = F.cross_entropy(F.linear(X[:100] / 255.0, scored.W, scored.b), y[:100])
    assert scored.history[-1].val_loss == pytest.approx(expected, rel=10 * TOL[dtype])


def test_one_fused_step_is_the_functional_step():
    """One batch of all rows: the fused step is F.backward + F.sgd_update, to rounding."""
    rng = np.random.default_rng(3)
    X = rng.normal(size=(50, 12))
    y = rng.integers(0, 4, size=50)
    W, b = rng.normal(size=(4, 12)), rng.normal(size=4)
    engine = FusedEngine(X, y, 4, config_of(lr=0.3, batch_size=50, dtype="float64"))
    engine.load(TrainState.initial(W, b, dtype=np.float64))
    (batch,) = list(engine.batches(np.arange(50)))
    loss, correct = engine.step(batch, 0.3)
    _, dW, db = F.backward(X, F.softmax(F.linear(X, W, b)), y)
    W_new, b_new = F.sgd_update(W, b, dW, db, 0.3)
    W_now, b_now, *_ = engine.dump()
    np.testing.assert_allclose(W_now, W_new, rtol=0, atol=1e-14)
    np.testing.assert_allclose(b_now, b_new, rtol=0, atol=1e-14)
    assert loss == pytest.approx(F.cross_entropy(F.linear(X, W, b), y), rel=1e-14)
    assert correct == int(np.sum(F.predict(X, W, b) == y))
    np.testing.assert_array_equal(engine.previous()[0], W)
    np.testing.assert_array_equal(engine.params(), np.concatenate([W_now.ravel(), b_now]))


def test_the_helper_thread_changes_no_bit(mnist):
    X, y = mnist
    kw = {"momentum": 0.9, "average": 1, "transform": _scale(X), "dtype": np.float32}
    alone = _fit(X, y, engine="fused", **kw)
    helped = _fit(X, y, engine="fused", prefetch=True, **kw)
    np.testing.assert_array_equal(helped.W, alone.W)
    np.testing.assert_array_equal(helped.b, alone.b)
    assert helped.history == alone.history[:0] + helped.history
    runs = [[(r.running_loss, r.running_accuracy) for r in x.history] for x in (helped, alone)]
    assert runs[0] == runs[1]


def test_an_error_in_the_helper_thread_reaches_the_caller(mnist):
    X, y = mnist
    calls = []

    def broken(raw, out):
        calls.append(1)
        if len(calls) == 3:
            raise ValueError("transform failed on the third batch")
        np.divide(raw, 255.0, out=out)

    with pytest.raises(ValueError, match="third batch"):
        _fit(X, y, engine="fused", transform=broken, prefetch=True)


def test_averaging_is_the_mean_of_the_iterates(mnist):
    """average=1: the model is the mean of the weights after each step of epochs 2 and 3."""
    X, y = mnist
    X = X / 255.0
    iterates = []
    # replay the same run step by step with the reference engine, keeping every step's weights
    W, b = initialize("torch", 10, 784, rng=0, dtype=np.float64)
    rng = np.random.default_rng(1)
    orders = [rng.permutation(600) for _ in range(3)]
    config = config_of(lr=0.1, batch_size=100, epochs=3, momentum=0.9, average=1, dtype="float64")
    engine = ReferenceEngine(X, y, 10, config)
    engine.load(TrainState.initial(W, b, dtype=np.float64))
    for epoch, order in enumerate(orders):
        for batch in engine.batches(order):
            engine.step(batch, 0.1)
            if epoch >= 1:
                iterates.append(engine.dump()[:2])
    state = TrainState.initial(W, b, dtype=np.float64)
    result = fit_sgd(X, y, config, state, order=lambda e: orders[e])
    assert result.state.n_averaged == 12
    np.testing.assert_allclose(result.W, np.mean([w for w, _ in iterates], axis=0), atol=1e-13)
    np.testing.assert_allclose(result.b, np.mean([c for _, c in iterates], axis=0), atol=1e-13)
    np.testing.assert_allclose(result.state.W, iterates[-1][0], atol=1e-13)
    assert not np.allclose(result.W, result.state.W)


def test_checkpoint_resume_with_averaging_is_the_uninterrupted_run(mnist, tmp_path: Path):
    X, y = mnist
    kw = {"momentum": 0.9, "average": 1, "transform": _scale(X), "epochs": 3}
    whole = _fit(X, y, **kw)
    path = tmp_path / "run.npz"

    class StopAfterEpoch2(TrainingProgress):
        def on_epoch_end(self, record):
            if record.epoch == 2:
                raise KeyboardInterrupt

    first = _fit(X, y, checkpoint=path, progress=StopAfterEpoch2(), **kw)
    assert first.interrupted and first.state.epoch == 2 and first.state.n_averaged > 0
    config = config_of(lr=0.1, batch_size=64, epochs=3, momentum=0.9, average=1, dtype="float64")
    resumed = fit_sgd(X, y, config, TrainState.load(path), transform=kw["transform"])
    np.testing.assert_array_equal(resumed.W, whole.W)
    np.testing.assert_array_equal(resumed.state.W, whole.state.W)
    assert resumed.state.n_averaged == whole.state.n_averaged


def test_a_memory_mapped_uint8_file_trains_as_the_array(mnist, tmp_path: Path):
    X, y = mnist
    path = tmp_path / "images.u8"
    X.tofile(path)
    mapped = np.memmap(path, dtype=np.uint8, mode="r", shape=X.shape)
    kw = {"normalize": "scale", "pixel_max": 255, "epochs": 2, "random_state": 0}
    from_file = SoftmaxRegression(**kw).fit(mapped, y)
    in_memory = SoftmaxRegression(**kw).fit(np.array(X), y)
    np.testing.assert_array_equal(from_file.coef_, in_memory.coef_)
    assert from_file.score(mapped, y) == in_memory.score(X, y) > 0.8


def test_bad_engine_and_average_are_one_line_errors(mnist):
    X, y = mnist
    cases = [
        ({"engine": "fast"}, "engine must be one of auto, native, fused, reference, torch"),
        ({"average": -1}, "average must be a finite number >= 0"),
    ]
    for kw, text in cases:
        with pytest.raises(InputError) as info:
            _fit(X, y, **kw)
        assert text in str(info.value) and "\n" not in str(info.value)


def test_divergence_with_the_folded_scale_blames_the_learning_rate(mnist):
    """The fused step sees raw 0..255 numbers; the cause must still be judged on x / 255."""
    X, y = mnist
    with pytest.raises(TrainingDivergedError, match="learning rate") as info:
        _fit(X, y, engine="fused", transform=_scale(X), lr=1e38, dtype=np.float32)
    assert np.isfinite(info.value.state.W).all() and info.value.engine == "fused"


def test_the_model_defaults_average_from_the_middle_of_the_first_epoch(mnist):
    X, y = mnist
    model = SoftmaxRegression(normalize="scale", pixel_max=255, epochs=3, random_state=0)
    model.fit(X, y)
    batches = -(-600 // 48)  # 13: the first 7 steps (6.5 rounded up) are not averaged
    assert model.average == 0.5 and model.t_ == 3 * batches
    assert model.train_state_.n_averaged == 3 * batches - 7
    last_step = SoftmaxRegression(
        normalize="scale", pixel_max=255, epochs=3, random_state=0, average=None
    ).fit(X, y)
    np.testing.assert_array_equal(model.train_state_.W, last_step.coef_)
    assert not np.array_equal(model.coef_, last_step.coef_)
    parts = SoftmaxRegression(normalize="scale", pixel_max=255, random_state=0)
    for _ in range(3):  # averaging starts inside the first call, as in fit
        parts.partial_fit(X, y, classes=np.arange(10))
    np.testing.assert_array_equal(parts.coef_, model.coef_)
