"""``handprop train``, ``handprop evaluate`` and ``handprop predict``.

``train`` loads a data set, fits :class:`~handprop.model.SoftmaxRegression` with a live progress
bar and a per-epoch table, and can save the model, plots and a checkpoint. ``evaluate`` scores a
model file on a data set (accuracy, per-class precision and recall, confusion matrix).
``predict`` classifies the user's own images.

Every check of the options, the data and the output paths runs before anything is written, so
bad input ends with one line on stderr, exit code 2 and no file created. Heavy modules (the
model, numpy-heavy data code, Pillow, matplotlib) are imported inside the commands.
"""

from __future__ import annotations

import dataclasses
import json
import math
import os
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import click

from handprop.commands._options import format_option, lang_option
from handprop.errors import InputError, ShapeError
from handprop.messages import Msg, resolve_lang, t
from handprop.train.config import LR_SCHEDULES, SGDConfig, checked_config
from handprop.train.engines import ENGINES, kernel_threads
from handprop.train.engines.parallel import is_primary, wanted
from handprop.train.scoring import TRAIN_SAMPLE

_HELP_LANG = resolve_lang(None)

NORMALIZE_CHOICES = ("none", "scale", "center", "standardize")


def _h(key: str) -> str:
    return t(key, _HELP_LANG)


# ---------------------------------------------------------------------- checks before any work


def _check_output_file(path: Path | None, option: str, where: str) -> None:
    """``path`` can be written: not a folder, in an existing, writable folder."""
    if path is None:
        return
    parent = path.parent if str(path.parent) else Path(".")
    ok = not path.is_dir() and parent.is_dir() and os.access(parent, os.W_OK)
    if ok and path.exists():
        ok = os.access(path, os.W_OK)
    if not ok:
        raise InputError(
            "err.must",
            where=where,
            name=option,
            expected=Msg("train.exp.writable_file"),
            got=str(path),
        )


def _check_output_dir(path: Path | None, option: str, where: str) -> None:
    """``path`` is a writable folder or can be created (nothing is created here)."""
    if path is None:
        return
    probe = path
    while not probe.exists():
        if probe.parent == probe:
            break
        probe = probe.parent
    ok = probe.is_dir() and os.access(probe, os.W_OK)
    if not ok:
        raise InputError(
            "err.must",
            where=where,
            name=option,
            expected=Msg("train.exp.writable_dir"),
            got=str(path),
        )


def _label_of(value: Any) -> Any:
    """A class label as a JSON value (numpy scalars to Python)."""
    return value.item() if hasattr(value, "item") else value


# ---------------------------------------------------------------------- progress on the terminal


class _RichProgress:
    """A TrainingProgress that shows epoch and batch bars above a growing per-epoch table."""

    def __init__(self, console: Any, lang: str, has_val: bool, caption: str) -> None:
        from rich.console import Group
        from rich.live import Live
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            Progress,
            TextColumn,
            TimeElapsedColumn,
        )

        self.lang = lang
        self.table = _epoch_table(lang, has_val, caption)
        self.progress = Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("{task.fields[info]}"),
            TimeElapsedColumn(),
            console=console,
        )
        self.live = Live(
            Group(self.table, self.progress), console=console, transient=True, auto_refresh=True
        )
        self.epoch_task: Any = None  # rich TaskIDs, once training begins
        self.batch_task: Any = None
        self.every = 1

    def __enter__(self) -> _RichProgress:
        self.live.__enter__()
        return self

    def __exit__(self, *exc: Any) -> None:
        self.live.__exit__(*exc)

    def on_train_begin(self, *, epochs: int, batches_per_epoch: int, start_epoch: int) -> None:
        self.epoch_task = self.progress.add_task(
            t("train.col.epoch", self.lang), total=epochs, completed=start_epoch, info=""
        )
        self.batch_task = self.progress.add_task(
            t("train.col.batch", self.lang), total=batches_per_epoch, info=""
        )
        self.every = max(1, batches_per_epoch // 50)

    def on_batch_end(self, epoch: int, batch: int, loss: float) -> None:
        if batch % self.every == 0:
            self.progress.update(
                self.batch_task,
                completed=batch,
                info=t("train.info.loss", self.lang, loss=f"{loss:.4f}"),
            )

    def on_epoch_end(self, record: Any) -> None:
        _add_epoch_row(self.table, record)
        self.progress.update(self.epoch_task, completed=record.epoch)
        self.progress.reset(self.batch_task, info="")

    def on_train_end(self, result: Any) -> None:
        pass


def _epoch_table(lang: str, has_val: bool, caption: str) -> Any:
    from rich.table import Table

    table = Table(
        title=t("train.table.title", lang), title_justify="left", caption=caption,
        caption_justify="left",
    )  # fmt: skip
    for key in ("epoch", "loss", "train_acc", "val_acc", "test_acc", "time"):
        if key == "val_acc" and not has_val:
            continue
        table.add_column(t(f"train.col.{key}", lang), justify="right")
    return table


def _pct(value: float | None) -> str:
    return "-" if value is None or not math.isfinite(value) else f"{100 * value:.2f}%"


def _add_epoch_row(table: Any, record: Any) -> None:
    """The kept model's figures after the epoch (the running ones are on the progress bar)."""
    loss = record.train_loss
    cells = [str(record.epoch), "-" if loss is None else f"{loss:.4f}"]
    cells.append(_pct(record.train_accuracy))
    if len(table.columns) == 6:
        cells.append(_pct(record.val_accuracy))
    cells.append(_pct(record.test_accuracy))
    cells.append(f"{record.seconds:.2f}s")
    table.add_row(*cells)


# ---------------------------------------------------------------------- train

#: the SGD settings the train command offers, in the order --help lists them
SGD_OPTIONS = ("epochs", "batch_size", "lr", "momentum", "weight_decay", "lr_schedule", "average")


def sgd_options(func: Any) -> Any:
    """``--epochs``, ``--batch-size``, ``--lr``, ... : one option per SGDConfig setting, with
    its default (the one home of the defaults) and its help text."""
    for name in reversed(SGD_OPTIONS):
        default = getattr(SGDConfig, name)
        kind = click.Choice(LR_SCHEDULES) if name == "lr_schedule" else type(default)
        func = click.option(
            "--" + name.replace("_", "-"),
            name,
            type=float if name == "average" else kind,
            default=default,
            show_default=True,
            help=_h(f"train.help.{name}"),
        )(func)
    return func


@click.command(help=_h("train.help.train"))
@click.option("--dataset", required=True, help=_h("train.help.dataset"))
@click.option(
    "--data-dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help=_h("train.help.data_dir"),
)
@sgd_options
@click.option("--init", "init_name", default="torch", show_default=True, help=_h("train.help.init"))
@click.option(
    "--normalize",
    type=click.Choice(NORMALIZE_CHOICES),
    default=None,
    help=_h("train.help.normalize"),
)
@click.option("--seed", type=int, default=0, show_default=True, help=_h("train.help.seed"))
@click.option("--validation", type=float, default=None, help=_h("train.help.validation"))
@click.option("--save", type=click.Path(path_type=Path), default=None, help=_h("train.help.save"))
@click.option("--plots", type=click.Path(path_type=Path), default=None, help=_h("train.help.plots"))
@click.option(
    "--checkpoint",
    type=click.Path(path_type=Path),
    default=None,
    help=_h("train.help.checkpoint"),
)
@click.option("--resume", is_flag=True, help=_h("train.help.resume"))
@click.option(
    "--engine",
    type=click.Choice(ENGINES),
    default="auto",
    show_default=True,
    help=_h("train.help.engine"),
)
@click.option("--device", default=None, help=_h("train.help.device"))
@click.option("--jobs", type=int, default=None, help=_h("train.help.jobs"))
@click.option("--quiet", "-q", is_flag=True, help=_h("train.help.quiet"))
@format_option("text", "json")
@lang_option
def train(
    dataset: str,
    data_dir: Path | None,
    engine: str,
    device: str | None,
    jobs: int | None,
    init_name: str,
    normalize: str | None,
    seed: int,
    validation: float | None,
    save: Path | None,
    plots: Path | None,
    checkpoint: Path | None,
    resume: bool,
    quiet: bool,
    fmt: str,
    lang: str,
    **sgd: Any,
) -> int:
    where = "train"
    if sgd["average"] == -1:  # the documented "keep the last step's weights"
        sgd["average"] = None
    config = checked_config(sgd, where, label=lambda name: "--" + name.replace("_", "-"))
    _check_train_options(init_name, seed, validation, checkpoint, resume, where)
    engine = _check_engine(engine, device, where)
    if jobs is not None:
        kernel_threads(jobs, "--jobs", where)
    primary = is_primary()  # in a process group only rank 0 prints and writes
    save, plots, checkpoint = (save, plots, checkpoint) if primary else (None, None, None)
    _check_output_file(save, "--save", where)
    _check_output_file(checkpoint, "--checkpoint", where)
    _check_output_dir(plots, "--plots", where)

    import numpy as np

    from handprop.data.datasets import load_dataset
    from handprop.model import SoftmaxRegression, save_model

    ds = load_dataset(dataset, data_dir=data_dir, mmap=wanted())  # ranks share the pages
    normalize = normalize or ("scale" if ds.pixel_max is not None else "standardize")
    model = SoftmaxRegression(
        **dataclasses.asdict(config),
        init=init_name,
        normalize=normalize,
        pixel_max=ds.pixel_max,
        validation_fraction=validation,
        random_state=seed,
        engine=engine,
        device=device,
        n_jobs=jobs,
    )
    from rich.console import Console

    console = Console(highlight=False)
    show = fmt == "text" and not quiet and primary
    if show:
        console.print(_start_line(ds, normalize, init_name, lang))
    started = time.perf_counter()
    table = _fit(model, ds, checkpoint, resume, console if show else None, lang)
    seconds = time.perf_counter() - started

    # class indices -> the data set's class names, so files and predictions speak in names
    model.classes_ = np.asarray(ds.classes)[model.classes_]
    test_accuracy = model.score(ds.X_test, np.asarray(ds.classes)[ds.y_test])
    if save is not None:
        save_model(
            model,
            save,
            dataset=ds.name,
            accuracy=test_accuracy,
            image_shape=ds.image_shape,
            pixel_max=ds.pixel_max,
            extra={"seed": seed, "n_train": int(ds.X_train.shape[0])},
        )
    written = _write_training_plots(model, ds, plots, lang) if plots is not None else []
    if fmt == "json" and primary:
        out = _train_json(model, ds, test_accuracy, seconds, save, written)
        click.echo(json.dumps(out, indent=2, allow_nan=False, default=_json_default))
    elif primary:
        _report(console, table, model, test_accuracy, seconds, save, written, quiet, lang)
    return 130 if model.interrupted_ else 0


def _report(
    console: Any, table: Any, model: Any, accuracy: float, seconds: float, save: Path | None,
    written: list[Path], quiet: bool, lang: str,
) -> None:  # fmt: skip
    """The end of ``train``'s text output: the epoch table, the accuracy, the files written."""
    if table is not None:
        console.print(table)
    if model.interrupted_:
        console.print(t("train.interrupted", lang, epochs=model.n_iter_))
    console.print(t("train.done", lang, accuracy=_pct(accuracy), seconds=f"{seconds:.1f}"))
    if save is not None and not quiet:
        console.print(t("train.saved", lang, path=str(save)))
    if written and not quiet:
        console.print(t("train.plots_written", lang, paths=", ".join(map(str, written))))


def _check_train_options(
    init_name: str,
    seed: int,
    validation: float | None,
    checkpoint: Path | None,
    resume: bool,
    where: str,
) -> None:
    """The options of ``train`` that are not SGD settings, checked before any work."""
    if seed < 0:  # numpy's generators take seeds >= 0 only
        raise InputError(
            "err.must", where=where, name="--seed", expected=Msg("input.exp.seed"), got=str(seed)
        )
    if validation is not None and not (0 < validation < 1):
        raise InputError(
            "err.must",
            where=where,
            name="--validation",
            expected=Msg("model.exp.fraction"),
            got=repr(validation),
        )
    from handprop.init import initialize

    initialize(init_name, 1, 1, rng=0)  # an unknown scheme fails here, before loading data
    if resume and checkpoint is None:
        raise InputError(
            "err.must",
            where=where,
            name="--resume",
            expected=Msg("train.exp.checkpoint_given"),
            got="--checkpoint",
        )
    if resume and checkpoint is not None and not checkpoint.is_file():
        raise InputError(
            "err.must",
            where=where,
            name="--checkpoint",
            expected=Msg("train.exp.existing_file"),
            got=str(checkpoint),
        )


def _check_engine(engine: str, device: str | None, where: str) -> str:
    """The engine to train with: ``--device`` asks for the torch engine (and must name a
    device that works here); any other explicit engine with a device is an error."""
    if device is None:
        return engine
    if engine not in ("auto", "torch"):
        raise InputError(
            "err.must",
            where=where,
            name="--device",
            expected=Msg("train.exp.device_engine"),
            got=f"--engine {engine}",
        )
    from handprop.train.engines.torch import resolve_device

    resolve_device(device)
    return "torch"


def _start_line(ds: Any, normalize: str, init_name: str, lang: str) -> str:
    return t(
        "train.start",
        lang,
        dataset=ds.name,
        n_train=f"{ds.X_train.shape[0]:,}",
        n_test=f"{ds.X_test.shape[0]:,}",
        D=ds.n_features,
        K=ds.n_classes,
        normalize=normalize,
        init=init_name,
    )


def _fit(
    model: Any, ds: Any, checkpoint: Path | None, resume: bool, console: Any, lang: str
) -> Any:
    """Fit ``model`` on ``ds``, scoring the kept model after every epoch on the test set and
    on (a fixed subsample of) the training rows; with a ``console``, a live progress bar above
    the growing epoch table, which is returned."""
    options: dict[str, Any] = {
        "eval_set": (ds.X_test, ds.y_test),
        "eval_train": TRAIN_SAMPLE,
        "checkpoint": checkpoint,
        "resume": resume,
        "clock": time.perf_counter,
    }
    if console is None:
        model.fit(ds.X_train, ds.y_train, **options)
        return None
    n_train = ds.X_train.shape[0]
    if model.validation_fraction is not None:
        n_train -= max(1, round(model.validation_fraction * n_train))
    caption = _sample_caption(n_train, lang)
    has_val = model.validation_fraction is not None
    with _RichProgress(console, lang, has_val, caption) as progress:
        model.fit(ds.X_train, ds.y_train, progress=progress, **options)
    return progress.table


def _sample_caption(n_train: int, lang: str) -> str:
    """Says which training rows the table's train figures were measured on."""
    if n_train <= TRAIN_SAMPLE:
        return t("train.table.caption_all", lang, n=f"{n_train:,}")
    return t("train.table.caption_sample", lang, n=f"{TRAIN_SAMPLE:,}", total=f"{n_train:,}")


def _train_json(
    model: Any, ds: Any, test_accuracy: float, seconds: float, save: Path | None, written: list
) -> dict[str, Any]:
    hyper = {k: v for k, v in model.get_params().items() if k not in ("dtype", "shuffle")}
    return {
        "dataset": ds.name,
        "n_train": int(ds.X_train.shape[0]),
        "n_test": int(ds.X_test.shape[0]),
        "hyperparameters": hyper,
        "history": [r.to_dict() for r in model.history_],
        "test_accuracy": test_accuracy,
        "interrupted": bool(model.interrupted_),
        "seconds": seconds,
        "engine": getattr(model, "engine_", None),
        "model_file": None if save is None else str(save),
        "plots": [str(p) for p in written],
    }


def _json_default(value: Any) -> Any:
    if hasattr(value, "item"):
        return value.item()
    raise TypeError(type(value).__name__)


def _write_training_plots(model: Any, ds: Any, folder: Path, lang: str) -> list[Path]:
    from handprop import plots
    from handprop.metrics import confusion_matrix

    folder.mkdir(parents=True, exist_ok=True)
    written = []
    if model.history_:
        written.append(plots.plot_curves(model.history_, folder / "curves.png", lang=lang))
    if ds.image_shape is not None:
        written.append(
            plots.plot_weights(
                model.coef_, ds.image_shape, list(model.classes_), folder / "weights.png", lang=lang
            )
        )
    logits = model.decision_function(ds.X_test)
    pred = logits.argmax(axis=1) if logits.ndim == 2 else (logits > 0).astype(int)
    cm = confusion_matrix(ds.y_test, pred, len(model.classes_))
    written.append(
        plots.plot_confusion(cm, list(model.classes_), folder / "confusion.png", lang=lang)
    )
    return written


# ---------------------------------------------------------------------- evaluate


@click.command(help=_h("train.help.evaluate"))
@click.argument("model_file", type=click.Path(path_type=Path))
@click.option("--dataset", required=True, help=_h("train.help.dataset"))
@click.option(
    "--data-dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help=_h("train.help.data_dir"),
)
@click.option(
    "--split",
    type=click.Choice(["test", "train"]),
    default="test",
    show_default=True,
    help=_h("train.help.split"),
)
@click.option(
    "--plots", type=click.Path(path_type=Path), default=None, help=_h("train.help.eval_plots")
)
@format_option("text", "json")
@lang_option
def evaluate(
    model_file: Path,
    dataset: str,
    data_dir: Path | None,
    split: str,
    plots: Path | None,
    fmt: str,
    lang: str,
) -> int:
    import numpy as np

    from handprop.data.datasets import load_dataset
    from handprop.metrics import class_report, confusion_matrix
    from handprop.model import load_model

    where = "evaluate"
    _check_output_dir(plots, "--plots", where)
    model = load_model(model_file)
    ds = load_dataset(dataset, data_dir=data_dir)
    X, y = (ds.X_test, ds.y_test) if split == "test" else (ds.X_train, ds.y_train)
    _check_model_fits(model, model_file, ds.n_features, ds.name, where)
    labels = y if model.classes_.dtype.kind in "iu" else np.asarray(ds.classes)[y]
    true_idx = model._label_indices(labels, where, name=f"labels of {ds.name}")
    logits = model._logits(X, where)
    pred_idx = logits.argmax(axis=1)
    K = len(model.classes_)
    report = class_report(confusion_matrix(true_idx, pred_idx, K))
    names = [str(c) for c in model.classes_]
    written = []
    if plots is not None:
        from handprop.plots import plot_confusion

        plots.mkdir(parents=True, exist_ok=True)
        written.append(plot_confusion(report.confusion, names, plots / "confusion.png", lang=lang))

    if fmt == "json":
        out = {
            "model": str(model_file),
            "dataset": ds.name,
            "split": split,
            "n_samples": int(X.shape[0]),
            "accuracy": report.accuracy,
            "classes": [_label_of(c) for c in model.classes_],
            "per_class": [
                {
                    "class": _label_of(model.classes_[k]),
                    "precision": _finite_or_none(report.precision[k]),
                    "recall": _finite_or_none(report.recall[k]),
                    "support": int(report.support[k]),
                }
                for k in range(K)
            ],
            "confusion": report.confusion.tolist(),
            "plots": [str(p) for p in written],
        }
        click.echo(json.dumps(out, indent=2, allow_nan=False))
        return 0

    from rich.console import Console
    from rich.table import Table

    console = Console(highlight=False)
    console.print(
        t(
            "train.eval.summary",
            lang,
            model=str(model_file),
            dataset=ds.name,
            split=split,
            n=f"{X.shape[0]:,}",
            accuracy=_pct(report.accuracy),
        )
    )
    per_class = Table(title=t("train.eval.per_class", lang), title_justify="left")
    for key in ("class", "precision", "recall", "support"):
        per_class.add_column(
            t(f"train.col.{key}", lang), justify="left" if key == "class" else "right"
        )
    for k in range(K):
        per_class.add_row(
            names[k], _pct(report.precision[k]), _pct(report.recall[k]), str(report.support[k])
        )
    console.print(per_class)
    confusion = Table(title=t("train.eval.confusion", lang), title_justify="left")
    confusion.add_column(t("train.col.true_pred", lang), justify="left")
    for name in names:
        confusion.add_column(name[:8], justify="right")
    peak = max(int(report.confusion.max()), 1)
    for i in range(K):
        cells = []
        for j in range(K):
            value = int(report.confusion[i, j])
            style = "bold green" if i == j else ("red" if value > 0.02 * peak else "dim")
            cells.append(f"[{style}]{value}[/]")
        confusion.add_row(names[i][:12], *cells)
    console.print(confusion)
    if written:
        console.print(t("train.plots_written", lang, paths=", ".join(map(str, written))))
    return 0


def _finite_or_none(value: float) -> float | None:
    return float(value) if math.isfinite(value) else None


def _check_model_fits(model: Any, path: Path, n_features: int, name: str, where: str) -> None:
    if model.n_features_in_ != n_features:
        raise ShapeError(
            "train.err.model_shape",
            where=where,
            model=str(path),
            expected=model.n_features_in_,
            dataset=name,
            got=n_features,
        )


# ---------------------------------------------------------------------- predict


@click.command(help=_h("train.help.predict"))
@click.argument("model_file", type=click.Path(path_type=Path))
@click.argument("images", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--top", type=int, default=3, show_default=True, help=_h("train.help.top"))
@click.option(
    "--show-input",
    type=click.Path(path_type=Path),
    default=None,
    help=_h("train.help.show_input"),
)
@format_option("text", "json")
@lang_option
def predict(
    model_file: Path,
    images: Sequence[Path],
    top: int,
    show_input: Path | None,
    fmt: str,
    lang: str,
) -> int:
    import numpy as np

    from handprop.data.images import load_image, save_input_image
    from handprop.model import load_model
    from handprop.validation import positive_int

    where = "predict"
    top = positive_int(top, "--top", where)
    _check_output_dir(show_input, "--show-input", where)
    model = load_model(model_file)
    meta = getattr(model, "metadata_", {}) or {}
    image_shape = meta.get("image_shape")
    if image_shape is None:
        raise InputError("train.err.not_image_model", model=str(model_file))
    image_shape = (int(image_shape[0]), int(image_shape[1]))
    pixel_max = float(meta.get("pixel_max") or 255.0)
    pixels = [load_image(p, image_shape=image_shape, pixel_max=pixel_max) for p in images]
    X = np.stack([p.reshape(-1) for p in pixels])
    _check_model_fits(model, model_file, X.shape[1], "image", where)
    proba = np.asarray(model.predict_proba(X), dtype=np.float64)

    saved = []
    if show_input is not None:
        show_input.mkdir(parents=True, exist_ok=True)
        for i, (path, pix) in enumerate(zip(images, pixels, strict=True)):
            target = show_input / f"{i:02d}-{Path(path).stem}-input.png"
            save_input_image(pix, target, pixel_max=pixel_max)
            saved.append(target)

    results = []
    for i, path in enumerate(images):
        p = proba[i]
        best = int(np.argmax(p))
        results.append(
            {
                "image": str(path),
                "predicted": _label_of(model.classes_[best]),
                "probabilities": {
                    str(_label_of(c)): float(round(p[k], 6)) for k, c in enumerate(model.classes_)
                },
            }
        )
    if fmt == "json":
        payload: Any = results[0] if len(results) == 1 else results
        click.echo(json.dumps(payload, indent=2, ensure_ascii=False))
        return 0

    from rich.console import Console

    console = Console(highlight=False)
    width = 30
    for i, result in enumerate(results):
        p = proba[i]
        console.print(
            t(
                "train.pred.header",
                lang,
                image=result["image"],
                label=str(result["predicted"]),
                p=_pct(float(p.max())),
            )
        )
        order = np.argsort(-p, kind="stable")[:top]
        label_width = max(len(str(c)) for c in model.classes_)
        for k in order:
            n = round(float(p[k]) * width)
            bar = "█" * n + "·" * (width - n)
            console.print(f"  {model.classes_[k]!s:>{label_width}}  {bar} {_pct(float(p[k]))}")
        if saved:
            console.print(t("train.pred.saved_input", lang, path=str(saved[i])))
    return 0
