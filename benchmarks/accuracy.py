"""Test accuracy of `handprop train` with its default settings on every offline data set.

Runs the real command line (in-process, `--format json`) for several seeds per data set and
writes the Markdown table to benchmarks/ACCURACY.md (the README's results table comes from it).

    python benchmarks/accuracy.py [--seeds 5] [--datasets fashion-mnist,mnist-5k,digits,iris]
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import platform
import statistics
import sys
import time
from pathlib import Path

from handprop.cli import main as handprop_main

# The targets of the data/training issue: test accuracy with the default settings.
TARGETS = {"fashion-mnist": 0.84, "mnist-5k": 0.88, "digits": 0.95, "iris": 0.93}
OUT = Path(__file__).with_name("ACCURACY.md")


def _average(start: float | None) -> str:
    return "none" if start is None else f"from epoch {start}"


def run(dataset: str, seed: int) -> dict:
    buf = io.StringIO()
    argv = ["train", "--dataset", dataset, "--seed", str(seed), "--format", "json", "--quiet"]
    with contextlib.redirect_stdout(buf):
        code = handprop_main(argv)
    if code != 0:
        raise SystemExit(f"handprop {' '.join(argv)} exited {code}")
    return json.loads(buf.getvalue())


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=5)
    parser.add_argument("--datasets", default=",".join(TARGETS))
    args = parser.parse_args()
    rows = []
    for name in args.datasets.split(","):
        results = [run(name, seed) for seed in range(args.seeds)]
        accs = [r["test_accuracy"] for r in results]
        secs = [r["seconds"] for r in results]
        hp = results[0]["hyperparameters"]
        target = TARGETS.get(name)
        met = sum(a >= target for a in accs) if target else None
        rows.append(
            f"| {name} | {results[0]['n_train']:,} / {results[0]['n_test']:,} "
            f"| {hp['epochs']} | {hp['batch_size']} | {hp['lr']} | {hp['momentum']} "
            f"| {hp['lr_schedule']} | {_average(hp.get('average'))} | {hp['normalize']} "
            f"| {100 * statistics.median(accs):.2f}% ({100 * min(accs):.2f}-{100 * max(accs):.2f}) "
            f"| {statistics.median(secs):.2f} s "
            f"| {'' if target is None else f'>= {100 * target:.0f}%: {met} of {len(accs)}'} |"
        )
        print(rows[-1], flush=True)
    table = "\n".join(
        [
            "| data set | train / test | epochs | batch | lr | momentum | schedule | averaging "
            "| inputs | test accuracy, median (min-max) | training time | target met |",
            "|---|---|---|---|---|---|---|---|---|---|---|---|",
            *rows,
        ]
    )
    header = (
        f"# Test accuracy with `handprop train` defaults\n\n"
        f"Made by `python benchmarks/accuracy.py --seeds {args.seeds}` on "
        f"{time.strftime('%Y-%m-%d')}, {platform.processor() or platform.machine()}, "
        f"Python {platform.python_version()}; seeds 0-{args.seeds - 1}. Training time excludes "
        f"data loading and the per-epoch test evaluation.\n\n"
    )
    OUT.write_text(header + table + "\n", encoding="utf-8")
    print(f"\nwritten to {OUT}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
