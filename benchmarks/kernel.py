"""Time the native kernel's variants side by side: logit tiles, the prefetch, the plain C version.

Builds ``src/handprop/_native.c`` once per variant with the compiler flags that select it
(``-DHP_TILE_ROWS``/``-DHP_TILE_CLASSES``, ``-DHP_PREFETCH``) into a temporary folder, loads
each build, and times one shuffled epoch of Fashion-MNIST through ``batch_gradient`` alone (no
update, no Python loop around it), the variants alternating round by round. Prints a Markdown
table of milliseconds per epoch, median (min-max), at batch 128 and 48.

    .venv/bin/python benchmarks/kernel.py [--rounds 5]

Needs a C compiler and the Python headers, as building the package does.
"""

from __future__ import annotations

import argparse
import importlib.util
import shutil
import statistics
import subprocess
import sys
import sysconfig
import tempfile
import time
from pathlib import Path
from types import ModuleType

import numpy as np

SOURCE = Path(__file__).resolve().parents[1] / "src" / "handprop" / "_native.c"

#: name -> (compiler flags, kernel version)
VARIANTS: dict[str, tuple[list[str], str]] = {
    "AVX2, tiles of 4 rows x 3 classes (the kernel as shipped)": ([], "avx2"),
    "AVX2, tiles of 2 x 4": (["-DHP_TILE_ROWS=2", "-DHP_TILE_CLASSES=4"], "avx2"),
    "AVX2, tiles of 4 x 2": (["-DHP_TILE_ROWS=4", "-DHP_TILE_CLASSES=2"], "avx2"),
    "AVX2, tiles of 3 x 4": (["-DHP_TILE_ROWS=3", "-DHP_TILE_CLASSES=4"], "avx2"),
    "AVX2, tiles of 4 x 3, software prefetch of the next 8 rows": (["-DHP_PREFETCH"], "avx2"),
    "plain C version (`set_isa('generic')`)": ([], "generic"),
}
BATCHES = (128, 48)


def build(flags: list[str], folder: Path, tag: str) -> ModuleType:
    """Compile the kernel with ``flags`` into ``folder/tag`` and load it."""
    out_dir = folder / tag
    out_dir.mkdir()
    target = out_dir / f"_native{sysconfig.get_config_var('EXT_SUFFIX')}"
    cc = shutil.which("cc") or shutil.which("gcc")
    if cc is None:
        sys.exit("kernel.py: no C compiler (cc or gcc) on PATH")
    include = sysconfig.get_paths()["include"]
    cmd = [cc, "-shared", "-fPIC", "-O3", "-std=c99", f"-I{include}", *flags, str(SOURCE)]
    subprocess.run([*cmd, "-o", str(target)], check=True)
    spec = importlib.util.spec_from_file_location("handprop._native", target)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def epoch_ms(kernel: ModuleType, isa: str, data: dict, batch: int) -> float:
    """One epoch of ``batch_gradient`` calls over the shuffled rows, in ms."""
    kernel.set_isa(isa)
    X, idx, y, P, G, pred = (data[k] for k in ("X", "idx", "y", "P", "G", "pred"))
    start = time.perf_counter()
    for i in range(0, idx.shape[0] - batch + 1, batch):
        kernel.batch_gradient(X, idx, y, i, batch, P, G, 255.0, pred)
    return 1000 * (time.perf_counter() - start)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()

    from handprop.data.datasets import load_dataset

    ds = load_dataset("fashion-mnist")
    rng = np.random.default_rng(0)
    n, d = ds.X_train.shape
    idx = rng.permutation(n).astype(np.int64)
    data = {
        "X": ds.X_train,
        "idx": idx,
        "y": ds.y_train[idx].astype(np.int64),
        "P": (0.01 * rng.standard_normal(10 * d + 10)).astype(np.float32),
        "G": np.empty(10 * d + 10, np.float32),
        "pred": np.empty(n, np.int64),
    }
    folder = Path(tempfile.mkdtemp(prefix="handprop-kernel-"))
    try:
        kernels = {
            name: (build(flags, folder, f"v{i}"), isa)
            for i, (name, (flags, isa)) in enumerate(VARIANTS.items())
        }
        times: dict[tuple[str, int], list[float]] = {
            (name, b): [] for name in kernels for b in BATCHES
        }
        for kernel, isa in kernels.values():  # warm-up: page in X, fill the caches
            epoch_ms(kernel, isa, data, BATCHES[0])
        for _ in range(args.rounds):
            for name, (kernel, isa) in kernels.items():
                for b in BATCHES:
                    times[(name, b)].append(epoch_ms(kernel, isa, data, b))
    finally:
        shutil.rmtree(folder, ignore_errors=True)

    print(f"`_native.batch_gradient` alone, one epoch of Fashion-MNIST ({n:,} x {d}), ms: median")
    print(f"(min-max) of {args.rounds} rounds, the variants alternating.\n")
    print("| variant | " + " | ".join(f"batch {b}" for b in BATCHES) + " |")
    print("|---|" + "---:|" * len(BATCHES))
    for name in kernels:
        cells = []
        for b in BATCHES:
            t = times[(name, b)]
            cells.append(f"{statistics.median(t):.1f} ({min(t):.1f}-{max(t):.1f})")
        print(f"| {name} | " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()
