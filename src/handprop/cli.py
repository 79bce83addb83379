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

from handprop import __version__
from handprop.errors import HandpropError
from handprop.messages import resolve_lang, t

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

COMMAND_HELP: dict[str, str] = {
    "demo": "The worked example of the notes, every step explained.",
    "step": "Trace one or more SGD steps on your own problem file.",
    "data": "List and fetch the known data sets.",
    "train": "Train a softmax classifier on a data set.",
    "evaluate": "Accuracy, per-class table and confusion matrix of a model file.",
    "predict": "Classify your own images with a model file.",
    "export": "Export a model file to ONNX or a PyTorch state_dict.",
    "exercise": "Generate softmax exercises and their answer keys.",
    "check": "Check a hand-worked answer file step by step.",
    "lab": "Experiments on initialisation, normalisation and overflow.",
    "serve": "The web explorer on a local address.",
}


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
        rows = [(name, COMMAND_HELP.get(name, "")) for name in self.list_commands(ctx)]
        if rows:
            with formatter.section("Commands"):
                formatter.write_dl(rows)


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="handprop")
def cli() -> None:
    """handprop: softmax classification by hand and at scale.

    Every number of a training step shown, explained and checked. Add --traceback anywhere to
    see the stack of an error.
    """


def _lang_from_args(args: Sequence[str]) -> str:
    for i, arg in enumerate(args):
        value = None
        if arg == "--lang" and i + 1 < len(args):
            value = args[i + 1]
        elif arg.startswith("--lang="):
            value = arg.split("=", 1)[1]
        if value is not None:
            try:
                return resolve_lang(value)
            except HandpropError:
                return "en"
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
