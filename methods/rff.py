"""Random Fourier features of the Gaussian (RBF) kernel, via scikit-learn's RBFSampler."""

from __future__ import annotations

import numpy as np
from sklearn.kernel_approximation import RBFSampler
from sklearn.metrics.pairwise import rbf_kernel

from ntkbench.contracts import Method, TargetKernel


class RandomFourierFeatures(Method):
    """Rahimi & Recht (2007) random Fourier features; a baseline that approximates an RBF kernel, not the NTK.

    ``gamma = "scale"`` picks γ = 1 / (d · Var(X)) on the training data, as scikit-learn's SVC does.
    """

    name = "rff"
    output = "features"
    params = {"n_components": [256, 1024, 4096], "gamma": ["scale"]}
    param_constraints = {"n_components": {"ge": 1}, "gamma": {"choices": ["scale"], "type": float, "gt": 0}}

    def fit(self, X: np.ndarray, y: np.ndarray | None = None) -> "RandomFourierFeatures":
        gamma = self.params["gamma"]
        if gamma == "scale":
            variance = float(np.var(X))
            gamma = 1.0 / (X.shape[1] * variance) if variance > 0 else 1.0
        elif not (isinstance(gamma, (int, float)) and gamma > 0):
            raise ValueError(f"gamma must be 'scale' or a positive number, got {gamma!r}")
        self.gamma_ = float(gamma)
        self.sampler_ = RBFSampler(gamma=self.gamma_, n_components=int(self.params["n_components"]),
                                   random_state=self.random_state).fit(X)
        return self

    def transform(self, X: np.ndarray) -> np.ndarray:
        return self.sampler_.transform(X)

    def target_kernel(self) -> TargetKernel:
        gamma = self.gamma_
        return TargetKernel(f"rbf[gamma={gamma:.12g}]", lambda X1, X2: rbf_kernel(X1, X2, gamma=gamma))
