"""ONNX export inside scikit-learn: importing this module registers a skl2onnx converter.

After ``import handprop.onnx``, a Pipeline ending in :class:`~handprop.model.SoftmaxRegression`
(``StandardScaler`` then SoftmaxRegression, say) converts with
``skl2onnx.to_onnx(pipeline, X[:1])`` and gives what skl2onnx gives for LogisticRegression:
``output_label`` and ``output_probability`` (a ZipMap, skl2onnx's default), ``label`` and
``probabilities`` with ``options={"zipmap": False}``, or one output per class with
``"columns"``. The nodes are those of :func:`handprop.onnx_graph.emit_graph`, the same as the
standalone export's. :func:`to_onnx` takes a SoftmaxRegression or a Pipeline and names a step
that skl2onnx cannot convert. Needs ``pip install 'handprop[onnx]'``.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from handprop.errors import InputError
from handprop.messages import Msg
from handprop.onnx_graph import (
    LABEL_NAME,
    MIN_OPSET,
    PROBA_NAME,
    check_opset,
    emit_graph,
    labels,
    model_to_onnx,
    require,
    tensor_type,
)

#: skl2onnx's name for the converter registered here
ALIAS = "HandpropSoftmaxRegression"


def to_onnx(model: Any, X: Any = None, *, opset: int = MIN_OPSET, options: Any = None) -> Any:
    """The ONNX graph (``onnx.ModelProto``) of a fitted SoftmaxRegression or of a Pipeline.

    Parameters
    ----------
    model : SoftmaxRegression or a scikit-learn estimator (a Pipeline) ending in one
        A SoftmaxRegression gives :func:`handprop.onnx_graph.model_to_onnx`'s graph; anything
        else goes through ``skl2onnx.to_onnx(model, X[:1], target_opset=opset,
        options=options)``.
    X : array_like of shape (n_samples, n_features), only for a Pipeline
        Sample input whose dtype and width set the graph's input (skl2onnx's convention).
    opset : int, default 17
        The ai.onnx opset, from 17 to the newest the installed ``onnx`` knows.
    options : dict, optional, only for a Pipeline
        skl2onnx's conversion options, e.g. ``{SoftmaxRegression: {"zipmap": False}}``.

    Raises
    ------
    InputError
        When ``onnx`` (or, for a Pipeline, ``skl2onnx``) is not installed, the model is not
        fitted, the opset is out of range, or a Pipeline step cannot be converted.
    """
    from handprop.model import SoftmaxRegression

    if isinstance(model, SoftmaxRegression):
        return model_to_onnx(model, opset=opset)
    check_opset(opset, "to_onnx")
    return _pipeline_to_onnx(model, X, opset, options)


class _ContainerBuilder:
    """Puts the same nodes into skl2onnx's container, with names unique in its scope."""

    def __init__(self, scope: Any, container: Any) -> None:
        self.scope, self.container = scope, container

    def constant(self, hint: str, value: np.ndarray) -> str:
        from onnx import TensorProto

        name = self.scope.get_unique_variable_name(hint)
        value = np.asarray(value)
        if value.dtype == object:
            content = [str(s).encode("utf-8") for s in value.ravel()]
            self.container.add_initializer(name, TensorProto.STRING, list(value.shape), content)
        else:
            onnx_type = tensor_type(value.dtype)
            self.container.add_initializer(name, onnx_type, list(value.shape), value.ravel())
        return name

    def node(
        self,
        op_type: str,
        inputs: list[str],
        output: str | None = None,
        *,
        hint: str = "",
        **attrs: Any,
    ) -> str:
        output = output or self.scope.get_unique_variable_name(hint or op_type.lower())
        name = self.scope.get_unique_operator_name(op_type)
        self.container.add_node(op_type, inputs, output, name=name, **attrs)
        return output


def _skl2onnx_dtype(variable: Any) -> Any:
    from skl2onnx.common.data_types import DoubleTensorType

    return np.float64 if isinstance(variable.type, DoubleTensorType) else np.float32


def _shape_calculator(operator: Any) -> None:
    """skl2onnx's shape step: label (N,) int64 or string, probabilities (N, K) as the input."""
    from skl2onnx.common.data_types import (
        DoubleTensorType,
        FloatTensorType,
        Int64TensorType,
        StringTensorType,
    )

    model = operator.raw_operator
    model._check_fitted("to_onnx")
    source = operator.inputs[0]
    width = source.type.shape[1] if len(source.type.shape) == 2 else None
    if width is not None and width != model.n_features_in_:
        raise InputError(
            "model.n_features", where="to_onnx", got=width, expected=model.n_features_in_
        )
    N = source.get_first_dimension()
    is_text = _classes(operator.scope_inst, model).dtype == object
    operator.outputs[0].type = (StringTensorType if is_text else Int64TensorType)([N])
    float_type = DoubleTensorType if _skl2onnx_dtype(source) == np.float64 else FloatTensorType
    operator.outputs[1].type = float_type([N, len(model.classes_)])


def _converter(scope: Any, operator: Any, container: Any) -> None:
    """skl2onnx's conversion step: :func:`emit_graph` into the container."""
    label, proba = operator.outputs[0].full_name, operator.outputs[1].full_name
    builder = _ContainerBuilder(scope, container)
    source = operator.inputs[0]
    model = operator.raw_operator
    classes = _classes(scope, model)
    emit_graph(builder, model, source.full_name, label, proba, _skl2onnx_dtype(source), classes)


def _classes(scope: Any, model: Any) -> np.ndarray:
    """The labels of the outputs: classes_, or 0..K-1 with skl2onnx's option ``nocl``."""
    from skl2onnx.common.utils_classifier import get_label_classes

    return labels(get_label_classes(scope, model))


def _parser(scope: Any, model: Any, inputs: list[Any], custom_parsers: Any = None) -> list[Any]:
    """Declare ``label`` and ``probabilities``, then skl2onnx's ZipMap as for its classifiers.

    skl2onnx's gallery writes custom classifier parsers this way (``_apply_zipmap``); its
    default parser would only see a classifier in a ClassifierMixin.
    """
    from skl2onnx._parse import _apply_zipmap
    from skl2onnx.common.data_types import Int64TensorType, guess_tensor_type

    options = scope.get_options(model, {"zipmap": True})
    operator = scope.declare_local_operator(ALIAS, model)
    operator.inputs = inputs
    label = scope.declare_local_variable(LABEL_NAME, Int64TensorType())
    proba = scope.declare_local_variable(PROBA_NAME, guess_tensor_type(inputs[0].type))
    operator.outputs.extend([label, proba])
    if options["zipmap"] is False:
        return operator.outputs
    return _apply_zipmap(options["zipmap"], scope, model, inputs[0].type, operator.outputs)


def register() -> bool:
    """Register the converter with skl2onnx (done on import); False if it is not installed."""
    try:
        from skl2onnx import update_registered_converter
    except ImportError:
        return False
    from handprop.model import SoftmaxRegression

    update_registered_converter(
        SoftmaxRegression,
        ALIAS,
        _shape_calculator,
        _converter,
        parser=_parser,
        options={"zipmap": [True, False, "columns"], "nocl": [False, True]},
    )
    return True


def _pipeline_to_onnx(model: Any, X: Any, opset: int, options: Any) -> Any:
    skl2onnx = require("skl2onnx", "to_onnx")
    if X is None:
        raise InputError(
            "err.must",
            where="to_onnx",
            name="X",
            expected=Msg("export.exp.sample"),
            got="None",
        )
    register()
    sample = np.asarray(X)[:1]
    try:
        return skl2onnx.to_onnx(model, sample, target_opset=opset, options=options)
    except RuntimeError as err:  # skl2onnx's MissingShapeCalculator, MissingConverter, ...
        raise InputError(
            "export.err.step",
            step=_unconvertible_step(model, skl2onnx),
            reason=" ".join(str(err).split(". ")[0].split())[:200],  # its first sentence
        ) from None


def _unconvertible_step(model: Any, skl2onnx: Any) -> str:
    """The first step (``name (Type)``) that skl2onnx has no converter for, else the model."""
    steps = getattr(model, "steps", None) or [(type(model).__name__, model)]
    for name, step in steps:
        if step in (None, "passthrough"):
            continue
        try:
            skl2onnx.get_model_alias(type(step))
        except RuntimeError:
            return f"{name!r} ({type(step).__name__})"
    return type(model).__name__


register()
