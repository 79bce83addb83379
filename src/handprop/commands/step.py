"""``handprop demo`` and ``handprop step PROBLEM_FILE``: one or more SGD steps, every number shown.

Both print the same rendering (text, Markdown or JSON) of :func:`handprop.tracing.trace`; ``demo``
uses the notes' worked example, ``step`` a TOML or JSON problem file. Start-up imports only
numpy, rich and click; the Markdown and JSON renderers and the TOML parser load when used.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import click

from handprop.commands._options import format_option, lang_option
from handprop.messages import resolve_lang, t
from handprop.tracing import WORKED_EXAMPLE, Steps, trace

_HELP_LANG = resolve_lang(None)


def _shared_options(func: Callable[..., Any]) -> Callable[..., Any]:
    """``--lang``, ``--format``, ``--decimals`` and ``--steps``, shared by demo and step."""
    func = click.option(
        "--steps",
        type=click.IntRange(1, 1000),
        default=1,
        show_default=True,
        help=t("core.help.steps", _HELP_LANG),
    )(func)
    func = click.option(
        "--decimals",
        type=click.IntRange(0, 12),
        default=3,
        show_default=True,
        help=t("core.help.decimals", _HELP_LANG),
    )(func)
    func = format_option("text", "markdown", "json")(func)
    return lang_option(func)


def show(result: Steps[Any], fmt: str, lang: str, decimals: int) -> None:
    """Print ``result`` to standard output in ``fmt``."""
    if fmt == "text":
        from rich.console import Console

        from handprop.render.text import build_text

        Console(highlight=False).print(build_text(result, lang, decimals))
        return
    from handprop.render import render

    click.echo(render(result, fmt, lang=lang, decimals=decimals))


@click.command(help=t("core.help.demo", _HELP_LANG))
@_shared_options
def demo(lang: str, fmt: str, decimals: int, steps: int) -> int:
    ex = WORKED_EXAMPLE
    classes = t("core.demo.class_names", lang).split(",")  # the notes' cat/dog/pig story
    result = trace(ex["X"], ex["W"], ex["b"], ex["y"], ex["lr"], steps=steps, classes=classes)
    show(result, fmt, lang, decimals)
    return 0


@click.command(help=t("core.help.step", _HELP_LANG))
@click.argument("problem_file", type=click.Path(path_type=str))
@_shared_options
def step(problem_file: str, lang: str, fmt: str, decimals: int, steps: int) -> int:
    from handprop.problem import load_problem

    result = load_problem(problem_file).trace(steps=steps)
    show(result, fmt, lang, decimals)
    return 0
