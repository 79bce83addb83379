"""Interrupted work loses nothing: Ctrl-C during training, and writes that fail or die halfway.

* A real ``python -m handprop train --checkpoint`` gets a real SIGINT once its first checkpoint
  exists: it stops after the current batch with exit code 130, the checkpoint on disk is a
  complete, loadable one, and ``--resume`` finishes with exactly the weights of a run that was
  never interrupted (same seed). A second SIGINT (stop now) leaves a loadable checkpoint too.
* Every writer of a file (model, checkpoint, IDX, problem, picture, plot, exercise pair) goes
  through a temporary file and ``os.replace``: made to fail halfway through its data, or just
  before the rename, it leaves the old file byte for byte and no temporary file behind.
* A process that dies inside a model write (``os._exit``) leaves the old model loadable.
"""

from __future__ import annotations

import errno
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from handprop.errors import FileWriteError

from .harness import child_env, run_cli

TRAIN = [
    "train", "--dataset", "digits", "--epochs", "12", "--batch-size", "1", "--lr", "0.01",
    "--seed", "3", "--quiet",
]  # fmt: skip


def _weights(path: Path) -> tuple[np.ndarray, np.ndarray]:
    from handprop.model import load_model

    model = load_model(path)
    return np.asarray(model.coef_), np.asarray(model.intercept_)


def _start(args: list[str], cwd: Path) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "handprop", *args],
        cwd=cwd,
        env=child_env(cwd),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _interrupt_after_first_checkpoint(
    args: list[str], cwd: Path, checkpoint: Path, signals: int
) -> tuple[int, str]:
    proc = _start(args, cwd)
    try:
        deadline = time.monotonic() + 60
        while not checkpoint.exists():
            assert proc.poll() is None, proc.communicate()
            assert time.monotonic() < deadline, "no checkpoint appeared"
            time.sleep(0.005)
        for _ in range(signals):
            proc.send_signal(signal.SIGINT)
            time.sleep(0.001)
        _, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    return proc.returncode, err


@pytest.mark.guarantee("sigint-checkpoint")
@pytest.mark.guarantee("sigint-resume")
def test_sigint_then_resume_gives_the_same_weights(tmp_path: Path) -> None:
    from handprop.train import TrainState

    reference = run_cli([*TRAIN, "--save", str(tmp_path / "reference.npz")])
    assert reference.code == 0, reference.stderr

    checkpoint = tmp_path / "ck.npz"
    code, err = _interrupt_after_first_checkpoint(
        [*TRAIN, "--checkpoint", str(checkpoint)], tmp_path, checkpoint, signals=1
    )
    assert code == 130, err
    assert "Traceback" not in err
    state = TrainState.load(checkpoint)  # complete and loadable
    assert 1 <= state.epoch < 12, "the run was not interrupted in the middle"
    assert len(state.history) == state.epoch
    assert all(np.isfinite(a).all() for a in (state.W, state.b))
    assert not [p.name for p in tmp_path.iterdir() if p.name.endswith(".tmp")]

    resumed = run_cli(
        [*TRAIN, "--checkpoint", str(checkpoint), "--resume", "--save", str(tmp_path / "r.npz")]
    )
    assert resumed.code == 0, resumed.stderr
    W_ref, b_ref = _weights(tmp_path / "reference.npz")
    W_res, b_res = _weights(tmp_path / "r.npz")
    np.testing.assert_array_equal(W_res, W_ref)
    np.testing.assert_array_equal(b_res, b_ref)
    assert TrainState.load(checkpoint).epoch == 12


@pytest.mark.guarantee("sigint-checkpoint")
def test_two_sigints_stop_at_once_and_keep_a_loadable_checkpoint(tmp_path: Path) -> None:
    from handprop.train import TrainState

    checkpoint = tmp_path / "ck.npz"
    code, err = _interrupt_after_first_checkpoint(
        [*TRAIN, "--checkpoint", str(checkpoint)], tmp_path, checkpoint, signals=2
    )
    assert code == 130, err
    assert "Traceback" not in err
    assert TrainState.load(checkpoint).epoch >= 1
    assert sorted(p.name for p in tmp_path.iterdir()) in (["ck.npz"], ["ck.npz", "data-root"])


# ------------------------------------------------------------------------------ failed writes


class _HalfWriter:
    """A file whose first write stores half of the data, then fails with ``exc``."""

    def __init__(self, real: Any, exc: BaseException) -> None:
        self.real, self.exc, self.failed = real, exc, False

    def write(self, data: Any) -> int:
        view = memoryview(data).cast("B")
        self.real.write(view[: max(1, len(view) // 2)])
        self.real.flush()
        raise self.exc

    def __getattr__(self, name: str) -> Any:
        return getattr(self.real, name)

    def __enter__(self) -> _HalfWriter:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.real.close()


def _writers(tmp_path: Path) -> dict[str, tuple[Path, Callable[[], Any]]]:
    """name -> (target file, a call that (re)writes it with new contents)."""
    from handprop import plots
    from handprop.data.idx import write_idx
    from handprop.data.images import save_input_image
    from handprop.model import SoftmaxRegression, save_model
    from handprop.problem import load_problem, save_problem
    from handprop.train import TrainState

    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(40, 4)), np.arange(40) % 3
    model = SoftmaxRegression(epochs=1, random_state=0).fit(X, y)
    problem_file = tmp_path / "p.toml"
    problem_file.write_text(
        "X = [1.0, 2.0]\nW = [[0.1, 0.2], [0.3, 0.4]]\nb = [0.0, 0.0]\ny = 0\nlr = 0.1\n"
    )
    problem = load_problem(problem_file)
    state = TrainState.initial(np.ones((3, 4), np.float32), np.zeros(3, np.float32), rng=1)
    state.epoch, state.step = 1, 10
    calls: dict[str, tuple[Path, Callable[[], Any]]] = {
        "model": (tmp_path / "m.npz", lambda: save_model(model, tmp_path / "m.npz")),
        "checkpoint": (tmp_path / "ck.npz", lambda: state.save(tmp_path / "ck.npz")),
        "idx": (tmp_path / "a.idx", lambda: write_idx(tmp_path / "a.idx", rng.random((5, 5)))),
        "problem": (problem_file, lambda: save_problem(problem, problem_file)),
        "picture": (
            tmp_path / "in.png",
            lambda: save_input_image(rng.integers(0, 255, (8, 8)), tmp_path / "in.png"),
        ),
        "plot": (
            tmp_path / "cm.png",
            lambda: plots.plot_confusion(
                np.eye(3, dtype=int), ["a", "b", "c"], tmp_path / "cm.png"
            ),
        ),
    }
    for path, write in calls.values():  # the old files
        if path != problem_file:
            write()
    return calls


WRITERS = ["model", "checkpoint", "idx", "problem", "picture", "plot"]


@pytest.mark.guarantee("atomic-write")
@pytest.mark.parametrize("failure", ["disk full halfway", "Ctrl-C halfway", "rename fails"])
@pytest.mark.parametrize("writer", WRITERS)
def test_a_failed_write_keeps_the_old_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, writer: str, failure: str
) -> None:
    path, write = _writers(tmp_path)[writer]
    old = path.read_bytes()
    listing = sorted(p.name for p in tmp_path.iterdir())
    real_fdopen = os.fdopen
    if failure == "rename fails":

        def broken_replace(src: Any, dst: Any) -> None:
            raise OSError(errno.EXDEV, "Invalid cross-device link")

        monkeypatch.setattr(os, "replace", broken_replace)
        expected: type[BaseException] = FileWriteError
    else:
        exc: BaseException = (
            OSError(errno.ENOSPC, "No space left on device")
            if failure == "disk full halfway"
            else KeyboardInterrupt()
        )
        expected = FileWriteError if isinstance(exc, OSError) else KeyboardInterrupt
        monkeypatch.setattr(
            os, "fdopen", lambda fd, *a, **k: _HalfWriter(real_fdopen(fd, *a, **k), exc)
        )
    with pytest.raises(expected) as info:
        write()
    monkeypatch.undo()
    if expected is FileWriteError:
        message = str(info.value)
        assert message.startswith(f"{path}: cannot write the file (") and "\n" not in message
        assert isinstance(info.value, OSError)  # still an OSError for callers that expect one
    assert path.read_bytes() == old
    assert sorted(p.name for p in tmp_path.iterdir()) == listing  # no temporary file left


@pytest.mark.guarantee("atomic-write")
def test_the_exercise_pair_is_written_whole_or_not_at_all(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``exercise new -o ex.toml --force`` writes the problem and its answer template: a disk
    that fills up while writing the second leaves both old files."""
    target = tmp_path / "ex.toml"
    assert run_cli(["exercise", "new", "-o", str(target), "--seed", "1"]).code == 0
    before = {p.name: p.read_bytes() for p in tmp_path.iterdir()}
    assert len(before) == 2  # the problem and its answers file
    real_fdopen = os.fdopen
    opened: list[int] = []

    def second_fails(fd: int, *args: Any, **kwargs: Any) -> Any:
        opened.append(fd)
        handle = real_fdopen(fd, *args, **kwargs)
        if len(opened) < 2:
            return handle
        return _HalfWriter(handle, OSError(errno.ENOSPC, "No space left on device"))

    monkeypatch.setattr(os, "fdopen", second_fails)
    outcome = run_cli(["exercise", "new", "-o", str(target), "--seed", "2", "--force"])
    monkeypatch.undo()
    assert outcome.code == 2
    assert outcome.message.startswith("Error: ") and "cannot write the file" in outcome.message
    assert "\n" not in outcome.message
    assert {p.name: p.read_bytes() for p in tmp_path.iterdir()} == before


_DIE_WHILE_WRITING = """
import os, sys
from handprop.fileio import write_atomic
new = open(sys.argv[2], "rb").read()
def writer(handle):
    handle.write(new[: len(new) // 2])
    handle.flush()
    os._exit(3)  # the process dies: no exception handler, no cleanup
write_atomic(sys.argv[1], writer)
"""


@pytest.mark.guarantee("atomic-crash")
def test_a_process_dying_mid_write_leaves_the_old_model(tmp_path: Path) -> None:
    from handprop.model import SoftmaxRegression, load_model, save_model

    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(40, 4)), np.arange(40) % 3
    path, other = tmp_path / "m.npz", tmp_path / "other.npz"
    save_model(SoftmaxRegression(epochs=1, random_state=0).fit(X, y), path)
    save_model(SoftmaxRegression(epochs=3, random_state=1).fit(X, y), other)
    old = path.read_bytes()
    proc = subprocess.run(
        [sys.executable, "-c", _DIE_WHILE_WRITING, str(path), str(other)],
        env=child_env(tmp_path),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 3, proc.stderr
    assert path.read_bytes() == old
    load_model(path)  # still a complete model
    leftovers = [p.name for p in tmp_path.iterdir() if p.name not in ("m.npz", "other.npz")]
    assert len(leftovers) == 1 and leftovers[0].startswith(".m.npz.")  # the dead temporary file
    save_model(load_model(other), path)  # and the next write is not disturbed by it
    np.testing.assert_array_equal(load_model(path).coef_, load_model(other).coef_)
