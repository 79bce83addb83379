"""The command line: ``handprop <command> ...``; ``main(argv) -> exit code``.

Commands live in :mod:`handprop.commands` and are imported only when called, so ``handprop demo``
does not pay for torch, matplotlib or the web server. Exit codes: 0 success, 1 a check that did
not pass (or an internal error), 2 bad input (one line on stderr, no traceback), 130
interrupted. Usage errors of click (``--lr abc``, a missing argument, an unknown command) are
one line too: ``Error: Invalid value for '--lr': 'abc' is not a valid float.``; ``--help``
and a bare group (``handprop``, ``handprop data``) still print their help. ``--traceback``
anywhere on the line shows the stack instead, for bug reports.
"""

from __future__ import annotations

import importlib
import importlib.util
import sys
from collections.abc import Sequence

import click

from handprop._version import __version__
from handprop.errors import HandpropError
from handprop.messages import known_lang, resolve_lang, t

# command name -> "module:attribute" of its click command, in the order `--help` lists them.
COMMANDS: dict[str, str] = {
    "demo": "handprop.commands.step:demo",
    "step": "handprop.commands.step:step",
    "data": "handprop.commands.data:data",
    "train": "handprop.commands.training:train",
    "evaluate": "handprop.commands.training:evaluate",
    "predict": "handprop.commands.training:predict",
    "export": "handprop.commands.export:export",
    "exercise": "handprop.commands.exercise:exercise",
    "check": "handprop.commands.exercise:check",
    "lab": "handprop.commands.lab:lab",
    "serve": "handprop.commands.serve:serve",
}

_HELP_LANG = resolve_lang(None)


def _available() -> dict[str, str]:
    """Commands whose module exists in this installation."""
    found = {}
    for name, target in COMMANDS.items():
        module = target.split(":")[0]
        if importlib.util.find_spec(module) is not None:
            found[name] = target
    return found


class LazyGroup(click.Group):
    """A click group that imports a command's module only when that command runs."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return list(_available())

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        target = _available().get(cmd_name)
        if target is None:
            return None
        module_name, attr = target.split(":")
        return getattr(importlib.import_module(module_name), attr)

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        rows = [(name, t(f"core.cli.cmd.{name}", _HELP_LANG)) for name in self.list_commands(ctx)]
        if rows:
            with formatter.section(t("core.cli.commands", _HELP_LANG)):
                formatter.write_dl(rows)


@click.group(
    cls=LazyGroup,
    help=t("core.cli.help", _HELP_LANG),
    context_settings={"help_option_names": ["-h", "--help"]},
)
@click.version_option(__version__, prog_name="handprop")
def cli() -> None:
    """The command group; its help is the catalogue's ``core.cli.help``."""


def _lang_from_args(args: Sequence[str]) -> str:
    """The language of ``--lang`` for messages printed before click has read it (en when the
    value is not one we have: click refuses it, in English)."""
    for i, arg in enumerate(args):
        value = None
        if arg == "--lang" and i + 1 < len(args):
            value = args[i + 1]
        elif arg.startswith("--lang="):
            value = arg.split("=", 1)[1]
        if value is not None:
            return known_lang(value) or "en"
    return resolve_lang(None)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line with ``argv`` (default ``sys.argv[1:]``); return the exit code."""
    args = list(sys.argv[1:] if argv is None else argv)
    show_traceback = "--traceback" in args
    args = [a for a in args if a != "--traceback"]
    lang = _lang_from_args(args)
    try:
        result = cli.main(args=args, prog_name="handprop", standalone_mode=False)
    except HandpropError as err:
        if show_traceback:
            raise
        click.echo(t("err.prefix", lang, message=err.message(lang)), err=True)
        return err.exit_code
    except click.exceptions.Exit as exc:
        return exc.exit_code
    except _NO_ARGS_IS_HELP as exc:  # `handprop data` alone: the group's help, as click shows it
        exc.show()
        return exc.exit_code
    except click.ClickException as exc:
        if show_traceback:
            raise
        message = " ".join(exc.format_message().split())  # one line, whatever click wrote
        click.echo(t("err.prefix", lang, message=message), err=True)
        return exc.exit_code
    except (KeyboardInterrupt, click.exceptions.Abort):
        click.echo(t("err.interrupted", lang), err=True)
        return 130
    except BrokenPipeError:
        return 0
    except OSError as err:  # the file system refused something no check foresaw
        if show_traceback:
            raise
        where = err.filename if err.filename is not None else "handprop"
        message = t("input.err.os", lang, where=where, reason=err.strerror or str(err))
        click.echo(t("err.prefix", lang, message=message), err=True)
        return 2
    except Exception as exc:  # a bug: one line that asks for a report, the stack on request
        if show_traceback:
            raise
        detail = " ".join(str(exc).split())[:200]
        message = t("err.bug", lang, kind=type(exc).__name__, detail=detail)
        click.echo(t("err.prefix", lang, message=message), err=True)
        return 1
    return result if isinstance(result, int) else 0


#: raised by click >= 8.2 for a group called without a command; it shows the group's help
_NO_ARGS_IS_HELP = getattr(click.exceptions, "NoArgsIsHelpError", ())


def entry_point() -> None:
    """Console-script entry: exit with :func:`main`'s code."""
    sys.exit(main())
