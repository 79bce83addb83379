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
from typing import TYPE_CHECKING

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


@click.command(help=t("exercise.help.check", _HELP_LANG))
@click.argument("answers_file", type=click.Path(dir_okay=True, path_type=str))
@format_option("text", "json")
@lang_option
def check(answers_file: str, fmt: str, lang: str) -> int:
    from handprop.checker import build_report_text, check_file

    report = check_file(answers_file)
    if fmt == "json":
        click.echo(json.dumps(report.to_json_data(lang), indent=2, ensure_ascii=False))
    else:
        from rich.console import Console

        Console(highlight=False).print(build_report_text(report, lang))
    return report.exit_code
