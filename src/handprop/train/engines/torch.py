"""The torch engine: the reference step on PyTorch tensors, with the data on the device.

``TorchEngine`` runs the steps of the reference engine with the tensor transcriptions of the
formulas in :mod:`handprop.torch_backend`, with no autograd, on any PyTorch device:

* X and y are placed on the device once (uint8 images stay uint8 there; the normalisation,
  ``x / 255`` or a fitted :class:`~handprop.data.preprocessing.Normalizer`, is applied to each
  gathered batch on the device). Each epoch's order is drawn on the host from the state's
  generator, exactly as for the NumPy engines, and copied to the device once, so the same seed
  gives the same batches. A data set larger than the device's free memory stays in host
  memory: each batch is gathered there into one of two pinned buffers and copied on a side
  stream while the previous batch computes (:class:`_Streamed`).
* On a GPU nothing waits for the device between batches: the loss and the count of right
  predictions stay on the device, momentum and iterate averaging too, and the loop checks
  that the loss is finite every ``check_every`` batches (:data:`GPU_CHECK_EVERY`) and at the
  end of the epoch, rolling back to the weights of the last check. Each full batch's step
  (gradient and update) is one replay of a captured CUDA graph (:class:`_GraphStep`); the
  ragged last batch runs eagerly.
* On the CPU the same code runs on CPU tensors (no copies: X is shared with NumPy), checked
  every batch as the NumPy engines are; this is how the tests compare it with the reference.
"""

from __future__ import annotations

import warnings
from collections.abc import Generator
from typing import Any

import numpy as np
from numpy.typing import NDArray

from handprop.errors import InputError
from handprop.messages import Msg
from handprop.torch_backend import (
    cross_entropy,
    default_device,
    delta,
    import_torch,
    linear,
    param_gradients,
    sgd_step,
    softmax,
)
from handprop.train.config import SGDConfig
from handprop.train.engines._feed import GatherFeed
from handprop.train.engines._params import split
from handprop.train.engines.base import Batch, GradientStep
from handprop.train.state import TrainState

Array = NDArray[np.floating]

#: batches between two checks of the loss on a GPU (each check waits for the device)
GPU_CHECK_EVERY = 32
#: share of the device's free memory that X may take to be placed there whole
RESIDENT_SHARE = 0.8


class TorchEngine(GradientStep):
    """The reference step on tensors of ``device`` (see the module docstring).

    ``resident``: place X on the device (default: when it fits in :data:`RESIDENT_SHARE` of
    the free device memory; always on the CPU). ``graphs``: replay each full batch's step as
    a CUDA graph (default: on CUDA devices). ``check_every``: batches between loss checks
    (default 1 on the CPU, :data:`GPU_CHECK_EVERY` on a GPU). A ``transform`` that is not a
    Normalizer (or a plain divisor) is applied on the host, batch by batch, instead.
    """

    name = "torch"
    blas_threads: int | None = None

    def __init__(
        self,
        X: NDArray[Any],
        y: NDArray[np.intp],
        K: int,
        config: SGDConfig,
        *,
        transform: Any = None,
        device: str | None = None,
        resident: bool | None = None,
        graphs: bool | None = None,
        check_every: int | None = None,
    ) -> None:
        torch = self.torch = import_torch()
        self.device = resolve_device(device)
        cuda = self.device.type == "cuda"
        self.config, self.K, self.D = config, K, X.shape[1]
        self.dtype = torch.float64 if config.dtype == "float64" else torch.float32
        self.check_every = check_every or (GPU_CHECK_EVERY if cuda else 1)
        size = K * self.D + K
        zeros = [torch.zeros(size, dtype=self.dtype, device=self.device) for _ in range(5)]
        self.P, self.V, self.G, self.good = zeros[:2], zeros[2], zeros[3], zeros[4]
        self.Ps = [split(p, K, self.D) for p in self.P]
        self.vW, self.vb = split(self.V, K, self.D)
        self.dW, self.db = split(self.G, K, self.D)
        self.cur = 0
        self.affine = _affine(transform, config.np_dtype, torch, self.device)
        if self.affine is None and transform is not None:  # a general callable: on the host
            self.data: Any = _HostFed(X, y, config, transform, torch, self.device)
        elif resident if resident is not None else _fits(X, torch, self.device):
            self.data = _Resident(X, y, torch, self.device)
        else:
            self.data = _Streamed(X, y, config.batch_size, torch, self.device)
        use_graphs = graphs if graphs is not None else cuda
        self.graph = _GraphStep(self) if use_graphs and isinstance(self.data, _Resident) else None

    # --------------------------------------------------------------- the numbers

    def load(self, state: TrainState) -> None:
        for W, b in self.Ps:  # both: before the first update, "previous" is the start
            W.copy_(self._tensor(state.W))
            b.copy_(self._tensor(state.b))
        self.vW.copy_(self._tensor(state.velocity[0]))
        self.vb.copy_(self._tensor(state.velocity[1]))
        self.good.copy_(self.P[self.cur])

    def dump(self) -> tuple[Array, Array, Array, Array]:
        W, b = self.Ps[self.cur]
        return _numpy(W), _numpy(b), _numpy(self.vW), _numpy(self.vb)

    def params(self) -> Any:
        return self.P[self.cur]

    def grad(self) -> Any:
        return self.G

    def previous(self) -> tuple[Array, Array]:
        if self.check_every == 1:
            W, b = self.Ps[1 - self.cur]
        else:
            W, b = split(self.good, self.K, self.D)
        return _numpy(W), _numpy(b)

    def checked(self) -> None:
        if self.check_every > 1:  # the weights before the last update: their loss was seen
            self.good.copy_(self.P[1 - self.cur])

    def _tensor(self, array: NDArray[Any]) -> Any:
        return self.torch.from_numpy(np.asarray(array)).to(self.device, self.dtype)

    # --------------------------------------------------------------- the steps

    def batches(self, rows: NDArray[np.intp]) -> Generator[Batch, None, None]:
        return self.data.batches(rows, self.config.batch_size)

    def step(self, batch: Batch, lr: float) -> tuple[Any, Any]:
        if self.check_every == 1:  # checked now: a loss that is not finite updates nothing
            loss, correct = GradientStep.step(self, batch, lr)
            return float(loss), int(correct)
        if self.graph is not None and batch.n == self.config.batch_size == batch.y.shape[0]:
            loss_sum, correct = self.graph.replay(batch, lr)
        else:
            loss_sum, correct = self.gradient(batch)
            self.update(lr)
        return loss_sum / batch.n, correct

    def gradient(self, batch: Batch) -> tuple[Any, Any]:
        """The reference formulas on the batch's rows, on the device; the loss sum and the
        count of right predictions are 0-d tensors (nothing waits for the device)."""
        X = self.inputs_on_device(batch)  # (m, D)
        y = batch.y  # (m,)
        m = X.shape[0]
        W, b = self.Ps[self.cur]
        Z = linear(X, W, b)  # (m, K)
        loss_sum = cross_entropy(Z, y) * m
        A = softmax(Z)  # (m, K)
        correct = (A.argmax(dim=1) == y).sum()
        d = delta(A, y)  # (m, K)  (A - Y) / m
        if batch.n != m:  # this process's share of a larger batch: the mean is over n rows
            d = d * (m / batch.n)
        dW, db = param_gradients(X, d)  # (K, D), (K,)
        self.dW.copy_(dW)
        self.db.copy_(db)
        return loss_sum, correct

    def update(self, lr: Any) -> None:
        """``sgd_step`` of W and b into the other parameter buffer (``lr`` a number or a 0-d
        tensor)."""
        W, b = self.Ps[self.cur]
        W_new, b_new = self.Ps[1 - self.cur]
        kw = {"momentum": self.config.momentum, "weight_decay": self.config.weight_decay}
        W_new.copy_(sgd_step(W, self.dW, lr, velocity=self.vW, **kw))
        b_new.copy_(sgd_step(b, self.db, lr, velocity=self.vb, **kw))
        self.cur = 1 - self.cur

    def inputs_on_device(self, batch: Batch) -> Any:
        """The batch's rows as the model sees them: ``(m, D)`` floats on the device."""
        X = self.data.rows(batch).to(self.dtype)
        if self.affine is not None:
            offset, divisor = self.affine
            X = (X - offset) / divisor
        return X

    def inputs(self, batch: Batch) -> Array:
        return _numpy(self.inputs_on_device(batch))


class _Resident:
    """X and y on the device, the batches gathered there."""

    def __init__(self, X: NDArray[Any], y: NDArray[np.intp], torch: Any, device: Any) -> None:
        self.torch, self.device = torch, device
        with warnings.catch_warnings():  # a read-only memmap: torch is never asked to write
            warnings.simplefilter("ignore", UserWarning)
            self.X = torch.from_numpy(np.asarray(X)).to(device)
        self.y = torch.from_numpy(np.asarray(y, dtype=np.int64)).to(device)

    def batches(self, rows: NDArray[np.intp], B: int) -> Generator[Batch, None, None]:
        idx = self.torch.from_numpy(np.asarray(rows, dtype=np.int64)).to(self.device)
        y = self.y[idx]
        for start in range(0, idx.shape[0], B):
            part = slice(start, start + B)
            yield Batch(idx[part], y[part], None, int(y[part].shape[0]))

    def rows(self, batch: Batch) -> Any:
        return self.X.index_select(0, batch.x)


class _Streamed:
    """X in host memory, each batch gathered there and copied to the device.

    Two pinned host buffers and two device buffers take turns: while the step of batch j
    runs, the rows of batch j + 1 are gathered on the host and copied on a side stream; an
    event makes the step wait for its copy, another makes a copy wait until the step that
    used its buffer two batches before has run.
    """

    def __init__(
        self, X: NDArray[Any], y: NDArray[np.intp], B: int, torch: Any, device: Any
    ) -> None:
        self.torch, self.device, self.X = torch, device, X
        self.y = torch.from_numpy(np.asarray(y, dtype=np.int64)).to(device)
        cuda = device.type == "cuda"
        rows = max(1, min(B, X.shape[0]))
        dtype = torch.from_numpy(np.empty(0, dtype=X.dtype)).dtype
        self.host = [
            torch.empty((rows, X.shape[1]), dtype=dtype, pin_memory=cuda) for _ in range(2)
        ]
        self.dev = [torch.empty((rows, X.shape[1]), dtype=dtype, device=device) for _ in (0, 1)]
        self.stream = torch.cuda.Stream(device) if cuda else None
        self.copied: list[Any] = [torch.cuda.Event() if cuda else None for _ in (0, 1)]
        self.used: list[Any] = [torch.cuda.Event() if cuda else None for _ in (0, 1)]

    def _send(self, rows: NDArray[np.intp], slot: int) -> None:
        m = rows.shape[0]
        host = self.host[slot][:m]
        np.take(self.X, rows, axis=0, out=host.numpy(), mode="clip")
        if self.stream is None:
            self.dev[slot][:m].copy_(host)
            return
        with self.torch.cuda.stream(self.stream):
            self.stream.wait_event(self.used[slot])
            self.dev[slot][:m].copy_(host, non_blocking=True)
            self.copied[slot].record(self.stream)

    def batches(self, rows: NDArray[np.intp], B: int) -> Generator[Batch, None, None]:
        torch = self.torch
        y = self.y[torch.from_numpy(np.asarray(rows, dtype=np.int64)).to(self.device)]
        starts = list(range(0, rows.shape[0], B))
        if starts:
            self._send(rows[:B], 0)
        for j, start in enumerate(starts):
            slot = j % 2
            if self.stream is not None:
                torch.cuda.current_stream(self.device).wait_event(self.copied[slot])
                if self.copied[1 - slot].query() is False:
                    self.copied[1 - slot].synchronize()  # the host buffer is about to be reused
            m = min(B, rows.shape[0] - start)
            yb = y[start : start + m]
            yield Batch((slot, m), yb, None, m)
            if self.stream is not None:
                self.used[slot].record(torch.cuda.current_stream(self.device))
            if j + 1 < len(starts):
                nxt = starts[j + 1]
                self._send(rows[nxt : nxt + B], 1 - slot)

    def rows(self, batch: Batch) -> Any:
        slot, m = batch.x
        return self.dev[slot][:m]


class _HostFed:
    """Batches gathered and transformed on the host (a general ``transform``), then copied."""

    def __init__(
        self,
        X: NDArray[Any],
        y: NDArray[np.intp],
        config: SGDConfig,
        transform: Any,
        torch: Any,
        device: Any,
    ) -> None:
        self.torch, self.device = torch, device
        self.feed = GatherFeed(X, y, config.batch_size, config.np_dtype, transform)

    def batches(self, rows: NDArray[np.intp], B: int) -> Generator[Batch, None, None]:
        for batch in self.feed.epoch(rows):
            y = self.torch.from_numpy(batch.y).to(self.device)
            yield Batch(batch.x, y, None, batch.n)

    def rows(self, batch: Batch) -> Any:
        return self.torch.from_numpy(batch.x).to(self.device)


class _GraphStep:
    """One full batch's gradient and update, captured as CUDA graphs and replayed.

    A graph reads its batch from static tensors (the row indices and the labels) and its step
    size from a 0-d tensor, filled before each replay; its loss sum and count are static
    tensors too. There are two graphs, one for each parameter buffer a step reads (the update
    writes the other one).
    """

    def __init__(self, engine: TorchEngine) -> None:
        self.engine = engine
        self.graphs: dict[int, Any] = {}
        self.outputs: dict[int, tuple[Any, Any]] = {}
        self.lr = engine.torch.zeros((), dtype=engine.dtype, device=engine.device)

    def replay(self, batch: Batch, lr: float) -> tuple[Any, Any]:
        engine = self.engine
        if not self.graphs:
            self._capture(batch)
        self.rows.copy_(batch.x)
        self.y.copy_(batch.y)
        self.lr.fill_(lr)
        read = engine.cur
        self.graphs[read].replay()
        engine.cur = 1 - read
        return self.outputs[read]

    def _capture(self, batch: Batch) -> None:
        engine, torch = self.engine, self.engine.torch
        self.rows, self.y = batch.x.clone(), batch.y.clone()
        static = Batch(self.rows, self.y, None, batch.n)
        saved = [t.clone() for t in (*engine.P, engine.V)]
        start = engine.cur
        side = torch.cuda.Stream(engine.device)
        side.wait_stream(torch.cuda.current_stream(engine.device))
        with torch.cuda.stream(side):  # warm-up on a side stream, as torch.cuda.graphs asks
            for _ in range(2):
                engine.gradient(static)
                engine.update(self.lr)
        torch.cuda.current_stream(engine.device).wait_stream(side)
        for _ in range(2):
            read, graph = engine.cur, torch.cuda.CUDAGraph()
            with torch.cuda.graph(graph):
                self.outputs[read] = engine.gradient(static)
                engine.update(self.lr)
            self.graphs[read] = graph
        for dst, src in zip((*engine.P, engine.V), saved, strict=True):
            dst.copy_(src)  # the warm-up moved the weights; the captures ran nothing
        engine.cur = start


def _fits(X: NDArray[Any], torch: Any, device: Any) -> bool:
    if device.type != "cuda":
        return True
    free, _ = torch.cuda.mem_get_info(device)
    return X.nbytes <= RESIDENT_SHARE * free


def _affine(transform: Any, dtype: Any, torch: Any, device: Any) -> tuple[Any, Any] | None:
    """``(offset, divisor)`` tensors of a Normalizer (or a divisor), applied on the device;
    None without a transform or for one that is neither."""
    if transform is None:
        return None
    affine = getattr(transform, "affine", None)
    if callable(affine):
        parts = affine(dtype)
    elif getattr(transform, "divisor", None) is not None:
        parts = (np.zeros((), dtype), np.asarray(transform.divisor, dtype))
    else:
        return None
    if parts is None:
        return None
    return tuple(torch.from_numpy(np.asarray(p)).to(device) for p in parts)


def _numpy(tensor: Any) -> Array:
    return tensor.detach().cpu().numpy().copy()


def resolve_device(device: str | None) -> Any:
    """``device`` as a torch.device that works here (None: ``"cuda"`` when available), or an
    InputError naming it."""
    torch = import_torch()
    try:
        dev = torch.device(device or default_device())
        if dev.type == "cuda" and not torch.cuda.is_available():
            raise RuntimeError("CUDA is not available")
        torch.empty(0, device=dev)
    except RuntimeError as exc:
        raise InputError(
            "err.must",
            where="engine",
            name="device",
            expected=Msg("train.exp.device"),
            got=f"{device!r} ({str(exc).splitlines()[0] if str(exc) else type(exc).__name__})",
        ) from None
    return dev
