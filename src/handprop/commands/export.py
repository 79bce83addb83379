"""``handprop export MODEL --format onnx|state-dict -o FILE``: a model file for other runtimes.

``onnx`` writes the graph of :mod:`handprop.onnx` (raw features in, normalisation inside,
``label`` and ``probabilities`` out); ``state-dict`` writes the ``weight`` and ``bias`` of a
PyTorch ``nn.Linear`` with ``torch.save`` (plain tensors; the normalisation is not part of a
Linear layer, so the command says what to apply first). The output folder, the optional
package and the model file are checked before anything is built, and the file is written
atomically: bad input ends with one line, exit code 2 and nothing written.
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import click

from handprop.commands._options import lang_option
from handprop.errors import InputError
from handprop.messages import Msg, resolve_lang, t

_HELP_LANG = resolve_lang(None)
FORMATS = ("onnx", "state-dict")


def _h(key: str) -> str:
    return t(key, _HELP_LANG)


@click.command(help=_h("export.help"))
@click.argument("model_file", type=click.Path(path_type=Path))
@click.option(
    "--format",
    "fmt",
    type=click.Choice(FORMATS),
    default="onnx",
    show_default=True,
    help=_h("export.help.format"),
)
@click.option(
    "-o", "--output", type=click.Path(path_type=Path), required=True, help=_h("export.help.output")
)
@click.option("--opset", type=int, default=17, show_default=True, help=_h("export.help.opset"))
@lang_option
def export(model_file: Path, fmt: str, output: Path, opset: int, lang: str) -> int:
    _check_output(output)
    if fmt == "onnx":
        from handprop.onnx_graph import check_opset, require

        require("onnx", "export")
        check_opset(opset, "export", "--opset")
    else:
        _require_torch()
    from handprop.fileio import write_atomic
    from handprop.model import load_model

    model = load_model(model_file)
    K, D = model.coef_.shape
    if fmt == "onnx":
        data = model.to_onnx(opset=opset).SerializeToString()
        done = Msg("export.done.onnx", path=output, opset=opset, D=D, K=K, norm=_norm(model))
    else:
        data = _state_dict_bytes(model)
        done = Msg("export.done.state_dict", path=output, D=D, K=K, norm=_norm(model))
    write_atomic(output, data)
    click.echo(done.text(lang))
    return 0


def _check_output(path: Path) -> None:
    """``path`` names a file in an existing folder (writing it may still fail, atomically)."""
    folder = path.parent if str(path.parent) else Path(".")
    if path.is_dir() or not folder.is_dir():
        raise InputError(
            "err.must",
            where="export",
            name="-o",
            expected=Msg("train.exp.writable_file"),
            got=str(path),
        )


def _require_torch() -> None:
    try:
        import torch  # noqa: F401
    except ImportError:
        raise InputError(
            "export.err.missing_package", where="export", package="torch", extra="torch"
        ) from None


def _state_dict_bytes(model: Any) -> bytes:
    """``torch.save`` of ``{"weight": (K, D), "bias": (K,)}``, plain tensors (no pickled class)."""
    import torch

    from handprop.model import export_state_dict

    buf = io.BytesIO()
    torch.save(export_state_dict(model), buf)
    return buf.getvalue()


def _norm(model: Any) -> Msg:
    """What the model does to raw inputs, in words (``scale: x / 255``)."""
    norm = getattr(model, "normalizer_", None)
    if norm is None:
        return Msg("export.norm.none", m="")
    kind = norm.kind
    return Msg(
        f"export.norm.{kind}", m=f"{norm.pixel_max:g}" if kind in ("scale", "center") else ""
    )
