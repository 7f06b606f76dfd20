"""asv benchmarks of the feature maps of activations other than ReLU (issue #11), and their figures script.

One-layer NNGP features of GELU and erf (``NTKSketch(get="nngp", depth=1, activation=..., degree=8)``:
truncated Hermite expansion with radial PolySketch features) at 1,024 and 4,096 features on d = 90
standard-normal inputs, against the exact dual (``fc_kernel``):

* ``time_fit`` (set-up), ``time_transform`` and ``peakmem_transform`` (featurizing n points:
  5,000 in the quick profile, 50,000 with ``NTKBENCH_BENCH_PROFILE=full``);
* ``track_rel_frobenius`` and ``track_spectral_eps`` on 1,000 points (2,000 in the full profile).

The issue's reference figures (reference code, same machine, quiet): GELU relative Frobenius 0.20 at
1,024 features and 0.10 at 4,096; erf 0.51 and 0.25; 50,000 points in 4.8 s at 1,024 and 29–33 s at
4,096; set-up 3–6 s. Figures::

    PYTHONPATH=. python benchmarks/bench_general_activations.py [--n-eval 1000] [--n 50000] [--seeds 3]
"""

from __future__ import annotations

import argparse
import os
import time

import numpy as np
import scipy.linalg

from ntkbench.features import NTKSketch
from ntkbench.kernels import fc_kernel

FULL = os.environ.get("NTKBENCH_BENCH_PROFILE", "quick") == "full"
ACTIVATIONS = ["gelu", "erf"]
SIZES = [1024, 4096]
DEGREE = 8


def gaussian_data(n: int, d: int = 90, seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).standard_normal((n, d))


def sketch(activation: str, n_components: int, seed: int = 0) -> NTKSketch:
    """One-layer NNGP features of ``activation`` with unit weight variance (the dual K_σ itself)."""
    return NTKSketch(n_components, depth=1, get="nngp", activation=activation, degree=DEGREE, w_std=1.0,
                     method="layerwise", random_state=seed)


def exact(activation: str, X: np.ndarray) -> np.ndarray:
    return fc_kernel(X, depth=1, get="nngp", activation=activation, w_std=1.0)


def kernel_errors(K: np.ndarray, F: np.ndarray) -> tuple[float, float]:
    """(relative Frobenius error, spectral ε with λ = 0.01·tr(K)/n) of FFᵀ against K."""
    Ka = F @ F.T
    lam = 0.01 * np.trace(K) / len(K)
    eye = lam * np.eye(len(K))
    mu = scipy.linalg.eigh(Ka + eye, K + eye, eigvals_only=True)
    return float(np.linalg.norm(Ka - K) / np.linalg.norm(K)), float(np.max(np.abs(mu - 1.0)))


# --------------------------------------------------------------------------------------------------
# asv
# --------------------------------------------------------------------------------------------------

def setup_cache() -> dict[tuple[str, int], tuple[float, float]]:
    """Kernel errors of every (activation, size), one exact kernel per activation."""
    X = gaussian_data(2000 if FULL else 1000, seed=1)
    errors = {}
    for activation in ACTIVATIONS:
        K = exact(activation, X)
        for size in SIZES:
            errors[activation, size] = kernel_errors(K, sketch(activation, size).fit_transform(X))
    return errors


setup_cache.timeout = 1200


class FeaturizeGeneralActivation:
    """Fit (set-up) and featurize time, peak memory of featurizing, at d = 90."""

    params = (ACTIVATIONS, SIZES)
    param_names = ["activation", "n_components"]
    timeout = 600

    def setup(self, errors, activation, n_components):
        self.X = gaussian_data(50_000 if FULL else 5_000)
        self.est = sketch(activation, n_components).fit(self.X[:10])
        self.est.transform(self.X[:10])  # warm-up

    def time_fit(self, errors, activation, n_components):
        sketch(activation, n_components).fit(self.X[:10])

    def time_transform(self, errors, activation, n_components):
        self.est.transform(self.X)

    def peakmem_transform(self, errors, activation, n_components):
        self.est.transform(self.X)


class KernelErrorGeneralActivation:
    """Kernel errors against the exact dual: ``track_`` so that quality regressions show up next to speed."""

    params = (ACTIVATIONS, SIZES)
    param_names = ["activation", "n_components"]

    def track_rel_frobenius(self, errors, activation, n_components):
        return errors[activation, n_components][0]

    track_rel_frobenius.unit = "relative Frobenius error"

    def track_spectral_eps(self, errors, activation, n_components):
        return errors[activation, n_components][1]

    track_spectral_eps.unit = "spectral epsilon"


# --------------------------------------------------------------------------------------------------
# Figures script
# --------------------------------------------------------------------------------------------------

def main() -> None:
    parser = argparse.ArgumentParser(description="GELU / erf feature maps: errors and times at d = 90")
    parser.add_argument("--n-eval", type=int, default=1000)
    parser.add_argument("--n", type=int, default=50_000)
    parser.add_argument("--seeds", type=int, default=3)
    args = parser.parse_args()
    X = gaussian_data(args.n_eval, seed=1)
    big = gaussian_data(args.n)
    print(f"load average: {open('/proc/loadavg').read().split()[:3]}")
    print("| activation | n_components | rel. Frobenius (median, min–max) | spectral ε (median) "
          f"| fit (s) | featurize {args.n} points (s) |")
    print("|---|---|---|---|---|---|")
    for activation in ACTIVATIONS:
        K = exact(activation, X)
        for size in SIZES:
            errs = np.array([kernel_errors(K, sketch(activation, size, s).fit_transform(X))
                             for s in range(args.seeds)])
            start = time.perf_counter()
            est = sketch(activation, size).fit(big[:10])
            fit = time.perf_counter() - start
            est.transform(big[:10])
            start = time.perf_counter()
            est.transform(big)
            featurize = time.perf_counter() - start
            fro = errs[:, 0]
            print(f"| {activation} | {size} | {np.median(fro):.3f} ({fro.min():.3f}–{fro.max():.3f}) | "
                  f"{np.median(errs[:, 1]):.2f} | {fit:.2f} | {featurize:.1f} |", flush=True)


if __name__ == "__main__":
    main()
