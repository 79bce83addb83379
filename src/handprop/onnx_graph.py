"""The ONNX graph of a :class:`~handprop.model.SoftmaxRegression`, written once.

The graph takes the raw features the model was trained on and repeats ``predict_proba`` and
``predict``::

    X : (N, D) float32                   the input, as given to predict_proba
    X' = (X - offset) / divisor          the model's normalisation, if any: Sub, Div
    Z  = X' @ W.T + b          (N, K)    Gemm(transB=1)
    probabilities = softmax(Z) (N, K)    Softmax(axis=1), float32
    label = classes[argmax_k Z] (N,)     ArgMax, Gather: int64 or string, as classes_

``offset`` and ``divisor`` are the fitted Normalizer's own (0 and pixel_max for ``scale``,
pixel_max/2 twice for ``center``, mean and standard deviation for ``standardize``), in the
model's dtype; a float64 model computes in float64 between a Cast in and a Cast out.

:func:`emit_graph` writes these nodes into a builder; :func:`model_to_onnx` makes the
standalone ``onnx.ModelProto`` from them (``SoftmaxRegression.to_onnx()``, ``handprop export``),
and :mod:`handprop.onnx` puts the same nodes into skl2onnx's converter for Pipelines. Only the
``onnx`` package is needed here (``pip install 'handprop[onnx]'``), not skl2onnx, whose import
(all of scikit-learn's converters) takes seconds.
"""

from __future__ import annotations

import importlib
from typing import Any, Protocol

import numpy as np

from handprop.errors import InputError
from handprop.messages import Msg
from handprop.validation import describe

#: the lowest ONNX opset written (and the default)
MIN_OPSET = 17
INPUT_NAME = "X"
LABEL_NAME = "label"
PROBA_NAME = "probabilities"


def require(module: str, where: str, extra: str = "onnx") -> Any:
    """``import module``, or the one-line error that says to install ``handprop[extra]``."""
    try:
        return importlib.import_module(module)
    except ImportError:
        raise InputError(
            "export.err.missing_package", where=where, package=module, extra=extra
        ) from None


def check_opset(opset: Any, where: str, name: str = "opset") -> int:
    """``opset`` if it is an int from :data:`MIN_OPSET` to the newest the installed onnx knows."""
    newest = require("onnx", where).defs.onnx_opset_version()
    if isinstance(opset, bool) or not isinstance(opset, int) or not MIN_OPSET <= opset <= newest:
        raise InputError(
            "err.must",
            where=where,
            name=name,
            expected=Msg("export.exp.opset", low=MIN_OPSET, high=newest),
            got=describe(opset),
        )
    return opset


# ---------------------------------------------------------------------- the nodes


class Builder(Protocol):
    """Where :func:`emit_graph` puts its constants and nodes.

    ``constant`` and ``node`` return the name of what they made: a fresh name made from
    ``hint`` (or the op type), or for a node exactly ``output`` when given (a graph output).
    """

    def constant(self, hint: str, value: np.ndarray) -> str: ...

    def node(
        self,
        op_type: str,
        inputs: list[str],
        output: str | None = None,
        *,
        hint: str = "",
        **attrs: Any,
    ) -> str: ...


def labels(classes: np.ndarray) -> np.ndarray:
    """classes_ as ONNX can carry them: strings as they are, every number as int64.

    Integral floats and booleans become int64 (as skl2onnx does for LogisticRegression);
    labels that int64 cannot hold exactly are refused.
    """
    classes = np.asarray(classes)
    if classes.dtype.kind in "UO":
        return classes.astype(str).astype(object)
    as_int = classes.astype(np.int64)
    if not np.array_equal(as_int, classes):
        raise InputError(
            "err.must",
            where="to_onnx",
            name="classes_",
            expected=Msg("export.exp.labels"),
            got=describe(classes),
        )
    return as_int


def emit_graph(
    g: Builder, model: Any, x: str, label: str, proba: str, io_dtype: Any, classes: np.ndarray
) -> None:
    """Nodes from the raw input ``x`` (of ``io_dtype``) to the outputs ``label`` and ``proba``.

    The one description of the exported math, used by both ways in (module docstring).
    ``classes`` : (K,) int64 or object (strings), the labels ``label`` takes (:func:`labels`).
    """
    W, b = np.asarray(model.coef_), np.asarray(model.intercept_)  # (K, D), (K,)
    dtype = W.dtype
    h = x
    if dtype != io_dtype:
        h = g.node("Cast", [h], to=tensor_type(dtype))
    norm = getattr(model, "normalizer_", None)
    affine = None if norm is None else norm.affine(dtype)
    if affine is not None:
        # the Normalizer's own x' = (x - offset) / divisor, in the model's dtype
        offset, divisor = affine
        if np.any(offset != 0):
            h = g.node("Sub", [h, g.constant("offset", offset)])
        h = g.node("Div", [h, g.constant("divisor", divisor)])
    Z = g.node(
        "Gemm", [h, g.constant("coef", W), g.constant("intercept", b)], hint="logits", transB=1
    )
    if dtype == io_dtype:
        g.node("Softmax", [Z], proba, axis=1)
    else:
        p = g.node("Softmax", [Z], axis=1)
        g.node("Cast", [p], proba, to=tensor_type(io_dtype))
    index = g.node("ArgMax", [Z], hint="class_index", axis=1, keepdims=0)  # (N,), the first maximum
    g.node("Gather", [g.constant("classes", classes), index], label, axis=0)


def tensor_type(dtype: Any) -> int:
    """The ONNX element type (``onnx.TensorProto``'s number) of a NumPy ``dtype``."""
    from onnx import helper

    return helper.np_dtype_to_tensor_dtype(np.dtype(dtype))


# ---------------------------------------------------------------------- the standalone model


class _GraphBuilder:
    """Collects nodes and initialisers for ``onnx.helper.make_graph``."""

    def __init__(self, reserved: tuple[str, ...] = ()) -> None:
        self.nodes: list[Any] = []
        self.initializers: list[Any] = []
        self._used: set[str] = set(reserved)  # the graph's input and output names

    def _unique(self, hint: str) -> str:
        name, i = hint, 1
        while name in self._used:
            i += 1
            name = f"{hint}_{i}"
        self._used.add(name)
        return name

    def constant(self, hint: str, value: np.ndarray) -> str:
        from onnx import numpy_helper

        name = self._unique(hint)
        self.initializers.append(numpy_helper.from_array(np.asarray(value), name))
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
        from onnx import helper

        output = output or self._unique(hint or op_type.lower())
        node_name = self._unique(f"{op_type}_node")
        self.nodes.append(helper.make_node(op_type, inputs, [output], name=node_name, **attrs))
        return output


def model_to_onnx(model: Any, *, opset: int = MIN_OPSET) -> Any:
    """The standalone graph of a fitted SoftmaxRegression (``onnx.ModelProto``, checked).

    Input ``X`` of shape (N, D), float32, N symbolic; outputs ``label`` (N,), int64 or string
    as ``classes_``, and ``probabilities`` (N, K) float32, columns as ``classes_``. ``opset``:
    the ai.onnx opset, from 17 to the newest the installed ``onnx`` knows. Raises InputError
    when onnx is not installed, the model is not fitted or the opset is out of range.
    """
    check_opset(opset, "to_onnx")
    from onnx import TensorProto, checker, helper

    from handprop._version import __version__

    model._check_fitted("to_onnx")
    K, D = model.coef_.shape
    classes = labels(model.classes_)
    label_type = TensorProto.STRING if classes.dtype == object else TensorProto.INT64
    g = _GraphBuilder(reserved=(INPUT_NAME, LABEL_NAME, PROBA_NAME))
    emit_graph(g, model, INPUT_NAME, LABEL_NAME, PROBA_NAME, np.float32, classes)
    graph = helper.make_graph(
        g.nodes,
        "handprop_softmax_regression",
        inputs=[helper.make_tensor_value_info(INPUT_NAME, TensorProto.FLOAT, ["N", D])],
        outputs=[
            helper.make_tensor_value_info(LABEL_NAME, label_type, ["N"]),
            helper.make_tensor_value_info(PROBA_NAME, TensorProto.FLOAT, ["N", K]),
        ],
        initializer=g.initializers,
    )
    opsets = [helper.make_opsetid("", opset)]
    proto = helper.make_model(
        graph,
        opset_imports=opsets,
        ir_version=helper.find_min_ir_version_for(opsets),
        producer_name="handprop",
        producer_version=__version__,
        doc_string="softmax(normalize(X) @ W.T + b); label = classes[argmax]",
    )
    norm = getattr(model, "normalizer_", None)
    helper.set_model_props(proto, {"normalize": "none" if norm is None else norm.kind})
    checker.check_model(proto, full_check=True)
    return proto
