"""The torch engine on a GPU against a plain PyTorch loop: seconds per epoch, written to GPU.md.

Rows (lr 0.1, no momentum, no averaging, seconds per epoch: the median of the epochs after
the first, which captures graphs and warms the caches):

* handprop ``fit_sgd(engine="torch", device="cuda")``: X on the device as uint8 (x / 255 on
  the device), no host sync between loss checks, a CUDA graph per full batch;
* the comparison: a PyTorch autograd loop (``nn.Linear``, ``CrossEntropyLoss``, ``SGD``) with
  the data already on the GPU as float32 / 255, the batches drawn with ``randperm``;
* a parity line: the largest difference between the GPU weights and the reference engine's
  on the CPU after the same epoch of Fashion-MNIST.

Sizes: Fashion-MNIST (60,000 x 784) at batch 128 and 4096, and 2,000,000 x 784 float32 rows
(Fashion-MNIST tiled) at batch 8192. Targets (issue 13): at most 0.025 s, 1.5 ms and 0.010 s
per epoch. Where no GPU is present the script says so and exits with 0.

    python benchmarks/gpu.py [--epochs 5] [--out benchmarks/GPU.md]
"""

from __future__ import annotations

import argparse
import datetime
import statistics
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

HERE = Path(__file__).resolve().parent
TARGETS = {"fmnist-128": 0.025, "fmnist-4096": 0.0015, "2m-8192": 0.010}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=5)
    parser.add_argument("--out", type=Path, default=HERE / "GPU.md")
    args = parser.parse_args(argv)
    import torch

    if not torch.cuda.is_available():
        print("No CUDA device here: benchmarks/gpu.py measures the torch engine on a GPU only.")
        return 0
    from handprop.data.datasets import load_dataset

    ds = load_dataset("fashion-mnist")
    big = np.tile(ds.X_train.astype(np.float32) / 255, (34, 1))[:2_000_000]
    big_y = np.tile(ds.y_train, 34)[:2_000_000]
    cases = [
        ("fmnist-128", "Fashion-MNIST, batch 128", ds.X_train, ds.y_train, 128, 255.0),
        ("fmnist-4096", "Fashion-MNIST, batch 4096", ds.X_train, ds.y_train, 4096, 255.0),
        ("2m-8192", "2,000,000 x 784 float32, batch 8192", big, big_y, 8192, None),
    ]
    rows = []
    for key, what, X, y, batch, divisor in cases:
        ours = handprop_epochs(X, y, batch, divisor, args.epochs)
        theirs = autograd_epochs(X, y, batch, divisor, args.epochs)
        rows.append((key, what, ours, theirs))
        print(f"{what}: handprop {statistics.median(ours):.4f} s, autograd "
              f"{statistics.median(theirs):.4f} s per epoch", flush=True)  # fmt: skip
    parity = parity_check(ds)
    write_report(args.out, rows, parity, args.epochs)
    print(f"wrote {args.out}")
    return 0


def handprop_epochs(
    X: np.ndarray, y: np.ndarray, batch: int, divisor: float | None, epochs: int
) -> list[float]:
    from handprop.data.preprocessing import Normalizer
    from handprop.init import initialize
    from handprop.train import EngineSpec, SGDConfig, TrainState, fit_sgd

    W, b = initialize("torch", 10, X.shape[1], rng=0)
    config = SGDConfig(lr=0.1, batch_size=batch, epochs=epochs, momentum=0.0, average=None)
    transform = None if divisor is None else Normalizer("scale", pixel_max=divisor).fit(X[:1])
    result = fit_sgd(
        X, y, config, TrainState.initial(W, b, rng=0), engine=EngineSpec("torch", "cuda"),
        transform=transform,
    )  # fmt: skip
    return [r.seconds for r in result.history][1:]


def autograd_epochs(
    X: np.ndarray, y: np.ndarray, batch: int, divisor: float | None, epochs: int
) -> list[float]:
    """``nn.Linear`` + ``CrossEntropyLoss`` + ``optim.SGD``, X on the GPU as float32."""
    import torch

    dev = torch.device("cuda")
    Xg = torch.from_numpy(X).to(dev).float()
    if divisor is not None:
        Xg /= divisor
    yg = torch.from_numpy(np.asarray(y, dtype=np.int64)).to(dev)
    torch.manual_seed(0)
    layer = torch.nn.Linear(X.shape[1], 10).to(dev)
    opt = torch.optim.SGD(layer.parameters(), lr=0.1)
    loss_fn = torch.nn.CrossEntropyLoss()
    times = []
    for _ in range(epochs):
        torch.cuda.synchronize()
        start = time.perf_counter()
        perm = torch.randperm(Xg.shape[0], device=dev)
        for i in range(0, Xg.shape[0], batch):
            rows = perm[i : i + batch]
            opt.zero_grad(set_to_none=True)
            loss = loss_fn(layer(Xg[rows]), yg[rows])
            loss.backward()
            opt.step()
        torch.cuda.synchronize()
        times.append(time.perf_counter() - start)
    return times[1:]


def parity_check(ds: Any) -> float:
    """Largest |W_gpu - W_reference| after one epoch of Fashion-MNIST at batch 128."""
    from handprop.data.preprocessing import Normalizer
    from handprop.init import initialize
    from handprop.train import EngineSpec, SGDConfig, TrainState, fit_sgd

    W, b = initialize("torch", 10, 784, rng=0)
    scale = Normalizer("scale", pixel_max=255).fit(ds.X_train[:1])
    config = SGDConfig(lr=0.1, batch_size=128, epochs=1, momentum=0.9, average=0.5)
    runs = [
        fit_sgd(
            ds.X_train,
            ds.y_train,
            config,
            TrainState.initial(W, b, rng=1),
            engine=spec,
            transform=scale,
        )
        for spec in (EngineSpec("torch", "cuda"), EngineSpec("reference"))
    ]
    return float(np.max(np.abs(runs[0].W - runs[1].W)))


def write_report(path: Path, rows: list, parity: float, epochs: int) -> None:
    import torch

    name = torch.cuda.get_device_name(0)
    lines = [
        "# The torch engine on a GPU",
        "",
        f"Written by `python benchmarks/gpu.py` on {datetime.date.today()}: {name}, "
        f"PyTorch {torch.__version__}, CUDA {torch.version.cuda}. Seconds per epoch, the "
        f"median of epochs 2-{epochs} (lr 0.1, no momentum, no averaging).",
        "",
        '| data, batch | handprop `engine="torch"`, `device="cuda"` | PyTorch autograd loop, '
        "data on the GPU | target | met |",
        "|---|---:|---:|---:|---|",
    ]
    for key, what, ours, theirs in rows:
        mine, base = statistics.median(ours), statistics.median(theirs)
        target = TARGETS[key]
        lines.append(
            f"| {what} | {mine:.4f} ({min(ours):.4f}-{max(ours):.4f}) | {base:.4f} | "
            f"<= {target:g} | {'yes' if mine <= target else 'no'} |"
        )
    lines += [
        "",
        f"Parity: after one epoch of Fashion-MNIST (batch 128, momentum 0.9, averaging) the "
        f"GPU weights differ from the reference engine's on the CPU by at most {parity:.1e}.",
        "",
    ]
    path.write_text("\n".join(lines))


if __name__ == "__main__":
    sys.exit(main())
