"""``handprop train``, ``evaluate`` and ``predict`` end to end through the real entry point."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from handprop.cli import main
from handprop.data.datasets import load_dataset
from handprop.model import SoftmaxRegression, load_model, save_model
from handprop.train import TrainingProgress


@pytest.fixture(autouse=True)
def _english(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("LANG", "en_US.UTF-8")
    monkeypatch.setenv("HANDPROP_DATA_DIR", str(tmp_path / "data-root"))
    monkeypatch.chdir(tmp_path)


@pytest.fixture(scope="module")
def digits():
    return load_dataset("digits")


@pytest.fixture(scope="module")
def trained(tmp_path_factory: pytest.TempPathFactory) -> dict:
    """One training run with --save and --plots, shared by the evaluate/predict tests."""
    folder = tmp_path_factory.mktemp("run")
    model, plots = folder / "digits.npz", folder / "plots"
    argv = ["train", "--dataset", "digits", "--epochs", "3", "--save", str(model)]
    code = main([*argv, "--plots", str(plots), "--lang", "en"])
    return {"code": code, "model": model, "plots": plots}


def test_train_text_output_model_file_and_plots(trained, capsys):
    assert trained["code"] == 0
    assert trained["model"].is_file()
    assert sorted(p.name for p in trained["plots"].iterdir()) == [
        "confusion.png",
        "curves.png",
        "weights.png",
    ]
    for png in trained["plots"].iterdir():
        assert png.stat().st_size > 10_000
    model = load_model(trained["model"])
    meta = model.metadata_
    assert meta["dataset"] == "digits" and meta["image_shape"] == [8, 8]
    assert meta["pixel_max"] == 16 and meta["normalize"] == "scale"
    assert meta["hyperparameters"]["epochs"] == 3 and meta["hyperparameters"]["init"] == "torch"
    assert list(model.classes_) == [str(k) for k in range(10)]
    assert 0.9 < meta["accuracy"] <= 1


def test_train_prints_the_epoch_table_and_the_final_accuracy(capsys, tmp_path: Path):
    assert main(["train", "--dataset", "digits", "--epochs", "2", "--validation", "0.2"]) == 0
    out = capsys.readouterr().out
    assert "Training on digits: 1,442 training and 355 test samples" in out
    for column in ("epoch", "train loss", "train acc", "val acc", "test acc", "time"):
        assert column in out
    assert "measured on all 1,154 training rows" in " ".join(out.split())  # 1,442 - 288 held out
    assert "Test accuracy:" in out
    assert list(tmp_path.iterdir()) == []  # nothing written without --save/--plots


def test_train_json_and_quiet(capsys):
    assert main(["train", "--dataset", "digits", "--epochs", "2", "--format", "json"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["dataset"] == "digits" and result["n_train"] == 1442
    assert len(result["history"]) == 2 and result["interrupted"] is False
    assert result["hyperparameters"]["lr"] == 0.1 and result["model_file"] is None
    assert result["engine"] == "native"  # digits are 0..16 pixels: scaled, float32
    last = result["history"][-1]
    assert last["test_accuracy"] == pytest.approx(result["test_accuracy"])
    assert set(last) == {
        "epoch", "running_loss", "running_accuracy", "seconds", "train_loss", "train_accuracy",
        "test_loss", "test_accuracy",
    }  # fmt: skip
    # the train figures are the kept model's: it does better on the rows it learned from
    assert last["train_accuracy"] > last["test_accuracy"] - 0.02
    assert last["train_loss"] != last["running_loss"]
    assert main(["train", "--dataset", "digits", "--epochs", "1", "--quiet"]) == 0
    out = capsys.readouterr().out.strip().splitlines()
    assert len(out) == 1 and out[0].startswith("Test accuracy:")


def test_train_in_chinese(capsys):
    assert main(["train", "--dataset", "iris", "--epochs", "2", "--lang", "zh"]) == 0
    out = capsys.readouterr().out
    assert "在 iris 上训练" in out and "normalize = standardize" in out and "测试准确率" in out


def test_evaluate_text_json_and_plots(trained, capsys, tmp_path: Path):
    path = str(trained["model"])
    assert main(["evaluate", path, "--dataset", "digits", "--format", "json"]) == 0
    result = json.loads(capsys.readouterr().out)
    meta = load_model(trained["model"]).metadata_
    assert result["accuracy"] == pytest.approx(meta["accuracy"])
    confusion = np.array(result["confusion"])
    assert confusion.shape == (10, 10) and confusion.sum() == 355
    assert result["accuracy"] == pytest.approx(np.trace(confusion) / 355)
    row = result["per_class"][0]
    assert row["class"] == "0" and row["support"] == confusion[0].sum()
    assert row["recall"] == pytest.approx(confusion[0, 0] / confusion[0].sum())
    assert main(["evaluate", path, "--dataset", "digits", "--plots", str(tmp_path / "p")]) == 0
    out = capsys.readouterr().out
    assert "accuracy" in out and "precision" in out and "recall" in out
    assert "Confusion matrix (rows: true class, columns: predicted)" in out
    assert (tmp_path / "p" / "confusion.png").stat().st_size > 10_000


def _digit_pictures(digits, folder: Path, count: int) -> list[Path]:
    """Real test digits drawn as dark ink on white paper, 12x larger: what a user might scan."""
    paths = []
    for i in range(count):
        ink = digits.X_test[i].reshape(8, 8).astype(np.float64) / 16
        picture = Image.fromarray((255 * (1 - ink)).astype(np.uint8))
        path = folder / f"digit{i}.png"
        picture.resize((96, 96), Image.Resampling.NEAREST).save(path)
        paths.append(path)
    return paths


def test_predict_json_on_real_digits_drawn_as_pictures(trained, digits, capsys, tmp_path):
    paths = _digit_pictures(digits, tmp_path, 20)
    argv = ["predict", str(trained["model"]), *map(str, paths), "--format", "json"]
    assert main(argv) == 0
    results = json.loads(capsys.readouterr().out)
    assert len(results) == 20
    correct = 0
    for i, result in enumerate(results):
        probs = result["probabilities"]
        assert set(probs) == {str(k) for k in range(10)}
        assert sum(probs.values()) == pytest.approx(1.0, abs=1e-4)
        assert result["predicted"] == max(probs, key=probs.get)
        correct += result["predicted"] == str(digits.y_test[i])
    assert correct >= 16  # the same preprocessing as the training images (crop, fit, 0..16)
    assert main(["predict", str(trained["model"]), str(paths[0]), "--format", "json"]) == 0
    single = json.loads(capsys.readouterr().out)
    assert set(single) == {"image", "predicted", "probabilities"}


def test_predict_text_bars_and_show_input(trained, digits, capsys, tmp_path):
    (path,) = _digit_pictures(digits, tmp_path, 1)
    seen = tmp_path / "seen"
    argv = ["predict", str(trained["model"]), str(path), "--show-input", str(seen), "--top", "2"]
    assert main(argv) == 0
    out = capsys.readouterr().out
    assert out.startswith(f"{path}: ") and "█" in out and "what the model saw" in out
    assert len([line for line in out.splitlines() if "%" in line]) == 3  # header + top 2
    (saved,) = seen.iterdir()
    assert Image.open(saved).size == (8, 8)


def test_ctrl_c_keeps_the_model_and_resume_gives_the_same_weights(monkeypatch, capsys, tmp_path):
    common = ["train", "--dataset", "digits", "--epochs", "3", "--quiet", "--seed", "5"]
    ckpt, first, resumed, straight = (tmp_path / n for n in ("c.npz", "1.npz", "2.npz", "3.npz"))

    def interrupt(self, epoch, batch, loss):
        if (epoch, batch) == (2, 3):
            raise KeyboardInterrupt

    with monkeypatch.context() as patch:
        patch.setattr(TrainingProgress, "on_batch_end", interrupt)
        code = main([*common, "--checkpoint", str(ckpt), "--save", str(first)])
    assert code == 130
    assert "Interrupted: kept the model trained so far (1 complete epochs)." in (
        capsys.readouterr().out
    )
    assert load_model(first).metadata_["interrupted"] is True
    argv = [*common, "--checkpoint", str(ckpt), "--resume", "--save", str(resumed)]
    assert main(argv) == 0
    assert main([*common, "--save", str(straight)]) == 0
    a, b = load_model(resumed), load_model(straight)
    assert np.array_equal(a.coef_, b.coef_) and np.array_equal(a.intercept_, b.intercept_)


def _string_label_model(digits, path: Path) -> None:
    model = SoftmaxRegression(epochs=1, random_state=0)
    model.fit(digits.X_train, np.array([f"c{k}" for k in digits.y_train]))
    save_model(model, path, dataset="digits", image_shape=(8, 8), pixel_max=16)


BAD_TRAIN = [
    (["--dataset", "nope"], "dataset must be one of"),
    (["--lr", "0"], "train: --lr must be a finite number > 0; got 0.0."),
    (["--lr", "-1"], "train: --lr must be a finite number > 0; got -1.0."),
    (["--lr", "nan"], "train: --lr must be a finite number > 0; got nan."),
    (["--batch-size", "0"], "train: --batch-size must be an integer >= 1; got 0."),
    (["--epochs", "-1"], "train: --epochs must be an integer >= 1; got -1."),
    (["--momentum", "-0.5"], "train: --momentum must be a finite number >= 0"),
    (["--validation", "1.5"], "--validation must be a number in (0, 1)"),
    (["--init", "ones"], "init must be one of"),
    (["--resume"], "--resume must come with a checkpoint path"),
    (["--checkpoint", "missing.npz", "--resume"], "--checkpoint must be an existing file"),
    (["--save", "no/such/dir/m.npz"], "--save must be a file path in an existing, writable"),
    (["--save", "."], "--save must be a file path in an existing, writable folder"),
]


@pytest.mark.parametrize(("args", "text"), BAD_TRAIN)
def test_bad_train_input_is_one_line_exit_2_and_writes_nothing(args, text, capsys, tmp_path):
    base = ["train", "--epochs", "1"] if "--dataset" in args else ["train", "--dataset", "digits"]
    argv = [*base, *args]
    if "--save" not in args:
        argv += ["--save", "model.npz", "--plots", "plots"]
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.startswith("Error: ") and text in err, err
    assert err.count("\n") == 1 and "Traceback" not in err
    assert list(tmp_path.iterdir()) == []


def test_bad_evaluate_and_predict_input(trained, digits, capsys, tmp_path):
    model = str(trained["model"])
    iris_model = tmp_path / "iris.npz"
    assert main(["train", "--dataset", "iris", "--epochs", "1", "--quiet", "--save",
                 str(iris_model)]) == 0  # fmt: skip
    labels_model = tmp_path / "labels.npz"
    _string_label_model(digits, labels_model)
    not_image = tmp_path / "not-an-image.png"
    not_image.write_bytes(b"text, not pixels")
    corrupt = tmp_path / "corrupt.npz"
    corrupt.write_bytes(trained["model"].read_bytes()[:100])
    capsys.readouterr()
    before = sorted(tmp_path.iterdir())
    cases = [
        (["evaluate", model, "--dataset", "iris"],
         "evaluate: " + model + " expects 64 features per sample, but iris has 4."),
        (["evaluate", str(labels_model), "--dataset", "digits", "--plots", "p"],
         "labels of digits must contain only the model's classes {c0, c1"),
        (["evaluate", str(corrupt), "--dataset", "digits"], "not a valid handprop model file"),
        (["evaluate", "missing.npz", "--dataset", "digits"], "must be an existing file"),
        (["evaluate", model, "--dataset", "nope"], "dataset must be one of"),
        (["predict", model, str(not_image), "--show-input", "seen"],
         "cannot read this image (not an image format Pillow knows)"),
        (["predict", model, "missing.png"], "missing.png must be an existing file"),
        (["predict", str(iris_model), str(not_image)], "was not trained on images"),
        (["predict", model, str(not_image), "--top", "0"], "--top must be an integer >= 1"),
    ]  # fmt: skip
    for argv, text in cases:
        assert main(argv) == 2, argv
        err = capsys.readouterr().err
        assert err.startswith("Error: ") and text in err, (argv, err)
        assert err.count("\n") == 1 and "Traceback" not in err
        assert sorted(tmp_path.iterdir()) == before, argv


def test_every_command_and_option_has_help(capsys):
    import click

    from handprop.commands import training

    for name in ("train", "evaluate", "predict"):
        command = getattr(training, name)
        assert command.help
        for param in command.params:
            if isinstance(param, click.Option):
                assert param.help, (name, param.name)
        assert main([name, "--help"]) == 0
        assert f"Usage: handprop {name}" in capsys.readouterr().out
