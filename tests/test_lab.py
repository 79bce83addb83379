"""The pitfall lab measures what the notes warn about, on small and fast settings.

Each test runs an experiment on the bundled data (a few epochs) and asserts the measured
numbers; the conclusion tests feed results with different numbers and check the text follows.
"""

from __future__ import annotations

import copy
import math

import numpy as np
import pytest

from handprop import functional as F
from handprop.lab import initialization, normalize, overflow, symmetry
from handprop.lab._common import Run, epochs_to_hold, epochs_to_reach, load


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory):
    """A private data root, so that no test writes into the user's cache folder."""
    return str(tmp_path_factory.mktemp("data"))


@pytest.fixture(scope="module")
def mnist(data_dir):
    return load("mnist-5k", data_dir)


@pytest.fixture(scope="module")
def digits(data_dir):
    return load("digits", data_dir)


# ----------------------------------------------------------------------------------- overflow


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_naive_softmax_limits_are_where_exp_overflows(dtype):
    limit = overflow.scan_limits(dtype)
    log_max = math.log(np.finfo(dtype).max)
    assert limit.overflow_logit == math.floor(log_max) + 1  # 89 / 710
    # exp(-z) is 0 once it is below half the smallest subnormal number
    tiny = float(np.finfo(dtype).smallest_subnormal)
    assert limit.underflow_logit == math.ceil(math.log(2) - math.log(tiny))
    assert limit.stable_nonfinite == 0


def test_naive_softmax_of_raw_pixel_logits_fails_and_the_stable_one_does_not(mnist):
    from handprop.init import initialize

    W, b = initialize("xavier", 10, 784, rng=0, dtype=np.float32)
    X = mnist.X_test[:200].astype(np.float32)  # raw 0..255
    Z = F.linear(X, W, b)
    naive = overflow.naive_softmax(Z)
    assert not np.isfinite(naive).all()  # inf/NaN
    assert np.isnan(naive).any()
    stable = F.softmax(Z.copy())
    assert np.isfinite(stable).all()
    assert np.allclose(stable.sum(axis=1), 1, atol=1e-5)
    with np.errstate(all="raise"):  # the counter-example does not leak warnings
        overflow.naive_softmax(Z)
    ok = np.isfinite(naive).all(axis=1)
    assert ok.any()  # where it does not overflow, the naive formula agrees
    assert np.allclose(naive[ok], stable[ok], atol=1e-5)


def test_raw_inputs_at_lr_01_do_not_converge_while_scaled_do(mnist):
    result = overflow.run(ds=mnist, epochs=3, seed=0)
    assert result.lr == 0.1
    raw, scaled = result.runs["none"], result.runs["scale"]
    assert result.status["none"] in ("diverged", "unstable", "stalled")
    assert result.status["scale"] == "converged"
    assert raw.final_loss > math.log(10) > scaled.final_loss
    assert result.saturated["none"] > 0.5 > result.saturated["scale"]
    f32 = result.stage("init", "float32")
    assert f32.naive_nonfinite > 0 and f32.stable_nonfinite == 0
    trained = result.stage("trained_raw", "float64")
    assert trained.naive_nonfinite > 0 and trained.stable_nonfinite == 0
    assert trained.max_logit > result.limit("float64").log_max
    data = result.to_dict()
    assert data["status"] == result.status and len(data["runs"]["none"]["train_loss"]) == 3


# ----------------------------------------------------------------------------------- normalize


@pytest.mark.parametrize("seed", [0, 1])
def test_scaled_inputs_reach_the_target_in_fewer_epochs_than_raw(mnist, seed):
    result = normalize.run(ds=mnist, epochs=5, seed=seed, kinds=("none", "scale"))
    assert result.target == normalize.TARGETS["mnist-5k"]
    raw, scaled = result.summary["none"], result.summary["scale"]
    assert scaled.epochs_to_hold is not None
    assert raw.epochs_to_hold is None or scaled.epochs_to_hold < raw.epochs_to_hold
    assert raw.input_max == 255 and scaled.input_max == 1
    assert raw.mean_sq_norm > 1000 * scaled.mean_sq_norm


def test_epochs_to_target_helpers():
    acc = [0.5, 0.9, 0.7, 0.91, 0.95]
    assert epochs_to_reach(acc, 0.9) == 2
    assert epochs_to_hold(acc, 0.9) == 4
    assert epochs_to_hold(acc, 0.99) is None and epochs_to_reach(acc, 0.99) is None


# ----------------------------------------------------------------------------------- init


def test_zeros_init_is_within_one_point_of_random_init_for_softmax_regression(mnist):
    schemes = ("zeros", "constant", "normal", "xavier", "kaiming", "torch")
    result = initialization.run(ds=mnist, epochs=5, schemes=schemes, models=("softmax",))
    zeros = result.softmax["zeros"].final_accuracy
    assert abs(zeros - result.random_mean("softmax")) <= 0.01
    assert zeros > 0.85
    # equal rows shift every logit equally: constant trains exactly like zeros
    assert result.softmax["constant"].test_accuracy == result.softmax["zeros"].test_accuracy


def test_hidden_layer_from_constant_init_stays_symmetric_in_the_init_experiment(digits):
    result = initialization.run(
        ds=digits, epochs=5, hidden=16, schemes=("constant", "xavier", "kaiming"), models=("mlp",)
    )
    const = result.mlp["constant"]
    assert const.extra["distinct_units"][-1] == 1
    for scheme in ("xavier", "kaiming"):
        assert result.mlp[scheme].extra["distinct_units"][-1] == 16
        assert result.mlp[scheme].final_accuracy > const.final_accuracy + 0.5


# ----------------------------------------------------------------------------------- symmetry


def test_constant_init_keeps_hidden_units_identical_and_accuracy_low(digits):
    result = symmetry.run(ds=digits, epochs=5, hidden=16)
    const = result.runs["constant"]
    assert all(s <= 1e-12 for s in const.extra["hidden_spread"])  # float64: stays 0
    assert result.identical("constant") and result.distinct("constant") == 1
    for label in ("xavier", "kaiming"):
        assert result.distinct(label) == 16 and result.spread(label) > 0.1
        assert result.runs[label].final_accuracy > 0.85
        assert result.runs[label].final_accuracy > const.final_accuracy + 0.5
    f32 = result.runs["constant_float32"].extra["hidden_spread"]
    assert f32[-1] < 1e-3  # rounding only, on this short run
    data = result.to_dict()
    assert data["runs"]["constant"]["identical"] is True
    assert data["runs"]["xavier"]["final_distinct_units"] == 16


# ----------------------------------------------------------------------------------- conclusions


def run_of(label, losses, accs, **extra):
    return Run(label, train_loss=list(losses), test_loss=list(losses), test_accuracy=list(accs),
               extra={k: list(v) for k, v in extra.items()})  # fmt: skip


def overflow_result(raw_losses, raw_accs, scaled_losses, scaled_accs):
    limits = [overflow.scan_limits(dt) for dt in overflow.DTYPES]
    stages = [
        overflow.LogitStage("init", "float32", 585.0, 0.72, 0.0, 1e-7),
        overflow.LogitStage("init", "float64", 585.0, 0.0, 0.0, 1e-16),
        overflow.LogitStage("trained_raw", "float32", 1e5, 1.0, 0.0, None),
        overflow.LogitStage("trained_raw", "float64", 1e5, 1.0, 0.0, None),
    ]
    runs = {"none": run_of("none", raw_losses, raw_accs),
            "scale": run_of("scale", scaled_losses, scaled_accs)}  # fmt: skip
    return overflow.OverflowResult(
        dataset="mnist-5k", seed=0, init="xavier", lr=0.1, batch_size=64, epochs=3,
        n_classes=10, limits=limits, logits=stages, runs=runs,
        status={k: overflow.verdict(r, math.log(10)) for k, r in runs.items()},
        saturated={"none": 0.99, "scale": 0.0},
    )  # fmt: skip


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_overflow_conclusion_follows_the_numbers(lang):
    bad = overflow_result([8000, 1500, 900], [0.8, 0.7, 0.86], [1.2, 0.5, 0.34], [0.85, 0.88, 0.9])
    good = overflow_result([1.5, 0.6, 0.4], [0.8, 0.85, 0.88], [1.2, 0.5, 0.34], [0.85, 0.88, 0.9])
    assert bad.status["none"] == "unstable" and good.status["none"] == "converged"
    text_bad, text_good = overflow.conclusion(bad, lang), overflow.conclusion(good, lang)
    assert text_bad != text_good
    assert "900" in text_bad and "900" not in text_good
    assert "2.6e+03" in text_bad  # 900 / 0.34, the measured ratio
    assert "89" in text_bad and "710" in text_bad  # the scanned limits
    diverged = copy.deepcopy(bad)
    diverged.runs["none"].diverged = True
    diverged.status["none"] = overflow.verdict(diverged.runs["none"], math.log(10))
    assert diverged.status["none"] == "diverged"
    assert overflow.conclusion(diverged, lang) not in (text_bad, text_good)


def normalize_result(raw_accs, scaled_accs, raw_loss, scaled_loss):
    runs = {"none": run_of("none", [raw_loss] * len(raw_accs), raw_accs),
            "scale": run_of("scale", [scaled_loss] * len(scaled_accs), scaled_accs)}  # fmt: skip
    summary = {
        k: normalize.KindSummary(
            kind=k, input_min=0.0, input_max=255.0 if k == "none" else 1.0,
            mean_sq_norm=5e6 if k == "none" else 90.0,
            epochs_to_reach=epochs_to_reach(r.test_accuracy, 0.85),
            epochs_to_hold=epochs_to_hold(r.test_accuracy, 0.85),
            final_loss=r.final_loss, final_accuracy=r.final_accuracy, swing=0.0,
        )
        for k, r in runs.items()
    }  # fmt: skip
    return normalize.NormalizeResult(
        dataset="mnist-5k", seed=0, init="xavier", lr=0.1, batch_size=64, epochs=4,
        target=0.85, pixel_max=255.0, runs=runs, summary=summary,
    )  # fmt: skip


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_normalize_conclusion_follows_the_numbers(lang):
    scaled_wins = normalize_result([0.6, 0.7, 0.8, 0.86], [0.86, 0.87, 0.88, 0.9], 900.0, 0.34)
    raw_wins = normalize_result([0.86, 0.9, 0.91, 0.92], [0.6, 0.7, 0.86, 0.9], 0.2, 0.7)
    a, b = normalize.conclusion(scaled_wins, lang), normalize.conclusion(raw_wins, lang)
    assert a != b
    assert scaled_wins.ranking()[0] == "scale" and raw_wins.ranking()[0] == "none"
    assert "900" in a and "0.34" in a
    assert "0.7" in b and "900" not in b


def init_result(zeros_acc, const_mlp_acc):
    def sr(acc):
        return run_of("s", [0.3], [acc])

    def net(acc, distinct, spread):
        return run_of("m", [0.3], [acc], hidden_spread=[spread], distinct_units=[distinct])

    softmax = {"zeros": sr(zeros_acc), "constant": sr(zeros_acc), "xavier": sr(0.90),
               "kaiming": sr(0.90)}  # fmt: skip
    mlp = {"zeros": net(0.10, 1, 0.0), "constant": net(const_mlp_acc, 1, 0.0),
           "xavier": net(0.91, 32, 1.5), "kaiming": net(0.92, 32, 1.6)}  # fmt: skip
    return initialization.InitResult(
        dataset="mnist-5k", seed=0, lr=0.1, batch_size=64, epochs=1, hidden=32,
        activation="relu", softmax=softmax, mlp=mlp,
    )  # fmt: skip


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_init_conclusion_follows_the_numbers(lang):
    fine = initialization.conclusion(init_result(0.903, 0.30), lang)
    worse = initialization.conclusion(init_result(0.80, 0.30), lang)
    no_trap = initialization.conclusion(init_result(0.903, 0.915), lang)
    assert len({fine, worse, no_trap}) == 3
    assert "90.3%" in fine and "80.0%" in worse
    assert "10.0" in worse  # 90.0% - 80.0%, in points
    assert "62.0" in fine and "62.0" not in no_trap  # 92% - 30% for the constant hidden layer


def symmetry_result(const_spread, const_acc):
    def net(acc, spreads, distinct):
        return run_of("m", [0.3] * (len(spreads) - 1), [acc] * (len(spreads) - 1),
                      hidden_spread=spreads, distinct_units=[distinct] * len(spreads))  # fmt: skip

    runs = {
        "constant": net(const_acc, [0.0, 0.0, const_spread], 1 if const_spread == 0 else 16),
        "constant_float32": net(0.3, [0.0, 1e-8, 1e-4], 1),
        "xavier": net(0.9, [0.7, 1.0, 1.5], 16),
        "kaiming": net(0.91, [0.8, 1.1, 1.6], 16),
    }
    return symmetry.SymmetryResult(
        dataset="digits", seed=0, lr=0.1, batch_size=64, epochs=2, hidden=16,
        activation="relu", runs=runs, max_weight=dict.fromkeys(runs, 1.0),
    )  # fmt: skip


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_symmetry_conclusion_follows_the_numbers(lang):
    stayed = symmetry.conclusion(symmetry_result(0.0, 0.10), lang)
    split = symmetry.conclusion(symmetry_result(0.5, 0.85), lang)
    assert stayed != split
    assert "10.0%" in stayed and "81.0" in stayed  # 91% - 10%
    assert "0.5" in split and "85.0%" in split
