"""A class set end to end: a roster, the generated class, answer files filled from the keys
with injected mistakes, a copied sheet, a blank one and an unreadable one, the gradebook read
back cell by cell; the PDFs' text; rosters in each encoding; a class's bad inputs."""

from __future__ import annotations

import contextlib
import csv
import io
import json
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from handprop import classset
from handprop.checker import QUANTITIES, Marker
from handprop.classset import ANSWERS, PROBLEM, Settings, decode_roster, read_roster, student_seed
from handprop.cli import main
from handprop.errors import HandpropError
from handprop.exercise import render_sheet
from handprop.problem import load_any_problem

pytest.importorskip("typst")
pypdf = pytest.importorskip("pypdf")

ROSTER = "id,name\ns01,张伟\ns02,李娜\ns03,Zoë\ns04,王芳\ns05,刘洋\ns06,陈静\n"


def cli(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(list(argv))
    return code, out.getvalue(), err.getvalue()


def pdf_text(path: Path) -> str:
    return "\n".join(page.extract_text() for page in pypdf.PdfReader(path).pages)


def key_answers(folder: Path, sid: str) -> dict[str, np.ndarray]:
    return Marker(load_any_problem(folder / sid / PROBLEM), 3).rounded


def write_answers(path: Path, values: dict[str, np.ndarray], problem: str = PROBLEM) -> None:
    lines = [f"problem = {json.dumps(problem)}", "decimals = 3"]
    lines += [f"{q} = {np.asarray(v).tolist()}" for q, v in values.items()]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


@contextlib.contextmanager
def processes(lang: str) -> Iterator[None]:
    """The en class of 6 is made and marked as a large class is: in several processes."""
    with pytest.MonkeyPatch.context() as patch:
        if lang == "en":
            patch.setattr(classset, "PARALLEL_FROM", 2)
            patch.setattr(classset.os, "cpu_count", lambda: 2)
        yield


@pytest.fixture(scope="module", params=[("zh", "1"), ("en", "2")], ids=["zh", "en-batch"])
def made(request, tmp_path_factory) -> tuple[Path, str, int]:
    lang, samples = request.param
    tmp = tmp_path_factory.mktemp(f"class-{lang}")
    (tmp / "roster.csv").write_bytes(b"\xef\xbb\xbf" + ROSTER.encode("utf-8"))
    argv = ["--seed", "5", "--lang", lang, "--samples", samples]
    roster, out_dir = str(tmp / "roster.csv"), str(tmp / "c7")
    with processes(lang):
        code, out, err = cli("exercise", "class", roster, "--out", out_dir, *argv)
    assert code == 0, err
    assert "UTF-8 with BOM" in out
    return tmp / "c7", lang, int(samples)


def test_the_class_set_has_every_file_and_each_problem_its_own(made):
    folder, lang, samples = made
    students = {f"s0{i}" for i in range(1, 7)}
    assert {p.name for p in folder.iterdir()} == {"class.toml", "keys.pdf", "sheets.pdf", *students}
    problems = [load_any_problem(folder / f"s0{i}" / PROBLEM) for i in range(1, 7)]
    assert len({p.to_json() for p in problems}) == 6
    assert all(p.num_samples == samples for p in problems)
    blank = (folder / "s01" / ANSWERS).read_text("utf-8").splitlines()
    z_shape = blank[blank.index("Z = []") - 1]
    if samples == 1:
        assert "类别" in blank[0] and z_shape == "# 由 3 个数组成的列表：[., ., ...]"
    else:  # one row per sample, and the header names each sample's class
        assert "a mini-batch of 2 samples (sample 1 is of class" in blank[0]
        assert z_shape == "# 2 rows of 3 numbers: [[., ...], [., ...], ...]"
        assert "sum_exp = []" in blank and 'loss = ""' in blank
        sheet = json.loads(render_sheet(problems[0], "json"))
        shapes = {q["name"]: q["shape"] for q in sheet["quantities"]}
        assert (shapes["Z"], shapes["sum_exp"], shapes["dW"]) == ([2, 3], [2], [3, 3])
        assert "mini-batch of 2 samples" in sheet["task"]
    settings = Settings(5, samples=samples, lang=lang)
    assert problems[0].to_json() == settings.problem("s01").to_json()  # seed, settings, id only
    assert student_seed(5, "s01") != student_seed(5, "s02") != student_seed(6, "s02")


def test_pdfs_hold_each_students_numbers_and_name(made):
    folder, lang, _ = made
    sheet = pdf_text(folder / "s01" / "sheet.pdf")
    problem = load_any_problem(folder / "s01" / PROBLEM)
    assert "张伟" in sheet and "s01" in sheet
    for v in np.asarray(problem.W).ravel():
        assert f"{v:.1f}" in sheet
    if lang == "zh":
        assert "练习：手算 softmax 回归的一步训练" in sheet.replace("\n", "")
    keys = pdf_text(folder / "keys.pdf")
    rounded = key_answers(folder, "s04")
    assert "王芳" in keys and f"{float(rounded['loss']):.3f}" in keys
    sheets = pdf_text(folder / "sheets.pdf")
    assert all(name in sheets for name in ("张伟", "李娜", "Zoë", "王芳", "刘洋", "陈静"))


def test_marking_a_class_cell_by_cell(made):
    folder, lang, _ = made
    right = key_answers(folder, "s01")
    write_answers(folder / "s01" / ANSWERS, right)  # all right
    wrong = key_answers(folder, "s02")
    wrong["delta"] = -wrong["delta"]  # delta sign flipped: db, dW, b_new, W_new carried
    for q in ("db", "dW", "b_new", "W_new"):
        wrong[q] = None  # filled below from the student's own delta
    m = Marker(load_any_problem(folder / "s02" / PROBLEM), 3)
    student = dict(m.rounded)
    student["delta"] = -student["delta"]
    write_answers(folder / "s02" / ANSWERS, {q: student[q] for q in QUANTITIES[:6]})
    write_answers(folder / "s03" / ANSWERS, key_answers(folder, "s01"))  # copied from s01
    (folder / "s05" / ANSWERS).write_text("Z = [1, 2,\n", encoding="utf-8")  # unreadable
    own = key_answers(folder, "s06")
    write_answers(folder / "s06" / ANSWERS, own, problem="../s01/problem.toml")
    with processes(lang):
        code, out, err = cli("check", str(folder), "--gradebook", str(folder.parent / "g.csv"),
                             "--report", str(folder.parent / "r.md"), "--lang", lang)  # fmt: skip
    assert code == 0, err
    raw = (folder.parent / "g.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = {r["id"]: r for r in csv.DictReader(io.StringIO(raw.decode("utf-8-sig")))}
    assert list(rows) == ["s01", "s02", "s03", "s04", "s05", "s06"]
    assert (rows["s01"]["score"], rows["s01"]["flags"], rows["s01"]["first_wrong_step"]) == (
        "10",
        "",
        "",
    )
    assert [rows["s01"][q] for q in QUANTITIES] == ["right"] * 10
    s02 = rows["s02"]
    assert (s02["first_wrong_step"], s02["mistake"], s02["score"]) == ("delta", "delta_sign", "5")
    assert [s02[q] for q in QUANTITIES] == ["right"] * 5 + ["wrong"] + ["missing"] * 4
    assert rows["s03"]["flags"] == "copied_from=s01" and rows["s03"]["name"] == "Zoë"
    assert rows["s04"]["flags"] == "unanswered" and rows["s04"]["score"] == "0"
    assert rows["s05"]["flags"] == "unreadable" and "s05" in rows["s05"]["message"]
    assert rows["s06"]["flags"] == "wrong_problem" and rows["s06"]["score"] == "10"
    assert all(r["max_score"] == "10" for r in rows.values())
    report = (folder.parent / "r.md").read_text("utf-8")
    assert "`delta_sign`" in report and "s02" in report and (folder.parent / "r.png").is_file()
    code, out, _ = cli("check", str(folder), "--format", "json")
    records = json.loads(out)
    assert [r["id"] for r in records] == list(rows) and records[2]["flags"] == ["copied_from=s01"]


def test_force_replaces_a_class_set_only_while_no_answers_came_back(tmp_path):
    (tmp_path / "roster.csv").write_text("id\na1\na2\n", encoding="utf-8")
    make = ["exercise", "class", str(tmp_path / "roster.csv"), "--out", str(tmp_path / "c")]
    assert cli(*make, "--seed", "1")[0] == 0
    assert cli(*make, "--seed", "2", "--force")[0] == 0  # blank sheets: replaced
    sheet = tmp_path / "c" / "a2" / ANSWERS
    answered = sheet.read_text("utf-8").replace("Z = []", "Z = [0.1, 0.2, 0.3]")
    sheet.write_text(answered, encoding="utf-8")
    code, _, err = cli(*make, "--seed", "3", "--force")
    assert code == 2 and err.count("\n") == 1
    assert str(sheet) in err and "--force would replace" in err
    assert sheet.read_text("utf-8") == answered  # nothing lost
    assert "seed = 2" in (tmp_path / "c" / "class.toml").read_text("utf-8")


@pytest.mark.parametrize(
    ("raw", "encoding"),
    [
        ("id,name\na1,张伟\n".encode(), "UTF-8"),
        (b"\xef\xbb\xbf" + "id,name\na1,张伟\n".encode(), "UTF-8 with BOM"),
        ("id,name\na1,张伟\n".encode("gb18030"), "GB18030"),
    ],
)
def test_roster_encodings_are_detected_and_said(tmp_path, raw, encoding):
    path = tmp_path / "r.csv"
    path.write_bytes(raw)
    roster = read_roster(path)
    assert roster.encoding == encoding and roster.students[0].name == "张伟"


@pytest.mark.parametrize(
    ("content", "fragment"),
    [
        (b"", "no students"),
        (b"name\nx\n", "id column"),
        (b"id\na1\nA1\n", "row 3"),
        (b"id\n../evil\n", "row 2"),
        (b"id\na/b\n", "row 2"),
        ("id\na1\n".encode("utf-16"), "UTF-8"),
    ],
)
def test_bad_rosters_are_one_line_errors_and_write_nothing(tmp_path, content, fragment):
    (tmp_path / "r.csv").write_bytes(content)
    code, _, err = cli("exercise", "class", str(tmp_path / "r.csv"), "--out",
                       str(tmp_path / "c"), "--seed", "1")  # fmt: skip
    assert code == 2 and fragment in err and len(err.strip().splitlines()) == 1
    assert sorted(p.name for p in tmp_path.iterdir()) == ["r.csv"]


def test_a_folder_that_is_not_a_class_set_and_stray_files(tmp_path, made):
    code, _, err = cli("check", str(tmp_path))
    assert code == 2 and "class.toml" in err
    folder = made[0]
    stray = folder / "s01" / "copy.answers.toml"
    stray.write_text("", encoding="utf-8")
    try:
        code, _, err = cli("check", str(folder))
        assert code == 2 and "copy.answers.toml" in err
    finally:
        stray.unlink()


def test_decode_refuses_what_is_neither():
    with pytest.raises(HandpropError):
        decode_roster(b"\xff\xfe\x00a", "r.csv")
