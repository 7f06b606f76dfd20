"""asv benchmarks of the trained-network and GP baselines: one training epoch of a small MLP and
one GP fit (marginal-likelihood steps), their time and peak memory.

``NTKBENCH_BENCH_PROFILE=full`` runs the large sizes; the default quick profile keeps asv fast.
"""

from __future__ import annotations

import importlib.util
import os

import numpy as np
import torch

from ntkbench.arch import Arch
from ntkbench.nets import build_network, train_network

FULL = os.environ.get("NTKBENCH_BENCH_PROFILE", "quick") == "full"


def _regression(n: int, d: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, d)) / np.sqrt(d)
    return X, np.sin(3 * X[:, 0]) + 0.1 * rng.standard_normal(n)


class TrainedMLPEpoch:
    """One epoch of Adam on MSE (minibatches of 128) for a depth-2 NTK-parameterised MLP, dense
    (rank 0) or factorised (a rank-32 trainable factor times a fixed random map)."""

    params = [[256, 1024] if FULL else [64, 256], [10000 if FULL else 2000], [0, 32]]
    param_names = ["width", "n", "rank"]

    def setup(self, width: int, n: int, rank: int) -> None:
        torch.set_num_threads(1)
        X, y = _regression(n, 90)
        self.X = torch.as_tensor(X, dtype=torch.float32)
        self.y = torch.as_tensor(y[:, None], dtype=torch.float32)
        self.network = build_network(Arch(depth=2, b_std=0.1), (90,), width=width, random_state=0,
                                     rank=rank or None)
        train_network(self.network, self.X[:128], self.y[:128], epochs=1)  # first-call costs (optimiser import)

    def time_epoch(self, width: int, n: int, rank: int) -> None:
        train_network(self.network, self.X, self.y, epochs=1, batch_size=128)

    def peakmem_epoch(self, width: int, n: int, rank: int) -> None:
        train_network(self.network, self.X, self.y, epochs=1, batch_size=128)


class GPFit:
    """Ten marginal-likelihood steps of an exact GP (NTK or ARD RBF kernel) and a linear-kernel GP
    on 512 NTKSketch-sized features (random here), on n points."""

    params = [["ntk", "rbf", "linear"], [2000 if FULL else 500]]
    param_names = ["kernel", "n"]

    def setup(self, kernel: str, n: int) -> None:
        if importlib.util.find_spec("gpytorch") is None:
            raise NotImplementedError("gpytorch is not installed")
        from ntkbench.gp import GPRegressor

        torch.set_num_threads(1)
        d = 512 if kernel == "linear" else 8
        self.X, self.y = _regression(n, d)
        self.make = lambda: GPRegressor(kernel, depth=2, b_std=0.1, n_iter=10, random_state=0)
        self.make().fit(self.X[:50], self.y[:50])  # first-call costs (imports)

    def time_fit(self, kernel: str, n: int) -> None:
        self.make().fit(self.X, self.y)

    def peakmem_fit(self, kernel: str, n: int) -> None:
        self.make().fit(self.X, self.y)
