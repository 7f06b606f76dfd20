"""Kernel quality of a method: its kernel on an evaluation subset against the exact target kernel."""

from __future__ import annotations

import numpy as np

from ntkbench.contracts import TargetKernel
from ntkbench.harness import metrics
from ntkbench.harness.kernel_cache import ExactKernelCache


def evaluation_subset(n: int, n_eval: int, seed: int) -> np.ndarray:
    """Sorted indices of a seeded random subset of ``min(n_eval, n)`` of ``n`` rows."""
    return np.sort(np.random.default_rng([seed, 15485863]).permutation(n)[:min(n_eval, n)])


def kernel_quality(output: str, train_side: np.ndarray, X: np.ndarray, target: TargetKernel, *, n_eval: int,
                   spectral_ridge: float, seed: int, cache: ExactKernelCache) -> dict[str, float]:
    """Spectral, Frobenius and operator errors of the method's kernel on ``n_eval`` rows of ``X``.

    Parameters
    ----------
    output : {"features", "kernel"}
        What ``train_side`` holds for the rows of ``X``: features Φ or the kernel matrix.
    train_side : ndarray
        The method's features (n, D) or kernel (n, n) of ``X``.
    X : ndarray
        The inputs, for the exact kernel.
    target : TargetKernel
        The exact kernel the method approximates.
    n_eval, spectral_ridge, seed
        Subset size, relative ridge of the spectral error (λ = spectral_ridge · tr(K)/n_eval), seed.
    cache : ExactKernelCache
        Where exact kernel matrices are kept.
    """
    idx = evaluation_subset(len(X), n_eval, seed)
    if output == "features":
        phi = np.asarray(train_side[idx], dtype=np.float64)
        approx = phi @ phi.T
    else:
        approx = np.asarray(train_side[np.ix_(idx, idx)], dtype=np.float64)
    exact = cache.gram(target, X[idx])
    lam = metrics.relative_ridge(exact, spectral_ridge)
    return metrics.kernel_quality(exact, approx, lam)
