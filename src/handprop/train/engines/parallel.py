"""Data-parallel training on torch.distributed: every process takes a share of each batch.

Run as ``torchrun --nproc-per-node N -m handprop train ...`` or call ``fit_sgd`` (or
``SoftmaxRegression.fit``) inside an initialised process group. Every process draws the same
order of the rows from the same seed; ``batch_size`` is the global batch, and each global
batch of B rows is cut into contiguous shares of ``ceil(B / N)`` rows, one per process. Each
process computes the gradient of the global mean loss on its share (``delta = (A - Y) / B``
on its rows), the shares' gradients, loss sums and counts are added up by one
``all_reduce`` (gloo on the CPU, NCCL on GPUs), and every process makes the same update: the
weights equal those of one process at the same global batch, up to the order of the sums.

Before the first step the processes compare their data (shape, dtype and checksums of y and
of some rows of X) and refuse to start when they differ. A process that dies makes the others
stop with a one-line error when their next ``all_reduce`` fails or times out
(``HANDPROP_DIST_TIMEOUT`` seconds, default 120). Only the first process (rank 0) prints,
writes checkpoints, models and plots (:func:`is_primary`).
"""

from __future__ import annotations

import atexit
import datetime
import os
import sys
import zlib
from collections.abc import Generator
from typing import Any

import numpy as np
from numpy.typing import NDArray

from handprop.errors import HandpropError, InputError
from handprop.messages import Msg
from handprop.train.engines.base import Batch, GradientStep

#: seconds a collective may wait for the other processes (HANDPROP_DIST_TIMEOUT overrides)
DEFAULT_TIMEOUT = 120.0


class PeerLostError(HandpropError):
    """Another process of the group stopped answering (it died, or timed out)."""

    exit_code = 1


def rank_and_size() -> tuple[int, int]:
    """``(rank, world size)`` of the running process group, or as the environment announces
    it (torchrun sets RANK and WORLD_SIZE before the group starts); ``(0, 1)`` alone."""
    dist = sys.modules.get("torch.distributed")
    if dist is not None and dist.is_available() and dist.is_initialized():
        return dist.get_rank(), dist.get_world_size()
    return _env_int("RANK", 0), _env_int("WORLD_SIZE", 1)


def is_primary() -> bool:
    """Whether this process prints and writes files: always, except ranks other than 0."""
    return rank_and_size()[0] == 0


def _env_int(name: str, default: int) -> int:
    try:
        return int(os.environ.get(name) or default)
    except ValueError:
        return default


def wanted() -> bool:
    """Whether training should be data-parallel: a process group of several processes is
    running, or the environment asks for one (``WORLD_SIZE`` > 1, as torchrun sets it)."""
    return rank_and_size()[1] > 1


def local_cores() -> int:
    """The cores this process may use, shared among the processes of this machine."""
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        cores = os.cpu_count() or 1
    return max(1, cores // max(1, _env_int("LOCAL_WORLD_SIZE", 1)))


def start_group(cuda: bool) -> Any:
    """torch.distributed, with its default group started from the environment if needed
    (gloo, or NCCL for CUDA tensors); a group that cannot start is a one-line error."""
    from handprop.torch_backend import import_torch

    import_torch()
    import torch.distributed as dist

    if not dist.is_initialized():
        try:
            dist.init_process_group(
                backend="nccl" if cuda else "gloo",
                timeout=datetime.timedelta(seconds=_timeout()),
            )
        except (RuntimeError, ValueError) as exc:
            raise InputError(
                "train.dist.no_group", detail=_first_line(exc), size=os.environ.get("WORLD_SIZE")
            ) from None
        atexit.register(_leave, dist)  # a group left open aborts the interpreter at exit
    return dist


def _leave(dist: Any) -> None:
    if dist.is_initialized():
        dist.destroy_process_group()


class DataParallel(GradientStep):
    """An engine whose steps are shared by the processes of a group.

    ``inner`` is this process's engine, made for batches of ``ceil(B / N)`` rows; the wrapper
    hands it this process's share of every global batch and adds up the shares' gradients
    before the update.
    """

    def __init__(self, inner: Any, dist: Any, batch_size: int, X: Any, y: Any) -> None:
        self.inner, self.dist = inner, dist
        self.rank, self.size = dist.get_rank(), dist.get_world_size()
        self.B = batch_size
        self.share = -(-batch_size // self.size)
        self.name, self.blas_threads = inner.name, inner.blas_threads
        self.check_every = inner.check_every
        grad = inner.grad()
        self.torch_grad = hasattr(grad, "new_zeros")
        import torch

        device = grad.device if self.torch_grad else "cpu"
        self.buf = torch.zeros(grad.shape[0] + 2, dtype=torch.float64, device=device)
        _check_same_data(dist, X, y, self.rank)

    # the engine's numbers are the inner engine's
    def load(self, state: Any) -> None:
        self.inner.load(state)

    def dump(self) -> Any:
        return self.inner.dump()

    def params(self) -> Any:
        return self.inner.params()

    def grad(self) -> Any:
        return self.inner.grad()

    def previous(self) -> Any:
        return self.inner.previous()

    def checked(self) -> None:
        self.inner.checked()

    def inputs(self, batch: Batch) -> Any:
        if batch.x is None:
            return np.zeros((0, 1), dtype=np.float32)
        return self.inner.inputs(batch)

    def batches(self, rows: NDArray[np.intp]) -> Generator[Batch, None, None]:
        """One batch per global batch: this process's share, whose mean is over all B."""
        B, b, r, N = self.B, self.share, self.rank, rows.shape[0]
        starts = range(0, N, B)
        parts = [rows[s + r * b : min(s + (r + 1) * b, s + B, N)] for s in starts]
        mine = iter(self.inner.batches(np.concatenate(parts) if parts else rows[:0]))
        for start, part in zip(starts, parts, strict=True):
            n = min(B, N - start)
            if part.shape[0] == 0:  # a ragged last batch with no rows for this process
                yield Batch(None, np.zeros(0, dtype=np.intp), None, n)
            else:
                yield next(mine)._replace(n=n)

    def gradient(self, batch: Batch) -> tuple[Any, Any]:
        """This process's share of the gradient, added up with the others' (one all_reduce of
        the gradient, the loss sum and the count): the whole global batch's."""
        inner, size = self.inner, self.buf.shape[0] - 2
        if batch.x is None:
            loss_sum, correct = 0.0, 0
            _zero(inner.grad())
        else:
            loss_sum, correct = inner.gradient(batch)
        self._pack(inner.grad(), loss_sum, correct)
        self._all_reduce()
        self._unpack(inner.grad())
        if self.check_every == 1:
            return float(self.buf[size]), int(self.buf[size + 1])
        return self.buf[size], self.buf[size + 1]

    def update(self, lr: Any) -> None:
        self.inner.update(lr)

    def step(self, batch: Batch, lr: float) -> tuple[Any, Any]:
        if self.check_every == 1:  # checked now: a loss that is not finite updates nothing
            return GradientStep.step(self, batch, lr)
        loss_sum, correct = self.gradient(batch)
        self.update(lr)
        return loss_sum / batch.n, correct

    def _pack(self, grad: Any, loss_sum: Any, correct: Any) -> None:
        buf, size = self.buf, self.buf.shape[0] - 2
        if self.torch_grad:
            buf[:size].copy_(grad)
            buf[size] = loss_sum
            buf[size + 1] = correct
        else:
            view = buf.numpy()
            view[:size] = grad
            view[size], view[size + 1] = loss_sum, correct

    def _unpack(self, grad: Any) -> None:
        size = self.buf.shape[0] - 2
        if self.torch_grad:
            grad.copy_(self.buf[:size])
        else:
            grad[...] = self.buf.numpy()[:size]

    def _all_reduce(self) -> None:
        try:
            self.dist.all_reduce(self.buf)
        except RuntimeError as exc:
            raise PeerLostError("train.dist.peer_lost", detail=_first_line(exc)) from None


def _zero(grad: Any) -> None:
    if hasattr(grad, "zero_"):
        grad.zero_()
    else:
        grad[...] = 0


#: what the processes compare before training, in the order of their fingerprint
_PARTS = ("n_samples", "n_features", "dtype", "labels", "rows")


def _check_same_data(dist: Any, X: Any, y: Any, rank: int) -> None:
    """Every process must train on the same data: compare shapes, dtype and checksums of y
    and of 16 rows of X spread over it (one all_gather of 5 integers per process)."""
    import torch

    N = X.shape[0]
    probe = np.unique(np.linspace(0, max(N - 1, 0), num=min(N, 16)).astype(np.intp))
    labels = zlib.crc32(np.ascontiguousarray(y, dtype=np.int64).tobytes())
    rows = zlib.crc32(np.ascontiguousarray(np.asarray(X[probe])).tobytes())
    dtype = zlib.crc32(str(X.dtype).encode())
    mine = torch.tensor([N, X.shape[1], dtype, labels, rows], dtype=torch.int64)
    everyone = [torch.zeros_like(mine) for _ in range(dist.get_world_size())]
    try:
        dist.all_gather(everyone, mine)
    except RuntimeError as exc:
        raise PeerLostError("train.dist.peer_lost", detail=_first_line(exc)) from None
    first = everyone[0].tolist()
    for other, theirs in enumerate(t.tolist() for t in everyone):
        for part, got, expected in zip(_PARTS, theirs, first, strict=True):
            if got != expected:
                shown = part in ("n_samples", "n_features")
                raise InputError(
                    "train.dist.data_differs",
                    rank=other,
                    part=Msg(f"train.dist.part.{part}"),
                    got=str(got) if shown else "-",
                    expected=str(expected) if shown else "-",
                )


def check_batch(batch_size: int) -> None:
    """A global batch must give every process at least one row."""
    _, size = rank_and_size()
    if batch_size < size:
        raise InputError(
            "err.must",
            where="train",
            name="batch_size",
            expected=Msg("train.dist.exp.batch", size=size),
            got=str(batch_size),
        )


def _timeout() -> float:
    try:
        return float(os.environ.get("HANDPROP_DIST_TIMEOUT", DEFAULT_TIMEOUT))
    except ValueError:
        return DEFAULT_TIMEOUT


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return (text[0] if text else type(exc).__name__)[:160]
