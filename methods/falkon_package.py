"""FALKON from the ``falkon`` package (Meanti et al. 2020) on the Gaussian or Laplace kernel, with the
same centres as ``nystrom_stationary``: the reference for the in-project solver where it installs."""

from __future__ import annotations

import numpy as np
import torch

from ntkbench.contracts import Method, Split
from ntkbench.kernels.stationary import STATIONARY_KERNELS, stationary_kernel
from ntkbench.solvers.bandwidth import resolve_bandwidth
from ntkbench.solvers.landmarks import LANDMARK_METHODS, select_landmarks
from ntkbench.solvers.protocol import ValidationProtocol


class FalkonPackage(Method):
    """``falkon.Falkon`` with fixed centres (``landmarks`` drawn as in ``nystrom_stationary``), CPU.

    ``ridge`` is a relative ridge r: the package's penalty is λ = r / n (k(x, x) = 1 for both
    kernels), the in-project solver's λ for the same r. ``bandwidth`` as in ``nystrom_stationary``.
    Outputs predictions (no kernel-quality metrics).
    """

    name = "falkon_package"
    output = "predictions"
    requires = ("falkon",)
    params = {"n_components": [256, 1024, 4096], "kernel": ["gaussian", "laplace"], "bandwidth": ["median"],
              "landmarks": ["uniform", "rls"], "ridge": [1e-4], "max_iter": [50]}
    param_constraints = {"n_components": {"ge": 1}, "ridge": {"gt": 0}, "max_iter": {"ge": 1},
                         "kernel": {"choices": list(STATIONARY_KERNELS)},
                         "bandwidth": {"choices": ["median", "select"], "type": float, "gt": 0},
                         "landmarks": {"choices": list(LANDMARK_METHODS)}}

    def skip(self, split: Split) -> str | None:
        self.protocol_ = ValidationProtocol.from_split(split)
        return super().skip(split)

    def fit(self, X: np.ndarray, y: np.ndarray | None = None) -> "FalkonPackage":
        import falkon

        p = self.params
        protocol = getattr(self, "protocol_", None) or ValidationProtocol()
        self.bandwidth_, _ = resolve_bandwidth(p["bandwidth"], X, y, kernel=p["kernel"], protocol=protocol,
                                               seed=self.random_state)
        Xt = torch.as_tensor(np.asarray(X, dtype=np.float64))
        bandwidth, name = self.bandwidth_, p["kernel"]
        extra = {"diagonal": torch.ones(len(Xt), dtype=Xt.dtype)} if p["landmarks"] == "rls" else {}
        centres = select_landmarks(p["landmarks"], Xt, int(p["n_components"]),
                                   lambda A, B: stationary_kernel(A, B, kernel=name, bandwidth=bandwidth),
                                   np.random.default_rng(self.random_state), **extra)
        targets, self.decode_ = protocol.targets(np.asarray(y))
        kernel_cls = falkon.kernels.GaussianKernel if name == "gaussian" else falkon.kernels.LaplacianKernel
        options = falkon.FalkonOptions(use_cpu=True, keops_active="no")
        self.model_ = falkon.Falkon(kernel=kernel_cls(sigma=bandwidth, opt=options), penalty=p["ridge"] / len(Xt),
                                    M=len(centres), maxiter=int(p["max_iter"]), options=options,
                                    center_selection=falkon.center_selection.FixedSelector(centers=Xt[centres]),
                                    seed=self.random_state)
        self.model_.fit(Xt, torch.as_tensor(targets).reshape(len(Xt), -1))
        return self

    def predict(self, X: np.ndarray) -> np.ndarray:
        scores = self.model_.predict(torch.as_tensor(np.asarray(X, dtype=np.float64)))
        return self.decode_(scores.numpy())
