"""Random Fourier features of the Gaussian kernel (scikit-learn's ``RBFSampler``) or the Laplace
kernel (random Cauchy frequencies), with the bandwidth from the median heuristic or the validation split."""

from __future__ import annotations

import numpy as np
from sklearn.kernel_approximation import RBFSampler

from ntkbench.contracts import Method, Split, TargetKernel
from ntkbench.features.cauchy import LaplaceRandomFeatures
from ntkbench.kernels.stationary import STATIONARY_KERNELS, stationary_target
from ntkbench.solvers.bandwidth import resolve_bandwidth
from ntkbench.solvers.protocol import ValidationProtocol


class StationaryRFF(Method):
    """Rahimi & Recht (2007) features of k(x, y) = exp(-‖x − y‖²/(2σ²)) (``kernel="gaussian"``) or
    exp(-‖x − y‖/σ) (``"laplace"``), scored against that kernel.

    ``bandwidth``: ``"median"`` (default, the median distance between training rows), ``"select"``
    (the best of the median × 1/8 ... 8 by exact kernel ridge on the validation split, at most
    2,000 rows) or σ itself; ``bandwidth_`` holds the value used.
    """

    name = "rff_stationary"
    output = "features"
    params = {"n_components": [256, 1024, 4096], "kernel": ["gaussian", "laplace"], "bandwidth": ["median"]}
    param_constraints = {"n_components": {"ge": 1}, "kernel": {"choices": list(STATIONARY_KERNELS)},
                         "bandwidth": {"choices": ["median", "select"], "type": float, "gt": 0}}

    def skip(self, split: Split) -> str | None:
        self.protocol_ = ValidationProtocol.from_split(split)
        return super().skip(split)

    def fit(self, X: np.ndarray, y: np.ndarray | None = None) -> "StationaryRFF":
        kernel = self.params["kernel"]
        self.bandwidth_, self.bandwidth_scores_ = resolve_bandwidth(
            self.params["bandwidth"], X, y, kernel=kernel, protocol=getattr(self, "protocol_", None),
            seed=self.random_state)
        m = int(self.params["n_components"])
        if kernel == "gaussian":
            sampler = RBFSampler(gamma=0.5 / self.bandwidth_ ** 2, n_components=m, random_state=self.random_state)
        else:
            sampler = LaplaceRandomFeatures(bandwidth=self.bandwidth_, n_components=m, random_state=self.random_state)
        self.sampler_ = sampler.fit(X)
        return self

    def transform(self, X: np.ndarray) -> np.ndarray:
        return self.sampler_.transform(X)

    def target_kernel(self) -> TargetKernel:
        return stationary_target(self.params["kernel"], self.bandwidth_)
