"""The pitfall lab: the warnings of the notes turned into experiments that measure.

Four experiments, each a module with ``run(...) -> result`` (a dataclass of measured numbers
with ``to_dict()``), ``tables(result)``, ``conclusion(result, lang)`` (sentences chosen and
filled by the numbers) and ``plots(result, folder, lang)`` (PNG files):

========== ===============================================================================
overflow   the naive softmax on raw-pixel logits, and training on raw 0..255 vs scaled inputs
normalize  none / scale / center / standardize: loss curves and epochs to a target accuracy
init       six init schemes on softmax regression and on a one-hidden-layer network
symmetry   the hidden-layer symmetry trap: equal units stay equal
========== ===============================================================================

:func:`run_all` runs every experiment and writes one Markdown report with the plots. Each run
is seeded, offline on the bundled ``mnist-5k`` (or ``digits``) by default, and takes seconds.
"""

from __future__ import annotations

import importlib
import json
import math
import os
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any

from handprop.messages import t

EXPERIMENTS = ("overflow", "normalize", "init", "symmetry")
_MODULES = {
    "overflow": "handprop.lab.overflow",
    "normalize": "handprop.lab.normalize",
    "init": "handprop.lab.initialization",
    "symmetry": "handprop.lab.symmetry",
}


def module(name: str) -> ModuleType:
    """The module of experiment ``name``."""
    return importlib.import_module(_MODULES[name])


def run_experiment(name: str, **options: Any) -> Any:
    """``module(name).run(**options)``."""
    return module(name).run(**options)


def write_plots(name: str, result: Any, folder: str | Path, lang: str = "en") -> list[Path]:
    """Save the experiment's PNG plots in ``folder``; their paths are also kept in ``result``."""
    paths = module(name).plots(result, folder, lang)
    result.plots = [str(p) for p in paths]
    return paths


def conclusion(name: str, result: Any, lang: str = "en") -> str:
    """``module(name).conclusion(result, lang)``: sentences chosen by the measured numbers."""
    return module(name).conclusion(result, lang)


def settings_text(name: str, result: Any, lang: str) -> str:
    """One line with the data set, seed and hyperparameters of a result."""
    text = t(
        "lab.settings",
        lang,
        dataset=result.dataset,
        seed=result.seed,
        lr=f"{result.lr:g}",
        batch=result.batch_size,
        epochs=result.epochs,
    )
    if hasattr(result, "hidden"):
        text += t("lab.settings_hidden", lang, hidden=result.hidden, act=result.activation)
    if hasattr(result, "target"):
        text += t("lab.settings_target", lang, target=f"{100 * result.target:.0f}%")
    return text


def render_text(name: str, result: Any, lang: str = "en") -> str:
    """Title, settings, tables, conclusion and plot files as plain text."""
    parts = [t(f"lab.{name}.title", lang), settings_text(name, result, lang), ""]
    for table in module(name).tables(result):
        parts += [table.text(lang), ""]
    sep = "" if lang == "zh" else " "
    parts.append(t("lab.conclusion", lang) + sep + conclusion(name, result, lang))
    if result.plots:
        parts += ["", t("lab.plots_written", lang, paths=", ".join(result.plots))]
    return "\n".join(parts)


def render_markdown(
    name: str, result: Any, lang: str = "en", *, relative_to: str | Path | None = None
) -> str:
    """A Markdown section: heading, settings, tables, plots (as images), conclusion."""
    parts = [f"## {t(f'lab.{name}.title', lang)}", "", settings_text(name, result, lang), ""]
    parts += [t(f"lab.{name}.why", lang), ""]
    for table in module(name).tables(result):
        parts += [table.markdown(lang), ""]
    for path in result.plots:
        shown = Path(path if relative_to is None else os.path.relpath(path, relative_to))
        parts += [f"![{shown.stem}]({shown.as_posix()})", ""]
    parts += [f"**{t('lab.conclusion', lang)}** {conclusion(name, result, lang)}", ""]
    return "\n".join(parts)


def to_json(data: Any) -> str:
    """JSON text with NaN/inf written as null (strict JSON)."""
    return json.dumps(_clean(data), ensure_ascii=False, indent=2)


def _clean(value: Any) -> Any:
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {str(k): _clean(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_clean(v) for v in value]
    if hasattr(value, "item") and not isinstance(value, (str, bytes)):
        return _clean(value.item())
    return value


@dataclass
class Report:
    """What :func:`run_all` produced: the results by experiment and the report file."""

    results: dict[str, Any]
    path: Path
    seconds: dict[str, float] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {
            "report": str(self.path),
            "seconds": dict(self.seconds),
            **{name: r.to_dict() for name, r in self.results.items()},
        }


def run_all(
    out: str | Path,
    *,
    dataset: str | None = None,
    seed: int = 0,
    lang: str = "en",
    epochs: int | None = None,
    data_dir: str | None = None,
    experiments: tuple[str, ...] = EXPERIMENTS,
) -> Report:
    """Run every experiment, save the plots in ``out`` and write ``out/report.md``."""
    import time

    from handprop.fileio import atomic_write
    from handprop.lab._common import DEFAULT_DATASET, check_seed, load

    check_seed(seed)
    ds = load(dataset or DEFAULT_DATASET, data_dir)  # a bad name or file fails before any write
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    options: dict[str, Any] = {"seed": seed, "ds": ds}
    if epochs is not None:
        options["epochs"] = epochs
    results: dict[str, Any] = {}
    seconds: dict[str, float] = {}
    for name in experiments:
        t0 = time.perf_counter()
        results[name] = run_experiment(name, **options)
        write_plots(name, results[name], out, lang)
        seconds[name] = time.perf_counter() - t0
    lines = [
        f"# {t('lab.report.title', lang)}",
        "",
        t("lab.report.intro", lang, dataset=ds.name, seed=seed),
        "",
    ]
    for name in experiments:
        lines.append(render_markdown(name, results[name], lang, relative_to=out))
    path = out / "report.md"
    with atomic_write(path) as handle:
        handle.write("\n".join(lines).encode("utf-8"))
    return Report(results, path, seconds)
