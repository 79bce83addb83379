"""``handprop exercise new|key`` and ``handprop check ANSWERS``: homework and its marking.

``exercise new`` draws a problem (:func:`handprop.exercise.generate_problem`) and prints its
sheet; with ``-o problem.toml`` it also writes the problem and a blank answer sheet beside it
(``problem.answers.toml``). ``exercise key`` prints the worked solution as the sheet's rounding
rule gives it (:func:`handprop.exercise.answer_key`) with the renderers of ``handprop step``;
as JSON, the answers under the answer sheet's names. ``check`` marks an answer file
(:mod:`handprop.checker`): exit 0 when all given answers are correct, 1 when any is wrong, 2 for
a bad file.
"""

from __future__ import annotations

import json
import secrets
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from handprop.commands._options import format_option, lang_option
from handprop.errors import InputError
from handprop.messages import resolve_lang, t

if TYPE_CHECKING:
    from handprop.problem import Problem

_HELP_LANG = resolve_lang(None)


@click.group(help=t("exercise.help.group", _HELP_LANG))
def exercise() -> None:
    pass


def answers_path(problem_path: Path) -> Path:
    """``hw/p1.toml`` -> ``hw/p1.answers.toml``: the answer sheet beside a problem file."""
    return problem_path.with_name(problem_path.stem + ".answers.toml")


@exercise.command(help=t("exercise.help.new", _HELP_LANG))
@click.option(
    "--seed", type=click.IntRange(0), default=None, help=t("exercise.help.seed", _HELP_LANG)
)
@click.option(
    "--classes",
    type=int,
    default=3,
    show_default=True,
    help=t("exercise.help.classes", _HELP_LANG),
)
@click.option(
    "--features",
    type=int,
    default=3,
    show_default=True,
    help=t("exercise.help.features", _HELP_LANG),
)
@click.option("--lr", type=float, default=None, help=t("exercise.help.lr", _HELP_LANG))
@click.option(
    "--wrong-first-guess",
    type=float,
    default=0.75,
    show_default=True,
    help=t("exercise.help.wrong", _HELP_LANG),
)
@click.option(
    "--decimals",
    type=int,
    default=3,
    show_default=True,
    help=t("exercise.help.decimals", _HELP_LANG),
)
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help=t("exercise.help.output", _HELP_LANG),
)
@click.option("--force", is_flag=True, help=t("exercise.help.force", _HELP_LANG))
@format_option("text", "markdown", "json")
@lang_option
def new(
    seed: int | None,
    classes: int,
    features: int,
    lr: float | None,
    wrong_first_guess: float,
    decimals: int,
    output: Path | None,
    force: bool,
    fmt: str,
    lang: str,
) -> int:
    from handprop.exercise import answer_template, generate_problem, render_sheet

    if seed is None:
        seed = secrets.randbelow(1_000_000)
    problem = generate_problem(
        seed, classes=classes, features=features, lr=lr, wrong_first_guess=wrong_first_guess
    )
    answers_file = None
    if output is not None:
        answers = answers_path(output)
        answers_file = str(answers)
        template = answer_template(problem, lang, output.name, decimals, answers.name)
        _write_files([(output, _problem_text(problem, output, seed)), (answers, template)], force)
    click.echo(render_sheet(problem, fmt, lang, decimals, answers_file, seed), nl=False)
    if output is not None:
        click.echo(t("exercise.new.wrote", lang, problem=output, answers=answers_file), err=True)
    return 0


def _problem_text(problem: Problem, path: Path, seed: int) -> str:
    if path.suffix.lower() == ".json":
        return problem.to_json()
    K, D = problem.num_classes, problem.num_features
    return (
        f"# handprop exercise new --seed {seed} --classes {K} --features {D} --lr {problem.lr:g}\n"
        + problem.to_toml()
    )


def _write_files(files: list[tuple[Path, str]], force: bool) -> None:
    """Write every ``(path, text)`` as a whole: all are written to temporary files beside their
    targets first, then renamed over them, so a failure leaves no half-written file and no new
    file without its partner. Existing files are refused unless ``force``.
    """
    from handprop.fileio import write_files_atomic

    if not force:
        for path, _ in files:
            if path.exists():
                raise InputError("exercise.err.exists", where="exercise new", path=str(path))
    write_files_atomic(files)


@exercise.command(help=t("exercise.help.key", _HELP_LANG))
@click.argument("problem_file", type=click.Path(dir_okay=True, path_type=str))
@click.option(
    "--decimals",
    type=int,
    default=3,
    show_default=True,
    help=t("exercise.help.decimals", _HELP_LANG),
)
@format_option("text", "markdown", "json")
@lang_option
def key(problem_file: str, decimals: int, fmt: str, lang: str) -> int:
    from handprop.exercise import key_document, key_json_data
    from handprop.problem import load_problem

    problem = load_problem(problem_file)
    if fmt == "json":
        click.echo(json.dumps(key_json_data(problem, decimals), indent=2))
    elif fmt == "markdown":
        from handprop.render.markdown import write_markdown

        click.echo(write_markdown(key_document(problem, lang, decimals)))
    else:
        from rich.console import Console

        from handprop.render.text import build_document

        Console(highlight=False).print(build_document(key_document(problem, lang, decimals)))
    return 0


def _settings_options(f: Any) -> Any:
    """``exercise new``'s options of the problem, for ``exercise class``."""
    for option in reversed([
        click.option("--classes", type=int, default=3, show_default=True,
                     help=t("exercise.help.classes", _HELP_LANG)),
        click.option("--features", type=int, default=3, show_default=True,
                     help=t("exercise.help.features", _HELP_LANG)),
        click.option("--lr", type=float, default=None, help=t("exercise.help.lr", _HELP_LANG)),
        click.option("--wrong-first-guess", type=float, default=0.75, show_default=True,
                     help=t("exercise.help.wrong", _HELP_LANG)),
        click.option("--decimals", type=int, default=3, show_default=True,
                     help=t("exercise.help.decimals", _HELP_LANG)),
        click.option("--samples", type=int, default=1, show_default=True,
                     help=t("exercise.help.samples", _HELP_LANG)),
    ]):  # fmt: skip
        f = option(f)
    return f


@exercise.command("class", help=t("exercise.help.class", _HELP_LANG))
@click.argument("roster", type=click.Path(dir_okay=True, path_type=str))
@click.option("--out", type=click.Path(path_type=Path), required=True,
              help=t("exercise.help.out", _HELP_LANG))  # fmt: skip
@click.option(
    "--seed", type=click.IntRange(0), default=None, help=t("exercise.help.seed", _HELP_LANG)
)
@_settings_options
@click.option("--force", is_flag=True, help=t("exercise.help.force", _HELP_LANG))
@lang_option
def class_(roster: str, out: Path, seed: int | None, force: bool, lang: str, **options: Any) -> int:
    from handprop.classset import Settings, read_roster, write_class
    from handprop.fonts import missing_characters

    if options["samples"] != 1 and not 2 <= options["samples"] <= 4:
        from handprop.messages import Msg

        expected = Msg("exp.range", low=2, high=4)
        raise InputError("err.must", where="exercise class", name="--samples",
                         expected=expected, got=str(options["samples"]))  # fmt: skip
    settings = Settings(seed if seed is not None else secrets.randbelow(1_000_000), lang=lang,
                        **options)  # fmt: skip
    students = read_roster(roster)
    _require_pdf()
    for s in students.students:
        missing = missing_characters(s.name)
        if missing:
            click.echo(t("exercise.class.missing_glyphs", lang, row=s.row, name=s.name,
                         chars="".join(missing)), err=True)  # fmt: skip
    made = write_class(students, settings, out, force)
    first = ", ".join(s.name or s.id for s in made.students[:3])
    click.echo(t("exercise.class.wrote", lang, roster=roster, encoding=made.encoding,
                 n=len(made.students), first=first, out=out))  # fmt: skip
    return 0


def _require_pdf() -> None:
    try:
        import typst  # noqa: F401
    except ImportError as err:
        raise InputError("export.err.missing_package", where="exercise class",
                         package=err.name or "typst", extra="pdf") from None  # fmt: skip


@click.command(help=t("exercise.help.check", _HELP_LANG))
@click.argument("answers_file", type=click.Path(dir_okay=True, path_type=str))
@click.option("--gradebook", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help=t("exercise.help.gradebook", _HELP_LANG))  # fmt: skip
@click.option("--report", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help=t("exercise.help.report", _HELP_LANG))  # fmt: skip
@format_option("text", "json")
@lang_option
def check(
    answers_file: str, gradebook: Path | None, report: Path | None, fmt: str, lang: str
) -> int:
    from handprop.checker import build_report_text, check_file

    if Path(answers_file).is_dir():
        return _check_class(Path(answers_file), gradebook, report, fmt, lang)
    result = check_file(answers_file)
    if fmt == "json":
        click.echo(json.dumps(result.to_json_data(lang), indent=2, ensure_ascii=False))
    else:
        from rich.console import Console

        Console(highlight=False).print(build_report_text(result, lang))
    return result.exit_code


def _check_class(
    folder: Path, gradebook: Path | None, report: Path | None, fmt: str, lang: str
) -> int:
    """Mark a class set; write the gradebook and the report; exit 0 once they are written."""
    from handprop.classset import (
        gradebook_csv,
        load_class,
        mark_class,
        plot_shares,
        report_markdown,
    )
    from handprop.fileio import write_atomic

    grades = mark_class(load_class(folder), lang)
    if gradebook is not None:
        write_atomic(gradebook, "\ufeff" + gradebook_csv(grades))
    if report is not None:
        chart = report.with_suffix(".png")
        plot_shares(grades, chart, lang)
        write_atomic(report, report_markdown(grades, lang, chart.name))
    if fmt == "json":
        data = [g.to_json_data() for g in grades]
        click.echo(json.dumps(data, indent=2, ensure_ascii=False))
    else:
        mean = sum(g.score for g in grades) / max(len(grades), 1)
        click.echo(t("exercise.grade.wrote", lang, n=len(grades), folder=folder,
                     mean=f"{mean:.1f}", max=grades[0].max_score if grades else 10))  # fmt: skip
    return 0
