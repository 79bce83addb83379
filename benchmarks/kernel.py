"""Time the native kernel on 1 and 2 threads next to the two-GEMM floor, or its build variants.

One epoch of full Fashion-MNIST (60,000 x 784, shuffled, full batches only) through
``_native.batch_gradient`` alone (no update, no training loop), for the installed kernel at
each ``--threads`` count, on the uint8 images with the divisor 255 folded in and on a float32
copy holding x / 255, at batch 128 and 48. Beside it the two-GEMM floor of issue 13: a loop
doing nothing but ``Z = Xb @ W.T`` and ``G.T @ Xb`` on contiguous float32 slices of x / 255
(no gather, no softmax, no update), BLAS as installed (both cores), and the native engine's
step (the kernel and its ``F.sgd_step`` update, no training loop around them). The variants
alternate round by round, each round starting one variant later; the table gives ms per
epoch, median (min-max). It also times calls on 16 rows: on 2 threads each thread has 8 rows,
and what the call costs beyond half of the 1-thread call is the hand-over to the pool and
back (waking, waiting, adding the two parts' dW).

    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE .venv/bin/python benchmarks/kernel.py
    .venv/bin/python benchmarks/kernel.py --rounds 11 --threads 1,2,4
    .venv/bin/python benchmarks/kernel.py --builds     # the compile-time variants, alternating

``--builds`` compiles ``src/handprop/_native.c`` once per variant (the ``-DHP_...`` flags in
``BUILDS``: logit tiles, prefetch, how a worker hands its part over, how the threads wait)
into a temporary folder and times each on the uint8 images; it needs a C compiler and the
Python headers, as building the package does. ``--cpus 0`` runs on one CPU only (more threads
than cores).
"""

from __future__ import annotations

import argparse
import importlib.util
import math
import os
import shutil
import statistics
import subprocess
import sys
import sysconfig
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from types import ModuleType

import numpy as np

SOURCE = Path(__file__).resolve().parents[1] / "src" / "handprop" / "_native.c"

#: --builds: name -> (compiler flags, kernel version)
BUILDS: dict[str, tuple[list[str], str]] = {
    "AVX2, tiles of 4 rows x 3 classes (the kernel as shipped)": ([], "avx2"),
    "AVX2, tiles of 2 x 4": (["-DHP_TILE_ROWS=2", "-DHP_TILE_CLASSES=4"], "avx2"),
    "AVX2, tiles of 4 x 2": (["-DHP_TILE_ROWS=4", "-DHP_TILE_CLASSES=2"], "avx2"),
    "AVX2, tiles of 3 x 4": (["-DHP_TILE_ROWS=3", "-DHP_TILE_CLASSES=4"], "avx2"),
    "AVX2, tiles of 4 x 3, software prefetch of the next 8 rows": (["-DHP_PREFETCH"], "avx2"),
    "AVX2, a worker adds up its part in the caller's lines (no hand-over)": (
        ["-DHP_WORKER_IN_PLACE"],
        "avx2",
    ),
    "AVX2, hand-over with plain stores, not streaming ones": (["-DHP_HAND_OVER_PLAIN"], "avx2"),
    "AVX2, spins never yield the CPU": (["-DHP_YIELD_US=1e30"], "avx2"),
    "AVX2, workers spin 50 us before they sleep": (["-DHP_SPIN_US=50"], "avx2"),
    "AVX2, workers and caller spin 2 ms before they sleep": (
        ["-DHP_SPIN_US=2000", "-DHP_WAIT_US=2000"],
        "avx2",
    ),
    "plain C version (`set_isa('generic')`)": ([], "generic"),
}
BATCHES = (128, 48)
FLOOR_ROWS = 128


def build(flags: list[str], folder: Path, tag: str) -> ModuleType:
    """Compile the kernel with ``flags`` into ``folder/tag`` and load it."""
    out_dir = folder / tag
    out_dir.mkdir()
    target = out_dir / f"_native{sysconfig.get_config_var('EXT_SUFFIX')}"
    cc = shutil.which("cc") or shutil.which("gcc")
    if cc is None:
        sys.exit("kernel.py: no C compiler (cc or gcc) on PATH")
    include = sysconfig.get_paths()["include"]
    cmd = [cc, "-shared", "-fPIC", "-O3", "-std=c99", "-pthread", f"-I{include}", *flags]
    subprocess.run([*cmd, str(SOURCE), "-o", str(target)], check=True)
    spec = importlib.util.spec_from_file_location("handprop._native", target)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def kernel_epoch(kernel: ModuleType, isa: str, X: np.ndarray, divisor: float, data: dict,
                 batch: int, threads: int) -> float:  # fmt: skip
    """One epoch of ``batch_gradient`` calls over the shuffled rows, in ms."""
    kernel.set_isa(isa)
    idx, y, P, G, pred = (data[k] for k in ("idx", "y", "P", "G", "pred"))
    step = kernel.batch_gradient
    start = time.perf_counter()
    for i in range(0, idx.shape[0] - batch + 1, batch):
        step(X, idx, y, i, batch, P, G, divisor, pred, n_threads=threads)
    return 1000 * (time.perf_counter() - start)


def step_epoch(kernel: ModuleType, isa: str, data: dict, batch: int, threads: int) -> float:
    """One epoch of the native engine's step on the uint8 images, in ms: the kernel, then
    ``F.sgd_step`` into the other of two parameter buffers (so W changes every batch, as in
    training, and a second thread must fetch it again)."""
    from handprop import functional as F

    kernel.set_isa(isa)
    X, idx, y, G, pred = (data[k] for k in ("X", "idx", "y", "G", "pred"))
    P = [data["P"].copy(), np.empty_like(data["P"])]
    cur, step = 0, kernel.batch_gradient
    start = time.perf_counter()
    for i in range(0, idx.shape[0] - batch + 1, batch):
        loss = step(X, idx, y, i, batch, P[cur], G, 255.0, pred, n_threads=threads) / batch
        if not math.isfinite(loss):
            break
        F.sgd_step(P[cur], G, 0.1, out=P[1 - cur])
        cur = 1 - cur
    return 1000 * (time.perf_counter() - start)


def floor_epoch(Xf: np.ndarray, W: np.ndarray, delta: np.ndarray, batch: int) -> float:
    """The two GEMMs alone on contiguous float32 slices of ``batch`` rows, in ms."""
    start = time.perf_counter()
    for i in range(0, Xf.shape[0] - batch + 1, batch):
        Xb = Xf[i : i + batch]  # (batch, D), contiguous
        Z = Xb @ W.T  # (batch, K)
        dW = delta[:batch].T @ Xb  # (K, D)
    del Z, dW
    return 1000 * (time.perf_counter() - start)


def call_us(kernel: ModuleType, data: dict, threads: int, calls: int = 5000) -> float:
    """Microseconds per call on 16 rows of Fashion-MNIST (two blocks of 8 rows)."""
    X, idx, y, P, G, pred = (data[k] for k in ("X", "idx", "y", "P", "G", "pred"))
    step = kernel.batch_gradient
    start = time.perf_counter()
    for i in range(calls):
        step(X, idx, y, 16 * (i % 3000), 16, P, G, 255.0, pred, n_threads=threads)
    return 1e6 * (time.perf_counter() - start) / calls


def alternate(variants: dict[str, Callable[[], float]], rounds: int) -> dict[str, list[float]]:
    """Run every variant once per round, each round starting one variant later."""
    names = list(variants)
    times: dict[str, list[float]] = {name: [] for name in names}
    for name in names:  # warm-up: page X in, start the pool, fill the caches
        variants[name]()
    for r in range(rounds):
        for name in names[r % len(names) :] + names[: r % len(names)]:
            times[name].append(variants[name]())
    return times


def cell(t: list[float], digits: int = 1) -> str:
    return f"{statistics.median(t):.{digits}f} ({min(t):.{digits}f}-{max(t):.{digits}f})"


def fashion_mnist(seed: int = 0) -> dict:
    """Fashion-MNIST's training images (uint8 and float32 x / 255), one shuffled order."""
    from handprop.data.datasets import load_dataset

    ds = load_dataset("fashion-mnist")
    rng = np.random.default_rng(seed)
    n, d = ds.X_train.shape
    idx = rng.permutation(n).astype(np.int64)
    return {
        "X": ds.X_train,
        "Xf": ds.X_train.astype(np.float32) / np.float32(255),
        "idx": idx,
        "y": ds.y_train[idx].astype(np.int64),
        "P": (0.01 * rng.standard_normal(10 * d + 10)).astype(np.float32),
        "G": np.empty(10 * d + 10, np.float32),
        "pred": np.empty(n, np.int64),
        "W": (0.01 * rng.standard_normal((10, d))).astype(np.float32),
        "delta": (0.01 * rng.standard_normal((FLOOR_ROWS, 10))).astype(np.float32),
    }


def threads_table(data: dict, threads: list[int], rounds: int) -> None:
    """The installed kernel at each thread count, both inputs, next to the floor."""
    from handprop import _native as kernel

    isa = kernel.isa()
    variants: dict[str, Callable[[], float]] = {}
    for b in BATCHES:
        variants[f"floor/{b}"] = lambda b=b: floor_epoch(data["Xf"], data["W"], data["delta"], b)
        for t in threads:
            for label, X, div in (("uint8", data["X"], 255.0), ("float32", data["Xf"], 1.0)):
                variants[f"{label}/{t}/{b}"] = lambda X=X, div=div, b=b, t=t: kernel_epoch(
                    kernel, isa, X, div, data, b, t
                )
            variants[f"step/{t}/{b}"] = lambda b=b, t=t: step_epoch(kernel, isa, data, b, t)
    for t in threads:
        variants[f"call/{t}"] = lambda t=t: call_us(kernel, data, t)
    times = alternate(variants, rounds)

    n = data["idx"].shape[0]
    print(f"`_native.batch_gradient` ({isa}) alone, one epoch of Fashion-MNIST ({n:,} x 784, full")
    print(f"batches), ms: median (min-max) of {rounds} rounds, the variants alternating.")
    print(f"Last column: the batch-{FLOOR_ROWS} epoch over the floor's, medians (minimums).\n")
    print("| | " + " | ".join(f"batch {b}" for b in BATCHES) + f" | / floor at {FLOOR_ROWS} |")
    print("|---|" + "---:|" * (len(BATCHES) + 1))
    floor = times[f"floor/{FLOOR_ROWS}"]

    def ratio(key: str) -> str:
        t = times[key]
        return (
            f"{statistics.median(t) / statistics.median(floor):.2f}x ({min(t) / min(floor):.2f}x)"
        )

    for label, what in (("uint8", "uint8 x, divisor 255"), ("float32", "float32 x / 255")):
        for t in threads:
            row = [cell(times[f"{label}/{t}/{b}"]) for b in BATCHES]
            name = f"kernel, {what}, {t} thread{'s' if t > 1 else ''}"
            print(f"| {name} | " + " | ".join(row) + f" | {ratio(f'{label}/{t}/{FLOOR_ROWS}')} |")
    for t in threads:
        row = [cell(times[f"step/{t}/{b}"]) for b in BATCHES]
        name = f"kernel + `F.sgd_step` (the native step), uint8 x, {t} thread{'s' if t > 1 else ''}"
        print(f"| {name} | " + " | ".join(row) + f" | {ratio(f'step/{t}/{FLOOR_ROWS}')} |")
    row = [cell(times[f"floor/{b}"]) for b in BATCHES]
    print("| two-GEMM floor, float32 x / 255, BLAS as installed | " + " | ".join(row) + " | 1 |")
    one = times["call/1"]
    print("\nOne call on 16 rows (two parts of 8 rows), us, median (min-max); the hand-over is")
    print("what a call on more threads costs beyond 1 thread's time divided by the threads:")
    for t in threads:
        extra = [a - b / t for a, b in zip(times[f"call/{t}"], one, strict=True)]
        more = f"; hand-over {cell(extra, 2)}" if t > 1 else ""
        print(f"- {t} thread{'s' if t > 1 else ''}: {cell(times[f'call/{t}'], 2)}{more}")
    print(f"\nkernel pool: {kernel.pool_threads()} threads; {environment()}")


def builds_table(data: dict, builds: dict, threads: list[int], rounds: int) -> None:
    """The compile-time variants of the kernel on the uint8 images, alternating."""
    folder = Path(tempfile.mkdtemp(prefix="handprop-kernel-"))
    try:
        kernels = {
            name: (build(flags, folder, f"v{i}"), isa)
            for i, (name, (flags, isa)) in enumerate(builds.items())
        }
        variants: dict[str, Callable[[], float]] = {}
        for name, (k, isa) in kernels.items():
            for t in threads:
                for b in BATCHES:
                    variants[f"{name}/{t}/{b}"] = lambda k=k, i=isa, b=b, t=t: kernel_epoch(
                        k, i, data["X"], 255.0, data, b, t
                    )
                    variants[f"{name}/{t}/{b}/step"] = lambda k=k, i=isa, b=b, t=t: step_epoch(
                        k, i, data, b, t
                    )
        times = alternate(variants, rounds)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    print("`_native.batch_gradient` builds, uint8 Fashion-MNIST, ms per epoch: median (min-max)")
    print(f"of {rounds} rounds, the variants alternating: the kernel alone, and the native step")
    print("(the kernel and its `F.sgd_step` update, so W changes every batch as in training).\n")
    heads = [f"batch {b}" for b in BATCHES] + [f"step, batch {b}" for b in BATCHES]
    print("| variant | threads | " + " | ".join(heads) + " |")
    print("|---|---:|" + "---:|" * len(heads))
    for name in kernels:
        for t in threads:
            keys = [f"{name}/{t}/{b}" for b in BATCHES] + [f"{name}/{t}/{b}/step" for b in BATCHES]
            print(f"| {name} | {t} | " + " | ".join(cell(times[k]) for k in keys) + " |")
    print(f"\n{environment()}")


def environment() -> str:
    """Load average, the OpenBLAS variables and the BLAS in use, for the record."""
    tuning = {
        k: os.environ[k] for k in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE") if k in os.environ
    }
    parts = [
        f"load average {os.getloadavg()[0]:.2f}",
        f"OpenBLAS variables set: {tuning or 'none'}",
    ]
    try:
        from threadpoolctl import threadpool_info

        for pool in threadpool_info():
            if pool.get("user_api") == "blas":
                where = f"{pool.get('architecture')}, {pool.get('num_threads')} threads"
                parts.append(f"BLAS {pool.get('internal_api')} {pool.get('version')} ({where})")
    except ImportError:
        pass
    parts.append(f"CPUs {sorted(os.sched_getaffinity(0))}")
    return "; ".join(parts)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--threads", default="1,2", help="thread counts, comma-separated")
    parser.add_argument("--builds", action="store_true", help="compare compile-time variants")
    parser.add_argument("--cpus", help="run on these CPUs only, comma-separated (e.g. 0)")
    parser.add_argument("--only", help="--builds: those whose name holds one of these, comma-sep.")
    args = parser.parse_args()
    threads = [int(t) for t in args.threads.split(",")]
    if args.cpus:
        os.sched_setaffinity(0, {int(c) for c in args.cpus.split(",")})
    data = fashion_mnist()
    print(f"started with {environment()}\n")
    if args.builds:
        words = args.only.split(",") if args.only else [""]
        builds = {k: v for k, v in BUILDS.items() if any(w in k for w in words)}
        builds_table(data, builds, threads, args.rounds)
    else:
        threads_table(data, threads, args.rounds)


if __name__ == "__main__":
    main()
