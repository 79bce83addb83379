"""``handprop lab ...``: the pitfall experiments, and the hidden-layer step trace.

Each experiment prints its tables and a conclusion drawn from the measured numbers (or, with
``--format json``, the numbers), and saves its PNG plots in ``--plots`` (default
``handprop-lab/``; ``--no-plots`` skips them). ``lab all --out DIR`` runs every experiment and
writes ``DIR/report.md`` with the plots beside it. numpy and the experiment code load when a
command runs; matplotlib only when plots are drawn.
"""

from __future__ import annotations

import math
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from handprop.commands._options import format_option, lang_option
from handprop.errors import InputError
from handprop.messages import Msg, resolve_lang, t

_HELP_LANG = resolve_lang(None)
DEFAULT_PLOTS = "handprop-lab"


def _h(key: str) -> str:
    return t(f"lab.help.{key}", _HELP_LANG)


def _common(func: Callable[..., Any]) -> Callable[..., Any]:
    """--seed, --dataset, --data-dir, --epochs, --format text|json, --lang."""
    func = click.option("--seed", type=int, default=0, show_default=True, help=_h("seed"))(func)
    func = click.option("--dataset", default="mnist-5k", show_default=True, help=_h("dataset"))(
        func
    )
    func = click.option(
        "--data-dir", type=click.Path(file_okay=False), default=None, help=_h("data_dir")
    )(func)
    func = click.option(
        "--epochs", type=click.IntRange(1, 10_000), default=None, help=_h("epochs")
    )(func)
    func = format_option("text", "json")(func)
    return lang_option(func)


def _plots_option(func: Callable[..., Any]) -> Callable[..., Any]:
    func = click.option(
        "--plots",
        "plots_dir",
        type=click.Path(file_okay=False),
        default=DEFAULT_PLOTS,
        show_default=True,
        help=_h("plots"),
    )(func)
    return click.option("--no-plots", is_flag=True, default=False, help=_h("no_plots"))(func)


_activation_option = click.option(
    "--activation",
    type=click.Choice(["relu", "tanh"]),
    default="relu",
    show_default=True,
    help=_h("activation"),
)


def _mlp_options(func: Callable[..., Any]) -> Callable[..., Any]:
    func = click.option(
        "--hidden", type=click.IntRange(2, 4096), default=32, show_default=True, help=_h("hidden")
    )(func)
    return _activation_option(func)


def _lr_option(func: Callable[..., Any]) -> Callable[..., Any]:
    return click.option(
        "--lr",
        type=click.FloatRange(min=0, min_open=True),
        default=0.1,
        show_default=True,
        help=_h("lr"),
    )(func)


# ---------------------------------------------------------------------- checks before any work


def _check_folder(path: str, option: str, where: str) -> None:
    """``path`` is a writable folder or can be created (nothing is created here)."""
    probe = Path(path)
    while not probe.exists() and probe.parent != probe:
        probe = probe.parent
    if not (probe.is_dir() and os.access(probe, os.W_OK)):
        raise InputError(
            "err.must",
            where=where,
            name=option,
            expected=Msg("lab.exp.writable_dir"),
            got=str(path),
        )


def _check_options(where: str, options: dict[str, Any], folders: dict[str, str | None]) -> None:
    """Refuse, in one line each, the values click lets through but the run would trip over:
    a negative seed, a learning rate or target that is NaN or inf, an unknown data set, an
    output folder that cannot be made. Runs before any data is loaded or file written."""
    from handprop.data.datasets import get_spec
    from handprop.validation import positive_float

    seed = options.get("seed")
    if seed is not None and seed < 0:  # numpy's generators take seeds >= 0 only
        raise InputError(
            "err.must", where=where, name="--seed", expected=Msg("input.exp.seed"), got=str(seed)
        )
    if options.get("lr") is not None:
        positive_float(options["lr"], "--lr", where)
    target = options.get("target")
    if target is not None and not (math.isfinite(target) and 0 < target <= 1):
        raise InputError(
            "err.must", where=where, name="--target", expected=Msg("lab.exp.target"), got=target
        )
    if options.get("dataset") is not None:
        get_spec(options["dataset"])
    for option, folder in folders.items():
        if folder is not None:
            _check_folder(folder, option, where)


def _run(
    name: str,
    fmt: str,
    lang: str,
    plots_dir: str,
    no_plots: bool,
    options: dict[str, Any],
) -> int:
    from handprop import lab as L

    _check_options(f"lab {name}", options, {"--plots": None if no_plots else plots_dir})
    options = {k: v for k, v in options.items() if v is not None}
    result = L.run_experiment(name, **options)
    if not no_plots:
        L.write_plots(name, result, plots_dir, lang)
    if fmt == "json":
        click.echo(L.to_json(result.to_dict()))
    else:
        click.echo(L.render_text(name, result, lang))
    return 0


@click.group(help=_h("group"))
def lab() -> None:
    """The pitfall lab."""


def _experiment(name: str, *extra_options: Callable[..., Any]) -> click.Command:
    """Register ``lab <name>``: the shared options, then ``extra_options``; run via ``_run``.

    Every option other than the output ones (--format, --lang, --plots, --no-plots) is passed to
    ``lab.run_experiment(name, ...)`` as a keyword argument; options left unset (None) are dropped.
    """

    def command(fmt: str, lang: str, plots_dir: str, no_plots: bool, **options: Any) -> int:
        return _run(name, fmt, lang, plots_dir, no_plots, options)

    for add_options in reversed((_common, _plots_option, _lr_option, *extra_options)):
        command = add_options(command)
    return lab.command(name, help=_h(name))(command)


_target_option = click.option(
    "--target", type=click.FloatRange(0, 1, min_open=True), default=None, help=_h("target")
)

overflow = _experiment("overflow")
normalize = _experiment("normalize", _target_option)
init_ = _experiment("init", _mlp_options)
symmetry = _experiment("symmetry", _mlp_options)


@lab.command("all", help=_h("all"))
@_common
@click.option("--out", type=click.Path(file_okay=False), required=True, help=_h("out"))
def all_(
    seed: int,
    dataset: str,
    data_dir: str | None,
    epochs: int | None,
    fmt: str,
    lang: str,
    out: str,
) -> int:
    from handprop import lab as L

    _check_options("lab all", {"seed": seed, "dataset": dataset}, {"--out": out})
    report = L.run_all(out, dataset=dataset, seed=seed, lang=lang, epochs=epochs, data_dir=data_dir)
    if fmt == "json":
        click.echo(L.to_json(report.to_dict()))
        return 0
    for name, result in report.results.items():
        click.echo(L.render_text(name, result, lang))
        click.echo()
    click.echo(t("lab.report_written", lang, path=str(report.path)))
    return 0


@lab.command(help=_h("trace"))
@_activation_option
@click.option(
    "--steps", type=click.IntRange(1, 1000), default=1, show_default=True, help=_h("steps")
)
@click.option(
    "--decimals", type=click.IntRange(0, 12), default=3, show_default=True, help=_h("decimals")
)
@format_option("text", "markdown", "json")
@lang_option
def trace(activation: str, steps: int, decimals: int, fmt: str, lang: str) -> int:
    from handprop.commands.step import show
    from handprop.mlp import MLP_EXAMPLE, trace_mlp

    ex = dict(MLP_EXAMPLE)
    result = trace_mlp(
        ex["x"],
        ex["W1"],
        ex["b1"],
        ex["W2"],
        ex["b2"],
        ex["y"],
        ex["lr"],
        activation,
        steps=steps,
        classes=t("core.demo.class_names", lang).split(","),  # the notes' cat/dog/pig
    )
    show(result, fmt, lang, decimals)
    return 0
