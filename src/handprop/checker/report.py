"""The report: the verdict on each quantity of an answer sheet, as sentences, JSON and a table.

:class:`StepResult` and :class:`Report` hold what :class:`~handprop.checker.marking.Marker`
found; this module only says it, in English or Chinese: one sentence per quantity (the named
mistake, the entries that are off), the JSON of ``handprop check --format json`` and the rich
table of the terminal.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray
from rich import box
from rich.console import Console, Group
from rich.table import Table
from rich.text import Text

from handprop.messages import t
from handprop.problem import AnyProblem
from handprop.render._common import compact, fixed

Array = NDArray[np.float64]

STATUSES = ("correct", "wrong", "carried", "missing")
#: the rounding an answer sheet declares unless it says otherwise
DEFAULT_DECIMALS = 3


@dataclass
class StepResult:
    """The verdict on one quantity.

    ``expected`` is the exact value and ``tolerance`` how far from it an answer may be;
    ``rounded`` the value a student who follows the sheet's rounding rule writes (the answer
    key's, shown as "expected"); ``carried_expected`` the value that follows from the
    student's own earlier answers (None when nothing before was wrong, or it is undefined);
    ``entries`` the 0-based indices of the entries that are off (none for a scalar);
    ``params`` the details of a named mistake as its message shows them (``base`` of the
    logarithm; ``cls``, the class whose probability was used, and in a mini-batch ``n``, the
    sample, both counted from 1).
    """

    name: str
    status: str
    expected: Array
    given: Array | None
    tolerance: Array
    rounded: Array
    carried_expected: Array | None = None
    mistake: str | None = None
    params: dict[str, Any] = field(default_factory=dict)
    entries: list[tuple[int, ...]] = field(default_factory=list)
    reference: Array | None = None  # what the wrong entries were compared with, as rounded

    def message(self, lang: str = "en", decimals: int = DEFAULT_DECIMALS) -> str:
        """One sentence on this quantity in ``lang``."""
        if self.status != "wrong":
            return t(f"exercise.check.msg.{self.status}", lang)
        where = entry_names(self.entries, lang)
        if self.mistake == "arithmetic_slip":
            ref = self.reference if self.reference is not None else self.rounded
            idx = self.entries[0]
            return t(
                "exercise.mistake.arithmetic_slip",
                lang,
                entry=where,
                expected=_fmt(ref[idx], decimals),
                given=_as_written(self.given[idx]),  # type: ignore[index]
            )
        if self.mistake is not None:
            sample = "_n" if "n" in self.params else ""  # a mini-batch's: names the sample
            return t(f"exercise.mistake.{self.mistake}{sample}", lang, **self.params)
        if self.expected.ndim == 0:
            return t("exercise.check.msg.wrong_scalar", lang)
        return t("exercise.check.msg.wrong_entries", lang, entries=where)

    def to_json_data(self, lang: str = "en", decimals: int = DEFAULT_DECIMALS) -> dict[str, Any]:
        return {
            "name": self.name,
            "status": self.status,
            "expected": _plain(self.expected),
            "rounded": _plain(self.rounded),
            "given": None if self.given is None else _plain(self.given),
            "mistake": self.mistake,
            "message": self.message(lang, decimals),
            "carried_expected": None
            if self.carried_expected is None
            else _plain(self.carried_expected),
            "tolerance": _plain(self.tolerance),
            "entries": [list(i) for i in self.entries],
            **({"details": dict(self.params)} if self.params else {}),
        }


@dataclass
class Report:
    """The verdict on a whole answer sheet."""

    problem: AnyProblem
    decimals: int
    steps: list[StepResult]
    source: Path | None = None

    @property
    def given(self) -> list[StepResult]:
        return [s for s in self.steps if s.status != "missing"]

    @property
    def all_correct(self) -> bool:
        """Every given quantity is correct (none wrong, none merely carried)."""
        return all(s.status in ("correct", "missing") for s in self.steps)

    @property
    def first_wrong(self) -> str | None:
        """The first quantity, in the order of the computation, that is wrong."""
        return next((s.name for s in self.steps if s.status == "wrong"), None)

    @property
    def exit_code(self) -> int:
        """0 when every given quantity is correct, else 1."""
        return 0 if self.all_correct else 1

    def step(self, name: str) -> StepResult:
        return next(s for s in self.steps if s.name == name)

    def to_json_data(self, lang: str = "en") -> dict[str, Any]:
        return {
            "all_correct": self.all_correct,
            "first_wrong": self.first_wrong,
            "decimals": self.decimals,
            "steps": [s.to_json_data(lang, self.decimals) for s in self.steps],
        }


def _plain(value: Array) -> Any:
    return value.item() if value.ndim == 0 else value.tolist()


def _fmt(value: float, decimals: int) -> str:
    return fixed(float(value), decimals)


def _as_written(value: float) -> str:
    return compact(float(value), 6)


def entry_names(entries: list[tuple[int, ...]], lang: str) -> str:
    """``entry 2`` / ``row 2, column 3`` (counted from 1, as on paper), joined by "; "."""
    names = []
    for idx in entries:
        if len(idx) == 1:
            names.append(t("exercise.check.entry", lang, i=idx[0] + 1))
        elif len(idx) == 2:
            names.append(t("exercise.check.cell", lang, i=idx[0] + 1, j=idx[1] + 1))
    return t("exercise.check.list_sep", lang).join(names)


# --- the verdict in the terminal ---

_STATUS_STYLE = {
    "correct": ("✓", "bold green"),
    "wrong": ("✗", "bold red"),
    "carried": ("→", "yellow"),
    "missing": ("·", "dim"),
}


def _cell(
    value: Array | None, decimals: int | None, bad: list[tuple[int, ...]], whole: bool
) -> Any:
    """A value as rich Text, laid out as on paper: a vector as a column (one entry a line), a
    matrix row by row, the decimal points aligned.

    ``decimals`` None shows the numbers as written (with as many decimals as the longest, at
    most 6). The entries in ``bad`` (or the whole value, if ``whole``) are shown in red.
    """
    if value is None:
        return Text("—", style="dim")
    if decimals is None:
        with np.errstate(over="ignore", invalid="ignore"):  # round(1e306, 2) overflows: fine
            decimals = next(
                (k for k in range(7) if np.all(np.abs(np.round(value, k) - value) < 1e-9)), 6
            )
    if value.ndim == 0:
        return Text(_fmt(float(value), decimals), style="bold red" if whole else "")
    rows = value[:, None] if value.ndim == 1 else value
    cells = [[_fmt(v, decimals) for v in row] for row in rows]
    widths = [max(len(row[j]) for row in cells) for j in range(rows.shape[1])]
    bad_set = set(bad)
    text = Text()
    for i, row in enumerate(cells):
        if i:
            text.append("\n")
        for j, cell in enumerate(row):
            idx = (i,) if value.ndim == 1 else (i, j)
            text.append(("  " if j else "") + cell.rjust(widths[j]))
            if idx in bad_set:
                text.stylize("bold red", len(text) - len(cell), len(text))
    return text


def build_report_text(report: Report, lang: str = "en") -> Any:
    """The verdict as one rich renderable: a table of every quantity (status, the named mistake,
    expected and given values, the wrong entries in red), what went wrong, and the summary.

    The expected value of a blank quantity is not shown: it is not answered yet
    (``handprop exercise key`` shows the whole solution).
    """
    d = report.decimals
    source = str(report.source) if report.source is not None else "answers"
    table = Table(
        title=t("exercise.check.title", lang, file=source, decimals=d),
        title_justify="left",
        title_style="bold",
        box=box.SIMPLE_HEAD,
        show_lines=True,
    )
    for key in ("quantity", "status", "expected", "given"):
        table.add_column(t(f"exercise.check.col.{key}", lang), overflow="fold")
    notes: list[Any] = []
    for s in report.steps:
        mark, style = _STATUS_STYLE[s.status]
        status = Text(f"{mark} {t(f'exercise.check.status.{s.status}', lang)}", style=style)
        wrong = s.status == "wrong"
        if wrong:
            status.append("\n" + mistake_label(s.mistake, lang), style="red")
            note = Text(f"{mark} {s.name}{t('exercise.check.name_sep', lang)}", style=style)
            note.append(s.message(lang, d))
            notes.append(note)
        expected = None if s.status == "missing" else s.rounded
        table.add_row(
            Text(s.name, style="bold"),
            status,
            _cell(expected, d, [], whole=False),
            _cell(s.given, None, s.entries if wrong else [], whole=wrong),
        )
    carried = [s.name for s in report.steps if s.status == "carried"]
    if carried:
        mark, _ = _STATUS_STYLE["carried"]
        notes.append(Text(f"{mark} " + t("exercise.check.carried", lang, names=", ".join(carried))))
    counts = {status: sum(s.status == status for s in report.steps) for status in STATUSES}
    if not report.given:
        verdict = Text(t("exercise.check.nothing", lang), style="yellow")
    elif report.all_correct:
        verdict = Text(
            t("exercise.check.all_correct", lang, n=len(report.given)), style="bold green"
        )
    else:
        first = report.first_wrong
        label = mistake_label(report.step(first).mistake, lang) if first else ""
        verdict = Text(t("exercise.check.first_wrong", lang, name=first, what=label))
        verdict.stylize("bold red")
    summary = Text(t("exercise.check.counts", lang, **counts), style="dim")
    return Group(table, *notes, Text(""), verdict, summary)


def mistake_label(mistake: str | None, lang: str) -> str:
    """A short name of a mistake for tables ("wrong log base"); None: not a known mistake."""
    return t(f"exercise.label.{mistake or 'unknown'}", lang)


def render_report_text(report: Report, lang: str = "en", width: int = 120) -> str:
    """The terminal verdict as plain text, ``width`` columns wide."""
    console = Console(width=width, file=io.StringIO(), no_color=True, highlight=False)
    with console.capture() as capture:
        console.print(build_report_text(report, lang))
    return capture.get()
