"""Tests of handprop.init: shapes, dtypes, seeding, bounds, empirical spread, and PyTorch's own
numbers for the ``torch`` scheme and the gains."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
from numpy.testing import assert_array_equal

from handprop import init
from handprop.errors import InputError

K, D = 10, 784  # MNIST's layer: fan_in = 784, fan_out = 10
RANDOM = ["normal", "uniform", "xavier_uniform", "xavier_normal", "kaiming_uniform"]
RANDOM += ["kaiming_normal", "torch"]
ALL = ["zeros", "constant", *RANDOM]


def test_registry_lists_every_scheme_and_alias() -> None:
    assert sorted(init.INITIALIZERS) == sorted(ALL)
    assert init.ALIASES == {
        "xavier": "xavier_uniform",
        "glorot": "xavier_uniform",
        "kaiming": "kaiming_uniform",
        "he": "kaiming_uniform",
    }
    for name, fn in init.INITIALIZERS.items():
        assert fn.__doc__ and fn.__doc__.strip(), name


@pytest.mark.parametrize("name", ALL + list(init.ALIASES))
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_shapes_and_dtypes(name: str, dtype: type) -> None:
    W, b = init.initialize(name, 3, 5, rng=0, dtype=dtype)
    assert W.shape == (3, 5) and b.shape == (3,)
    assert W.dtype == dtype and b.dtype == dtype
    assert np.all(np.isfinite(W)) and np.all(np.isfinite(b))


def test_default_dtype_is_float32() -> None:
    for name in ALL:
        W, b = init.initialize(name, 2, 3, rng=1)
        assert (W.dtype, b.dtype) == (np.float32, np.float32), name


def test_aliases_and_spellings_give_the_same_draws() -> None:
    for alias, target in init.ALIASES.items():
        ours = init.initialize(alias, 4, 6, rng=3)
        theirs = init.initialize(target, 4, 6, rng=3)
        for a, c in zip(ours, theirs, strict=True):
            assert_array_equal(a, c)
    W1, _ = init.initialize("Kaiming-Normal", 4, 6, rng=3)
    W2, _ = init.kaiming_normal(4, 6, rng=3)
    assert_array_equal(W1, W2)


@pytest.mark.parametrize("name", RANDOM)
def test_same_seed_same_weights_different_seed_different(name: str) -> None:
    W1, b1 = init.initialize(name, K, D, rng=42)
    W2, b2 = init.initialize(name, K, D, rng=np.random.default_rng(42))
    assert_array_equal(W1, W2)
    assert_array_equal(b1, b2)
    W3, _ = init.initialize(name, K, D, rng=43)
    assert not np.array_equal(W1, W3)
    assert len(np.unique(W1)) > 0.99 * W1.size  # really random, not a repeated value
    # float32 and float64 draw the same numbers (cast after drawing)
    W64, _ = init.initialize(name, K, D, rng=42, dtype=np.float64)
    assert_array_equal(W64.astype(np.float32), W1)


def test_a_generator_advances_between_calls() -> None:
    gen = np.random.default_rng(0)
    W1, _ = init.normal(3, 4, rng=gen)
    W2, _ = init.normal(3, 4, rng=gen)
    assert not np.array_equal(W1, W2)


def test_deterministic_schemes() -> None:
    W, b = init.zeros(K, D)
    assert not W.any() and not b.any()
    W, b = init.constant(K, D)
    assert W.dtype == np.float32 and np.all(W == 0.01) and not b.any()
    W, b = init.initialize("constant", 2, 3, value=-0.5, dtype=np.float64)
    assert np.all(W == -0.5) and not b.any()


def test_bias_is_zero_except_for_torch() -> None:
    for name in RANDOM:
        _, b = init.initialize(name, K, D, rng=5)
        if name == "torch":
            assert np.all(b != 0)
        else:
            assert not b.any(), name


# --- the formulas, computed here independently, and the empirical spread ------------------------

XAVIER_BOUND = math.sqrt(6 / (D + K))
XAVIER_STD = math.sqrt(2 / (D + K))
KAIMING_STD = math.sqrt(2) / math.sqrt(D)  # gain sqrt(2) (ReLU), fan_in
KAIMING_BOUND = math.sqrt(3) * KAIMING_STD
TORCH_BOUND = 1 / math.sqrt(D)

UNIFORM_CASES = [
    ("uniform", {}, 0.01),
    ("uniform", {"bound": 0.2}, 0.2),
    ("xavier_uniform", {}, XAVIER_BOUND),
    ("xavier_uniform", {"gain": 2.0}, 2 * XAVIER_BOUND),
    ("kaiming_uniform", {}, KAIMING_BOUND),
    ("kaiming_uniform", {"mode": "fan_out"}, math.sqrt(6 / K)),
    ("kaiming_uniform", {"nonlinearity": "linear"}, math.sqrt(3 / D)),
    ("kaiming_uniform", {"a": math.sqrt(5)}, TORCH_BOUND),
    ("torch", {}, TORCH_BOUND),
]

NORMAL_CASES = [
    ("normal", {}, 0.01),
    ("normal", {"std": 0.3}, 0.3),
    ("xavier_normal", {}, XAVIER_STD),
    ("kaiming_normal", {}, KAIMING_STD),
    ("kaiming_normal", {"nonlinearity": "tanh"}, (5 / 3) / math.sqrt(D)),
]


@pytest.mark.parametrize(("name", "kwargs", "bound"), UNIFORM_CASES)
@pytest.mark.parametrize("seed", [0, 1])
def test_uniform_schemes_respect_and_reach_their_bound(
    name: str, kwargs: dict, bound: float, seed: int
) -> None:
    W, _ = init.initialize(name, K, D, rng=seed, dtype=np.float64, **kwargs)
    assert np.max(np.abs(W)) <= bound
    # 7,840 uniform draws: P(max |w| < 0.99 bound) = 0.99^7840 ~ e^-79; the std of U(-a, a) is
    # a/sqrt(3) and the sample std's relative error here is ~0.6%, so 5% cannot flake
    assert np.max(np.abs(W)) >= 0.99 * bound
    assert np.std(W) == pytest.approx(bound / math.sqrt(3), rel=0.05)
    assert abs(np.mean(W)) < 0.05 * bound
    W32, _ = init.initialize(name, K, D, rng=seed, **kwargs)
    assert np.max(np.abs(W32)) <= np.float32(bound)


@pytest.mark.parametrize(("name", "kwargs", "std"), NORMAL_CASES)
def test_normal_schemes_have_their_std(name: str, kwargs: dict, std: float) -> None:
    W, _ = init.initialize(name, K, D, rng=7, dtype=np.float64, **kwargs)
    # sample std of 7,840 normals: relative error ~ 1/sqrt(2 n) = 0.8%; 6% is > 7 sigma
    assert np.std(W) == pytest.approx(std, rel=0.06)
    assert abs(np.mean(W)) < 0.05 * std  # the mean's error is std / sqrt(n) ~ 0.011 std
    # a normal, not a uniform: about 31.7% of the draws lie beyond one std
    assert np.mean(np.abs(W) > std) == pytest.approx(0.3173, abs=0.03)


def test_normal_mean_option() -> None:
    W, _ = init.normal(K, D, mean=1.0, std=0.01, rng=0, dtype=np.float64)
    assert np.mean(W) == pytest.approx(1.0, abs=1e-3)


def test_torch_bias_bound() -> None:
    # 1000 x 784 gives 1000 bias draws: enough to see them fill U(-1/28, 1/28)
    _, b = init.torch(1000, D, rng=0, dtype=np.float64)
    assert np.max(np.abs(b)) <= TORCH_BOUND
    assert np.max(np.abs(b)) >= 0.99 * TORCH_BOUND  # P(fail) = 0.99^1000 ~ 4e-5 for any seed
    assert np.std(b) == pytest.approx(TORCH_BOUND / math.sqrt(3), rel=0.15)


# --- PyTorch's own numbers --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("nonlinearity", "param"),
    [
        ("linear", None),
        ("sigmoid", None),
        ("tanh", None),
        ("relu", None),
        ("selu", None),
        ("leaky_relu", None),
        ("leaky_relu", 0.2),
        ("leaky_relu", math.sqrt(5)),
    ],
)
def test_calculate_gain_matches_torch(nonlinearity: str, param: float | None) -> None:
    expected = torch.nn.init.calculate_gain(nonlinearity, param)
    assert init.calculate_gain(nonlinearity, param) == pytest.approx(expected, rel=1e-15)


def test_fans_match_torch() -> None:
    weight = torch.empty(K, D)
    assert init.fan_in_and_fan_out(K, D) == torch.nn.init._calculate_fan_in_and_fan_out(weight)


def test_torch_scheme_bound_is_nn_linears_bound() -> None:
    # the bound PyTorch derives in nn.Linear.reset_parameters: kaiming_uniform_ with a = sqrt(5)
    weight = torch.empty(K, D)
    fan_in, _ = torch.nn.init._calculate_fan_in_and_fan_out(weight)
    gain = torch.nn.init.calculate_gain("leaky_relu", math.sqrt(5))
    torch_bound = gain * math.sqrt(3.0 / fan_in)
    assert torch_bound == pytest.approx(1 / math.sqrt(784), rel=1e-15)  # = 1/28
    # ... and what an actual nn.Linear(784, 10) draws
    torch.manual_seed(0)
    layer = torch.nn.Linear(D, K, dtype=torch.float64)
    w = layer.weight.detach().numpy()
    bias = layer.bias.detach().numpy()
    assert np.max(np.abs(w)) <= torch_bound
    assert np.max(np.abs(w)) >= 0.99 * torch_bound
    assert np.max(np.abs(bias)) <= torch_bound
    # handprop's torch scheme: same bound, same spread as the real layer
    W, b = init.torch(K, D, rng=0, dtype=np.float64)
    assert np.max(np.abs(W)) <= torch_bound
    assert np.max(np.abs(W)) >= 0.99 * torch_bound
    assert np.max(np.abs(b)) <= torch_bound
    assert np.std(W) == pytest.approx(np.std(w), rel=0.05)
    # the same law: Kolmogorov-Smirnov distance of the two samples of 7,840 is small
    grid = np.linspace(-torch_bound, torch_bound, 201)
    cdf_ours = np.searchsorted(np.sort(W.ravel()), grid) / W.size
    cdf_torch = np.searchsorted(np.sort(w.ravel()), grid) / w.size
    assert np.max(np.abs(cdf_ours - cdf_torch)) < 0.04  # 5% critical value is ~0.022


# --- bad input -----------------------------------------------------------------------------------


def test_unknown_scheme_is_a_choice_error() -> None:
    with pytest.raises(InputError) as err:
        init.initialize("lecun", K, D, rng=0)
    assert err.value.key == "err.choice"
    text = str(err.value)
    assert "'lecun'" in text and "xavier" in text and "kaiming" in text and "torch" in text
    assert "lecun" in err.value.message("zh")


@pytest.mark.parametrize(
    ("name", "kwargs", "fragment"),
    [
        ("zeros", {"std": 0.1}, "std is not an option of initializer zeros; it takes: none"),
        ("normal", {"bound": 1.0}, "it takes: std, mean"),
        ("normal", {"std": 0.0}, "init: std must be a finite number > 0; got 0.0"),
        ("uniform", {"bound": -1}, "init: bound must be a finite number > 0"),
        ("constant", {"value": float("nan")}, "init: value must be a finite number; got nan"),
        ("xavier", {"gain": float("inf")}, "init: gain must be a finite number > 0"),
        ("kaiming", {"mode": "fan_avg"}, "mode must be one of fan_in, fan_out; got 'fan_avg'"),
        ("kaiming_normal", {"nonlinearity": "gelu"}, "nonlinearity must be one of linear"),
        ("he", {"a": "x"}, "init: a must be a finite number; got 'x'"),
    ],
)
def test_bad_options(name: str, kwargs: dict, fragment: str) -> None:
    with pytest.raises(InputError) as err:
        init.initialize(name, K, D, rng=0, **kwargs)
    assert fragment in str(err.value)
    assert err.value.message("zh") != str(err.value)


@pytest.mark.parametrize(
    ("args", "kwargs", "fragment"),
    [
        ((0, 3), {}, "init: num_classes must be an integer >= 1; got 0"),
        ((2, 2.5), {}, "init: num_features must be an integer >= 1; got 2.5"),
        ((2, 3), {"dtype": np.int64}, "dtype must be one of float16, float32, float64"),
        ((2, 3), {"dtype": "nonsense"}, "dtype must be one of"),
    ],
)
def test_bad_sizes_and_dtype(args: tuple, kwargs: dict, fragment: str) -> None:
    with pytest.raises(InputError) as err:
        init.initialize("normal", *args, rng=0, **kwargs)
    assert fragment in str(err.value)


def test_options_lists_each_schemes_keywords() -> None:
    assert init.options("zeros") == ()
    assert init.options("constant") == ("value",)
    assert init.options("xavier") == ("gain",)
    assert init.options("kaiming_normal") == ("a", "mode", "nonlinearity")
