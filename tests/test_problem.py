"""Problem files: good TOML and JSON, the round trip, and every kind of bad file."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from handprop import problem as problem_module
from handprop.cli import main
from handprop.errors import FileFormatError, InputError
from handprop.problem import Problem, load_problem, save_problem
from handprop.tracing import WORKED_EXAMPLE, trace

GOOD_TOML = """\
# the worked example of the notes
X = [0.5, 0.6, 0.7]
W = [[0.1, 0.2, 0.3],
     [0.4, 0.5, 0.6],
     [0.7, 0.8, 0.9]]
b = [0.1, 0.2, 0.3]
y = 1
lr = 0.1
classes = ["cat", "dog", "pig"]
"""


def write(tmp_path: Path, name: str, text: str | bytes) -> Path:
    path = tmp_path / name
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    return path


def good_data(**changes: object) -> dict:
    data = {k: v for k, v in WORKED_EXAMPLE.items()}
    data.update(changes)
    return {k: v for k, v in data.items() if v is not DROP}


DROP = object()


def assert_is_worked_example(p: Problem) -> None:
    np.testing.assert_array_equal(p.X, [0.5, 0.6, 0.7])
    np.testing.assert_array_equal(p.W, WORKED_EXAMPLE["W"])
    np.testing.assert_array_equal(p.b, [0.1, 0.2, 0.3])
    assert p.y == 1 and p.lr == 0.1
    assert p.classes == ["cat", "dog", "pig"]
    assert p.X.dtype == np.float64 and p.W.shape == (3, 3)


def test_good_toml(tmp_path):
    p = load_problem(write(tmp_path, "p.toml", GOOD_TOML))
    assert_is_worked_example(p)
    assert p.num_classes == 3 and p.num_features == 3
    assert p.source == tmp_path / "p.toml"


def test_good_json_with_one_hot_label_and_integers(tmp_path):
    data = good_data(y=[0, 1, 0], X=[1, 2, 3])
    p = load_problem(write(tmp_path, "p.json", json.dumps(data)))
    assert p.y == 1
    np.testing.assert_array_equal(p.X, [1.0, 2.0, 3.0])


def test_classes_are_optional_and_suffix_is_sniffed(tmp_path):
    p = load_problem(write(tmp_path, "problem.txt", json.dumps(good_data(classes=DROP))))
    assert p.classes is None
    q = load_problem(write(tmp_path, "problem.cfg", GOOD_TOML))
    assert q.classes == ["cat", "dog", "pig"]


def test_utf8_bom_and_chinese_class_names(tmp_path):
    text = GOOD_TOML.replace('"cat", "dog", "pig"', '"猫", "狗", "猪"')
    p = load_problem(write(tmp_path, "p.toml", "\ufeff" + text))
    assert p.classes == ["猫", "狗", "猪"]


def test_problem_trace_equals_handprop_trace(tmp_path):
    p = load_problem(write(tmp_path, "p.toml", GOOD_TOML))
    tr = p.trace(steps=2)
    ref = trace(p.X, p.W, p.b, p.y, p.lr, steps=2)
    assert len(tr) == 2 and tr.classes == ["cat", "dog", "pig"]
    assert tr.meta["source"] == str(tmp_path / "p.toml")
    for a, b in zip(tr.steps, ref.steps, strict=True):
        np.testing.assert_array_equal(a.W_new, b.W_new)
        assert a.loss == b.loss


@pytest.mark.parametrize("suffix", [".toml", ".json"])
def test_round_trip_keeps_every_bit(tmp_path, suffix):
    rng = np.random.default_rng(7)
    K, D = 4, 6
    original = Problem(
        rng.normal(size=D),
        rng.normal(size=(K, D)) * 1e-3,
        rng.normal(size=K) * 1e5,
        2,
        1e-5,
        ['a "quoted" name', "back\\slash", "中文", "tab\there"],
    )
    path = save_problem(original, tmp_path / f"p{suffix}")
    loaded = load_problem(path)
    np.testing.assert_array_equal(loaded.X, original.X)
    np.testing.assert_array_equal(loaded.W, original.W)
    np.testing.assert_array_equal(loaded.b, original.b)
    assert (loaded.y, loaded.lr, loaded.classes) == (original.y, original.lr, original.classes)
    # written atomically: no temporary file is left beside it
    assert sorted(f.name for f in tmp_path.iterdir()) == [f"p{suffix}"]


def test_to_toml_is_readable_and_save_replaces_an_old_file(tmp_path):
    p = load_problem(write(tmp_path, "p.toml", GOOD_TOML))
    text = p.to_toml()
    assert text.startswith("X = [0.5, 0.6, 0.7]\n")
    assert "y = 1\n" in text and "lr = 0.1\n" in text
    assert 'classes = ["cat", "dog", "pig"]' in text
    target = write(tmp_path, "out.toml", "old contents")
    p.save(target)
    assert target.read_text(encoding="utf-8") == text


def test_save_into_a_missing_folder_is_an_input_error(tmp_path):
    p = load_problem(write(tmp_path, "p.toml", GOOD_TOML))
    with pytest.raises(InputError, match="cannot write"):
        p.save(tmp_path / "missing" / "p.toml")


def test_problem_constructed_directly_is_validated():
    with pytest.raises(InputError, match="lr must"):
        Problem([1.0], [[1.0], [2.0]], [0.0, 0.0], 0, 0.0)


# ---------------------------------------------------------------------------------- bad files

BIG = [[0.0] * 2] * (problem_module.MAX_SIDE + 1)

# (file name, contents, words the one-line message must contain)
BAD_FILES = [
    ("syntax.toml", "X = [0.5, 0.6\nW = 3", ["syntax.toml", "valid TOML", "line"]),
    ("syntax.json", '{"X": [0.5,], }', ["syntax.json", "valid JSON", "line 1"]),
    ("latin1.toml", b"X = [0.5]\n# caf\xe9\n", ["latin1.toml", "UTF-8", "0xe9"]),
    ("list.json", "[1, 2, 3]", ["list.json", "table of keys", "list"]),
    ("empty.toml", "", ["empty.toml", "key X is missing"]),
    ("unknown.json", good_data(lrr=0.1), ["unknown.json", "lrr", "not a known key"]),
    ("lower.json", good_data(x=[1.0]), ["lower.json", "x is not a known key", "case"]),
    ("nolr.json", good_data(lr=DROP), ["nolr.json", "key lr is missing", "learning rate"]),
    ("noW.json", good_data(W=DROP), ["noW.json", "key W is missing"]),
    ("ragged.json", good_data(W=[[0.1, 0.2, 0.3], [0.4, 0.5]]), ["W[1] must", "3 numbers"]),
    ("wstr.json", good_data(W="0.1 0.2"), ["W must be a list of rows", "'0.1 0.2'"]),
    ("wflat.json", good_data(W=[0.1, 0.2, 0.3]), ["W must be a list of rows"]),
    ("wrow.json", good_data(W=[[0.1, 0.2, 0.3], 5, [0, 0, 0]]), ["W[1] must"]),
    ("xstr.json", good_data(X=[0.5, "0.6", 0.7]), ["X[1] must be a number", "'0.6'"]),
    ("xbool.json", good_data(X=[0.5, True, 0.7]), ["X[1] must be a number", "True"]),
    ("xnull.json", good_data(X=[0.5, None, 0.7]), ["X[1] must be a number", "None"]),
    ("xtable.json", good_data(X={"a": 1}), ["X must be a non-empty list", "a table"]),
    ("xempty.json", good_data(X=[]), ["X must be a non-empty list"]),
    (
        "xlen.json",
        good_data(X=[0.5, 0.6]),
        ["X must have 3 numbers, one for each column of W", "got 2"],
    ),
    (
        "blen.json",
        good_data(b=[0.1, 0.2]),
        ["b must have 3 numbers, one for each row of W", "got 2"],
    ),
    ("xnan.toml", GOOD_TOML.replace("X = [0.5, 0.6", "X = [nan, 0.6"), ["X must", "NaN"]),
    ("winf.json", '{"X":[1],"W":[[Infinity],[1]],"b":[0,0],"y":0,"lr":1}', ["W must", "inf"]),
    ("yrange.json", good_data(y=3), ["y must be a class index in 0..2", "3"]),
    ("yneg.json", good_data(y=-1), ["y must", "one-hot list of 3"]),
    ("yfloat.json", good_data(y=1.0), ["y must", "1.0"]),
    ("ystr.json", good_data(y="dog"), ["y must", "'dog'"]),
    ("ytwo.json", good_data(y=[0, 1, 1]), ["y must", "one-hot"]),
    ("ylen.json", good_data(y=[0, 1]), ["y must", "one-hot list of 3"]),
    ("lrzero.json", good_data(lr=0), ["lr must be a finite number > 0", "0"]),
    ("lrneg.toml", GOOD_TOML.replace("lr = 0.1", "lr = -0.1"), ["lr must", "> 0", "-0.1"]),
    ("lrstr.json", good_data(lr="0.1"), ["lr must be a number", "'0.1'"]),
    ("lrnan.toml", GOOD_TOML.replace("lr = 0.1", "lr = nan"), ["lr must", "nan"]),
    ("cls2.json", good_data(classes=["cat", "dog"]), ["classes must", "3 different"]),
    ("clsdup.json", good_data(classes=["cat", "cat", "pig"]), ["classes must", "different"]),
    ("clsnum.json", good_data(classes=[1, 2, 3]), ["classes must", "names"]),
    ("k1.json", good_data(W=[[0.1, 0.2, 0.3]], b=[0.1], y=0), ["W must have shape", "K >= 2"]),
    ("big.json", good_data(W=BIG), ["W must have at most 1000 rows", "1001 x 2"]),
]


def _contents(contents: object) -> str | bytes:
    if isinstance(contents, dict):
        return json.dumps(contents)
    return contents  # type: ignore[return-value]


@pytest.mark.parametrize(("name", "contents", "words"), BAD_FILES, ids=[c[0] for c in BAD_FILES])
def test_bad_file_exits_2_with_one_line_naming_the_field(tmp_path, capsys, name, contents, words):
    path = write(tmp_path, name, _contents(contents))
    code = main(["step", str(path), "--lang", "en"])
    captured = capsys.readouterr()
    assert code == 2
    assert captured.out == ""
    lines = captured.err.strip().splitlines()
    assert len(lines) == 1, captured.err
    message = lines[0]
    assert message.startswith(f"Error: {path}: ")
    assert "Traceback" not in captured.err
    for w in words:
        assert w in message, (w, message)


def test_bad_file_message_in_chinese(tmp_path, capsys):
    path = write(tmp_path, "p.json", json.dumps(good_data(lr=-1)))
    assert main(["step", str(path), "--lang", "zh"]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith(f"错误：{path}：lr 应当是大于 0 的有限数")
    assert len(err.splitlines()) == 1


@pytest.mark.parametrize("kind", ["missing", "folder"])
def test_unreadable_file_exits_2(tmp_path, capsys, kind):
    path = tmp_path / "nothing.toml"
    if kind == "folder":
        path.mkdir()
    assert main(["step", str(path)]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"Error: {path}: cannot read the file (")
    assert len(err.strip().splitlines()) == 1


def test_file_too_big_is_refused_before_reading(tmp_path, monkeypatch):
    path = write(tmp_path, "p.toml", GOOD_TOML)
    monkeypatch.setattr(problem_module, "MAX_FILE_BYTES", 10)
    with pytest.raises(InputError, match="at most 10 bytes"):
        load_problem(path)


def test_too_many_parameters_refused_even_when_each_side_is_allowed():
    side = int(np.sqrt(problem_module.MAX_PARAMETERS)) + 1
    data = good_data(W=[[0.0] * side] * side)
    with pytest.raises(InputError, match=f"{side} x {side}"):
        problem_module.problem_from_mapping(data, where="mem")


def test_syntax_errors_are_file_format_errors(tmp_path):
    with pytest.raises(FileFormatError):
        load_problem(write(tmp_path, "p.json", "{"))
    with pytest.raises(FileFormatError):
        load_problem(write(tmp_path, "p.toml", "= 1"))
