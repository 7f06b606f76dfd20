"""Kernel quality of a method: its kernel on an evaluation subset against the exact target kernel."""

from __future__ import annotations

import numpy as np

from ntkbench.contracts import TargetKernel
from ntkbench.harness import metrics
from ntkbench.harness.kernel_cache import ExactKernelCache


def evaluation_subset(n: int, n_eval: int, seed: int) -> np.ndarray:
    """Sorted indices of a seeded random subset of ``min(n_eval, n)`` of ``n`` rows."""
    return np.sort(np.random.default_rng([seed, 15485863]).permutation(n)[:min(n_eval, n)])


def kernel_quality(approx: np.ndarray, X: np.ndarray, target: TargetKernel, *, spectral_ridge: float,
                   cache: ExactKernelCache, code: str = "") -> dict[str, float]:
    """Spectral, Frobenius and operator errors of a method's kernel matrix on the points ``X``.

    Parameters
    ----------
    approx : ndarray of shape (n, n)
        The method's kernel on ``X`` (Φ Φᵀ for a feature map).
    X : ndarray
        The evaluation points, for the exact kernel.
    target : TargetKernel
        The exact kernel the method approximates.
    spectral_ridge : float
        Relative ridge of the spectral error: λ = spectral_ridge · tr(K)/n.
    cache : ExactKernelCache
        Where exact kernel matrices are kept.
    code : str, optional
        Fingerprint of the code computing ``target``, part of the cache key.
    """
    exact = cache.gram(target, X, code=code)
    lam = metrics.relative_ridge(exact, spectral_ridge)
    return metrics.kernel_quality(exact, np.asarray(approx, dtype=np.float64), lam)
