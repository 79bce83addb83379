"""Data-parallel training on torch.distributed: 2 processes on the loopback address.

Two processes with a global batch of 100 must reach the weights of one process at batch 100
(the gradient of each global batch is the sum of the two shares' gradients: 1e-5 apart in
float32); only rank 0 writes; a process that dies stops the other with a one-line error; data
that differ between the processes are refused before training. The processes are started as
torchrun starts them (RANK, WORLD_SIZE, MASTER_ADDR, MASTER_PORT), and by torchrun itself for
the command line.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from handprop.data.datasets import load_dataset
from handprop.data.preprocessing import Normalizer
from handprop.init import initialize
from handprop.train import SGDConfig, TrainState, fit_sgd

WORKER = Path(__file__).with_name("parallel_worker.py")
TIMEOUT = 240


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _run_group(mode: str, out: Path, size: int = 2, **env: str) -> list[subprocess.Popen]:
    port = str(_free_port())
    procs = []
    for rank in range(size):
        child_env = {
            **os.environ, "RANK": str(rank), "LOCAL_RANK": str(rank), "WORLD_SIZE": str(size),
            "LOCAL_WORLD_SIZE": str(size), "MASTER_ADDR": "127.0.0.1", "MASTER_PORT": port,
            **env,
        }  # fmt: skip
        procs.append(
            subprocess.Popen(
                [sys.executable, str(WORKER), mode, str(out)],
                env=child_env,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )
        )
    return procs


def _wait(procs: list[subprocess.Popen]) -> list[tuple[int, str]]:
    results = []
    for proc in procs:
        try:
            _, err = proc.communicate(timeout=TIMEOUT)
        except subprocess.TimeoutExpired:
            proc.kill()
            _, err = proc.communicate()
            pytest.fail(f"a process hung: {err[-2000:]}")
        results.append((proc.returncode, err))
    return results


def _one_process() -> tuple[np.ndarray, np.ndarray]:
    ds = load_dataset("digits")
    W0, b0 = initialize("torch", 10, 64, rng=0)
    config = SGDConfig(lr=0.1, batch_size=100, epochs=3, momentum=0.9, average=0.5)
    scale = Normalizer("scale", pixel_max=16).fit(ds.X_train)
    result = fit_sgd(ds.X_train, ds.y_train, config, TrainState.initial(W0, b0, rng=5),
                     transform=scale)  # fmt: skip
    return result.W, result.b


@pytest.mark.parametrize("mode", ["env", "group"])
def test_two_processes_reach_the_weights_of_one(mode, tmp_path: Path):
    out = tmp_path / "w.npz"
    results = _wait(_run_group(mode, out))
    assert [code for code, _ in results] == [0, 0], results
    saved = np.load(out)
    W, b = _one_process()
    np.testing.assert_allclose(saved["W"], W, rtol=0, atol=1e-5)
    np.testing.assert_allclose(saved["b"], b, rtol=0, atol=1e-5)
    assert str(saved["engine"]) == "native"
    # only rank 0 wrote: its model and its checkpoint, nothing else
    assert sorted(p.name for p in tmp_path.iterdir()) == ["w.npz", "w.npz.ckpt.npz"]
    state = TrainState.load(tmp_path / "w.npz.ckpt.npz")
    assert state.epoch == 3 and state.settings["config"]["batch_size"] == 100


def test_a_checkpoint_of_two_processes_resumes_in_one(tmp_path: Path):
    out = tmp_path / "w.npz"
    assert [c for c, _ in _wait(_run_group("env", out))] == [0, 0]
    state = TrainState.load(tmp_path / "w.npz.ckpt.npz")
    ds = load_dataset("digits")
    scale = Normalizer("scale", pixel_max=16).fit(ds.X_train)
    config = SGDConfig(lr=0.1, batch_size=100, epochs=4, momentum=0.9, average=0.5)
    more = fit_sgd(ds.X_train, ds.y_train, config, state, transform=scale)
    assert more.resumed_from == 3 and more.state.epoch == 4


def test_a_process_that_dies_stops_the_other_with_one_line(tmp_path: Path):
    start = time.perf_counter()
    results = _wait(_run_group("die", tmp_path / "w.npz", HANDPROP_DIST_TIMEOUT="30"))
    assert results[1][0] == 9  # the one that died
    code, err = results[0]
    assert code == 3, err
    lines = [line for line in err.splitlines() if line.strip()]
    assert lines[-1].startswith("Error: train: another process of the group stopped answering")
    assert time.perf_counter() - start < 120
    assert not (tmp_path / "w.npz").exists()


def test_different_data_is_refused_before_training(tmp_path: Path):
    results = _wait(_run_group("other-data", tmp_path / "w.npz"))
    for code, err in results:
        assert code == 3, err
        assert "process 1 has other data than process 0 (rows: 1441, process 0: 1442)" in err
    assert not list(tmp_path.iterdir())


def test_torchrun_trains_from_the_command_line_and_only_rank_0_writes(tmp_path: Path):
    model = tmp_path / "m.npz"
    common = ["train", "--dataset", "digits", "--epochs", "2", "--seed", "3", "--jobs", "1"]
    cmd = [
        sys.executable, "-m", "torch.distributed.run", "--nproc-per-node", "2",
        "--master-addr", "127.0.0.1", "--master-port", str(_free_port()),
        "-m", "handprop", *common, "--save", str(model), "--format", "json",
    ]  # fmt: skip
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=TIMEOUT, cwd=tmp_path)
    assert done.returncode == 0, done.stderr[-3000:]
    assert done.stdout.count('"dataset": "digits"') == 1  # one report, from rank 0
    assert sorted(p.name for p in tmp_path.iterdir()) == ["m.npz"]
    from handprop.cli import main
    from handprop.model import load_model

    alone = tmp_path / "alone.npz"
    assert main([*common, "--save", str(alone), "--quiet"]) == 0
    np.testing.assert_allclose(load_model(model).coef_, load_model(alone).coef_, atol=1e-5)


def test_a_global_batch_smaller_than_the_group_is_refused(monkeypatch):
    monkeypatch.setenv("WORLD_SIZE", "4")
    ds = load_dataset("digits")
    W0, b0 = initialize("torch", 10, 64, rng=0)
    from handprop.errors import InputError

    with pytest.raises(InputError, match="batch_size must be at least the number of processes"):
        fit_sgd(ds.X_train, ds.y_train, SGDConfig(batch_size=3), TrainState.initial(W0, b0))


@pytest.mark.parametrize(
    ("env", "argv", "text"),
    [
        ({"WORLD_SIZE": "2", "RANK": "0"}, [], "the process group of 2 processes could not start"),
        ({"WORLD_SIZE": "4", "RANK": "0"}, ["--batch-size", "3"],
         "batch_size must be at least the number of processes (4)"),
    ],
)  # fmt: skip
def test_a_group_that_cannot_start_is_one_line_exit_2_and_writes_nothing(
    env, argv, text, tmp_path: Path
):
    child_env = {k: v for k, v in os.environ.items() if not k.startswith("MASTER_")}
    child_env.update(env, HANDPROP_DIST_TIMEOUT="20")
    cmd = [sys.executable, "-m", "handprop", "train", "--dataset", "digits", "--epochs", "1"]
    cmd += [*argv, "--save", str(tmp_path / "m.npz")]
    done = subprocess.run(
        cmd, capture_output=True, text=True, timeout=TIMEOUT, cwd=tmp_path, env=child_env
    )
    assert done.returncode == 2, done.stderr[-2000:]
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: ") and text in lines[0]
    assert list(tmp_path.iterdir()) == []
