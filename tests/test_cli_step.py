"""`handprop demo` and `handprop step` through their real entry points."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from handprop.cli import main
from handprop.tracing import JSON_KEYS, WORKED_EXAMPLE

LANGS = ("en", "zh")
FORMATS = ("text", "markdown", "json")

# a word of each language that appears in the text and the Markdown output
PHASE = {"en": "Backward pass", "zh": "反向传播"}


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


@pytest.fixture
def problem_files(tmp_path: Path) -> dict[str, Path]:
    data = dict(WORKED_EXAMPLE)
    toml = tmp_path / "problem.toml"
    toml.write_text(
        "X = [0.5, 0.6, 0.7]\n"
        "W = [[0.1, 0.2, 0.3], [0.4, 0.5, 0.6], [0.7, 0.8, 0.9]]\n"
        "b = [0.1, 0.2, 0.3]\n"
        "y = [0, 1, 0]\n"
        "lr = 0.1\n",
        encoding="utf-8",
    )
    js = tmp_path / "problem.json"
    js.write_text(json.dumps(data), encoding="utf-8")
    return {"toml": toml, "json": js}


def check_output(fmt: str, lang: str, out: str, steps: int = 1) -> None:
    if fmt == "json":
        data = json.loads(out)
        records = data if steps > 1 else [data]
        assert len(records) == steps
        assert isinstance(data, list) == (steps > 1)
        assert set(JSON_KEYS) <= set(records[0])
        assert round(records[0]["loss"], 4) == 1.2307
        assert round(records[0]["b_new"][1], 4) == 0.2708
        return
    assert PHASE[lang] in out
    assert "10.493" in out and "1.2307" in out and "0.4354" in out
    if fmt == "markdown":
        assert out.startswith("# ") and "$$" in out and r"\begin{bmatrix}" in out
        assert r"(0.1 \times 0.5 + 0.2 \times 0.6 + 0.3 \times 0.7) + 0.1 = 0.48" in out
    else:
        assert "(0.1*0.5 + 0.2*0.6 + 0.3*0.7) + 0.1 = 0.48" in out
        assert "$$" not in out


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("lang", LANGS)
def test_demo_every_language_and_format(capsys, lang, fmt):
    code, out, err = run(capsys, "demo", "--lang", lang, "--format", fmt)
    assert code == 0 and err == ""
    check_output(fmt, lang, out)
    if fmt != "json":  # the notes' three animals, named in the output's language
        names = ("cat", "dog", "pig") if lang == "en" else ("猫", "狗", "猪")
        assert all(name in out for name in names)


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("kind", ["toml", "json"])
def test_step_every_file_kind_language_and_format(capsys, problem_files, kind, lang, fmt):
    path = problem_files[kind]
    code, out, err = run(capsys, "step", str(path), "--lang", lang, "--format", fmt)
    assert code == 0 and err == ""
    check_output(fmt, lang, out)
    if fmt == "text":
        assert str(path) in out  # the problem file is named
        if kind == "toml":  # no class names: the classes are numbered
            assert ("class 2" if lang == "en" else "第 2 类") in out


@pytest.mark.parametrize("fmt", FORMATS)
def test_five_steps(capsys, fmt):
    code, out, _ = run(capsys, "demo", "--steps", "5", "--lang", "en", "--format", fmt)
    assert code == 0
    check_output(fmt, "en", out, steps=5)
    if fmt == "json":
        data = json.loads(out)
        assert data[-1]["loss_after"] < data[0]["loss"]
        assert [d["predicted_after"] for d in data] == [2, 2, 1, 1, 1]
    else:
        assert "Step 5 of 5" in out
        assert "After the update of step 3 the prediction flips to the true class dog." in out


def test_step_with_steps_and_decimals(capsys, problem_files):
    code, out, _ = run(
        capsys, "step", str(problem_files["json"]), "--steps", "2", "--decimals", "5", "--lang",
        "zh",
    )  # fmt: skip
    assert code == 0
    assert "第 2 步（共 2 步）" in out
    assert "10.49337" in out and "1.230743" in out


def test_decimals_do_not_change_json(capsys):
    _, plain, _ = run(capsys, "demo", "--format", "json")
    _, more, _ = run(capsys, "demo", "--format", "json", "--decimals", "7")
    assert plain == more


def test_language_follows_the_locale_when_not_given(capsys, monkeypatch):
    monkeypatch.setenv("LC_ALL", "zh_CN.UTF-8")
    _, out, _ = run(capsys, "demo")
    assert PHASE["zh"] in out
    monkeypatch.setenv("LC_ALL", "C")
    _, out, _ = run(capsys, "demo")
    assert PHASE["en"] in out


@pytest.mark.parametrize(
    "argv",
    [
        ["demo", "--decimals", "-1"],
        ["demo", "--steps", "0"],
        ["demo", "--format", "html"],
        ["demo", "--lang", "fr"],
        ["step"],
    ],
)
def test_bad_options_exit_2(capsys, argv):
    code, out, err = run(capsys, *argv)
    assert code == 2
    assert out == ""
    assert "Error" in err or "Usage" in err


@pytest.mark.parametrize("command", ["demo", "step"])
def test_help(capsys, command):
    code, out, _ = run(capsys, command, "--help")
    assert code == 0
    for option in ("--lang", "--format", "--decimals", "--steps"):
        assert option in out
    assert len(out.splitlines()) > 8


def _env() -> dict[str, str]:
    env = dict(os.environ)
    env.update({"LC_ALL": "C.UTF-8", "PYTHONIOENCODING": "utf-8", "COLUMNS": "80"})
    return env


def test_python_m_handprop_demo_in_a_subprocess():
    proc = subprocess.run(
        [sys.executable, "-m", "handprop", "demo", "--lang", "en"],
        capture_output=True,
        text=True,
        encoding="utf-8",
        env=_env(),
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    assert "(0.1*0.5 + 0.2*0.6 + 0.3*0.7) + 0.1 = 0.48" in proc.stdout
    assert "1.2307 → 1.0630" in proc.stdout
    assert "\x1b[" not in proc.stdout  # no colour codes when piped


def test_console_script_and_no_heavy_imports():
    script = Path(sys.executable).with_name("handprop")
    assert script.exists(), "the handprop console script is not installed"
    proc = subprocess.run(
        [str(script), "demo", "--lang", "zh", "--format", "json", "--steps", "2"],
        capture_output=True,
        text=True,
        encoding="utf-8",
        env=_env(),
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    assert len(json.loads(proc.stdout)) == 2
    probe = (
        "import sys; from handprop.cli import main; main(['demo']); "
        "heavy = [m for m in ('torch', 'matplotlib', 'scipy', 'sklearn', 'PIL', 'starlette') "
        "if m in sys.modules]; print('HEAVY', heavy, file=sys.stderr)"
    )
    proc = subprocess.run(
        [sys.executable, "-c", probe],
        capture_output=True,
        text=True,
        encoding="utf-8",
        env=_env(),
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    assert "HEAVY []" in proc.stderr
