"""A class set: one exercise per student from a roster, printable sheets and keys, and the
marking of the whole class into a gradebook and a report.

``write_class`` reads nothing but its arguments: each student's problem depends only on the
class seed, the settings and the student's id (:func:`student_seed`), so it is the same on every
run, whatever the roster's order or other rows. The whole set is written into a temporary
folder beside ``OUT`` and renamed to ``OUT`` at the end: a failure leaves nothing half-written.

``mark_class`` marks every answer file of a class set with the checker's rules (first wrong
step, named mistake, carry-forward credit) and flags what a teacher must look at: a blank sheet
(``unanswered``), a file that does not parse (``unreadable``), answers that fit another
student's problem and not the student's own (``copied_from=<id>``), and a sheet that names a
problem file that is not the student's (``wrong_problem``).
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import os
import re
import shutil
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from handprop.checker import (
    QUANTITIES,
    Marker,
    Report,
    check_decimals,
    parse_answers,
    rounded_chain,
)
from handprop.errors import FileFormatError, HandpropError, InputError
from handprop.messages import t

#: the roster's limits: bytes read, students, characters of an id
MAX_ROSTER_BYTES = 4 * 1024 * 1024
MAX_STUDENTS = 5000
MAX_ID = 64
ID_PATTERN = re.compile(r"[A-Za-z0-9_-]+")
#: the files of a class set
CLASS_FILE, SHEETS, KEYS = "class.toml", "sheets.pdf", "keys.pdf"
PROBLEM, ANSWERS, SHEET = "problem.toml", "problem.answers.toml", "sheet.pdf"
#: a class this large is typeset by several processes
PARALLEL_FROM = 64
#: the gradebook's step columns hold these words
STEP_WORDS = {"correct": "right", "carried": "carried", "wrong": "wrong", "missing": "missing"}


# ------------------------------------------------------------------------------------ roster


@dataclass(frozen=True)
class Student:
    id: str
    name: str
    row: int  # the roster's line, counted from 1 (the header is line 1)


@dataclass(frozen=True)
class Roster:
    students: list[Student]
    encoding: str  # "UTF-8", "UTF-8 with BOM" or "GB18030"


def decode_roster(raw: bytes, where: str) -> tuple[str, str]:
    """The roster's text and the encoding it was read in: UTF-8 (with or without a byte-order
    mark), else GB18030; anything else (UTF-16, binary, a file in neither) is refused."""
    if raw.startswith(b"\xef\xbb\xbf"):
        candidates = [("utf-8-sig", "UTF-8 with BOM")]
    elif b"\x00" in raw:
        candidates = []  # UTF-16 or binary: no roster holds a NUL
    else:
        candidates = [("utf-8", "UTF-8"), ("gb18030", "GB18030")]
    for codec, name in candidates:
        try:
            text = raw.decode(codec)
        except UnicodeDecodeError:
            continue
        if all(ch.isprintable() or ch in "\r\n\t" for ch in text):
            return text, name
    raise FileFormatError("exercise.class.err.encoding", where=where)


def read_roster(path: str | os.PathLike[str]) -> Roster:
    """The students of a roster CSV: a header row with an ``id`` column and optionally
    ``name``; ids are letters, digits, ``-`` and ``_``, each once (case aside)."""
    from handprop.fileio import read_user_bytes

    where = str(path)
    text, encoding = decode_roster(read_user_bytes(path, where, limit=MAX_ROSTER_BYTES), where)
    rows = list(csv.reader(io.StringIO(text)))
    while rows and not any(cell.strip() for cell in rows[-1]):
        rows.pop()
    if not rows:
        raise InputError("exercise.class.err.empty", where=where)
    header = [cell.strip().lower() for cell in rows[0]]
    if "id" not in header:
        raise InputError("exercise.class.err.no_id", where=where, header=", ".join(rows[0]))
    at, name_at = header.index("id"), header.index("name") if "name" in header else None
    students: list[Student] = []
    seen: dict[str, int] = {}
    for line, row in enumerate(rows[1:], start=2):
        if not any(cell.strip() for cell in row):
            continue
        sid = row[at].strip() if at < len(row) else ""
        _check_id(sid, where, line)
        if sid.lower() in seen:
            raise InputError("exercise.class.err.duplicate", where=where, row=line, id=sid,
                             first=seen[sid.lower()])  # fmt: skip
        seen[sid.lower()] = line
        name = row[name_at].strip() if name_at is not None and name_at < len(row) else ""
        students.append(Student(sid, name, line))
    if not students:
        raise InputError("exercise.class.err.empty", where=where)
    if len(students) > MAX_STUDENTS:
        raise InputError("exercise.class.err.too_many", where=where, n=len(students),
                         limit=MAX_STUDENTS)  # fmt: skip
    return Roster(students, encoding)


def _check_id(sid: str, where: str, line: int) -> None:
    if not ID_PATTERN.fullmatch(sid) or len(sid) > MAX_ID:
        raise InputError("exercise.class.err.id", where=where, row=line, id=sid, limit=MAX_ID)


# ------------------------------------------------------------------------------- the class


@dataclass(frozen=True)
class Settings:
    """What every student's problem is drawn with (``exercise new``'s options)."""

    seed: int
    classes: int = 3
    features: int = 3
    lr: float | None = None
    decimals: int = 3
    wrong_first_guess: float = 0.75
    samples: int = 1
    lang: str = "en"

    def problem(self, sid: str) -> Any:
        """The problem of student ``sid``."""
        from handprop.exercise import generate_problem

        return generate_problem(
            student_seed(self.seed, sid), classes=self.classes, features=self.features,
            lr=self.lr, wrong_first_guess=self.wrong_first_guess, samples=self.samples,
        )  # fmt: skip


def student_seed(seed: int, sid: str) -> int:
    """The seed of student ``sid``'s problem: 62 bits of SHA-256 of the class seed and the id
    (so it depends on nothing else, and ids give seeds apart)."""
    digest = hashlib.sha256(f"handprop-class:{seed}:{sid}".encode()).digest()
    return int.from_bytes(digest[:8], "big") >> 2


@dataclass
class ClassSet:
    """A generated class: where it is, its settings and students, the roster's encoding."""

    folder: Path
    settings: Settings
    students: list[Student]
    encoding: str = ""


def check_settings(settings: Settings) -> None:
    """Refuse bad settings before any work (``generate_problem``'s own one-line errors)."""
    check_decimals(settings.decimals, "exercise class")
    settings.problem("settings-check")


def write_class(roster: Roster, settings: Settings, out: Path, force: bool = False) -> ClassSet:
    """Write the class set of ``roster`` to ``out`` (see the module docstring)."""
    check_settings(settings)
    out = Path(out)
    if out.exists() and not force:
        raise InputError("exercise.err.exists", where="exercise class", path=str(out))
    answered = _an_answered_sheet(out) if out.is_dir() else None
    if answered is not None:  # --force replaces the folder: it would take the answers with it
        raise InputError("exercise.class.err.answered", where=str(answered), folder=str(out))
    _refuse_equal_problems(roster, settings)
    parent = out.resolve().parent
    if not parent.is_dir():
        raise InputError("core.err.read", where=str(out.parent), reason=os.strerror(2))
    tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.", dir=parent))
    try:
        _fill(tmp, roster, settings)
        if out.exists():
            old = Path(tempfile.mkdtemp(prefix=f".{out.name}.old.", dir=parent))
            os.replace(out, old / out.name)
            os.replace(tmp, out)
            shutil.rmtree(old, ignore_errors=True)
        else:
            os.replace(tmp, out)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return ClassSet(out, settings, roster.students, roster.encoding)


def _an_answered_sheet(folder: Path) -> Path | None:
    """The first answer file under ``folder`` that holds an answer (or cannot be read), if
    any: a class set whose answers have come back is not to be overwritten."""
    from handprop.checker.answers import is_blank
    from handprop.problem import parse_problem_text

    for path in sorted(folder.glob(f"*/{ANSWERS}")):
        try:
            data = parse_problem_text(path.read_text("utf-8"), str(path), "TOML")
        except (OSError, UnicodeError, HandpropError):
            return path
        if not isinstance(data, dict) or any(not is_blank(data.get(q)) for q in QUANTITIES):
            return path
    return None


def _refuse_equal_problems(roster: Roster, settings: Settings) -> None:
    """Two students with the very same numbers could copy: refuse, naming them."""
    seen: dict[str, str] = {}
    for s in roster.students:
        key = settings.problem(s.id).to_json()
        if key in seen:
            raise InputError("exercise.class.err.same_problem", where="exercise class",
                             first=seen[key], second=s.id)  # fmt: skip
        seen[key] = s.id


def _fill(folder: Path, roster: Roster, settings: Settings) -> None:
    """Write the class set into ``folder``: a large class in two processes, one for the
    students' files and the combined sheets, one for the keys (each typesets one whole PDF,
    so nothing is joined afterwards)."""
    from handprop.fileio import write_atomic

    write_atomic(folder / CLASS_FILE, class_toml(roster, settings))
    students, tasks = roster.students, (_write_sheets, _write_keys)
    if len(students) < PARALLEL_FROM or (os.cpu_count() or 1) < 2:
        for task in tasks:
            task(settings, students, str(folder))
        return
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    with ProcessPoolExecutor(len(tasks), mp_context=multiprocessing.get_context("spawn")) as pool:
        for done in [pool.submit(task, settings, students, str(folder)) for task in tasks]:
            done.result()


def _write_sheets(settings: Settings, students: Sequence[Student], folder: str) -> None:
    """Each student's problem, blank answer file and ``sheet.pdf``, and ``sheets.pdf``."""
    from handprop.exercise import answer_template, sheet_document
    from handprop.fileio import write_atomic
    from handprop.render.pdf import Page, write_pdf

    lang, d = settings.lang, settings.decimals
    sheets = []
    for s in students:
        problem = settings.problem(s.id)
        home = Path(folder) / s.id
        home.mkdir()
        seed = student_seed(settings.seed, s.id)
        write_atomic(home / PROBLEM, _problem_text(problem, seed, s))
        write_atomic(home / ANSWERS, answer_template(problem, lang, PROBLEM, d, ANSWERS))
        doc = sheet_document(problem, lang, d, f"{s.id}/{ANSWERS}", seed)
        sheet = Page(doc, _header(s, lang), room=True)
        write_atomic(home / SHEET, write_pdf([sheet], lang))
        sheets.append(sheet)
    write_atomic(Path(folder) / SHEETS, write_pdf(sheets, lang))


def _write_keys(settings: Settings, students: Sequence[Student], folder: str) -> None:
    """``keys.pdf``: every student's worked solution."""
    from handprop.exercise import key_document
    from handprop.fileio import write_atomic
    from handprop.render.pdf import Page, write_pdf

    lang, d = settings.lang, settings.decimals
    keys = [
        Page(key_document(settings.problem(s.id), lang, d), _header(s, lang), reasons=False)
        for s in students
    ]
    write_atomic(Path(folder) / KEYS, write_pdf(keys, lang))


def _header(s: Student, lang: str) -> str:
    return t("exercise.class.header", lang, name=s.name or s.id, id=s.id)


def _problem_text(problem: Any, seed: int, s: Student) -> str:
    K, D, N = problem.num_classes, problem.num_features, problem.num_samples
    samples = f" --samples {N}" if N > 1 else ""
    return (f"# student {s.id}: handprop exercise new --seed {seed} --classes {K} "
            f"--features {D} --lr {problem.lr:g}{samples}\n" + problem.to_toml())  # fmt: skip


def _toml(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)


def class_toml(roster: Roster, settings: Settings) -> str:
    """``class.toml``: the seed, the settings, the roster's encoding and every student."""
    from handprop import __version__

    lines = [
        "# handprop class set: `handprop check` marks it; each problem depends on the seed, "
        "the settings and the id only",
        f"handprop = {_toml(__version__)}",
        f"seed = {settings.seed}",
        f"roster_encoding = {_toml(roster.encoding)}",
        f"lang = {_toml(settings.lang)}",
        "",
        "[settings]",
        f"classes = {settings.classes}",
        f"features = {settings.features}",
        *([f"lr = {settings.lr!r}"] if settings.lr is not None else []),
        f"decimals = {settings.decimals}",
        f"wrong_first_guess = {settings.wrong_first_guess!r}",
        f"samples = {settings.samples}",
    ]
    for s in roster.students:
        lines += ["", "[[students]]", f"id = {_toml(s.id)}", f"name = {_toml(s.name)}"]
    return "\n".join(lines) + "\n"


def load_class(folder: str | os.PathLike[str]) -> ClassSet:
    """A class set written by :func:`write_class` (its ``class.toml``)."""
    from handprop.fileio import read_user_text
    from handprop.problem import parse_problem_text

    folder = Path(folder)
    path = folder / CLASS_FILE
    if not folder.is_dir() or not path.is_file():
        raise InputError("exercise.class.err.not_class_set", where=str(folder), file=CLASS_FILE)
    data = parse_problem_text(read_user_text(path), str(path), "TOML")
    try:
        raw = data["settings"]
        settings = Settings(int(data["seed"]), int(raw["classes"]), int(raw["features"]),
                            raw.get("lr"), int(raw["decimals"]), float(raw["wrong_first_guess"]),
                            int(raw["samples"]), str(data.get("lang", "en")))  # fmt: skip
        students = [Student(str(s["id"]), str(s.get("name", "")), n + 2)
                    for n, s in enumerate(data["students"])]  # fmt: skip
    except (KeyError, TypeError, ValueError):
        raise InputError(
            "exercise.class.err.not_class_set", where=str(folder), file=CLASS_FILE
        ) from None
    for s in students:
        _check_id(s.id, str(path), s.row)
    return ClassSet(folder, settings, students, str(data.get("roster_encoding", "")))


# ------------------------------------------------------------------------------- marking


@dataclass
class Grade:
    """One student's line of the gradebook."""

    id: str
    name: str
    score: int = 0
    max_score: int = len(QUANTITIES)
    first_wrong_step: str = ""
    mistake: str = ""
    flags: list[str] = field(default_factory=list)
    message: str = ""
    steps: dict[str, str] = field(default_factory=lambda: dict.fromkeys(QUANTITIES, "missing"))
    report: Report | None = None

    def row(self) -> list[str]:
        head = [self.id, self.name, str(self.score), str(self.max_score), self.first_wrong_step,
                self.mistake, " ".join(self.flags), self.message]  # fmt: skip
        return head + [self.steps[q] for q in QUANTITIES]

    def to_json_data(self) -> dict[str, Any]:
        data: dict[str, Any] = dict(zip(GRADEBOOK_COLUMNS[:8], self.row()[:8], strict=True))
        data.update(score=self.score, max_score=self.max_score, flags=list(self.flags))
        return data | {"steps": dict(self.steps)}


GRADEBOOK_COLUMNS = ("id", "name", "score", "max_score", "first_wrong_step", "mistake", "flags",
                     "message", *QUANTITIES)  # fmt: skip


def stray_answer_files(class_set: ClassSet) -> list[Path]:
    """Answer files under the class folder that are no student's ``<id>/problem.answers.toml``."""
    own = {(class_set.folder / s.id / ANSWERS).resolve() for s in class_set.students}
    found = []
    for path in sorted(class_set.folder.rglob("*")):
        answer_like = path.name.endswith((".answers.toml", ".answers.json"))
        if answer_like and path.resolve() not in own:
            found.append(path)
    return found


def mark_class(class_set: ClassSet, lang: str = "en") -> list[Grade]:
    """Mark every student's answer file; see the module docstring for the flags."""
    from handprop.problem import load_any_problem

    stray = stray_answer_files(class_set)
    if stray:
        raise InputError(
            "exercise.class.err.stray", where=str(stray[0]), folder=str(class_set.folder)
        )
    problems = {}
    for s in class_set.students:
        path = class_set.folder / s.id / PROBLEM
        if not path.is_file():
            raise InputError("exercise.class.err.no_problem", where=str(path))
        problems[s.id] = load_any_problem(path)
    grades = _mark_all(class_set, problems, lang)
    _find_copies(grades, problems, class_set.settings.decimals, lang)
    return grades


def _mark_all(class_set: ClassSet, problems: dict[str, Any], lang: str) -> list[Grade]:
    """Every student's grade, in roster order: a large class in one process per core."""
    students = class_set.students
    jobs = min(os.cpu_count() or 1, 8)
    if len(students) < PARALLEL_FROM or jobs < 2:
        return _mark_some(class_set, students, problems, lang)
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    parts = [students[i * len(students) // jobs : (i + 1) * len(students) // jobs]
             for i in range(jobs)]  # fmt: skip
    with ProcessPoolExecutor(jobs, mp_context=multiprocessing.get_context("spawn")) as pool:
        done = [
            pool.submit(_mark_some, class_set, part, {s.id: problems[s.id] for s in part}, lang)
            for part in parts
        ]
        return [grade for part in done for grade in part.result()]


def _mark_some(
    class_set: ClassSet, students: Sequence[Student], problems: dict[str, Any], lang: str
) -> list[Grade]:
    return [_mark(class_set, s, problems[s.id], lang) for s in students]


def _mark(class_set: ClassSet, s: Student, problem: Any, lang: str) -> Grade:
    grade = Grade(s.id, s.name)
    path = class_set.folder / s.id / ANSWERS
    if not path.is_file():
        grade.flags.append("unanswered")
        grade.message = t("exercise.grade.no_file", lang, file=f"{s.id}/{ANSWERS}")
        return grade
    try:
        answers, decimals, named = _read_answers(path, problem)
    except HandpropError as err:
        grade.flags.append("unreadable")
        grade.message = err.message(lang)
        return grade
    if named is not None and not _same_problem(named, path, problem):
        grade.flags.append("wrong_problem")
    with np.errstate(over="ignore", invalid="ignore"):
        report = Marker(problem, decimals).check(answers)
    _fill_grade(grade, report, lang)
    return grade


def _read_answers(path: Path, problem: Any) -> tuple[dict[str, Any], int, Any]:
    """The given quantities, the declared rounding and what the sheet names as its problem."""
    from handprop.checker.answers import ANSWER_KEYS, PROBLEM_KEYS
    from handprop.fileio import read_user_text
    from handprop.problem import parse_problem_text

    where = str(path)
    kind = "JSON" if path.suffix == ".json" else "TOML"
    data = parse_problem_text(read_user_text(path, where, limit=1024 * 1024), where, kind)
    if not isinstance(data, dict):
        raise FileFormatError("core.err.not_table", where=where, got=type(data).__name__)
    for key in data:
        if key not in ANSWER_KEYS + PROBLEM_KEYS:
            raise InputError("core.err.unknown_key", where=where, field=str(key),
                             allowed=", ".join(ANSWER_KEYS))  # fmt: skip
    decimals = check_decimals(data.get("decimals", 3), where)
    answers = parse_answers({k: data[k] for k in QUANTITIES if k in data}, problem, where)
    inline = {k: data[k] for k in PROBLEM_KEYS if k in data}
    return answers, decimals, inline or data.get("problem")


def _same_problem(named: Any, path: Path, problem: Any) -> bool:
    """Whether the sheet's ``problem`` (a path, or the fields) is the student's own."""
    if isinstance(named, str):
        return (path.parent / named).resolve() == (path.parent / PROBLEM).resolve()
    if isinstance(named, dict):
        try:
            from handprop.problem import any_problem_from_mapping

            return any_problem_from_mapping(named).to_json() == problem.to_json()
        except HandpropError:
            return False
    return False


def _fill_grade(grade: Grade, report: Report, lang: str) -> None:
    grade.report = report
    grade.steps = {s.name: STEP_WORDS[s.status] for s in report.steps}
    grade.score = sum(s.status in ("correct", "carried") for s in report.steps)
    first = report.first_wrong
    if not report.given:
        grade.flags.insert(0, "unanswered")
        grade.message = t("exercise.check.nothing", lang)
    elif first is not None:
        step = report.step(first)
        grade.first_wrong_step, grade.mistake = first, step.mistake or ""
        grade.message = (
            f"{first}{t('exercise.check.name_sep', lang)}{step.message(lang, report.decimals)}"
        )
    else:
        grade.message = t("exercise.check.all_correct", lang, n=len(report.given))


def _find_copies(grades: list[Grade], problems: dict[str, Any], decimals: int, lang: str) -> None:
    """Flag ``copied_from=<id>`` where a sheet scores more against another student's problem
    than against the student's own. Candidates are found at once by comparing the given
    numbers with every key; only the best is marked in full."""
    ids = list(problems)
    rounded = [rounded_chain(problems[i], decimals)[1] for i in ids]
    keys = {q: np.stack([r[q] for r in rounded]) for q in QUANTITIES}
    unit = 1.5 * 10.0**-decimals
    for grade in grades:
        report = grade.report
        if report is None or not report.given or grade.score == grade.max_score:
            continue
        hits = np.zeros(len(ids), dtype=int)
        for s in report.given:
            if s.given is None:  # never: a given step holds its answer
                continue
            close = np.abs(keys[s.name] - s.given) <= unit + 1e-9
            hits += close.reshape(len(ids), -1).all(axis=1)
        hits[ids.index(grade.id)] = -1
        other = ids[int(np.argmax(hits))]
        if hits.max() * 2 < len(report.given):
            continue
        answers = {s.name: s.given for s in report.steps}
        with np.errstate(over="ignore", invalid="ignore"):
            theirs = Marker(problems[other], report.decimals).check(answers)
        if sum(s.status in ("correct", "carried") for s in theirs.steps) > grade.score:
            grade.flags.append(f"copied_from={other}")
            grade.message = t("exercise.grade.copied", lang, other=other) + " " + grade.message


# ----------------------------------------------------------------------------- what is written


def gradebook_csv(grades: Sequence[Grade]) -> str:
    """The gradebook as CSV text (write it as UTF-8 with a BOM, so that Excel reads it)."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\r\n")
    writer.writerow(GRADEBOOK_COLUMNS)
    writer.writerows(g.row() for g in grades)
    return buf.getvalue()


def step_shares(grades: Sequence[Grade]) -> dict[str, float]:
    """Per step, the share of the class whose answer counts as right (right or carried)."""
    n = max(len(grades), 1)
    return {q: sum(g.steps[q] in ("right", "carried") for g in grades) / n for q in QUANTITIES}


def report_markdown(grades: Sequence[Grade], lang: str, chart: str | None = None) -> str:
    """The class report: per step the share right, each named mistake (how many, who, why)."""
    from handprop.checker import mistake_label

    n = len(grades)
    mean = sum(g.score for g in grades) / max(n, 1)
    summary = t("exercise.report.summary", lang, n=n, mean=f"{mean:.1f}", max=len(QUANTITIES))
    out = [f"# {t('exercise.report.title', lang)}", "", summary]
    if chart:
        out += ["", f"![{t('exercise.report.chart', lang)}]({chart})"]
    columns = (t("exercise.check.col.quantity", lang), t("exercise.report.right", lang))
    out += ["", f"## {t('exercise.report.steps', lang)}", "",
            f"| {columns[0]} | {columns[1]} | % |", "|---|---:|---:|"]  # fmt: skip
    for q, share in step_shares(grades).items():
        right = sum(g.steps[q] in ("right", "carried") for g in grades)
        out.append(f"| `{q}` | {right} / {n} | {100 * share:.0f}% |")
    out += ["", f"## {t('exercise.report.mistakes', lang)}", ""]
    made: dict[str, list[Grade]] = {}
    for g in grades:
        if g.report is not None:
            for s in g.report.steps:
                if s.status == "wrong" and s.mistake:
                    made.setdefault(s.mistake, []).append(g)
    if not made:
        out.append(t("exercise.report.no_mistakes", lang))
    for mistake, who in sorted(made.items(), key=lambda kv: -len(kv[1])):
        step = next(s for s in who[0].report.steps if s.mistake == mistake)  # type: ignore[union-attr]
        names = ", ".join(sorted({g.id for g in who}))
        out += [f"### {mistake_label(mistake, lang)} (`{mistake}`): {len(who)}", "",
                t("exercise.report.who", lang, ids=names), "",
                step.message(lang, who[0].report.decimals), ""]  # type: ignore[union-attr]  # fmt: skip
    flagged = [(g.id, " ".join(g.flags)) for g in grades if g.flags]
    if flagged:
        out += ["", f"## {t('exercise.report.flags', lang)}", ""]
        out += [f"- `{sid}`: {flags}" for sid, flags in flagged]
    return "\n".join(out).rstrip() + "\n"


def plot_shares(grades: Sequence[Grade], path: Path, lang: str) -> Path:
    """A bar chart (PNG) of the share of the class right at each step."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    from handprop.fileio import write_atomic
    from handprop.fonts import matplotlib_family

    family = matplotlib_family()
    shares = step_shares(grades)
    fig = Figure(figsize=(8, 3.6), dpi=100, layout="constrained")
    ax = fig.subplots()
    ax.bar(list(shares), [100 * v for v in shares.values()], color="#3b6ea5")
    ax.set_ylim(0, 100)
    ax.set_ylabel(t("exercise.report.right_pct", lang), fontfamily=family)
    ax.set_title(t("exercise.report.chart", lang), fontfamily=family)
    ax.tick_params(axis="x", labelrotation=30)
    buf = io.BytesIO()
    FigureCanvasAgg(fig).print_png(buf)
    return write_atomic(path, buf.getvalue())


Writer = Callable[[Path], None]
