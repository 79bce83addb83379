"""SoftmaxRegression as a scikit-learn estimator, its model files and PyTorch state_dicts."""

from __future__ import annotations

import io
import json
import os
import warnings
import zipfile
from pathlib import Path

import numpy as np
import pytest
import torch

from handprop.data.datasets import load_dataset
from handprop.errors import FileFormatError, InputError, ShapeError, TrainingDivergedError
from handprop.model import (
    SoftmaxRegression,
    export_state_dict,
    import_state_dict,
    load_model,
    save_model,
)
from handprop.train import TrainingProgress


@pytest.fixture(scope="module")
def digits():
    return load_dataset("digits")


@pytest.fixture(scope="module")
def iris():
    return load_dataset("iris")


@pytest.fixture(scope="module")
def fitted(digits):
    model = SoftmaxRegression(epochs=3, normalize="scale", pixel_max=16, random_state=0)
    return model.fit(digits.X_train, digits.y_train)


def test_fit_predict_score_on_digits(fitted, digits):
    model = fitted
    assert model.coef_.shape == (10, 64) and model.intercept_.shape == (10,)
    assert model.coef_.dtype == np.float32 and model.n_features_in_ == 64
    assert list(model.classes_) == list(range(10))
    proba = model.predict_proba(digits.X_test)
    assert proba.shape == (355, 10)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0, atol=1e-5)
    pred = model.predict(digits.X_test)
    assert np.array_equal(pred, model.classes_[proba.argmax(axis=1)])
    accuracy = model.score(digits.X_test, digits.y_test)
    assert accuracy == np.mean(pred == digits.y_test) > 0.92
    assert model.n_iter_ == 3 and len(model.loss_curve_) == 3 and model.t_ == 3 * 31
    assert model.loss_curve_[0] > model.loss_curve_[-1]
    assert not model.interrupted_
    np.testing.assert_allclose(
        model.predict_log_proba(digits.X_test[:5]), np.log(proba[:5]), rtol=1e-5
    )
    expected = -np.mean(np.log(proba[np.arange(355), digits.y_test]))
    assert model.loss(digits.X_test, digits.y_test) == pytest.approx(expected, rel=1e-4)
    assert expected < 0.5


def test_defaults_are_documented_and_reach_95_percent_on_digits(digits):
    model = SoftmaxRegression(normalize="scale", pixel_max=16, random_state=0)
    params = model.get_params()
    assert params["lr"] == 0.1 and params["batch_size"] == 48 and params["epochs"] == 10
    assert params["momentum"] == 0.9 and params["lr_schedule"] == "constant"
    assert params["average"] == 0.5 and params["engine"] == "auto"
    assert params["init"] == "torch" and params["normalize"] == "scale"
    model.fit(digits.X_train, digits.y_train)
    assert model.score(digits.X_test, digits.y_test) >= 0.95


def test_any_labels_strings_and_sorted_classes(iris):
    names = np.array(["setosa", "versicolor", "virginica"])
    y = names[iris.y_train][::-1].copy()  # reversed order: classes_ must still be sorted
    X = iris.X_train[::-1]
    model = SoftmaxRegression(normalize="standardize", epochs=20, random_state=0).fit(X, y)
    assert list(model.classes_) == ["setosa", "versicolor", "virginica"]
    pred = model.predict(iris.X_test)
    assert pred.dtype.kind == "U" and set(pred) <= set(names)
    assert model.score(iris.X_test, names[iris.y_test]) >= 0.9
    with pytest.raises(InputError, match="contain only the model's classes"):
        model.loss(iris.X_test, np.array(["cat"] * len(iris.X_test)))
    bools = SoftmaxRegression(epochs=2, random_state=0).fit(X, y == "setosa")
    assert list(bools.classes_) == [False, True]
    assert bools.decision_function(iris.X_test).shape == (len(iris.X_test),)


def test_get_set_params_and_clone():
    from sklearn.base import clone

    model = SoftmaxRegression(lr=0.05, init="xavier")
    assert model.set_params(epochs=4, momentum=0.0) is model
    assert model.get_params()["epochs"] == 4 and model.get_params()["lr"] == 0.05
    copy = clone(model)
    assert copy.get_params() == model.get_params() and copy is not model
    assert repr(model) == "SoftmaxRegression(epochs=4, init='xavier', lr=0.05, momentum=0.0)"
    with pytest.raises(ValueError, match="Invalid parameter 'learning_rate'"):
        model.set_params(learning_rate=0.1)
    from sklearn.base import BaseEstimator, ClassifierMixin, is_classifier

    assert isinstance(model, ClassifierMixin) and isinstance(model, BaseEstimator)
    assert is_classifier(model) and "SoftmaxRegression" in model._repr_html_()


def test_partial_fit_epochs_equal_fit_with_a_constant_step(digits):
    kw = {"normalize": "scale", "pixel_max": 16, "random_state": 3, "lr_schedule": "constant"}
    full = SoftmaxRegression(epochs=3, **kw).fit(digits.X_train, digits.y_train)
    part = SoftmaxRegression(**kw)
    for _ in range(3):
        part.partial_fit(digits.X_train, digits.y_train, classes=np.arange(10))
    assert np.array_equal(part.coef_, full.coef_) and np.array_equal(
        part.intercept_, full.intercept_
    )
    assert part.n_iter_ == 3 and part.loss_curve_ == full.loss_curve_
    with pytest.raises(InputError, match=r"contain only the model's classes .*; got 11 at \[0\]"):
        part.partial_fit(digits.X_train[:2], np.array([11, 3]))
    with pytest.raises(
        ShapeError, match="X has 63 features, but SoftmaxRegression is expecting 64"
    ):
        part.partial_fit(digits.X_train[:2, :63], digits.y_train[:2])


def test_partial_fit_with_classes_not_yet_seen(digits):
    model = SoftmaxRegression(random_state=0, normalize="scale", pixel_max=16)
    mask = digits.y_train < 5
    model.partial_fit(digits.X_train[mask], digits.y_train[mask], classes=np.arange(10))
    assert model.coef_.shape == (10, 64)
    assert set(model.predict(digits.X_test)) <= set(range(5))  # only seen classes win
    model.partial_fit(digits.X_train[~mask], digits.y_train[~mask])
    assert set(model.predict(digits.X_test)) & set(range(5, 10))


@pytest.mark.parametrize(
    ("X", "y", "error", "text"),
    [
        ([[1.0, np.nan]], [0], InputError, "must contain only finite numbers (no NaN or inf)"),
        ([[1.0, np.inf]], [0], InputError, "got inf at [0, 1]"),
        ([1.0, 2.0], [0, 1], ShapeError, "Reshape your data"),
        (np.zeros((0, 3)), [], InputError, "0 sample(s)"),
        (np.zeros((2, 0)), [0, 1], InputError, "0 feature(s) (shape=(2, 0))"),
        ([[1.0], [2.0]], [0.5, 1.5], InputError, "Unknown label type: continuous"),
        ([[1.0], [2.0]], [0], ShapeError, "y must have shape (2,)"),
        ([[1.0], [2.0]], None, InputError, "requires y to be passed, but the target y is None"),
        (np.ones((2, 2), dtype=complex), [0, 1], InputError, "Complex data not supported"),
    ],
)
def test_bad_data_is_a_one_line_error(X, y, error, text):
    with pytest.raises(error) as info:
        SoftmaxRegression(epochs=1).fit(X, y)
    assert text in str(info.value) and "\n" not in str(info.value)


def test_bad_hyperparameters_are_reported_at_fit(digits):
    for params, text in (
        ({"lr": -1}, "fit: lr must be a finite number > 0; got -1."),
        ({"batch_size": 0}, "fit: batch_size must be an integer >= 1; got 0."),
        ({"normalize": "minmax"}, "normalize must be one of None, none, scale"),
        ({"validation_fraction": 1.0}, "validation_fraction must be a number in (0, 1)"),
        ({"init": "ones"}, "init must be one of"),
    ):
        with pytest.raises(InputError) as info:
            SoftmaxRegression(**params).fit(digits.X_train[:10], digits.y_train[:10])
        assert text in str(info.value)


def test_unfitted_use_is_sklearns_not_fitted_error():
    from sklearn.exceptions import NotFittedError

    with pytest.raises(NotFittedError, match="predict: this SoftmaxRegression instance is not"):
        SoftmaxRegression().predict([[1.0, 2.0]])


def test_divergence_keeps_the_last_good_weights_in_the_model(digits):
    model = SoftmaxRegression(lr=1e35, epochs=1, random_state=0)  # raw 0..16 pixels
    with pytest.raises(TrainingDivergedError, match="unscaled"):
        model.fit(digits.X_train, digits.y_train)
    assert np.isfinite(model.coef_).all() and np.isfinite(model.intercept_).all()
    assert np.isfinite(model.loss(digits.X_test, digits.y_test))


def test_interrupted_fit_keeps_the_model_and_says_so(digits):
    class StopAt(TrainingProgress):
        def on_batch_end(self, epoch, batch, loss):
            if (epoch, batch) == (2, 4):
                raise KeyboardInterrupt

    model = SoftmaxRegression(epochs=5, normalize="scale", pixel_max=16, random_state=0)
    model.fit(digits.X_train, digits.y_train, progress=StopAt())
    assert model.interrupted_ and model.n_iter_ == 1 and model.t_ == 31 + 4
    assert model.score(digits.X_test, digits.y_test) > 0.8


def test_validation_fraction_and_eval_set(digits):
    model = SoftmaxRegression(
        epochs=2, validation_fraction=0.25, normalize="scale", pixel_max=16, random_state=1
    )
    model.fit(digits.X_train, digits.y_train, eval_set=(digits.X_test, digits.y_test))
    last = model.history_[-1]
    assert 0.8 < last.val_accuracy <= 1.0
    assert last.metrics["test_accuracy"] == pytest.approx(model.score(digits.X_test, digits.y_test))
    n_train = digits.X_train.shape[0] - round(0.25 * digits.X_train.shape[0])
    assert model.t_ == 2 * -(-n_train // 48)


def test_passes_sklearn_check_estimator():
    """Every check of scikit-learn's common battery passes; the list of failures is empty."""
    from sklearn.utils.estimator_checks import check_estimator

    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=".*SCIPY_ARRAY_API is not set")
        results = check_estimator(SoftmaxRegression(), on_fail=None)
    failed = {r["check_name"]: repr(r["exception"]) for r in results if r["status"] == "failed"}
    skipped = {r["check_name"] for r in results if r["status"] == "skipped"}
    assert failed == {}
    # check_array_api_input needs SCIPY_ARRAY_API=1 at start-up; we do not support array API
    assert skipped <= {"check_array_api_input"}
    assert len(results) > 50


# ---------------------------------------------------------------------- model files


def test_save_load_round_trip(tmp_path: Path, iris):
    names = np.array(["setosa", "versicolor", "virginica"])
    model = SoftmaxRegression(epochs=5, normalize="standardize", random_state=0, lr=0.05)
    model.fit(iris.X_train, names[iris.y_train])
    path = tmp_path / "iris.npz"
    save_model(model, path, dataset="iris", accuracy=0.9, extra={"note": "x"})
    loaded = load_model(path)
    assert np.array_equal(loaded.coef_, model.coef_) and loaded.coef_.dtype == np.float32
    assert list(loaded.classes_) == list(names)
    np.testing.assert_array_equal(
        loaded.predict_proba(iris.X_test), model.predict_proba(iris.X_test)
    )
    np.testing.assert_allclose(loaded.normalizer_.mean_, model.normalizer_.mean_)
    meta = loaded.metadata_
    assert meta["format"] == "handprop-model" and meta["format_version"] == 1
    assert meta["dataset"] == "iris" and meta["accuracy"] == 0.9 and meta["note"] == "x"
    assert meta["hyperparameters"]["lr"] == 0.05 and meta["normalize"] == "standardize"
    assert meta["image_shape"] is None and meta["handprop_version"]
    assert loaded.get_params()["lr"] == 0.05 and loaded.loss_curve_ == model.loss_curve_
    with zipfile.ZipFile(path) as archive:
        assert sorted(archive.namelist()) == sorted(
            ["W.npy", "b.npy", "classes.npy", "meta.npy", "norm.mean.npy", "norm.scale.npy"]
        )


def _rewrite(path: Path, target: Path, **changes) -> None:
    with np.load(path, allow_pickle=False) as npz:
        arrays = {k: npz[k] for k in npz.files}
    for key, value in changes.items():
        if value is None:
            arrays.pop(key)
        else:
            arrays[key] = value
    np.savez(target, **arrays)


@pytest.fixture
def model_file(tmp_path: Path, fitted) -> Path:
    path = tmp_path / "digits.npz"
    save_model(fitted, path, dataset="digits", image_shape=(8, 8), pixel_max=16)
    return path


def _meta(path: Path, **updates):
    with np.load(path, allow_pickle=False) as npz:
        meta = json.loads(str(npz["meta"][()]))
    meta.update(updates)
    return np.array(json.dumps(meta))


@pytest.mark.parametrize(
    ("change", "text"),
    [
        ("pickle", "contains a pickled object"),
        ("truncate", "not an .npz (zip) archive"),
        ("garbage", "not an .npz (zip) archive"),
        ("no_W", "the array 'W' is missing"),
        ("b_shape", "'b' should be (10,) float32"),
        ("W_nan", "the weights contain NaN or inf"),
        ("version", "format version 99 is not supported"),
        ("format", "its format field is 'something-else'"),
        ("classes_dup", "the class labels are not distinct"),
        ("image_shape", "metadata is missing or malformed (image_shape)"),
        ("norm", "metadata is missing or malformed (normalization parameters)"),
    ],
)
def test_tampered_or_wrong_files_are_refused(model_file: Path, tmp_path: Path, change, text):
    bad = tmp_path / "bad.npz"
    if change == "pickle":
        _rewrite(model_file, bad, classes=np.array([object()] * 10, dtype=object))
    elif change == "truncate":
        bad.write_bytes(model_file.read_bytes()[:300])
    elif change == "garbage":
        bad.write_bytes(os.urandom(1000))
    elif change == "no_W":
        _rewrite(model_file, bad, W=None)
    elif change == "b_shape":
        _rewrite(model_file, bad, b=np.zeros(9, dtype=np.float32))
    elif change == "W_nan":
        _rewrite(model_file, bad, W=np.full((10, 64), np.nan, dtype=np.float32))
    elif change == "version":
        _rewrite(model_file, bad, meta=_meta(model_file, format_version=99))
    elif change == "format":
        _rewrite(model_file, bad, meta=_meta(model_file, format="something-else"))
    elif change == "classes_dup":
        _rewrite(model_file, bad, classes=np.zeros(10, dtype=np.int64))
    elif change == "image_shape":
        _rewrite(model_file, bad, meta=_meta(model_file, image_shape=[28, 28]))
    elif change == "norm":
        _rewrite(model_file, bad, **{"norm.pixel_max": np.array(-1.0)})
    with pytest.raises(FileFormatError) as info:
        load_model(bad)
    message = str(info.value)
    assert message.startswith(f"{bad}: not a valid handprop model file: ") and text in message
    assert "\n" not in message


def test_a_failed_write_leaves_the_old_file_intact(model_file: Path, fitted, monkeypatch):
    before = model_file.read_bytes()

    def broken_replace(src, dst):
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", broken_replace)
    with pytest.raises(OSError, match="disk full"):
        save_model(fitted, model_file, dataset="other")
    assert model_file.read_bytes() == before
    assert [p.name for p in model_file.parent.iterdir()] == [model_file.name]


def test_missing_model_file_is_an_input_error(tmp_path: Path):
    with pytest.raises(InputError, match="must be an existing file; got no such file"):
        load_model(tmp_path / "nope.npz")


# ---------------------------------------------------------------------- PyTorch state_dict


def test_state_dict_round_trip_through_nn_linear(fitted, digits):
    state = export_state_dict(fitted)
    assert set(state) == {"weight", "bias"} and state["weight"].shape == (10, 64)
    layer = torch.nn.Linear(64, 10)
    layer.load_state_dict(state)
    X = fitted.normalizer_.transform(digits.X_test)
    with torch.no_grad():
        torch_proba = torch.softmax(layer(torch.from_numpy(X)), dim=1).numpy()
    np.testing.assert_allclose(torch_proba, fitted.predict_proba(digits.X_test), atol=1e-6)
    back = import_state_dict(
        layer.state_dict(), classes=fitted.classes_, normalizer=fitted.normalizer_
    )
    assert np.array_equal(back.predict(digits.X_test), fitted.predict(digits.X_test))
    buf = io.BytesIO()
    torch.save({"fc.weight": layer.weight, "fc.bias": layer.bias}, buf)
    buf.seek(0)
    prefixed = import_state_dict(torch.load(buf, weights_only=True))
    assert np.array_equal(prefixed.coef_, fitted.coef_) and list(prefixed.classes_) == list(
        range(10)
    )
    with pytest.raises(InputError, match="exactly one 'weight' and one 'bias'"):
        import_state_dict({"weight": layer.weight})
    with pytest.raises(ShapeError, match="classes must have shape"):
        import_state_dict(layer.state_dict(), classes=[1, 2])


def test_importing_the_training_modules_stays_light():
    """The CLI imports these at start-up of train/evaluate/predict: of the heavy libraries
    only scikit-learn, whose base classes the estimator derives from (and scipy under it)."""
    import subprocess
    import sys

    code = (
        "import sys, handprop.model, handprop.train, handprop.plots, handprop.metrics, "
        "handprop.data.images, handprop.commands.training; "
        "print(sorted(m for m in ('sklearn', 'torch', 'matplotlib', 'PIL', 'scipy', 'onnx') "
        "if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "['scipy', 'sklearn']"
    demo = "import sys, handprop.commands.step; print('sklearn' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", demo], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"  # the demo and step commands do without it
