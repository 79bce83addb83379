"""Time `handprop exercise class` and `handprop check` on a class of 2,000 students (issue 15's
limit: at most 60 s each on the project's 2-core machine). Prints a table.

    python benchmarks/class_set.py                 # 2,000 students, en and zh
    python benchmarks/class_set.py --students 200  # a quick look

Each student's answer file is filled from the key with one injected mistake (every third),
so the marking does the work of a real class: named mistakes, carried steps, copy checks.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def run(*argv: str) -> float:
    start = time.perf_counter()
    subprocess.run([sys.executable, "-m", "handprop", *argv], check=True, capture_output=True)
    return time.perf_counter() - start


def fill(folder: Path) -> None:
    """Every answer file filled from its key; every third with the delta sign flipped."""
    from handprop.checker import Marker
    from handprop.classset import ANSWERS, PROBLEM, load_class
    from handprop.problem import load_any_problem

    class_set = load_class(folder)
    for n, s in enumerate(class_set.students):
        rounded = Marker(load_any_problem(folder / s.id / PROBLEM), 3).rounded
        if n % 3 == 0:
            rounded["delta"] = -rounded["delta"]
        lines = ['problem = "problem.toml"', "decimals = 3"]
        lines += [f"{q} = {v.tolist()}" for q, v in rounded.items()]
        (folder / s.id / ANSWERS).write_text("\n".join(lines) + "\n", encoding="utf-8")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--students", type=int, default=2000)
    args = parser.parse_args()
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        roster = Path(tmp) / "roster.csv"
        names = "\n".join(f"s{i:04d},学生{i}" for i in range(args.students))
        roster.write_text("id,name\n" + names + "\n", encoding="utf-8")
        for lang, samples in (("en", "1"), ("zh", "2")):
            out = Path(tmp) / f"class-{lang}"
            made = run("exercise", "class", str(roster), "--out", str(out), "--seed", "5",
                       "--lang", lang, "--samples", samples)  # fmt: skip
            fill(out)
            marked = run("check", str(out), "--gradebook", str(out / "g.csv"), "--report",
                         str(out / "r.md"), "--lang", lang)  # fmt: skip
            size = sum(p.stat().st_size for p in out.rglob("*.pdf")) / 2**20
            rows.append((lang, samples, made, marked, size))
    print("| students | lang | samples | exercise class (s) | check (s) | PDFs (MiB) |")
    print("|---:|---|---:|---:|---:|---:|")
    for lang, samples, made, marked, size in rows:
        print(
            f"| {args.students:,} | {lang} | {samples} | {made:.1f} | {marked:.1f} | {size:.0f} |"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
