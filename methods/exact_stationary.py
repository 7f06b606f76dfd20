"""Exact kernel ridge regression with the Gaussian or the Laplace kernel: what a practitioner tries
before any neural kernel (the Laplace kernel has the ReLU NTK's spectrum on the sphere)."""

from __future__ import annotations

import numpy as np

from ntkbench.contracts import Method, Split, TargetKernel
from ntkbench.kernels.stationary import STATIONARY_KERNELS, stationary_kernel, stationary_target
from ntkbench.solvers.bandwidth import resolve_bandwidth
from ntkbench.solvers.protocol import ValidationProtocol


class ExactStationary(Method):
    """Kernel ridge with exp(-‖x − y‖²/(2σ²)) (``kernel="gaussian"``) or exp(-‖x − y‖/σ)
    (``"laplace"``), scored against that same kernel (its kernel errors show round-off only).

    ``bandwidth``: ``"median"`` (default, the median distance between training rows), ``"select"``
    (the best of the median × 1/8 ... 8 by kernel ridge on the validation split, at most 2,000
    rows) or σ itself; ``bandwidth_`` holds the value used. The harness then chooses the ridge.
    """

    name = "exact_stationary"
    output = "kernel"
    params = {"kernel": ["gaussian", "laplace"], "bandwidth": ["median"]}
    param_constraints = {"kernel": {"choices": list(STATIONARY_KERNELS)},
                         "bandwidth": {"choices": ["median", "select"], "type": float, "gt": 0}}

    def skip(self, split: Split) -> str | None:
        self.protocol_ = ValidationProtocol.from_split(split)
        return super().skip(split)

    def fit(self, X: np.ndarray, y: np.ndarray | None = None) -> "ExactStationary":
        self.bandwidth_, self.bandwidth_scores_ = resolve_bandwidth(
            self.params["bandwidth"], X, y, kernel=self.params["kernel"], protocol=getattr(self, "protocol_", None),
            seed=self.random_state)
        return self

    def kernel(self, X1: np.ndarray, X2: np.ndarray) -> np.ndarray:
        return stationary_kernel(X1, None if X2 is X1 else X2, kernel=self.params["kernel"], bandwidth=self.bandwidth_)

    def target_kernel(self) -> TargetKernel:
        return stationary_target(self.params["kernel"], self.bandwidth_)
