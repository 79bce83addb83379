"""The trainers compared by ``bench_train.py``: each is ``run(data, seed, epochs) -> Run``.

Every SGD contender uses batch 128, lr 0.1, inputs / 255 and float32 unless its library has no
such knob (said in its description). A contender reports the seconds spent before its first
epoch (``setup``: model, loader, buffers), the seconds of each epoch's training (``epochs``) and
the test accuracy after each epoch (``accuracy``), measured outside the timed region.
"""

from __future__ import annotations

import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

BATCH = 128
LR = 0.1


@dataclass
class Run:
    setup: float
    epochs: list[float] = field(default_factory=list)
    accuracy: list[float] = field(default_factory=list)
    wall: float | None = None  # whole run, start-up included (command line only)

    def time_to(self, target: float) -> float | None:
        """Seconds of training (setup included) until the first epoch at ``target`` accuracy."""
        total = self.setup
        for seconds, acc in zip(self.epochs, self.accuracy, strict=True):
            total += seconds
            if acc >= target:
                return total
        return None


class Data:
    """Fashion-MNIST as uint8 (handprop, the floor) and, made on first use, as float32 / 255."""

    def __init__(self) -> None:
        from handprop.data.datasets import load_dataset

        ds = load_dataset("fashion-mnist")
        self.X_train, self.y_train = ds.X_train, ds.y_train
        self.X_test, self.y_test = ds.X_test, ds.y_test
        self.n_classes = len(ds.classes)
        self._f32: tuple[np.ndarray, np.ndarray] | None = None

    def float32(self) -> tuple[np.ndarray, np.ndarray]:
        """(X_train, X_test) as float32 in [0, 1] (made once, outside any timing)."""
        if self._f32 is None:
            self._f32 = tuple(
                np.divide(X, np.float32(255), dtype=np.float32) for X in (self.X_train, self.X_test)
            )
        return self._f32


# --------------------------------------------------------------------------- handprop


class _Clock:
    """A clock for ``fit(clock=...)``: remembers when it was first read (the first epoch)."""

    def __init__(self) -> None:
        self.first: float | None = None

    def __call__(self) -> float:
        now = time.perf_counter()
        if self.first is None:
            self.first = now
        return now


def handprop_fit(data: Data, seed: int, epochs: int, floats: bool = False, **params: Any) -> Run:
    """``SoftmaxRegression(**params).fit(X_uint8, y, eval_set=test)``: batches scaled / 255
    (``floats``: the float32 x / 255 arrays instead, as the floor and PyTorch read them)."""
    from handprop.model import SoftmaxRegression

    X, Xt = data.float32() if floats else (data.X_train, data.X_test)
    norm = {} if floats else {"normalize": "scale", "pixel_max": 255}
    model = SoftmaxRegression(random_state=seed, epochs=epochs, **norm, **params)
    clock = _Clock()
    start = time.perf_counter()
    model.fit(X, data.y_train, eval_set=(Xt, data.y_test), clock=clock)
    return Run(
        setup=(clock.first or start) - start,
        epochs=[r.seconds for r in model.history_],
        accuracy=[r.test_accuracy for r in model.history_],
    )


#: the common settings of the side-by-side table, as SoftmaxRegression's parameters
COMMON: dict[str, Any] = {
    "batch_size": BATCH,
    "lr": LR,
    "momentum": 0.0,
    "lr_schedule": "constant",
    "average": None,
}


def handprop_common(data: Data, seed: int, epochs: int) -> Run:
    """The common settings: plain SGD, constant step, last iterate, no momentum."""
    return handprop_fit(data, seed, epochs, **COMMON)


def handprop_one_thread(data: Data, seed: int, epochs: int) -> Run:
    """The common settings with the kernel on one thread (``n_jobs=1``)."""
    return handprop_fit(data, seed, epochs, **COMMON, n_jobs=1)


def handprop_floats(data: Data, seed: int, epochs: int) -> Run:
    """The common settings on the float32 x / 255 arrays, every core (issue 13's figure)."""
    return handprop_fit(data, seed, epochs, floats=True, **COMMON)


def handprop_floats_48(data: Data, seed: int, epochs: int) -> Run:
    """The same at batch 48, the default batch size."""
    return handprop_fit(data, seed, epochs, floats=True, **{**COMMON, "batch_size": 48})


def handprop_defaults(data: Data, seed: int, epochs: int) -> Run:
    """SoftmaxRegression's own defaults (batch 48, momentum 0.9, averaging after epoch 1)."""
    return handprop_fit(data, seed, epochs)


def handprop_torch_backend(data: Data, seed: int, epochs: int) -> Run:
    """The common settings on PyTorch CPU tensors (``engine="torch"``), same formulas."""
    return handprop_fit(data, seed, epochs, **COMMON, engine="torch", device="cpu")


def handprop_cli(data: Data | None, seed: int, epochs: int) -> Run:
    """``handprop train --dataset fashion-mnist`` with its defaults, as a new process."""
    import json
    import subprocess
    import sys
    from pathlib import Path

    exe = Path(sys.executable).with_name("handprop")
    cmd = [str(exe), "train", "--dataset", "fashion-mnist", "--format", "json"]
    cmd += ["--seed", str(seed), "--epochs", str(epochs)]
    start = time.perf_counter()
    out = subprocess.run(cmd, capture_output=True, text=True, check=True)
    wall = time.perf_counter() - start
    result = json.loads(out.stdout)
    history = result["history"]
    return Run(
        setup=0.0,
        epochs=[r["seconds"] for r in history],
        accuracy=[r["test_accuracy"] for r in history],
        wall=wall,
    )


# --------------------------------------------------------------------------- PyTorch


def _torch_loop(data: Data, seed: int, epochs: int, dataloader: bool) -> Run:
    import torch
    from torch import nn

    X_np, Xt_np = data.float32()
    start = time.perf_counter()
    torch.manual_seed(seed)
    X = torch.from_numpy(X_np)
    y = torch.from_numpy(data.y_train.astype(np.int64))
    Xt = torch.from_numpy(Xt_np)
    model = nn.Linear(X.shape[1], data.n_classes)
    loss_fn = nn.CrossEntropyLoss()
    opt = torch.optim.SGD(model.parameters(), lr=LR)
    if dataloader:
        from torch.utils.data import DataLoader, TensorDataset

        loader = DataLoader(TensorDataset(X, y), batch_size=BATCH, shuffle=True)
    gen = torch.Generator().manual_seed(seed)
    run = Run(setup=time.perf_counter() - start)
    for _ in range(epochs):
        start = time.perf_counter()
        if dataloader:
            batches = iter(loader)
        else:
            perm = torch.randperm(X.shape[0], generator=gen)
            batches = ((X[idx], y[idx]) for idx in perm.split(BATCH))
        for xb, yb in batches:
            opt.zero_grad(set_to_none=True)
            loss_fn(model(xb), yb).backward()
            opt.step()
        run.epochs.append(time.perf_counter() - start)
        with torch.no_grad():
            pred = model(Xt).argmax(1).numpy()
        run.accuracy.append(float(np.mean(pred == data.y_test)))
    return run


def torch_dataloader(data: Data, seed: int, epochs: int) -> Run:
    """nn.Linear + CrossEntropyLoss + optim.SGD over DataLoader(TensorDataset, shuffle=True)."""
    return _torch_loop(data, seed, epochs, dataloader=True)


def torch_loop(data: Data, seed: int, epochs: int) -> Run:
    """The same model, a hand-written loop over torch.randperm slices of the float32 tensor."""
    return _torch_loop(data, seed, epochs, dataloader=False)


# --------------------------------------------------------------------------- scikit-learn


def sklearn_lbfgs(data: Data, seed: int, epochs: int) -> Run:
    """LogisticRegression() defaults (lbfgs, C=1, max_iter=100): the whole fit is one 'epoch'.

    Run with every thread pool at one thread, its fastest setting on a 2-core machine.
    """
    from sklearn.linear_model import LogisticRegression
    from threadpoolctl import threadpool_limits

    X, Xt = data.float32()
    clf = LogisticRegression()
    start = time.perf_counter()
    with warnings.catch_warnings(), threadpool_limits(1):
        warnings.simplefilter("ignore")  # it stops at max_iter=100 before converging
        clf.fit(X, data.y_train)
    seconds = time.perf_counter() - start
    return Run(setup=0.0, epochs=[seconds], accuracy=[float(clf.score(Xt, data.y_test))])


def sklearn_sgd(data: Data, seed: int, epochs: int) -> Run:
    """SGDClassifier(loss="log_loss") defaults, one partial_fit pass over shuffled rows per epoch.

    No batch size or lr knob: it updates per sample with its 'optimal' schedule, one-vs-rest.
    The shuffled copy of the rows is made outside the timed region.
    """
    from sklearn.linear_model import SGDClassifier

    X, Xt = data.float32()
    clf = SGDClassifier(loss="log_loss", random_state=seed)
    classes = np.arange(data.n_classes)
    rng = np.random.default_rng(seed)
    run = Run(setup=0.0)
    for _ in range(epochs):
        perm = rng.permutation(X.shape[0])
        Xp, yp = X[perm], data.y_train[perm]
        start = time.perf_counter()
        clf.partial_fit(Xp, yp, classes=classes)
        run.epochs.append(time.perf_counter() - start)
        run.accuracy.append(float(clf.score(Xt, data.y_test)))
    return run


# --------------------------------------------------------------------------- the floor


def floor_loop(data: Data, seed: int, epochs: int, batch: int = BATCH) -> Run:
    """Only the two GEMMs per batch, on batches gathered from the uint8 data: a lower bound.

    Per batch: gather the rows (``np.take``), convert them to float32, forward ``Z = X_b W^T``,
    backward ``G = Z^T X_b`` (Z standing in for delta). No softmax, no loss, no update: no
    correct trainer can be much faster. Its accuracy is not measured.
    """
    X = data.X_train
    n, d = X.shape
    k = data.n_classes
    W = np.zeros((k, d), np.float32)
    raw = np.empty((batch, d), X.dtype)
    Xb = np.empty((batch, d), np.float32)
    Z = np.empty((batch, k), np.float32)
    G = np.empty((k, d), np.float32)
    rng = np.random.default_rng(seed)
    run = Run(setup=0.0)
    for _ in range(epochs):
        perm = rng.permutation(n)
        start = time.perf_counter()
        for i in range(0, n - batch + 1, batch):
            np.take(X, perm[i : i + batch], axis=0, out=raw, mode="clip")
            np.copyto(Xb, raw)
            np.matmul(Xb, W.T, out=Z)
            np.matmul(Z.T, Xb, out=G)
        run.epochs.append(time.perf_counter() - start)
        run.accuracy.append(float("nan"))
    return run


def floor_gemm(data: Data, seed: int, epochs: int, batch: int = BATCH) -> Run:
    """The two-GEMM floor of issue 13: ``Z = X_b W^T`` and ``G^T X_b`` on contiguous float32
    slices of the x / 255 array, BLAS as installed (both cores). No gather, no conversion, no
    softmax, no update: a trainer faster than this uses the cores better than BLAS does."""
    X, _ = data.float32()
    n, d = X.shape
    W = np.zeros((data.n_classes, d), np.float32)
    Z = np.empty((batch, data.n_classes), np.float32)
    G = np.empty((data.n_classes, d), np.float32)
    run = Run(setup=0.0)
    for _ in range(epochs):
        start = time.perf_counter()
        for i in range(0, n - batch + 1, batch):
            Xb = X[i : i + batch]
            np.matmul(Xb, W.T, out=Z)
            np.matmul(Z.T, Xb, out=G)
        run.epochs.append(time.perf_counter() - start)
        run.accuracy.append(float("nan"))
    return run


def floor_one_thread(data: Data, seed: int, epochs: int) -> Run:
    """The floor with the BLAS limited to one thread (as handprop's loop runs)."""
    from threadpoolctl import threadpool_limits

    with threadpool_limits(1, user_api="blas"):
        return floor_loop(data, seed, epochs)


@dataclass(frozen=True)
class Contender:
    key: str
    label: str
    batch: str
    run: Callable[..., Run]
    needs_torch: bool = False
    repeats: int | None = None  # None: the benchmark's number of repeats


_T = True
CONTENDERS = [
    Contender("handprop", "handprop `SoftmaxRegression.fit`, common settings", "128",
              handprop_common),
    Contender("handprop-1t", "handprop `SoftmaxRegression.fit`, common settings, `n_jobs=1`",
              "128", handprop_one_thread),
    Contender("handprop-f32", "handprop `SoftmaxRegression.fit` on float32 x / 255, common "
              "settings", "128", handprop_floats),
    Contender("handprop-f32-48", "handprop `SoftmaxRegression.fit` on float32 x / 255, batch 48",
              "48", handprop_floats_48),
    Contender("handprop-defaults", "handprop `SoftmaxRegression.fit`, its defaults", "48",
              handprop_defaults),
    Contender("handprop-cli", "handprop `train` command, its defaults (new process)", "48",
              handprop_cli),
    Contender("handprop-torch", "handprop `engine=\"torch\"` on CPU tensors", "128",
              handprop_torch_backend, needs_torch=_T),
    Contender("torch-loop", "PyTorch, hand-written loop over `randperm`", "128", torch_loop,
              needs_torch=_T),
    Contender("torch-dataloader", "PyTorch, `DataLoader(shuffle=True)`", "128",
              torch_dataloader, needs_torch=_T),
    Contender("sklearn-sgd", "scikit-learn `SGDClassifier(loss=\"log_loss\")`", "1",
              sklearn_sgd),
    Contender("sklearn-lbfgs", "scikit-learn `LogisticRegression()` (lbfgs)", "all",
              sklearn_lbfgs, repeats=2),
    Contender("floor", "floor: gather + convert + the 2 GEMMs, BLAS as installed", "128",
              floor_loop),
    Contender("floor-1", "floor, BLAS at 1 thread", "128", floor_one_thread),
    Contender("floor-gemm", "two-GEMM floor: contiguous float32 slices, BLAS as installed",
              "128", floor_gemm),
]  # fmt: skip
BY_KEY = {c.key: c for c in CONTENDERS}
