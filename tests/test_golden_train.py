"""The trainer gives the weights it gave before its redesign (issue 12).

``tests/fixtures/golden_train/weights.npz`` holds the weights that the trainer of commit
c38d10f produced for each case of ``cases.py`` (recorded by ``record.py``): every engine,
momentum, weight decay, each lr schedule, averaging on and off, each normalisation, float64,
row subsets and explicit orders, a checkpoint resumed half-way, the estimator and the model
file written by ``handprop train``. The same seeds and settings must give the same weights:
at most 1e-6 apart in float32 (1e-12 in float64); the running per-epoch figures and the step
counts must match too.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest

from handprop.data.preprocessing import Normalizer
from handprop.model import SoftmaxRegression, load_model
from handprop.train import EngineSpec, SGDConfig, TrainingProgress, TrainState, fit_sgd

FIXTURES = Path(__file__).parent / "fixtures" / "golden_train"
sys.path.insert(0, str(FIXTURES))
from cases import CASES, ESTIMATOR_CASES, load_case_data  # noqa: E402

GOLDEN = dict(np.load(FIXTURES / "weights.npz"))


def _atol(dtype: str) -> float:
    return 1e-12 if dtype == "float64" else 1e-6


class _StopAfterEpoch(TrainingProgress):
    def __init__(self, epoch: int) -> None:
        self.epoch = epoch

    def on_epoch_end(self, record):
        if record.epoch == self.epoch:
            raise KeyboardInterrupt


def _run(case, X, y, W, b, transform, scale, order, rows, state=None, **extra):
    """A case through today's API (record.py shows the keywords of the old one)."""
    config = SGDConfig(
        lr=case["lr"], batch_size=case["batch_size"], epochs=case["epochs"],
        momentum=case["momentum"], weight_decay=case["weight_decay"],
        lr_schedule=case["lr_schedule"], average=case["average"], dtype=case["dtype"],
        shuffle=case["shuffle"],
    )  # fmt: skip
    if scale is not None:  # a divisor that the fused and native engines fold into the step
        transform = Normalizer("scale", pixel_max=scale).fit(X)
    if state is None:
        state = TrainState.initial(W, b, rng=case["seed"], dtype=config.np_dtype)
    # one kernel thread: the path the recorded weights took (more threads add up differently)
    device = "cpu" if case["engine"] == "torch" else None
    engine = EngineSpec(case["engine"], device=device, n_jobs=1)
    return fit_sgd(
        X, y, config, state, engine=engine, order=order if rows is None else rows,
        transform=transform, **extra,
    )  # fmt: skip


def _assert_recorded(result, name: str, dtype: str) -> None:
    atol = _atol(dtype)
    state = result.state
    np.testing.assert_allclose(result.W, GOLDEN[f"{name}.W"], rtol=0, atol=atol)
    np.testing.assert_allclose(result.b, GOLDEN[f"{name}.b"], rtol=0, atol=atol)
    np.testing.assert_allclose(state.W, GOLDEN[f"{name}.iterate_W"], rtol=0, atol=atol)
    np.testing.assert_allclose(state.velocity[0], GOLDEN[f"{name}.velocity_W"], rtol=0, atol=atol)
    assert [state.step, state.n_averaged] == GOLDEN[f"{name}.counts"].tolist()
    running = [r.running_loss for r in state.history], [r.running_accuracy for r in state.history]
    np.testing.assert_allclose(running[0], GOLDEN[f"{name}.running_loss"], rtol=1e-5)
    np.testing.assert_allclose(running[1], GOLDEN[f"{name}.running_accuracy"], rtol=0, atol=1e-12)


def test_the_fixture_covers_what_the_issue_lists():
    names = {c["name"] for c in CASES}
    for engine in ("reference", "fused", "native", "torch"):
        assert any(n.startswith(engine) for n in names)
    assert {c["lr_schedule"] for c in CASES} == {"constant", "linear", "cosine"}
    assert {c["normalize"] for c in CASES} >= {"none", "scale", "center", "standardize"}
    assert {c["average"] for c in CASES} >= {None, 0, 0.5}
    assert any(c["momentum"] and c["weight_decay"] for c in CASES)
    assert any(c.get("resume_after") for c in CASES)
    assert "cli_train_digits.W" in GOLDEN


@pytest.mark.parametrize("case", CASES, ids=lambda c: c["name"])
def test_fit_sgd_gives_the_recorded_weights(case, tmp_path: Path):
    data = load_case_data(case)
    if case.get("resume_after"):
        ckpt = tmp_path / "c.npz"
        first = _run(case, *data, checkpoint=ckpt, progress=_StopAfterEpoch(case["resume_after"]))
        assert first.interrupted
        result = _run(case, *data, state=TrainState.load(ckpt), checkpoint=ckpt)
    else:
        result = _run(case, *data)
    assert result.engine == case["engine"]
    _assert_recorded(result, case["name"], case["dtype"])


@pytest.mark.parametrize("engine", ["fused", "native"])
def test_a_checkpoint_written_before_the_redesign_resumes_to_the_same_weights(engine):
    """The version-1 file that the old trainer wrote after epoch 2 of 4 loads and continues."""
    case = next(c for c in CASES if c["name"] == f"{engine}_resumed")
    state = TrainState.load(FIXTURES / f"checkpoint_{engine}_resumed.npz")
    assert (state.epoch, state.step) == (2, 62)
    _assert_recorded(_run(case, *load_case_data(case), state=state), case["name"], "float32")


@pytest.mark.parametrize("case", ESTIMATOR_CASES, ids=lambda c: c["name"])
def test_the_estimator_gives_the_recorded_weights(case):
    X, y, *_ = load_case_data(case)
    params = dict(case["params"])
    if "backend" in params:  # recorded before the estimator's choice was called engine
        params["engine"] = {"numpy": "auto", "torch": "torch"}[params.pop("backend")]
    clf = SoftmaxRegression(**params, n_jobs=1)
    if case.get("partial_fit"):
        for _ in range(case["partial_fit"]):
            clf.partial_fit(X, y, classes=np.unique(y))
    else:
        clf.fit(X, y)
    name = case["name"]
    np.testing.assert_allclose(clf.coef_, GOLDEN[f"{name}.W"], rtol=0, atol=1e-6)
    np.testing.assert_allclose(clf.intercept_, GOLDEN[f"{name}.b"], rtol=0, atol=1e-6)
    np.testing.assert_allclose(clf.loss_curve_, GOLDEN[f"{name}.running_loss"], rtol=1e-5)


def test_handprop_train_writes_the_recorded_model(tmp_path: Path):
    from handprop.cli import main

    path = tmp_path / "m.npz"
    argv = [
        "train",
        "--dataset",
        "digits",
        "--epochs",
        "2",
        "--seed",
        "3",
        "--quiet",
        "--jobs",
        "1",
    ]
    assert main([*argv, "--save", str(path)]) == 0
    model = load_model(path)
    np.testing.assert_allclose(model.coef_, GOLDEN["cli_train_digits.W"], rtol=0, atol=1e-6)
    np.testing.assert_allclose(model.intercept_, GOLDEN["cli_train_digits.b"], rtol=0, atol=1e-6)
    recorded = load_model(FIXTURES / "train_digits.npz")  # today's loader reads the old file
    np.testing.assert_array_equal(recorded.coef_, GOLDEN["cli_train_digits.W"])
