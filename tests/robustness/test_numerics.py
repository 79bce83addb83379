"""A loss that becomes NaN or infinite stops training with a message that says where and why.

Softmax regression with a log-softmax loss is hard to break: even ``--lr 1e30`` on raw pixels
trains (the logits grow but stay finite in float32). What does break it is a step so large that
the weights overflow (``--lr 1e35`` on unscaled digits) or an input that is itself infinite. In
both cases training must stop at once, name the epoch and the batch, say the likely cause
(unscaled inputs or a learning rate too high), keep the last weights whose loss was finite, and
leave the last checkpoint as it was.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from handprop.errors import TrainingDivergedError
from handprop.train import TrainingProgress, TrainState
from train_helpers import run_sgd

from .harness import run_cli, snapshot

N, D, K, B = 240, 8, 3, 48  # 5 batches per epoch


def _data() -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(0)
    X = rng.integers(0, 17, size=(N, D)).astype(np.float32)  # pixel-like values 0..16
    y = (X[:, 0] > 8).astype(np.intp) + (X[:, 1] > 12)
    return X, y


def _transform(poison_at: int | None) -> Callable[[np.ndarray, np.ndarray], np.ndarray]:
    """Scale by 1/16; on the ``poison_at``-th batch (1-based, counting every batch) put an inf
    into the inputs, as a corrupt sample would."""
    calls = [0]

    def transform(raw: np.ndarray, out: np.ndarray) -> np.ndarray:
        calls[0] += 1
        np.multiply(raw, 1 / 16, out=out)
        if calls[0] == poison_at:
            out[0, 0] = np.inf
        return out

    return transform


class _StopAfter(TrainingProgress):
    def __init__(self, epoch: int, batch: int) -> None:
        self.at = (epoch, batch)

    def on_batch_end(self, epoch: int, batch: int, loss: float) -> None:
        if (epoch, batch) == self.at:
            raise KeyboardInterrupt


def _fit(**kwargs: Any) -> Any:
    X, y = _data()
    W0, b0 = np.zeros((K, D), np.float32), np.zeros(K, np.float32)
    return run_sgd(X, y, W0, b0, lr=0.5, batch_size=B, epochs=6, momentum=0.9, seed=7, **kwargs)


@pytest.mark.guarantee("diverge-api")
def test_inf_in_a_batch_stops_with_epoch_batch_cause_and_the_last_good_weights(
    tmp_path: Path,
) -> None:
    checkpoint = tmp_path / "ck.npz"
    with pytest.raises(TrainingDivergedError) as info:
        _fit(transform=_transform(poison_at=2 * 5 + 2), checkpoint=checkpoint)
    err = info.value
    message = str(err)
    assert "\n" not in message
    assert "epoch 3, batch 2" in message
    assert "inputs look unscaled" in message and "--normalize scale" in message
    assert err.exit_code == 2

    # The last weights whose loss was seen finite: the loss of batch 3.2 was computed with the
    # result of step 3.1, so those are the weights before step 3.1, i.e. after epoch 2 exactly.
    stopped = _fit(transform=_transform(poison_at=None), progress=_StopAfter(2, 5))
    assert stopped.interrupted and stopped.stopped_at == (2, 5)
    np.testing.assert_array_equal(err.state.W, stopped.state.W)
    np.testing.assert_array_equal(err.state.b, stopped.state.b)
    assert err.stopped_at == (3, 2) and err.state.step == 10 and err.state.epoch == 2
    assert np.isfinite(err.state.W).all()

    # the checkpoint is still the one written after epoch 2: complete, finite, the same weights
    state = TrainState.load(checkpoint)
    assert state.epoch == 2
    np.testing.assert_array_equal(state.W, stopped.W)


@pytest.mark.guarantee("diverge-api")
def test_a_learning_rate_that_overflows_the_weights_is_named_as_the_cause() -> None:
    """Scaled inputs (at most 1) and lr = 1e38: the weights overflow float32 after a step."""
    X, y = _data()
    W0, b0 = np.zeros((K, D), np.float32), np.zeros(K, np.float32)
    with pytest.raises(TrainingDivergedError) as info:
        run_sgd(X, y, W0, b0, lr=1e38, batch_size=B, epochs=3, transform=_transform(None), seed=7)
    message = str(info.value)
    assert "epoch 1, batch" in message
    assert "learning rate 1e+38 is probably too high" in message and "smaller --lr" in message
    assert np.isfinite(info.value.state.W).all()


@pytest.mark.guarantee("diverge-api")
def test_the_model_keeps_its_last_good_weights() -> None:
    from handprop.model import SoftmaxRegression

    X, y = _data()
    model = SoftmaxRegression(lr=1e35, normalize="none", epochs=3, random_state=0)
    with pytest.raises(TrainingDivergedError, match=r"epoch 1, batch \d+; the inputs look"):
        model.fit(X, y)
    assert np.isfinite(model.coef_).all() and np.isfinite(model.intercept_).all()
    assert model.coef_.shape == (K, D)


@pytest.mark.guarantee("diverge-cli")
def test_the_command_line_reports_divergence_in_one_line_and_writes_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("HANDPROP_DATA_DIR", str(tmp_path / "data-root"))
    model = tmp_path / "m.npz"
    good = run_cli(
        ["train", "--dataset", "digits", "--epochs", "1", "--quiet", "--save", str(model)]
    )
    assert good.code == 0
    before = snapshot(tmp_path)

    outcome = run_cli(
        [
            "train", "--dataset", "digits", "--normalize", "none", "--lr", "1e35",
            "--epochs", "3", "--quiet", "--save", str(model), "--checkpoint", "ck.npz",
        ]
    )  # fmt: skip

    assert outcome.code == 2
    assert outcome.stdout == ""
    assert outcome.stderr.count("\n") == 1 and "Traceback" not in outcome.stderr
    message = outcome.message
    assert message.startswith("Error: train: the loss became inf at epoch 1, batch ")
    assert "the inputs look unscaled (values up to 16): try --normalize scale" in message
    assert snapshot(tmp_path) == before  # the old model untouched, no checkpoint of NaNs
