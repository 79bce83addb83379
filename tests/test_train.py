"""The mini-batch SGD loop: learning, exact steps, seeds, Ctrl-C, divergence, checkpoints.

The config, the state and the honest per-epoch figures of the redesign (issue 12) are tested
here too; tests/test_golden_train.py holds the weights fixed against the trainer before it.
"""

from __future__ import annotations

import dataclasses
import signal
import tracemalloc
from pathlib import Path

import numpy as np
import pytest

from handprop import functional as F
from handprop.data.datasets import load_dataset
from handprop.data.preprocessing import Normalizer
from handprop.errors import FileFormatError, InputError, TrainingDivergedError
from handprop.init import initialize
from handprop.train import (
    EpochRecord,
    IterateAverage,
    SGDConfig,
    TrainingProgress,
    TrainState,
    checked_config,
    fit_sgd,
    loss_and_accuracy,
    test_metrics,
    validation_split,
)
from train_helpers import config_of, run_sgd


@pytest.fixture(scope="module")
def digits():
    return load_dataset("digits")


@pytest.fixture(scope="module")
def scale16(digits):
    return Normalizer("scale", pixel_max=16).fit(digits.X_train)


def _init(K: int, D: int, dtype=np.float32, seed: int = 0):
    return initialize("torch", K, D, rng=seed, dtype=dtype)


class Recorder(TrainingProgress):
    """Records every hook call; optionally raises KeyboardInterrupt at (epoch, batch)."""

    def __init__(self, stop_at: tuple[int, int] | None = None) -> None:
        self.begin: dict | None = None
        self.batches: list[tuple[int, int, float]] = []
        self.epochs: list[EpochRecord] = []
        self.ended = None
        self.stop_at = stop_at

    def on_train_begin(self, *, epochs, batches_per_epoch, start_epoch):
        self.begin = {"epochs": epochs, "batches": batches_per_epoch, "start": start_epoch}

    def on_batch_end(self, epoch, batch, loss):
        self.batches.append((epoch, batch, loss))
        if self.stop_at == (epoch, batch):
            raise KeyboardInterrupt

    def on_epoch_end(self, record):
        self.epochs.append(record)

    def on_train_end(self, result):
        self.ended = result


def test_loss_decreases_and_the_model_learns_digits(digits, scale16):
    W, b = _init(10, 64)
    progress = Recorder()
    result = run_sgd(
        digits.X_train, digits.y_train, W, b, lr=0.1, batch_size=32, epochs=3, seed=0,
        transform=scale16, progress=progress,
    )  # fmt: skip
    losses = [r.running_loss for r in result.history]
    assert losses[0] > losses[1] > losses[2]
    assert losses[0] < np.log(10)  # below the loss of uniform guessing after one epoch
    test_loss, test_acc = loss_and_accuracy(
        digits.X_test, digits.y_test, result.W, result.b, transform=scale16
    )
    assert test_acc > 0.88 and test_loss < 1.0  # from ln(10) = 2.30 before training
    n_batches = -(-digits.X_train.shape[0] // 32)
    assert progress.begin == {"epochs": 3, "batches": n_batches, "start": 0}
    assert len(progress.batches) == 3 * n_batches and progress.epochs == result.history
    assert progress.ended is result and result.state.step == 3 * n_batches
    assert result.W.dtype == np.float32 and not result.interrupted
    assert result.state.epoch == 3 and result.engine == "native"
    assert np.array_equal(W, _init(10, 64)[0])  # the caller's initial weights are untouched


def _manual_sgd(X, y, W, b, order, batch_size, lr, momentum=0.0, weight_decay=0.0, lrs=None):
    """Reference loop in float64, written out here on purpose (torch.optim.SGD semantics)."""
    W, b = W.astype(np.float64).copy(), b.astype(np.float64).copy()
    vW, vb = np.zeros_like(W), np.zeros_like(b)
    step = 0
    for idx in order:
        for start in range(0, len(idx), batch_size):
            rows = idx[start : start + batch_size]
            Xb, yb = X[rows].astype(np.float64), y[rows]
            Z = Xb @ W.T + b
            A = np.exp(Z - Z.max(axis=1, keepdims=True))
            A /= A.sum(axis=1, keepdims=True)
            A[np.arange(len(rows)), yb] -= 1
            d = A / len(rows)
            gW, gb = d.T @ Xb + weight_decay * W, d.sum(0) + weight_decay * b
            if momentum:
                vW, vb = momentum * vW + gW, momentum * vb + gb
                gW, gb = vW, vb
            step_lr = lr if lrs is None else lrs[step]
            W, b = W - step_lr * gW, b - step_lr * gb
            step += 1
    return W, b


@pytest.mark.parametrize(
    ("momentum", "weight_decay"), [(0.0, 0.0), (0.9, 0.0), (0.0, 0.01), (0.5, 0.05)]
)
def test_steps_are_exactly_sgd_with_momentum_and_weight_decay(digits, momentum, weight_decay):
    X, y = digits.X_train[:300] / 16.0, digits.y_train[:300]
    W, b = _init(10, 64, np.float64)
    rng = np.random.default_rng(5)
    order = [rng.permutation(300) for _ in range(2)]
    result = run_sgd(
        X, y, W, b, lr=0.2, batch_size=64, epochs=2, momentum=momentum,
        weight_decay=weight_decay, order=lambda e: order[e], dtype="float64",
    )  # fmt: skip
    W_ref, b_ref = _manual_sgd(X, y, W, b, order, 64, 0.2, momentum, weight_decay)
    np.testing.assert_allclose(result.W, W_ref, rtol=0, atol=1e-12)
    np.testing.assert_allclose(result.b, b_ref, rtol=0, atol=1e-12)
    assert result.state.step == 2 * 5


def test_linear_and_cosine_schedules_decay_the_step(digits):
    X, y = digits.X_train[:200] / 16.0, digits.y_train[:200]
    W, b = _init(10, 64, np.float64)
    order = [np.arange(200), np.arange(200)[::-1]]
    T = 2 * 4  # steps: 2 epochs of 4 batches of 50
    for schedule, lrs in (
        ("linear", [0.5 * (1 - s / T) for s in range(T)]),
        ("cosine", [0.5 * 0.5 * (1 + np.cos(np.pi * s / T)) for s in range(T)]),
    ):
        assert [config_of(lr=0.5, lr_schedule=schedule).lr_at(s, T) for s in range(T)] == lrs
        result = run_sgd(
            X, y, W, b, lr=0.5, batch_size=50, epochs=2, lr_schedule=schedule,
            order=lambda e: order[e], dtype="float64",
        )  # fmt: skip
        W_ref, _ = _manual_sgd(X, y, W, b, order, 50, 0.5, lrs=lrs)
        np.testing.assert_allclose(result.W, W_ref, rtol=0, atol=1e-12)


def test_uint8_data_converted_per_batch_equals_float_data(digits):
    X8, y = digits.X_train, digits.y_train
    W, b = _init(10, 64)
    a = run_sgd(X8, y, W, b, lr=0.01, batch_size=50, epochs=1, seed=3)
    c = run_sgd(X8.astype(np.float32), y, W, b, lr=0.01, batch_size=50, epochs=1, seed=3)
    assert np.array_equal(a.W, c.W) and np.array_equal(a.b, c.b)


def test_same_seed_same_weights_other_seed_other_weights(digits, scale16):
    W, b = _init(10, 64)
    args = (digits.X_train, digits.y_train, W, b)
    kw = {"lr": 0.1, "batch_size": 40, "epochs": 2, "transform": scale16}
    r1 = run_sgd(*args, seed=7, **kw)
    r2 = run_sgd(*args, seed=np.random.default_rng(7), **kw)
    r3 = run_sgd(*args, seed=8, **kw)
    assert np.array_equal(r1.W, r2.W) and np.array_equal(r1.b, r2.b)
    assert not np.allclose(r1.W, r3.W)
    unshuffled = run_sgd(*args, shuffle=False, **kw)
    again = run_sgd(*args, shuffle=False, seed=123, **kw)
    assert np.array_equal(unshuffled.W, again.W)  # no shuffling: the seed does not matter


def test_an_array_of_rows_trains_on_those_rows_only(digits, scale16):
    """``order=rows``: those rows, reshuffled each epoch; the others are never read."""
    X, y = digits.X_train.copy(), digits.y_train
    rows = np.arange(0, X.shape[0], 2)
    W, b = _init(10, 64)
    kw = {"lr": 0.1, "batch_size": 40, "epochs": 2, "seed": 5, "transform": scale16}
    first = run_sgd(X, y, W, b, order=rows, **kw)
    X[1::2] = 255  # rows outside `rows`: changing them changes nothing
    again = run_sgd(X, y, W, b, order=rows, **kw)
    assert np.array_equal(first.W, again.W)
    assert first.state.step == 2 * -(-len(rows) // 40)
    gen = np.random.default_rng(5)
    orders = [rows[gen.permutation(len(rows))] for _ in range(2)]
    replay = run_sgd(X, y, W, b, order=lambda e: orders[e], **kw)
    assert np.array_equal(first.W, replay.W)  # the state's generator drew those orders


def test_ctrl_c_mid_epoch_keeps_the_model_trained_so_far(digits, scale16):
    W, b = _init(10, 64)
    kw = {"lr": 0.1, "batch_size": 64, "seed": 1, "transform": scale16}
    n_batches = -(-digits.X_train.shape[0] // 64)
    progress = Recorder(stop_at=(2, 5))
    result = run_sgd(digits.X_train, digits.y_train, W, b, epochs=3, progress=progress, **kw)
    assert result.interrupted and result.stopped_at == (2, 5)
    assert result.state.epoch == 1 and len(result.history) == 1
    assert result.state.step == n_batches + 5
    assert progress.ended is result and np.isfinite(result.W).all()
    # stopped on the last batch of epoch 1: the same weights as a finished 1-epoch run
    stop_end = run_sgd(
        digits.X_train, digits.y_train, W, b, epochs=3,
        progress=Recorder(stop_at=(1, n_batches)), **kw,
    )  # fmt: skip
    one_epoch = run_sgd(digits.X_train, digits.y_train, W, b, epochs=1, **kw)
    assert stop_end.interrupted and stop_end.stopped_at == (1, n_batches)
    assert np.array_equal(stop_end.W, one_epoch.W) and np.array_equal(stop_end.b, one_epoch.b)


def test_a_real_sigint_stops_after_the_current_batch(digits, scale16):
    class SendSigint(Recorder):
        def on_batch_end(self, epoch, batch, loss):
            super().on_batch_end(epoch, batch, loss)
            if (epoch, batch) == (1, 3):
                signal.raise_signal(signal.SIGINT)  # handled: only a request to stop

    W, b = _init(10, 64)
    progress = SendSigint()
    result = run_sgd(
        digits.X_train, digits.y_train, W, b, lr=0.1, batch_size=64, epochs=2, seed=0,
        transform=scale16, progress=progress,
    )  # fmt: skip
    assert result.interrupted and result.stopped_at == (1, 3) and result.state.step == 3
    assert progress.batches[-1][:2] == (1, 3)
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler


def test_unscaled_inputs_diverge_with_a_clear_error_and_last_good_weights(digits):
    W, b = _init(10, 64)
    with pytest.raises(TrainingDivergedError) as info:
        run_sgd(digits.X_train, digits.y_train, W, b, lr=1e35, batch_size=64, epochs=2, seed=0)
    err = info.value
    text = str(err)
    assert "epoch 1, batch " in text and "unscaled" in text and "--normalize scale" in text
    good = err.state
    # the weights whose loss was last finite: before the update that led to the failed batch
    assert good.epoch == 0 and f"batch {good.step + 2};" in text
    assert np.isfinite(good.W).all() and np.isfinite(good.b).all()
    loss, _ = loss_and_accuracy(digits.X_train, digits.y_train, good.W, good.b)
    assert np.isfinite(loss)
    assert "第 1 轮" in err.message("zh") and err.engine == "native"


def test_a_huge_learning_rate_on_scaled_inputs_blames_the_learning_rate(digits, scale16):
    W, b = _init(10, 64)
    with pytest.raises(TrainingDivergedError) as info:
        run_sgd(
            digits.X_train, digits.y_train, W, b, lr=1e38, batch_size=64, epochs=1, seed=0,
            transform=scale16,
        )  # fmt: skip
    assert "learning rate 1e+38 is probably too high" in str(info.value)
    assert np.isfinite(info.value.state.W).all()


def test_checkpoint_and_resume_give_the_same_final_weights(digits, scale16, tmp_path: Path):
    W, b = _init(10, 64)
    kw = {
        "lr": 0.1, "batch_size": 50, "epochs": 3, "momentum": 0.9, "weight_decay": 1e-3,
        "lr_schedule": "linear", "average": 0.5, "transform": scale16,
    }  # fmt: skip
    full = run_sgd(digits.X_train, digits.y_train, W, b, seed=4, **kw)
    ckpt = tmp_path / "run.ckpt.npz"
    stopped = run_sgd(
        digits.X_train, digits.y_train, W, b, seed=4, checkpoint=ckpt,
        progress=Recorder(stop_at=(2, 7)), **kw,
    )  # fmt: skip
    assert stopped.interrupted and TrainState.load(ckpt).epoch == 1
    assert [p.name for p in tmp_path.iterdir()] == ["run.ckpt.npz"]  # no temporary left behind
    progress = Recorder()
    state = TrainState.load(ckpt)
    config = config_of(**{k: v for k, v in kw.items() if k != "transform"})
    resumed = fit_sgd(
        digits.X_train, digits.y_train, config, state, transform=scale16, checkpoint=ckpt,
        progress=progress,
    )  # fmt: skip
    assert resumed.resumed_from == 1 and progress.begin["start"] == 1
    assert np.array_equal(resumed.W, full.W) and np.array_equal(resumed.b, full.b)
    assert np.array_equal(resumed.state.W, full.state.W)  # the iterate too, not only the mean
    assert resumed.history == full.history[:0] + resumed.history
    assert [r.running_loss for r in resumed.history] == [r.running_loss for r in full.history]
    assert resumed.state.step == full.state.step and TrainState.load(ckpt).epoch == 3
    assert resumed.state.n_averaged == full.state.n_averaged > 0
    assert state.epoch == 1  # the loaded state itself was not changed


def test_resume_refuses_other_settings_other_data_and_bad_files(digits, tmp_path: Path):
    W, b = _init(10, 64)
    ckpt = tmp_path / "c.npz"
    run_sgd(digits.X_train, digits.y_train, W, b, lr=0.01, epochs=1, seed=0, checkpoint=ckpt)
    state = TrainState.load(ckpt)
    assert state.settings["config"] == dataclasses.asdict(config_of(lr=0.01, epochs=1))
    assert state.settings["data"] == {"n_samples": 1442, "n_features": 64, "n_classes": 10}
    with pytest.raises(InputError, match=r"c\.npz was written with lr = 0\.01; this run has 0\.02"):
        fit_sgd(digits.X_train, digits.y_train, config_of(lr=0.02, epochs=2), state)
    with pytest.raises(InputError, match="n_samples = 1442; this run has 1000"):
        fit_sgd(digits.X_train[:1000], digits.y_train[:1000], config_of(lr=0.01), state)
    more = fit_sgd(digits.X_train, digits.y_train, config_of(lr=0.01, epochs=3), state)
    assert more.resumed_from == 1 and more.state.epoch == 3  # a constant step may run longer
    with pytest.raises(InputError, match="must be an existing file"):
        TrainState.load(tmp_path / "no.npz")
    bad = tmp_path / "bad.npz"
    bad.write_bytes(ckpt.read_bytes()[:200])
    with pytest.raises(FileFormatError, match="not a usable handprop checkpoint"):
        TrainState.load(bad)
    other = tmp_path / "other.npz"
    np.savez(other, W=W, b=b)
    with pytest.raises(FileFormatError, match="'velocity_W' is missing"):
        TrainState.load(other)


def test_a_checkpoint_of_an_unknown_version_is_refused_with_its_reason(tmp_path: Path):
    import json

    W, b = _init(3, 2)
    path = tmp_path / "c.npz"
    TrainState.initial(W, b, rng=0).save(path)
    arrays = dict(np.load(path))
    meta = json.loads(str(arrays["meta"]))
    for field, value, text in (
        ("version", 3, "its version 3 is not supported"),
        ("format", "other", "its format field is 'other'"),
    ):
        broken = tmp_path / f"{field}.npz"
        np.savez(broken, **{**arrays, "meta": np.array(json.dumps({**meta, field: value}))})
        with pytest.raises(FileFormatError, match=text) as info:
            TrainState.load(broken)
        assert str(broken) in str(info.value) and "\n" not in str(info.value)


def test_a_state_saves_and_loads_every_part(tmp_path: Path):
    W, b = _init(4, 3)
    state = TrainState.initial(W, b, rng=9)
    state.velocity = (W * 0.5, b * 0.5)
    state.average, state.n_averaged = (W * 2, b * 2), 7
    state.epoch, state.step = 3, 42
    state.history = [EpochRecord(1, 0.5, 0.75, 0.1, {"test_accuracy": 0.8, "train_loss": 0.4})]
    state.settings = {"config": {"lr": 0.1}, "data": {"n_samples": 10}}
    state.save(tmp_path / "s.npz")
    back = TrainState.load(tmp_path / "s.npz")
    assert back.source == str(tmp_path / "s.npz")
    pairs = [(back.W, state.W), (back.b, state.b), *zip(back.velocity, state.velocity, strict=True)]
    for got, want in [*pairs, *zip(back.average, state.average, strict=True)]:
        np.testing.assert_array_equal(got, want, strict=True)
    for name in ("n_averaged", "epoch", "step", "rng_state", "history", "settings"):
        assert getattr(back, name) == getattr(state, name), name
    assert back.generator().integers(1 << 30) == np.random.default_rng(9).integers(1 << 30)


def test_honest_epoch_figures_are_those_of_the_kept_model(digits, scale16):
    """The per-epoch train figures measure the averaged weights that are kept; the running
    figures are the means over the epoch's batches, and the two differ."""
    W, b = _init(10, 64)
    evaluate = test_metrics(digits.X_train, digits.y_train, scale16, prefix="train")
    result = run_sgd(
        digits.X_train, digits.y_train, W, b, lr=0.1, batch_size=48, epochs=2, momentum=0.9,
        average=0.5, seed=0, transform=scale16, evaluate=evaluate,
    )  # fmt: skip
    last = result.history[-1]
    kept = loss_and_accuracy(digits.X_train, digits.y_train, result.W, result.b, transform=scale16)
    assert (last.train_loss, last.train_accuracy) == kept
    assert last.running_loss != last.train_loss and last.running_accuracy != last.train_accuracy
    assert last.to_dict() == {
        "epoch": 2, "running_loss": last.running_loss, "running_accuracy":
        last.running_accuracy, "seconds": last.seconds, "train_loss": kept[0],
        "train_accuracy": kept[1],
    }  # fmt: skip
    assert EpochRecord.from_dict(last.to_dict()) == last


def test_a_subsample_of_the_training_rows_is_fixed_and_of_the_size_asked(digits, scale16):
    W, b = _init(10, 64)
    scores = test_metrics(digits.X_train, digits.y_train, scale16, prefix="train", max_rows=500)
    first, again = scores(W, b), scores(W, b)
    assert first == again and set(first) == {"train_loss", "train_accuracy"}
    assert (first["train_accuracy"] * 500) == pytest.approx(round(first["train_accuracy"] * 500))


def test_validation_evaluate_callback_and_injected_clock(digits, scale16):
    ticks = iter(range(100))
    rows, val_rows = validation_split(digits.X_train.shape[0], 0.2, np.random.default_rng(0))
    assert len(val_rows) == round(0.2 * digits.X_train.shape[0])
    assert not set(rows) & set(val_rows) and len(rows) + len(val_rows) == digits.X_train.shape[0]
    seen = []
    val = test_metrics(digits.X_train[val_rows], digits.y_train[val_rows], scale16, prefix="val")

    def evaluate(W, b):
        seen.append(W.copy())
        return {**val(W, b), "test_accuracy": loss_and_accuracy(
            digits.X_test, digits.y_test, W, b, transform=scale16)[1]}  # fmt: skip

    W, b = _init(10, 64)
    result = run_sgd(
        digits.X_train, digits.y_train, W, b, lr=0.5, batch_size=32, epochs=2, seed=0,
        order=rows, transform=scale16, evaluate=evaluate, clock=lambda: float(next(ticks)),
    )  # fmt: skip
    first, second = result.history
    assert first.seconds == 1.0 and second.seconds == 1.0  # clock read at start and end
    assert 0.8 < second.val_accuracy <= 1 and second.val_loss < first.val_loss
    final_test = loss_and_accuracy(digits.X_test, digits.y_test, result.W, result.b,
                                   transform=scale16)[1]  # fmt: skip
    assert second.test_accuracy == final_test > 0.7
    assert np.array_equal(seen[-1], result.W)
    assert result.state.step == 2 * -(-len(rows) // 32)
    assert EpochRecord.from_dict(second.to_dict()) == second


def test_bad_hyperparameters_are_one_line_errors():
    for kwargs, text in (
        ({"lr": 0.0}, "lr must be a finite number > 0; got 0.0."),
        ({"lr": float("nan")}, "lr must be a finite number > 0"),
        ({"batch_size": 0}, "batch_size must be an integer >= 1; got 0."),
        ({"epochs": -1}, "epochs must be an integer >= 1"),
        ({"momentum": -0.1}, "momentum must be a finite number >= 0"),
        ({"average": -1}, "average must be a finite number >= 0"),
        ({"lr_schedule": "step"}, "lr_schedule must be one of constant, linear, cosine"),
        ({"dtype": "float16"}, "dtype must be one of float32, float64"),
    ):
        with pytest.raises(InputError) as info:
            SGDConfig(**kwargs)
        assert text in str(info.value) and "\n" not in str(info.value)
        if "one of" not in text:  # err.choice names no caller, as before
            assert str(info.value).startswith("SGDConfig: ")
    with pytest.raises(InputError, match=r"^train: --batch-size must be an integer >= 1; got 0"):
        checked_config({"batch_size": 0}, "train", lambda name: "--" + name.replace("_", "-"))
    assert SGDConfig(dtype=np.float64).dtype == "float64" and SGDConfig(lr=1).lr == 1.0


def test_a_state_for_other_weights_or_labels_is_refused(digits):
    W, b = _init(10, 60)
    with pytest.raises(InputError, match=r"train: W, b, y must have shape \(10, 64\)"):
        fit_sgd(digits.X_train, digits.y_train, SGDConfig(), TrainState.initial(W, b))
    W, b = _init(5, 64)
    with pytest.raises(InputError, match="W, b, y"):  # labels up to 9 for 5 classes
        fit_sgd(digits.X_train, digits.y_train, SGDConfig(), TrainState.initial(W, b))


def test_iterate_average_is_the_mean_of_the_iterates():
    iterates = [np.array([1.0, 2.0]), np.array([3.0, 0.0]), np.array([5.0, 7.0])]
    average = IterateAverage(iterates[0])
    for P in iterates:
        average.update(P)
    np.testing.assert_allclose(average.mean, np.mean(iterates, axis=0), rtol=0, atol=1e-15)
    assert average.count == 3
    later = IterateAverage(iterates[0], start=(np.array([[4.0]]), np.array([3.0]), 3))
    later.update(np.array([8.0, 7.0]))
    np.testing.assert_allclose(later.mean, [5.0, 4.0])  # (3 * [4, 3] + [8, 7]) / 4


def test_memory_stays_small_on_uint8_data():
    """60,000 x 784 as float32 would be 188 MB; training converts one batch at a time."""
    rng = np.random.default_rng(0)
    X = rng.integers(0, 256, size=(8_000, 784), dtype=np.uint8)  # 6.3 MB (25 MB as float32)
    y = rng.integers(0, 10, size=8_000)
    norm = Normalizer("center").fit(X)
    W, b = _init(10, 784)
    tracemalloc.start()
    try:
        run_sgd(X, y, W, b, lr=0.01, batch_size=128, epochs=1, seed=0, transform=norm)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 2_000_000  # batch buffers and a permutation, not a float copy of X


def test_one_batch_step_is_the_functional_step(digits):
    """With one batch of all rows, one epoch is exactly F.backward + F.sgd_update."""
    X, y = digits.X_train[:100] / 16.0, digits.y_train[:100]
    W, b = _init(10, 64, np.float64)
    result = run_sgd(X, y, W, b, lr=0.3, batch_size=100, epochs=1, shuffle=False,
                     dtype="float64")  # fmt: skip
    _, dW, db = F.backward(X, F.softmax(F.linear(X, W, b)), y)
    W_new, b_new = F.sgd_update(W, b, dW, db, 0.3)
    np.testing.assert_allclose(result.W, W_new, rtol=0, atol=1e-14)
    np.testing.assert_allclose(result.b, b_new, rtol=0, atol=1e-14)
    loss = F.cross_entropy(F.linear(X, W, b), y)
    assert result.history[0].running_loss == pytest.approx(loss)
