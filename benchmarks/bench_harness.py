"""asv benchmarks of the harness's own numerics: metrics and the ridge path.

``NTKBENCH_BENCH_PROFILE=full`` runs the large sizes; the default quick profile keeps asv fast.
"""

from __future__ import annotations

import os

import numpy as np

from ntkbench.harness import metrics
from ntkbench.solvers import RidgePath

FULL = os.environ.get("NTKBENCH_BENCH_PROFILE", "quick") == "full"


class SpectralError:
    """Cost of the ε-spectral error on n_eval points (one generalised symmetric eigen-solve)."""

    params = [[500, 1000, 2000] if FULL else [250, 500]]
    param_names = ["n_eval"]

    def setup(self, n_eval: int) -> None:
        rng = np.random.default_rng(0)
        A = rng.standard_normal((n_eval, 64))
        self.K = A @ A.T
        B = A + 0.1 * rng.standard_normal(A.shape)
        self.K_approx = B @ B.T
        self.lam = metrics.relative_ridge(self.K, 0.01)

    def time_spectral_error(self, n_eval: int) -> None:
        metrics.spectral_error(self.K, self.K_approx, self.lam)

    def track_spectral_error(self, n_eval: int) -> float:
        return metrics.spectral_error(self.K, self.K_approx, self.lam)

    track_spectral_error.unit = "spectral epsilon"


class RidgeSelection:
    """Ridge over a 15-value grid from one eigendecomposition: primal (D < n) and dual (kernel)."""

    params = [[2000, 5000] if FULL else [1000], [256, 1024]]
    param_names = ["n", "n_features"]

    def setup(self, n: int, n_features: int) -> None:
        rng = np.random.default_rng(0)
        self.Phi = rng.standard_normal((n, n_features))
        self.Y = rng.standard_normal((n, 10))
        self.grid = np.logspace(-6, 1, 15)

    def time_primal_path(self, n: int, n_features: int) -> None:
        path = RidgePath.from_features(self.Phi, self.Y)
        for r in self.grid:
            path.predict(self.Phi[:200], r * path.scale)

    def peakmem_primal_path(self, n: int, n_features: int) -> None:
        RidgePath.from_features(self.Phi, self.Y)
