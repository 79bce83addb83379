"""``handprop data list`` and ``handprop data fetch NAME``: the known data sets and their cache.

``list`` shows every registered data set (classes, sizes, where it is found offline) without
reading or hashing any data; ``fetch`` makes one available offline: it finds it (data folder,
cache, Debian's package), else downloads and checks it, and builds the decoded cache.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import click

from handprop.commands._options import format_option, lang_option
from handprop.messages import resolve_lang, t

_HELP_LANG = resolve_lang(None)


def _data_dir_option(func):  # type: ignore[no-untyped-def]
    return click.option(
        "--data-dir",
        type=click.Path(file_okay=False, path_type=Path),
        default=None,
        help=t("data.help.data_dir", _HELP_LANG),
    )(func)


@click.group(help=t("data.help.group", _HELP_LANG))
def data() -> None:
    pass


def _size(n: int | None) -> str:
    if n is None:
        return "-"
    return f"{n / 1e6:.1f} MB"


def _where(row: dict[str, Any], lang: str) -> str:
    kind = row["where_kind"]
    if kind is None:
        return t("data.where.missing", lang, name=row["name"])
    return t(f"data.where.{kind}", lang, path=row["where"], origin=row["origin"])


@data.command("list", help=t("data.help.list", _HELP_LANG))
@_data_dir_option
@format_option("text", "json")
@lang_option
def list_datasets(data_dir: Path | None, fmt: str, lang: str) -> int:
    from handprop.data.datasets import DATASETS, dataset_status

    rows = [dataset_status(name, data_dir, lang=lang) for name in DATASETS]
    if fmt == "json":
        click.echo(json.dumps(rows, indent=2, ensure_ascii=False))
        return 0
    from rich.console import Console
    from rich.table import Table

    table = Table(title=t("data.list.title", lang), title_justify="left")
    for key, justify in (
        ("data.col.name", "left"),
        ("data.col.classes", "right"),
        ("data.col.train", "right"),
        ("data.col.test", "right"),
        ("data.col.download", "right"),
        ("data.col.where", "left"),
    ):
        table.add_column(t(key, lang), justify=justify, overflow="fold")  # type: ignore[arg-type]
    for row in rows:
        table.add_row(
            row["name"],
            str(row["n_classes"]),
            f"{row['n_train']:,}",
            f"{row['n_test']:,}",
            _size(row["download_bytes"]),
            _where(row, lang),
        )
    console = Console(highlight=False)
    if not console.is_terminal:  # a pipe or a file: no terminal width to respect
        console = Console(highlight=False, width=160)
    console.print(table)
    for row in rows:
        console.print(f"[bold]{row['name']}[/bold]: {row['description']}", soft_wrap=True)
    return 0


@data.command("fetch", help=t("data.help.fetch", _HELP_LANG))
@click.argument("name")
@_data_dir_option
@click.option("--quiet", is_flag=True, help=t("data.help.quiet", _HELP_LANG))
@lang_option
def fetch(name: str, data_dir: Path | None, quiet: bool, lang: str) -> int:
    from handprop.data.datasets import get_spec, load_dataset

    spec = get_spec(name)  # an unknown name fails here, before any output
    if quiet or not sys.stderr.isatty():
        ds = load_dataset(spec.name, data_dir=data_dir, download=True)
    else:
        from rich.progress import DownloadColumn, Progress, TransferSpeedColumn

        with Progress(
            *Progress.get_default_columns(),
            DownloadColumn(),
            TransferSpeedColumn(),
            console=_stderr_console(),
            transient=True,
        ) as bar:
            tasks: dict[str, Any] = {}

            def progress(file_name: str, done: int, total: int | None) -> None:
                if file_name not in tasks:
                    tasks[file_name] = bar.add_task(file_name, total=total)
                bar.update(tasks[file_name], completed=done, total=total)

            ds = load_dataset(spec.name, data_dir=data_dir, download=True, progress=progress)
    if not quiet:
        click.echo(
            t(
                "data.fetch.done",
                lang,
                name=ds.name,
                n_train=f"{len(ds.y_train):,}",
                n_test=f"{len(ds.y_test):,}",
                where=ds.source,
            )
        )
    return 0


def _stderr_console():  # type: ignore[no-untyped-def]
    from rich.console import Console

    return Console(stderr=True)
