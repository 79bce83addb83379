"""``handprop lab ...`` through the real entry point: json and text, both languages, PNG files."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest

from handprop.cli import main
from handprop.messages import t

PNG = b"\x89PNG\r\n\x1a\n"
FAST = ["--dataset", "digits", "--epochs", "2"]


@pytest.fixture(autouse=True)
def private_data_root(tmp_path_factory, monkeypatch):
    """Data caches go to a temporary folder, not the user's cache."""
    monkeypatch.setenv("HANDPROP_DATA_DIR", str(tmp_path_factory.getbasetemp() / "data"))


def strict_json(text: str):
    def reject(name: str):
        raise ValueError(f"non-standard JSON constant {name}")

    return json.loads(text, parse_constant=reject)


def assert_pngs(paths, folder: Path) -> None:
    assert paths
    for path in paths:
        path = Path(path)
        assert path.parent == folder
        assert path.read_bytes()[:8] == PNG


def test_overflow_json_prints_the_measured_numbers_and_writes_plots(capsys, tmp_path):
    rc = main(["lab", "overflow", *FAST, "--format", "json", "--plots", str(tmp_path)])
    assert rc == 0
    data = strict_json(capsys.readouterr().out)
    assert data["experiment"] == "overflow" and data["dataset"] == "digits"
    limits = {x["dtype"]: x for x in data["limits"]}
    assert limits["float32"]["overflow_logit"] == 89 and limits["float64"]["overflow_logit"] == 710
    assert all(x["stable_nonfinite"] == 0 for x in data["logits"])
    assert len(data["runs"]["scale"]["test_accuracy"]) == 2
    assert data["status"]["scale"] in ("converged", "stalled", "unstable", "diverged")
    assert math.isclose(data["uniform_loss"], math.log(10))
    assert_pngs(data["plots"], tmp_path)
    assert {Path(p).name for p in data["plots"]} == {"overflow_logits.png", "overflow_training.png"}


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_normalize_text_in_both_languages(capsys, tmp_path, lang):
    plots = ["--plots", str(tmp_path)] if lang == "en" else ["--no-plots"]
    rc = main(["lab", "normalize", *FAST, "--lang", lang, *plots])
    assert rc == 0
    out = capsys.readouterr().out
    assert t("lab.normalize.title", lang) in out
    assert t("lab.col.hold", lang) in out and t("lab.conclusion", lang) in out
    for kind in ("none", "scale", "center", "standardize"):
        assert t(f"lab.kind.{kind}", lang) in out
    assert "90%" in out  # the default target of digits
    if lang == "en":
        assert_pngs([tmp_path / "normalize_curves.png"], tmp_path)
        assert t("lab.plots_written", lang, paths=str(tmp_path / "normalize_curves.png")) in out
    else:
        assert list(tmp_path.iterdir()) == []


def test_init_json_and_no_plots(capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    rc = main(["lab", "init", *FAST, "--hidden", "8", "--format", "json", "--no-plots"])
    assert rc == 0
    data = strict_json(capsys.readouterr().out)
    assert set(data["softmax"]) == set(data["mlp"]) == {
        "zeros", "constant", "normal", "xavier", "kaiming", "torch"
    }  # fmt: skip
    assert data["hidden"] == 8 and data["activation"] == "relu"
    assert data["mlp"]["zeros"]["final_hidden_spread"] == 0
    assert data["mlp"]["xavier"]["final_hidden_spread"] > 0.1
    assert data["plots"] == [] and list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_symmetry_text_and_plots(capsys, tmp_path, lang):
    plots = ["--plots", str(tmp_path / "p")] if lang == "zh" else ["--no-plots"]
    rc = main(["lab", "symmetry", *FAST, "--hidden", "8", "--activation", "tanh", "--lang", lang,
               *plots])  # fmt: skip
    assert rc == 0
    out = capsys.readouterr().out
    assert t("lab.symmetry.title", lang) in out
    assert t("lab.run.constant", lang) in out and "1/8" in out and "8/8" in out
    if lang == "zh":
        folder = tmp_path / "p"
        assert_pngs([folder / "symmetry_spread.png", folder / "symmetry_units.png"], folder)


def test_all_writes_one_markdown_report_with_the_plots(capsys, tmp_path):
    out = tmp_path / "report"
    rc = main(["lab", "all", "--dataset", "digits", "--epochs", "1", "--out", str(out),
               "--format", "json", "--lang", "zh"])  # fmt: skip
    assert rc == 0
    data = strict_json(capsys.readouterr().out)
    assert Path(data["report"]) == out / "report.md"
    assert set(data) >= {"overflow", "normalize", "init", "symmetry"}
    report = (out / "report.md").read_text(encoding="utf-8")
    assert report.startswith(f"# {t('lab.report.title', 'zh')}")
    for name in ("overflow", "normalize", "init", "symmetry"):
        assert f"## {t(f'lab.{name}.title', 'zh')}" in report
        assert data[name]["plots"]
        for path in data[name]["plots"]:
            assert f"]({Path(path).name})" in report
            assert Path(path).read_bytes()[:8] == PNG
    assert report.count(t("lab.conclusion", "zh")) == 4
    assert "\\|得分\\|" in report  # a "|" inside a table cell is escaped


@pytest.mark.parametrize("fmt", ["text", "markdown", "json"])
@pytest.mark.parametrize("lang", ["en", "zh"])
def test_hidden_layer_trace(capsys, fmt, lang):
    rc = main(["lab", "trace", "--format", fmt, "--lang", lang, "--steps", "2"])
    assert rc == 0
    out = capsys.readouterr().out
    if fmt == "json":
        data = strict_json(out)
        assert len(data) == 2 and data[0]["Z1"][0] == pytest.approx(0.24)
        assert data[0]["max_abs_gradcheck_error"] < 1e-7
    else:
        assert t("lab.mlp.backward", lang) in out and "0.24" in out


@pytest.mark.parametrize(
    "args",
    [
        ["lab", "overflow", "--dataset", "no-such-set", "--no-plots"],
        ["lab", "normalize", "--target", "1.5", "--no-plots"],
        ["lab", "all"],
        ["lab", "init", "--activation", "sigmoid", "--no-plots"],
    ],
)
def test_bad_input_exits_2(capsys, args):
    assert main(args) == 2
    err = capsys.readouterr().err
    assert "Error" in err


@pytest.mark.parametrize("command", ["overflow", "normalize", "init", "symmetry", "all"])
def test_a_negative_seed_is_an_input_error_before_any_work(capsys, tmp_path, monkeypatch, command):
    monkeypatch.chdir(tmp_path)
    out = ["--out", str(tmp_path / "report")] if command == "all" else []
    assert main(["lab", command, "--seed", "-1", *out]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err == f"Error: lab {command}: --seed must be an integer >= 0; got -1.\n"
    assert list(tmp_path.iterdir()) == []  # no plots folder, no report folder


@pytest.mark.parametrize(
    "args, pieces",
    [
        (["overflow", "--lr", "inf"], ["--lr", "finite number > 0", "inf"]),
        (["normalize", "--target", "nan"], ["--target", "(0, 1]", "nan"]),
        (["all", "--dataset", "unknown", "--out", "{dir}/r"], ["dataset", "'unknown'"]),
        (["all", "--out", "{dir}/f/r"], ["lab all", "--out", "writable", "{dir}/f/r"]),
        (["init", "--plots", "{dir}/f/p"], ["lab init", "--plots", "writable", "{dir}/f/p"]),
    ],
)
def test_bad_lab_options_are_one_line_errors(capsys, tmp_path, monkeypatch, args, pieces):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "f").write_text("a file, not a folder")
    assert main(["lab", *(a.format(dir=tmp_path) for a in args)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("Error: ") and err.count("\n") == 1
    for piece in pieces:
        assert piece.format(dir=tmp_path) in err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["f"]


def test_the_lab_api_refuses_a_negative_seed_before_writing(tmp_path):
    from handprop import lab as L
    from handprop.errors import InputError

    with pytest.raises(InputError, match="seed must be an integer >= 0; got -1"):
        L.run_all(tmp_path / "report", dataset="digits", seed=-1)
    with pytest.raises(InputError, match="seed must be an integer >= 0; got True"):
        L.run_experiment("overflow", dataset="digits", seed=True, epochs=1)
    assert list(tmp_path.iterdir()) == []


def test_help_lists_the_experiments(capsys):
    assert main(["lab", "--help"]) == 0
    out = capsys.readouterr().out
    for name in ("overflow", "normalize", "init", "symmetry", "all", "trace"):
        assert name in out
