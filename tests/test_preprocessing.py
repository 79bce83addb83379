"""Normalizer: each formula on small arrays, batch-by-batch use, parameters for model files."""

from __future__ import annotations

import numpy as np
import pytest

from handprop.data import preprocessing
from handprop.data.preprocessing import KINDS, Normalizer
from handprop.errors import InputError, ShapeError

X_SMALL = np.array([[0, 51, 255], [255, 102, 0]], dtype=np.uint8)


def test_none_keeps_raw_values() -> None:
    out = Normalizer("none").fit(X_SMALL).transform(X_SMALL)
    assert out.dtype == np.float32
    np.testing.assert_array_equal(out, [[0, 51, 255], [255, 102, 0]])


def test_scale_divides_by_pixel_max() -> None:
    out = Normalizer("scale").transform(X_SMALL)  # no fit needed: m = 255 is known
    assert out.dtype == np.float32
    np.testing.assert_array_equal(out, np.array([[0, 0.2, 1], [1, 0.4, 0]], dtype=np.float32))
    # exactly what a float32 x / 255 gives (as torch's x.float() / 255 does)
    np.testing.assert_array_equal(out, X_SMALL.astype(np.float32) / np.float32(255))


def test_center_maps_to_minus_one_one() -> None:
    out = Normalizer("center").transform(X_SMALL)
    # 2 x / 255 - 1: 0 -> -1, 51 -> -0.6, 255 -> 1, 102 -> -0.2
    np.testing.assert_allclose(out, [[-1, -0.6, 1], [1, -0.2, -1]], rtol=0, atol=1e-7)


def test_other_pixel_max() -> None:
    X = np.array([[0, 4, 16]], dtype=np.uint8)  # scikit-learn's digits go to 16
    np.testing.assert_array_equal(Normalizer("scale", pixel_max=16).transform(X), [[0, 0.25, 1]])
    np.testing.assert_array_equal(Normalizer("center", pixel_max=16).transform(X), [[-1, -0.5, 1]])


def test_pixel_max_learnt_when_unknown() -> None:
    X = np.array([[1.0, -8.0], [2.0, 4.0]])
    norm = Normalizer("scale", pixel_max=None)
    assert not norm.is_fitted
    norm.fit(X)
    assert norm.pixel_max == 8.0
    np.testing.assert_array_equal(norm.transform(X), [[0.125, -1.0], [0.25, 0.5]])


def test_standardize_by_hand() -> None:
    X = np.array([[1, 2, 5], [3, 2, 7]], dtype=np.uint8)
    norm = Normalizer("standardize").fit(X)
    # mean (2, 2, 6); population std (1, 0, 1); the constant middle column gets 1
    np.testing.assert_array_equal(norm.mean_, [2, 2, 6])
    np.testing.assert_array_equal(norm.scale_, [1, 1, 1])
    np.testing.assert_array_equal(norm.transform(X), [[-1, 0, -1], [1, 0, 1]])
    np.testing.assert_array_equal(norm.transform(np.array([[5, 9, 6]])), [[3, 7, 0]])


def test_standardize_zero_std_up_to_rounding() -> None:
    X = np.full((7, 2), 0.1)  # float sums of 0.1 do not give exactly 0.1 back
    X[:, 1] = np.arange(7)
    norm = Normalizer("standardize").fit(X)
    assert norm.scale_[0] == 1.0
    assert norm.scale_[1] == pytest.approx(2.0)
    np.testing.assert_allclose(norm.transform(X, dtype=np.float64)[:, 0], 0.0, atol=1e-15)


def test_standardize_matches_numpy_across_blocks(monkeypatch: pytest.MonkeyPatch) -> None:
    rng = np.random.default_rng(0)
    X = rng.integers(0, 256, size=(1000, 12), dtype=np.uint8)
    X[:, 3] = 7  # a constant feature
    monkeypatch.setattr(preprocessing, "_FIT_BLOCK", 12 * 37)  # 37 rows a block: 28 blocks
    norm = Normalizer("standardize").fit(X)
    reference = X.astype(np.float64)
    np.testing.assert_allclose(norm.mean_, reference.mean(axis=0), rtol=1e-13)
    std = reference.std(axis=0)
    std[3] = 1.0
    np.testing.assert_allclose(norm.scale_, std, rtol=1e-12)
    expected = (reference - reference.mean(axis=0)) / std
    np.testing.assert_allclose(
        norm.transform(X, dtype=np.float64), expected, rtol=1e-12, atol=1e-12
    )
    np.testing.assert_allclose(norm.transform(X), expected, rtol=1e-5, atol=1e-5)


def test_fit_does_not_change_its_input() -> None:
    X = np.array([[1.0, 2.0], [3.0, 5.0]])
    before = X.copy()
    Normalizer("standardize").fit(X)
    np.testing.assert_array_equal(X, before)


@pytest.mark.parametrize("kind", KINDS)
def test_batch_by_batch_equals_whole_array(kind: str, monkeypatch: pytest.MonkeyPatch) -> None:
    rng = np.random.default_rng(1)
    X = rng.integers(0, 256, size=(103, 20), dtype=np.uint8)
    X.flags.writeable = False  # loaded data sets are read-only
    norm = Normalizer(kind).fit(X)
    whole = norm.transform(X)
    buffer = np.empty((7, 20), dtype=np.float32)  # a trainer's preallocated batch buffer
    order = rng.permutation(len(X))
    for start in range(0, len(X) - 6, 7):
        batch = order[start : start + 7]
        result = norm.transform(X[batch], out=buffer)
        assert result is buffer
        np.testing.assert_array_equal(buffer, whole[batch])
    monkeypatch.setattr(preprocessing, "_BLOCK", 20 * 3)  # 3 rows a block inside transform
    np.testing.assert_array_equal(norm.transform(X), whole)


def test_float64_output_and_float64_input() -> None:
    X = np.array([[5.1, 3.5], [4.9, 3.0]])
    out = np.empty((2, 2))
    Normalizer("standardize").fit(X).transform(X, out=out)
    np.testing.assert_allclose(out, [[1, 1], [-1, -1]], rtol=1e-12)


@pytest.mark.parametrize("kind", KINDS)
def test_params_round_trip(kind: str) -> None:
    rng = np.random.default_rng(2)
    X = rng.integers(0, 256, size=(50, 6), dtype=np.uint8)
    norm = Normalizer(kind).fit(X)
    params = norm.params()
    assert all(isinstance(v, np.ndarray) and v.dtype == np.float64 for v in params.values())
    expected_keys = {"none": set(), "scale": {"pixel_max"}, "center": {"pixel_max"}}
    assert set(params) == expected_keys.get(kind, {"mean", "scale"})
    restored = Normalizer.from_params(kind, params)
    np.testing.assert_array_equal(restored.transform(X), norm.transform(X))
    params_copy = {k: v.copy() for k, v in params.items()}
    if params:
        next(iter(params.values()))[...] = 99  # the normalizer kept its own copy
        np.testing.assert_array_equal(restored.transform(X), norm.transform(X))
        assert {k: v.tolist() for k, v in norm.params().items()} == {
            k: v.tolist() for k, v in params_copy.items()
        }


@pytest.mark.parametrize(
    ("kind", "params", "fragment"),
    [
        ("scale", {}, "must have exactly the arrays pixel_max; got -"),
        ("scale", {"pixel_max": np.array(0.0)}, "pixel_max must be a finite number > 0"),
        ("center", {"pixel_max": np.array([255.0, 1.0])}, "pixel_max must be a finite number"),
        ("standardize", {"mean": np.zeros(3)}, "must have exactly the arrays mean, scale"),
        ("standardize", {"mean": np.zeros(3), "scale": np.ones(2)}, "scale must have shape"),
        ("standardize", {"mean": np.zeros(2), "scale": np.array([1, -1.0])}, "finite number > 0"),
        ("standardize", {"mean": np.array([np.nan, 0]), "scale": np.ones(2)}, "no NaN or inf"),
        ("none", {"mean": np.zeros(1)}, "must have exactly the arrays -"),
        ("whiten", {}, "normalize must be one of none, scale, center, standardize"),
    ],
)
def test_bad_params_are_refused(kind: str, params: dict, fragment: str) -> None:
    with pytest.raises(InputError) as info:
        Normalizer.from_params(kind, params)
    assert fragment in str(info.value)


def test_errors() -> None:
    with pytest.raises(InputError, match="normalize must be one of"):
        Normalizer("minmax")
    with pytest.raises(InputError, match="pixel_max must be a finite number > 0"):
        Normalizer("scale", pixel_max=0)
    with pytest.raises(InputError, match=r"fit\(X\) must be called"):
        Normalizer("standardize").transform(X_SMALL)
    with pytest.raises(InputError, match=r"fit\(X\) must be called"):
        Normalizer("standardize").params()
    norm = Normalizer("standardize").fit(X_SMALL)
    with pytest.raises(ShapeError, match=r"must have shape \(n_samples, 3\)"):
        norm.transform(np.zeros((2, 4), np.uint8))
    with pytest.raises(ShapeError, match="must be a 2-D array"):
        norm.transform(np.zeros(3, np.uint8))
    with pytest.raises(InputError, match="out must be float32 or float64"):
        norm.transform(X_SMALL, out=np.empty((2, 3), np.int32))
    with pytest.raises(ShapeError, match=r"out must have shape \(2, 3\)"):
        norm.transform(X_SMALL, out=np.empty((3, 3), np.float32))
    with pytest.raises(InputError, match="must contain only numbers"):
        norm.transform([["a", "b", "c"]])
    with pytest.raises(InputError, match="must not be empty"):
        Normalizer("standardize").fit(np.zeros((0, 3)))
    with pytest.raises(InputError, match="no NaN or inf"):
        Normalizer("standardize").fit(np.array([[1.0], [np.inf]]))


def test_divisor_is_the_number_a_plain_scale_divides_by():
    X = np.array([[0, 8], [16, 4]], dtype=np.uint8)
    assert Normalizer("scale", pixel_max=255).divisor == 255.0
    assert Normalizer("scale", pixel_max=None).fit(X).divisor == 16.0
    for kind in ("none", "center", "standardize"):
        assert Normalizer(kind, pixel_max=255).fit(X).divisor is None
