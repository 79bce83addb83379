"""Options shared by every command, so that each is spelled and explained once."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import click

from handprop.messages import resolve_lang, t

_HELP_LANG = resolve_lang(None)

FORMATS = ("text", "markdown", "json")


def lang_option(func: Callable[..., Any]) -> Callable[..., Any]:
    """``--lang en|zh``; default follows the locale (zh for a Chinese locale), else en."""
    return click.option(
        "--lang",
        type=click.Choice(["en", "zh"], case_sensitive=False),
        default=None,
        callback=lambda ctx, param, value: resolve_lang(value),
        help=t("core.help.lang", _HELP_LANG),
    )(func)


def format_option(*choices: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """``--format`` limited to ``choices`` (default: the first one)."""
    choices = choices or FORMATS

    def decorate(func: Callable[..., Any]) -> Callable[..., Any]:
        return click.option(
            "--format",
            "fmt",
            type=click.Choice(list(choices)),
            default=choices[0],
            show_default=True,
            help=t("core.help.format", _HELP_LANG),
        )(func)

    return decorate
