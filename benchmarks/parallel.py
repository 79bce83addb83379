"""Data-parallel training: 2 processes against 1, on 600,000 x 784 float32 rows; PARALLEL.md.

The rows are Fashion-MNIST / 255 tiled ten times, written once to a temporary file that every
process memory-maps (as on several machines each would map its copy). Each process trains
with the native engine on one thread (``n_jobs=1``), lr 0.1, no momentum, no averaging; the
table gives the seconds per epoch (median of the epochs after the first) of one process and
of two processes on the loopback address (torch.distributed, gloo), for global batches from
512 to 16,384, and the speed-up. Small batches do not gain: every step adds an all_reduce of
the 7,850 gradient numbers (about 1 ms here), so the crossover is where a step's share of
the work outgrows that.

    python benchmarks/parallel.py [--epochs 3] [--out benchmarks/PARALLEL.md]
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
REPS = 10  # Fashion-MNIST tiled ten times: 600,000 rows
BATCHES = (512, 1024, 2048, 4096, 8192, 16384)


def worker(path: str, labels: str, batch: int, epochs: int) -> None:
    """One process of a run (alone, or one rank of a group): prints its epoch seconds."""
    from handprop.init import initialize
    from handprop.train import EngineSpec, SGDConfig, TrainState, fit_sgd

    X = np.memmap(path, dtype=np.float32, mode="r").reshape(-1, 784)
    y = np.load(labels)
    W, b = initialize("torch", 10, 784, rng=0)
    config = SGDConfig(lr=0.1, batch_size=batch, epochs=epochs, momentum=0.0, average=None)
    spec = EngineSpec("native", n_jobs=1)
    result = fit_sgd(X, y, config, TrainState.initial(W, b, rng=0), engine=spec)
    if int(os.environ.get("RANK", "0")) == 0:
        print(json.dumps([r.seconds for r in result.history]))


def run(path: Path, labels: Path, batch: int, epochs: int, procs: int) -> list[float]:
    port = _free_port()
    cmd = [sys.executable, __file__, "--worker", str(path), str(labels), str(batch), str(epochs)]
    children = []
    for rank in range(procs):
        env = dict(os.environ)
        env.pop("OPENBLAS_CORETYPE", None)
        env.pop("OPENBLAS_L2_SIZE", None)
        if procs > 1:
            env.update(RANK=str(rank), LOCAL_RANK=str(rank), WORLD_SIZE=str(procs),
                       LOCAL_WORLD_SIZE=str(procs), MASTER_ADDR="127.0.0.1",
                       MASTER_PORT=str(port))  # fmt: skip
        children.append(subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, text=True))
    outs = [child.communicate()[0] for child in children]
    if any(child.returncode for child in children):
        raise SystemExit(f"a run failed: batch {batch}, {procs} processes")
    return json.loads(outs[0])[1:]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--out", type=Path, default=HERE / "PARALLEL.md")
    parser.add_argument("--reps", type=int, default=REPS, help="copies of Fashion-MNIST")
    parser.add_argument("--batches", type=int, nargs="+", default=BATCHES)
    parser.add_argument("--worker", nargs=4, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        path, labels, batch, epochs = args.worker
        worker(path, labels, int(batch), int(epochs))
        return 0
    from handprop.data.datasets import load_dataset

    ds = load_dataset("fashion-mnist")
    rows = []
    with tempfile.TemporaryDirectory(prefix="handprop-parallel-") as tmp:
        path, labels = Path(tmp) / "x.f32", Path(tmp) / "y.npy"
        one = (ds.X_train.astype(np.float32) / 255).tobytes()
        with open(path, "wb") as f:
            for _ in range(args.reps):
                f.write(one)
        np.save(labels, np.tile(ds.y_train, args.reps))
        for batch in args.batches:
            alone = run(path, labels, batch, args.epochs, 1)
            pair = run(path, labels, batch, args.epochs, 2)
            rows.append((batch, alone, pair))
            print(f"batch {batch}: 1 process {statistics.median(alone):.3f} s, 2 processes "
                  f"{statistics.median(pair):.3f} s", flush=True)  # fmt: skip
    write_report(args.out, rows, args.epochs, args.reps * ds.X_train.shape[0])
    print(f"wrote {args.out}")
    return 0


def write_report(path: Path, rows: list, epochs: int, n_rows: int) -> None:
    lines = [
        "# Data-parallel training: 2 processes against 1",
        "",
        f"Written by `python benchmarks/parallel.py` on {datetime.date.today()}, "
        f"{os.cpu_count()} cores, load average before the run "
        f"{os.getloadavg()[0]:.2f}. {n_rows:,} x 784 float32 rows (Fashion-MNIST / 255 "
        f"tiled, memory-mapped by every process), the native engine on one thread per "
        f"process, seconds per epoch: the median (min-max) of epochs 2-{epochs}.",
        "",
        "| global batch | 1 process | 2 processes | speed-up |",
        "|---:|---:|---:|---:|",
    ]
    crossover = None
    for batch, alone, pair in rows:
        a, p = statistics.median(alone), statistics.median(pair)
        if crossover is None and a / p >= 1.0:
            crossover = batch
        lines.append(
            f"| {batch:,} | {a:.3f} ({min(alone):.3f}-{max(alone):.3f}) | "
            f"{p:.3f} ({min(pair):.3f}-{max(pair):.3f}) | {a / p:.2f}x |"
        )
    lines += [
        "",
        f"Crossover: 2 processes are faster from a global batch of {crossover:,} on."
        if crossover
        else "Crossover: 2 processes were never faster here.",
        "",
    ]
    path.write_text("\n".join(lines))


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


if __name__ == "__main__":
    sys.exit(main())
