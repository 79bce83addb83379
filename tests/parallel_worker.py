"""One process of a data-parallel run started by tests/test_parallel.py.

``python tests/parallel_worker.py MODE OUT``, with RANK, WORLD_SIZE, MASTER_ADDR and
MASTER_PORT in the environment as torchrun sets them. Modes:

* ``env``: fit_sgd starts the group from the environment; rank 0 saves the weights to OUT;
* ``group``: the process starts the group itself (init_process_group) before fit_sgd;
* ``die``: rank 1 exits abruptly after its third batch; rank 0 must stop with an error;
* ``other-data``: rank 1 trains on one row fewer; every rank must refuse to start;
* ``estimator``: SoftmaxRegression.fit with its defaults, saved by rank 0.

A HandpropError is printed as one line on stderr with exit code 3.
"""

from __future__ import annotations

import os
import sys

import numpy as np


def main(mode: str, out: str) -> int:
    from handprop.data.datasets import load_dataset
    from handprop.data.preprocessing import Normalizer
    from handprop.errors import HandpropError
    from handprop.init import initialize
    from handprop.train import EngineSpec, SGDConfig, TrainingProgress, TrainState, fit_sgd

    rank = int(os.environ["RANK"])
    ds = load_dataset("digits")
    X, y = ds.X_train, ds.y_train
    if mode == "other-data" and rank == 1:
        X, y = X[:-1], y[:-1]
    if mode == "group":
        import torch.distributed as dist

        dist.init_process_group("gloo")

    class Die(TrainingProgress):
        def on_batch_end(self, epoch: int, batch: int, loss: float) -> None:
            if mode == "die" and rank == 1 and batch == 3:
                os._exit(9)

    try:
        if mode == "estimator":
            from handprop.model import SoftmaxRegression

            model = SoftmaxRegression(normalize="scale", epochs=2, random_state=0, n_jobs=1)
            model.fit(X, y)
            W, b, engine = model.coef_, model.intercept_, model.engine_
        else:
            W0, b0 = initialize("torch", 10, 64, rng=0)
            config = SGDConfig(lr=0.1, batch_size=100, epochs=3, momentum=0.9, average=0.5)
            scale = Normalizer("scale", pixel_max=16).fit(X)
            result = fit_sgd(
                X, y, config, TrainState.initial(W0, b0, rng=5), transform=scale,
                engine=EngineSpec(n_jobs=1), progress=Die(), checkpoint=out + ".ckpt.npz",
            )  # fmt: skip
            W, b, engine = result.W, result.b, result.engine
    except HandpropError as err:
        print(f"Error: {err}", file=sys.stderr)
        return 3
    if rank == 0:
        np.savez(out, W=W, b=b, engine=np.array(engine))
    if mode == "group":
        import torch.distributed as dist

        dist.destroy_process_group()  # the group this process started itself
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2]))
