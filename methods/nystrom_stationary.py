"""Nyström (direct or FALKON, uniform or leverage-score landmarks) on the Gaussian or Laplace kernel."""

from __future__ import annotations

from typing import Any

import numpy as np
import torch

from ntkbench.contracts import Method, Split, TargetKernel
from ntkbench.kernels.stationary import STATIONARY_KERNELS, stationary_kernel, stationary_target
from ntkbench.sketches import check_device
from ntkbench.solvers.bandwidth import resolve_bandwidth
from ntkbench.solvers.landmarks import LANDMARK_METHODS
from ntkbench.solvers.nystrom import SOLVERS, Nystrom
from ntkbench.solvers.protocol import ValidationProtocol


class NystromStationary(Method):
    """Nyström approximation of exp(-‖x − y‖²/(2σ²)) (``kernel="gaussian"``) or exp(-‖x − y‖/σ)
    (``"laplace"``), scored against that kernel.

    The Nyström parameters are those of ``nystrom_ntk`` (``n_components``, ``landmarks``,
    ``solver``, ``rcond``, ``ridge``, ``max_iter``; with ``solver="falkon"`` the method outputs
    predictions). ``bandwidth``: ``"median"`` (default, the median distance between training rows),
    ``"select"`` (the best of the median × 1/8 ... 8 by exact kernel ridge on the validation split,
    at most 2,000 rows) or σ itself; ``bandwidth_`` holds the value used.
    """

    name = "nystrom_stationary"
    output = "features"
    params = {"n_components": [256, 1024, 4096], "kernel": ["gaussian", "laplace"], "bandwidth": ["median"],
              "landmarks": ["uniform", "rls"], "solver": ["direct", "falkon"], "rcond": [1e-10], "ridge": ["select"],
              "max_iter": [50]}
    param_constraints = {"n_components": {"ge": 1}, "rcond": {"ge": 0}, "max_iter": {"ge": 1},
                         "kernel": {"choices": list(STATIONARY_KERNELS)},
                         "bandwidth": {"choices": ["median", "select"], "type": float, "gt": 0},
                         "landmarks": {"choices": list(LANDMARK_METHODS)}, "solver": {"choices": list(SOLVERS)},
                         "ridge": {"choices": ["select"], "type": float, "gt": 0}}

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        check_device(self.device)
        if self.params["solver"] == "falkon":
            self.output = "predictions"

    def skip(self, split: Split) -> str | None:
        self.protocol_ = ValidationProtocol.from_split(split)
        return super().skip(split)

    def fit(self, X: np.ndarray, y: np.ndarray | None = None) -> "NystromStationary":
        p = self.params
        protocol = getattr(self, "protocol_", None)
        kernel_name = p["kernel"]
        self.bandwidth_, self.bandwidth_scores_ = resolve_bandwidth(p["bandwidth"], X, y, kernel=kernel_name,
                                                                    protocol=protocol, seed=self.random_state)
        bandwidth = self.bandwidth_

        def kernel(A: torch.Tensor, B: torch.Tensor) -> torch.Tensor:
            return stationary_kernel(A, B, kernel=kernel_name, bandwidth=bandwidth)

        self.estimator_ = Nystrom(kernel=kernel, n_components=p["n_components"], landmarks=p["landmarks"],
                                  solver=p["solver"], rcond=p["rcond"], ridge=p["ridge"], max_iter=p["max_iter"],
                                  diagonal=lambda A: torch.ones(len(A), dtype=A.dtype, device=A.device),
                                  random_state=self.random_state, device=self.device)
        self.estimator_.fit(X, y, protocol=protocol)
        return self

    def transform(self, X: np.ndarray) -> np.ndarray:
        if self.output != "features":
            return super().transform(X)
        return self.estimator_.transform(X)

    def predict(self, X: np.ndarray) -> np.ndarray:
        if self.output != "predictions":
            return super().predict(X)
        return self.estimator_.predict(X)

    def target_kernel(self) -> TargetKernel:
        return stationary_target(self.params["kernel"], self.bandwidth_)
