"""Nyström features of the exact fully-connected NTK with uniformly sampled landmarks."""

from __future__ import annotations

import math

import numpy as np

from ntkbench.adapters import ArchMethod
from ntkbench.contracts import TargetKernel
from ntkbench.kernels import fc_target


class NystromNTK(ArchMethod):
    """Φ(x) = K(x, S) K(S, S)^{-1/2} for m landmarks S drawn uniformly without replacement.

    Written here rather than with ``sklearn.kernel_approximation.Nystroem`` because that class
    evaluates a callable kernel one pair of points at a time, far too slowly for the NTK. With
    ``n_components >= n_train`` every training point is a landmark and Φ Φᵀ reproduces K on
    the training set (up to the eigenvalue cut-off ``rcond``).
    """

    name = "nystrom_ntk"
    output = "features"
    params = {
        "n_components": [256, 1024, 4096],
        "depth": [1, 2, 3],
        "activation": ["relu"],
        "w_std": [math.sqrt(2.0)],
        "b_std": [0.0],
        "get": ["ntk"],
        "rcond": [1e-10],
    }
    param_constraints = {"n_components": {"ge": 1}, "depth": {"ge": 1}, "rcond": {"ge": 0},
                         "get": {"choices": ["ntk", "nngp"]}}

    def _kernel(self, X1: np.ndarray, X2: np.ndarray) -> np.ndarray:
        return self.target_kernel()(X1, X2)

    def fit(self, X: np.ndarray, y: np.ndarray | None = None) -> "NystromNTK":
        m = int(self.params["n_components"])
        if m < 1:
            raise ValueError(f"n_components must be >= 1, got {m}")
        rng = np.random.default_rng(self.random_state)
        idx = np.sort(rng.choice(len(X), size=min(m, len(X)), replace=False))
        self.landmarks_ = np.asarray(X[idx], dtype=np.float64)
        eigenvalues, eigenvectors = np.linalg.eigh(self._kernel(self.landmarks_, self.landmarks_))
        keep = eigenvalues > self.params["rcond"] * max(eigenvalues.max(), 0.0)
        self.normalization_ = eigenvectors[:, keep] / np.sqrt(eigenvalues[keep])
        return self

    def transform(self, X: np.ndarray) -> np.ndarray:
        return self._kernel(np.asarray(X, dtype=np.float64), self.landmarks_) @ self.normalization_

    def target_kernel(self) -> TargetKernel:
        return fc_target(self.arch, self.params["get"])
