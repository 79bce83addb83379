"""ONNX export: the graphs run in onnxruntime and give what predict_proba and predict give.

Three ways in, one graph (handprop.onnx_graph): ``SoftmaxRegression.to_onnx()``, ``handprop
export`` on a model file, and skl2onnx on a Pipeline (``import handprop.onnx``), whose outputs
must have the names and types skl2onnx gives LogisticRegression. Probabilities agree with
predict_proba within 1e-5 and labels exactly, on Fashion-MNIST's 10,000 test images and on
scikit-learn's digits. Bad input (a file that is not a model, a missing folder, onnx not
installed, a step skl2onnx cannot convert) is in the robustness catalogue as well.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import numpy as np
import onnx
import onnxruntime as ort
import pytest
import skl2onnx
from sklearn.datasets import load_digits
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

import handprop.onnx
from handprop.cli import main
from handprop.errors import InputError
from handprop.model import NotFittedError, SoftmaxRegression, load_model

DEBIAN_FASHION = Path("/usr/share/datasets/fashion-mnist")
TOL = 1e-5


def run(model: Any, X: np.ndarray) -> dict[str, Any]:
    """The graph's outputs by name, computed by onnxruntime on ``X``."""
    proto = model if isinstance(model, onnx.ModelProto) else onnx.load(model)
    session = ort.InferenceSession(proto.SerializeToString(), providers=["CPUExecutionProvider"])
    names = [o.name for o in session.get_outputs()]
    values = session.run(None, {session.get_inputs()[0].name: X})
    return dict(zip(names, values, strict=True))


@pytest.fixture(scope="module")
def digits() -> tuple[np.ndarray, np.ndarray]:
    X, y = load_digits(return_X_y=True)
    return X.astype(np.float32), y


def _assert_same_predictions(outputs: dict[str, Any], model: Any, X: np.ndarray) -> None:
    proba = outputs["probabilities"]
    assert proba.dtype == np.float32 and proba.shape == (len(X), len(model.classes_))
    np.testing.assert_allclose(proba, model.predict_proba(X), rtol=0, atol=TOL)
    np.testing.assert_array_equal(outputs["label"], model.predict(X))


# ---------------------------------------------------------------------- the standalone graph


@pytest.mark.skipif(
    not DEBIAN_FASHION.is_dir(),
    reason="needs Debian's dataset-fashion-mnist (apt-get install dataset-fashion-mnist)",
)
def test_fashion_mnist_test_images_give_predict_proba_and_predict(tmp_path: Path) -> None:
    from handprop.data.datasets import load_dataset

    ds = load_dataset("fashion-mnist", data_dir=tmp_path, download=False)
    names = np.asarray(ds.classes)
    model = SoftmaxRegression(normalize="scale", pixel_max=255, epochs=1, random_state=0)
    model.fit(ds.X_train, names[ds.y_train])  # the class names, as `handprop train` stores them
    X = ds.X_test.astype(np.float32)  # the raw 0..255 pixels the model was trained on

    outputs = run(model.to_onnx(), X)

    assert model.score(ds.X_test, names[ds.y_test]) > 0.8  # a real model, not a constant one
    assert outputs["label"].dtype == object and set(outputs["label"]) <= set(names)
    _assert_same_predictions(outputs, model, ds.X_test)


@pytest.mark.parametrize("normalize", [None, "none", "scale", "center", "standardize"])
@pytest.mark.parametrize("labels", ["int", "str"])
def test_every_normalisation_and_label_kind(normalize: str | None, labels: str, digits) -> None:
    X, y = digits
    y = y if labels == "int" else np.array([f"digit {v}" for v in y])
    model = SoftmaxRegression(normalize=normalize, pixel_max=16, epochs=2, random_state=0)
    model.fit(X, y)

    proto = model.to_onnx()
    outputs = run(proto, X)

    assert outputs["label"].dtype == (np.int64 if labels == "int" else object)
    _assert_same_predictions(outputs, model, X)
    ops = [n.op_type for n in proto.graph.node]
    expected = {
        None: [],
        "none": [],
        "scale": ["Div"],  # x / 16: no Sub of a zero offset
        "center": ["Sub", "Div"],
        "standardize": ["Sub", "Div"],
    }[normalize]
    assert ops == [*expected, "Gemm", "Softmax", "ArgMax", "Gather"]
    assert proto.metadata_props[0].value == (normalize or "none")


def test_the_graph_is_opset_17_with_a_symbolic_batch(digits) -> None:
    X, y = digits
    model = SoftmaxRegression(normalize="scale", epochs=1, random_state=0).fit(X, y)
    proto = model.to_onnx()
    onnx.checker.check_model(proto, full_check=True)
    assert [(o.domain, o.version) for o in proto.opset_import] == [("", 17)]
    (x,) = proto.graph.input
    assert x.name == "X" and x.type.tensor_type.elem_type == onnx.TensorProto.FLOAT
    assert [d.dim_param or d.dim_value for d in x.type.tensor_type.shape.dim] == ["N", 64]
    assert [o.name for o in proto.graph.output] == ["label", "probabilities"]
    assert model.to_onnx(opset=21).opset_import[0].version == 21
    for n in (1, 7, 1797):  # any batch size
        _assert_same_predictions(run(proto, X[:n]), model, X[:n])


def test_a_float64_model_computes_in_float64_and_returns_float32(digits) -> None:
    X, y = digits
    model = SoftmaxRegression(normalize="standardize", dtype="float64", epochs=2, random_state=0)
    model.fit(X, y)
    proto = model.to_onnx()
    ops = [n.op_type for n in proto.graph.node]
    assert ops[0] == "Cast" and ops[-3:] == ["Cast", "ArgMax", "Gather"]
    _assert_same_predictions(run(proto, X), model, X)


def test_integral_float_and_bool_labels_become_int64(digits) -> None:
    X, y = digits
    for labels, expected in ((y.astype(np.float64), y), (y % 2 == 0, (y % 2 == 0).astype(int))):
        model = SoftmaxRegression(normalize="scale", epochs=1, random_state=0).fit(X, labels)
        outputs = run(model.to_onnx(), X)
        assert outputs["label"].dtype == np.int64
        np.testing.assert_array_equal(outputs["label"], model.predict(X).astype(np.int64))
        assert (outputs["label"] == expected).mean() > 0.8


def test_to_onnx_refuses_an_unfitted_model_and_a_bad_opset(digits) -> None:
    with pytest.raises(NotFittedError, match="to_onnx: this SoftmaxRegression instance is not"):
        SoftmaxRegression().to_onnx()
    X, y = digits
    model = SoftmaxRegression(epochs=1, random_state=0).fit(X, y)
    newest = onnx.defs.onnx_opset_version()
    for opset in (16, newest + 1, "17", True):
        with pytest.raises(InputError, match=f"opset must be an integer from 17 to {newest}"):
            model.to_onnx(opset=opset)


def test_without_onnx_the_error_says_how_to_install_it(digits, monkeypatch) -> None:
    X, y = digits
    model = SoftmaxRegression(epochs=1, random_state=0).fit(X, y)
    monkeypatch.setitem(sys.modules, "onnx", None)  # `import onnx` now fails
    with pytest.raises(InputError) as err:
        model.to_onnx()
    assert str(err.value) == (
        "to_onnx: this export needs the package onnx; install it with pip install 'handprop[onnx]'."
    )


# ---------------------------------------------------------------------- Pipelines, by skl2onnx


def _structure(proto: onnx.ModelProto) -> list[tuple[str, str]]:
    """(name, type) of every output, the type as protobuf text (element type, shape, maps)."""
    return [(o.name, str(o.type)) for o in proto.graph.output]


def _zipmap_to_array(rows: list[dict[Any, float]], classes: np.ndarray) -> np.ndarray:
    return np.array([[row[c] for c in classes] for row in rows], dtype=np.float32)


@pytest.mark.parametrize("labels", ["int", "str"])
def test_a_pipeline_converts_like_logistic_regression(labels: str, digits) -> None:
    X, y = digits
    y = y if labels == "int" else np.array([f"d{v}" for v in y])
    ours = make_pipeline(StandardScaler(), SoftmaxRegression(epochs=2, random_state=0)).fit(X, y)
    theirs = make_pipeline(StandardScaler(), LogisticRegression(max_iter=50)).fit(X, y)
    keys = ours.classes_ if labels == "str" else ours.classes_.astype(np.int64)

    for option in (None, True, False, "columns"):
        options = None if option is None else {type(ours[-1]): {"zipmap": option}}
        lr_options = None if option is None else {LogisticRegression: {"zipmap": option}}
        proto = skl2onnx.to_onnx(ours, X[:1], options=options)
        reference = skl2onnx.to_onnx(theirs, X[:1], options=lr_options)
        assert _structure(proto) == _structure(reference), option

        outputs = list(run(proto, X).values())
        np.testing.assert_array_equal(outputs[0], ours.predict(X))
        if option is False:
            proba = outputs[1]
        elif option == "columns":
            proba = np.stack(outputs[1:], axis=1)
        else:  # a ZipMap: one {class: probability} per row
            proba = _zipmap_to_array(outputs[1], keys)
        np.testing.assert_allclose(proba, ours.predict_proba(X), rtol=0, atol=TOL)


def test_a_pipeline_without_class_labels_nocl(digits) -> None:
    X, y = digits
    names = np.array([f"d{v}" for v in y])
    pipe = make_pipeline(StandardScaler(), SoftmaxRegression(epochs=1, random_state=0))
    pipe.fit(X, names)
    options = {SoftmaxRegression: {"zipmap": False, "nocl": True}}
    outputs = run(skl2onnx.to_onnx(pipe, X[:1], options=options), X)
    assert outputs["label"].dtype == np.int64
    np.testing.assert_array_equal(pipe[-1].classes_[outputs["label"]], pipe.predict(X))


def test_handprop_to_onnx_converts_a_pipeline_and_a_model(digits) -> None:
    X, y = digits
    pipe = make_pipeline(StandardScaler(), SoftmaxRegression(epochs=1, random_state=0))
    pipe.fit(X, y)
    options = {SoftmaxRegression: {"zipmap": False}}
    _assert_same_predictions(run(handprop.onnx.to_onnx(pipe, X, options=options), X), pipe, X)
    model = pipe[-1]
    Xs = pipe[0].transform(X).astype(np.float32)
    _assert_same_predictions(run(handprop.onnx.to_onnx(model), Xs), model, Xs)
    with pytest.raises(InputError, match="to_onnx: X must be a sample of the pipeline's input"):
        handprop.onnx.to_onnx(pipe)


def test_a_double_input_gives_double_probabilities(digits) -> None:
    X, y = digits
    pipe = make_pipeline(StandardScaler(), SoftmaxRegression(epochs=1, random_state=0))
    pipe.fit(X, y)
    X64 = X.astype(np.float64)
    proto = skl2onnx.to_onnx(pipe, X64[:1], options={SoftmaxRegression: {"zipmap": False}})
    outputs = run(proto, X64)
    assert outputs["probabilities"].dtype == np.float64
    np.testing.assert_allclose(outputs["probabilities"], pipe.predict_proba(X), atol=TOL)


def test_a_pipeline_of_the_wrong_width_is_refused(digits) -> None:
    X, y = digits
    model = SoftmaxRegression(epochs=1, random_state=0).fit(X, y)
    with pytest.raises(InputError, match="to_onnx: X has 10 features, but"):
        skl2onnx.to_onnx(model, X[:1, :10])


# ---------------------------------------------------------------------- handprop export


def test_export_a_model_written_by_handprop_train(tmp_path: Path, capsys) -> None:
    path, out = tmp_path / "digits.npz", tmp_path / "digits.onnx"
    argv = ["train", "--dataset", "digits", "--epochs", "1", "--normalize", "center"]
    assert main([*argv, "--seed", "0", "--save", str(path), "--quiet"]) == 0
    capsys.readouterr()

    assert main(["export", str(path), "--format", "onnx", "-o", str(out)]) == 0

    text = capsys.readouterr().out
    assert text.startswith(f"Wrote {out}: ONNX opset 17; input X (N, 64) float32")
    assert "center: 2 x / 16 - 1" in text
    model = load_model(path)
    X, _ = load_digits(return_X_y=True)
    outputs = run(out, X.astype(np.float32))
    assert outputs["label"].dtype == object  # `handprop train` stores the class names
    _assert_same_predictions(outputs, model, X)


def test_export_a_state_dict_of_plain_tensors(tmp_path: Path, capsys, digits) -> None:
    import torch

    from handprop.model import save_model

    X, y = digits
    model = SoftmaxRegression(normalize="scale", pixel_max=16, epochs=1, random_state=0).fit(X, y)
    save_model(model, tmp_path / "m.npz")
    out = tmp_path / "m.pt"

    assert main(["export", str(tmp_path / "m.npz"), "--format", "state-dict", "-o", str(out)]) == 0

    assert "nn.Linear(64, 10)" in capsys.readouterr().out
    state = torch.load(out, weights_only=True)  # plain tensors: loads without unpickling code
    linear = torch.nn.Linear(64, 10)
    linear.load_state_dict(state)
    with torch.no_grad():
        Z = linear(torch.from_numpy(X / np.float32(16))).numpy()
    np.testing.assert_allclose(Z, model.decision_function(X), rtol=0, atol=1e-5)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["m.npz", "m.pt"]  # no temporary left


def test_export_help_and_listing(capsys) -> None:
    import click

    from handprop.commands.export import export

    for param in export.params:
        if isinstance(param, click.Option):
            assert param.help, param.name
    assert main(["export", "--help"]) == 0
    assert "Usage: handprop export" in capsys.readouterr().out
    assert main(["--help"]) == 0
    assert "export" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("fmt", "module", "extra"), [("onnx", "onnx", "onnx"), ("state-dict", "torch", "torch")]
)
def test_export_without_the_package(fmt, module, extra, tmp_path, capsys, monkeypatch) -> None:
    model = tmp_path / "m.npz"
    model.write_bytes(b"not even read: the package is checked first")
    monkeypatch.setitem(sys.modules, module, None)
    out = tmp_path / "m.out"

    assert main(["export", str(model), "--format", fmt, "-o", str(out), "--lang", "zh"]) == 2

    err = capsys.readouterr().err
    assert err == (
        f"错误：export：这种导出需要 {module} 包；请用 pip install 'handprop[{extra}]' 安装。\n"
    )
    assert not out.exists()
